# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy workspaces / projects / pipelines in the emulator: state layout, look-ups, views, seeds.

Test tooling only. Shared by every Buddy routes file (actions, runs, sandboxes).

State layout (``state.data``)::

    workspaces:
      <ws>: {name, integrations: {<id>: {name, type}}, projects: {
        <project>: {display_name, status, pipelines: {
          "<pipeline id>": {id, name, <pipeline fields>..., actions: [<stored action>, ...]}}}}}
    _counters: {action: next id, variable: next id, ...}
    _secrets: {actions: {"<action id>": {password: ...}}, variables: {"<var id>": plain value}}
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List
from urllib.parse import quote

from buddy_actions_model import seed_action
from emulator_core import ApiError, Emulator, State, deep_merge

PIPELINE_DEFAULTS: Dict[str, Any] = {
    "on": "CLICK",
    "refs": ["refs/heads/main"],
    "definition_source": "LOCAL",
    "git_config_ref": "NONE",
    "priority": "NORMAL",
    "disabled": False,
    "last_execution_status": "INITIAL",
    "last_execution_revision": None,
    "always_from_scratch": False,
    "ignore_fail_on_project_status": False,
    "strict_context": False,
    "no_skip_to_most_recent": False,
    "terminate_stale_runs": False,
    "auto_clear_cache": False,
    "fetch_all_refs": False,
    "fail_on_prepare_env_warning": True,
    "concurrent_pipeline_runs": False,
    "do_not_create_commit_status": False,
    "stale": False,
    "waiting_for_push": False,
    "resources": "DEFAULT",
    "git_changeset_base": "LATEST_RUN",
    "filesystem_changeset_base": "DATE_MODIFIED",
    "cpu": "X64",
    "description_required": False,
    "create_date": "2026-01-01T00:00:00Z",
}
SHORT_PIPELINE_KEYS = ("identifier", "name", "on", "refs", "last_execution_status", "last_execution_revision")
PRIVATE_PIPELINE_KEYS = ("actions",)

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


def seg(value: Any) -> str:
    """Percent-encode one path segment for URLs the emulator hands out."""
    return quote(str(value), safe="")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "pipeline"


# --- look-ups (404 names the missing level) -----------------------------------------------------
def get_workspace(state: State, ws: str) -> Dict[str, Any]:
    workspace = state.data.get("workspaces", {}).get(ws)
    if workspace is None:
        raise ApiError(404, "Workspace not found: %s" % ws)
    return workspace


def get_project(state: State, ws: str, project: str) -> Dict[str, Any]:
    found = get_workspace(state, ws).get("projects", {}).get(project)
    if found is None:
        raise ApiError(404, "Project not found: %s" % project)
    return found


def parse_int_id(raw: str, what: str) -> int:
    """A numeric path id; an id that is not a number can't exist -> 404 naming it."""
    if not re.match(r"^[0-9]+$", raw):
        raise ApiError(404, "%s not found: %s" % (what, raw))
    return int(raw)


def get_pipeline(state: State, ws: str, project: str, pipeline_id: str) -> Dict[str, Any]:
    pipelines = get_project(state, ws, project).get("pipelines", {})
    found = pipelines.get(str(parse_int_id(pipeline_id, "Pipeline")))
    if found is None:
        raise ApiError(404, "Pipeline not found: %s" % pipeline_id)
    return found


# --- URLs and views ----------------------------------------------------------------------------
def pipeline_url(base: str, ws: str, project: str, pipeline_id: Any) -> str:
    return "%s/workspaces/%s/projects/%s/pipelines/%s" % (base, seg(ws), seg(project), seg(pipeline_id))


def pipeline_html_url(base: str, ws: str, project: str, pipeline_id: Any) -> str:
    return "%s/app/%s/%s/pipelines/pipeline/%s" % (base, seg(ws), seg(project), seg(pipeline_id))


def project_view(base: str, ws: str, project_name: str, project: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "url": "%s/workspaces/%s/projects/%s" % (base, seg(ws), seg(project_name)),
        "html_url": "%s/app/%s/%s" % (base, seg(ws), seg(project_name)),
        "name": project_name,
        "display_name": project.get("display_name", project_name),
        "status": project.get("status", "ACTIVE"),
    }


def pipeline_full(pipeline: Dict[str, Any]) -> Dict[str, Any]:
    """Stored pipeline fields with server defaults filled in (no actions)."""
    full = copy.deepcopy(PIPELINE_DEFAULTS)
    full["identifier"] = slug(str(pipeline.get("name", "pipeline")))
    for key, value in pipeline.items():
        if key not in PRIVATE_PIPELINE_KEYS and not key.startswith("_"):
            full[key] = copy.deepcopy(value)
    return full


def pipeline_short_view(base: str, ws: str, project: str, pipeline: Dict[str, Any]) -> Dict[str, Any]:
    """Short pipeline object as embedded in actions."""
    full = pipeline_full(pipeline)
    view: Dict[str, Any] = {
        "url": pipeline_url(base, ws, project, pipeline["id"]),
        "html_url": pipeline_html_url(base, ws, project, pipeline["id"]),
        "id": pipeline["id"],
    }
    for key in SHORT_PIPELINE_KEYS:
        view[key] = full.get(key)
    return view


def pipeline_view(base: str, ws: str, project_name: str, project: Dict[str, Any], pipeline: Dict[str, Any]) -> Dict[str, Any]:
    """Full pipeline object as ``GET .../pipelines/{id}`` answers it."""
    full = pipeline_full(pipeline)
    view: Dict[str, Any] = {
        "url": pipeline_url(base, ws, project_name, pipeline["id"]),
        "html_url": pipeline_html_url(base, ws, project_name, pipeline["id"]),
        "id": pipeline["id"],
        "identifier": full.pop("identifier"),
        "name": full.pop("name", None),
    }
    view.update({key: value for key, value in full.items() if key != "id"})
    view["project"] = project_view(base, ws, project_name, project)
    return view


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
    """Shared Buddy state: called by routes_buddy_actions (idempotent)."""
    if getattr(app, "_buddy_common_registered", False):
        return
    setattr(app, "_buddy_common_registered", True)
    app.add_state_init(init_state)
    app.add_seed_handler("workspaces", seed_workspaces)
    app.add_default_seed(DEFAULT_SEED)
