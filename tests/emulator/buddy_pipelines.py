# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy workspaces, projects and pipelines in the emulator: routes, the ``workspaces`` seed.

Test tooling only. The state layout is in ``buddy.py``; a pipeline's actions are served by
``buddy_actions.py`` but seeded here, with the pipeline they belong to.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List

from . import buddy
from .buddy_actions import seed_action
from .core import ApiError, Emulator, HandlerResult, Request, State, checked_settings, deep_merge, positive_integer

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


# --- pipeline settings: defaults, validation ----------------------------------------------------
# Defaults the server fills in on create, besides buddy.PIPELINE_DEFAULTS (read at every view).
CREATE_DEFAULTS: Dict[str, Any] = {
    "events": [],
    "tags": [],
    "trigger_conditions": [],
    "paused": False,
    "clone_depth": 0,
    "pause_on_repeated_failures": 1,
    "execution_message_template": "$BUDDY_EXECUTION_REVISION_SUBJECT",
    "permissions": {"others": "DEFAULT", "users": [], "groups": []},
}
READ_ONLY_KEYS = ("id", "url", "html_url", "project", "creator", "create_date", "last_execution_status",
                  "last_execution_revision", "stale", "waiting_for_push", "actions")
ENUMS: Dict[str, Any] = {
    "priority": ("LOW", "NORMAL", "HIGH"),
    "cpu": ("X64", "ARM"),
    "definition_source": ("LOCAL", "REMOTE"),
    "git_config_ref": ("NONE", "DYNAMIC", "FIXED"),
    "git_changeset_base": ("LATEST_RUN", "LATEST_RUN_MATCHING_REF", "PULL_REQUEST"),
    "filesystem_changeset_base": ("DATE_MODIFIED", "CONTENTS"),
}
EVENT_TYPES = ("PUSH", "CREATE_REF", "DELETE_REF", "PULL_REQUEST", "SCHEDULE", "WEBHOOK", "EMAIL",
               "PUBLISH_PACKAGE_VERSION", "CREATE_PACKAGE_VERSION", "DELETE_PACKAGE_VERSION")
ACCESS_LEVELS = ("DEFAULT", "DENIED", "READ_ONLY", "RUN_ONLY", "READ_WRITE", "MANAGE")
KINDS: Dict[str, Any] = {
    "name": str, "identifier": str, "refs": list, "tags": list, "events": list, "trigger_conditions": list,
    "paused": bool, "disabled": bool, "disabled_reason": str, "concurrent_pipeline_runs": bool,
    "clone_depth": int, "always_from_scratch": bool, "auto_clear_cache": bool, "fetch_all_refs": bool,
    "fail_on_prepare_env_warning": bool, "no_skip_to_most_recent": bool, "do_not_create_commit_status": bool,
    "execution_message_template": str, "target_site_url": str, "pause_on_repeated_failures": int,
    "permissions": dict, "remote_path": str, "remote_ref": str, "remote_project_name": str,
}

# Switches (seed ``pipeline_settings``), for what the public record leaves open:
# - ``max_per_page``: the most pipelines one list page holds, whatever ``per_page`` asks (no totals
#   either way; default: the server's ``--max-per-page``);
# - ``list_view``: ``full`` (default: list entries are whole pipelines, as the Go SDK's list type is
#   its pipeline type) or ``short`` (id, identifier, name, refs and a few more);
# - ``create_status``: 201 (default) or 200 (sources differ);
# - ``unique_names``: true (default: a second pipeline of the same name in a project is refused) or false.
DEFAULT_SETTINGS: Dict[str, Any] = {"max_per_page": None, "list_view": "full", "create_status": 201,
                                    "unique_names": True}
SETTING_CHOICES: Dict[str, Any] = {"list_view": ("full", "short"), "create_status": (200, 201),
                                   "unique_names": (True, False)}


def settings(state: State) -> Dict[str, Any]:
    return state.data.setdefault("pipeline_settings", dict(DEFAULT_SETTINGS))


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def validate_pipeline(project: Dict[str, Any], pipeline: Dict[str, Any], own_id: Any, unique: bool) -> None:
    """Reject what the vendor rejects; ``pipeline`` is the whole stored pipeline after the write."""
    name = pipeline.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _bad("Field 'name' is required")
    for key, kind in KINDS.items():
        value = pipeline.get(key)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            raise _bad("Field '%s' must be %s" % (key, {str: "a string", list: "a list", bool: "a boolean",
                                                        int: "an integer", dict: "an object"}[kind]))
    for key, allowed in ENUMS.items():
        if pipeline.get(key) is not None and pipeline[key] not in allowed:
            raise _bad("Invalid value '%s' of field '%s'. Allowed values: %s" % (pipeline[key], key, ", ".join(allowed)))
    for index, event in enumerate(pipeline.get("events") or []):
        if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
            raise _bad("Field 'events[%d].type' must be one of %s" % (index, ", ".join(EVENT_TYPES)))
    for index, condition in enumerate(pipeline.get("trigger_conditions") or []):
        if not isinstance(condition, dict) or not condition.get("trigger_condition"):
            raise _bad("Field 'trigger_conditions[%d].trigger_condition' is required" % index)
    permissions = pipeline.get("permissions") or {}
    if permissions.get("others") is not None and permissions["others"] not in ACCESS_LEVELS:
        raise _bad("Invalid value '%s' of field 'permissions.others'" % permissions["others"])
    for other_id, other in project.get("pipelines", {}).items():
        if str(other_id) == str(own_id):
            continue
        if unique and other.get("name") == name:
            raise _bad("Pipeline with name '%s' already exists in this project" % name)
        if pipeline.get("identifier") and _identifier(other) == pipeline.get("identifier"):
            raise _bad("Pipeline with identifier '%s' already exists in this project" % pipeline["identifier"])


def _identifier(pipeline: Dict[str, Any]) -> str:
    return str(pipeline.get("identifier") or buddy.slug(str(pipeline.get("name", "pipeline"))))


def _writable(body: Dict[str, Any]) -> Dict[str, Any]:
    fields = copy.deepcopy(body)
    for key in READ_ONLY_KEYS:
        fields.pop(key, None)
    return fields


def view(request: Request, ws: str, project_name: str, project: Dict[str, Any], pipeline: Dict[str, Any]) -> Dict[str, Any]:
    """The pipeline as the API answers it: stored fields over the server's defaults."""
    stored = dict(CREATE_DEFAULTS)
    stored.update(pipeline)
    stored["identifier"] = _identifier(pipeline)
    return buddy.pipeline_view(request.base_url, ws, project_name, project, stored)


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
    """One page of the project's pipelines, by id; no totals (facts-v2 A: page until an empty page)."""
    ws, project_name = request.params["ws"], request.params["project"]
    project = buddy.get_project(state, ws, project_name)
    page, per_page = buddy.page_params(state, request)
    cap = settings(state).get("max_per_page")
    if cap:
        per_page = min(per_page, int(cap))
    ordered = [pipeline for _key, pipeline in sorted(project.get("pipelines", {}).items(), key=lambda item: int(item[0]))]
    base = request.base_url
    if settings(state)["list_view"] == "short":
        pipelines = [buddy.pipeline_short_view(base, ws, project_name, dict(pipeline, identifier=_identifier(pipeline)))
                     for pipeline in buddy.page_of(ordered, page, per_page)]
    else:
        pipelines = [view(request, ws, project_name, project, pipeline) for pipeline in buddy.page_of(ordered, page, per_page)]
    return 200, {
        "url": "%s/workspaces/%s/projects/%s/pipelines" % (base, buddy.seg(ws), buddy.seg(project_name)),
        "html_url": "%s/app/%s/%s/pipelines" % (base, buddy.seg(ws), buddy.seg(project_name)),
        "pipelines": pipelines,
    }, {}


def get_pipeline(state: State, request: Request) -> HandlerResult:
    ws, project_name = request.params["ws"], request.params["project"]
    project = buddy.get_project(state, ws, project_name)
    pipeline = buddy.get_pipeline(state, ws, project_name, request.params["pipeline_id"])
    return 200, view(request, ws, project_name, project, pipeline), {}


def create_pipeline(state: State, request: Request) -> HandlerResult:
    """POST: settings only (actions are added one by one); defaults filled in; 201 (or 200, a switch)."""
    ws, project_name = request.params["ws"], request.params["project"]
    project = buddy.get_project(state, ws, project_name)
    fields = _writable(request.json_object())
    fields.pop("on", None)
    pipeline_id = state.next_id("pipeline", start=1)
    stored: Dict[str, Any] = copy.deepcopy(CREATE_DEFAULTS)
    stored.update(fields)
    stored["id"] = pipeline_id
    stored.setdefault("identifier", buddy.slug(str(stored.get("name") or "pipeline")))
    stored["actions"] = []
    validate_pipeline(project, stored, pipeline_id, settings(state)["unique_names"])
    project.setdefault("pipelines", {})[str(pipeline_id)] = stored
    return int(settings(state)["create_status"]), view(request, ws, project_name, project, stored), {}


def patch_pipeline(state: State, request: Request) -> HandlerResult:
    """PATCH: top-level fields replace (nested values whole), validated as a whole."""
    ws, project_name = request.params["ws"], request.params["project"]
    project = buddy.get_project(state, ws, project_name)
    pipeline = buddy.get_pipeline(state, ws, project_name, request.params["pipeline_id"])
    fields = _writable(request.json_object())
    fields.pop("on", None)
    merged = copy.deepcopy(pipeline)
    merged.setdefault("identifier", _identifier(pipeline))
    for key, value in fields.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    validate_pipeline(project, merged, pipeline["id"], settings(state)["unique_names"])
    pipeline.clear()
    pipeline.update(merged)
    return 200, view(request, ws, project_name, project, pipeline), {}


def delete_pipeline(state: State, request: Request) -> HandlerResult:
    ws, project_name = request.params["ws"], request.params["project"]
    project = buddy.get_project(state, ws, project_name)
    pipeline = buddy.get_pipeline(state, ws, project_name, request.params["pipeline_id"])
    for action in pipeline.get("actions", []):
        state.secrets("actions").pop(str(action.get("id")), None)
    project["pipelines"].pop(str(pipeline["id"]), None)
    return 204, None, {}


ROUTES = (
    ("GET", buddy.WS, get_workspace),
    ("GET", buddy.WS + r"/projects", list_projects),
    ("GET", buddy.PROJECT, get_project),
    ("GET", buddy.PROJECT + r"/pipelines", list_pipelines),
    ("POST", buddy.PROJECT + r"/pipelines", create_pipeline),
    ("GET", buddy.PIPELINE, get_pipeline),
    ("PATCH", buddy.PIPELINE, patch_pipeline),
    ("DELETE", buddy.PIPELINE, delete_pipeline),
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


def seed_settings(state: State, value: Any) -> None:
    """Seed ``pipeline_settings`` (see DEFAULT_SETTINGS)."""
    rules = {"max_per_page": (lambda cap: cap is None or positive_integer(cap), "a positive integer or null")}
    settings(state).update(checked_settings("pipeline_settings", value, DEFAULT_SETTINGS, SETTING_CHOICES, rules))


def init_state(state: State) -> None:
    state.data.setdefault("workspaces", {})
    state.data["pipeline_settings"] = dict(DEFAULT_SETTINGS)


def register(app: Emulator) -> None:
    """Workspaces, projects, pipelines; also Buddy's timings (``run_settings``, see ``buddy.py``)."""
    app.add_state_init(init_state)
    app.add_state_init(buddy.init_settings)
    app.add_seed_handler("workspaces", seed_workspaces)
    app.add_seed_handler("run_settings", buddy.seed_settings)
    app.add_seed_handler("pipeline_settings", seed_settings)
    app.add_default_seed(DEFAULT_SEED)
    app.add_routes(ROUTES)
