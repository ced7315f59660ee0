# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pipeline runs: client calls over a scripted session, the run payload, waiting (the one wait loop), outcomes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_executions as runs
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    TransportError,
    ValidationError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import MASK, secret_values
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import Deadline, check_wait_options

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import (
    FakeClock,
    FakeRaw,
    connection_refused,
    dropped_after_send,
    request_paths,
    scripted_transport,
)

LOCATION = PipelineLocation("acme", "website", 7)
EXECUTIONS = "/workspaces/acme/projects/website/pipelines/7/executions"


def make_client(*script, **kwargs):
    transport, session, warnings = scripted_transport(*script, **kwargs)
    return runs.BuddyExecutionsClient(transport), session, warnings


# --- client calls ----------------------------------------------------------------------------------


def test_run_pipeline_posts_the_payload_once():
    client, session, _warnings = make_client(FakeRaw(200, {"id": 3, "status": "ENQUEUED"}))
    execution = client.run_pipeline(LOCATION, {"to_revision": {"revision": "HEAD"}})
    assert execution == {"id": 3, "status": "ENQUEUED"}
    assert request_paths(session) == [("POST", EXECUTIONS)]
    assert json.loads(session.calls[0][2]["data"]) == {"to_revision": {"revision": "HEAD"}}


@pytest.mark.parametrize("failure", [
    pytest.param(dropped_after_send, id="dropped-after-send"),
    pytest.param(lambda: requests.exceptions.ReadTimeout("read timed out"), id="read-timeout"),
    pytest.param(lambda: FakeRaw(502, text="<html><title>502 Bad Gateway</title></html>"), id="gateway-502"),
    pytest.param(lambda: FakeRaw(500, {"errors": [{"message": "boom"}]}), id="server-500"),
])
def test_run_that_may_have_started_is_never_sent_again(failure):
    client, session, _warnings = make_client(failure(), FakeRaw(200, {"id": 99}))
    with pytest.raises(runs.RunMayHaveStartedError) as caught:
        client.run_pipeline(LOCATION, {})
    error = caught.value
    assert request_paths(session) == [("POST", EXECUTIONS)]
    assert error.may_have_committed is True
    assert error.details["may_have_committed"] is True
    assert "may have started" in error.message
    assert "GET %s" % EXECUTIONS in error.message
    assert isinstance(error, TransportError)


def test_run_refused_by_the_server_is_sent_again():
    client, session, warnings = make_client(FakeRaw(503, {"errors": [{"message": "busy"}]}),
                                            FakeRaw(429, {}, headers={"Retry-After": "0"}),
                                            FakeRaw(200, {"id": 4}))
    assert client.run_pipeline(LOCATION, {})["id"] == 4
    assert request_paths(session) == [("POST", EXECUTIONS)] * 3
    assert len(warnings) == 2


def test_run_never_sent_is_retried():
    client, session, _warnings = make_client(connection_refused(), FakeRaw(201, {"id": 5}))
    assert client.run_pipeline(LOCATION, {})["id"] == 5
    assert len(session.calls) == 2


def test_run_refused_until_retries_run_out_says_nothing_started():
    client, session, _warnings = make_client(*[FakeRaw(503, {"errors": [{"message": "busy"}]})] * 3)
    with pytest.raises(ApiError) as caught:
        client.run_pipeline(LOCATION, {})
    assert not isinstance(caught.value, runs.RunMayHaveStartedError)
    assert len(session.calls) == 3


def test_bad_run_request_is_an_api_error_with_the_server_message():
    client, session, _warnings = make_client(FakeRaw(400, {"errors": [{"message": "Field 'priority' is wrong"}]}))
    with pytest.raises(ApiError) as caught:
        client.run_pipeline(LOCATION, {"priority": "X"})
    assert "Field 'priority' is wrong" in caught.value.message
    assert "may have started" not in caught.value.message
    assert len(session.calls) == 1


def test_get_and_cancel_execution():
    client, session, _warnings = make_client(FakeRaw(200, {"id": 3, "status": "INPROGRESS"}),
                                             FakeRaw(200, {"id": 3, "status": "TERMINATED"}))
    assert client.get_execution(LOCATION, 3)["status"] == "INPROGRESS"
    assert client.cancel_execution(LOCATION, 3)["status"] == "TERMINATED"
    assert request_paths(session) == [("GET", EXECUTIONS + "/3"), ("PATCH", EXECUTIONS + "/3")]
    assert json.loads(session.calls[1][2]["data"]) == {"operation": "CANCEL"}


# --- run payload -------------------------------------------------------------------------------


def params(**values):
    base = dict(to_revision=None, branch=None, tag=None, comment=None, refresh=None, clear_cache=None,
                priority=None, variables=None, actions_to_run=None)
    base.update(values)
    return base


def test_payload_holds_only_what_was_set_and_the_newest_revision_by_default():
    # As the official CLI does: no revision named means HEAD.
    assert runs.build_run_payload(params()) == {"to_revision": {"revision": "HEAD"}}
    payload = runs.build_run_payload(params(to_revision="HEAD", branch="main", comment="c", refresh=False,
                                            clear_cache=True, priority="HIGH", actions_to_run=[3, 1]))
    assert payload == {"to_revision": {"revision": "HEAD"}, "branch": {"name": "main"}, "comment": "c",
                       "refresh": False, "clear_cache": True, "priority": "HIGH", "actions_to_run": [3, 1]}


def test_revision_forms():
    assert runs.build_run_payload(params(to_revision={"revision": "abc", "x": 1}))["to_revision"] == {"revision": "abc", "x": 1}
    assert runs.build_run_payload(params(to_revision=1234567))["to_revision"] == {"revision": "1234567"}
    assert runs.build_run_payload(params(tag={"name": "v1"}))["tag"] == {"name": "v1"}


@pytest.mark.parametrize("values, words", [
    (dict(to_revision={"sha": "abc"}), "'revision'"),
    (dict(to_revision=1.5), "quote"),
    (dict(to_revision=True), "quote"),
    (dict(to_revision=" "), "empty"),
    (dict(branch=["main"]), "branch"),
    (dict(actions_to_run=[]), "actions_to_run"),
    (dict(variables=[{"key": "A", "value": "1"}, {"key": "A", "value": "2"}]), "twice"),
    (dict(variables=[{"key": "", "value": "1"}]), "variables[0].key"),
])
def test_bad_payload_fails_naming_the_option(values, words):
    # branch with tag, and an unknown priority, are the argument spec's to refuse (test_buddy_pipeline_run.py).
    with pytest.raises(ValidationError) as caught:
        runs.build_run_payload(params(**values))
    assert words in caught.value.message


def test_variables_keep_the_encrypted_flag_and_secret_values_are_known():
    values = params(variables=[{"key": "A", "value": "plain", "encrypted": False},
                               {"key": "S", "value": "s3cret", "encrypted": True},
                               {"key": "E", "value": None, "encrypted": True}])
    payload = runs.build_run_payload(values)
    assert payload["variables"] == [{"key": "A", "value": "plain", "encrypted": False},
                                    {"key": "S", "value": "s3cret", "encrypted": True},
                                    {"key": "E", "value": "", "encrypted": True}]
    assert secret_values(values) == {"s3cret"}


def test_wait_options_are_checked_only_with_wait():
    check_wait_options({"wait": False, "wait_timeout": 0, "poll_interval": 0})
    with pytest.raises(ValidationError):
        check_wait_options({"wait": True, "wait_timeout": 0, "poll_interval": 1})
    with pytest.raises(ValidationError):
        check_wait_options({"wait": True, "wait_timeout": 10, "poll_interval": -1})


# --- reading runs ----------------------------------------------------------------------------------


def entry(status, name="A", action_id=1, **extra):
    value = {"status": status, "action": {"id": action_id, "name": name, "type": "RUN_DOCKER_CONTAINER"}}
    value.update(extra)
    return value


def test_failed_action_prefers_failed_over_terminated():
    execution = {"action_executions": [entry("SUCCESSFUL"), entry("TERMINATED", "T", 2), entry("FAILED", "F", 3,
                                                                                               log=["a", "exit 1"])]}
    summary = runs.failed_action(execution)
    assert summary == {"id": 3, "name": "F", "type": "RUN_DOCKER_CONTAINER", "status": "FAILED",
                       "action_execution_id": None, "log_tail": ["a", "exit 1"]}
    assert runs.describe_action(summary) == "action 'F' (RUN_DOCKER_CONTAINER, id 3) FAILED; last log line: exit 1"
    assert runs.failed_action({"action_executions": [entry("TERMINATED", "T", 2)]})["name"] == "T"
    assert runs.failed_action({"action_executions": [entry("SUCCESSFUL")]}) is None
    assert runs.failed_action({}) is None


def test_run_details_mask_encrypted_values_at_any_depth_without_touching_the_input():
    execution = {"variables": [{"key": "S", "value": "secure!x", "encrypted": True}, {"key": "P", "value": "p"}],
                 "action_executions": [{"variables": [{"key": "T", "value": "t", "encrypted": True}]}]}
    hidden = runs.run_details(execution)["execution"]
    assert hidden["variables"] == [{"key": "S", "value": MASK, "encrypted": True}, {"key": "P", "value": "p"}]
    assert hidden["action_executions"][0]["variables"][0]["value"] == MASK
    assert execution["variables"][0]["value"] == "secure!x"


class PollingClient:
    """get_execution answers from a list of statuses (the last one repeats)."""

    def __init__(self, statuses, cancel=None):
        self.statuses = list(statuses)
        self.gets = 0
        self.cancels = 0
        self.cancel = cancel

    def get_execution(self, location, execution_id):
        self.gets += 1
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if isinstance(status, Exception):
            raise status
        return {"id": execution_id, "status": status, "html_url": "https://app/x/%s" % execution_id}

    def cancel_execution(self, location, execution_id):
        self.cancels += 1
        if isinstance(self.cancel, Exception):
            raise self.cancel
        return {"id": execution_id, "status": "TERMINATED"}


@pytest.fixture
def clock(monkeypatch):
    """The fake clock stands in for the module's time: Deadline and the wait loop's sleeps run on it."""
    fake = FakeClock(1000.0)
    monkeypatch.setattr(runs, "time", fake)
    return fake


def wait(client, execution, timeout, poll_interval, clock):
    return runs.RunFollower(client, LOCATION).wait(execution, Deadline(timeout, clock=clock.monotonic), poll_interval)


def test_wait_polls_until_the_run_finishes(clock):
    client = PollingClient(["INPROGRESS", "INPROGRESS", "SUCCESSFUL"])
    execution, finished = wait(client, {"id": 3, "status": "ENQUEUED"}, 100, 5, clock)
    assert finished is True and execution["status"] == "SUCCESSFUL"
    # Short polls first (the one wait loop backs off up to poll_interval), one GET each.
    assert client.gets == 3 and clock.sleeps == [0.5, 1, 2]


def test_wait_makes_no_request_for_a_finished_run(clock):
    client = PollingClient(["SUCCESSFUL"])
    execution, finished = wait(client, {"id": 3, "status": "FAILED"}, 100, 5, clock)
    assert finished is True and execution["status"] == "FAILED" and client.gets == 0


def test_wait_stops_at_the_deadline_with_the_last_poll_on_it(clock):
    client = PollingClient(["INPROGRESS"])
    execution, finished = wait(client, {"id": 3, "status": "ENQUEUED"}, 12, 5, clock)
    assert finished is False and execution["status"] == "INPROGRESS"
    assert client.gets == len(clock.sleeps) and clock.sleeps == [0.5, 1, 2, 4, 4.5] and sum(clock.sleeps) == 12


def test_follow_run_uses_the_modules_clock(clock):
    client = PollingClient(["INPROGRESS", "SUCCESSFUL"])
    details = runs.follow_run(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 60, 2, False)
    assert details["status"] == "SUCCESSFUL" and clock.sleeps == [0.5, 1]


def test_follow_run_cancels_after_the_wait_when_asked(clock):
    client = PollingClient(["INPROGRESS"])
    with pytest.raises(runs.RunFailedError) as caught:
        runs.follow_run(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 2, 1, True)
    assert client.cancels == 1 and sum(clock.sleeps) == 2
    assert "(2 s, state INPROGRESS); it was cancelled (status now TERMINATED)" in caught.value.message
    assert caught.value.details["cancelled"] is True and caught.value.details["timed_out"] is True


def test_a_failed_poll_says_the_run_may_still_be_running(clock):
    error = NotFoundError("GET", EXECUTIONS + "/3", 404, "gone")
    client = PollingClient(["INPROGRESS", error])
    with pytest.raises(NotFoundError) as caught:
        wait(client, {"id": 3, "status": "ENQUEUED"}, 60, 1, clock)
    assert "run 3 was started and may still be running" in caught.value.message
    assert caught.value.details["execution_id"] == 3
    assert caught.value.details["changed"] is True


def test_cancel_after_timeout():
    client = PollingClient(["INPROGRESS"])
    execution, cancelled = runs.cancel_after_timeout(client, LOCATION, {"id": 3, "status": "INPROGRESS"})
    assert cancelled is True and execution["status"] == "TERMINATED" and client.cancels == 1


def test_cancel_refused_because_the_run_just_ended_reads_the_ending():
    client = PollingClient(["SUCCESSFUL"], cancel=ApiError("PATCH", EXECUTIONS + "/3", 400, "already finished"))
    execution, cancelled = runs.cancel_after_timeout(client, LOCATION, {"id": 3, "status": "INPROGRESS"})
    assert cancelled is None and execution["status"] == "SUCCESSFUL" and client.gets == 1


def test_cancel_refused_for_a_running_run_is_an_error():
    client = PollingClient(["INPROGRESS"], cancel=ApiError("PATCH", EXECUTIONS + "/3", 403, "no scope"))
    with pytest.raises(ApiError) as caught:
        runs.cancel_after_timeout(client, LOCATION, {"id": 3, "status": "INPROGRESS"})
    assert "was not cancelled and may still be running" in caught.value.message
    assert caught.value.details["changed"] is True


def test_outcome_of_a_successful_or_skipped_run():
    details = runs.check_outcome({"id": 3, "status": "SUCCESSFUL", "html_url": "h"}, 60, None)
    assert details["status"] == "SUCCESSFUL" and details["failed_action"] is None and details["execution_id"] == 3
    assert runs.check_outcome({"id": 4, "status": "SKIPPED"}, 60, None)["status"] == "SKIPPED"


@pytest.mark.parametrize("status", ["FAILED", "TERMINATED", "NOT_EXECUTED"])
def test_outcome_of_a_failed_run_names_the_action(status):
    execution = {"id": 3, "status": status, "html_url": "https://app/run/3",
                 "action_executions": [entry("SUCCESSFUL", "Create", 1),
                                       entry("FAILED", "Run tests", 2, error_message="exit code 1")]}
    with pytest.raises(runs.RunFailedError) as caught:
        runs.check_outcome(execution, 60, None)
    error = caught.value
    assert error.message == ("pipeline run 3 ended %s: action 'Run tests' (RUN_DOCKER_CONTAINER, id 2) FAILED:"
                             " exit code 1; see https://app/run/3" % status)
    assert error.details["failed_action"]["name"] == "Run tests"
    assert error.details["changed"] is True and error.details["status"] == status


def test_outcome_of_a_run_that_outlived_the_wait():
    with pytest.raises(runs.RunFailedError) as caught:
        runs.check_outcome({"id": 3, "status": "INPROGRESS"}, 60, False)
    assert "did not end within wait_timeout (60 s, state INPROGRESS); it is still running" in caught.value.message
    assert "cancel_on_timeout" in caught.value.message
    assert caught.value.details["timed_out"] is True and caught.value.details["cancelled"] is False
    with pytest.raises(runs.RunFailedError) as caught:
        runs.check_outcome({"id": 3, "status": "TERMINATED"}, 60, True)
    assert "it was cancelled (status now TERMINATED)" in caught.value.message
    assert caught.value.details["cancelled"] is True


def test_ignored_failures_are_listed():
    execution = {"status": "SUCCESSFUL", "action_executions": [entry("FAILED", "Lint", 5), entry("SUCCESSFUL")]}
    assert [item["name"] for item in runs.ignored_failures(execution)] == ["Lint"]
    assert runs.run_details(execution)["failed_action"] is None


# --- run control (issue 13, issue 9 item 3, issue 15 item 6) ----------------------------------------------


@pytest.mark.parametrize("answer", [
    pytest.param(FakeRaw(200, text=""), id="empty"),
    pytest.param(FakeRaw(200, text="<html>OK</html>"), id="not-json"),
    pytest.param(FakeRaw(201, {"status": "ENQUEUED"}), id="no-id"),
    pytest.param(FakeRaw(200, ["x"]), id="a-list"),
])
def test_a_run_post_answered_without_the_run_may_have_started(answer):
    client, session, _warnings = make_client(answer)
    with pytest.raises(runs.RunMayHaveStartedError) as caught:
        client.run_pipeline(LOCATION, {})
    assert request_paths(session) == [("POST", EXECUTIONS)]
    assert "The run may have started" in caught.value.message and "instead of the run" in caught.value.message
    assert caught.value.details["changed"] is True and caught.value.details["may_have_committed"] is True


def test_a_get_answered_without_the_run_is_an_error_not_an_empty_run():
    client, _session, _warnings = make_client(FakeRaw(200, text=""))
    with pytest.raises(runs.InvalidAnswerError) as caught:
        client.get_execution(LOCATION, 3)
    assert "answered HTTP 200 with an empty body" in caught.value.message


def test_change_execution_sends_the_operation_and_reads_the_run_when_the_answer_lacks_it():
    client, session, _warnings = make_client(FakeRaw(204), FakeRaw(200, {"id": 3, "status": "INPROGRESS"}))
    assert client.change_execution(LOCATION, 3, "APPLY", "ab" * 12)["status"] == "INPROGRESS"
    assert request_paths(session) == [("PATCH", EXECUTIONS + "/3"), ("GET", EXECUTIONS + "/3")]
    assert json.loads(session.calls[0][2]["data"]) == {"operation": "APPLY", "approve_action_id": "ab" * 12}


@pytest.mark.parametrize("entry, expected", [
    ({"action_execution_id": "5f0e6a1c2b3d4e5f6a7b8c9d", "url": "x/action_executions/other"}, "5f0e6a1c2b3d4e5f6a7b8c9d"),
    ({"url": "https://api/x/executions/3/action_executions/5f0e6a1c2b3d4e5f6a7b8c9d"}, "5f0e6a1c2b3d4e5f6a7b8c9d"),
    ({"html_url": "https://app/x/execution/3?actionExecutionId=5f0e6a1c2b3d4e5f6a7b8c9d&tab=logs"},
     "5f0e6a1c2b3d4e5f6a7b8c9d"),
    ({"url": "https://api/x/actions/4", "html_url": "https://app/x/execution/3"}, None),
    ({}, None),
])
def test_the_action_execution_id_in_every_shape(entry, expected):
    assert runs.action_execution_id(entry) == expected


def logs_page(offset, lines, total, count=None):
    return FakeRaw(200, {"offset": offset, "element_count": len(lines) if count is None else count,
                         "total_element_count": total, "logs": lines})


def test_read_log_pages_by_offset_until_the_total():
    client, session, _warnings = make_client(logs_page(0, ["a", "b"], 5), logs_page(2, ["c", "d"], 5),
                                             logs_page(4, ["e"], 5))
    assert client.read_log(LOCATION, 3, "ae1") == ["a", "b", "c", "d", "e"]
    assert [call[2]["params"] for call in session.calls] == [
        {"offset": 0, "limit": 1000}, {"offset": 2, "limit": 1000}, {"offset": 4, "limit": 1000}]
    assert session.calls[0][1].endswith(EXECUTIONS + "/3/action_executions/ae1/logs")


def test_read_log_tail_jumps_to_the_end_and_an_empty_page_ends_the_reading():
    client, session, _warnings = make_client(logs_page(0, ["l%d" % n for n in range(3)], 100),
                                             logs_page(97, ["l97", "l98"], 100), logs_page(99, [], 100))
    assert client.read_log(LOCATION, 3, "ae1", tail=3) == ["l97", "l98"]
    assert [call[2]["params"]["offset"] for call in session.calls] == [0, 97, 99]


def test_read_log_refuses_an_answer_without_lines():
    client, _session, _warnings = make_client(FakeRaw(200, {"offset": 0}))
    with pytest.raises(runs.InvalidAnswerError):
        client.read_log(LOCATION, 3, "ae1")


def runs_page(ids, total=None, pages=None):
    body = {"executions": [{"id": number, "status": "SUCCESSFUL"} for number in ids]}
    if total is not None:
        body["total_element_count"] = total
    if pages is not None:
        body["total_page_count"] = pages
    return FakeRaw(200, body)


@pytest.mark.parametrize("script, newest, pages", [
    pytest.param([runs_page([30, 29, 28], total=30, pages=10)], 30, [1], id="newest-first"),
    pytest.param([runs_page(list(range(1, 21)), total=25, pages=2), runs_page([21, 22, 23, 24, 25])], 25, [1, 2],
                 id="oldest-first-with-totals"),
    pytest.param([runs_page(list(range(1, 21))), runs_page([21, 22]), runs_page([])], 22, [1, 2, 3],
                 id="oldest-first-without-totals"),
    pytest.param([runs_page([7], total=1)], 7, [1], id="one-run"),
    pytest.param([FakeRaw(200, [{"id": 4}, {"id": 9}])], 9, [1], id="plain-list"),
])
def test_last_execution_takes_the_highest_id_in_either_order(script, newest, pages):
    client, session, _warnings = make_client(*script)
    assert client.last_execution(LOCATION)["id"] == newest
    assert [call[2]["params"]["page"] for call in session.calls] == pages
    assert all(call[2]["params"]["per_page"] == 20 for call in session.calls)


def test_last_execution_of_a_pipeline_without_runs():
    client, _session, _warnings = make_client(runs_page([], total=0))
    assert client.last_execution(LOCATION) is None


@pytest.mark.parametrize("value, expected", [
    (None, frozenset()), (False, frozenset()), (True, True), ("yes", True), ("no", frozenset()),
    (["Approve", "Gate"], frozenset(["Approve", "Gate"])), ("Approve", frozenset(["Approve"])),
])
def test_approve_choice(value, expected):
    assert runs.approve_choice(value) == expected


@pytest.mark.parametrize("value", [[""], ["  "], [1], {"name": "x"}, 3])
def test_approve_choice_refuses_bad_values_naming_the_option(value):
    with pytest.raises(ValidationError) as caught:
        runs.approve_choice(value)
    assert "approve" in caught.value.message


class ApprovingClient:
    """A run that waits at approvals (and other waiting states) until APPLY, scripted by action."""

    def __init__(self, waits):
        self.waits = list(waits)  # [(name, status)] in order; APPLY answers the first
        self.patches = []
        self.gets = 0
        self.logs = []

    def _execution(self):
        entries = [entry("SUCCESSFUL", "Build", 1, action_execution_id="a" * 24)]
        status = "SUCCESSFUL"
        if self.waits:
            name, waiting = self.waits[0]
            number = 2 + len(self.patches)  # each waiting action is another one
            entries.append(entry(waiting, name, number, action_execution_id="%024x" % number))
            status = waiting
        return {"id": 3, "status": status, "html_url": "https://app/run/3", "action_executions": entries}

    def get_execution(self, location, execution_id):
        self.gets += 1
        return self._execution()

    def change_execution(self, location, execution_id, operation, approve_action_id=None):
        self.patches.append((operation, approve_action_id))
        self.waits.pop(0)
        return self._execution()

    def read_log(self, location, execution_id, aeid, tail=None):
        self.logs.append(aeid)
        return ["x"]


def test_a_run_waiting_for_approval_fails_at_the_first_look_naming_the_action(clock):
    client = ApprovingClient([("Gate", "WAITING_FOR_APPLY")])
    with pytest.raises(runs.RunFailedError) as caught:
        runs.follow_run(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 3600, 5, False)
    error = caught.value
    assert client.gets == 1 and client.patches == [] and sum(clock.sleeps) == 0.5
    assert "action 'Gate' (RUN_DOCKER_CONTAINER, id 2) is WAITING_FOR_APPLY" in error.message
    assert error.details["waiting_action"]["name"] == "Gate" and error.details["changed"] is True


def test_approve_answers_named_approvals_with_the_action_execution_id(clock):
    client = ApprovingClient([("Gate", "WAITING_FOR_APPLY"), ("Second", "WAITING_FOR_APPLY")])
    details = runs.follow_run(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 3600, 5, False,
                              approve=runs.approve_choice(["Gate", "Second"]))
    assert details["status"] == "SUCCESSFUL" and details["approved"] == ["Gate", "Second"]
    assert client.patches == [("APPLY", "%024x" % 2), ("APPLY", "%024x" % 3)]


def test_approve_true_never_answers_another_waiting_state(clock):
    client = ApprovingClient([("Vars", "WAITING_FOR_VARIABLES")])
    with pytest.raises(runs.RunFailedError) as caught:
        runs.follow_run(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 3600, 5, False, approve=True)
    assert client.patches == [] and "only an approval (WAITING_FOR_APPLY)" in caught.value.message


def test_a_failed_run_carries_the_log_tail_read_from_the_logs_endpoint():
    class Client(object):
        def read_log(self, location, execution_id, aeid, tail=None):
            assert (execution_id, aeid, tail) == (3, "c" * 24, runs.LOG_TAIL_LINES)
            return ["line 1", "boom"]
    execution = {"id": 3, "status": "FAILED", "action_executions": [
        entry("FAILED", "Tests", 2, action_execution_id="c" * 24, log=["old embedded"])]}
    with pytest.raises(runs.RunFailedError) as caught:
        runs.RunFollower(Client(), LOCATION).judge(execution, 60, None)
    assert caught.value.details["log_tail"] == ["line 1", "boom"]
    assert caught.value.details["failed_action"]["log_tail"] == ["line 1", "boom"]


def test_a_log_that_can_not_be_read_is_a_warning_and_the_run_failure_stands():
    warnings = []

    class Client(object):
        def read_log(self, location, execution_id, aeid, tail=None):
            raise NotFoundError("GET", "logs", 404, "gone")
    execution = {"id": 3, "status": "FAILED", "action_executions": [entry("FAILED", "Tests", 2, action_execution_id="c" * 24)]}
    with pytest.raises(runs.RunFailedError) as caught:
        runs.RunFollower(Client(), LOCATION, warn=warnings.append).judge(execution, 60, None)
    assert caught.value.details["log_tail"] is None and "ended FAILED" in caught.value.message
    assert len(warnings) == 1 and "could not be read" in warnings[0]


def test_after_a_retry_an_answer_still_showing_the_old_end_is_not_taken_for_the_new_one(clock):
    class Client(object):
        def __init__(self):
            self.answers = [{"id": 3, "status": "FAILED", "finish_date": "old"},
                            {"id": 3, "status": "INPROGRESS", "finish_date": None},
                            {"id": 3, "status": "SUCCESSFUL", "finish_date": "new"}]

        def get_execution(self, location, execution_id):
            return self.answers.pop(0)
    follower = runs.RunFollower(Client(), LOCATION)
    follower.previous_finish = "old"
    execution, ended = follower.wait({"id": 3, "status": "FAILED", "finish_date": "old"},
                                     Deadline(60, clock=clock.monotonic), 1)
    assert ended is True and execution["status"] == "SUCCESSFUL"
