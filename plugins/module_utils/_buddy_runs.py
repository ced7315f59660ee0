# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy pipeline runs (executions) and sandboxes: client calls, run payload, wait logic.

The calls live in a mixin so that BuddyClient (``_buddy.py``) stays as it is;
``BuddyRunsClient`` is the client the run and sandbox modules build.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import (
    PER_PAGE,
    BuddyClient,
    PipelineLocation,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    OpsflowError,
    TransportError,
    ValidationError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import join_path, quote_segment

PRIORITIES = ("LOW", "NORMAL", "HIGH")
# A run in one of these states will not change any more.
FINISHED_STATUSES = frozenset(("SUCCESSFUL", "FAILED", "TERMINATED", "NOT_EXECUTED", "SKIPPED"))
# A run that ended in one of these did not do what it was asked to.
FAILED_RUN_STATUSES = frozenset(("FAILED", "TERMINATED", "NOT_EXECUTED"))
# The action statuses that explain a failed run, most telling first.
FAILED_ACTION_STATUSES = ("FAILED", "TERMINATED")
MASK = "********"


class RunMayHaveStartedError(TransportError):
    """The run POST may have reached the server; it is never sent again."""


class RunFailedError(OpsflowError):
    """The run ended in a failed state, or did not end within the wait."""


# --- paths -------------------------------------------------------------------------------------


def executions_path(location: PipelineLocation, execution_id: Optional[int] = None) -> str:
    if execution_id is None:
        return location.pipeline_path("executions")
    return location.pipeline_path("executions", quote_segment(execution_id, "execution_id"))


def sandboxes_path(workspace: str, sandbox_id: Optional[str] = None, *rest: str) -> str:
    segments = ["workspaces", quote_segment(workspace, "workspace"), "sandboxes"]
    if sandbox_id is not None:
        segments.append(quote_segment(sandbox_id, "sandbox id"))
    segments.extend(rest)
    return join_path(*segments)


# --- client ------------------------------------------------------------------------------------


class BuddyRunsMixin:
    """Run, poll and cancel pipeline runs; read sandboxes. Needs ``self.transport``."""

    transport: Any

    def run_pipeline(self, location: PipelineLocation, payload: Dict[str, Any]) -> Dict[str, Any]:
        """Start a run. Sent at most once when it may have reached the server.

        Starting a run is not idempotent and a run can't be recognised
        afterwards with certainty, so unlike an action add, nothing is searched
        and nothing is repeated: the caller is told to look for itself.
        """
        path = executions_path(location)
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
        return self.transport.request("GET", executions_path(location, execution_id)).json

    def cancel_execution(self, location: PipelineLocation, execution_id: int) -> Dict[str, Any]:
        return self.transport.request("PATCH", executions_path(location, execution_id),
                                      body={"operation": "CANCEL"}).json

    def list_sandboxes(self, workspace: str, project_name: str) -> List[Dict[str, Any]]:
        """The project's sandboxes, across all pages (entries may be short views)."""
        return self.transport.paginate(sandboxes_path(workspace), "sandboxes", per_page=PER_PAGE,
                                       query={"project_name": project_name})

    def get_sandbox(self, workspace: str, sandbox_id: str) -> Optional[Dict[str, Any]]:
        """The full sandbox, or None when there is no sandbox with that id."""
        try:
            return self.transport.request("GET", sandboxes_path(workspace, sandbox_id)).json
        except NotFoundError:
            return None

    def list_snapshots(self, workspace: str, sandbox_id: str) -> List[Dict[str, Any]]:
        path = sandboxes_path(workspace, sandbox_id, "snapshots")
        response = self.transport.request("GET", path)
        body = response.json
        if isinstance(body, dict) and isinstance(body.get("snapshots"), list):
            return body["snapshots"]
        if isinstance(body, list):
            return body
        raise ApiError("GET", path, response.status, "unexpected answer: no 'snapshots' list in the body")


class BuddyRunsClient(BuddyRunsMixin, BuddyClient):
    """BuddyClient plus runs and sandboxes."""


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


def secret_values(params: Dict[str, Any]) -> List[str]:
    """The values of encrypted run variables: never shown anywhere."""
    return [str(item["value"]) for item in params.get("variables") or []
            if item.get("encrypted") and item.get("value") not in (None, "")]


def build_run_payload(params: Dict[str, Any]) -> Dict[str, Any]:
    """The run POST body from the module's options; fails on bad input before any request."""
    payload: Dict[str, Any] = {}
    wrapped = (("to_revision", "revision"), ("branch", "name"), ("tag", "name"))
    for option, key in wrapped:
        value = _wrap(params.get(option), key, option)
        if value is not None:
            payload[option] = value
    if payload.get("branch") and payload.get("tag"):
        raise ValidationError("branch and tag are mutually exclusive")
    for option in ("comment", "refresh", "clear_cache", "priority"):
        if params.get(option) is not None:
            payload[option] = params[option]
    if payload.get("priority") is not None and payload["priority"] not in PRIORITIES:
        raise ValidationError("priority must be one of %s, got %r" % (", ".join(PRIORITIES), payload["priority"]))
    variables = params.get("variables")
    if variables is not None:
        seen = set()
        payload["variables"] = []
        for index, item in enumerate(variables):
            key = item.get("key")
            if not key:
                raise ValidationError("variables[%d].key is required" % index)
            if key in seen:
                raise ValidationError("variables: key %r is given twice" % key)
            seen.add(key)
            variable = {"key": key, "value": "" if item.get("value") is None else str(item["value"])}
            variable["encrypted"] = bool(item.get("encrypted"))
            payload["variables"].append(variable)
    actions = params.get("actions_to_run")
    if actions is not None:
        if not actions:
            raise ValidationError("actions_to_run may not be an empty list; leave it out to run the whole pipeline")
        payload["actions_to_run"] = list(actions)
    return payload


def validate_wait(params: Dict[str, Any]) -> None:
    if params.get("wait"):
        if params["wait_timeout"] <= 0:
            raise ValidationError("wait_timeout must be more than 0 seconds, got %s" % params["wait_timeout"])
        if params["poll_interval"] <= 0:
            raise ValidationError("poll_interval must be more than 0 seconds, got %s" % params["poll_interval"])


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


def hide_secrets(execution: Any) -> Any:
    """A copy with the value of every encrypted variable masked, at any depth."""
    if isinstance(execution, list):
        return [hide_secrets(item) for item in execution]
    if not isinstance(execution, dict):
        return execution
    copied = {}
    for key, value in execution.items():
        if key == "variables" and isinstance(value, list):
            copied[key] = [_mask_variable(item) for item in value]
        else:
            copied[key] = hide_secrets(value)
    return copied


def _mask_variable(item: Any) -> Any:
    if isinstance(item, dict) and item.get("encrypted") and "value" in item:
        item = copy.deepcopy(item)
        item["value"] = MASK
        return item
    return hide_secrets(item)


def run_details(execution: Dict[str, Any]) -> Dict[str, Any]:
    """The convenience keys every result of a run carries."""
    execution = hide_secrets(execution)
    return {
        "execution": execution,
        "execution_id": execution.get("id"),
        "status": execution.get("status"),
        "html_url": execution.get("html_url"),
        "failed_action": failed_action(execution) if execution.get("status") in FAILED_RUN_STATUSES else None,
    }


# --- waiting -----------------------------------------------------------------------------------


def wait_for_execution(client: Any, location: PipelineLocation, execution: Dict[str, Any], timeout: float,
                       poll_interval: float, sleep: Optional[Callable[[float], None]] = None,
                       clock: Optional[Callable[[], float]] = None) -> Tuple[Dict[str, Any], bool]:
    """Poll until the run finishes or ``timeout`` passes: (last execution seen, finished?).

    One GET per ``poll_interval``; the last one lands at the deadline, so at
    most ``ceil(timeout / poll_interval)`` polls are made.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + timeout
    execution_id = execution["id"]
    while not is_finished(execution):
        remaining = deadline - clock()
        if remaining <= 0:
            return execution, False
        sleep(min(poll_interval, remaining))
        try:
            execution = client.get_execution(location, execution_id)
        except OpsflowError as error:
            error.message += "; run %s was started and may still be running" % execution_id
            error.details.update(run_details(execution), changed=True)
            raise
    return execution, True


def cancel_after_timeout(client: Any, location: PipelineLocation,
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


def check_outcome(execution: Dict[str, Any], wait_timeout: float, cancelled: Optional[bool]) -> Dict[str, Any]:
    """Raise RunFailedError for a run that failed or outlived the wait, else return its details.

    ``cancelled`` is None when the run finished within the wait.
    """
    details = run_details(execution)
    status = details["status"]
    run = "pipeline run %s" % details["execution_id"]
    if cancelled is not None:
        details["timed_out"] = True
        if cancelled:
            message = "%s did not finish within %s s; it was cancelled (status now %s)" % (run, wait_timeout, status)
        else:
            message = ("%s did not finish within %s s (status %s); it is still running. Set cancel_on_timeout"
                       " to cancel it, or raise wait_timeout" % (run, wait_timeout, status))
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


# --- sandboxes ---------------------------------------------------------------------------------

# Keys only the full sandbox carries; a list entry without them is a short view.
FULL_SANDBOX_KEYS = ("os", "endpoints", "setup_status")


def find_sandboxes(client: Any, workspace: str, project_name: Optional[str] = None,
                   identifier: Optional[str] = None, sandbox_id: Optional[str] = None,
                   details: bool = True, include_snapshots: bool = False) -> List[Dict[str, Any]]:
    """Sandboxes by id, by identifier within a project, or all of a project; never writes.

    Requests: one for an id; else one per page of the list plus, with
    ``details``, one per listed sandbox that came back as a short view; plus
    one per sandbox with ``include_snapshots``.
    """
    if sandbox_id is not None:
        found = client.get_sandbox(workspace, sandbox_id)
        sandboxes = [found] if found else []
    else:
        if not project_name:
            raise ValidationError("project_name is required to list sandboxes or find one by identifier")
        sandboxes = client.list_sandboxes(workspace, project_name)
        if identifier is not None:
            sandboxes = [item for item in sandboxes if item.get("identifier") == identifier]
        if details:
            completed = []
            for item in sandboxes:
                if all(key in item for key in FULL_SANDBOX_KEYS) or not item.get("id"):
                    completed.append(item)
                    continue
                full = client.get_sandbox(workspace, item["id"])
                if full is not None:  # None: deleted since it was listed
                    completed.append(full)
            sandboxes = completed
    if include_snapshots:
        for item in sandboxes:
            item["snapshots"] = client.list_snapshots(workspace, item["id"])
    return [normalize_sandbox(item) for item in sandboxes]


def normalize_sandbox(sandbox: Dict[str, Any]) -> Dict[str, Any]:
    """Each endpoint's URL as ``endpoint_url``, wherever the server put it."""
    sandbox = copy.deepcopy(sandbox)
    for endpoint in sandbox.get("endpoints") or []:
        if not isinstance(endpoint, dict) or endpoint.get("endpoint_url"):
            continue
        for nested in ("http", "tls", "tcp"):
            url = (endpoint.get(nested) or {}).get("endpoint_url") if isinstance(endpoint.get(nested), dict) else None
            if url:
                endpoint["endpoint_url"] = url
                break
    return sandbox
