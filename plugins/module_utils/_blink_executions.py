# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""BlinkOps workflow executions: the client (execute, get, cancel, list) and seeing a run to its end.

Executing a workflow is not idempotent on the server, so the execute POST is
sent once: it is repeated only when the server certainly did not take it (a
connection refused before sending, a 429). Anything else that leaves the
outcome open is reported as "the workflow may have started"; ``dedupe_window``
is the documented way to make a re-run safe.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import email.utils
import json
import re
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._blink import (
    BlinkClient,
    rql_results,
    with_blink_hint,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    OpsflowError,
    PermissionDeniedError,
    TransportError,
    api_error_for,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import (
    RETRY_STATUSES,
    Response,
    Transport,
    quote_segment,
    server_message,
    unseen_items,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import (
    NOT_READ,
    Deadline,
    check_wait_options,
    timeout_message,
    wait_until,
)

LIST_LIMIT = 50
MAX_LIST_PAGES = 20
# How far before our own POST (local clock) an execution may have started and still be
# recognised as ours: covers clock skew between this host and the BlinkOps servers.
CLOCK_SKEW_MARGIN = 60.0

# The official client treats these as the end of an execution (compared case-insensitively).
TERMINAL_STATES = frozenset(("completed", "failed", "cancelled", "canceled", "timeout", "timedout",
                             "skipped", "paused", "error"))
# Terminal states that fail a waiting task and are never reused by dedupe_window.
FAILED_STATES = frozenset(("failed", "cancelled", "canceled", "timeout", "timedout", "error"))
# Keys of an execute answer that is only a handle on a still-running execution, not output.
HANDLE_KEYS = frozenset(("execution_id", "state", "state_ui", "status", "message"))

MAY_HAVE_STARTED = ("the workflow may have started: look at its executions in BlinkOps before running the task"
                    " again, or set dedupe_window so that a re-run reuses the execution instead of starting another")

# The execute body from the module's options; module option name -> the API's own name, where they differ.
EXECUTE_BODY_OPTIONS = ("input_values", "event", "runner", "trigger_type", "past_exec_ref")
CALLBACK_API_NAMES = {"disable_ssl": "disableSSL", "exclude_default_metadata": "excludeDefaultMetadata"}


# --- reading an execution record -----------------------------------------------------------------

def normalize_state(state: Any) -> str:
    """'Completed', 'COMPLETED', 'timed out' -> 'completed', 'completed', 'timedout'."""
    return re.sub(r"[^a-z]", "", str(state or "").lower())


def state_of(execution: Optional[Dict[str, Any]]) -> Optional[str]:
    if not isinstance(execution, dict):
        return None
    state = execution.get("state")
    if state is None:
        state = execution.get("status")
    return None if state is None else str(state)


def is_terminal(state: Optional[str]) -> bool:
    return normalize_state(state) in TERMINAL_STATES


def is_failed(state: Optional[str]) -> bool:
    return normalize_state(state) in FAILED_STATES


def has_ended(execution: Optional[Dict[str, Any]]) -> bool:
    return is_terminal(state_of(execution))


def execution_id_of(execution: Optional[Dict[str, Any]]) -> Optional[str]:
    if not isinstance(execution, dict):
        return None
    for key in ("id", "execution_id", "_id"):
        if execution.get(key):
            return str(execution[key])
    return None


def output_of(execution: Optional[Dict[str, Any]]) -> Any:
    """The workflow's output as an execution record carries it, if the server includes it."""
    if not isinstance(execution, dict):
        return None
    for key in ("output", "outputs", "output_values", "result"):
        if key in execution:
            return execution[key]
    return None


def epoch_seconds(value: Any) -> Optional[float]:
    """started_at / finished_at as seconds; BlinkOps sends epoch milliseconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    return value / 1000.0 if value > 1e11 else float(value)


def same_inputs(wanted: Optional[Dict[str, Any]], execution: Dict[str, Any]) -> bool:
    """Identical input values: same keys, same JSON values (1 and "1" differ, key order does not)."""
    have = execution.get("inputs")
    if have is None:
        have = execution.get("input_values")
    return _canonical(wanted or {}) == _canonical(have or {})


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _date_header(response: Response) -> Optional[float]:
    value = response.headers.get("date")
    if not value:
        return None
    parsed = email.utils.parsedate_tz(value)
    return float(email.utils.mktime_tz(parsed)) if parsed else None


def execution_result(execution_id: Optional[str], execution: Optional[Dict[str, Any]],
                     output: Any = None, state: Optional[str] = None) -> Dict[str, Any]:
    """The four keys every blink_* execution result carries."""
    if output is None:
        output = output_of(execution)
    return {
        "execution_id": execution_id,
        "state": state if state is not None else state_of(execution),
        "output": output,
        "execution": execution,
    }


def execute_payload(params: Dict[str, Any]) -> Dict[str, Any]:
    """The execute body from the module's options; options left unset are not sent."""
    payload = dict((key, params[key]) for key in EXECUTE_BODY_OPTIONS if params.get(key) is not None)
    callback = params.get("callback")
    if callback:
        payload["callback"] = dict((CALLBACK_API_NAMES.get(key, key), value) for key, value in callback.items()
                                   if value is not None)
    return payload


# --- errors that name the execution --------------------------------------------------------------

class ExecutionError(OpsflowError):
    """An execution ended badly or not in time; the result still names it.

    The details (``execution_id``, ``state``, ``error_details``, ``execution``,
    ``output``) end up in the failed task's result, so a ``rescue`` can use them.
    """

    def __init__(self, message: str, execution_id: Optional[str], execution: Optional[Dict[str, Any]],
                 state: Optional[str] = None, **details: Any) -> None:
        execution = execution if isinstance(execution, dict) else None
        details.setdefault("execution_id", execution_id)
        details.setdefault("state", state if state is not None else state_of(execution))
        details.setdefault("error_details", execution.get("error_details") if execution else None)
        details.setdefault("output", output_of(execution))
        details.setdefault("execution", execution)
        super().__init__(message, **details)


class ExecutionFailedError(ExecutionError):
    """The workflow ended Failed, Cancelled or Timeout."""


class WaitTimeoutError(ExecutionError):
    """wait_timeout passed before the execution ended."""


def execution_subject(workflow_id: Optional[str], execution_id: Optional[str]) -> str:
    """'workflow w execution e', the way every message names an execution."""
    subject = "execution %s" % (execution_id or "(id unknown)")
    return "workflow %s %s" % (workflow_id, subject) if workflow_id else subject


def failure_message(workflow_id: Optional[str], execution_id: Optional[str], state: Optional[str],
                    execution: Optional[Dict[str, Any]], server_said: Optional[str] = None) -> str:
    message = "%s ended %s" % (execution_subject(workflow_id, execution_id), state or "with an error")
    reason = server_said
    details = execution.get("error_details") if isinstance(execution, dict) else None
    if not reason and isinstance(details, dict):
        reason = details.get("message")
        if details.get("error_code"):
            reason = "%s (error_code %s)" % (reason or "no message", details["error_code"])
    if reason:
        message += ": %s" % reason
    return message


def check_blink_outcome(workflow_id: Optional[str], execution_id: Optional[str],
                        execution: Optional[Dict[str, Any]], server_said: Optional[str] = None,
                        changed: bool = False) -> None:
    """Raise ExecutionFailedError for an execution that ended Failed, Cancelled or Timeout."""
    state = state_of(execution)
    if is_failed(state):
        raise ExecutionFailedError(failure_message(workflow_id, execution_id, state, execution, server_said),
                                   execution_id, execution, changed=changed)


# --- the client ------------------------------------------------------------------------------------

class ExecuteAnswer:
    """What the execute POST answered: a running handle, the output, or an error naming the execution."""

    def __init__(self, status: int, body: Any, path: str, server_message: Optional[str] = None,
                 server_time: Optional[float] = None) -> None:
        self.status = status
        self.body = body
        self.path = path
        self.server_message = server_message
        # The server's clock when it answered (Date header), to find the run without clock skew.
        self.server_time = server_time

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def execution_id(self) -> Optional[str]:
        if isinstance(self.body, dict) and self.body.get("execution_id"):
            return str(self.body["execution_id"])
        return None

    @property
    def is_handle(self) -> bool:
        """Only an execution id (and status words), no output: read the execution to learn more."""
        return (self.ok and isinstance(self.body, dict) and self.execution_id is not None
                and set(self.body) <= HANDLE_KEYS)

    def api_error(self) -> ApiError:
        return api_error_for("POST", self.path, self.status, self.server_message)


class BlinkExecutionsClient:
    """The execution calls, each with its expected statuses.

    ``clock`` is anything with ``time()``, ``monotonic()`` and ``sleep()`` (the
    ``time`` module; a fake one in unit tests): wall time matches execution
    start times, monotonic time measures waits.
    """

    def __init__(self, client: BlinkClient, clock: Any = time) -> None:
        self.client = client
        self.clock = clock

    @classmethod
    def from_module(cls, module: Any) -> "BlinkExecutionsClient":
        return cls(BlinkClient.from_module(module))

    @property
    def transport(self) -> Transport:
        return self.client.transport

    def execute_path(self, workspace_id: str, workflow_id: str) -> str:
        return self.client.workspace_path(workspace_id, "playbooks", quote_segment(workflow_id, "workflow_id"),
                                          "execute")

    def execution_path(self, workspace_id: str, execution_id: str, *rest: Any) -> str:
        return self.client.workspace_path(workspace_id, "executions", quote_segment(execution_id, "execution_id"),
                                          *rest)

    def execute(self, workspace_id: str, workflow_id: str, payload: Dict[str, Any],
                sync_timeout: Optional[int] = None) -> ExecuteAnswer:
        """POST execute once. With ``sync_timeout``, ask the server to block that long.

        Error answers other than 401/403/404 come back as an ExecuteAnswer rather than an
        exception: a failed synchronous run answers with an error, and its body may name
        the execution. A TransportError with ``may_have_committed`` is never retried here.
        """
        path = self.execute_path(workspace_id, workflow_id)
        query = None
        transport = self.transport
        if sync_timeout is not None:
            query = {"run_sync": "true", "timeout": int(sync_timeout)}
            # The answer may take the whole wait: give the read that much more time.
            transport = copy.copy(self.transport)
            transport.timeout = self.transport.timeout + sync_timeout
        expected = tuple(status for status in range(200, 600)
                         if status not in RETRY_STATUSES and status not in (401, 403, 404))
        try:
            response = transport.request("POST", path, query=query, body=payload, expected=expected,
                                         refused_statuses=(429,))
        except (NotFoundError, PermissionDeniedError) as error:
            raise with_blink_hint(error, "workflow")
        except TransportError as error:
            if error.may_have_committed:
                raise TransportError("POST", path, "%s; %s" % (error.reason, MAY_HAVE_STARTED),
                                     may_have_committed=True, http_status=error.details.get("http_status"))
            raise
        body = response.json if response.text else None
        if body is None and response.text and 200 <= response.status < 300:
            raise ApiError("POST", path, response.status, "unexpected answer (not JSON); " + MAY_HAVE_STARTED)
        return ExecuteAnswer(response.status, body, path, server_message(response) if response.status >= 300 else None,
                             server_time=_date_header(response))

    def start(self, workspace_id: str, workflow_id: str, payload: Dict[str, Any]) -> str:
        """Start the workflow without waiting; the execution id."""
        answer = self.execute(workspace_id, workflow_id, payload)
        if not answer.ok:
            raise answer.api_error()
        if answer.execution_id is None:
            raise ApiError("POST", answer.path, answer.status, "the answer names no execution_id; " + MAY_HAVE_STARTED)
        return answer.execution_id

    def get_execution(self, workspace_id: str, execution_id: str) -> Dict[str, Any]:
        path = self.execution_path(workspace_id, execution_id)
        response = self.client.request("execution", "GET", path)
        body = response.json
        if not isinstance(body, dict):
            raise ApiError("GET", path, response.status, "unexpected answer: not a JSON object")
        # Some answers wrap the record; the id is what the caller asked for either way.
        return body.get("execution") if isinstance(body.get("execution"), dict) else body

    def cancel_execution(self, workspace_id: str, execution_id: str) -> bool:
        """True when the server cancelled it, False when it was no longer running (400)."""
        try:
            self.client.request("execution", "POST", self.execution_path(workspace_id, execution_id, "cancel"),
                                body={}, expected=(200, 201, 202, 204))
        except ApiError as error:
            if error.status == 400:
                return False
            raise
        return True

    def list_executions(self, workspace_id: str, workflow_id: str,
                        since: Optional[float] = None) -> List[Dict[str, Any]]:
        """Executions of one workflow, newest first, back to ``since`` (epoch seconds) if given.

        The RQL query filters on ``playbook_id`` and sorts by ``-started_at``; pages
        follow ``offset`` until a short page, the total, or a page older than ``since``.
        """
        path = self.client.workspace_path(workspace_id, "executions")
        found: List[Dict[str, Any]] = []
        seen = set()
        offset = 0
        for _page in range(MAX_LIST_PAGES):
            rql = {"filter": {"playbook_id": {"$eq": workflow_id}}, "sort": ["-started_at"],
                   "limit": LIST_LIMIT, "offset": offset}
            body = self.client.request("workspace", "GET", path,
                                       query={"q": json.dumps(rql, separators=(",", ":"))}).json
            results, total = rql_results(body, path)
            fresh = unseen_items(results, seen, execution_id_of)
            found.extend(fresh)
            offset += len(results)
            started = [epoch_seconds(item.get("started_at")) for item in results]
            started = [value for value in started if value is not None]
            # A stated total is the authority; a server may cap `limit` below what was asked.
            last_page = offset >= total if total is not None else len(results) < LIST_LIMIT
            if last_page or not fresh or (since is not None and started and max(started) < since):
                break
        found.sort(key=lambda item: epoch_seconds(item.get("started_at")) or 0.0, reverse=True)
        if since is not None:
            found = [item for item in found if (epoch_seconds(item.get("started_at")) or 0.0) >= since]
        return found

    def find_reusable_execution(self, workspace_id: str, workflow_id: str, input_values: Optional[Dict[str, Any]],
                                window: float) -> Optional[Dict[str, Any]]:
        """The newest execution that started within ``window`` seconds with identical inputs and
        that did not fail or get cancelled."""
        return self.find_started_execution(workspace_id, workflow_id, input_values, self.clock.time() - window,
                                           lambda state: not is_failed(state))

    def find_started_execution(self, workspace_id: str, workflow_id: str, input_values: Optional[Dict[str, Any]],
                               since: float, accept: Callable[[Optional[str]], bool] = lambda state: True
                               ) -> Optional[Dict[str, Any]]:
        """The newest execution of the workflow with identical inputs that started at or after
        ``since`` (epoch seconds) in a state ``accept`` allows."""
        for execution in self.list_executions(workspace_id, workflow_id, since=since):
            if same_inputs(input_values, execution) and accept(state_of(execution)):
                return execution
        return None

    def wait_for_end(self, workspace_id: str, execution_id: str, deadline: Deadline, poll_interval: float,
                     current: Optional[Dict[str, Any]] = None) -> Tuple[Dict[str, Any], bool]:
        """Poll GET execution (the one wait loop) until a terminal state or ``deadline``: (record, ended).

        Without ``current`` (a record just read some other way) the first read happens at once.
        """
        return wait_until(lambda: self.get_execution(workspace_id, execution_id), has_ended, deadline,
                          poll_interval, current=NOT_READ if current is None else current, sleep=self.clock.sleep)


# --- running and waiting ---------------------------------------------------------------------------

class BlinkRun:
    """The options that steer a run and its wait, read once from the module's params."""

    def __init__(self, workspace_id: str, workflow_id: Optional[str] = None, wait_timeout: float = 600,
                 poll_interval: float = 5.0, cancel_on_timeout: bool = False) -> None:
        self.workspace_id = workspace_id
        self.workflow_id = workflow_id
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self.cancel_on_timeout = cancel_on_timeout

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "BlinkRun":
        """Checks the wait options (before any request) and keeps what the run needs."""
        check_wait_options(params)
        return cls(params["workspace_id"], params.get("workflow_id"), params["wait_timeout"],
                   params["poll_interval"], bool(params.get("cancel_on_timeout")))

    def deadline(self, client: BlinkExecutionsClient) -> Deadline:
        return Deadline(self.wait_timeout, client.clock.monotonic)


def follow_execution(client: BlinkExecutionsClient, run: BlinkRun, execution_id: str,
                     execution: Optional[Dict[str, Any]] = None, deadline: Optional[Deadline] = None,
                     changed: bool = False) -> Dict[str, Any]:
    """Wait until the execution ends (unless ``execution`` already has), then judge it.

    Raises ExecutionFailedError for Failed / Cancelled / Timeout, WaitTimeoutError when
    the deadline (default: ``wait_timeout`` from now) passes first, after cancelling the
    execution with ``cancel_on_timeout``.
    """
    if not has_ended(execution):
        execution, ended = client.wait_for_end(run.workspace_id, execution_id, deadline or run.deadline(client),
                                               run.poll_interval, current=execution)
        if not ended:
            last_state = state_of(execution)
            cancelled = False
            if run.cancel_on_timeout:
                cancelled = client.cancel_execution(run.workspace_id, execution_id)
                execution = client.get_execution(run.workspace_id, execution_id)
            if cancelled or not has_ended(execution):
                if cancelled:
                    what = "it was cancelled"
                else:
                    what = "it is still running%s" % ("" if run.cancel_on_timeout
                                                      else " (cancel_on_timeout: true cancels it)")
                raise WaitTimeoutError(timeout_message(execution_subject(run.workflow_id, execution_id),
                                                       run.wait_timeout, last_state, what),
                                       execution_id, execution, cancelled=cancelled, changed=changed)
    check_blink_outcome(run.workflow_id, execution_id, execution, changed=changed)
    return execution_result(execution_id, execution)


def reuse_execution(client: BlinkExecutionsClient, run: BlinkRun, execution: Dict[str, Any],
                    wait: bool) -> Dict[str, Any]:
    """An earlier identical run (``dedupe_window``) stands in for a new one; with ``wait``, seen to its end."""
    if wait:
        return follow_execution(client, run, execution_id_of(execution) or "", execution)
    return execution_result(execution_id_of(execution), execution)


def run_and_wait(client: BlinkExecutionsClient, run: BlinkRun, payload: Dict[str, Any]) -> Dict[str, Any]:
    """Execute with ``run_sync=true&timeout=wait_timeout`` and see the run to its end.

    The synchronous answer is the workflow's output, or only an execution id (the
    server stopped blocking first: poll it), or an error (a failed run, or a sync
    timeout: the execution it names, or else the one this POST started, decides).
    """
    workspace_id, workflow_id = run.workspace_id, run.workflow_id or ""
    deadline = run.deadline(client)  # the synchronous wait counts against wait_timeout too
    posted_at = client.clock.time()
    inputs = payload.get("input_values")

    def follow(execution_id: str, execution: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return follow_execution(client, run, execution_id, execution, deadline, changed=True)

    def started_since(answer: Optional[ExecuteAnswer]) -> float:
        """When our POST reached the server, on the server's clock if its answer said (Date header)."""
        if answer is not None and answer.server_time is not None:
            return answer.server_time - (client.clock.time() - posted_at) - 2.0
        return posted_at - CLOCK_SKEW_MARGIN

    def still_running_or_failed(state: Optional[str]) -> bool:
        # After an error answer a Completed run can't be ours: never mistake an older run for it.
        return not is_terminal(state) or is_failed(state)

    try:
        answer = client.execute(workspace_id, workflow_id, payload, sync_timeout=run.wait_timeout)
    except TransportError as error:
        if error.details.get("http_status") is None:
            raise  # no answer at all: reported as "may have started", never repeated
        # A gateway answered with an error after the POST was taken: the run may be going on.
        execution = client.find_started_execution(workspace_id, workflow_id, inputs, started_since(None),
                                                  still_running_or_failed)
        if execution is None:
            raise
        return follow(execution_id_of(execution) or "", execution)

    if answer.ok and answer.is_handle:
        return follow(answer.execution_id or "")
    if answer.ok:
        execution_id = answer.execution_id
        execution = None
        if execution_id is None:
            execution = client.find_started_execution(workspace_id, workflow_id, inputs, started_since(answer),
                                                      lambda state: not is_failed(state))
            execution_id = execution_id_of(execution)
            if execution is None:
                client.transport.warn("The workflow finished, but its execution could not be identified among the"
                                      " recent executions of the workflow, so execution_id is null")
        state = state_of(execution)
        return execution_result(execution_id, execution, answer.body,
                                state=state if is_terminal(state) else "Completed")

    # An error answer: a failed run, or a sync timeout the server reports as an error.
    execution_id = answer.execution_id
    if execution_id is not None:
        execution = client.get_execution(workspace_id, execution_id)
    else:
        execution = client.find_started_execution(workspace_id, workflow_id, inputs, started_since(answer),
                                                  still_running_or_failed)
    if execution is None:
        raise answer.api_error()
    execution_id = execution_id or execution_id_of(execution) or ""
    if has_ended(execution):
        check_blink_outcome(workflow_id, execution_id, execution, answer.server_message, changed=True)
        return execution_result(execution_id, execution)
    return follow(execution_id, execution)
