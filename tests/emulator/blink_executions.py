# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""BlinkOps routes: execute a workflow (async and sync), executions (get, list, steps, cancel), workflows.

Test tooling only. Listed in ``server.RESOURCES``; see BLINK.md.

By default every answer has the shape of the public record (docs.blinkops.com, the official
client): list entries carry no ``inputs`` / ``event`` / ``callback``, the execution record holds
no ``output`` (it is the ``output_data`` of the last completed step, served by
``.../executions/{id}/steps``), ``state_ui`` names the state as the official client reads it.
Settings switch to the other shapes the sources allow (see ``SETTINGS_DEFAULTS``).

Executions advance lazily: each read compares the clock with the execution's start and the
workflow's behaviour, so a workflow "runs" for N seconds without any background thread. So
that no test depends on machine speed, a workflow may instead end on its Nth read
(``behaviour.reads``: a step clock) or only when the control API releases it
(``behaviour.until: "release"``, ``POST /_emulator/blink/release``); a ``pause`` workflow stops
in ``Paused`` (waiting for a person) until released (or its ``resume_reads``th read).

State layout (``state.data``)::

    blink:
      settings: {...SETTINGS_DEFAULTS}
      workspaces:
        <ws id>: {name, workflows: {<id>: {id, name, behaviour}}, executions: {<id>: <execution>}}

An execution keeps private keys (never served): ``_behaviour``, ``_reads`` (GETs by id so far),
``_released``, ``_output`` (the workflow's output) and ``_steps`` (its step records).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.request import Request as UrlRequest
from urllib.request import urlopen

from .core import ApiError, Emulator, HandlerResult, Request, Service, State, checked_settings

SEG = r"[^/]+"
ROOT = r"/api/v1/workspace/(?P<ws>%s)" % SEG
PLAYBOOKS = ROOT + r"/playbooks"
PLAYBOOK = PLAYBOOKS + r"/(?P<wf>%s)" % SEG
EXECUTE = PLAYBOOK + r"/execute"
EXECUTIONS = ROOT + r"/executions"
EXECUTION = EXECUTIONS + r"/(?P<execution_id>%s)" % SEG
CANCEL = EXECUTION + r"/cancel"
STEPS = EXECUTION + r"/steps"
RELEASE = "/_emulator/blink/release"

SETTINGS_DEFAULTS: Dict[str, Any] = {
    # A run_sync call blocks at most this many seconds (or its own ?timeout=, if shorter) ...
    "sync_cap": 2.0,
    # ... and then answers {"execution_id": ...} ("execution_id") or an error ("error").
    "sync_timeout_answer": "execution_id",
    "sync_timeout_status": 408,
    # A run_sync call whose workflow ends Failed / Cancelled / Timeout / Skipped answers this status.
    "sync_failure_status": 400,
    # List entries carry inputs, event and callback too (the public record: they do not).
    "list_inputs": False,
    # The execution record carries the workflow's output as `output` (the public record: it does not).
    "record_output": False,
    # A step's output_data: "string" (JSON text, as the 2022 swagger types it) or "json" (an object).
    "output_data": "string",
    # "both": state and state_ui; "state_only": no state_ui; "raw_state": state_ui as the official client
    # reads it, `state` an engine word no client knows (proves that state_ui is read first).
    "state_keys": "both",
    # The status of a successful cancel (200 in the swagger; 202 and 204 are allowed too).
    "cancel_status": 200,
}
SETTING_CHOICES = {"sync_timeout_answer": ("execution_id", "error"), "output_data": ("string", "json"),
                   "state_keys": ("both", "state_only", "raw_state"), "cancel_status": (200, 202, 204),
                   "list_inputs": (True, False), "record_output": (True, False)}
KINDS = ("complete", "fail", "run", "timeout", "skip", "pause")
# States as the official client names them; all but Running are terminal for it.
TERMINAL = ("Completed", "Failed", "Cancelled", "Timeout", "Skipped", "Paused")
# What a run_sync call answers with an error for (Paused is not the end: the call keeps blocking).
SYNC_FAILED = ("Failed", "Cancelled", "Timeout", "Skipped")
RAW_STATE = {"Running": "running", "Completed": "done", "Failed": "failure", "Cancelled": "aborted",
             "Timeout": "expired", "Skipped": "bypassed", "Paused": "on_hold"}
BODY_FIELDS = {"callback": dict, "event": dict, "input_values": dict, "past_exec_ref": str, "runner": str,
               "trigger_type": str}
CALLBACK_FIELDS = {"body": dict, "cookies": dict, "disableSSL": bool, "excludeDefaultMetadata": bool,
                   "headers": dict, "method": str, "url": str}
# Keys of the record that list entries leave out (unless list_inputs).
DETAIL_ONLY_KEYS = ("inputs", "event", "callback", "step_results")
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
    execution["state_ui"] = name
    execution["updated_at"] = finished_ms if finished_ms is not None else now_ms()
    if name in TERMINAL and name != "Paused":
        finished = finished_ms if finished_ms is not None else now_ms()
        execution["finished_at"] = finished
        execution["duration"] = max(0, finished - execution["started_at"])


# --- steps ---------------------------------------------------------------------------------------
def _step(execution: Dict[str, Any], step_id: str, state_name: str, at_ms: int, output: Any = None,
          error: Optional[str] = None) -> Dict[str, Any]:
    number = len(execution["_steps"]) + 1
    step = {"id": "%s-step-%d" % (execution["id"], number), "step_id": step_id, "execution_id": execution["id"],
            "state": state_name, "started_at": at_ms, "finished_at": None if state_name == "Paused" else at_ms,
            "input_data": None, "output_data": output, "error_data": error, "runner": execution.get("runner"),
            "cmd_id": None, "subflow_execution_id": None}
    execution["_steps"].append(step)
    return step


def _completed_steps(execution: Dict[str, Any], behaviour: Dict[str, Any], at_ms: int) -> None:
    """The steps a behaviour lists as done before its end (``steps: [{step_id, output}]``)."""
    for item in behaviour.get("steps") or []:
        _step(execution, str(item.get("step_id", "step")), "Completed", at_ms, copy.deepcopy(item.get("output")))


def _complete(execution: Dict[str, Any], behaviour: Dict[str, Any], at_ms: int) -> None:
    output = copy.deepcopy(behaviour.get("output") if "output" in behaviour else {})
    if behaviour.get("echo_inputs") and isinstance(output, dict):
        output["inputs"] = copy.deepcopy(execution.get("inputs") or {})
    execution["_output"] = output
    _step(execution, str(behaviour.get("output_step", "finish")), "Completed", at_ms, copy.deepcopy(output))
    _set_state(execution, "Completed", at_ms)


def _due(execution: Dict[str, Any], behaviour: Dict[str, Any], current: int) -> Optional[int]:
    """When a Running execution reaches its end (epoch ms), or None while it is not due."""
    if execution.get("_released"):
        return current
    if behaviour.get("until") == "release":
        return None
    if behaviour.get("reads") is not None:
        return current if execution.get("_reads", 0) >= int(behaviour["reads"]) else None
    end_ms = execution["started_at"] + int(float(behaviour.get("seconds", 0)) * 1000)
    return end_ms if current >= end_ms else None


def advance(execution: Dict[str, Any], at_ms: Optional[int] = None) -> None:
    """Bring a running execution up to date with the clock (or its reads, or a release) and its behaviour."""
    if execution.get("state") != "Running":
        return
    behaviour = execution.get("_behaviour") or {}
    end_ms = _due(execution, behaviour, now_ms() if at_ms is None else at_ms)
    if end_ms is None:
        return
    kind = behaviour.get("kind", "complete")
    _completed_steps(execution, behaviour, end_ms)
    if kind == "fail":
        step = behaviour.get("fail_step", "step-1")
        message = "Step '%s' failed: %s" % (step, behaviour.get("message", "the step returned an error"))
        execution["error_details"] = {"message": message, "error_code": behaviour.get("error_code", "STEP_FAILED"),
                                      "step": step}
        _step(execution, str(step), "Failed", end_ms, error=message)
        _set_state(execution, "Failed", end_ms)
    elif kind == "timeout":
        execution["error_details"] = {"message": "The workflow ran longer than its time limit",
                                      "error_code": "EXECUTION_TIMEOUT"}
        _set_state(execution, "Timeout", end_ms)
    elif kind == "skip":
        _set_state(execution, "Skipped", end_ms)
    elif kind == "pause":
        _step(execution, str(behaviour.get("pause_step", "approval")), "Paused", end_ms)
        _set_state(execution, "Paused", end_ms)
    else:
        _complete(execution, behaviour, end_ms)


def release(execution: Dict[str, Any]) -> bool:
    """The control API's release: a held execution ends as its behaviour says, a Paused one resumes and completes."""
    advance(execution)
    if execution.get("state") == "Paused":
        for step in execution["_steps"]:
            if step["state"] == "Paused":
                step["state"] = "Completed"
                step["finished_at"] = now_ms()
        _complete(execution, execution.get("_behaviour") or {}, now_ms())
        return True
    if execution.get("state") == "Running":
        execution["_released"] = True
        advance(execution)
        return True
    return False


# --- views: what the API serves ------------------------------------------------------------------
def execution_view(execution: Dict[str, Any], config: Dict[str, Any]) -> Dict[str, Any]:
    """The record as GET by id serves it, in the shape the settings choose."""
    view = {key: copy.deepcopy(value) for key, value in execution.items() if not key.startswith("_")}
    if config.get("record_output"):
        view["output"] = copy.deepcopy(execution.get("_output"))
    if config.get("state_keys") == "state_only":
        view.pop("state_ui", None)
    elif config.get("state_keys") == "raw_state":
        view["state"] = RAW_STATE.get(view["state"], view["state"])
    return view


def list_entry_view(execution: Dict[str, Any], config: Dict[str, Any]) -> Dict[str, Any]:
    """A list entry: the record without inputs, event and callback (unless list_inputs)."""
    view = execution_view(execution, config)
    if not config.get("list_inputs"):
        for key in DETAIL_ONLY_KEYS:
            view.pop(key, None)
    return view


def step_view(step: Dict[str, Any], config: Dict[str, Any]) -> Dict[str, Any]:
    view = copy.deepcopy(step)
    output = view.get("output_data")
    if config.get("output_data") == "string" and output is not None and not isinstance(output, str):
        view["output_data"] = json.dumps(output, sort_keys=True)
    return view


# --- seeds ---------------------------------------------------------------------------------------
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
    if behaviour.get("until") not in (None, "release"):
        raise ApiError(400, "seed: %s behaviour until must be 'release'" % where)
    reads = behaviour.get("reads")
    if reads is not None and (not isinstance(reads, int) or isinstance(reads, bool) or reads < 1):
        raise ApiError(400, "seed: %s behaviour reads must be a positive integer" % where)
    resume = behaviour.get("resume_reads")
    if resume is not None and (not isinstance(resume, int) or isinstance(resume, bool) or resume < 1):
        raise ApiError(400, "seed: %s behaviour resume_reads must be a positive integer" % where)
    if not isinstance(behaviour.get("steps") or [], list):
        raise ApiError(400, "seed: %s behaviour steps must be a list" % where)
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
    blink["settings"].update(checked_settings("blink.settings", seed.get("settings") or {}, SETTINGS_DEFAULTS,
                                              SETTING_CHOICES))
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
    """A past (or still running) execution; ``started_ago`` (seconds) sets started_at.

    A Completed one's ``output`` becomes its last step's output_data; a Failed one's ``output``
    that of a completed step before the failing one.
    """
    workflow = workspace["workflows"].get(seed["playbook_id"], {})
    started = seed.pop("started_ago", None)
    started_at = int(seed.get("started_at", now_ms() - int(float(started or 0) * 1000)))
    execution = _new_execution(str(seed["id"]), ws_id, str(seed["playbook_id"]), workflow, seed.get("inputs") or {},
                               {"callback": seed.get("callback"), "event": seed.get("event")}, started_at)
    state_name = seed.get("state", "Completed")
    if state_name not in ("Running",) + TERMINAL:
        raise ApiError(400, "seed: execution state must be Running or one of %s" % ", ".join(TERMINAL))
    if state_name == "Running":
        execution["_behaviour"] = _check_behaviour(seed.get("behaviour") or workflow.get("behaviour") or {"kind": "run"},
                                                   "execution %s" % seed["id"])
    else:
        finished = int(seed.get("finished_at", started_at + 1000))
        output = copy.deepcopy(seed.get("output", {} if state_name == "Completed" else None))
        execution["error_details"] = copy.deepcopy(seed.get("error_details"))
        if state_name == "Completed":
            execution["_output"] = output
            _step(execution, "finish", "Completed", finished, copy.deepcopy(output))
        elif output is not None:
            _step(execution, "collect", "Completed", finished, output)
        if state_name == "Failed":
            _step(execution, "fail", "Failed", finished,
                  error=(execution["error_details"] or {}).get("message", "the step returned an error"))
        if state_name == "Paused":
            _step(execution, "approval", "Paused", finished)
        _set_state(execution, state_name, finished)
    workspace["executions"][execution["id"]] = execution


def _new_execution(execution_id: str, ws_id: str, wf_id: str, workflow: Dict[str, Any], inputs: Dict[str, Any],
                   body: Dict[str, Any], started_at: int) -> Dict[str, Any]:
    name = workflow.get("name", wf_id)
    execution: Dict[str, Any] = {
        "id": execution_id,
        "name": name,
        "display_name": name,
        "workspace_id": ws_id,
        "playbook_id": wf_id,
        "playbook_name": name,
        "playbook_deleted": False,
        "state": "Running",
        "state_ui": "Running",
        "inputs": copy.deepcopy(inputs),
        "event": copy.deepcopy(body.get("event")),
        "runner": body.get("runner"),
        "trigger_type": body.get("trigger_type") or "api",
        "type": "playbook",
        "past_exec_ref": body.get("past_exec_ref"),
        "callback": copy.deepcopy(body.get("callback")),
        "created_at": started_at,
        "updated_at": started_at,
        "started_at": started_at,
        "finished_at": None,
        "duration": None,
        "error_details": None,
        "cancel_reason": None,
        "_behaviour": copy.deepcopy(workflow.get("behaviour") or {"kind": "complete", "seconds": 0}),
        "_reads": 0,
        "_output": None,
        "_steps": [],
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
            output = copy.deepcopy(current.get("_output"))
            error = copy.deepcopy(current.get("error_details")) or {}
        if state_name in SYNC_FAILED + ("Completed",) or time.time() >= give_up or state.stopping.is_set():
            break
        state.stopping.wait(min(SYNC_POLL, max(0.0, give_up - time.time())))
    if state_name == "Completed":
        return 200, output if output is not None else {}, {}
    if state_name in SYNC_FAILED:
        raise ApiError(int(config["sync_failure_status"]),
                       "Workflow execution %s: %s" % (state_name.lower(), error.get("message") or state_name))
    if config["sync_timeout_answer"] == "error":
        raise ApiError(int(config["sync_timeout_status"]),
                       "Timed out after %s seconds waiting for the workflow to finish" % int(limit))
    return 200, {"execution_id": execution_id}, {}


def read_execution(state: State, request: Request) -> HandlerResult:
    """GET by id: one read on the execution's step clock (``behaviour.reads``)."""
    execution = get_workspace(state, request.params["ws"])["executions"].get(request.params["execution_id"])
    if execution is not None:
        execution["_reads"] = execution.get("_reads", 0) + 1
    execution = get_execution(state, request.params["ws"], request.params["execution_id"])
    resume = (execution.get("_behaviour") or {}).get("resume_reads")
    if execution["state"] == "Paused" and resume is not None and execution["_reads"] >= int(resume):
        release(execution)  # the person answered, on this read of the step clock
    return 200, execution_view(execution, settings(state)), {}


def read_steps(state: State, request: Request) -> HandlerResult:
    """GET .../steps: the execution's step records in the list envelope, oldest first (RQL paging allowed)."""
    execution = get_execution(state, request.params["ws"], request.params["execution_id"])
    views = [step_view(step, settings(state)) for step in execution["_steps"]]
    query = _rql(request)
    query.setdefault("limit", LIST_MAX_LIMIT)
    return 200, rql_page(views, query), {}


def cancel_execution(state: State, request: Request) -> HandlerResult:
    """Cancel a Running (or Paused) execution; the swagger's answer is a plain string."""
    execution = get_execution(state, request.params["ws"], request.params["execution_id"])
    if execution["state"] not in ("Running", "Paused"):
        raise ApiError(400, "Execution %s is not running (state %s)" % (execution["id"], execution["state"]))
    execution["error_details"] = {"message": "The execution was cancelled", "error_code": "CANCELLED"}
    execution["cancel_reason"] = "Cancelled through the API"
    for step in execution["_steps"]:
        if step["state"] == "Paused":
            step["state"] = "Cancelled"
    _set_state(execution, "Cancelled")
    status = int(settings(state)["cancel_status"])
    return status, (None if status == 204 else "Execution %s cancelled" % execution["id"]), {}


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
    views = [list_entry_view(execution, settings(state)) for execution in workspace["executions"].values()]
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
    ("GET", STEPS, read_steps),
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
    app.route("POST", RELEASE, release_executions, service="control")


def release_executions(state: State, request: Request) -> HandlerResult:
    """Control API: ``{"workspace", "execution_id"}`` or ``{"workspace", "workflow_id"}`` -> ``{"released": [ids]}``."""
    body = request.json_object()
    workspace = get_workspace(state, str(body.get("workspace", "")))
    if body.get("execution_id"):
        chosen = [get_execution(state, body["workspace"], str(body["execution_id"]))]
    elif body.get("workflow_id"):
        chosen = [item for item in workspace["executions"].values() if item["playbook_id"] == body["workflow_id"]]
    else:
        raise ApiError(400, "release needs execution_id or workflow_id")
    return 200, {"released": [item["id"] for item in chosen if release(item)]}, {}


def release_call(url: str, workspace: str, execution_id: Optional[str] = None,
                 workflow_id: Optional[str] = None) -> List[str]:
    """For tests: release held or Paused executions through the control API; the ids released."""
    body = {"workspace": workspace, "execution_id": execution_id, "workflow_id": workflow_id}
    request = UrlRequest(url.rstrip("/") + RELEASE, data=json.dumps(body).encode("utf-8"), method="POST",
                         headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=10) as response:  # nosec - loopback test server
        return json.loads(response.read().decode("utf-8"))["released"]
