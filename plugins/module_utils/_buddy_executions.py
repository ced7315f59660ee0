# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy pipeline runs (executions): start, read, cancel; the run payload; waiting for and judging a run."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import time
from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    OpsflowError,
    TransportError,
    ValidationError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import mask_secrets
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import Deadline, timeout_message, wait_until

PRIORITIES = ("LOW", "NORMAL", "HIGH")
# A run in one of these states will not change any more.
FINISHED_STATUSES = frozenset(("SUCCESSFUL", "FAILED", "TERMINATED", "NOT_EXECUTED", "SKIPPED"))
# A run that ended in one of these did not do what it was asked to.
FAILED_RUN_STATUSES = frozenset(("FAILED", "TERMINATED", "NOT_EXECUTED"))
# The action statuses that explain a failed run, most telling first.
FAILED_ACTION_STATUSES = ("FAILED", "TERMINATED")


class RunMayHaveStartedError(TransportError):
    """The run POST may have reached the server; it is never sent again."""


class RunFailedError(OpsflowError):
    """The run ended in a failed state, or did not end within the wait."""


# --- client ------------------------------------------------------------------------------------


class BuddyExecutionsClient:
    """Start, read and cancel pipeline runs."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def run_pipeline(self, location: PipelineLocation, payload: Dict[str, Any]) -> Dict[str, Any]:
        """Start a run. Sent at most once when it may have reached the server.

        Starting a run is not idempotent and a run can't be recognised
        afterwards with certainty, so unlike an action add, nothing is searched
        and nothing is repeated: the caller is told to look for itself.
        """
        path = location.executions_path()
        try:
            return self.transport.request("POST", path, body=payload, expected=(200, 201)).json
        except TransportError as error:
            if not error.may_have_committed:
                raise
            raise RunMayHaveStartedError(
                "POST", path,
                "%s. The run may have started: check the pipeline's runs (GET %s, or the pipeline's page"
                " in Buddy) before running it again" % (error.reason, path),
                may_have_committed=True, executions_path=path)
        except ApiError as error:
            # 503 (like 429) means the server refused the call: nothing started.
            if error.status < 500 or error.status == 503:
                raise
            raise RunMayHaveStartedError(
                "POST", path,
                "HTTP %s%s; it was not sent again. The run may have started: check the pipeline's runs"
                " (GET %s, or the pipeline's page in Buddy) before running it again"
                % (error.status, ": " + error.server_message if error.server_message else "", path),
                may_have_committed=True, status=error.status, executions_path=path)

    def get_execution(self, location: PipelineLocation, execution_id: int) -> Dict[str, Any]:
        return self.transport.request("GET", location.executions_path(execution_id)).json

    def cancel_execution(self, location: PipelineLocation, execution_id: int) -> Dict[str, Any]:
        return self.transport.request("PATCH", location.executions_path(execution_id),
                                      body={"operation": "CANCEL"}).json


# --- run payload -------------------------------------------------------------------------------


def _wrap(value: Any, key: str, option: str) -> Optional[Dict[str, Any]]:
    """A string (or number) becomes ``{key: value}``; a dict must hold ``key``."""
    if value is None:
        return None
    if isinstance(value, dict):
        if not value.get(key):
            raise ValidationError("%s must have a %r key when given as a dict, got keys %s"
                                  % (option, key, sorted(value)))
        return dict(value)
    if isinstance(value, bool) or isinstance(value, float):
        raise ValidationError("%s must be a string or a dict with %r; quote the value (got %r)" % (option, key, value))
    if isinstance(value, (str, int)):
        text = str(value)
        if not text.strip():
            raise ValidationError("%s may not be empty" % option)
        return {key: text}
    raise ValidationError("%s must be a string or a dict with %r, got %s" % (option, key, type(value).__name__))


def build_run_payload(params: Dict[str, Any]) -> Dict[str, Any]:
    """The run POST body from the module's options.

    Checks only what the argument spec can't (choices, branch/tag exclusion
    and required keys are its job): the shapes of the raw options, repeated
    or empty variable keys, an empty action list. Fails before any request.
    """
    payload: Dict[str, Any] = {}
    for option, key in (("to_revision", "revision"), ("branch", "name"), ("tag", "name")):
        value = _wrap(params.get(option), key, option)
        if value is not None:
            payload[option] = value
    for option in ("comment", "refresh", "clear_cache", "priority"):
        if params.get(option) is not None:
            payload[option] = params[option]
    if params.get("variables") is not None:
        payload["variables"] = _run_variables(params["variables"])
    actions = params.get("actions_to_run")
    if actions is not None:
        if not actions:
            raise ValidationError("actions_to_run may not be an empty list; leave it out to run the whole pipeline")
        payload["actions_to_run"] = list(actions)
    return payload


def _run_variables(variables: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    seen = set()
    result = []
    for index, item in enumerate(variables):
        key = item.get("key")
        if not key:
            raise ValidationError("variables[%d].key may not be empty" % index)
        if key in seen:
            raise ValidationError("variables: key %r is given twice" % key)
        seen.add(key)
        value = "" if item.get("value") is None else str(item["value"])
        result.append({"key": key, "value": value, "encrypted": bool(item.get("encrypted"))})
    return result


# --- reading a run -----------------------------------------------------------------------------


def is_finished(execution: Dict[str, Any]) -> bool:
    return (execution or {}).get("status") in FINISHED_STATUSES


def failed_action(execution: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The action that made the run fail: the first FAILED one, else the first TERMINATED one."""
    entries = [entry for entry in (execution or {}).get("action_executions") or [] if isinstance(entry, dict)]
    for wanted in FAILED_ACTION_STATUSES:
        for entry in entries:
            if entry.get("status") == wanted:
                return _action_summary(entry)
    return None


def ignored_failures(execution: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Actions that failed in a run that still succeeded (their errors were ignored)."""
    return [_action_summary(entry) for entry in (execution or {}).get("action_executions") or []
            if isinstance(entry, dict) and entry.get("status") == "FAILED"]


def _action_summary(entry: Dict[str, Any]) -> Dict[str, Any]:
    action = entry.get("action") or {}
    summary = {
        "id": action.get("id"),
        "name": action.get("name"),
        "type": action.get("type"),
        "status": entry.get("status"),
    }
    for key in ("error_message", "start_date", "finish_date"):
        if entry.get(key):
            summary[key] = entry[key]
    log = entry.get("log")
    if isinstance(log, list) and log:
        summary["log_tail"] = [str(line) for line in log[-5:]]
    return summary


def describe_action(summary: Dict[str, Any]) -> str:
    text = "action %r (%s, id %s) %s" % (
        summary.get("name"), summary.get("type"), summary.get("id"), summary.get("status"))
    if summary.get("error_message"):
        text += ": %s" % summary["error_message"]
    elif summary.get("log_tail"):
        text += "; last log line: %s" % summary["log_tail"][-1]
    return text


def run_details(execution: Dict[str, Any]) -> Dict[str, Any]:
    """The convenience keys every result of a run carries; encrypted values masked."""
    execution = mask_secrets(execution)
    return {
        "execution": execution,
        "execution_id": execution.get("id"),
        "status": execution.get("status"),
        "html_url": execution.get("html_url"),
        "failed_action": failed_action(execution) if execution.get("status") in FAILED_RUN_STATUSES else None,
    }


# The result of a run that was not started (check mode).
NO_RUN = dict(execution=None, execution_id=None, status=None, html_url=None, failed_action=None)


# --- waiting -----------------------------------------------------------------------------------


def wait_for_execution(client: BuddyExecutionsClient, location: PipelineLocation, execution: Dict[str, Any],
                       deadline: Deadline, poll_interval: float) -> Tuple[Dict[str, Any], bool]:
    """Poll (the one wait loop, _wait.py) until the run finishes or the deadline: (last execution seen, finished?)."""
    latest = [execution]

    def read() -> Dict[str, Any]:
        try:
            latest[0] = client.get_execution(location, execution["id"])
        except OpsflowError as error:
            error.message += "; run %s was started and may still be running" % execution["id"]
            error.details.update(run_details(latest[0]), changed=True)
            raise
        return latest[0]

    return wait_until(read, is_finished, deadline, poll_interval, current=execution, sleep=time.sleep)


def cancel_after_timeout(client: BuddyExecutionsClient, location: PipelineLocation,
                         execution: Dict[str, Any]) -> Tuple[Dict[str, Any], Optional[bool]]:
    """Cancel a run that outlived the wait: (execution after it, True).

    A run that ended between the last poll and the cancel makes the server
    refuse the cancel; then the finished run is returned with None, to be
    judged like any run that finished within the wait.
    """
    try:
        return client.cancel_execution(location, execution["id"]), True
    except ApiError as error:
        latest = client.get_execution(location, execution["id"])
        if is_finished(latest):
            return latest, None
        error.message += "; run %s was not cancelled and may still be running" % execution["id"]
        error.details.update(run_details(latest), changed=True)
        raise


def check_outcome(execution: Dict[str, Any], wait_timeout: float, cancelled: Optional[bool],
                  status_at_timeout: Optional[str] = None) -> Dict[str, Any]:
    """Raise RunFailedError for a run that failed or outlived the wait, else return its details.

    ``cancelled`` is None when the run finished within the wait.
    """
    details = run_details(execution)
    status = details["status"]
    run = "pipeline run %s" % details["execution_id"]
    if cancelled is not None:
        details["timed_out"] = True
        if cancelled:
            consequence = "it was cancelled (status now %s)" % status
        else:
            consequence = "it is still running. Set cancel_on_timeout to cancel it, or raise wait_timeout"
        message = timeout_message(run, wait_timeout, status_at_timeout or status, consequence)
        if details["html_url"]:
            message += "; see %s" % details["html_url"]
        details["cancelled"] = bool(cancelled)
        raise RunFailedError(message, changed=True, **details)
    if status in FAILED_RUN_STATUSES:
        message = "%s ended %s" % (run, status)
        if details["failed_action"]:
            message += ": %s" % describe_action(details["failed_action"])
        if details["html_url"]:
            message += "; see %s" % details["html_url"]
        raise RunFailedError(message, changed=True, **details)
    return details


def follow_run(client: BuddyExecutionsClient, location: PipelineLocation, execution: Dict[str, Any],
               wait_timeout: float, poll_interval: float, cancel_on_timeout: bool) -> Dict[str, Any]:
    """Wait for a started run, cancel it after the wait when asked, and judge it (see check_outcome)."""
    deadline = Deadline(wait_timeout, clock=time.monotonic)
    execution, finished = wait_for_execution(client, location, execution, deadline, poll_interval)
    if finished:
        return check_outcome(execution, wait_timeout, None)
    status_at_timeout = execution.get("status")
    cancelled: Optional[bool] = False
    if cancel_on_timeout:
        execution, cancelled = cancel_after_timeout(client, location, execution)
    return check_outcome(execution, wait_timeout, cancelled, status_at_timeout)
