# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""BlinkOps routes: execute a workflow (async and sync), executions (get, list, cancel), workflows.

Test tooling only. Listed in ``server.RESOURCES``; see BLINK.md.

Executions advance lazily: each read compares the clock with the execution's start and the
workflow's behaviour, so a workflow "runs" for N seconds without any background thread.

State layout (``state.data``)::

    blink:
      settings: {sync_cap, sync_timeout_answer, sync_timeout_status, sync_failure_status}
      workspaces:
        <ws id>: {name, workflows: {<id>: {id, name, behaviour}}, executions: {<id>: <execution>}}

An execution keeps its workflow's behaviour under ``_behaviour`` (never served).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .core import ApiError, Emulator, HandlerResult, Request, Service, State

SEG = r"[^/]+"
ROOT = r"/api/v1/workspace/(?P<ws>%s)" % SEG
PLAYBOOKS = ROOT + r"/playbooks"
PLAYBOOK = PLAYBOOKS + r"/(?P<wf>%s)" % SEG
EXECUTE = PLAYBOOK + r"/execute"
EXECUTIONS = ROOT + r"/executions"
EXECUTION = EXECUTIONS + r"/(?P<execution_id>%s)" % SEG
CANCEL = EXECUTION + r"/cancel"

SETTINGS_DEFAULTS: Dict[str, Any] = {
    # A run_sync call blocks at most this many seconds (or its own ?timeout=, if shorter) ...
    "sync_cap": 2.0,
    # ... and then answers {"execution_id": ...} ("execution_id") or an error ("error").
    "sync_timeout_answer": "execution_id",
    "sync_timeout_status": 408,
    # A run_sync call whose workflow ends Failed / Cancelled / Timeout answers this status.
    "sync_failure_status": 400,
}
KINDS = ("complete", "fail", "run", "timeout")
TERMINAL = ("Completed", "Failed", "Cancelled", "Timeout")
STATE_UI = {"Running": "In Progress", "Completed": "Completed", "Failed": "Failed", "Cancelled": "Cancelled",
            "Timeout": "Timed Out"}
BODY_FIELDS = {"callback": dict, "event": dict, "input_values": dict, "past_exec_ref": str, "runner": str,
               "trigger_type": str}
CALLBACK_FIELDS = {"body": dict, "cookies": dict, "disableSSL": bool, "excludeDefaultMetadata": bool,
                   "headers": dict, "method": str, "url": str}
LIST_DEFAULT_LIMIT = 20
LIST_MAX_LIMIT = 100
SYNC_POLL = 0.05

DEFAULT_SEED: Dict[str, Any] = {
    "blink": {
        "workspaces": {
            "ws-emulator": {
                "name": "Emulator workspace",
                "workflows": [
                    {"id": "wf-notify", "name": "Notify the team",
                     "behaviour": {"kind": "complete", "output": {"notified": True}, "echo_inputs": True}},
                    {"id": "wf-ticket", "name": "Open a ticket",
                     "behaviour": {"kind": "complete", "output": {"ticket_id": "SEC-1001", "status": "open"}}},
                    {"id": "wf-scan", "name": "Security scan",
                     "behaviour": {"kind": "fail", "fail_step": "scan", "message": "2 critical vulnerabilities found"}},
                    {"id": "wf-approval", "name": "Wait for approval",
                     "behaviour": {"kind": "run", "seconds": 3600, "output": {"approved": True}}},
                ],
            }
        }
    }
}


# --- clock and ids -------------------------------------------------------------------------------
def now_ms() -> int:
    return int(time.time() * 1000)


def _new_execution_id(state: State) -> str:
    number = state.next_id("blink_execution")
    return "00000000-0000-4000-8000-%012d" % number


# --- state ---------------------------------------------------------------------------------------
def init_state(state: State) -> None:
    state.data["blink"] = {"settings": copy.deepcopy(SETTINGS_DEFAULTS), "workspaces": {}}


def settings(state: State) -> Dict[str, Any]:
    return state.data["blink"]["settings"]


def get_workspace(state: State, ws: str) -> Dict[str, Any]:
    workspace = state.data["blink"]["workspaces"].get(ws)
    if workspace is None:
        raise ApiError(404, "Workspace %s not found" % ws)
    return workspace


def get_workflow(state: State, ws: str, wf: str) -> Dict[str, Any]:
    workflow = get_workspace(state, ws)["workflows"].get(wf)
    if workflow is None:
        raise ApiError(404, "Playbook %s not found in workspace %s" % (wf, ws))
    return workflow


def get_execution(state: State, ws: str, execution_id: str) -> Dict[str, Any]:
    execution = get_workspace(state, ws)["executions"].get(execution_id)
    if execution is None:
        raise ApiError(404, "Execution %s not found" % execution_id)
    advance(execution)
    return execution


def _set_state(execution: Dict[str, Any], name: str, finished_ms: Optional[int] = None) -> None:
    execution["state"] = name
    execution["state_ui"] = STATE_UI.get(name, name)
    if name in TERMINAL:
        finished = finished_ms if finished_ms is not None else now_ms()
        execution["finished_at"] = finished
        execution["duration"] = max(0, finished - execution["started_at"])


def advance(execution: Dict[str, Any], at_ms: Optional[int] = None) -> None:
    """Bring a running execution up to date with the clock and its behaviour."""
    if execution.get("state") != "Running":
        return
    behaviour = execution.get("_behaviour") or {}
    end_ms = execution["started_at"] + int(float(behaviour.get("seconds", 0)) * 1000)
    current = now_ms() if at_ms is None else at_ms
    if current < end_ms:
        return
    kind = behaviour.get("kind", "complete")
    if kind == "fail":
        step = behaviour.get("fail_step", "step-1")
        execution["error_details"] = {
            "message": "Step '%s' failed: %s" % (step, behaviour.get("message", "the step returned an error")),
            "error_code": behaviour.get("error_code", "STEP_FAILED"),
            "step": step,
        }
        _set_state(execution, "Failed", end_ms)
    elif kind == "timeout":
        execution["error_details"] = {"message": "The workflow ran longer than its time limit",
                                      "error_code": "EXECUTION_TIMEOUT"}
        _set_state(execution, "Timeout", end_ms)
    else:
        output = copy.deepcopy(behaviour.get("output") or {})
        if behaviour.get("echo_inputs"):
            output["inputs"] = copy.deepcopy(execution.get("inputs") or {})
        execution["output"] = output
        _set_state(execution, "Completed", end_ms)


def execution_view(execution: Dict[str, Any]) -> Dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in execution.items() if not key.startswith("_")}


def _check_behaviour(behaviour: Any, where: str) -> Dict[str, Any]:
    behaviour = dict(behaviour or {"kind": "complete"})
    kind = behaviour.setdefault("kind", "complete")
    if kind not in KINDS:
        raise ApiError(400, "seed: %s behaviour kind must be one of %s" % (where, ", ".join(KINDS)))
    if kind == "run":
        behaviour.setdefault("seconds", 3600)
    try:
        behaviour["seconds"] = float(behaviour.get("seconds", 0))
    except (TypeError, ValueError):
        raise ApiError(400, "seed: %s behaviour seconds must be a number" % where)
    return behaviour


def _items(value: Any, what: str) -> List[Tuple[str, Dict[str, Any]]]:
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            item = dict(item or {})
            item["id"] = str(key)
            items.append((str(key), item))
        return items
    if isinstance(value, list):
        items = []
        for item in value:
            if not isinstance(item, dict) or "id" not in item:
                raise ApiError(400, "seed: every %s needs an 'id'" % what)
            items.append((str(item["id"]), dict(item)))
        return items
    raise ApiError(400, "seed: %s must be a list of objects with 'id' or an object keyed by id" % what)


def seed_blink(state: State, seed: Any) -> None:
    """Merge a ``blink`` seed: settings, workspaces, workflows (by id) and past executions."""
    if not isinstance(seed, dict):
        raise ApiError(400, "seed: blink must be an object")
    unknown = sorted(set(seed) - {"settings", "workspaces"})
    if unknown:
        raise ApiError(400, "seed: unknown blink keys: %s" % ", ".join(unknown))
    blink = state.data.setdefault("blink", {"settings": copy.deepcopy(SETTINGS_DEFAULTS), "workspaces": {}})
    new_settings = seed.get("settings") or {}
    unknown = sorted(set(new_settings) - set(SETTINGS_DEFAULTS))
    if unknown:
        raise ApiError(400, "seed: unknown blink settings: %s" % ", ".join(unknown))
    if new_settings.get("sync_timeout_answer", "execution_id") not in ("execution_id", "error"):
        raise ApiError(400, "seed: sync_timeout_answer must be 'execution_id' or 'error'")
    blink["settings"].update(new_settings)
    for ws_id, ws_seed in (seed.get("workspaces") or {}).items():
        ws_seed = dict(ws_seed or {})
        workspace = blink["workspaces"].setdefault(ws_id, {"name": ws_id, "workflows": {}, "executions": {}})
        if "name" in ws_seed:
            workspace["name"] = ws_seed["name"]
        for wf_id, workflow in _items(ws_seed.get("workflows", []), "workflow"):
            workflow["behaviour"] = _check_behaviour(workflow.get("behaviour"), "workflow %s" % wf_id)
            workflow.setdefault("name", wf_id)
            workspace["workflows"][wf_id] = workflow
        for _key, execution in _items_or_generate(state, ws_seed.get("executions", [])):
            _seed_execution(workspace, ws_id, execution)


def _items_or_generate(state: State, executions: Any) -> List[Tuple[str, Dict[str, Any]]]:
    if not isinstance(executions, list):
        raise ApiError(400, "seed: executions must be a list")
    items = []
    for item in executions:
        if not isinstance(item, dict) or "playbook_id" not in item:
            raise ApiError(400, "seed: every execution needs a 'playbook_id'")
        item = dict(item)
        item.setdefault("id", _new_execution_id(state))
        items.append((str(item["id"]), item))
    return items


def _seed_execution(workspace: Dict[str, Any], ws_id: str, seed: Dict[str, Any]) -> None:
    """A past (or still running) execution; ``started_ago`` (seconds) sets started_at."""
    workflow = workspace["workflows"].get(seed["playbook_id"], {})
    started = seed.pop("started_ago", None)
    started_at = int(seed.get("started_at", now_ms() - int(float(started or 0) * 1000)))
    execution = _new_execution(str(seed["id"]), ws_id, str(seed["playbook_id"]), workflow, seed.get("inputs") or {},
                               {}, started_at)
    state_name = seed.get("state", "Completed")
    if state_name == "Running":
        execution["_behaviour"] = _check_behaviour(seed.get("behaviour") or workflow.get("behaviour") or {"kind": "run"},
                                                   "execution %s" % seed["id"])
    else:
        execution["output"] = copy.deepcopy(seed.get("output", {} if state_name == "Completed" else None))
        execution["error_details"] = copy.deepcopy(seed.get("error_details"))
        _set_state(execution, state_name, int(seed.get("finished_at", started_at + 1000)))
    workspace["executions"][execution["id"]] = execution


def _new_execution(execution_id: str, ws_id: str, wf_id: str, workflow: Dict[str, Any], inputs: Dict[str, Any],
                   body: Dict[str, Any], started_at: int) -> Dict[str, Any]:
    execution: Dict[str, Any] = {
        "id": execution_id,
        "workspace_id": ws_id,
        "playbook_id": wf_id,
        "playbook_name": workflow.get("name", wf_id),
        "state": "Running",
        "state_ui": STATE_UI["Running"],
        "inputs": copy.deepcopy(inputs),
        "event": copy.deepcopy(body.get("event")),
        "runner": body.get("runner"),
        "trigger_type": body.get("trigger_type") or "api",
        "past_exec_ref": body.get("past_exec_ref"),
        "callback": copy.deepcopy(body.get("callback")),
        "started_at": started_at,
        "finished_at": None,
        "duration": None,
        "error_details": None,
        "output": None,
        "_behaviour": copy.deepcopy(workflow.get("behaviour") or {"kind": "complete", "seconds": 0}),
    }
    return execution


def _check_body(body: Dict[str, Any]) -> None:
    unknown = sorted(set(body) - set(BODY_FIELDS))
    if unknown:
        raise ApiError(400, "Unknown fields in the request body: %s" % ", ".join(unknown))
    for key, kind in BODY_FIELDS.items():
        if body.get(key) is not None and not isinstance(body[key], kind):
            raise ApiError(400, "Field '%s' must be %s" % (key, "an object" if kind is dict else "a string"))
    callback = body.get("callback") or {}
    unknown = sorted(set(callback) - set(CALLBACK_FIELDS))
    if unknown:
        raise ApiError(400, "Unknown callback fields: %s" % ", ".join(unknown))
    for key, kind in CALLBACK_FIELDS.items():
        if callback.get(key) is not None and not isinstance(callback[key], kind):
            raise ApiError(400, "callback.%s has the wrong type" % key)


def _is_true(value: Optional[str]) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


# --- handlers ------------------------------------------------------------------------------------
def execute(state: State, request: Request) -> HandlerResult:
    """POST execute. Not run under the state lock: a run_sync call blocks while the workflow runs."""
    ws, wf = request.params["ws"], request.params["wf"]
    body = request.json_object()
    with state.lock:
        workflow = get_workflow(state, ws, wf)
        _check_body(body)
        inputs = body.get("input_values") or {}
        missing = [name for name in workflow.get("required_inputs", []) if name not in inputs]
        if missing:
            raise ApiError(400, "Missing required input values: %s" % ", ".join(missing))
        execution = _new_execution(_new_execution_id(state), ws, wf, workflow, inputs, body, now_ms())
        get_workspace(state, ws)["executions"][execution["id"]] = execution
        execution_id = execution["id"]
        config = dict(settings(state))
    if not _is_true(request.query_value("run_sync")):
        return 200, {"execution_id": execution_id}, {}
    timeout = request.query_int("timeout", 0)
    limit = float(config["sync_cap"]) if timeout <= 0 else min(float(timeout), float(config["sync_cap"]))
    give_up = time.time() + limit
    while True:
        with state.lock:
            current = get_execution(state, ws, execution_id)
            state_name = current["state"]
            output = copy.deepcopy(current.get("output"))
            error = copy.deepcopy(current.get("error_details")) or {}
        if state_name in TERMINAL or time.time() >= give_up or state.stopping.is_set():
            break
        state.stopping.wait(min(SYNC_POLL, max(0.0, give_up - time.time())))
    if state_name == "Completed":
        return 200, output if output is not None else {}, {}
    if state_name in TERMINAL:
        raise ApiError(int(config["sync_failure_status"]),
                       "Workflow execution %s: %s" % (STATE_UI[state_name].lower(), error.get("message") or state_name))
    if config["sync_timeout_answer"] == "error":
        raise ApiError(int(config["sync_timeout_status"]),
                       "Timed out after %s seconds waiting for the workflow to finish" % int(limit))
    return 200, {"execution_id": execution_id}, {}


def read_execution(state: State, request: Request) -> HandlerResult:
    return 200, execution_view(get_execution(state, request.params["ws"], request.params["execution_id"])), {}


def cancel_execution(state: State, request: Request) -> HandlerResult:
    execution = get_execution(state, request.params["ws"], request.params["execution_id"])
    if execution["state"] != "Running":
        raise ApiError(400, "Execution %s is not running (state %s)" % (execution["id"], execution["state"]))
    execution["error_details"] = {"message": "The execution was cancelled", "error_code": "CANCELLED"}
    _set_state(execution, "Cancelled")
    return 200, {"execution_id": execution["id"], "state": execution["state"]}, {}


def _rql(request: Request) -> Dict[str, Any]:
    raw = request.query_value("q")
    if not raw:
        return {}
    try:
        query = json.loads(raw)
    except ValueError:
        raise ApiError(400, "Query parameter 'q' is not valid JSON")
    if not isinstance(query, dict):
        raise ApiError(400, "Query parameter 'q' must be a JSON object")
    return query


OPERATORS: Dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda have, want: have == want,
    "$ne": lambda have, want: have != want,
    "$in": lambda have, want: isinstance(want, list) and have in want,
    "$nin": lambda have, want: isinstance(want, list) and have not in want,
    "$gt": lambda have, want: have is not None and have > want,
    "$gte": lambda have, want: have is not None and have >= want,
    "$lt": lambda have, want: have is not None and have < want,
    "$lte": lambda have, want: have is not None and have <= want,
}


def _matches(item: Dict[str, Any], conditions: Dict[str, Any]) -> bool:
    for field_name, condition in conditions.items():
        have = item.get(field_name)
        if not isinstance(condition, dict):
            condition = {"$eq": condition}
        for operator, want in condition.items():
            try:
                if not OPERATORS[operator](have, want):
                    return False
            except TypeError:
                return False
    return True


def rql_page(items: List[Dict[str, Any]], query: Dict[str, Any]) -> Dict[str, Any]:
    """Filter, sort and page as the RQL ``q`` parameter asks; the BlinkOps list envelope."""
    conditions = query.get("filter") or {}
    if not isinstance(conditions, dict):
        raise ApiError(400, "RQL filter must be an object")
    for condition in conditions.values():
        for operator in (condition if isinstance(condition, dict) else {}):
            if operator not in OPERATORS:
                raise ApiError(400, "Unsupported RQL operator %s" % operator)
    selected = [item for item in items if _matches(item, conditions)]
    for key in reversed(query.get("sort") or []):
        descending = key.startswith("-")
        name = key.lstrip("-+")
        selected.sort(key=lambda item, name=name: (item.get(name) is not None, item.get(name) or 0), reverse=descending)
    limit = query.get("limit", LIST_DEFAULT_LIMIT)
    offset = query.get("offset", 0)
    if not isinstance(limit, int) or not isinstance(offset, int) or limit < 1 or offset < 0:
        raise ApiError(400, "RQL limit must be a positive integer and offset 0 or more")
    limit = min(limit, LIST_MAX_LIMIT)
    return {"limit": limit, "offset": offset, "total": len(selected), "results": selected[offset:offset + limit]}


def list_executions(state: State, request: Request) -> HandlerResult:
    workspace = get_workspace(state, request.params["ws"])
    for execution in workspace["executions"].values():
        advance(execution)
    views = [execution_view(execution) for execution in workspace["executions"].values()]
    return 200, rql_page(views, _rql(request)), {}


def _workflow_view(workflow: Dict[str, Any]) -> Dict[str, Any]:
    return {"id": workflow["id"], "name": workflow.get("name", workflow["id"]),
            "description": workflow.get("description", ""), "active": workflow.get("active", True)}


def list_workflows(state: State, request: Request) -> HandlerResult:
    workspace = get_workspace(state, request.params["ws"])
    views = [_workflow_view(workflow) for workflow in workspace["workflows"].values()]
    return 200, rql_page(views, _rql(request)), {}


def read_workflow(state: State, request: Request) -> HandlerResult:
    return 200, _workflow_view(get_workflow(state, request.params["ws"], request.params["wf"])), {}


def blink_error_body(status: int, message: str) -> Any:
    """BlinkOps' error shape."""
    return {"status": status, "message": message}


ROUTES = (
    ("GET", PLAYBOOKS, list_workflows),
    ("GET", PLAYBOOK, read_workflow),
    ("GET", EXECUTIONS, list_executions),
    ("GET", EXECUTION, read_execution),
    ("POST", CANCEL, cancel_execution),
)


def register(app: Emulator) -> None:
    blink = app.services["blink"]
    app.register_service(Service(blink.name, blink.auth, blink_error_body, rate_limit_headers=blink.rate_limit_headers,
                                 unauthorized_message=blink.unauthorized_message,
                                 forbidden_message=blink.forbidden_message))
    app.add_state_init(init_state)
    app.add_seed_handler("blink", seed_blink)
    app.add_default_seed(DEFAULT_SEED)
    app.route("POST", EXECUTE, execute, service="blink", locked=False)  # run_sync waits outside the lock
    app.add_routes(ROUTES, service="blink")
