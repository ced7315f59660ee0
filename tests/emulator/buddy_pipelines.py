# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy workspaces, projects and pipelines in the emulator: routes, the ``workspaces`` seed.

Test tooling only. The state layout is in ``buddy.py``; a pipeline's actions are served by
``buddy_actions.py`` but seeded here, with the pipeline they belong to.
"""

from __future__ import annotations

from typing import Any, Dict, List

from . import buddy
from .buddy_actions import seed_action
from .core import ApiError, Emulator, HandlerResult, Request, State, deep_merge

DEFAULT_SEED: Dict[str, Any] = {
    "workspaces": {
        "acme": {
            "name": "Acme",
            "projects": {
                "website": {
                    "display_name": "Website",
                    "pipelines": {"1": {"name": "Sandbox flow"}, "2": {"name": "Release"}},
                },
                "other": {
                    "display_name": "Other",
                    "pipelines": {"1": {"name": "Sandbox flow"}},
                },
            },
        }
    }
}


# --- routes ---------------------------------------------------------------------------------------
def get_workspace(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    workspace = buddy.get_workspace(state, ws)
    base = request.base_url
    return 200, {
        "url": "%s/workspaces/%s" % (base, buddy.seg(ws)),
        "html_url": "%s/app/%s" % (base, buddy.seg(ws)),
        "domain": ws,
        "name": workspace.get("name", ws),
    }, {}


def list_projects(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    workspace = buddy.get_workspace(state, ws)
    base = request.base_url
    projects = [buddy.project_view(base, ws, name, project) for name, project in workspace.get("projects", {}).items()]
    return 200, {"url": "%s/workspaces/%s/projects" % (base, buddy.seg(ws)), "projects": projects}, {}


def get_project(state: State, request: Request) -> HandlerResult:
    ws, project_name = request.params["ws"], request.params["project"]
    project = buddy.get_project(state, ws, project_name)
    return 200, buddy.project_view(request.base_url, ws, project_name, project), {}


def list_pipelines(state: State, request: Request) -> HandlerResult:
    ws, project_name = request.params["ws"], request.params["project"]
    project = buddy.get_project(state, ws, project_name)
    base = request.base_url
    pipelines = [buddy.pipeline_short_view(base, ws, project_name, pipeline)
                 for _key, pipeline in sorted(project.get("pipelines", {}).items(), key=lambda item: int(item[0]))]
    return 200, {
        "url": "%s/workspaces/%s/projects/%s/pipelines" % (base, buddy.seg(ws), buddy.seg(project_name)),
        "html_url": "%s/app/%s/%s/pipelines" % (base, buddy.seg(ws), buddy.seg(project_name)),
        "pipelines": pipelines,
    }, {}


def get_pipeline(state: State, request: Request) -> HandlerResult:
    ws, project_name = request.params["ws"], request.params["project"]
    project = buddy.get_project(state, ws, project_name)
    pipeline = buddy.get_pipeline(state, ws, project_name, request.params["pipeline_id"])
    return 200, buddy.pipeline_view(request.base_url, ws, project_name, project, pipeline), {}


ROUTES = (
    ("GET", buddy.WS, get_workspace),
    ("GET", buddy.WS + r"/projects", list_projects),
    ("GET", buddy.PROJECT, get_project),
    ("GET", buddy.PROJECT + r"/pipelines", list_pipelines),
    ("GET", buddy.PIPELINE, get_pipeline),
)


# --- seeds ---------------------------------------------------------------------------------------
def _pipeline_items(pipelines: Any) -> List[Any]:
    if isinstance(pipelines, dict):
        return [(str(key), value or {}) for key, value in pipelines.items()]
    if isinstance(pipelines, list):
        return [(str(item["id"]), item) for item in pipelines]
    raise ApiError(400, "seed: pipelines must be an object keyed by id or a list of objects with 'id'")


def seed_workspaces(state: State, workspaces: Any) -> None:
    """Merge a ``workspaces`` seed: levels are created or updated, ``actions`` are appended.

    A seeded action with an ``id`` that already exists in that pipeline replaces it in place.
    """
    if not isinstance(workspaces, dict):
        raise ApiError(400, "seed: workspaces must be an object")
    target = state.data.setdefault("workspaces", {})
    for ws_name, ws_seed in workspaces.items():
        ws_seed = dict(ws_seed or {})
        workspace = target.setdefault(ws_name, {"name": ws_name, "integrations": {}, "projects": {}})
        projects = ws_seed.pop("projects", {}) or {}
        deep_merge(workspace, ws_seed)
        for project_name, project_seed in projects.items():
            project_seed = dict(project_seed or {})
            project = workspace["projects"].setdefault(project_name, {"display_name": project_name, "status": "ACTIVE", "pipelines": {}})
            pipelines = project_seed.pop("pipelines", {}) or {}
            deep_merge(project, project_seed)
            for pipeline_key, pipeline_seed in _pipeline_items(pipelines):
                pipeline_seed = dict(pipeline_seed)
                pipeline_id = int(pipeline_key)
                actions = pipeline_seed.pop("actions", []) or []
                pipeline_seed.pop("id", None)
                pipeline = project["pipelines"].setdefault(str(pipeline_id), {"id": pipeline_id, "name": "Pipeline %d" % pipeline_id, "actions": []})
                deep_merge(pipeline, pipeline_seed)
                state.bump_counter("pipeline", pipeline_id, start=1)
                for action_seed in actions:
                    seed_action(state, ws_name, project_name, pipeline, action_seed)


def init_state(state: State) -> None:
    state.data.setdefault("workspaces", {})


def register(app: Emulator) -> None:
    """Workspaces, projects, pipelines; also Buddy's timings (``run_settings``, see ``buddy.py``)."""
    app.add_state_init(init_state)
    app.add_state_init(buddy.init_settings)
    app.add_seed_handler("workspaces", seed_workspaces)
    app.add_seed_handler("run_settings", buddy.seed_settings)
    app.add_default_seed(DEFAULT_SEED)
    app.add_routes(ROUTES)
