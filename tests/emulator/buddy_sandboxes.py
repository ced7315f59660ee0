# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy sandboxes in the emulator: model, timed status changes, REST endpoints, seeds.

Test tooling only. Sandboxes are created by the sandbox API and by SANDBOX_CREATE actions
(``buddy_executions.py``), and changed by SANDBOX_MANAGE actions and the start / stop / restart
calls. ``IDENTIFIER`` is the one identifier rule (facts-v2 C); ``buddy_actions.py`` checks a
SANDBOX_CREATE ``spec`` with it too.

State layout (``state.data``)::

    sandboxes: {"<id>": {id, identifier, name, status, setup_status, os, resources, tags, apps[],
                         endpoints[], snapshots[], _ws, _project, _pending: [[at, change], ...]}}

Status changes are scheduled (``_pending``) and applied by ``advance(state, now)``, the clock's
advancer for this resource (``State.now()`` runs it before every route of this file and of
``buddy_executions.py``, and its ticker keeps ``GET /_emulator/state`` current). Times are
``time.time()`` seconds; durations come from ``buddy.settings(state)`` (``run_settings``).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List, Optional, Tuple

from . import buddy
from .buddy import iso, settings
from .core import ApiError, Emulator, HandlerResult, Request, State, checked_settings

SANDBOXES = buddy.WS + r"/sandboxes"
SANDBOX = SANDBOXES + r"/(?P<sandbox_id>%s)" % buddy.SEG
SNAPSHOTS = SANDBOX + r"/snapshots"
SNAPSHOT = SNAPSHOTS + r"/(?P<snapshot_id>%s)" % buddy.SEG
IDENTIFIERS = buddy.WS + r"/identifiers"

OS_CHOICES = ("ubuntu:22.04", "ubuntu:24.04")
RESOURCES = ("1x2", "2x4", "3x6", "4x8", "5x10", "6x12", "7x14", "8x16", "9x18", "10x20", "11x22", "12x24", "CUSTOM")
ENDPOINT_TYPES = ("HTTP", "TLS", "TCP", "SSH")  # SSH: the sandbox SDK's types (facts-v2 C)
ENDPOINT_REGIONS = ("EU", "US", "AS")  # AS: the sandbox SDK's types
# A sandbox identifier: letters, digits, '_' and '-', no '-' at the start or end (facts-v2 C).
IDENTIFIER = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$")
IDENTIFIER_RULE = "may contain only letters, digits, '_' and '-', and may not start or end with '-'"
# Fields a sandbox spec (API create / edit, SANDBOX_CREATE spec) may set.
SPEC_FIELDS = ("name", "identifier", "os", "resources", "first_boot_commands", "app_dir", "apps", "tags",
               "timeout", "endpoints", "variables", "permissions")
CONFIG_FIELDS = ("os", "resources", "first_boot_commands", "app_dir", "apps", "tags", "timeout", "endpoints",
                 "variables")
SHORT_KEYS = ("url", "html_url", "id", "identifier", "name", "status", "setup_status")
ENDPOINT_DOMAIN = "sandbox.emulator.local"

# Realism switches for the sandbox API, per test: seed ``{"sandbox_settings": {...}}`` (a reset brings back these):
#   shape:           "2026" (the public record today: no top-level app_status, each app has its own) |
#                    "pre2026" (the old docs: install_commands, run_command, app_type, top-level app_status,
#                    setup_status DONE instead of SUCCESS)
#   endpoint_url:    "endpoint" (at endpoint level) | "http" (inside ``http``, as another docs example shows)
#   identifiers:     "present" (GET /workspaces/{ws}/identifiers answers) | "missing" (404, the endpoint is not
#                    there yet) | "failing" (500)
#   action_status:   200 (the SDK) | 201 (older docs) for POST .../start, /stop, /restart
#   snapshot_status: 201 (the SDK) | 200 (a docs example) for POST .../snapshots
#   fail_boot:       identifiers of sandboxes whose next boot ends with status FAILED
#   list_view:       "short" (the public record, facts-v2 C: list entries hold only SHORT_KEYS) | "full" (whole
#                    sandboxes, as the sandbox SDK's list type could also be read)
SETTINGS_KEY = "sandbox_settings"
DEFAULT_SANDBOX_SETTINGS: Dict[str, Any] = {
    "shape": "2026", "endpoint_url": "endpoint", "identifiers": "present", "action_status": 200,
    "snapshot_status": 201, "fail_boot": [], "list_view": "short",
}
SETTING_CHOICES: Dict[str, Tuple[Any, ...]] = {
    "shape": ("2026", "pre2026"), "endpoint_url": ("endpoint", "http"),
    "identifiers": ("present", "missing", "failing"), "action_status": (200, 201), "snapshot_status": (200, 201),
    "list_view": ("short", "full"),
}


def sandbox_settings(state: State) -> Dict[str, Any]:
    """The sandbox switches now in force (see above)."""
    return state.data.setdefault(SETTINGS_KEY, copy.deepcopy(DEFAULT_SANDBOX_SETTINGS))


def seed_sandbox_settings(state: State, values: Any) -> None:
    """Seed ``sandbox_settings`` (see above)."""
    rules = {"fail_boot": (lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
                           "a list of identifiers")}
    sandbox_settings(state).update(checked_settings(SETTINGS_KEY, values, DEFAULT_SANDBOX_SETTINGS, SETTING_CHOICES,
                                                    rules))


def valid_identifier(value: Any) -> bool:
    """True for a string that follows the one sandbox identifier rule."""
    return isinstance(value, str) and IDENTIFIER.match(value) is not None


class SandboxError(Exception):
    """An operation that can't be done; the API answers 400, an action fails with the message."""


# --- helpers ---------------------------------------------------------------------------------------


def _dns_label(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", str(text).lower()).strip("-") or "x"


def endpoint_url(endpoint: Dict[str, Any], identifier: str) -> str:
    scheme = "https" if endpoint.get("type", "HTTP") in ("HTTP", "TLS") else "tcp"
    return "%s://%s-%s.%s" % (scheme, _dns_label(endpoint.get("name", "endpoint")), _dns_label(identifier), ENDPOINT_DOMAIN)


def sandboxes(state: State) -> Dict[str, Dict[str, Any]]:
    return state.data.setdefault("sandboxes", {})


def in_project(state: State, ws: str, project: str) -> List[Dict[str, Any]]:
    return [box for box in sandboxes(state).values() if box["_ws"] == ws and box["_project"] == project]


def in_workspace(state: State, ws: str) -> List[Dict[str, Any]]:
    return [box for box in sandboxes(state).values() if box["_ws"] == ws]


def find_by_identifier(state: State, ws: str, project: str, identifier: str) -> Optional[Dict[str, Any]]:
    for box in in_project(state, ws, project):
        if box["identifier"] == identifier:
            return box
    return None


def app_status(box: Dict[str, Any]) -> str:
    """One status for all apps: NONE without apps, else FAILED > RUNNING > ENDED."""
    statuses = [app.get("app_status") for app in box.get("apps") or []]
    if not statuses:
        return "NONE"
    for wanted in ("FAILED", "RUNNING"):
        if wanted in statuses:
            return wanted
    return "ENDED" if "ENDED" in statuses else "NONE"


def _fails(commands: Any) -> bool:
    """A command ``exit N`` (N > 0) among the lines makes it fail."""
    if isinstance(commands, str):
        commands = commands.splitlines()
    return any(re.match(r"^\s*exit\s+[1-9][0-9]*\s*$", str(line)) for line in commands or [])


# --- validation and building ----------------------------------------------------------------------


def _bad(message: str) -> SandboxError:
    return SandboxError(message)


def validate_spec(spec: Dict[str, Any], creating: bool) -> None:
    unknown = sorted(set(spec) - set(SPEC_FIELDS) - {"source_sandbox_id", "snapshot_id"})
    if unknown:
        raise _bad("Unknown sandbox field(s): %s" % ", ".join(unknown))
    if creating:
        if not isinstance(spec.get("name"), str) or not spec["name"].strip():
            raise _bad("Field 'name' is required")
    identifier = spec.get("identifier")
    if identifier is not None and not valid_identifier(identifier):
        raise _bad("Field 'identifier' %s" % IDENTIFIER_RULE)
    if spec.get("os") is not None and spec["os"] not in OS_CHOICES:
        raise _bad("Invalid value '%s' of field 'os'. Allowed values: %s" % (spec["os"], ", ".join(OS_CHOICES)))
    if spec.get("resources") is not None and spec["resources"] not in RESOURCES:
        raise _bad("Invalid value '%s' of field 'resources'" % spec["resources"])
    for field in ("apps", "tags", "endpoints", "variables"):
        if spec.get(field) is not None and not isinstance(spec[field], list):
            raise _bad("Field '%s' must be a list" % field)
    for index, endpoint in enumerate(spec.get("endpoints") or []):
        if not isinstance(endpoint, dict) or not endpoint.get("name") or not endpoint.get("endpoint"):
            raise _bad("Field 'endpoints[%d]' needs 'name' and 'endpoint'" % index)
        if endpoint.get("type") is not None and endpoint["type"] not in ENDPOINT_TYPES:
            raise _bad("Invalid value '%s' of field 'endpoints[%d].type'" % (endpoint["type"], index))
        if endpoint.get("region") is not None and endpoint["region"] not in ENDPOINT_REGIONS:
            raise _bad("Invalid value '%s' of field 'endpoints[%d].region'" % (endpoint["region"], index))
    for index, variable in enumerate(spec.get("variables") or []):
        if not isinstance(variable, dict) or not variable.get("key"):
            raise _bad("Field 'variables[%d]' needs 'key'" % index)


def _apps(commands: Any, previous: Optional[List[Dict[str, Any]]] = None) -> List[Dict[str, Any]]:
    """``apps`` as stored: objects with id, command and app_status (strings are commands)."""
    known = {app.get("command"): app for app in previous or []}
    result = []
    for item in commands or []:
        command = item.get("command") if isinstance(item, dict) else str(item)
        app = copy.deepcopy(known.get(command))
        if app is None:
            app = {"id": buddy.short_id("app:" + command)[:7], "command": command, "app_status": "NONE"}
        result.append(app)
    return result


def _endpoints(endpoints: Any, identifier: str) -> List[Dict[str, Any]]:
    result = []
    for endpoint in endpoints or []:
        stored = copy.deepcopy(endpoint)
        stored["endpoint"] = str(stored["endpoint"])
        stored.setdefault("type", "HTTP")
        stored.setdefault("region", "EU")
        stored.setdefault("timeout", 60)
        stored.setdefault("whitelist", [])
        for key in ("endpoint_url", "domain", "subdomain"):  # the emulator picks the URL itself
            stored.pop(key, None)
        stored["endpoint_url"] = endpoint_url(stored, identifier)
        result.append(stored)
    return result


def _variables(variables: Any, box: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Variables as stored: an encrypted value becomes ciphertext (the plain one goes to ``_plain``).

    A value that already is the stored ciphertext (sent back as read) keeps its plain value.
    """
    previous = dict((item.get("key"), item) for item in box.get("variables") or [])
    result = []
    for item in variables or []:
        stored = copy.deepcopy(item)
        stored.setdefault("type", "VAR")
        stored.setdefault("settable", False)
        stored.setdefault("description", "")
        if stored.get("encrypted") and stored.get("_plain") is not None:
            pass  # copied from a stored sandbox or snapshot: already ciphertext
        elif stored.get("encrypted") and stored.get("value") is not None:
            value = str(stored["value"])
            old = previous.get(stored["key"]) or {}
            if value.startswith(buddy.ENCRYPTED_PREFIX) and value == old.get("value"):
                stored["_plain"] = old.get("_plain")
            else:
                stored["_plain"] = value
                stored["value"] = buddy.encrypt(value)
        else:
            stored["encrypted"] = bool(stored.get("encrypted", False))
        result.append(stored)
    return result


def apply_config(box: Dict[str, Any], spec: Dict[str, Any]) -> None:
    """Set the configurable fields of ``spec`` on a stored sandbox (apps and endpoints rebuilt)."""
    for field in ("name", "identifier"):
        if spec.get(field) is not None:
            box[field] = spec[field]
    for field in CONFIG_FIELDS:
        if field not in spec or spec[field] is None:
            continue
        if field == "apps":
            box["apps"] = _apps(spec["apps"], box.get("apps"))
        elif field == "endpoints":
            box["endpoints"] = _endpoints(spec["endpoints"], box["identifier"])
        elif field == "variables":
            box["variables"] = _variables(spec["variables"], box)
        else:
            box[field] = copy.deepcopy(spec[field])
    if spec.get("identifier") is not None and "endpoints" not in spec:
        box["endpoints"] = _endpoints(box.get("endpoints"), box["identifier"])


def new_sandbox(state: State, ws: str, project: str, spec: Dict[str, Any], now: float,
                start: bool = True, source: Optional[Dict[str, Any]] = None,
                snapshot: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Create and store a sandbox; it boots (STARTING -> RUNNING) unless ``start`` is false.

    ``source`` (a stored sandbox) or ``snapshot`` (a stored snapshot) give the configuration that
    ``spec`` then overrides.
    """
    validate_spec(spec, creating=source is None and snapshot is None)
    base: Dict[str, Any] = {}
    if source is not None:
        base = {field: copy.deepcopy(source.get(field)) for field in CONFIG_FIELDS if source.get(field) is not None}
        base["apps"] = [app["command"] for app in source.get("apps") or []]
        base["name"] = source["name"]
    elif snapshot is not None:
        base = copy.deepcopy(snapshot["_config"])
    identifier = spec.get("identifier") or base.get("identifier")
    if not identifier:
        identifier = _dns_label(spec.get("name") or base.get("name") or "sandbox").replace("-", "_")
    if find_by_identifier(state, ws, project, identifier) is not None:
        raise _bad("Sandbox with identifier '%s' already exists in project '%s'" % (identifier, project))
    number = state.next_id("sandbox", start=1)
    box: Dict[str, Any] = {
        "id": buddy.short_id("sandbox:%d" % number),
        "identifier": identifier,
        "name": spec.get("name") or base.get("name") or identifier,
        "status": "STOPPED",
        "setup_status": "STALE",
        "source_sandbox_id": source["id"] if source is not None else None,
        "snapshot_id": snapshot["id"] if snapshot is not None else None,
        "os": "ubuntu:24.04",
        "resources": "2x4",
        "first_boot_commands": "",
        "app_dir": "",
        "apps": [],
        "timeout": 3600,
        "tags": [],
        "endpoints": [],
        "variables": [],
        "boot_logs": [],
        "create_date": iso(now),
        "snapshots": [],
        "_ws": ws,
        "_project": project,
        "_seq": number,
        "_pending": [],
    }
    merged = dict(base)
    merged.update({key: value for key, value in spec.items() if value is not None})
    merged.pop("identifier", None)
    apply_config(box, merged)
    box["endpoints"] = _endpoints(box.get("endpoints"), identifier)
    sandboxes(state)[box["id"]] = box
    if start:
        boot(state, box, now, restoring=snapshot is not None)
    return box


# --- status changes ---------------------------------------------------------------------------------


def _schedule(box: Dict[str, Any], at: float, change: Dict[str, Any]) -> None:
    box["_pending"].append([at, change])
    box["_pending"].sort(key=lambda item: item[0])


def boot(state: State, box: Dict[str, Any], now: float, restoring: bool = False) -> float:
    """Start the sandbox (and its setup on first boot, and its apps); returns when it is RUNNING."""
    ready = now + settings(state)["sandbox_boot"]
    box["_pending"] = []
    box["status"] = "RESTORING" if restoring else "STARTING"
    first = box["setup_status"] in ("STALE", "INPROGRESS") or box["setup_status"] is None
    if first:
        box["setup_status"] = "INPROGRESS"
    box["boot_logs"] = ["Sandbox starting..."]
    for app in box.get("apps") or []:
        app["app_status"] = "NONE"
    setup_failed = first and _fails(box.get("first_boot_commands"))
    logs: List[str] = []
    if first:
        for line in str(box.get("first_boot_commands") or "").splitlines():
            if not line.strip():
                continue
            logs.append("$ " + line)
            if _fails([line]):
                logs.append("Command '%s' exited with code %s" % (line.strip(), line.split()[-1]))
                logs.append("Setup failed.")
                break
    boot_failed = box["identifier"] in (sandbox_settings(state).get("fail_boot") or [])
    if boot_failed:
        logs.append("Sandbox failed to start: the machine did not come up.")
    _schedule(box, ready, {"status": "FAILED" if boot_failed else "RUNNING",
                           "setup": "FAILED" if setup_failed else ("SUCCESS" if first else None),
                           "apps": "NONE" if boot_failed else "START", "logs": logs})
    return ready


def stop(state: State, box: Dict[str, Any], now: float) -> float:
    done = now + settings(state)["sandbox_stop"]
    box["_pending"] = []
    if box["status"] == "STOPPED":
        return now
    box["status"] = "STOPPING"
    _schedule(box, done, {"status": "STOPPED", "apps": "NONE"})
    return done


def set_apps(box: Dict[str, Any], operation: str) -> None:
    """START / STOP / NONE for every app; a command ``exit N`` ends FAILED when started."""
    for app in box.get("apps") or []:
        if operation == "START":
            app["app_status"] = "FAILED" if _fails([app.get("command")]) else "RUNNING"
        elif operation == "STOP":
            app["app_status"] = "ENDED"
        else:
            app["app_status"] = "NONE"


def create_snapshot(state: State, box: Dict[str, Any], name: str, now: float) -> Tuple[Dict[str, Any], float]:
    if not name:
        raise _bad("Field 'name' is required")
    done = now + settings(state)["snapshot_time"]
    number = state.next_id("snapshot", start=1)
    config = {field: copy.deepcopy(box.get(field)) for field in CONFIG_FIELDS}
    config["apps"] = [app["command"] for app in box.get("apps") or []]
    config["name"] = box["name"]
    snapshot = {
        "id": buddy.short_id("snapshot:%d" % number, "sn-"),
        "name": name,
        "size": 2,
        "status": "CREATING",
        "create_date": iso(now),
        "_ready_at": done,
        "_config": config,
    }
    box.setdefault("snapshots", []).append(snapshot)
    return snapshot, done


def find_snapshot(state: State, ws: str, project: str, name: str) -> Optional[Dict[str, Any]]:
    """The newest CREATED snapshot of that name among the project's sandboxes."""
    found = None
    for box in in_project(state, ws, project):
        for snapshot in box.get("snapshots") or []:
            if snapshot["name"] == name and snapshot["status"] == "CREATED":
                found = snapshot
    return found


def advance(state: State, now: float) -> None:
    """Apply every scheduled sandbox and snapshot change due by ``now``."""
    for box in list(sandboxes(state).values()):
        while box["_pending"] and box["_pending"][0][0] <= now:
            _at, change = box["_pending"].pop(0)
            box["status"] = change["status"]
            if change.get("setup"):
                box["setup_status"] = change["setup"]
            box["boot_logs"].extend(change.get("logs") or [])
            if change.get("status") == "RUNNING":
                box["boot_logs"].append("Sandbox started.")
            set_apps(box, change.get("apps", "NONE"))
        for snapshot in box.get("snapshots") or []:
            if snapshot["status"] == "CREATING" and snapshot["_ready_at"] <= now:
                snapshot["status"] = "CREATED"


# --- views --------------------------------------------------------------------------------------------


def sandbox_url(base: str, ws: str, sandbox_id: str) -> str:
    return "%s/workspaces/%s/sandboxes/%s" % (base, buddy.seg(ws), buddy.seg(sandbox_id))


def view(state: State, base: str, box: Dict[str, Any]) -> Dict[str, Any]:
    """The full sandbox as ``GET /sandboxes/{id}`` answers it."""
    ws, project_name = box["_ws"], box["_project"]
    result: Dict[str, Any] = {
        "url": sandbox_url(base, ws, box["id"]),
        "html_url": "%s/app/%s/%s/sandboxes/%s" % (base, buddy.seg(ws), buddy.seg(project_name or "-"),
                                                   buddy.seg(box["id"])),
    }
    for key, value in box.items():
        if not key.startswith("_") and key != "snapshots":
            result[key] = _public(value)
    if project_name is not None:
        project = state.data.get("workspaces", {}).get(ws, {}).get("projects", {}).get(project_name, {})
        result["project"] = buddy.project_view(base, ws, project_name, project)
    current = sandbox_settings(state)
    if current["endpoint_url"] == "http":
        for endpoint in result.get("endpoints") or []:
            endpoint.setdefault("http", {})["endpoint_url"] = endpoint.pop("endpoint_url", None)
    if current["shape"] == "pre2026":
        result = _pre2026(result, box)
    return result


def _public(value: Any) -> Any:
    """A copy without the emulator's own ``_`` keys, at any depth."""
    if isinstance(value, dict):
        return dict((key, _public(item)) for key, item in value.items() if not str(key).startswith("_"))
    if isinstance(value, list):
        return [_public(item) for item in value]
    return copy.deepcopy(value)


def _pre2026(result: Dict[str, Any], box: Dict[str, Any]) -> Dict[str, Any]:
    """The sandbox as the pre-2026 docs show it (old field names, one top-level app_status)."""
    result["install_commands"] = result.pop("first_boot_commands", "")
    apps = result.pop("apps", [])
    result["run_command"] = apps[0]["command"] if apps else ""
    result["app_type"] = "CMD" if apps else "NONE"
    result["app_status"] = app_status(box)
    if result.get("setup_status") == "SUCCESS":
        result["setup_status"] = "DONE"
    return result


def short_view(state: State, base: str, box: Dict[str, Any]) -> Dict[str, Any]:
    full = view(state, base, box)
    return {key: full[key] for key in SHORT_KEYS if key in full}


def snapshot_view(base: str, box: Dict[str, Any], snapshot: Dict[str, Any]) -> Dict[str, Any]:
    result = {
        "url": "%s/snapshots/%s" % (sandbox_url(base, box["_ws"], box["id"]), buddy.seg(snapshot["id"])),
        "html_url": "%s/app/%s/%s/sandboxes/%s/snapshots" % (base, buddy.seg(box["_ws"]), buddy.seg(box["_project"]),
                                                             buddy.seg(box["id"])),
    }
    result.update({key: copy.deepcopy(value) for key, value in snapshot.items() if not key.startswith("_")})
    return result


# --- seeds ----------------------------------------------------------------------------------------------


def seed_sandboxes(state: State, items: Any) -> None:
    """Seed ``sandboxes``: a list of specs with ``workspace`` and ``project_name`` (and optionally
    ``status``: RUNNING (default) or STOPPED, and ``snapshots``: a list of names), stored settled."""
    if not isinstance(items, list):
        raise ApiError(400, "seed: sandboxes must be a list")
    for item in items:
        item = dict(item)
        ws, project = item.pop("workspace", None), item.pop("project_name", None)
        if not ws:
            raise ApiError(400, "seed: every sandbox needs 'workspace' (and 'project_name' unless workspace-level)")
        status = item.pop("status", "RUNNING")
        snapshot_names = item.pop("snapshots", [])
        environment_id = item.pop("environment_id", None)
        try:
            box = new_sandbox(state, ws, project, item, 0.0, start=False)
        except SandboxError as exc:
            raise ApiError(400, "seed: %s" % exc)
        box["create_date"] = "2026-01-01T00:00:00.000Z"
        if environment_id is not None:
            box["_environment_id"] = str(environment_id)
        box["setup_status"] = "SUCCESS"
        if status == "RUNNING":
            box["status"] = "RUNNING"
            set_apps(box, "START")
        for name in snapshot_names:
            snapshot, _done = create_snapshot(state, box, name, 0.0)
            snapshot["status"] = "CREATED"


def init_state(state: State) -> None:
    state.data["sandboxes"] = {}
    state.data[SETTINGS_KEY] = copy.deepcopy(DEFAULT_SANDBOX_SETTINGS)


# --- routes ------------------------------------------------------------------------------------------------
def find_sandbox(state: State, request: Request) -> Dict[str, Any]:
    """The sandbox a ``.../sandboxes/{sandbox_id}...`` route names (404 otherwise)."""
    ws = request.params["ws"]
    buddy.get_workspace(state, ws)
    box = sandboxes(state).get(request.params["sandbox_id"])
    if box is None or box["_ws"] != ws:
        raise ApiError(404, "Sandbox not found: %s" % request.params["sandbox_id"])
    return box


def _project_param(state: State, request: Request) -> Optional[str]:
    """The ``project_name`` query value (checked), or None: workspace-level sandboxes belong to no project."""
    buddy.get_workspace(state, request.params["ws"])
    project = request.query_value("project_name")
    if not project:
        return None
    buddy.get_project(state, request.params["ws"], project)
    return project


def list_sandboxes(state: State, request: Request) -> HandlerResult:
    state.now()
    ws = request.params["ws"]
    project = _project_param(state, request)
    environment_id = request.query_value("environment_id")
    boxes = sorted(in_project(state, ws, project), key=lambda box: box["_seq"])
    if environment_id:
        boxes = [box for box in boxes if box.get("_environment_id") == environment_id]
    # Not paginated (facts-v2 C): every sandbox in one answer; page / per_page are ignored.
    chunk = boxes
    # Buddy documents the entries as SandboxIdView (ids, names, statuses, URLs): ``list_view`` short by default.
    render = view if sandbox_settings(state)["list_view"] == "full" else short_view
    return 200, {
        "url": "%s/workspaces/%s/sandboxes" % (request.base_url, buddy.seg(ws)),
        "html_url": "%s/app/%s/%s/sandboxes" % (request.base_url, buddy.seg(ws), buddy.seg(project or "")),
        "sandboxes": [render(state, request.base_url, box) for box in chunk],
    }, {}


def create(state: State, request: Request) -> HandlerResult:
    now = state.now()
    ws = request.params["ws"]
    project = _project_param(state, request)
    body = dict(request.json_object())
    source = snapshot = None
    if body.get("source_sandbox_id") is not None:
        source = sandboxes(state).get(str(body.pop("source_sandbox_id")))
        if source is None or source["_ws"] != ws:
            raise ApiError(400, "Source sandbox not found")
        extra = sorted(set(body) - {"name", "identifier"})
        if extra:
            raise ApiError(400, "A clone takes only source_sandbox_id, name and identifier, not %s" % ", ".join(extra))
    elif body.get("snapshot_id") is not None:
        snapshot = _snapshot_by_id(state, ws, str(body.pop("snapshot_id")))
        if snapshot is None:
            raise ApiError(400, "Snapshot not found")
        if snapshot["status"] != "CREATED":
            raise ApiError(400, "Snapshot %s is %s, not CREATED" % (snapshot["id"], snapshot["status"]))
    if (source is not None or snapshot is not None) and not body.get("name"):
        raise ApiError(400, "Field 'name' is required")
    try:
        box = new_sandbox(state, ws, project, body, now, start=True, source=source, snapshot=snapshot)
    except SandboxError as exc:
        raise ApiError(400, str(exc))
    return 201, view(state, request.base_url, box), {}


def _snapshot_by_id(state: State, ws: str, snapshot_id: str) -> Optional[Dict[str, Any]]:
    for box in in_workspace(state, ws):
        for snapshot in box.get("snapshots") or []:
            if snapshot["id"] == snapshot_id:
                return snapshot
    return None


def get(state: State, request: Request) -> HandlerResult:
    state.now()
    return 200, view(state, request.base_url, find_sandbox(state, request)), {}


def edit(state: State, request: Request) -> HandlerResult:
    state.now()
    box = find_sandbox(state, request)
    body = request.json_object()
    try:
        validate_spec(body, creating=False)
    except SandboxError as exc:
        raise ApiError(400, str(exc))
    identifier = body.get("identifier")
    if identifier is not None and identifier != box["identifier"]:
        if find_by_identifier(state, box["_ws"], box["_project"], identifier) is not None:
            raise ApiError(400, "Sandbox with identifier '%s' already exists in project '%s'" % (identifier, box["_project"]))
    if body.get("os") is not None and body["os"] != box.get("os"):
        raise ApiError(400, "The operating system of a sandbox can't be changed; create a new sandbox")
    if body.get("first_boot_commands") is not None and body["first_boot_commands"] != box.get("first_boot_commands"):
        box["setup_status"] = "STALE"
    apply_config(box, body)
    return 200, view(state, request.base_url, box), {}


def delete(state: State, request: Request) -> HandlerResult:
    state.now()
    box = find_sandbox(state, request)
    del sandboxes(state)[box["id"]]
    return 204, None, {}


def start(state: State, request: Request) -> HandlerResult:
    now = state.now()
    box = find_sandbox(state, request)
    if box["status"] not in ("RUNNING", "STARTING", "RESTORING"):
        boot(state, box, now)
    return sandbox_settings(state)["action_status"], view(state, request.base_url, box), {}


def stop_route(state: State, request: Request) -> HandlerResult:
    now = state.now()
    box = find_sandbox(state, request)
    stop(state, box, now)
    return sandbox_settings(state)["action_status"], view(state, request.base_url, box), {}


def restart(state: State, request: Request) -> HandlerResult:
    now = state.now()
    box = find_sandbox(state, request)
    boot(state, box, now)
    return sandbox_settings(state)["action_status"], view(state, request.base_url, box), {}


def list_snapshots(state: State, request: Request) -> HandlerResult:
    state.now()
    box = find_sandbox(state, request)
    base = sandbox_url(request.base_url, box["_ws"], box["id"])
    return 200, {
        "url": base + "/snapshots",
        "html_url": "%s/app/%s/%s/sandboxes/%s/snapshots" % (request.base_url, buddy.seg(box["_ws"]),
                                                             buddy.seg(box["_project"]), buddy.seg(box["id"])),
        "snapshots": [snapshot_view(request.base_url, box, snapshot) for snapshot in box.get("snapshots") or []],
    }, {}


def add_snapshot(state: State, request: Request) -> HandlerResult:
    now = state.now()
    box = find_sandbox(state, request)
    try:
        snapshot, _done = create_snapshot(state, box, request.json_object().get("name"), now)
    except SandboxError as exc:
        raise ApiError(400, str(exc))
    return sandbox_settings(state)["snapshot_status"], snapshot_view(request.base_url, box, snapshot), {}


def _find_snapshot(state: State, request: Request) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    box = find_sandbox(state, request)
    for snapshot in box.get("snapshots") or []:
        if snapshot["id"] == request.params["snapshot_id"]:
            return box, snapshot
    raise ApiError(404, "Snapshot not found: %s" % request.params["snapshot_id"])


def get_snapshot(state: State, request: Request) -> HandlerResult:
    state.now()
    box, snapshot = _find_snapshot(state, request)
    return 200, snapshot_view(request.base_url, box, snapshot), {}


def delete_snapshot(state: State, request: Request) -> HandlerResult:
    state.now()
    box, snapshot = _find_snapshot(state, request)
    box["snapshots"].remove(snapshot)
    return 204, None, {}


def identifiers(state: State, request: Request) -> HandlerResult:
    """``GET /workspaces/{ws}/identifiers?project=&pipeline=&sandbox=``: human-readable keys to ids (facts-v2 B).

    An unknown project answers 404; an unknown sandbox leaves ``sandbox_id`` out (UNCONFIRMED).
    """
    state.now()
    ws = request.params["ws"]
    mode = sandbox_settings(state)["identifiers"]
    if mode == "missing":
        raise ApiError(404, "Not found")
    if mode == "failing":
        raise ApiError(500, "Internal error")
    buddy.get_workspace(state, ws)
    body: Dict[str, Any] = {"url": "%s/workspaces/%s/identifiers" % (request.base_url, buddy.seg(ws)),
                            "html_url": "%s/app/%s" % (request.base_url, buddy.seg(ws)), "domain": ws}
    project = request.query_value("project")
    if project:
        found = buddy.get_project(state, ws, project)
        body["project_identifier"] = project
        pipeline = request.query_value("pipeline")
        if pipeline:
            for pipeline_id, item in (found.get("pipelines") or {}).items():
                if buddy.pipeline_full(item).get("identifier") == pipeline:
                    body["pipeline_id"] = int(pipeline_id)
    sandbox = request.query_value("sandbox")
    if sandbox:
        box = find_by_identifier(state, ws, project or None, sandbox)
        if box is not None:
            body["sandbox_id"] = box["id"]
    return 200, body, {}


ROUTES = (
    ("GET", IDENTIFIERS, identifiers),
    ("GET", SANDBOXES, list_sandboxes),
    ("POST", SANDBOXES, create),
    ("GET", SANDBOX, get),
    ("PATCH", SANDBOX, edit),
    ("DELETE", SANDBOX, delete),
    ("POST", SANDBOX + r"/start", start),
    ("POST", SANDBOX + r"/stop", stop_route),
    ("POST", SANDBOX + r"/restart", restart),
    ("GET", SNAPSHOTS, list_snapshots),
    ("POST", SNAPSHOTS, add_snapshot),
    ("GET", SNAPSHOT, get_snapshot),
    ("DELETE", SNAPSHOT, delete_snapshot),
)


def register(app: Emulator) -> None:
    app.add_state_init(init_state)
    app.add_seed_handler("sandboxes", seed_sandboxes)
    app.add_seed_handler(SETTINGS_KEY, seed_sandbox_settings)
    app.state.add_advancer(advance)
    app.add_routes(ROUTES)
