# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy pipeline actions in the emulator: validation, server defaults, enrichment, placement, routes.

Test tooling only. The emulator answers like the vendor does where it matters to a client:
it fills in defaults and enriches nested objects (so a naive equality check sees false
changes), keeps write-only secrets out of every answer, and rejects what the vendor rejects.
Stored actions hold every field except ``url``, ``html_url`` and ``pipeline`` (added on output).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List, Optional, Tuple

from . import buddy
from .buddy_sandboxes import ENDPOINT_REGIONS, ENDPOINT_TYPES, IDENTIFIER_RULE, valid_identifier
from .buddy_sandboxes import OS_CHOICES as SANDBOX_OS
from .core import ApiError, Emulator, HandlerResult, Request, State

ACTIONS = buddy.PIPELINE + r"/actions"
ACTION = ACTIONS + r"/(?P<action_id>%s)" % buddy.SEG

TRIGGER_TIMES = ("ON_EVERY_EXECUTION", "ON_SUCCESS", "ON_FAILURE", "ON_BACK_TO_SUCCESS", "ON_WARNING",
                 "ON_WAIT_FOR_APPROVE", "ON_TERMINATE")
RUN_NEXT = ("WAIT_ON_SUCCESS", "IN_SOFT_PARALLEL", "IN_HARD_PARALLEL")
SHELLS = ("SH", "BASH", "POWERSHELL")
SHELLS_BY_TYPE = {"BLACKFIRE_PYTHON": ("SH", "BASH")}
SANDBOX_OPERATIONS = ("START", "STOP", "DELETE", "APP_START", "APP_STOP", "APP_RESTART", "CREATE_SNAPSHOT")
TARGET_SCOPES = ("ANY", "PROJECT", "WORKSPACE")
TARGET_TYPES = ("MATCH", "TAG")
SANDBOX_FROM = ("SCRATCH", "SANDBOX", "SNAPSHOT")
IMAGE_LOCATIONS = ("PUBLIC_REGISTRY", "PRIVATE_REGISTRY", "ACTION", "PACKAGE_REGISTRY")
DOCKER_REGISTRIES = ("NONE", "DOCKER_HUB", "AMAZON_ECR", "GOOGLE_GCR", "GOOGLE_ARTIFACT_REGISTRY", "OTHER",
                     "GIT_HUB_CONTAINER_REGISTRY", "PACKAGE_REGISTRY", "DIGITAL_OCEAN_CONTAINER_REGISTRY")
VARIABLE_TYPES = ("VAR", "FILE", "SSH_KEY", "IOS_KEYCHAIN", "IOS_PROVISION_PROFILES")

READ_ONLY_FIELDS = ("url", "html_url", "id", "current_revision", "last_execution_status", "pipeline")
WRITE_ONLY_FIELDS = ("password",)
PLACEMENT_FIELD = "after_action_id"

FIELD_KINDS: Dict[str, str] = {
    "name": "str", "type": "str", "trigger_time": "str", "run_next": "str", "shell": "str",
    "disabled": "bool", "ignore_errors": "bool", "run_only_on_first_failure": "bool",
    "retry_count": "int", "retry_interval": "int", "timeout": "int",
    "variables": "list", "trigger_conditions": "list", "loop": "list", "permissions": "dict",
    "execute_commands": "list", "setup_commands": "list", "integration": "dict", "version": "str",
    "operation": "str", "targets": "list", "snapshot_name": "str",
    "from": "str", "spec": "dict", "sandbox_identifier": "str", "start": "bool", "update_if_exists": "bool",
    "docker_image_name": "str", "docker_image_tag": "str", "working_directory": "str",
    "volume_mappings": "list", "cached_dirs": "list", "services": "list",
    "mount_filesystem_disable": "bool", "reset_entrypoint": "bool", "insecure_registry": "bool",
    "execute_every_command": "bool", "ignore_image_pull_failures": "bool", "cache_base_image": "bool",
    "docker_build_action_id": "int", "image_location": "str", "docker_registry": "str",
    "login": "str", "password": "str", "registry": "str", "region": "str",
}
KIND_CHECKS = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "bool": (lambda v: isinstance(v, bool), "a boolean"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "dict": (lambda v: isinstance(v, dict), "an object"),
}

COMMON_DEFAULTS: Dict[str, Any] = {
    "trigger_time": "ON_EVERY_EXECUTION",
    "run_next": "WAIT_ON_SUCCESS",
    "disabled": False,
    "ignore_errors": False,
    "retry_count": 0,
    "retry_interval": 0,
}
TYPE_DEFAULTS: Dict[str, Dict[str, Any]] = {
    "BLACKFIRE_PYTHON": {"shell": "SH"},
    "RUN_DOCKER_CONTAINER": {
        "shell": "SH",
        "image_location": "PUBLIC_REGISTRY",
        "docker_image_tag": "latest",
        "execute_every_command": False,
        "mount_filesystem_disable": False,
        "cache_base_image": True,
        "ignore_image_pull_failures": False,
        "reset_entrypoint": False,
    },
    "SANDBOX_CREATE": {"start": True, "update_if_exists": False},
}
INTEGRATION_TYPES_BY_REGISTRY = {
    "AMAZON_ECR": "AMAZON",
    "GOOGLE_GCR": "GOOGLE_SERVICE_ACCOUNT",
    "GOOGLE_ARTIFACT_REGISTRY": "GOOGLE_SERVICE_ACCOUNT",
    "GIT_HUB_CONTAINER_REGISTRY": "GIT_HUB",
    "DIGITAL_OCEAN_CONTAINER_REGISTRY": "DIGITAL_OCEAN",
}


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _enum(value: Any, allowed: Any, field: str) -> None:
    if value is not None and value not in allowed:
        raise _bad("Invalid value '%s' of field '%s'. Allowed values: %s" % (value, field, ", ".join(allowed)))


def _required(action: Dict[str, Any], field: str, atype: str) -> Any:
    value = action.get(field)
    if value is None or value == "" or value == []:
        raise _bad("Field '%s' is required for %s actions" % (field, atype))
    return value


# --- validation ----------------------------------------------------------------------------------
def validate_action(action: Dict[str, Any]) -> None:
    """Reject what the vendor rejects; ``action`` is the complete action after a write."""
    for field in ("name", "type"):
        value = action.get(field)
        if not isinstance(value, str) or not value.strip():
            raise _bad("Field '%s' is required" % field)
    for field, kind in FIELD_KINDS.items():
        if field in action and action[field] is not None:
            check, label = KIND_CHECKS[kind]
            if not check(action[field]):
                raise _bad("Field '%s' must be %s" % (field, label))
    atype = action["type"]
    _enum(action.get("trigger_time"), TRIGGER_TIMES, "trigger_time")
    _enum(action.get("run_next"), RUN_NEXT, "run_next")
    _enum(action.get("shell"), SHELLS_BY_TYPE.get(atype, SHELLS), "shell")
    if action.get("run_only_on_first_failure") and action.get("trigger_time") != "ON_FAILURE":
        raise _bad("Field 'run_only_on_first_failure' is allowed only with trigger_time ON_FAILURE")
    for index, variable in enumerate(action.get("variables") or []):
        if not isinstance(variable, dict) or not isinstance(variable.get("key"), str) or not variable["key"]:
            raise _bad("Field 'variables[%d].key' is required" % index)
        _enum(variable.get("type"), VARIABLE_TYPES, "variables[%d].type" % index)
    if "integration" in action and action["integration"] is not None:
        if not (action["integration"].get("identifier") or action["integration"].get("hash_id")):
            raise _bad("Field 'integration.identifier' is required")
    validator = TYPE_VALIDATORS.get(atype)
    if validator is not None:
        validator(action)


def _validate_blackfire_python(action: Dict[str, Any]) -> None:
    for field in ("execute_commands", "version", "integration"):
        _required(action, field, "BLACKFIRE_PYTHON")


def _validate_sandbox_manage(action: Dict[str, Any]) -> None:
    _enum(_required(action, "operation", "SANDBOX_MANAGE"), SANDBOX_OPERATIONS, "operation")
    for index, target in enumerate(_required(action, "targets", "SANDBOX_MANAGE")):
        if not isinstance(target, dict):
            raise _bad("Field 'targets[%d]' must be an object" % index)
        _enum(target.get("scope"), TARGET_SCOPES, "targets[%d].scope" % index)
        _enum(target.get("type"), TARGET_TYPES, "targets[%d].type" % index)
        if target.get("type") == "TAG":
            if not target.get("tags"):
                raise _bad("Field 'targets[%d].tags' is required for TAG targets" % index)
        elif not target.get("identifier"):
            raise _bad("Field 'targets[%d].identifier' is required" % index)


def _validate_run_docker_container(action: Dict[str, Any]) -> None:
    _enum(action.get("image_location"), IMAGE_LOCATIONS, "image_location")
    _enum(action.get("docker_registry"), DOCKER_REGISTRIES, "docker_registry")
    location = action.get("image_location")
    if location == "ACTION":
        if not (action.get("docker_build_action_id") or action.get("docker_build_action_name")):
            raise _bad("Field 'docker_build_action_id' or 'docker_build_action_name' is required when "
                       "'image_location' is ACTION")
    elif location == "PACKAGE_REGISTRY":
        if not action.get("package"):
            raise _bad("Field 'package' is required when 'image_location' is PACKAGE_REGISTRY")
    else:
        _required(action, "docker_image_name", "RUN_DOCKER_CONTAINER")


def _validate_sandbox_create(action: Dict[str, Any]) -> None:
    source = _required(action, "from", "SANDBOX_CREATE")
    _enum(source, SANDBOX_FROM, "from")
    needed = {"SCRATCH": "spec", "SANDBOX": "sandbox_identifier", "SNAPSHOT": "snapshot_name"}[source]
    if not action.get(needed):
        raise _bad("Field '%s' is required when 'from' is %s" % (needed, source))
    spec = action.get("spec")
    if spec is None:
        return
    _enum(spec.get("os"), SANDBOX_OS, "spec.os")
    identifier = spec.get("identifier")
    if identifier is not None and not valid_identifier(identifier):
        raise _bad("Field 'spec.identifier' %s" % IDENTIFIER_RULE)
    resources = spec.get("resources")
    if resources is not None and not re.match(r"^([0-9]+x[0-9]+|CUSTOM)$", str(resources)):
        raise _bad("Invalid value '%s' of field 'spec.resources'" % resources)
    for index, endpoint in enumerate(spec.get("endpoints") or []):
        if not isinstance(endpoint, dict):
            raise _bad("Field 'spec.endpoints[%d]' must be an object" % index)
        for field in ("name", "endpoint"):
            if not endpoint.get(field):
                raise _bad("Field 'spec.endpoints[%d].%s' is required" % (index, field))
        _enum(endpoint.get("type"), ENDPOINT_TYPES, "spec.endpoints[%d].type" % index)
        _enum(endpoint.get("region"), ENDPOINT_REGIONS, "spec.endpoints[%d].region" % index)


TYPE_VALIDATORS = {
    "BLACKFIRE_PYTHON": _validate_blackfire_python,
    "SANDBOX_MANAGE": _validate_sandbox_manage,
    "RUN_DOCKER_CONTAINER": _validate_run_docker_container,
    "SANDBOX_CREATE": _validate_sandbox_create,
}


# --- defaults and enrichment ----------------------------------------------------------------
def _enrich_variables(state: State, variables: List[Any], previous: List[Any]) -> None:
    previous_ids = {item.get("key"): item.get("id") for item in previous if isinstance(item, dict)}
    for variable in variables:
        if not isinstance(variable, dict):
            continue
        if variable.get("id") is None:
            variable["id"] = previous_ids.get(variable.get("key")) or state.next_id("variable", start=1)
        variable.setdefault("type", "VAR")
        variable.setdefault("encrypted", False)
        variable.setdefault("settable", False)
        variable.setdefault("description", "")
        value = variable.get("value")
        if variable["encrypted"] and isinstance(value, str) and not value.startswith(buddy.ENCRYPTED_PREFIX):
            state.secrets("variables")[str(variable["id"])] = value
            variable["value"] = buddy.encrypt(value)


def _enrich_integration(state: State, ws: str, action: Dict[str, Any]) -> None:
    integration = action.get("integration")
    if not isinstance(integration, dict):
        return
    identifier = integration.get("identifier") or integration.get("hash_id")
    known = state.data.get("workspaces", {}).get(ws, {}).get("integrations", {}).get(identifier, {})
    if action.get("type", "").startswith("BLACKFIRE"):
        default_type = "BLACKFIRE"
    else:
        default_type = INTEGRATION_TYPES_BY_REGISTRY.get(action.get("docker_registry", ""), "UNKNOWN")
    action["integration"] = {
        "identifier": identifier,
        "hash_id": identifier,
        "name": known.get("name", "Integration %s" % identifier),
        "type": known.get("type", default_type),
    }


def _enrich_spec(spec: Dict[str, Any]) -> None:
    spec.setdefault("os", "ubuntu:24.04")
    spec.setdefault("resources", "2x4")
    for endpoint in spec.get("endpoints") or []:
        if isinstance(endpoint, dict):
            endpoint.setdefault("type", "HTTP")
            endpoint.setdefault("domain", "sandbox.emulator.test")
            endpoint.setdefault("subdomain", None)
            endpoint.setdefault("region", "US")
            endpoint.setdefault("timeout", 60)


def apply_defaults(state: State, ws: str, project: str, action: Dict[str, Any], previous: Optional[Dict[str, Any]] = None) -> None:
    """Fill in server defaults and enrich nested objects, in place (idempotent)."""
    for key, value in COMMON_DEFAULTS.items():
        action.setdefault(key, value)
    action.setdefault("last_execution_status", "INITIAL")
    if action.get("trigger_time") == "ON_FAILURE":
        action.setdefault("run_only_on_first_failure", False)
    atype = action.get("type")
    for key, value in TYPE_DEFAULTS.get(atype, {}).items():
        action.setdefault(key, copy.deepcopy(value))
    if atype == "RUN_DOCKER_CONTAINER":
        action.setdefault("working_directory", "/buddy/%s" % project)
    if atype == "SANDBOX_MANAGE":
        for target in action.get("targets") or []:
            if isinstance(target, dict):
                target.setdefault("scope", "ANY")
                target.setdefault("type", "MATCH")
    if atype == "SANDBOX_CREATE" and isinstance(action.get("spec"), dict):
        _enrich_spec(action["spec"])
    if isinstance(action.get("variables"), list):
        _enrich_variables(state, action["variables"], (previous or {}).get("variables") or [])
    _enrich_integration(state, ws, action)


def _take_secrets(state: State, action_id: int, fields: Dict[str, Any]) -> None:
    """Move write-only fields out of ``fields`` into ``_secrets/actions/<id>``."""
    for name in WRITE_ONLY_FIELDS:
        if name in fields:
            value = fields.pop(name)
            store = state.secrets("actions", str(action_id))
            if value is None:
                store.pop(name, None)
            else:
                store[name] = value


# --- placement --------------------------------------------------------------------------------------
def find_index(actions: List[Dict[str, Any]], action_id: int) -> int:
    for index, action in enumerate(actions):
        if action.get("id") == action_id:
            return index
    return -1


def _placement(body: Dict[str, Any], actions: List[Dict[str, Any]], own_id: Optional[int]) -> Optional[int]:
    """Validated ``after_action_id`` from the body (removed from it), or None."""
    if PLACEMENT_FIELD not in body:
        return None
    after = body.pop(PLACEMENT_FIELD)
    if after is None:
        return None
    if not isinstance(after, int) or isinstance(after, bool):
        raise _bad("Field 'after_action_id' must be an integer")
    if after == own_id:
        raise _bad("Field 'after_action_id' can't point at the action itself")
    if find_index(actions, after) < 0:
        raise _bad("Field 'after_action_id': action %s not found in this pipeline" % after)
    return after


def _place(actions: List[Dict[str, Any]], action: Dict[str, Any], after: Optional[int]) -> None:
    if after is None:
        actions.append(action)
    else:
        actions.insert(find_index(actions, after) + 1, action)


# --- operations -------------------------------------------------------------------------------------
def create_action(state: State, ws: str, project: str, pipeline: Dict[str, Any], body: Dict[str, Any]) -> Dict[str, Any]:
    """POST: validate, store (with defaults), place; returns the stored action."""
    fields = copy.deepcopy(body)
    actions = pipeline.setdefault("actions", [])
    after = _placement(fields, actions, None)
    for name in READ_ONLY_FIELDS:
        fields.pop(name, None)
    secrets = {name: fields[name] for name in WRITE_ONLY_FIELDS if name in fields}
    validate_action(fields)
    for name in WRITE_ONLY_FIELDS:
        fields.pop(name, None)
    action_id = state.next_id("action", start=1000)
    stored: Dict[str, Any] = {"id": action_id, "name": fields.pop("name"), "type": fields.pop("type")}
    stored.update(fields)
    apply_defaults(state, ws, project, stored)
    _take_secrets(state, action_id, secrets)
    _place(actions, stored, after)
    return stored


def update_action(state: State, ws: str, project: str, pipeline: Dict[str, Any], stored: Dict[str, Any], body: Dict[str, Any]) -> Dict[str, Any]:
    """PATCH: merge top-level fields (nested values replace), validate, move if asked."""
    fields = copy.deepcopy(body)
    actions = pipeline.setdefault("actions", [])
    if "type" in fields and fields["type"] != stored.get("type"):
        raise _bad("You can't change the type of an existing action. To change the type, remove the action and add it again.")
    after = _placement(fields, actions, stored["id"])
    for name in READ_ONLY_FIELDS:
        fields.pop(name, None)
    secrets = {name: fields.pop(name) for name in WRITE_ONLY_FIELDS if name in fields}
    merged = copy.deepcopy(stored)
    for key, value in fields.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    check = dict(merged)
    check.update(secrets)
    validate_action(check)
    apply_defaults(state, ws, project, merged, previous=stored)
    _take_secrets(state, stored["id"], secrets)
    stored.clear()
    stored.update(merged)
    if after is not None:
        actions.pop(find_index(actions, stored["id"]))
        _place(actions, stored, after)
    return stored


def delete_action(state: State, pipeline: Dict[str, Any], action_id: int) -> None:
    actions = pipeline.setdefault("actions", [])
    index = find_index(actions, action_id)
    if index >= 0:
        actions.pop(index)
    state.secrets("actions").pop(str(action_id), None)


def seed_action(state: State, ws: str, project: str, pipeline: Dict[str, Any], seed: Dict[str, Any]) -> Dict[str, Any]:
    """Store a seeded action as given (no validation beyond name/type), with server defaults.

    An ``id`` already in this pipeline replaces that action in place; otherwise it is appended.
    """
    if not isinstance(seed, dict) or not seed.get("name") or not seed.get("type"):
        raise _bad("seed: every action needs 'name' and 'type'")
    fields = copy.deepcopy(seed)
    for name in ("url", "html_url", "pipeline", PLACEMENT_FIELD):
        fields.pop(name, None)
    action_id = fields.pop("id", None)
    if action_id is None:
        action_id = state.next_id("action", start=1000)
    else:
        state.bump_counter("action", int(action_id), start=1000)
    secrets = {name: fields.pop(name) for name in WRITE_ONLY_FIELDS if name in fields}
    stored: Dict[str, Any] = {"id": int(action_id), "name": fields.pop("name"), "type": fields.pop("type")}
    stored.update(fields)
    apply_defaults(state, ws, project, stored)
    _take_secrets(state, stored["id"], secrets)
    actions = pipeline.setdefault("actions", [])
    index = find_index(actions, stored["id"])
    if index >= 0:
        actions[index] = stored
    else:
        actions.append(stored)
    return stored


# --- output -----------------------------------------------------------------------------------------------
def action_url(pipeline_url: str, action_id: int) -> str:
    return "%s/actions/%d" % (pipeline_url, action_id)


def render_action(pipeline_short: Dict[str, Any], html_base: str, stored: Dict[str, Any]) -> Dict[str, Any]:
    """The action as the API answers it: read-only fields added, secrets never included."""
    view: Dict[str, Any] = {
        "url": action_url(pipeline_short["url"], stored["id"]),
        "html_url": "%s/action/%d/edit" % (html_base, stored["id"]),
    }
    for key, value in stored.items():
        if key not in WRITE_ONLY_FIELDS:
            view[key] = copy.deepcopy(value)
    view["pipeline"] = copy.deepcopy(pipeline_short)
    return view


SHORT_ACTION_KEYS = ("url", "html_url", "id", "name", "type", "trigger_time", "run_next", "disabled", "last_execution_status")


def short_action(view: Dict[str, Any]) -> Dict[str, Any]:
    """The list entry form of an action (``--list-view short``)."""
    return {key: view[key] for key in SHORT_ACTION_KEYS if key in view}


# --- routes ------------------------------------------------------------------------------------------------
def _location(state: State, request: Request) -> Tuple[str, str, Dict[str, Any]]:
    ws, project_name = request.params["ws"], request.params["project"]
    buddy.get_project(state, ws, project_name)
    pipeline = buddy.get_pipeline(state, ws, project_name, request.params["pipeline_id"])
    return ws, project_name, pipeline


def _render(request: Request, ws: str, project_name: str, pipeline: Dict[str, Any], stored: Dict[str, Any]) -> Dict[str, Any]:
    html_base = buddy.pipeline_html_url(request.base_url, ws, project_name, pipeline["id"])
    return render_action(buddy.pipeline_short_view(request.base_url, ws, project_name, pipeline), html_base, stored)


def _find_action(pipeline: Dict[str, Any], raw_id: str) -> Dict[str, Any]:
    action_id = buddy.parse_int_id(raw_id, "Action")
    for action in pipeline.get("actions", []):
        if action.get("id") == action_id:
            return action
    raise ApiError(404, "Action not found: %s" % raw_id)


def list_actions(state: State, request: Request) -> HandlerResult:
    ws, project_name, pipeline = _location(state, request)
    page, per_page = buddy.page_params(state, request)
    chunk = buddy.page_of(pipeline.get("actions", []), page, per_page)
    views = [_render(request, ws, project_name, pipeline, stored) for stored in chunk]
    if buddy.list_view(state) == "short":
        views = [short_action(view) for view in views]
    base_url = buddy.pipeline_url(request.base_url, ws, project_name, pipeline["id"])
    html_url = buddy.pipeline_html_url(request.base_url, ws, project_name, pipeline["id"])
    return 200, {"url": base_url + "/actions", "html_url": html_url + "/actions", "actions": views}, {}


def get_action(state: State, request: Request) -> HandlerResult:
    ws, project_name, pipeline = _location(state, request)
    stored = _find_action(pipeline, request.params["action_id"])
    return 200, _render(request, ws, project_name, pipeline, stored), {}


def post_action(state: State, request: Request) -> HandlerResult:
    ws, project_name, pipeline = _location(state, request)
    stored = create_action(state, ws, project_name, pipeline, request.json_object())
    return 201, _render(request, ws, project_name, pipeline, stored), {}


def patch_action(state: State, request: Request) -> HandlerResult:
    ws, project_name, pipeline = _location(state, request)
    stored = _find_action(pipeline, request.params["action_id"])
    update_action(state, ws, project_name, pipeline, stored, request.json_object())
    return 200, _render(request, ws, project_name, pipeline, stored), {}


def remove_action(state: State, request: Request) -> HandlerResult:
    _ws, _project_name, pipeline = _location(state, request)
    stored = _find_action(pipeline, request.params["action_id"])
    delete_action(state, pipeline, stored["id"])
    return 204, None, {}


ROUTES = (
    ("GET", ACTIONS, list_actions),
    ("POST", ACTIONS, post_action),
    ("GET", ACTION, get_action),
    ("PATCH", ACTION, patch_action),
    ("DELETE", ACTION, remove_action),
)


def register(app: Emulator) -> None:
    """Actions are seeded with their pipeline (``buddy_pipelines.seed_workspaces``).

    The list switches (``buddy.list_settings``) are registered here, with the first list that reads them.
    """
    app.add_routes(ROUTES)
    app.add_state_init(buddy.init_list_settings)
    app.add_seed_handler("list_settings", buddy.seed_list_settings)
