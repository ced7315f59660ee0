# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy pipeline runs (executions): start, read, cancel, retry, approve; logs; waiting for and judging a run.

Written to the public record (facts-v2 D), with every shape it leaves open handled:

- an action execution's log is read from ``.../action_executions/{aeid}/logs`` (paged by
  ``offset``), never from the run body (older servers embedded ``log``: used only as a fallback);
- the action execution id is ``action_execution_id`` (2026 docs), else the last segment of its
  ``url`` (``.../action_executions/{aeid}``), else ``actionExecutionId`` in its ``html_url``;
- a run waits for a person in ``WAITING_FOR_APPLY`` (approval) and the other ``WAITING_FOR_*``
  states; waiting is judged at once, never left to run into ``wait_timeout``;
- the newest run: whether the list is newest first is unconfirmed, so the order is read off the
  page itself (see ``BuddyExecutionsClient.last_execution``).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

try:
    from urllib.parse import unquote
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for the sanity import test
    from urllib import unquote  # type: ignore

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    OpsflowError,
    TransportError,
    ValidationError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport, quote_segment
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import mask_secrets
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import Deadline, timeout_message, wait_until

PRIORITIES = ("LOW", "NORMAL", "HIGH")
# A run in one of these states will not change any more.
FINISHED_STATUSES = frozenset(("SUCCESSFUL", "FAILED", "TERMINATED", "NOT_EXECUTED", "SKIPPED"))
# A run that ended in one of these did not do what it was asked to.
FAILED_RUN_STATUSES = frozenset(("FAILED", "TERMINATED", "NOT_EXECUTED"))
# The action statuses that explain a failed run, most telling first.
FAILED_ACTION_STATUSES = ("FAILED", "TERMINATED")
# A run or action in a state starting with this waits for a person (facts-v2 D).
WAITING_PREFIX = "WAITING_FOR_"
# The one waiting state an APPLY answers (an approval); the others need variables or a VT session.
APPROVAL_STATUS = "WAITING_FOR_APPLY"
# A run that can be retried (PATCH operation RETRY).
RETRYABLE_STATUSES = frozenset(("FAILED", "TERMINATED"))
# The logs endpoint's documented maximum ``limit``; the most lines a failure carries.
LOG_PAGE_SIZE = 1000
LOG_TAIL_LINES = 20
# Runs asked for at once when looking for the newest one (Buddy's default page size).
RUNS_PAGE_SIZE = 20
_AEID_IN_URL = re.compile(r"/action_executions/([^/?#]+)")
_AEID_IN_HTML_URL = re.compile(r"[?&]actionExecutionId=([^&#]+)")


class RunMayHaveStartedError(TransportError):
    """The run POST may have reached the server; it is never sent again."""


class RunFailedError(OpsflowError):
    """The run ended in a failed state, waits for a person, or did not end within the wait."""


class InvalidAnswerError(OpsflowError):
    """A 2xx answer without the JSON object the call returns: never taken for an empty success."""


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
        check = ("check the pipeline's runs (GET %s, or the pipeline's page in Buddy, or opsflow.pipelines."
                 "buddy_pipeline_execution with last: true) before running it again" % path)
        try:
            response = self.transport.request("POST", path, body=payload, expected=(200, 201))
        except TransportError as error:
            if not error.may_have_committed:
                raise
            raise RunMayHaveStartedError(
                "POST", path, "%s. The run may have started: %s" % (error.reason, check),
                may_have_committed=True, executions_path=path, changed=True)
        except ApiError as error:
            # 503 (like 429) means the server refused the call: nothing started.
            if error.status < 500 or error.status == 503:
                raise
            raise RunMayHaveStartedError(
                "POST", path,
                "HTTP %s%s; it was not sent again. The run may have started: %s"
                % (error.status, ": " + error.server_message if error.server_message else "", check),
                may_have_committed=True, status=error.status, executions_path=path, changed=True)
        execution = response.json
        if not isinstance(execution, dict) or execution.get("id") is None:
            # The server took the POST (2xx) but said nothing usable: the run most likely started.
            raise RunMayHaveStartedError(
                "POST", path,
                "HTTP %s with %s instead of the run. The run may have started: %s"
                % (response.status, _describe_body(response.text), check),
                may_have_committed=True, status=response.status, executions_path=path, changed=True)
        return execution

    def get_execution(self, location: PipelineLocation, execution_id: int) -> Dict[str, Any]:
        path = location.executions_path(execution_id)
        return _object_answer("GET", path, self.transport.request("GET", path))

    def change_execution(self, location: PipelineLocation, execution_id: int, operation: str,
                         approve_action_id: Optional[str] = None) -> Dict[str, Any]:
        """PATCH an operation (CANCEL, RETRY, APPLY, ...); the run as it is afterwards.

        An answer without the run (empty or not JSON) is followed by one GET, so the caller
        always judges the run as the server holds it.
        """
        path = location.executions_path(execution_id)
        body: Dict[str, Any] = {"operation": operation}
        if approve_action_id is not None:
            body["approve_action_id"] = approve_action_id
        answer = self.transport.request("PATCH", path, body=body, expected=(200, 201, 202, 204)).json
        if isinstance(answer, dict) and answer.get("status"):
            return answer
        return self.get_execution(location, execution_id)

    def cancel_execution(self, location: PipelineLocation, execution_id: int) -> Dict[str, Any]:
        return self.change_execution(location, execution_id, "CANCEL")

    def last_execution(self, location: PipelineLocation) -> Optional[Dict[str, Any]]:
        """The pipeline's newest run (the highest id), or None when it never ran.

        Whether the list is newest first is unconfirmed (only the documented example
        suggests it), so one page of up to 20 is read and the highest id on it taken.
        When that page is not in descending order and more runs exist, the list is
        oldest first: the last page (``total_page_count``) is read too, or, with no
        total stated, pages are read until an empty one. The newest-first case, and
        any pipeline with at most 20 runs, costs one request.
        """
        path = location.executions_path()
        first = self._runs_page(path, 1)
        runs = first["runs"]
        if len(runs) < 2 or _descending(runs) or not _more_pages(first, 1):
            return _newest(runs)
        last_page = first["total_page_count"]
        if last_page is not None and last_page > 1:
            return _newest(runs + self._runs_page(path, last_page)["runs"])
        page, found = 1, list(runs)
        while page < 10000:
            page += 1
            batch = self._runs_page(path, page)["runs"]
            if not batch:
                break
            found.extend(batch)
        return _newest(found)

    def _runs_page(self, path: str, page: int) -> Dict[str, Any]:
        body = self.transport.request("GET", path, query={"page": page, "per_page": RUNS_PAGE_SIZE}).json
        if isinstance(body, list):
            runs = body
        elif isinstance(body, dict) and isinstance(body.get("executions"), list):
            runs = body["executions"]
        else:
            raise InvalidAnswerError("GET %s answered %s instead of a list of runs" % (path, _describe_body(body)))
        runs = [run for run in runs if isinstance(run, dict) and isinstance(run.get("id"), int)]
        return {"runs": runs, "body": body if isinstance(body, dict) else {},
                "total_page_count": _whole(body, "total_page_count"),
                "total_element_count": _whole(body, "total_element_count")}

    def read_log(self, location: PipelineLocation, execution_id: int, action_execution_id: str,
                 tail: Optional[int] = None) -> List[str]:
        """An action execution's log lines (the last ``tail`` of them when given).

        Paged by offset: ``offset += element_count`` while ``offset < total_element_count``.
        With ``tail``, once the first page states the total, reading jumps to the last
        ``tail`` lines instead of walking a long log. A page with no lines ends the
        reading, so a server that states no total (or a wrong one) can't loop.
        """
        path = location.executions_path(execution_id) + "/action_executions/%s/logs" % quote_segment(
            action_execution_id, "action execution id")
        lines: List[str] = []
        offset = 0
        for _page in range(10000):
            body = self.transport.request("GET", path, query={"offset": offset, "limit": LOG_PAGE_SIZE}).json
            if not isinstance(body, dict) or not isinstance(body.get("logs"), list):
                raise InvalidAnswerError("GET %s answered %s instead of log lines" % (path, _describe_body(body)))
            batch = [str(line) for line in body["logs"]]
            count = _whole(body, "element_count")
            count = len(batch) if count is None else count
            total = _whole(body, "total_element_count")
            lines.extend(batch)
            if not batch or count == 0:
                break
            offset += count
            if total is None or offset >= total:
                if total is None and len(batch) >= LOG_PAGE_SIZE:
                    continue  # no total: a full page may not be the last
                break
            if tail is not None and total - offset > tail:
                offset = total - tail  # skip what the tail won't show
                lines = []
        if tail is None:
            return lines
        return lines[max(len(lines) - tail, 0):]


def _object_answer(method: str, path: str, response: Any) -> Dict[str, Any]:
    body = response.json
    if not isinstance(body, dict) or not body:
        raise InvalidAnswerError("%s %s answered HTTP %s with %s instead of the run"
                                 % (method, path, response.status, _describe_body(response.text)))
    return body


def _describe_body(body: Any) -> str:
    if body is None or body == "":
        return "an empty body"
    if isinstance(body, str):
        return "a body that is not JSON"
    return "a JSON %s" % type(body).__name__


def _whole(body: Any, key: str) -> Optional[int]:
    value = body.get(key) if isinstance(body, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _descending(runs: Sequence[Dict[str, Any]]) -> bool:
    ids = [run["id"] for run in runs]
    return all(earlier > later for earlier, later in zip(ids, ids[1:]))


def _more_pages(page: Dict[str, Any], number: int) -> bool:
    """Whether runs exist beyond this page (unknown counts as yes when the page is full)."""
    if page["total_element_count"] is not None:
        return page["total_element_count"] > len(page["runs"]) * number
    if page["total_page_count"] is not None:
        return page["total_page_count"] > number
    return len(page["runs"]) >= RUNS_PAGE_SIZE


def _newest(runs: Sequence[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    return max(runs, key=lambda run: run["id"]) if runs else None


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
    # As the official CLI does: without a revision named, the newest commit (HEAD).
    payload.setdefault("to_revision", {"revision": "HEAD"})
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


def _entries(execution: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [entry for entry in (execution or {}).get("action_executions") or [] if isinstance(entry, dict)]


def action_execution_id(entry: Dict[str, Any]) -> Optional[str]:
    """An action execution's id: ``action_execution_id``, else from ``url``, else from ``html_url`` (facts-v2 D)."""
    value = entry.get("action_execution_id")
    if value not in (None, ""):
        return str(value)
    for key, pattern in (("url", _AEID_IN_URL), ("html_url", _AEID_IN_HTML_URL)):
        match = pattern.search(str(entry.get(key) or ""))
        if match:
            return unquote(match.group(1))
    return None


def failed_action(execution: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The action that made the run fail: the first FAILED one, else the first TERMINATED one."""
    entries = _entries(execution)
    for wanted in FAILED_ACTION_STATUSES:
        for entry in entries:
            if entry.get("status") == wanted:
                return _action_summary(entry)
    return None


def ignored_failures(execution: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Actions that failed in a run that still succeeded (their errors were ignored)."""
    return [_action_summary(entry) for entry in _entries(execution) if entry.get("status") == "FAILED"]


def is_waiting_status(status: Any) -> bool:
    return isinstance(status, str) and status.startswith(WAITING_PREFIX)


def waiting_actions(execution: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The actions waiting for a person (WAITING_FOR_*), as summaries."""
    return [_action_summary(entry) for entry in _entries(execution) if is_waiting_status(entry.get("status"))]


def is_waiting(execution: Dict[str, Any]) -> bool:
    return is_waiting_status((execution or {}).get("status")) or bool(waiting_actions(execution))


def _action_summary(entry: Dict[str, Any]) -> Dict[str, Any]:
    action = entry.get("action") or {}
    summary = {
        "id": action.get("id"),
        "name": action.get("name"),
        "type": action.get("type"),
        "status": entry.get("status"),
        "action_execution_id": action_execution_id(entry),
    }
    for key in ("error_message", "start_date", "finish_date"):
        if entry.get(key):
            summary[key] = entry[key]
    log = entry.get("log")  # older servers embedded the log; the logs endpoint is read first
    if isinstance(log, list) and log:
        summary["log_tail"] = [str(line) for line in log[-LOG_TAIL_LINES:]]
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
    execution = mask_secrets(execution or {})
    return {
        "execution": execution,
        "execution_id": execution.get("id"),
        "status": execution.get("status"),
        "html_url": execution.get("html_url"),
        "failed_action": failed_action(execution) if execution.get("status") in FAILED_RUN_STATUSES else None,
    }


# The result of a run that was not started (check mode).
NO_RUN = dict(execution=None, execution_id=None, status=None, html_url=None, failed_action=None)


def add_log_tail(client: BuddyExecutionsClient, location: PipelineLocation, details: Dict[str, Any],
                 warn: Optional[Callable[[str], None]] = None) -> Dict[str, Any]:
    """Put the failed action's last log lines (from the logs endpoint) into ``details``.

    ``log_tail`` (top level, and in ``failed_action``) is None when no action failed or its
    log can't be read; a read that fails is a warning, never a second failure hiding the first.
    """
    summary = details.get("failed_action")
    details["log_tail"] = None
    if not summary:
        return details
    aeid = summary.get("action_execution_id")
    if aeid and details.get("execution_id") is not None:
        try:
            summary["log_tail"] = client.read_log(location, details["execution_id"], aeid, tail=LOG_TAIL_LINES)
        except OpsflowError as error:
            if warn is not None:
                warn("the log of action %r could not be read: %s" % (summary.get("name"), error.message))
    elif warn is not None and "log_tail" not in summary:
        warn("run %s names no id for the execution of action %r, so its log can't be read"
             % (details.get("execution_id"), summary.get("name")))
    details["log_tail"] = summary.get("log_tail")
    return details


# --- approvals ---------------------------------------------------------------------------------


def approve_choice(value: Any) -> Any:
    """The ``approve`` option: True (every approval), or a set of action names; checked before any request."""
    if value is None or value is False:
        return frozenset()
    if value is True:
        return True
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "on"):
            return True
        if lowered in ("false", "no", "off"):
            return frozenset()
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValidationError("approve must be true, false or a list of action names, got %s" % type(value).__name__,
                              options=["approve"])
    names = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError("approve[%d] must be an action name (a non-empty string), got %r" % (index, item),
                                  options=["approve"])
        names.append(item)
    return frozenset(names)


def _approves(choice: Any, summary: Dict[str, Any]) -> bool:
    return choice is True or summary.get("name") in choice


def _wait_key(summary: Dict[str, Any]) -> str:
    return "%s/%s" % (summary.get("action_execution_id") or "", summary.get("id"))


class RunFollower:
    """Waits for a run through the one wait loop, answering approvals as ``approve`` allows.

    A run that starts waiting for a person (WAITING_FOR_APPLY or another WAITING_FOR_*
    state) ends the wait at once: an approval that ``approve`` covers is answered with
    PATCH ``APPLY`` (``approve_action_id``: the action execution id, else the action id)
    and the wait goes on; anything else fails the task naming the waiting action, in the
    seconds it takes to see it, not at ``wait_timeout``.
    """

    def __init__(self, client: BuddyExecutionsClient, location: PipelineLocation, approve: Any = frozenset(),
                 warn: Optional[Callable[[str], None]] = None) -> None:
        self.client = client
        self.location = location
        self.approve = approve
        self.warn = warn
        self.approved: List[str] = []  # names of the actions approved here
        self.still_running = STILL_RUNNING  # what a timeout message tells the user to do
        # After a RETRY, the end the run had before it: an answer still showing it is stale, not the new end.
        self.previous_finish: Optional[str] = None
        self._answered: Set[str] = set()

    def pending(self, execution: Dict[str, Any]) -> List[Dict[str, Any]]:
        """Waiting actions not answered yet; a run waiting with no action named counts as one."""
        waiting = [summary for summary in waiting_actions(execution) if _wait_key(summary) not in self._answered]
        if not waiting and is_waiting_status((execution or {}).get("status")) and not waiting_actions(execution):
            if "run" not in self._answered:
                waiting = [{"id": None, "name": None, "type": None, "status": execution["status"],
                            "action_execution_id": None}]
        return waiting

    def answer(self, execution: Dict[str, Any]) -> Dict[str, Any]:
        """Approve what may be approved, else fail naming the waiting action; the run afterwards."""
        for summary in self.pending(execution):
            if summary["status"] != APPROVAL_STATUS or not _approves(self.approve, summary):
                raise self.waiting_error(execution, summary)
        for summary in self.pending(execution):
            approve_id = summary.get("action_execution_id")
            if approve_id is None and summary.get("id") is not None:
                approve_id = str(summary["id"])
            execution = self.approve_one(execution, summary, approve_id)
        return execution

    def approve_one(self, execution: Dict[str, Any], summary: Dict[str, Any], approve_id: Optional[str]) -> Dict[str, Any]:
        try:
            execution = self.client.change_execution(self.location, execution["id"], "APPLY", approve_id)
        except OpsflowError as error:
            error.message += "; run %s is waiting for approval of %s" % (execution["id"], _waiting_text(summary))
            error.details.update(run_details(execution), changed=bool(self.approved) or error.details.get("changed", False),
                                 waiting_action=summary, approved=list(self.approved))
            raise
        self._answered.add(_wait_key(summary) if summary.get("name") is not None or summary.get("id") else "run")
        self.approved.append(summary.get("name"))
        return execution

    def waiting_error(self, execution: Dict[str, Any], summary: Dict[str, Any]) -> "RunFailedError":
        details = run_details(execution)
        run = "pipeline run %s" % details["execution_id"]
        if summary["status"] == APPROVAL_STATUS:
            how = ("it was not approved: list the action's name in approve (or set approve: true) to approve it"
                   " here, or approve it in Buddy")
        else:
            how = "only an approval (WAITING_FOR_APPLY) can be answered by this module: answer it in Buddy"
        message = "%s is waiting for a person: %s; %s" % (run, _waiting_text(summary), how)
        if details["html_url"]:
            message += " (%s)" % details["html_url"]
        message += ". The run keeps waiting; opsflow.pipelines.buddy_pipeline_execution can approve or cancel it later"
        return RunFailedError(message, changed=True, waiting_action=summary, approved=list(self.approved), **details)

    def wait(self, execution: Dict[str, Any], deadline: Deadline, poll_interval: float) -> Tuple[Dict[str, Any], bool]:
        """Poll until the run finishes or the deadline: (last execution seen, finished?); approves on the way."""
        latest = [execution]

        def read() -> Dict[str, Any]:
            try:
                latest[0] = self.client.get_execution(self.location, execution["id"])
            except OpsflowError as error:
                error.message += "; run %s was started and may still be running" % execution["id"]
                error.details.update(run_details(latest[0]), changed=True)
                raise
            return latest[0]

        def done(record: Dict[str, Any]) -> bool:
            if self.previous_finish and is_finished(record) and record.get("finish_date") == self.previous_finish:
                return False
            return is_finished(record) or bool(self.pending(record))

        current = execution
        while True:
            current, ended = wait_until(read, done, deadline, poll_interval, current=current, sleep=time.sleep)
            if not ended or is_finished(current):
                return current, ended
            current = latest[0] = self.answer(current)

    def follow(self, execution: Dict[str, Any], wait_timeout: float, poll_interval: float,
               cancel_on_timeout: bool) -> Dict[str, Any]:
        """Wait for a run, cancel it after the wait when asked, and judge it (see check_outcome)."""
        deadline = Deadline(wait_timeout, clock=time.monotonic)
        execution, finished = self.wait(execution, deadline, poll_interval)
        if finished:
            return self.judge(execution, wait_timeout, None)
        status_at_timeout = execution.get("status")
        cancelled: Optional[bool] = False
        if cancel_on_timeout:
            execution, cancelled = cancel_after_timeout(self.client, self.location, execution)
        return self.judge(execution, wait_timeout, cancelled, status_at_timeout)

    def judge(self, execution: Dict[str, Any], wait_timeout: float, cancelled: Optional[bool],
              status_at_timeout: Optional[str] = None) -> Dict[str, Any]:
        try:
            details = check_outcome(execution, wait_timeout, cancelled, status_at_timeout,
                                    log_reader=lambda found: add_log_tail(self.client, self.location, found, self.warn),
                                    still_running=self.still_running)
        except RunFailedError as error:
            error.details["approved"] = list(self.approved)
            raise
        details["approved"] = list(self.approved)
        return details


def _waiting_text(summary: Dict[str, Any]) -> str:
    if summary.get("name") is None and summary.get("id") is None:
        return "the run is %s (no waiting action named)" % summary.get("status")
    return "action %r (%s, id %s) is %s" % (summary.get("name"), summary.get("type"), summary.get("id"),
                                            summary.get("status"))


# --- waiting -----------------------------------------------------------------------------------


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


STILL_RUNNING = "it is still running. Set cancel_on_timeout to cancel it, or raise wait_timeout"


def check_outcome(execution: Dict[str, Any], wait_timeout: float, cancelled: Optional[bool],
                  status_at_timeout: Optional[str] = None,
                  log_reader: Optional[Callable[[Dict[str, Any]], Any]] = None,
                  still_running: str = STILL_RUNNING) -> Dict[str, Any]:
    """Raise RunFailedError for a run that failed or outlived the wait, else return its details.

    ``cancelled`` is None when the run finished within the wait. ``log_reader(details)``
    adds the failed action's ``log_tail`` before the failure is raised.
    """
    details = run_details(execution)
    details["log_tail"] = None
    status = details["status"]
    run = "pipeline run %s" % details["execution_id"]
    if cancelled is not None:
        details["timed_out"] = True
        if cancelled:
            consequence = "it was cancelled (status now %s)" % status
        else:
            consequence = still_running
        message = timeout_message(run, wait_timeout, status_at_timeout or status, consequence)
        if details["html_url"]:
            message += "; see %s" % details["html_url"]
        details["cancelled"] = bool(cancelled)
        raise RunFailedError(message, changed=True, **details)
    if status in FAILED_RUN_STATUSES:
        if log_reader is not None:
            log_reader(details)
        message = "%s ended %s" % (run, status)
        if details["failed_action"]:
            message += ": %s" % describe_action(details["failed_action"])
        if details["html_url"]:
            message += "; see %s" % details["html_url"]
        raise RunFailedError(message, changed=True, **details)
    return details


def follow_run(client: BuddyExecutionsClient, location: PipelineLocation, execution: Dict[str, Any],
               wait_timeout: float, poll_interval: float, cancel_on_timeout: bool, approve: Any = frozenset(),
               warn: Optional[Callable[[str], None]] = None) -> Dict[str, Any]:
    """Wait for a started run (approving what ``approve`` allows) and judge it; see RunFollower."""
    return RunFollower(client, location, approve, warn).follow(execution, wait_timeout, poll_interval,
                                                               cancel_on_timeout)
