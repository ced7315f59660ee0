# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""BlinkOps workflow executions: the client (execute, get, steps, cancel, list) and seeing a run to its end.

Executing a workflow is not idempotent on the server, so the execute POST is
sent once: it is repeated only when the server certainly did not take it (a
connection refused before sending, a 429). Anything else that leaves the
outcome open is reported as "the workflow may have started"; ``dedupe_window``
is the documented way to make a re-run safe.

What the public record (facts-v2 section F) says the server hands back, and
so what this file never assumes:

- list entries carry no ``inputs``, ``event`` or ``callback``: a candidate is
  read by id before its inputs are compared (entries that do carry inputs are
  compared as they are, and only the match is read);
- the execution record holds no output: it is the ``output_data`` (JSON text
  or JSON) of the last completed step, from ``.../executions/{id}/steps``;
- the state is ``state_ui``, else ``state``; only Completed is success.
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
    ValidationError,
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
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import MASK
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

# States as the official client names them (compared case- and punctuation-insensitively).
# Only Completed is success; the other terminal states fail a waiting task, Paused (a person
# must act) unless wait_for_paused. The extra spellings only widen what a raw `state` may say.
SUCCESS_STATES = frozenset(("completed",))
FAILED_STATES = frozenset(("failed", "cancelled", "canceled", "timeout", "timedout", "skipped", "error"))
PAUSED_STATES = frozenset(("paused",))
TERMINAL_STATES = SUCCESS_STATES | FAILED_STATES | PAUSED_STATES
# Keys of an execute answer that is only a handle on a still-running execution, not output.
HANDLE_KEYS = frozenset(("execution_id", "state", "state_ui", "status", "message"))
# Secrets an execution record may carry back: the values of these callback keys.
CALLBACK_SECRET_KEYS = ("headers", "cookies")

MAY_HAVE_STARTED = ("the workflow may have started: look at its executions in BlinkOps before running the task"
                    " again, or set dedupe_window so that a re-run reuses the execution instead of starting another")
PAUSED_HINT = ("it waits for a person (an approval or a form in BlinkOps); wait_for_paused: true keeps waiting"
               " for it until wait_timeout")

# The execute body from the module's options; module option name -> the API's own name, where they differ.
EXECUTE_BODY_OPTIONS = ("input_values", "event", "runner", "trigger_type", "past_exec_ref")
CALLBACK_API_NAMES = {"disable_ssl": "disableSSL", "exclude_default_metadata": "excludeDefaultMetadata"}


# --- reading an execution record -----------------------------------------------------------------

def normalize_state(state: Any) -> str:
    """'Completed', 'COMPLETED', 'timed out' -> 'completed', 'completed', 'timedout'."""
    return re.sub(r"[^a-z]", "", str(state or "").lower())


def state_of(execution: Optional[Dict[str, Any]]) -> Optional[str]:
    """``state_ui`` (what the official client reads), else ``state``, else ``status``."""
    if not isinstance(execution, dict):
        return None
    for key in ("state_ui", "state", "status"):
        if execution.get(key) not in (None, ""):
            return str(execution[key])
    return None


def is_terminal(state: Optional[str]) -> bool:
    return normalize_state(state) in TERMINAL_STATES


def is_failed(state: Optional[str]) -> bool:
    return normalize_state(state) in FAILED_STATES


def is_paused(state: Optional[str]) -> bool:
    return normalize_state(state) in PAUSED_STATES


def has_ended(execution: Optional[Dict[str, Any]], wait_for_paused: bool = False) -> bool:
    """Terminal for the wait; with ``wait_for_paused`` a Paused execution is still going."""
    state = state_of(execution)
    return is_terminal(state) and not (wait_for_paused and is_paused(state))


def execution_id_of(execution: Optional[Dict[str, Any]]) -> Optional[str]:
    if not isinstance(execution, dict):
        return None
    for key in ("id", "execution_id", "_id"):
        if execution.get(key):
            return str(execution[key])
    return None


def output_of(execution: Optional[Dict[str, Any]]) -> Any:
    """The workflow's output if the record carries it (the public record does not: see step_output)."""
    if not isinstance(execution, dict):
        return None
    for key in ("output", "outputs", "output_values"):
        if execution.get(key) is not None:
            return execution[key]
    return None


def parse_output_data(value: Any) -> Any:
    """A step's ``output_data``: JSON text becomes its object or list; any other text stays text."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, (dict, list)) else value
    return value


def step_output(steps: Optional[List[Dict[str, Any]]]) -> Any:
    """``output_data`` of the last completed step that has one (steps in the order they ran)."""
    for step in reversed(steps or []):
        if normalize_state(step.get("state")) in SUCCESS_STATES and step.get("output_data") not in (None, ""):
            return parse_output_data(step["output_data"])
    return None


def mask_callback(execution: Any) -> Any:
    """A copy of a record whose ``callback.headers`` / ``callback.cookies`` values are masked.

    The callback's headers and cookies are secrets (an Authorization header, a session
    cookie) that the server may hand back with the execution to anyone who reads it.
    """
    if not isinstance(execution, dict) or not isinstance(execution.get("callback"), dict):
        return execution
    masked = dict(execution)
    callback = dict(execution["callback"])
    for key in CALLBACK_SECRET_KEYS:
        value = callback.get(key)
        if isinstance(value, dict):
            callback[key] = dict((name, MASK) for name in value)
        elif value not in (None, "", [], {}):
            callback[key] = MASK
    masked["callback"] = callback
    return masked


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


def carries_inputs(execution: Dict[str, Any]) -> bool:
    """Whether a (list) record says what inputs it ran with; the public list entries do not."""
    return "inputs" in execution or "input_values" in execution


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
                     output: Any = None, state: Optional[str] = None,
                     steps: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    """The keys every blink_* execution result carries; ``output`` defaults to the record's, else the steps'."""
    if output is None:
        output = output_of(execution)
    if output is None:
        output = step_output(steps)
    return {
        "execution_id": execution_id,
        "state": state if state is not None else state_of(execution),
        "output": output,
        "execution": execution,
        "steps": steps,
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
    """An execution ended badly, not in time, or could not be read after it started; the result still names it.

    The details (``execution_id``, ``state``, ``error_details``, ``execution``,
    ``output``, ``steps``) end up in the failed task's result, so a ``rescue`` can use them.
    """

    def __init__(self, message: str, execution_id: Optional[str], execution: Optional[Dict[str, Any]],
                 state: Optional[str] = None, steps: Optional[List[Dict[str, Any]]] = None, **details: Any) -> None:
        execution = execution if isinstance(execution, dict) else None
        details.setdefault("execution_id", execution_id)
        details.setdefault("state", state if state is not None else state_of(execution))
        details.setdefault("error_details", execution.get("error_details") if execution else None)
        details.setdefault("output", execution_result(execution_id, execution, steps=steps)["output"])
        details.setdefault("execution", execution)
        details.setdefault("steps", steps)
        super().__init__(message, **details)


class ExecutionFailedError(ExecutionError):
    """The workflow ended Failed, Cancelled, Timeout or Skipped."""


class ExecutionPausedError(ExecutionError):
    """The workflow is Paused, waiting for a person, and the task was not told to wait for that."""


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
                        changed: bool = False, steps: Optional[List[Dict[str, Any]]] = None,
                        wait_for_paused: bool = False) -> None:
    """Raise for an execution that did not end Completed: failed (Failed, Cancelled, Timeout, Skipped) or Paused."""
    state = state_of(execution)
    if is_failed(state):
        raise ExecutionFailedError(failure_message(workflow_id, execution_id, state, execution, server_said),
                                   execution_id, execution, changed=changed, steps=steps)
    if is_paused(state) and not wait_for_paused:
        raise ExecutionPausedError("%s is %s: %s" % (execution_subject(workflow_id, execution_id), state, PAUSED_HINT),
                                   execution_id, execution, changed=changed, steps=steps)


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
    start times, monotonic time measures waits. Every record it hands back has
    its callback's headers and cookies masked.
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
        record = body.get("execution") if isinstance(body.get("execution"), dict) else body
        return mask_callback(record)

    def get_steps(self, workspace_id: str, execution_id: str) -> List[Dict[str, Any]]:
        """The execution's steps in the order they ran (by ``started_at``; the server's order breaks ties).

        The first page is asked for without parameters (paging is not documented for
        steps); when the answer states a larger total, further pages follow by RQL offset.
        """
        path = self.execution_path(workspace_id, execution_id, "steps")
        found: List[Dict[str, Any]] = []
        seen: set = set()
        query: Optional[Dict[str, Any]] = None
        for _page in range(MAX_LIST_PAGES):
            body = self.client.request("execution", "GET", path, query=query).json
            results, total = rql_results(body, path)
            fresh = unseen_items(results, seen, lambda step: step.get("id"))
            found.extend(fresh)
            if total is None or len(found) >= total or not fresh:
                break
            query = {"q": json.dumps({"limit": len(results), "offset": len(found)}, separators=(",", ":"))}
        order = dict((id(step), index) for index, step in enumerate(found))
        return sorted(found, key=lambda step: (epoch_seconds(step.get("started_at")) or 0.0, order[id(step)]))

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

        The RQL query filters on ``playbook_id`` (and ``started_at`` from ``since``) and sorts
        by ``-started_at``; pages follow ``offset`` until the stated total, a short page (when
        no total is given), a page older than ``since``, or a page with nothing new.
        """
        path = self.client.workspace_path(workspace_id, "executions")
        conditions: Dict[str, Any] = {"playbook_id": {"$eq": workflow_id}}
        if since is not None:
            conditions["started_at"] = {"$gte": int(since * 1000)}
        found: List[Dict[str, Any]] = []
        seen: set = set()
        offset = 0
        for _page in range(MAX_LIST_PAGES):
            rql = {"filter": conditions, "sort": ["-started_at"], "limit": LIST_LIMIT, "offset": offset}
            body = self.client.request("workspace", "GET", path,
                                       query={"q": json.dumps(rql, separators=(",", ":"))}).json
            results, total = rql_results(body, path)
            fresh = unseen_items(results, seen, execution_id_of)
            found.extend(mask_callback(item) for item in fresh)
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
        that did not fail or get cancelled (its full record)."""
        return self.find_started_execution(workspace_id, workflow_id, input_values, self.clock.time() - window,
                                           lambda state: not is_failed(state))

    def find_started_execution(self, workspace_id: str, workflow_id: str, input_values: Optional[Dict[str, Any]],
                               since: float, accept: Callable[[Optional[str]], bool] = lambda state: True
                               ) -> Optional[Dict[str, Any]]:
        """The full record of the newest execution of the workflow with identical inputs that
        started at or after ``since`` (epoch seconds) in a state ``accept`` allows.

        List entries without inputs are read by id, newest first, until one matches: the
        list's state (when given) already rules some out without a read.
        """
        for entry in self.list_executions(workspace_id, workflow_id, since=since):
            if state_of(entry) is not None and not accept(state_of(entry)):
                continue
            if carries_inputs(entry) and not same_inputs(input_values, entry):
                continue
            execution_id = execution_id_of(entry)
            if execution_id is None:
                continue
            record = self.get_execution(workspace_id, execution_id)
            if same_inputs(input_values, record) and accept(state_of(record)):
                return record
        return None

    def wait_for_end(self, workspace_id: str, execution_id: str, deadline: Deadline, poll_interval: float,
                     current: Optional[Dict[str, Any]] = None,
                     wait_for_paused: bool = False) -> Tuple[Dict[str, Any], bool]:
        """Poll GET execution (the one wait loop) until a terminal state or ``deadline``: (record, ended).

        Without ``current`` (a record just read some other way) the first read happens at once.
        With ``wait_for_paused`` a Paused execution is not the end.
        """
        return wait_until(lambda: self.get_execution(workspace_id, execution_id),
                          lambda record: has_ended(record, wait_for_paused), deadline,
                          poll_interval, current=NOT_READ if current is None else current, sleep=self.clock.sleep)


# --- running and waiting ---------------------------------------------------------------------------

class BlinkRun:
    """The options that steer a run and its wait, read once from the module's params."""

    def __init__(self, workspace_id: str, workflow_id: Optional[str] = None, wait_timeout: float = 600,
                 poll_interval: float = 5.0, cancel_on_timeout: bool = False, wait_for_paused: bool = False) -> None:
        self.workspace_id = workspace_id
        self.workflow_id = workflow_id
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self.cancel_on_timeout = cancel_on_timeout
        self.wait_for_paused = wait_for_paused

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "BlinkRun":
        """Checks the wait options (before any request) and keeps what the run needs."""
        check_wait_options(params)
        return cls(params["workspace_id"], params.get("workflow_id"), params["wait_timeout"],
                   params["poll_interval"], bool(params.get("cancel_on_timeout")),
                   bool(params.get("wait_for_paused")))

    def deadline(self, client: BlinkExecutionsClient) -> Deadline:
        return Deadline(self.wait_timeout, client.clock.monotonic)


def read_steps(client: BlinkExecutionsClient, run: BlinkRun, execution_id: str,
               execution: Optional[Dict[str, Any]], strict: bool = True,
               changed: bool = False) -> Optional[List[Dict[str, Any]]]:
    """The execution's steps (its output lives there). When they can't be read: fail naming the
    execution (``strict``), or warn and go on (a failure being reported anyway, an output in hand)."""
    try:
        return client.get_steps(run.workspace_id, execution_id)
    except OpsflowError as error:
        if not strict:
            client.transport.warn("The steps (and so the output) of %s could not be read: %s"
                                  % (execution_subject(run.workflow_id, execution_id), error.message))
            return None
        raise ExecutionError("%s ended %s, but its steps (and so its output) could not be read: %s"
                             % (execution_subject(run.workflow_id, execution_id), state_of(execution), error.message),
                             execution_id, execution, changed=changed, api_error=error.details.get("api_error"))


def judged_result(client: BlinkExecutionsClient, run: BlinkRun, execution_id: str, execution: Dict[str, Any],
                  changed: bool = False, server_said: Optional[str] = None, output: Any = None,
                  state: Optional[str] = None) -> Dict[str, Any]:
    """An execution that ended: its steps read, then failed, Paused or the result with its output."""
    ended_badly = is_failed(state_of(execution)) or (is_paused(state_of(execution)) and not run.wait_for_paused)
    steps = read_steps(client, run, execution_id, execution, strict=not ended_badly and output is None,
                       changed=changed)
    check_blink_outcome(run.workflow_id, execution_id, execution, server_said, changed=changed, steps=steps,
                        wait_for_paused=run.wait_for_paused)
    return execution_result(execution_id, execution, output, state=state, steps=steps)


def follow_execution(client: BlinkExecutionsClient, run: BlinkRun, execution_id: str,
                     execution: Optional[Dict[str, Any]] = None, deadline: Optional[Deadline] = None,
                     changed: bool = False) -> Dict[str, Any]:
    """Wait until the execution ends (unless ``execution`` already has), then judge it.

    Raises ExecutionFailedError for Failed / Cancelled / Timeout / Skipped,
    ExecutionPausedError for Paused (unless ``wait_for_paused``), WaitTimeoutError
    when the deadline (default: ``wait_timeout`` from now) passes first, after
    cancelling the execution with ``cancel_on_timeout``.
    """
    if not has_ended(execution, run.wait_for_paused):
        execution, ended = client.wait_for_end(run.workspace_id, execution_id, deadline or run.deadline(client),
                                               run.poll_interval, current=execution,
                                               wait_for_paused=run.wait_for_paused)
        if not ended:
            last_state = state_of(execution)
            cancelled = False
            if run.cancel_on_timeout:
                cancelled = client.cancel_execution(run.workspace_id, execution_id)
                execution = client.get_execution(run.workspace_id, execution_id)
            if cancelled or not has_ended(execution, run.wait_for_paused):
                if cancelled:
                    what = "it was cancelled"
                else:
                    what = "it is still running%s" % ("" if run.cancel_on_timeout
                                                      else " (cancel_on_timeout: true cancels it)")
                raise WaitTimeoutError(timeout_message(execution_subject(run.workflow_id, execution_id),
                                                       run.wait_timeout, last_state, what),
                                       execution_id, execution, cancelled=cancelled, changed=changed)
    return judged_result(client, run, execution_id, execution, changed=changed)


def reuse_execution(client: BlinkExecutionsClient, run: BlinkRun, execution: Dict[str, Any],
                    wait: bool) -> Dict[str, Any]:
    """An earlier identical run (``dedupe_window``) stands in for a new one; with ``wait``, seen to its end."""
    execution_id = execution_id_of(execution) or ""
    if wait:
        return follow_execution(client, run, execution_id, execution)
    return execution_result(execution_id, execution, steps=read_steps(client, run, execution_id, execution))


def started_but_unread(run: BlinkRun, execution_id: str, error: OpsflowError) -> ExecutionError:
    """The run started (the POST succeeded) but reading it failed: say so, with its id, changed."""
    return ExecutionError("%s started and may still be running, but reading it failed: %s"
                          % (execution_subject(run.workflow_id, execution_id), error.message),
                          execution_id, None, changed=True, api_error=error.details.get("api_error"))


def run_and_wait(client: BlinkExecutionsClient, run: BlinkRun, payload: Dict[str, Any]) -> Dict[str, Any]:
    """Execute with ``run_sync=true&timeout=wait_timeout`` and see the run to its end.

    The synchronous answer is the workflow's output, or only an execution id (the
    server stopped blocking first: poll it), or an error (a failed run, or a sync
    timeout: the execution it names, or else the one this POST started, decides).
    Once the run is known to have started, a failure to read it still names it and
    reports ``changed``.
    """
    workspace_id, workflow_id = run.workspace_id, run.workflow_id or ""
    deadline = run.deadline(client)  # the synchronous wait counts against wait_timeout too
    posted_at = client.clock.time()
    inputs = payload.get("input_values")

    def follow(execution_id: str, execution: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        try:
            return follow_execution(client, run, execution_id, execution, deadline, changed=True)
        except ExecutionError:
            raise
        except OpsflowError as error:
            raise started_but_unread(run, execution_id, error)

    def started_since(answer: Optional[ExecuteAnswer]) -> float:
        """When our POST reached the server, on the server's clock if its answer said (Date header)."""
        if answer is not None and answer.server_time is not None:
            return answer.server_time - (client.clock.time() - posted_at) - 2.0
        return posted_at - CLOCK_SKEW_MARGIN

    def still_running_or_failed(state: Optional[str]) -> bool:
        # After an error answer a Completed run can't be ours: never mistake an older run for it.
        return not is_terminal(state) or is_failed(state) or is_paused(state)

    try:
        answer = client.execute(workspace_id, workflow_id, payload, sync_timeout=run.wait_timeout)
    except TransportError as error:
        if error.details.get("http_status") is None:
            raise  # no answer at all: reported as "may have started", never repeated
        # A gateway answered with an error after the POST was taken: the run may be going on.
        try:
            execution = client.find_started_execution(workspace_id, workflow_id, inputs, started_since(None),
                                                      still_running_or_failed)
        except OpsflowError:
            raise error
        if execution is None:
            raise
        return follow(execution_id_of(execution) or "", execution)

    if answer.ok and answer.is_handle:
        return follow(answer.execution_id or "")
    if answer.ok:
        return sync_output_result(client, run, answer, started_since(answer), inputs)

    # An error answer: a failed run, or a sync timeout the server reports as an error.
    execution_id = answer.execution_id
    try:
        if execution_id is not None:
            execution = client.get_execution(workspace_id, execution_id)
        else:
            execution = client.find_started_execution(workspace_id, workflow_id, inputs, started_since(answer),
                                                      still_running_or_failed)
    except OpsflowError as error:
        if execution_id is None:
            raise answer.api_error()
        raise started_but_unread(run, execution_id, error)
    if execution is None:
        raise answer.api_error()
    execution_id = execution_id or execution_id_of(execution) or ""
    if has_ended(execution, run.wait_for_paused):
        return judged_result(client, run, execution_id, execution, changed=True, server_said=answer.server_message)
    return follow(execution_id, execution)


def sync_output_result(client: BlinkExecutionsClient, run: BlinkRun, answer: ExecuteAnswer, since: float,
                       inputs: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The run ended Completed and the answer is its output: name the execution (and read its steps) if possible.

    The output is in hand, so a look-up that fails only costs the execution's id (a warning).
    """
    execution_id = answer.execution_id
    execution = None
    try:
        if execution_id is None:
            execution = client.find_started_execution(run.workspace_id, run.workflow_id or "", inputs, since,
                                                      lambda state: not is_failed(state))
            execution_id = execution_id_of(execution)
        else:
            execution = client.get_execution(run.workspace_id, execution_id)
    except OpsflowError as error:
        client.transport.warn("The workflow finished, but reading its execution failed: %s" % error.message)
    if execution_id is None:
        client.transport.warn("The workflow finished, but its execution could not be identified among the"
                              " recent executions of the workflow, so execution_id is null")
        return execution_result(None, None, answer.body, state="Completed")
    steps = read_steps(client, run, execution_id, execution, strict=False) if execution is not None else None
    state = state_of(execution)
    return execution_result(execution_id, execution, answer.body,
                            state=state if is_terminal(state) else "Completed", steps=steps)


CALLBACK_OPTIONS = dict(
    url=dict(type="str", required=True),
    method=dict(type="str"),
    headers=dict(type="dict", no_log=True),
    body=dict(type="dict"),
    cookies=dict(type="dict", no_log=True),
    disable_ssl=dict(type="bool"),
    exclude_default_metadata=dict(type="bool"),
)

EXECUTE_OPTIONS = dict(
    workspace_id=dict(type="str", required=True),
    workflow_id=dict(type="str", required=True),
    input_values=dict(type="dict"),
    event=dict(type="dict"),
    runner=dict(type="str"),
    trigger_type=dict(type="str"),
    past_exec_ref=dict(type="str"),
    callback=dict(type="dict", options=CALLBACK_OPTIONS),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    poll_interval=dict(type="float", default=5.0),
    cancel_on_timeout=dict(type="bool", default=False),
    wait_for_paused=dict(type="bool", default=False),
    dedupe_window=dict(type="int", default=0),
)
EXECUTE_SPEC = ArgumentSpec(EXECUTE_OPTIONS)


def execute_workflow(client: BlinkExecutionsClient, params: Dict[str, Any], check_mode: bool) -> Dict[str, Any]:
    """blink_workflow_execute: start a workflow (or reuse a recent run with dedupe_window) and wait for it."""
    blink_run = BlinkRun.from_params(params)
    if params["dedupe_window"] < 0:
        raise ValidationError("dedupe_window must be 0 (off) or more seconds, got %s" % params["dedupe_window"])
    payload = execute_payload(params)
    existing = None
    if params["dedupe_window"]:
        existing = client.find_reusable_execution(blink_run.workspace_id, blink_run.workflow_id,
                                                  params["input_values"], params["dedupe_window"])
    if existing is not None:
        return dict(reuse_execution(client, blink_run, existing, params["wait"] and not check_mode),
                    changed=False, reused=True)
    if check_mode:
        result = execution_result(None, None)
    elif not params["wait"]:
        result = execution_result(client.start(blink_run.workspace_id, blink_run.workflow_id, payload), None)
    else:
        result = run_and_wait(client, blink_run, payload)
    return dict(result, changed=True, reused=False)
