# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy environment variables in the emulator (``/workspaces/{ws}/variables``): scopes, filters, ciphertext.

Test tooling only. As the public record has it (facts-v2 E): a variable lives in the workspace or in
one project, pipeline or action (one scope object, ``project{name}`` / ``pipeline{id}`` /
``action{id}``); its key is unique within the scope; the list is not paginated, takes the scope as a
filter and with no filter holds only the workspace's variables; create answers 201, delete 204; an
edit wants ``key`` and has no scope fields. An encrypted value is stored and answered only as
ciphertext (``secure!...``, new on every write, so it can't be compared); the plain value is kept
under ``_secrets/variables/<id>`` for tests.

State::

    variables: {<ws>: {"<id>": {id, key, value, type, encrypted, settable, run_only_settable, description,
                                 file_place, file_path, file_chmod, project?: {name}, pipeline?: {id},
                                 action?: {id}}}}
    variable_settings: {list_filters: "both" | "docs" | "go", scoped_list: "exact" | "inherited"}

Switches (seed ``variable_settings``), for what the record leaves open:

- ``list_filters``: which spelling of the list filters the server reads: ``docs`` (``project_name``,
  ``pipeline_id``, ``action_id``), ``go`` (the official Go SDK's ``projectName``, ``pipelineId``,
  ``actionId``) or ``both`` (default). A filter it does not read is ignored, as servers do, so the
  list then holds the workspace's variables.
- ``scoped_list``: ``exact`` (default: a scoped list holds that scope's variables only) or
  ``inherited`` (it also holds every broader scope's: the workspace's, the project's, the pipeline's).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List, Optional, Tuple

from . import buddy
from .core import ApiError, Emulator, HandlerResult, Request, State, checked_settings

VARIABLES = buddy.WS + r"/variables"
VARIABLE = VARIABLES + r"/(?P<variable_id>%s)" % buddy.SEG

TYPES = ("VAR", "SSH_KEY", "FILE", "SSH_PUBLIC_KEY", "GPG_KEY", "IOS_KEYCHAIN", "IOS_PROVISION_PROFILES")
FILE_PLACES = ("NONE", "CONTAINER")
SCOPES = ("project", "pipeline", "action", "environment", "sandbox")
FILTERS = {
    "docs": {"project": "project_name", "pipeline": "pipeline_id", "action": "action_id"},
    "go": {"project": "projectName", "pipeline": "pipelineId", "action": "actionId"},
}
DEFAULT_SETTINGS = {"list_filters": "both", "scoped_list": "exact"}
SETTING_CHOICES = {"list_filters": ("both", "docs", "go"), "scoped_list": ("exact", "inherited")}
FIELD_KINDS = {
    "key": str, "value": str, "type": str, "description": str, "file_place": str, "file_path": str,
    "file_chmod": str, "init_path": str, "encrypted": bool, "settable": bool, "run_only_settable": bool,
    "defaults": str,
}
EDITABLE = ("key", "value", "description", "settable", "run_only_settable", "encrypted", "file_place", "file_path",
            "file_chmod", "init_path", "defaults")
KEY_RULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
DEFAULTS: Dict[str, Any] = {"type": "VAR", "encrypted": False, "settable": False, "run_only_settable": False,
                            "description": ""}


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def settings(state: State) -> Dict[str, str]:
    return state.data.setdefault("variable_settings", dict(DEFAULT_SETTINGS))


def _store(state: State, ws: str) -> Dict[str, Dict[str, Any]]:
    return state.data.setdefault("variables", {}).setdefault(ws, {})


# --- scopes -------------------------------------------------------------------------------------------
def _pipeline_projects(state: State, ws: str, pipeline_id: int) -> List[str]:
    """The projects holding a pipeline with this id (pipeline ids are per project in the emulator's seeds)."""
    projects = buddy.get_workspace(state, ws).get("projects", {})
    return [name for name, project in projects.items() if str(pipeline_id) in project.get("pipelines", {})]


def _action_pipeline(state: State, ws: str, action_id: int) -> Optional[Tuple[str, int]]:
    for project_name, project in buddy.get_workspace(state, ws).get("projects", {}).items():
        for pipeline in project.get("pipelines", {}).values():
            if any(action.get("id") == action_id for action in pipeline.get("actions", [])):
                return project_name, pipeline["id"]
    return None


def _as_id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not re.match(r"^[0-9]+$", str(value)):
        raise _bad("Field '%s' must be an integer" % field)
    return int(value)


def _scope_of(state: State, ws: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """The one scope object of a create (none = workspace), checked against what exists."""
    given = [name for name in SCOPES if body.get(name) is not None]
    if len(given) > 1:
        raise _bad("Only one of project, pipeline, action, environment, sandbox may be given, got %s"
                   % ", ".join(given))
    if not given:
        return {}
    name = given[0]
    scope = body[name]
    if not isinstance(scope, dict):
        raise _bad("Field '%s' must be an object" % name)
    if name == "project":
        project_name = scope.get("name")
        if not isinstance(project_name, str) or not project_name:
            raise _bad("Field 'project.name' is required")
        buddy.get_project(state, ws, project_name)
        return {"project": {"name": project_name}}
    if name == "pipeline":
        pipeline_id = _as_id(scope.get("id"), "pipeline.id")
        if not _pipeline_projects(state, ws, pipeline_id):
            raise ApiError(404, "Pipeline not found: %s" % pipeline_id)
        return {"pipeline": {"id": pipeline_id}}
    if name == "action":
        action_id = _as_id(scope.get("id"), "action.id")
        if _action_pipeline(state, ws, action_id) is None:
            raise ApiError(404, "Action not found: %s" % action_id)
        return {"action": {"id": action_id}}
    raise _bad("Scope '%s' is not supported by this emulator" % name)


def _scope_key(variable: Dict[str, Any]) -> Tuple[str, str]:
    for name, field in (("action", "id"), ("pipeline", "id"), ("project", "name")):
        if isinstance(variable.get(name), dict):
            return name, str(variable[name][field])
    return "workspace", ""


def _visible(state: State, ws: str, scope: Tuple[str, str]) -> List[Tuple[str, str]]:
    """The scope and every broader one (for ``scoped_list: inherited``)."""
    kind, ident = scope
    scopes = [scope, ("workspace", "")]
    if kind == "action":
        found = _action_pipeline(state, ws, int(ident))
        if found is not None:
            scopes += [("pipeline", str(found[1])), ("project", found[0])]
    elif kind == "pipeline":
        scopes += [("project", name) for name in _pipeline_projects(state, ws, int(ident))]
    return scopes


def _requested_scope(state: State, ws: str, request: Request) -> Tuple[str, str]:
    """The scope the list's filters name, read in the spelling(s) the server is set to read."""
    spelling = settings(state)["list_filters"]
    names = [FILTERS["docs"], FILTERS["go"]] if spelling == "both" else [FILTERS[spelling]]
    for kind in ("action", "pipeline", "project"):
        for table in names:
            value = request.query_value(table[kind])
            if value:
                if kind == "project":
                    buddy.get_project(state, ws, value)
                elif kind == "pipeline":
                    if not _pipeline_projects(state, ws, buddy.parse_int_id(value, "Pipeline")):
                        raise ApiError(404, "Pipeline not found: %s" % value)
                elif _action_pipeline(state, ws, buddy.parse_int_id(value, "Action")) is None:
                    raise ApiError(404, "Action not found: %s" % value)
                return kind, value
    return "workspace", ""


# --- validation and storage -------------------------------------------------------------------------
def _check_fields(body: Dict[str, Any]) -> None:
    for field, kind in FIELD_KINDS.items():
        if body.get(field) is not None and not isinstance(body[field], kind):
            raise _bad("Field '%s' must be %s" % (field, "a boolean" if kind is bool else "a string"))
    if body.get("type") is not None and body["type"] not in TYPES:
        raise _bad("Invalid value '%s' of field 'type'. Allowed values: %s" % (body["type"], ", ".join(TYPES)))
    if body.get("file_place") is not None and body["file_place"] not in FILE_PLACES:
        raise _bad("Invalid value '%s' of field 'file_place'. Allowed values: %s"
                   % (body["file_place"], ", ".join(FILE_PLACES)))
    if "key" in body and (not isinstance(body["key"], str) or not KEY_RULE.match(body["key"])):
        raise _bad("Field 'key' must start with a letter or '_' and hold only letters, digits, '_', '.' and '-'")


def _check_unique(state: State, ws: str, stored: Dict[str, Any]) -> None:
    scope = _scope_key(stored)
    for other in _store(state, ws).values():
        if other["id"] != stored["id"] and other["key"] == stored["key"] and _scope_key(other) == scope:
            raise _bad("Variable with key '%s' already exists in this scope" % stored["key"])


def _seal(state: State, stored: Dict[str, Any], value: Optional[str]) -> None:
    """Store ``value``: as ciphertext (new on every write) when encrypted, keeping the plain one private."""
    if value is None:
        value = state.secrets("variables").get(str(stored["id"]), stored.get("value"))
    if stored.get("encrypted"):
        state.secrets("variables")[str(stored["id"])] = value
        stored["value"] = buddy.encrypt("%s#%d" % (value, state.next_id("variable_write")))
    else:
        state.secrets("variables").pop(str(stored["id"]), None)
        stored["value"] = value


def create_variable(state: State, ws: str, body: Dict[str, Any], seeded: bool = False) -> Dict[str, Any]:
    buddy.get_workspace(state, ws)
    _check_fields(body)
    for field in ("key", "value"):
        if body.get(field) is None:
            raise _bad("Field '%s' is required" % field)
    unknown = sorted(set(body) - set(FIELD_KINDS) - set(SCOPES) - {"id"} - {"password", "passphrase",
                                                                            "key_identifier"})
    if unknown and not seeded:
        raise _bad("Unknown field(s): %s" % ", ".join(unknown))
    if body.get("run_only_settable") and body.get("type", "VAR") != "VAR":
        raise _bad("Field 'run_only_settable' is allowed only for variables of type VAR")
    variable_id = int(body["id"]) if seeded and body.get("id") is not None else state.next_id("variable", start=1)
    state.bump_counter("variable", variable_id, start=1)
    stored = dict(DEFAULTS)
    stored.update(dict((key, copy.deepcopy(value)) for key, value in body.items()
                       if key in FIELD_KINDS and key != "value"))
    stored["id"] = variable_id
    stored.update(_scope_of(state, ws, body))
    if stored["type"] == "SSH_KEY":
        stored.setdefault("file_place", "NONE")
        stored["encrypted"] = True
    _check_unique(state, ws, stored)
    _seal(state, stored, body["value"])
    _store(state, ws)[str(variable_id)] = stored
    return stored


def update_variable(state: State, ws: str, stored: Dict[str, Any], body: Dict[str, Any]) -> None:
    _check_fields(body)
    if not body.get("key"):
        raise _bad("Field 'key' is required")
    scoped = [name for name in SCOPES if name in body]
    if scoped or "type" in body:
        raise _bad("Field '%s' can't be changed" % (scoped + ["type"])[0])
    unknown = sorted(set(body) - set(EDITABLE))
    if unknown:
        raise _bad("Unknown field(s): %s" % ", ".join(unknown))
    updated = copy.deepcopy(stored)
    for field in EDITABLE:
        if field in body and field != "value":
            updated[field] = copy.deepcopy(body[field])
    if updated.get("run_only_settable") and updated.get("type") != "VAR":
        raise _bad("Field 'run_only_settable' is allowed only for variables of type VAR")
    if stored.get("encrypted") and not updated.get("encrypted") and body.get("value") is None:
        raise _bad("Field 'value' is required to store an encrypted variable unencrypted")
    _check_unique(state, ws, updated)
    stored.clear()
    stored.update(updated)
    _seal(state, stored, body.get("value"))


def render(request: Request, ws: str, stored: Dict[str, Any]) -> Dict[str, Any]:
    view = copy.deepcopy(stored)
    base = request.base_url
    view["url"] = "%s/workspaces/%s/variables/%s" % (base, buddy.seg(ws), stored["id"])
    if stored.get("type") == "SSH_KEY":
        view["key_fingerprint"] = "SHA256:" + buddy.short_id("fp-%s" % stored["value"])
        view["public_value"] = "ssh-ed25519 AAAA%s emulator" % buddy.short_id("pub-%s" % stored["value"])
    view["checksum"] = buddy.short_id("sum-%s" % stored["value"])
    return view


def _find(state: State, ws: str, raw_id: str) -> Dict[str, Any]:
    buddy.get_workspace(state, ws)
    stored = _store(state, ws).get(str(buddy.parse_int_id(raw_id, "Variable")))
    if stored is None:
        raise ApiError(404, "Variable not found: %s" % raw_id)
    return stored


# --- routes ---------------------------------------------------------------------------------------
def list_variables(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    buddy.get_workspace(state, ws)
    scope = _requested_scope(state, ws, request)
    wanted = [scope] if settings(state)["scoped_list"] == "exact" else _visible(state, ws, scope)
    variables = [render(request, ws, stored) for _key, stored in sorted(_store(state, ws).items(),
                                                                        key=lambda item: int(item[0]))
                 if _scope_key(stored) in wanted]
    return 200, {"url": "%s/workspaces/%s/variables" % (request.base_url, buddy.seg(ws)),
                 "html_url": "%s/app/%s/variables" % (request.base_url, buddy.seg(ws)),
                 "variables": variables}, {}


def get_variable(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    return 200, render(request, ws, _find(state, ws, request.params["variable_id"])), {}


def post_variable(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    return 201, render(request, ws, create_variable(state, ws, request.json_object())), {}


def patch_variable(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    stored = _find(state, ws, request.params["variable_id"])
    update_variable(state, ws, stored, request.json_object())
    return 200, render(request, ws, stored), {}


def delete_variable(state: State, request: Request) -> HandlerResult:
    ws = request.params["ws"]
    stored = _find(state, ws, request.params["variable_id"])
    del _store(state, ws)[str(stored["id"])]
    state.secrets("variables").pop(str(stored["id"]), None)
    return 204, None, {}


ROUTES = (
    ("GET", VARIABLES, list_variables),
    ("POST", VARIABLES, post_variable),
    ("GET", VARIABLE, get_variable),
    ("PATCH", VARIABLE, patch_variable),
    ("DELETE", VARIABLE, delete_variable),
)


# --- seeds ------------------------------------------------------------------------------------------
def seed_variables(state: State, value: Any) -> None:
    """Seed ``variables``: ``{<ws>: [<variable as a create body, optionally with id>, ...]}``."""
    if not isinstance(value, dict):
        raise _bad("seed: variables must be an object keyed by workspace")
    for ws, items in value.items():
        if not isinstance(items, list):
            raise _bad("seed: variables.%s must be a list" % ws)
        for item in items:
            create_variable(state, ws, copy.deepcopy(item), seeded=True)


def seed_settings(state: State, value: Any) -> None:
    """Seed ``variable_settings`` (see the module docstring)."""
    settings(state).update(checked_settings("variable_settings", value, DEFAULT_SETTINGS, SETTING_CHOICES))


def init_state(state: State) -> None:
    state.data["variables"] = {}
    state.data["variable_settings"] = dict(DEFAULT_SETTINGS)


def register(app: Emulator) -> None:
    app.add_state_init(init_state)
    app.add_seed_handler("variables", seed_variables)
    app.add_seed_handler("variable_settings", seed_settings)
    app.add_routes(ROUTES)
