# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy pipeline runs (executions) in the emulator: the run engine and its endpoints.

Test tooling only; see README.md ("Pipeline runs and sandboxes") for the rules a run follows.

A run is a plan over a copy of the pipeline's actions taken when it starts. Time drives it:
``advance(state, now)`` moves every run as far as ``now`` allows (each action takes
``run_settings.action_duration`` seconds, plus ``sleep N`` in its commands, plus the time a
sandbox needs to boot), applying each action's effect on the emulator's state when the action
starts. It is this resource's advancer on the state's clock: ``State.now()`` runs it before
every route, and the clock's ticker every 20 ms so that ``GET /_emulator/state`` is current too.
Nothing here sleeps.

State layout (``state.data``)::

    executions: {"<id>": {id, status, ..., action_executions: [...], _ws, _project, _pipeline_id,
                          _actions: [copies], _phase, _t, _current, _failed, _warning, ...}}
    execution_settings: {action_execution_id_in, log_page_cap, list_order}
    _secrets: {executions: {"<id>": {<key>: <plain value of an encrypted run variable>}}}

Following the public record (facts-v2 D): an action execution's log is never part of the run;
it is read from ``GET .../executions/{id}/action_executions/{aeid}/logs?offset=&limit=``
(``{offset, element_count, total_element_count, logs[]}``). A ``WAIT_FOR_APPLY`` action (or a
seeded action with ``emulator_waits_for: WAITING_FOR_...``) makes the run and the action wait in
that status until ``PATCH {"operation": "APPLY"}`` (``APPLY_VARIABLES`` / ``SET_VARIABLES`` /
``APPROVE_VT`` for the other waiting states), optionally with ``approve_action_id`` (the action
execution id or the action id). ``RETRY`` on a FAILED or TERMINATED run runs its failed,
terminated and not executed actions again, each as the pipeline defines it now.

Switches (seed ``execution_settings``), for what the record leaves open:

- ``action_execution_id_in``: where an action execution carries its id: ``field`` (default, the
  2026 docs' ``action_execution_id``, plus ``url`` and ``html_url``), ``url`` (only in ``url``,
  ``.../action_executions/{aeid}``) or ``html_url`` (only as ``?actionExecutionId=`` in ``html_url``).
- ``log_page_cap``: the most log lines one logs page holds (default 1000, the documented maximum of
  ``limit``); lower makes a client page.
- ``list_order``: ``newest_first`` (default, as the documented example) or ``oldest_first``.
- ``run_post_answer``: what a run POST answers once the run is stored: ``run`` (default), or a 200
  with an ``empty`` body or a ``not_json`` one (an odd proxy or server: the run did start).
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import buddy
from . import buddy_sandboxes as sbx
from .buddy import iso, settings
from .buddy_actions import action_url
from .core import POSITIVE_INTEGER, ApiError, Emulator, HandlerResult, Request, State, checked_settings

EXECUTIONS = buddy.PIPELINE + r"/executions"
EXECUTION = EXECUTIONS + r"/(?P<execution_id>%s)" % buddy.SEG

ACTION_EXECUTIONS = EXECUTION + r"/action_executions"
ACTION_EXECUTION = ACTION_EXECUTIONS + r"/(?P<aeid>%s)" % buddy.SEG
ACTION_LOGS = ACTION_EXECUTION + r"/logs"

FINISHED = ("SUCCESSFUL", "FAILED", "TERMINATED", "NOT_EXECUTED", "SKIPPED")
# A waiting state -> the PATCH operations that end it.
WAITING = {
    "WAITING_FOR_APPLY": ("APPLY",),
    "WAITING_FOR_VARIABLES": ("APPLY_VARIABLES", "SET_VARIABLES"),
    "WAITING_FOR_SETTABLE_VARIABLES": ("SET_VARIABLES", "APPLY_VARIABLES"),
    "WAITING_FOR_VT_SESSION": ("APPROVE_VT",),
}
OPERATIONS = ("CANCEL", "RETRY", "APPLY", "APPLY_VARIABLES", "SET_VARIABLES", "RUN_DELAYED", "APPROVE_VT")
DEFAULT_SETTINGS: Dict[str, Any] = {"action_execution_id_in": "field", "log_page_cap": 1000, "list_order": "newest_first",
                                    "run_post_answer": "run"}
SETTING_CHOICES = {"action_execution_id_in": ("field", "url", "html_url"), "list_order": ("newest_first", "oldest_first"),
                   "run_post_answer": ("run", "empty", "not_json")}
LOG_LIMIT_DEFAULT = 100
LOG_LIMIT_MAX = 1000
PRIORITIES = ("LOW", "NORMAL", "HIGH")
RUN_FIELDS = ("to_revision", "branch", "tag", "pull_request", "comment", "refresh", "clear_cache", "priority",
              "variables", "actions_to_run", "delay_until")
# trigger_time -> when an action of the closing section runs, given (failed, warning, back_to_success).
CLOSING_TRIGGERS: Dict[str, Callable[[bool, bool, bool], bool]] = {
    "ON_SUCCESS": lambda failed, warning, back: not failed,
    "ON_FAILURE": lambda failed, warning, back: failed,
    "ON_WARNING": lambda failed, warning, back: not failed and warning,
    "ON_BACK_TO_SUCCESS": lambda failed, warning, back: not failed and back,
}
COMMAND_FIELDS = ("setup_commands", "execute_commands")
CREATOR = {
    "id": 1,
    "name": "Emulator User",
    "email": "user@emulator.local",
    "admin": True,
    "workspace_owner": True,
}
VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


class ActionFailed(Exception):
    """An action's own failure: the action ends FAILED with this message."""


def executions(state: State) -> Dict[str, Dict[str, Any]]:
    return state.data.setdefault("executions", {})


def run_switches(state: State) -> Dict[str, Any]:
    return state.data.setdefault("execution_settings", dict(DEFAULT_SETTINGS))


def seed_switches(state: State, value: Any) -> None:
    """Seed ``execution_settings`` (see the module docstring)."""
    run_switches(state).update(checked_settings("execution_settings", value, DEFAULT_SETTINGS, SETTING_CHOICES,
                                                {"log_page_cap": POSITIVE_INTEGER}))


def fake_sha(seed: str) -> str:
    return hashlib.sha1(seed.encode("utf-8")).hexdigest()  # nosec - a made-up commit id, not security


# --- starting a run ----------------------------------------------------------------------------------


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _named(body: Dict[str, Any], field: str, key: str) -> Optional[Dict[str, Any]]:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get(key), str) or not value[key]:
        raise _bad("Field '%s' must be an object with a non-empty '%s'" % (field, key))
    return copy.deepcopy(value)


def validate_run(body: Dict[str, Any], pipeline: Dict[str, Any]) -> None:
    unknown = sorted(set(body) - set(RUN_FIELDS))
    if unknown:
        raise _bad("Unknown field(s): %s" % ", ".join(unknown))
    _named(body, "to_revision", "revision")
    _named(body, "branch", "name")
    _named(body, "tag", "name")
    if body.get("branch") is not None and body.get("tag") is not None:
        raise _bad("Fields 'branch' and 'tag' can't be used together")
    if body.get("priority") is not None and body["priority"] not in PRIORITIES:
        raise _bad("Invalid value '%s' of field 'priority'. Allowed values: %s" % (body["priority"], ", ".join(PRIORITIES)))
    for field in ("refresh", "clear_cache"):
        if body.get(field) is not None and not isinstance(body[field], bool):
            raise _bad("Field '%s' must be a boolean" % field)
    if body.get("comment") is not None and not isinstance(body["comment"], str):
        raise _bad("Field 'comment' must be a string")
    variables = body.get("variables")
    if variables is not None:
        if not isinstance(variables, list):
            raise _bad("Field 'variables' must be a list")
        for index, variable in enumerate(variables):
            if not isinstance(variable, dict) or not isinstance(variable.get("key"), str) or not variable["key"]:
                raise _bad("Field 'variables[%d].key' is required" % index)
            if variable.get("value") is not None and not isinstance(variable["value"], str):
                raise _bad("Field 'variables[%d].value' must be a string" % index)
    selected = body.get("actions_to_run")
    if selected is not None:
        if not isinstance(selected, list) or not selected or not all(
                isinstance(item, int) and not isinstance(item, bool) for item in selected):
            raise _bad("Field 'actions_to_run' must be a non-empty list of action IDs")
        known = {action["id"] for action in pipeline.get("actions", [])}
        missing = [item for item in selected if item not in known]
        if missing:
            raise _bad("Action(s) not found in this pipeline: %s" % ", ".join(str(item) for item in missing))
    if pipeline.get("disabled"):
        raise _bad("The pipeline is disabled")
    if not pipeline.get("actions"):
        raise _bad("The pipeline has no actions to run")


def _default_branch(pipeline: Dict[str, Any]) -> str:
    refs = pipeline.get("refs") or buddy.PIPELINE_DEFAULTS["refs"]
    return re.sub(r"^refs/heads/", "", refs[0]) if refs else "main"


def create_run(state: State, ws: str, project: str, pipeline: Dict[str, Any], body: Dict[str, Any],
               now: float) -> Dict[str, Any]:
    """Validate a run request and store the run, ENQUEUED; ``advance`` takes it from there."""
    validate_run(body, pipeline)
    run_id = state.next_id("execution", start=1)
    revision = _named(body, "to_revision", "revision") or {"revision": "HEAD"}
    if revision["revision"].upper() == "HEAD":
        revision["revision"] = fake_sha("%s/%s/%s/%d" % (ws, project, pipeline["id"], run_id))
    revision.setdefault("message", "Emulated commit")
    secrets = state.secrets("executions", str(run_id))
    variables = []
    for item in body.get("variables") or []:
        variable = {"key": item["key"], "value": item.get("value") or "", "encrypted": bool(item.get("encrypted")),
                    "type": "VAR", "settable": False, "description": ""}
        if variable["encrypted"]:
            secrets[variable["key"]] = variable["value"]
            variable["value"] = buddy.encrypt(variable["value"])
        variables.append(variable)
    actions = copy.deepcopy(pipeline.get("actions", []))
    selected = body.get("actions_to_run")
    record: Dict[str, Any] = {
        "id": run_id,
        "start_date": None,
        "finish_date": None,
        "triggered_on": "API",
        "priority": body.get("priority") or pipeline.get("priority") or "NORMAL",
        "refresh": bool(body.get("refresh")),
        "clear_cache": bool(body.get("clear_cache")),
        "status": "ENQUEUED",
        "comment": body.get("comment") or "",
        "branch": _named(body, "branch", "name") or ({"name": _default_branch(pipeline)} if not body.get("tag") else None),
        "tag": _named(body, "tag", "name"),
        "to_revision": revision,
        "creator": dict(CREATOR),
        "variables": variables,
        "actions_to_run": list(selected) if selected else None,
        "action_executions": [_action_execution(run_id, action) for action in actions],
        "_ws": ws,
        "_project": project,
        "_pipeline_id": pipeline["id"],
        "_actions": actions,
        "_selected": list(selected) if selected else None,
        "_concurrent": bool(pipeline.get("concurrent_pipeline_runs")),
        "_ready_at": now + settings(state)["queue_delay"],
        "_phase": "queued",
        "_t": now,
        "_current": None,
        "_failed": False,
        "_warning": False,
        "_finished_at": None,
    }
    executions(state)[str(run_id)] = record
    return record


def _action_execution(run_id: int, action: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "action_execution_id": hashlib.sha1(  # nosec - a made-up 24-hex id, not security
            ("action-execution:%d:%d" % (run_id, action["id"])).encode("utf-8")).hexdigest()[:24],
        "status": "INITIAL",
        "progress": 0,
        "start_date": None,
        "finish_date": None,
        "log": [],
        "action": {"id": action["id"], "name": action["name"], "type": action["type"],
                   "trigger_time": action.get("trigger_time", "ON_EVERY_EXECUTION")},
    }


# --- moving runs along -------------------------------------------------------------------------------


def advance(state: State, now: float) -> None:
    """Move every run, then every sandbox, as far as ``now``."""
    for key in sorted(executions(state), key=int):
        advance_run(state, executions(state)[key], now)
    sbx.advance(state, now)


def _blocked_until(state: State, record: Dict[str, Any]) -> Optional[float]:
    """When an earlier run of the same pipeline finished; None while one is still going."""
    latest = 0.0
    for other in executions(state).values():
        if other["id"] >= record["id"] or other["_pipeline_id"] != record["_pipeline_id"]:
            continue
        if other["_ws"] != record["_ws"] or other["_project"] != record["_project"]:
            continue
        if other["status"] not in FINISHED:
            return None
        latest = max(latest, other["_finished_at"] or 0.0)
    return latest


def advance_run(state: State, record: Dict[str, Any], now: float) -> None:
    if record["status"] in FINISHED:
        return
    if record["_phase"] == "queued":
        start = record["_ready_at"]
        if not record["_concurrent"]:
            blocked = _blocked_until(state, record)
            if blocked is None:
                return
            start = max(start, blocked)
        if now < start:
            return
        record["_phase"] = "main"
        record["_t"] = start
        record["status"] = "INPROGRESS"
        record["start_date"] = iso(start)
    for _guard in range(10000):
        current = record["_current"]
        if current is None:
            if not _start_next(state, record):
                return
            continue
        if current.get("waiting") or now < current["ends_at"]:
            return
        _finish_step(state, record, current)


def _entries(record: Dict[str, Any]) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
    return list(zip(record["_actions"], record["action_executions"]))


def _section(action: Dict[str, Any]) -> str:
    trigger = action.get("trigger_time") or "ON_EVERY_EXECUTION"
    if trigger == "ON_EVERY_EXECUTION":
        return "main"
    if trigger in CLOSING_TRIGGERS:
        return "closing"
    return "other"  # ON_TERMINATE (run by a cancel), ON_WAIT_FOR_APPROVE (not modelled)


def _settle(entry: Dict[str, Any], status: str, at: float, line: str) -> None:
    entry["status"] = status
    entry["finish_date"] = iso(at)
    entry["log"].append(line)


def _start_next(state: State, record: Dict[str, Any]) -> bool:
    """Start the next action of the run (settling the ones that won't run); False when done."""
    t = record["_t"]
    for action, entry in _entries(record):
        if entry["status"] != "INITIAL":
            continue
        section = _section(action)
        if record["_phase"] == "main" and section != "main":
            continue
        if record["_phase"] == "closing" and section != "closing":
            continue
        if record["_selected"] is not None and action["id"] not in record["_selected"]:
            _settle(entry, "SKIPPED", t, "Not selected in actions_to_run.")
            continue
        if action.get("disabled"):
            _settle(entry, "SKIPPED", t, "The action is disabled.")
            continue
        if record["_phase"] == "main" and record["_failed"]:
            _settle(entry, "NOT_EXECUTED", t, "Not executed: an earlier action failed.")
            continue
        if record["_phase"] == "closing":
            if record["_closing_failed"]:
                _settle(entry, "NOT_EXECUTED", t, "Not executed: an earlier action failed.")
                continue
            if not CLOSING_TRIGGERS[action["trigger_time"]](record["_failed"], record["_warning"], record["_back"]):
                _settle(entry, "NOT_EXECUTED", t, "Not executed: trigger %s not met." % action["trigger_time"])
                continue
        _start_step(state, record, action, entry, t)
        return True
    if record["_phase"] == "main":
        record["_phase"] = "closing"
        record["_closing_failed"] = False
        record["_back"] = _previous_failed(state, record)
        return True
    _finish_run(state, record, t, "FAILED" if record["_failed"] else "SUCCESSFUL")
    return False


def _previous_failed(state: State, record: Dict[str, Any]) -> bool:
    earlier = [other for other in executions(state).values()
               if other["id"] < record["id"] and other["_pipeline_id"] == record["_pipeline_id"]
               and other["_ws"] == record["_ws"] and other["_project"] == record["_project"]
               and other["status"] in FINISHED]
    if not earlier:
        return False
    return max(earlier, key=lambda other: other["id"])["status"] == "FAILED"


def waits_for(action: Dict[str, Any]) -> Optional[str]:
    """The waiting state an action puts its run in: WAIT_FOR_APPLY, or a seeded ``emulator_waits_for``."""
    if action.get("emulator_waits_for") in WAITING:
        return action["emulator_waits_for"]
    return "WAITING_FOR_APPLY" if action.get("type") == "WAIT_FOR_APPLY" else None


def _start_step(state: State, record: Dict[str, Any], action: Dict[str, Any], entry: Dict[str, Any], t: float) -> None:
    sbx.advance(state, t)
    entry["start_date"] = iso(t)
    waiting = waits_for(action)
    if waiting:
        entry["status"] = record["status"] = waiting
        entry["log"].append("Waiting (%s)%s" % (waiting, ": %s" % expand(action["comment"], record, state)
                                                if action.get("comment") else ""))
        record["_current"] = {"index": record["_actions"].index(action), "ends_at": t, "failure": None,
                              "waiting": waiting}
        return
    entry["status"] = "INPROGRESS"
    try:
        duration, lines = perform(state, record, action, t)
        failure = None
    except _Failure as exc:
        duration, lines, failure = exc.duration, exc.lines, str(exc)
    except (ActionFailed, sbx.SandboxError) as exc:
        duration, lines, failure = settings(state)["action_duration"], [], str(exc)
    entry["log"].extend(lines)
    record["_current"] = {"index": record["_actions"].index(action), "ends_at": t + duration, "failure": failure}


def _finish_step(state: State, record: Dict[str, Any], current: Dict[str, Any]) -> None:
    action = record["_actions"][current["index"]]
    entry = record["action_executions"][current["index"]]
    at = current["ends_at"]
    if record["status"] in WAITING:
        record["status"] = "INPROGRESS"
    entry["finish_date"] = iso(at)
    entry["progress"] = 100
    if current["failure"]:
        entry["status"] = "FAILED"
        entry["error_message"] = current["failure"]
        entry["log"].append("Action failed: %s" % current["failure"])
        if action.get("ignore_errors"):
            record["_warning"] = True
            entry["log"].append("Errors are ignored for this action: the run goes on.")
        elif record["_phase"] == "closing":
            record["_failed"] = True
            record["_closing_failed"] = True
        else:
            record["_failed"] = True
    else:
        entry["status"] = "SUCCESSFUL"
        entry["log"].append("Action finished successfully.")
    _remember_action_status(state, record, action["id"], entry["status"])
    record["_current"] = None
    record["_t"] = at


def _remember_action_status(state: State, record: Dict[str, Any], action_id: int, status: str) -> None:
    try:
        pipeline = buddy.get_pipeline(state, record["_ws"], record["_project"], str(record["_pipeline_id"]))
    except ApiError:
        return
    for stored in pipeline.get("actions", []):
        if stored.get("id") == action_id:
            stored["last_execution_status"] = status


def _finish_run(state: State, record: Dict[str, Any], at: float, status: str) -> None:
    for action, entry in _entries(record):
        if entry["status"] == "INITIAL":  # ON_TERMINATE without a cancel, ON_WAIT_FOR_APPROVE
            _settle(entry, "NOT_EXECUTED", at, "Not executed: trigger %s not met." % action.get("trigger_time"))
    record["status"] = status
    record["finish_date"] = iso(at)
    record["_finished_at"] = at
    record["_current"] = None
    if record["start_date"] is None:
        record["start_date"] = iso(at)
    try:
        pipeline = buddy.get_pipeline(state, record["_ws"], record["_project"], str(record["_pipeline_id"]))
    except ApiError:
        return
    pipeline["last_execution_status"] = status
    pipeline["last_execution_revision"] = record["to_revision"]["revision"]


# --- cancelling --------------------------------------------------------------------------------------


def cancel_run(state: State, record: Dict[str, Any], now: float) -> None:
    """CANCEL: the running action ends TERMINATED, ON_TERMINATE actions run, the rest never do."""
    advance(state, now)
    if record["status"] in FINISHED:
        raise _bad("The execution has already finished (%s) and can't be cancelled" % record["status"])
    current = record["_current"]
    if current is not None:
        entry = record["action_executions"][current["index"]]
        _settle(entry, "TERMINATED", now, "Terminated by the user.")
        _remember_action_status(state, record, record["_actions"][current["index"]]["id"], "TERMINATED")
        record["_current"] = None
    for action, entry in _entries(record):
        if entry["status"] != "INITIAL":
            continue
        if action.get("trigger_time") == "ON_TERMINATE" and not action.get("disabled") and (
                record["_selected"] is None or action["id"] in record["_selected"]):
            entry["start_date"] = iso(now)
            entry["progress"] = 100
            try:
                _duration, lines = perform(state, record, action, now)
                entry["log"].extend(lines)
                _settle(entry, "SUCCESSFUL", now, "Action finished successfully.")
            except (ActionFailed, sbx.SandboxError) as exc:
                entry["log"].extend(getattr(exc, "lines", []))
                entry["error_message"] = str(exc)
                _settle(entry, "FAILED", now, "Action failed: %s" % exc)
            _remember_action_status(state, record, action["id"], entry["status"])
        else:
            _settle(entry, "NOT_EXECUTED", now, "Not executed: the run was cancelled.")
    _finish_run(state, record, now, "TERMINATED")
    sbx.advance(state, now)


# --- approving and retrying ----------------------------------------------------------------------------


def apply_run(state: State, record: Dict[str, Any], operation: str, body: Dict[str, Any], now: float) -> None:
    """APPLY (and the variables / VT operations): the waiting action succeeds and the run goes on."""
    current = record["_current"]
    waiting = current.get("waiting") if current else None
    if waiting is None or operation not in WAITING[waiting]:
        raise _bad("The execution is not waiting for %s (status %s)" % (operation, record["status"]))
    entry = record["action_executions"][current["index"]]
    wanted = body.get("approve_action_id")
    if wanted is not None and str(wanted) not in (entry["action_execution_id"], str(entry["action"]["id"])):
        raise _bad("Action execution '%s' is not waiting for approval" % wanted)
    for item in body.get("variables") or []:
        if not isinstance(item, dict) or not item.get("key"):
            raise _bad("Field 'variables[].key' is required")
    entry["log"].append("Approved (%s)." % operation)
    del current["waiting"]
    current["ends_at"] = now
    record["status"] = "INPROGRESS"
    advance_run(state, record, now)


def retry_run(state: State, record: Dict[str, Any], now: float) -> None:
    """RETRY: the failed, terminated and not executed actions run again, as the pipeline defines them now."""
    if record["status"] not in ("FAILED", "TERMINATED"):
        raise _bad("Only a failed or terminated execution can be retried (status %s)" % record["status"])
    try:
        pipeline = buddy.get_pipeline(state, record["_ws"], record["_project"], str(record["_pipeline_id"]))
        current = dict((action["id"], action) for action in pipeline.get("actions", []))
    except ApiError:
        current = {}
    for index, (action, entry) in enumerate(_entries(record)):
        if entry["status"] in ("FAILED", "TERMINATED", "NOT_EXECUTED") or _section(action) != "main":
            if action["id"] in current:
                record["_actions"][index] = copy.deepcopy(current[action["id"]])
            entry.update(status="INITIAL", progress=0, finish_date=None)
            entry.pop("error_message", None)
            entry["log"].append("--- Retried ---")
    record.update(status="INPROGRESS", finish_date=None, _finished_at=None, _phase="main", _t=now, _current=None,
                  _failed=False, _warning=False, _closing_failed=False)
    record["_retries"] = record.get("_retries", 0) + 1
    advance_run(state, record, now)


# --- what actions do ------------------------------------------------------------------------------------


def expand(text: Any, record: Dict[str, Any], state: State) -> Any:
    """``$NAME`` / ``${NAME}``: built-in run variables and the run's own variables; others stay as written."""
    if not isinstance(text, str):
        return text
    values = {
        "BUDDY_RUN_ID": str(record["id"]),
        "BUDDY_EXECUTION_ID": str(record["id"]),
        "BUDDY_PIPELINE_ID": str(record["_pipeline_id"]),
        "BUDDY_PROJECT_NAME": record["_project"],
        "BUDDY_WORKSPACE_DOMAIN": record["_ws"],
        "BUDDY_EXECUTION_BRANCH": (record.get("branch") or {}).get("name", ""),
        "BUDDY_EXECUTION_REVISION": record["to_revision"]["revision"],
    }
    secrets = state.secrets("executions", str(record["id"]))
    for variable in record.get("variables") or []:
        values[variable["key"]] = secrets.get(variable["key"], variable["value"]) if variable["encrypted"] else variable["value"]

    def replace(match: Any) -> str:
        name = match.group(1) or match.group(2)
        return values.get(name, match.group(0))

    return VARIABLE.sub(replace, text)


def _expand_all(value: Any, record: Dict[str, Any], state: State) -> Any:
    if isinstance(value, dict):
        return {key: _expand_all(item, record, state) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_all(item, record, state) for item in value]
    return expand(value, record, state)


def perform(state: State, record: Dict[str, Any], action: Dict[str, Any], t: float) -> Tuple[float, List[str]]:
    """Apply the action's effect at time ``t``: (seconds it takes, log lines); raises ActionFailed."""
    base = settings(state)["action_duration"]
    handler = PERFORMERS.get(action["type"])
    if handler is not None:
        return handler(state, record, action, t, base)
    if any(action.get(field) for field in COMMAND_FIELDS + ("inline_commands",)):
        return _commands_action(state, record, action, t, base)
    return base, ["%s actions are not modelled by the emulator: this one succeeds without effect." % action["type"]]


def _commands(action: Dict[str, Any]) -> List[str]:
    lines: List[str] = []
    for field in COMMAND_FIELDS:
        lines.extend(str(item) for item in action.get(field) or [])
    if isinstance(action.get("inline_commands"), str):
        lines.extend(action["inline_commands"].splitlines())
    return lines


def _run_commands(action: Dict[str, Any], base: float) -> Tuple[float, List[str]]:
    """Commands 'run' one by one: ``sleep N`` takes N seconds, ``exit N`` (N > 0) fails the action."""
    duration, lines = base, []
    for command in _commands(action):
        lines.append("$ %s" % command)
        sleep = re.match(r"^\s*sleep\s+([0-9]+(?:\.[0-9]+)?)\s*$", command)
        if sleep:
            duration += float(sleep.group(1))
        code = re.match(r"^\s*exit\s+([0-9]+)\s*$", command)
        if code and int(code.group(1)) != 0:
            raise _Failure(duration, lines, "Command '%s' exited with code %s" % (command.strip(), code.group(1)))
    return duration, lines


class _Failure(ActionFailed):
    """A failure that still took time and left log lines."""

    def __init__(self, duration: float, lines: List[str], message: str) -> None:
        super().__init__(message)
        self.duration = duration
        self.lines = lines


def _commands_action(state: State, record: Dict[str, Any], action: Dict[str, Any], t: float, base: float) -> Tuple[float, List[str]]:
    del t
    expanded = dict(action)
    for field in COMMAND_FIELDS + ("inline_commands",):
        if action.get(field):
            expanded[field] = _expand_all(action[field], record, state)
    return _run_commands(expanded, base)


def _sandbox_create(state: State, record: Dict[str, Any], action: Dict[str, Any], t: float, base: float) -> Tuple[float, List[str]]:
    ws, project = record["_ws"], record["_project"]
    spec = _expand_all(copy.deepcopy(action.get("spec") or {}), record, state)
    source_kind = action.get("from") or "SCRATCH"
    start = action.get("start", True) is not False
    source = snapshot = None
    if source_kind == "SANDBOX":
        name = expand(action.get("sandbox_identifier"), record, state)
        source = sbx.find_by_identifier(state, ws, project, name)
        if source is None:
            raise ActionFailed("Source sandbox '%s' not found in project '%s'" % (name, project))
    elif source_kind == "SNAPSHOT":
        name = expand(action.get("snapshot_name"), record, state)
        snapshot = sbx.find_snapshot(state, ws, project, name)
        if snapshot is None:
            raise ActionFailed("Snapshot '%s' not found in project '%s'" % (name, project))
    if not spec.get("identifier") and source_kind != "SCRATCH":
        origin = source["identifier"] if source is not None else snapshot["name"]
        spec["identifier"] = re.sub(r"[^A-Za-z0-9_-]+", "-", "%s-%s" % (origin, record["id"]))
    existing = sbx.find_by_identifier(state, ws, project, spec.get("identifier") or "")
    if existing is not None:
        if not action.get("update_if_exists"):
            raise ActionFailed("Sandbox '%s' already exists in project '%s' (update_if_exists is false)"
                               % (existing["identifier"], project))
        sbx.validate_spec(spec, creating=False)
        if spec.get("first_boot_commands") is not None and spec["first_boot_commands"] != existing.get("first_boot_commands"):
            existing["setup_status"] = "STALE"
        sbx.apply_config(existing, spec)
        lines = ["Sandbox '%s' exists: its configuration was updated." % existing["identifier"]]
        box = existing
        ready = sbx.boot(state, box, t) if start else t
    else:
        box = sbx.new_sandbox(state, ws, project, spec, t, start=start, source=source, snapshot=snapshot)
        lines = ["Sandbox '%s' (%s) created from %s." % (box["identifier"], box["id"], source_kind)]
        ready = box["_pending"][-1][0] if box["_pending"] else t
    if start and box["_pending"] and box["_pending"][-1][1].get("setup") == "FAILED":
        raise _Failure(max(base, ready - t), lines, "Sandbox '%s' setup failed (first boot commands)" % box["identifier"])
    if start:
        lines.append("Sandbox '%s' is running." % box["identifier"])
    return max(base, ready - t), lines


def _targets(state: State, record: Dict[str, Any], action: Dict[str, Any]) -> List[Dict[str, Any]]:
    ws, project = record["_ws"], record["_project"]
    found: List[Dict[str, Any]] = []
    for target in action.get("targets") or []:
        scope = target.get("scope") or "ANY"
        pool = sbx.in_project(state, ws, project) if scope in ("PROJECT", "ANY") else sbx.in_workspace(state, ws)
        if (target.get("type") or "MATCH") == "TAG":
            tags = [expand(tag, record, state) for tag in target.get("tags") or []]
            matches = [box for box in pool if tags and all(tag in (box.get("tags") or []) for tag in tags)]
            if not matches and scope == "ANY":
                matches = [box for box in sbx.in_workspace(state, ws) if tags and all(tag in (box.get("tags") or []) for tag in tags)]
        else:
            identifier = expand(target.get("identifier"), record, state)
            matches = [box for box in pool if box["identifier"] == identifier]
            if not matches and scope == "ANY":
                matches = [box for box in sbx.in_workspace(state, ws) if box["identifier"] == identifier]
        for box in matches:
            if box not in found:
                found.append(box)
    return found


def _sandbox_manage(state: State, record: Dict[str, Any], action: Dict[str, Any], t: float, base: float) -> Tuple[float, List[str]]:
    operation = action.get("operation")
    boxes = _targets(state, record, action)
    if not boxes:
        raise ActionFailed("No sandbox matches the action's targets")
    done, lines = t, []
    for box in boxes:
        name = box["identifier"]
        if operation == "START":
            if box["status"] not in ("RUNNING", "STARTING", "RESTORING"):
                done = max(done, sbx.boot(state, box, t))
            lines.append("Sandbox '%s' started." % name)
        elif operation == "STOP":
            done = max(done, sbx.stop(state, box, t))
            lines.append("Sandbox '%s' stopped." % name)
        elif operation == "DELETE":
            del sbx.sandboxes(state)[box["id"]]
            lines.append("Sandbox '%s' deleted." % name)
        elif operation in ("APP_START", "APP_STOP", "APP_RESTART"):
            if box["status"] != "RUNNING":
                raise ActionFailed("Sandbox '%s' is not running (%s)" % (name, box["status"]))
            sbx.set_apps(box, "STOP" if operation == "APP_STOP" else "START")
            lines.append("Sandbox '%s': %s done, apps %s." % (name, operation, sbx.app_status(box)))
        elif operation == "CREATE_SNAPSHOT":
            snapshot_name = expand(action.get("snapshot_name"), record, state) or "%s-%s" % (name, record["id"])
            snapshot, ready = sbx.create_snapshot(state, box, snapshot_name, t)
            done = max(done, ready)
            lines.append("Sandbox '%s': snapshot '%s' (%s) created." % (name, snapshot["name"], snapshot["id"]))
        else:
            raise ActionFailed("Unknown operation '%s'" % operation)
    return max(base, done - t), lines


PERFORMERS: Dict[str, Callable[[State, Dict[str, Any], Dict[str, Any], float, float], Tuple[float, List[str]]]] = {
    "RUN_DOCKER_CONTAINER": _commands_action,
    "BLACKFIRE_PYTHON": _commands_action,
    "SANDBOX_CREATE": _sandbox_create,
    "SANDBOX_MANAGE": _sandbox_manage,
}


# --- views ------------------------------------------------------------------------------------------------


def view(state: State, base: str, record: Dict[str, Any]) -> Dict[str, Any]:
    ws, project, pipeline_id = record["_ws"], record["_project"], record["_pipeline_id"]
    pipeline_url = buddy.pipeline_url(base, ws, project, pipeline_id)
    html_base = buddy.pipeline_html_url(base, ws, project, pipeline_id)
    result: Dict[str, Any] = {
        "url": "%s/executions/%d" % (pipeline_url, record["id"]),
        "html_url": "%s/execution/%d" % (html_base, record["id"]),
    }
    for key, value in record.items():
        if not key.startswith("_") and (value is not None or key in ("start_date", "finish_date")):
            result[key] = copy.deepcopy(value)
    shape = run_switches(state)["action_execution_id_in"]
    for entry in result["action_executions"]:
        entry.pop("log", None)  # logs come from the logs endpoint only
        entry["action"]["url"] = action_url(pipeline_url, entry["action"]["id"])
        entry["action"]["html_url"] = "%s/action/%d/edit" % (html_base, entry["action"]["id"])
        aeid = entry.pop("action_execution_id")
        if shape != "html_url":
            entry["url"] = "%s/action_executions/%s" % (result["url"], aeid)
        entry["html_url"] = "%s?actionExecutionId=%s" % (result["html_url"], aeid)
        if shape == "field":
            entry["action_execution_id"] = aeid
    try:
        pipeline = buddy.get_pipeline(state, ws, project, str(pipeline_id))
        result["pipeline"] = buddy.pipeline_short_view(base, ws, project, pipeline)
    except ApiError:
        result["pipeline"] = {"id": pipeline_id}
    return result


# --- engine and routes ---------------------------------------------------------------------------------


def _pipeline(state: State, request: Request) -> Tuple[str, str, Dict[str, Any]]:
    ws, project = request.params["ws"], request.params["project"]
    return ws, project, buddy.get_pipeline(state, ws, project, request.params["pipeline_id"])


def _find_run(state: State, request: Request) -> Dict[str, Any]:
    ws, project, pipeline = _pipeline(state, request)
    run_id = buddy.parse_int_id(request.params["execution_id"], "Execution")
    record = executions(state).get(str(run_id))
    if record is None or (record["_ws"], record["_project"], record["_pipeline_id"]) != (ws, project, pipeline["id"]):
        raise ApiError(404, "Execution not found: %s" % request.params["execution_id"])
    return record


def run_pipeline(state: State, request: Request) -> HandlerResult:
    now = state.now()
    ws, project, pipeline = _pipeline(state, request)
    record = create_run(state, ws, project, pipeline, request.json_object(), now)
    advance_run(state, record, now)
    answer = run_switches(state)["run_post_answer"]
    if answer == "empty":
        return 200, None, {}
    if answer == "not_json":
        return 200, "<html><body>OK</body></html>", {"Content-Type": "text/html"}
    return 200, view(state, request.base_url, record), {}


def list_runs(state: State, request: Request) -> HandlerResult:
    state.now()
    ws, project, pipeline = _pipeline(state, request)
    page, per_page = buddy.page_params(state, request)
    runs = sorted((record for record in executions(state).values()
                   if (record["_ws"], record["_project"], record["_pipeline_id"]) == (ws, project, pipeline["id"])),
                  key=lambda record: -record["id"] if run_switches(state)["list_order"] == "newest_first" else record["id"])
    chunk = buddy.page_of(runs, page, per_page)
    return 200, {
        "url": buddy.pipeline_url(request.base_url, ws, project, pipeline["id"]) + "/executions",
        "page": page,
        "page_size": per_page,
        "total_page_count": max(1, -(-len(runs) // per_page)),
        "element_count": len(chunk),
        "total_element_count": len(runs),
        "executions": [view(state, request.base_url, record) for record in chunk],
    }, {}


def get_run(state: State, request: Request) -> HandlerResult:
    state.now()
    return 200, view(state, request.base_url, _find_run(state, request)), {}


def change_run(state: State, request: Request) -> HandlerResult:
    now = state.now()
    record = _find_run(state, request)
    body = request.json_object()
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise _bad("Field 'operation' must be one of %s" % ", ".join(OPERATIONS))
    advance(state, now)
    if operation == "CANCEL":
        cancel_run(state, record, now)
    elif operation == "RETRY":
        retry_run(state, record, now)
    elif operation == "RUN_DELAYED":
        raise _bad("Operation RUN_DELAYED is not supported by the emulator")
    else:
        apply_run(state, record, operation, body, now)
    return 200, view(state, request.base_url, record), {}


def _find_action_execution(state: State, request: Request) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    record = _find_run(state, request)
    for entry in record["action_executions"]:
        if entry["action_execution_id"] == request.params["aeid"]:
            return record, entry
    raise ApiError(404, "Action execution not found: %s" % request.params["aeid"])


def get_action_execution(state: State, request: Request) -> HandlerResult:
    """The 2026 details view: no ``log`` (that is the logs endpoint's)."""
    state.now()
    record, entry = _find_action_execution(state, request)
    result = {key: copy.deepcopy(value) for key, value in entry.items() if key != "log"}
    result["url"] = "%s/executions/%d/action_executions/%s" % (
        buddy.pipeline_url(request.base_url, record["_ws"], record["_project"], record["_pipeline_id"]),
        record["id"], entry["action_execution_id"])
    return 200, result, {}


def get_action_logs(state: State, request: Request) -> HandlerResult:
    """One page of an action execution's log: ``offset`` (0-based line), ``limit`` (default 100, max 1000)."""
    state.now()
    record, entry = _find_action_execution(state, request)
    offset = request.query_int("offset", 0)
    limit = request.query_int("limit", LOG_LIMIT_DEFAULT)
    if offset < 0:
        raise _bad("Query parameter 'offset' must be 0 or more")
    if limit < 1 or limit > LOG_LIMIT_MAX:
        raise _bad("Query parameter 'limit' must be between 1 and %d" % LOG_LIMIT_MAX)
    limit = min(limit, run_switches(state)["log_page_cap"])
    lines = entry["log"][offset:offset + limit]
    url = "%s/executions/%d/action_executions/%s/logs" % (
        buddy.pipeline_url(request.base_url, record["_ws"], record["_project"], record["_pipeline_id"]),
        record["id"], entry["action_execution_id"])
    return 200, {"url": url, "html_url": "%s?actionExecutionId=%s" % (
        view(state, request.base_url, record)["html_url"], entry["action_execution_id"]),
        "offset": offset, "element_count": len(lines), "total_element_count": len(entry["log"]),
        "logs": list(lines)}, {}


ROUTES = (
    ("GET", EXECUTIONS, list_runs),
    ("POST", EXECUTIONS, run_pipeline),
    ("GET", EXECUTION, get_run),
    ("PATCH", EXECUTION, change_run),
    ("GET", ACTION_EXECUTION, get_action_execution),
    ("GET", ACTION_LOGS, get_action_logs),
)


def init_state(state: State) -> None:
    state.data["executions"] = {}
    state.data["execution_settings"] = dict(DEFAULT_SETTINGS)


def register(app: Emulator) -> None:
    app.add_state_init(init_state)
    app.add_seed_handler("execution_settings", seed_switches)
    app.state.add_advancer(advance)
    app.add_routes(ROUTES)
