# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy routes: workspaces, projects, pipelines and pipeline actions.

Test tooling only. Registered by ``server.py`` through ``register(app)``.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import buddy_actions_model as model
import buddy_common as common
from emulator_core import ApiError, Emulator, HandlerResult, Request, State

SEG = r"[^/]+"
WS = r"/workspaces/(?P<ws>%s)" % SEG
PROJECT = WS + r"/projects/(?P<project>%s)" % SEG
PIPELINE = PROJECT + r"/pipelines/(?P<pipeline_id>%s)" % SEG
ACTIONS = PIPELINE + r"/actions"
ACTION = ACTIONS + r"/(?P<action_id>%s)" % SEG


def _location(state: State, request: Request) -> Tuple[str, str, Dict[str, Any], Dict[str, Any]]:
    ws, project_name = request.params["ws"], request.params["project"]
    project = common.get_project(state, ws, project_name)
    pipeline = common.get_pipeline(state, ws, project_name, request.params["pipeline_id"])
    return ws, project_name, project, pipeline


def _short_pipeline(request: Request, ws: str, project_name: str, pipeline: Dict[str, Any]) -> Dict[str, Any]:
    return common.pipeline_short_view(request.base_url, ws, project_name, pipeline)


def _render(request: Request, ws: str, project_name: str, pipeline: Dict[str, Any], stored: Dict[str, Any]) -> Dict[str, Any]:
    html_base = common.pipeline_html_url(request.base_url, ws, project_name, pipeline["id"])
    return model.render_action(_short_pipeline(request, ws, project_name, pipeline), html_base, stored)


def _find_action(pipeline: Dict[str, Any], raw_id: str) -> Dict[str, Any]:
    action_id = common.parse_int_id(raw_id, "Action")
    for action in pipeline.get("actions", []):
        if action.get("id") == action_id:
            return action
    raise ApiError(404, "Action not found: %s" % raw_id)


# --- workspace / project / pipeline ----------------------------------------------------------------
def get_workspace(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    workspace = common.get_workspace(state, ws)
    base = request.base_url
    return 200, {
        "url": "%s/workspaces/%s" % (base, common.seg(ws)),
        "html_url": "%s/app/%s" % (base, common.seg(ws)),
        "domain": ws,
        "name": workspace.get("name", ws),
    }, {}


def list_projects(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    workspace = common.get_workspace(state, ws)
    base = request.base_url
    projects = [common.project_view(base, ws, name, project) for name, project in workspace.get("projects", {}).items()]
    return 200, {"url": "%s/workspaces/%s/projects" % (base, common.seg(ws)), "projects": projects}, {}


def get_project(state: State, request: Request) -> HandlerResult:
    ws, project_name = request.params["ws"], request.params["project"]
    project = common.get_project(state, ws, project_name)
    return 200, common.project_view(request.base_url, ws, project_name, project), {}


def list_pipelines(state: State, request: Request) -> HandlerResult:
    ws, project_name = request.params["ws"], request.params["project"]
    project = common.get_project(state, ws, project_name)
    base = request.base_url
    pipelines = [common.pipeline_short_view(base, ws, project_name, pipeline)
                 for _key, pipeline in sorted(project.get("pipelines", {}).items(), key=lambda item: int(item[0]))]
    return 200, {
        "url": "%s/workspaces/%s/projects/%s/pipelines" % (base, common.seg(ws), common.seg(project_name)),
        "html_url": "%s/app/%s/%s/pipelines" % (base, common.seg(ws), common.seg(project_name)),
        "pipelines": pipelines,
    }, {}


def get_pipeline(state: State, request: Request) -> HandlerResult:
    ws, project_name, project, pipeline = _location(state, request)
    return 200, common.pipeline_view(request.base_url, ws, project_name, project, pipeline), {}


# --- actions ---------------------------------------------------------------------------------------
def list_actions(state: State, request: Request) -> HandlerResult:
    ws, project_name, _project, pipeline = _location(state, request)
    config = state.config
    page = request.query_int("page", 1)
    per_page = request.query_int("per_page", config.page_size)
    if page < 1:
        raise ApiError(400, "Query parameter 'page' must be 1 or more")
    if per_page < 1:
        raise ApiError(400, "Query parameter 'per_page' must be 1 or more")
    per_page = min(per_page, config.max_per_page)
    chunk = pipeline.get("actions", [])[(page - 1) * per_page:page * per_page]
    views = [_render(request, ws, project_name, pipeline, stored) for stored in chunk]
    if config.list_view == "short":
        views = [model.short_action(view) for view in views]
    base_url = common.pipeline_url(request.base_url, ws, project_name, pipeline["id"])
    html_url = common.pipeline_html_url(request.base_url, ws, project_name, pipeline["id"])
    return 200, {"url": base_url + "/actions", "html_url": html_url + "/actions", "actions": views}, {}


def get_action(state: State, request: Request) -> HandlerResult:
    ws, project_name, _project, pipeline = _location(state, request)
    stored = _find_action(pipeline, request.params["action_id"])
    return 200, _render(request, ws, project_name, pipeline, stored), {}


def create_action(state: State, request: Request) -> HandlerResult:
    ws, project_name, _project, pipeline = _location(state, request)
    stored = model.create_action(state, ws, project_name, pipeline, request.json_object())
    return 201, _render(request, ws, project_name, pipeline, stored), {}


def update_action(state: State, request: Request) -> HandlerResult:
    ws, project_name, _project, pipeline = _location(state, request)
    stored = _find_action(pipeline, request.params["action_id"])
    model.update_action(state, ws, project_name, pipeline, stored, request.json_object())
    return 200, _render(request, ws, project_name, pipeline, stored), {}


def delete_action(state: State, request: Request) -> HandlerResult:
    _ws, _project_name, _project, pipeline = _location(state, request)
    stored = _find_action(pipeline, request.params["action_id"])
    model.delete_action(state, pipeline, stored["id"])
    return 204, None, {}


def register(app: Emulator) -> None:
    common.register(app)
    app.route("GET", WS, get_workspace)
    app.route("GET", WS + r"/projects", list_projects)
    app.route("GET", PROJECT, get_project)
    app.route("GET", PROJECT + r"/pipelines", list_pipelines)
    app.route("GET", PIPELINE, get_pipeline)
    app.route("GET", ACTIONS, list_actions)
    app.route("POST", ACTIONS, create_action)
    app.route("GET", ACTION, get_action)
    app.route("PATCH", ACTION, update_action)
    app.route("DELETE", ACTION, delete_action)
