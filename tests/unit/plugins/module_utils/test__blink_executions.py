# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The BlinkOps executions client over a scripted HTTP session: paths, the execute-once rule, look-ups, waits."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import email.utils
import json

import pytest
import requests

from ansible_collections.opsflow.pipelines.plugins.module_utils import _blink_executions
from ansible_collections.opsflow.pipelines.plugins.module_utils._blink import BlinkClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    TransportError,
    ValidationError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import Deadline

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import (
    FakeClock,
    FakeRaw,
    connection_refused,
    dropped_after_send,
    request_paths,
    scripted_transport,
)

from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__blink import BASE, KEY

WS = "ws-1"
WF = "wf-1"
EXECUTE = "/api/v1/workspace/ws-1/playbooks/wf-1/execute"
EXECUTIONS = "/api/v1/workspace/ws-1/executions"
T0 = 1767261600.0  # the fake clock's start, in epoch seconds


def make_client(*script, **kwargs):
    clock = kwargs.pop("clock", None) or FakeClock(T0)
    options = dict(base_url=BASE, headers={"BLINK-API-KEY": KEY}, clock=clock.time)
    options.update(kwargs)
    transport, session, warnings = scripted_transport(*script, **options)
    client = _blink_executions.BlinkExecutionsClient(BlinkClient(transport), clock=clock)
    return client, session, warnings, clock


def rql(session, index):
    return json.loads(session.calls[index][2]["params"]["q"])


def date_header(seconds):
    return {"Date": email.utils.formatdate(seconds, usegmt=True)}


def execution(execution_id="ex-1", state="Running", inputs=None, started=T0, **extra):
    record = {"id": execution_id, "playbook_id": WF, "state": state, "inputs": inputs if inputs is not None else {},
              "started_at": int(started * 1000), "error_details": None}
    record.update(extra)
    return record


def listing(*records):
    return FakeRaw(200, {"limit": _blink_executions.LIST_LIMIT, "offset": 0, "total": len(records), "results": list(records)})


def entry(record):
    """A list entry as the public record has it: no inputs, event or callback."""
    return dict((key, value) for key, value in record.items() if key not in ("inputs", "event", "callback"))


def step(step_id="finish", state="Completed", output=None, started=T0, **extra):
    record = {"id": "st-" + step_id, "step_id": step_id, "state": state, "output_data": output,
              "error_data": None, "started_at": int(started * 1000)}
    record.update(extra)
    return record


def steps(*records):
    return FakeRaw(200, {"limit": 20, "offset": 0, "total": len(records), "results": list(records)})


FAILED_DETAILS = {"message": "Step 'scan' failed: 2 critical findings", "error_code": "STEP_FAILED"}


def test_paths_quote_every_segment():
    client, _session, _warnings, _clock = make_client()
    assert client.execute_path("my ws", "a/b") == "/api/v1/workspace/my%20ws/playbooks/a%2Fb/execute"
    assert client.execution_path("w", "../x", "cancel") == "/api/v1/workspace/w/executions/..%2Fx/cancel"
    with pytest.raises(ValidationError):
        client.execution_path("w", "..")


def test_execute_payload_uses_the_api_names_and_leaves_unset_options_out():
    params = {"input_values": {"a": 1}, "event": None, "runner": "eu-runners", "trigger_type": None,
              "past_exec_ref": "ex-0",
              "callback": {"url": "https://hook.test", "method": "POST", "headers": None, "body": {"k": "v"},
                           "cookies": None, "disable_ssl": True, "exclude_default_metadata": False}}
    assert _blink_executions.execute_payload(params) == {
        "input_values": {"a": 1}, "runner": "eu-runners", "past_exec_ref": "ex-0",
        "callback": {"url": "https://hook.test", "method": "POST", "body": {"k": "v"}, "disableSSL": True,
                     "excludeDefaultMetadata": False},
    }
    assert _blink_executions.execute_payload({"callback": None}) == {}


@pytest.mark.parametrize("state, terminal, failed", [
    ("Completed", True, False), ("COMPLETED", True, False), ("Failed", True, True), ("Cancelled", True, True),
    ("canceled", True, True), ("Timeout", True, True), ("Timed Out", True, True), ("Skipped", True, True),
    ("Paused", True, False), ("Running", False, False), ("Pending", False, False), (None, False, False),
])
def test_states(state, terminal, failed):
    assert _blink_executions.is_terminal(state) is terminal
    assert _blink_executions.is_failed(state) is failed


def test_same_inputs_is_exact_but_ignores_key_order():
    record = {"inputs": {"a": 1, "b": {"x": [1, 2]}}}
    assert _blink_executions.same_inputs({"b": {"x": [1, 2]}, "a": 1}, record)
    assert not _blink_executions.same_inputs({"a": "1", "b": {"x": [1, 2]}}, record)
    assert not _blink_executions.same_inputs({"a": 1}, record)
    assert _blink_executions.same_inputs(None, {"inputs": {}})
    assert _blink_executions.same_inputs({}, {"inputs": None})


# ---------------------------------------------------------------------------------------------
# The execute POST: sent once
# ---------------------------------------------------------------------------------------------

def test_execute_async_posts_the_body_without_run_sync():
    client, session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-9"}))
    assert client.start(WS, WF, {"input_values": {"a": 1}}) == "ex-9"
    assert request_paths(session) == [("POST", EXECUTE)]
    kwargs = session.calls[0][2]
    assert kwargs["params"] is None
    assert json.loads(kwargs["data"]) == {"input_values": {"a": 1}}
    assert kwargs["headers"]["BLINK-API-KEY"] == KEY


def test_execute_sync_asks_the_server_to_block_and_gives_the_read_that_much_longer():
    client, session, _warnings, _clock = make_client(FakeRaw(200, {"out": 1}), timeout=30.0)
    answer = client.execute(WS, WF, {}, sync_timeout=120)
    assert answer.ok and answer.body == {"out": 1} and not answer.is_handle
    kwargs = session.calls[0][2]
    assert kwargs["params"] == {"run_sync": "true", "timeout": 120}
    assert kwargs["timeout"] == 150.0
    assert client.transport.timeout == 30.0


def test_execute_is_repeated_after_a_429():
    client, session, warnings, _clock = make_client(FakeRaw(429, {"status": 429, "message": "slow down"}),
                                                    FakeRaw(200, {"execution_id": "ex-2"}))
    assert client.start(WS, WF, {}) == "ex-2"
    assert request_paths(session) == [("POST", EXECUTE)] * 2
    assert "retry 1 of 2" in warnings[0]


def test_execute_is_repeated_after_a_connection_refused_before_sending():
    client, session, _warnings, _clock = make_client(connection_refused(), FakeRaw(200, {"execution_id": "ex-2"}))
    assert client.start(WS, WF, {}) == "ex-2"
    assert request_paths(session) == [("POST", EXECUTE)] * 2


@pytest.mark.parametrize("failure", [
    dropped_after_send,
    lambda: requests.exceptions.ReadTimeout("read timed out"),
    lambda: FakeRaw(503, {"status": 503, "message": "unavailable"}),
    lambda: FakeRaw(502, text="<html><title>502 Bad Gateway</title></html>"),
])
def test_execute_is_never_repeated_once_it_may_have_reached_the_server(failure):
    client, session, _warnings, _clock = make_client(failure(), FakeRaw(200, {"execution_id": "never"}))
    with pytest.raises(TransportError) as caught:
        client.start(WS, WF, {})
    assert request_paths(session) == [("POST", EXECUTE)]
    error = caught.value
    assert error.may_have_committed is True
    assert "the workflow may have started" in error.message and "dedupe_window" in error.message
    assert error.message.startswith("POST %s failed" % EXECUTE)
    assert KEY not in error.message and KEY not in json.dumps(error.to_fail_kwargs())


def test_unknown_workflow_is_a_clear_404():
    client, session, _warnings, _clock = make_client(FakeRaw(404, {"status": 404, "message": "Playbook wf-1 not found"}))
    with pytest.raises(NotFoundError) as caught:
        client.start(WS, WF, {})
    message = caught.value.message
    assert message.startswith("POST %s failed with HTTP 404: Playbook wf-1 not found" % EXECUTE)
    assert "workflow_id" in message
    assert caught.value.to_fail_kwargs()["api_error"] == {"method": "POST", "path": EXECUTE, "status": 404,
                                                          "message": "Playbook wf-1 not found"}
    assert len(session.calls) == 1


def test_bad_key_and_viewer_role_say_what_to_check():
    client, _session, _warnings, _clock = make_client(FakeRaw(401, {"status": 401, "message": "Invalid API key"}))
    with pytest.raises(AuthenticationError) as caught:
        client.start(WS, WF, {})
    assert "HTTP 401: Invalid API key" in caught.value.message and KEY not in caught.value.message
    client, _session, _warnings, _clock = make_client(FakeRaw(403, {"status": 403, "message": "Forbidden"}))
    with pytest.raises(PermissionDeniedError) as caught:
        client.start(WS, WF, {})
    assert "Owner or Contributor" in caught.value.message


def test_an_error_answer_to_a_plain_execute_is_raised_with_the_servers_message():
    client, _session, _warnings, _clock = make_client(FakeRaw(400, {"status": 400, "message": "Missing input x"}))
    with pytest.raises(ApiError) as caught:
        client.start(WS, WF, {})
    assert caught.value.status == 400 and "HTTP 400: Missing input x" in caught.value.message


# ---------------------------------------------------------------------------------------------
# Executions: get, list (RQL), cancel, dedupe look-up
# ---------------------------------------------------------------------------------------------

def test_get_execution_404_names_execution_id():
    client, session, _warnings, _clock = make_client(FakeRaw(404, {"status": 404, "message": "Execution x not found"}))
    with pytest.raises(NotFoundError) as caught:
        client.get_execution(WS, "x")
    assert "GET %s/x failed with HTTP 404: Execution x not found" % EXECUTIONS in caught.value.message
    assert "execution_id" in caught.value.message
    assert request_paths(session) == [("GET", EXECUTIONS + "/x")]


def test_list_executions_filters_on_the_workflow_newest_first_and_follows_offsets():
    first = FakeRaw(200, {"limit": 50, "offset": 0, "total": 51,
                          "results": [execution("ex-%d" % i, "Completed", started=T0 - i) for i in range(50)]})
    second = FakeRaw(200, {"limit": 50, "offset": 50, "total": 51, "results": [execution("ex-50", started=T0 - 50)]})
    client, session, _warnings, _clock = make_client(first, second)
    found = client.list_executions(WS, WF)
    assert len(found) == 51 and found[0]["id"] == "ex-0" and found[-1]["id"] == "ex-50"
    assert request_paths(session) == [("GET", EXECUTIONS)] * 2
    assert rql(session, 0) == {"filter": {"playbook_id": {"$eq": WF}}, "sort": ["-started_at"], "limit": 50, "offset": 0}
    assert rql(session, 1)["offset"] == 50


def test_list_executions_follows_the_total_when_the_server_caps_the_limit():
    first = FakeRaw(200, {"limit": 10, "offset": 0, "total": 12,
                          "results": [execution("ex-%d" % i, "Completed", started=T0 - i) for i in range(10)]})
    second = FakeRaw(200, {"limit": 10, "offset": 10, "total": 12,
                           "results": [execution("ex-%d" % i, started=T0 - i) for i in range(10, 12)]})
    client, session, _warnings, _clock = make_client(first, second)
    assert len(client.list_executions(WS, WF)) == 12
    assert rql(session, 1)["offset"] == 10


def test_list_executions_stops_at_a_page_older_than_since():
    page = FakeRaw(200, {"total": 500, "results": [execution("ex-%d" % i, started=T0 - 100 - i) for i in range(50)]})
    client, session, _warnings, _clock = make_client(page)
    assert client.list_executions(WS, WF, since=T0 - 60) == []
    assert len(session.calls) == 1


def test_find_reusable_execution_takes_the_newest_identical_one_that_did_not_fail():
    records = [
        execution("failed", "Failed", {"a": 1}, started=T0 - 5),
        execution("cancelled", "Cancelled", {"a": 1}, started=T0 - 6),
        execution("timeout", "Timeout", {"a": 1}, started=T0 - 7),
        execution("skipped", "Skipped", {"a": 1}, started=T0 - 7.5),
        execution("other-input", "Completed", {"a": 2}, started=T0 - 8),
        execution("good", "Running", {"a": 1}, started=T0 - 9),
        execution("older", "Completed", {"a": 1}, started=T0 - 10),
    ]
    client, session, _warnings, _clock = make_client(listing(*records), FakeRaw(200, records[5]))
    assert client.find_reusable_execution(WS, WF, {"a": 1}, 60)["id"] == "good"
    # Entries that carry inputs are compared as they are: only the match is read.
    assert request_paths(session) == [("GET", EXECUTIONS), ("GET", EXECUTIONS + "/good")]
    assert rql(session, 0)["filter"] == {"playbook_id": {"$eq": WF}, "started_at": {"$gte": int((T0 - 60) * 1000)}}


def test_list_entries_without_inputs_are_read_by_id_newest_first_until_one_matches():
    records = [execution("newest", "Completed", {"a": 2}, started=T0 - 1),
               execution("failed", "Failed", {"a": 1}, started=T0 - 2),
               execution("match", "Completed", {"a": 1}, started=T0 - 3),
               execution("older-match", "Completed", {"a": 1}, started=T0 - 4)]
    client, session, _warnings, _clock = make_client(listing(*[entry(record) for record in records]),
                                                     FakeRaw(200, records[0]), FakeRaw(200, records[2]))
    found = client.find_reusable_execution(WS, WF, {"a": 1}, 60)
    assert found == records[2]
    assert request_paths(session) == [("GET", EXECUTIONS), ("GET", EXECUTIONS + "/newest"),
                                      ("GET", EXECUTIONS + "/match")]


def test_a_candidate_that_failed_since_it_was_listed_is_not_reused():
    record = execution("ex-1", "Running", {"a": 1}, started=T0 - 1)
    client, _session, _warnings, _clock = make_client(listing(entry(record)),
                                                      FakeRaw(200, dict(record, state="Failed")))
    assert client.find_reusable_execution(WS, WF, {"a": 1}, 60) is None


def test_a_full_page_without_a_total_is_not_the_last():
    first = FakeRaw(200, {"results": [entry(execution("ex-%d" % i, "Completed", {"a": 2}, started=T0 - i))
                                      for i in range(50)]})
    reusable = execution("ex-50", "Completed", {"a": 1}, started=T0 - 50)
    client, session, _warnings, _clock = make_client(first, FakeRaw(200, {"results": [entry(reusable)]}),
                                                     *([FakeRaw(200, execution("x", "Completed", {"a": 2}))] * 50
                                                       + [FakeRaw(200, reusable)]))
    assert client.find_reusable_execution(WS, WF, {"a": 1}, 600)["id"] == "ex-50"
    assert rql(session, 1)["offset"] == 50


def test_a_plain_list_answer_keeps_every_execution():
    records = [execution("ex-1", "Completed", {"a": 1}, started=T0 - 1), execution("ex-2", started=T0 - 2)]
    client, session, _warnings, _clock = make_client(FakeRaw(200, records))
    assert [item["id"] for item in client.list_executions(WS, WF)] == ["ex-1", "ex-2"]
    assert len(session.calls) == 1


def test_records_and_list_entries_come_back_with_callback_secrets_masked():
    callback = {"url": "https://hook.test", "headers": {"Authorization": "Bearer s3cret"}, "cookies": {"sid": "c00kie"},
                "method": "POST"}
    record = execution("ex-1", "Completed", callback=callback)
    client, _session, _warnings, _clock = make_client(FakeRaw(200, record), listing(record))
    masked = {"url": "https://hook.test", "headers": {"Authorization": "********"}, "cookies": {"sid": "********"},
              "method": "POST"}
    assert client.get_execution(WS, "ex-1")["callback"] == masked
    assert client.list_executions(WS, WF)[0]["callback"] == masked
    assert record["callback"]["headers"] == {"Authorization": "Bearer s3cret"}  # the answer itself is not touched


def test_steps_come_in_the_order_they_ran_and_the_output_is_the_last_completed_ones():
    answer = steps(step("late", output='{"b": 2}', started=T0 + 2), step("early", output={"a": 1}, started=T0 + 1),
                   step("broken", "Failed", started=T0 + 3, error_data="boom"))
    client, session, _warnings, _clock = make_client(answer)
    found = client.get_steps(WS, "ex-1")
    assert [item["step_id"] for item in found] == ["early", "late", "broken"]
    assert _blink_executions.step_output(found) == {"b": 2}
    assert request_paths(session) == [("GET", EXECUTIONS + "/ex-1/steps")]
    assert session.calls[0][2]["params"] is None


@pytest.mark.parametrize("output_data, output", [
    ('{"a": 1}', {"a": 1}), ("[1, 2]", [1, 2]), ({"a": 1}, {"a": 1}), ("all good", "all good"), ("42", "42"),
    ("", None), (None, None),
])
def test_output_data_is_json_text_or_json_or_text(output_data, output):
    assert _blink_executions.step_output([step(output=output_data)]) == output


def test_steps_follow_pages_when_the_total_says_there_are_more():
    first = FakeRaw(200, {"total": 3, "results": [step("a"), step("b")]})
    second = FakeRaw(200, {"total": 3, "results": [step("c", output="x")]})
    client, session, _warnings, _clock = make_client(first, second)
    assert [item["step_id"] for item in client.get_steps(WS, "ex-1")] == ["a", "b", "c"]
    assert json.loads(session.calls[1][2]["params"]["q"]) == {"limit": 2, "offset": 2}


def test_find_reusable_execution_ignores_executions_outside_the_window():
    client, _session, _warnings, _clock = make_client(listing(execution("old", "Completed", {}, started=T0 - 120)))
    assert client.find_reusable_execution(WS, WF, {}, 60) is None


def test_cancel_reports_whether_it_cancelled():
    client, session, _warnings, _clock = make_client(
        FakeRaw(200, text="Execution ex-1 cancelled"), FakeRaw(202, text=""), FakeRaw(204),
        FakeRaw(400, {"status": 400, "message": "Execution is not running"}))
    assert client.cancel_execution(WS, "ex-1") is True
    assert client.cancel_execution(WS, "ex-1") is True  # 202: accepted
    assert client.cancel_execution(WS, "ex-1") is True
    assert client.cancel_execution(WS, "ex-1") is False
    assert request_paths(session) == [("POST", EXECUTIONS + "/ex-1/cancel")] * 4


def test_cancel_of_an_unknown_execution_raises():
    client, _session, _warnings, _clock = make_client(FakeRaw(404, {"status": 404, "message": "not found"}))
    with pytest.raises(NotFoundError):
        client.cancel_execution(WS, "nope")


# ---------------------------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------------------------

def test_wait_for_end_polls_with_growing_pauses_until_a_terminal_state():
    client, session, _warnings, clock = make_client(
        FakeRaw(200, execution(state="Running")), FakeRaw(200, execution(state="Running")),
        FakeRaw(200, execution(state="Completed", output={"x": 1})))
    record, ended = client.wait_for_end(WS, "ex-1", Deadline(60, clock.monotonic), 2.0)
    assert ended is True and record["state"] == "Completed"
    assert request_paths(session) == [("GET", EXECUTIONS + "/ex-1")] * 3
    assert clock.sleeps == [0.5, 1.0]  # the one wait loop: 0.5 s, doubling up to poll_interval


def test_wait_for_end_gives_up_at_the_deadline_with_a_bounded_number_of_reads():
    client, session, _warnings, clock = make_client(*[FakeRaw(200, execution(state="Running"))] * 10)
    record, ended = client.wait_for_end(WS, "ex-1", Deadline(5, clock.monotonic), 2.0)
    assert ended is False and record["state"] == "Running"
    assert len(session.calls) == 5  # at 0, 0.5, 1.5, 3.5 and the deadline (5)
    assert clock.sleeps == [0.5, 1.0, 2.0, 1.5]


def test_wait_for_end_judges_a_record_in_hand_before_reading():
    client, session, _warnings, clock = make_client(FakeRaw(200, execution(state="Completed")))
    record, ended = client.wait_for_end(WS, "ex-1", Deadline(60, clock.monotonic), 2.0,
                                        current=execution(state="Running"))
    assert ended is True and record["state"] == "Completed"
    assert len(session.calls) == 1 and clock.sleeps == [0.5]


def run_and_wait(client, payload=None, wait_timeout=60, poll_interval=2.0, cancel=False):
    run = _blink_executions.BlinkRun(WS, WF, wait_timeout, poll_interval, cancel)
    return _blink_executions.run_and_wait(client, run, payload if payload is not None else {"input_values": {"a": 1}})


def test_sync_output_makes_no_polling_request():
    ours = execution("ex-ours", "Completed", {"a": 1}, started=T0 + 0.5)
    older = execution("ex-older", "Completed", {"a": 1}, started=T0 - 20)
    finish = step(output='{"ticket": "SEC-1"}')
    client, session, _warnings, _clock = make_client(
        FakeRaw(200, {"ticket": "SEC-1"}, headers=date_header(T0 + 1)), listing(entry(ours), entry(older)),
        FakeRaw(200, ours), steps(finish))
    result = run_and_wait(client)
    assert result == {"execution_id": "ex-ours", "state": "Completed", "output": {"ticket": "SEC-1"}, "execution": ours,
                      "steps": [finish]}
    assert request_paths(session) == [("POST", EXECUTE), ("GET", EXECUTIONS), ("GET", EXECUTIONS + "/ex-ours"),
                                      ("GET", EXECUTIONS + "/ex-ours/steps")]
    assert session.calls[0][2]["params"] == {"run_sync": "true", "timeout": 60}
    assert rql(session, 1)["filter"]["started_at"] == {"$gte": int((T0 + 1 - 2.0) * 1000)}


def test_sync_output_never_takes_an_older_identical_run_for_ours():
    older = execution("ex-older", "Completed", {"a": 1}, started=T0 - 20)
    client, session, warnings, _clock = make_client(FakeRaw(200, {"ticket": "SEC-1"}, headers=date_header(T0)),
                                                    listing(entry(older)))
    result = run_and_wait(client)
    assert result["execution_id"] is None and result["state"] == "Completed" and result["output"] == {"ticket": "SEC-1"}
    assert "could not be identified" in warnings[-1]
    assert len(session.calls) == 2  # the older one is left out by its start time, never read


def test_sync_output_whose_look_up_fails_is_still_returned_with_a_warning():
    client, _session, warnings, _clock = make_client(FakeRaw(200, {"ticket": "SEC-1"}, headers=date_header(T0)),
                                                     FakeRaw(500, {"status": 500, "message": "oops"}))
    result = run_and_wait(client)
    assert result["output"] == {"ticket": "SEC-1"} and result["execution_id"] is None
    assert any("HTTP 500" in warning for warning in warnings)


def test_sync_output_that_names_the_execution_needs_no_look_up():
    record = execution("ex-5", "Completed")
    client, session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-5", "result": "ok"}),
                                                     FakeRaw(200, record), steps())
    result = run_and_wait(client)
    assert result["execution_id"] == "ex-5" and result["output"] == {"execution_id": "ex-5", "result": "ok"}
    assert request_paths(session) == [("POST", EXECUTE), ("GET", EXECUTIONS + "/ex-5"),
                                      ("GET", EXECUTIONS + "/ex-5/steps")]


def test_an_execute_answered_200_with_a_body_that_is_not_json_may_have_started():
    client, session, _warnings, _clock = make_client(FakeRaw(200, text="OK"))
    with pytest.raises(ApiError) as caught:
        run_and_wait(client)
    assert "unexpected answer (not JSON)" in caught.value.message and "may have started" in caught.value.message
    assert len(session.calls) == 1


def test_an_execution_id_only_answer_is_polled_to_completion_and_the_output_read_from_the_steps():
    client, session, _warnings, clock = make_client(
        FakeRaw(200, {"execution_id": "ex-1"}), FakeRaw(200, execution(state="Running")),
        FakeRaw(200, execution(state="Completed")),
        steps(step("prepare", output="ready"), step("finish", output='{"done": true}', started=T0 + 1),
              step("notify", output=None, started=T0 + 2)))
    result = run_and_wait(client)
    assert result["execution_id"] == "ex-1" and result["state"] == "Completed" and result["output"] == {"done": True}
    assert [item["step_id"] for item in result["steps"]] == ["prepare", "finish", "notify"]
    assert request_paths(session) == ([("POST", EXECUTE)] + [("GET", EXECUTIONS + "/ex-1")] * 2
                                      + [("GET", EXECUTIONS + "/ex-1/steps")])
    assert clock.sleeps == [0.5]


def test_an_output_in_the_record_is_taken_as_it_is():
    client, _session, _warnings, _clock = make_client(
        FakeRaw(200, {"execution_id": "ex-1"}), FakeRaw(200, execution(state="Completed", output={"v": 1})),
        steps(step(output='{"v": 2}')))
    assert run_and_wait(client)["output"] == {"v": 1}


def test_state_ui_is_read_before_state():
    record = execution(state="done", state_ui="Completed")
    client, _session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}), FakeRaw(200, record),
                                                      steps())
    assert run_and_wait(client)["state"] == "Completed"
    assert _blink_executions.state_of({"state": "Running", "state_ui": ""}) == "Running"


def test_a_poll_that_fails_after_the_post_names_the_run_and_says_changed():
    client, _session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}),
                                                      FakeRaw(500, {"status": 500, "message": "oops"}))
    with pytest.raises(_blink_executions.ExecutionError) as caught:
        run_and_wait(client)
    details = caught.value.to_fail_kwargs()
    assert details["changed"] is True and details["execution_id"] == "ex-1"
    assert details["msg"].startswith("workflow wf-1 execution ex-1 started and may still be running")
    assert details["api_error"]["status"] == 500


def test_steps_that_can_not_be_read_after_a_completed_poll_fail_naming_the_run():
    client, _session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}),
                                                      FakeRaw(200, execution(state="Completed")),
                                                      FakeRaw(500, {"status": 500, "message": "oops"}))
    with pytest.raises(_blink_executions.ExecutionError) as caught:
        run_and_wait(client)
    details = caught.value.to_fail_kwargs()
    assert details["changed"] is True and details["execution_id"] == "ex-1" and details["state"] == "Completed"
    assert "could not be read" in details["msg"]


def test_a_polled_execution_that_fails_raises_with_its_id_state_error_details_and_output():
    failed = execution(state="Failed", error_details=FAILED_DETAILS)
    collected = step("collect", output='{"findings": 2}')
    client, _session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}), FakeRaw(200, failed),
                                                      steps(collected, step("scan", "Failed", started=T0 + 1)))
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        run_and_wait(client)
    details = caught.value.to_fail_kwargs()
    assert details["execution_id"] == "ex-1" and details["state"] == "Failed"
    assert details["error_details"] == FAILED_DETAILS and details["execution"] == failed
    assert details["changed"] is True and details["output"] == {"findings": 2} and len(details["steps"]) == 2
    assert "workflow wf-1 execution ex-1 ended Failed: Step 'scan' failed" in details["msg"]


def test_a_failed_run_whose_steps_can_not_be_read_still_fails_with_its_message():
    failed = execution(state="Failed", error_details=FAILED_DETAILS)
    client, _session, warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}), FakeRaw(200, failed),
                                                     FakeRaw(500, {"status": 500, "message": "oops"}))
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        run_and_wait(client)
    assert caught.value.details["steps"] is None and "ended Failed" in caught.value.message
    assert "could not be read" in warnings[-1]


def test_a_handle_that_says_the_run_failed_is_read_and_fails_the_wait():
    failed = execution(state="Failed", error_details=FAILED_DETAILS)
    client, session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1", "state": "Failed"}),
                                                     FakeRaw(200, failed), steps())
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        run_and_wait(client)
    assert caught.value.details["error_details"] == FAILED_DETAILS
    assert request_paths(session)[:2] == [("POST", EXECUTE), ("GET", EXECUTIONS + "/ex-1")]


@pytest.mark.parametrize("state", ["Cancelled", "Timeout", "Skipped"])
def test_cancelled_timed_out_and_skipped_executions_fail_the_wait(state):
    client, _session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}),
                                                      FakeRaw(200, execution(state=state)), steps())
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        run_and_wait(client)
    assert caught.value.details["state"] == state


def test_a_paused_execution_fails_saying_it_waits_for_a_person():
    client, _session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}),
                                                      FakeRaw(200, execution(state="Paused")),
                                                      steps(step("approval", "Paused")))
    with pytest.raises(_blink_executions.ExecutionPausedError) as caught:
        run_and_wait(client)
    details = caught.value.to_fail_kwargs()
    assert details["state"] == "Paused" and details["changed"] is True and details["steps"][0]["state"] == "Paused"
    assert "is Paused: it waits for a person" in details["msg"] and "wait_for_paused: true" in details["msg"]


def test_wait_for_paused_keeps_waiting():
    client, session, _warnings, _clock = make_client(
        FakeRaw(200, {"execution_id": "ex-1"}), FakeRaw(200, execution(state="Paused")),
        FakeRaw(200, execution(state="Paused")), FakeRaw(200, execution(state="Completed")), steps())
    run = _blink_executions.BlinkRun(WS, WF, 60, 2.0, wait_for_paused=True)
    assert _blink_executions.run_and_wait(client, run, {})["state"] == "Completed"
    assert len(session.calls) == 5


def test_a_sync_error_from_a_failed_workflow_carries_the_servers_message_and_the_execution():
    failed = execution("ex-7", "Failed", {"a": 1}, started=T0 + 0.2, error_details=FAILED_DETAILS)
    client, session, _warnings, _clock = make_client(
        FakeRaw(400, {"status": 400, "message": "Workflow execution failed: bad scan"}, headers=date_header(T0)),
        listing(entry(failed)), FakeRaw(200, failed), steps())
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        run_and_wait(client)
    details = caught.value.to_fail_kwargs()
    assert details["msg"] == "workflow wf-1 execution ex-7 ended Failed: Workflow execution failed: bad scan"
    assert details["execution_id"] == "ex-7" and details["error_details"] == FAILED_DETAILS
    assert request_paths(session) == [("POST", EXECUTE), ("GET", EXECUTIONS), ("GET", EXECUTIONS + "/ex-7"),
                                      ("GET", EXECUTIONS + "/ex-7/steps")]


def test_a_sync_error_that_names_the_execution_reads_it():
    failed = execution("ex-8", "Failed", error_details=FAILED_DETAILS)
    client, session, _warnings, _clock = make_client(
        FakeRaw(500, {"status": 500, "message": "failed", "execution_id": "ex-8"}), FakeRaw(200, failed), steps())
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        run_and_wait(client)
    assert caught.value.details["execution_id"] == "ex-8"
    assert request_paths(session)[:2] == [("POST", EXECUTE), ("GET", EXECUTIONS + "/ex-8")]


def test_a_sync_error_that_started_nothing_is_the_servers_error():
    completed_earlier = execution("ex-old", "Completed", {"a": 1}, started=T0 + 0.5)
    client, _session, _warnings, _clock = make_client(
        FakeRaw(400, {"status": 400, "message": "Missing required input values: b"}, headers=date_header(T0)),
        listing(completed_earlier))
    with pytest.raises(ApiError) as caught:
        run_and_wait(client)
    assert not isinstance(caught.value, _blink_executions.ExecutionError)
    assert "POST %s failed with HTTP 400: Missing required input values: b" % EXECUTE in caught.value.message


def test_a_sync_timeout_error_falls_back_to_polling_the_running_execution():
    running = execution("ex-3", "Running", {"a": 1}, started=T0 + 0.1)
    client, session, _warnings, _clock = make_client(
        FakeRaw(408, {"status": 408, "message": "Timed out waiting"}, headers=date_header(T0 + 2)),
        listing(entry(running)), FakeRaw(200, running), FakeRaw(200, execution("ex-3", "Completed")),
        steps(step(output='{"ok": 1}')))
    result = run_and_wait(client)
    assert result["execution_id"] == "ex-3" and result["output"] == {"ok": 1}
    assert request_paths(session) == [("POST", EXECUTE), ("GET", EXECUTIONS), ("GET", EXECUTIONS + "/ex-3"),
                                      ("GET", EXECUTIONS + "/ex-3"), ("GET", EXECUTIONS + "/ex-3/steps")]


def test_a_gateway_timeout_on_the_sync_call_finds_the_run_and_polls_it():
    running = execution("ex-4", "Running", {"a": 1}, started=T0 + 0.1)
    client, session, _warnings, _clock = make_client(
        FakeRaw(504, text="<html><title>504 Gateway Time-out</title></html>"),
        listing(entry(running)), FakeRaw(200, running), FakeRaw(200, execution("ex-4", "Completed")), steps())
    assert run_and_wait(client)["execution_id"] == "ex-4"
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "GET", "GET", "GET"]


def test_a_gateway_timeout_whose_look_up_fails_says_it_may_have_started():
    client, _session, _warnings, _clock = make_client(FakeRaw(504, text="gateway timeout"),
                                                      FakeRaw(500, {"status": 500, "message": "oops"}))
    with pytest.raises(TransportError) as caught:
        run_and_wait(client)
    assert "may have started" in caught.value.message


def test_a_gateway_timeout_with_no_run_found_says_it_may_have_started():
    client, session, _warnings, _clock = make_client(FakeRaw(504, text="gateway timeout"), listing())
    with pytest.raises(TransportError) as caught:
        run_and_wait(client)
    assert "may have started" in caught.value.message
    assert [method for method, _path in request_paths(session)] == ["POST", "GET"]


def test_a_lost_answer_is_reported_without_any_further_request():
    client, session, _warnings, _clock = make_client(requests.exceptions.ReadTimeout("timed out"))
    with pytest.raises(TransportError) as caught:
        run_and_wait(client)
    assert caught.value.may_have_committed and "may have started" in caught.value.message
    assert len(session.calls) == 1


def test_wait_timeout_without_cancel_fails_and_leaves_it_running():
    client, session, _warnings, _clock = make_client(
        FakeRaw(200, {"execution_id": "ex-1"}), *[FakeRaw(200, execution(state="Running"))] * 10)
    with pytest.raises(_blink_executions.WaitTimeoutError) as caught:
        run_and_wait(client, wait_timeout=4, poll_interval=2.0)
    details = caught.value.to_fail_kwargs()
    assert details["cancelled"] is False and details["state"] == "Running" and details["execution_id"] == "ex-1"
    assert "cancel_on_timeout" in details["msg"] and "still running" in details["msg"]
    assert all(method == "GET" for method, _path in request_paths(session)[1:])


def test_wait_timeout_with_cancel_cancels_and_reports_the_final_state():
    cancelled = execution(state="Cancelled", error_details={"message": "cancelled", "error_code": "CANCELLED"})
    client, session, _warnings, _clock = make_client(
        FakeRaw(200, {"execution_id": "ex-1"}), *([FakeRaw(200, execution(state="Running"))] * 5
                                                  + [FakeRaw(200, {"execution_id": "ex-1"}), FakeRaw(200, cancelled)]))
    with pytest.raises(_blink_executions.WaitTimeoutError) as caught:
        run_and_wait(client, wait_timeout=4, poll_interval=2.0, cancel=True)
    details = caught.value.to_fail_kwargs()
    assert details["cancelled"] is True and details["state"] == "Cancelled"
    assert "it was cancelled" in details["msg"] and "state Running" in details["msg"]
    assert request_paths(session)[-2:] == [("POST", EXECUTIONS + "/ex-1/cancel"), ("GET", EXECUTIONS + "/ex-1")]


def test_a_run_that_ends_just_as_it_is_cancelled_counts_as_ended():
    client, _session, _warnings, _clock = make_client(
        FakeRaw(200, {"execution_id": "ex-1"}), *([FakeRaw(200, execution(state="Running"))] * 5
                                                  + [FakeRaw(400, {"status": 400, "message": "not running"}),
                                                     FakeRaw(200, execution(state="Completed")),
                                                     steps(step(output='{"v": 2}'))]))
    result = run_and_wait(client, wait_timeout=4, poll_interval=2.0, cancel=True)
    assert result["state"] == "Completed" and result["output"] == {"v": 2}


# ---------------------------------------------------------------------------------------------
# Boundaries: statuses, pages, the look-up window, defaults
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    FakeRaw(300, {"status": 300, "message": "Multiple Choices", "execution_id": "ex-1"}),
    FakeRaw(300, text="Multiple Choices"),
])
def test_a_3xx_answer_to_execute_is_an_error_with_the_servers_message_not_a_started_run(answer):
    client, session, _warnings, _clock = make_client(answer)
    with pytest.raises(ApiError) as caught:
        client.start(WS, WF, {})
    assert caught.value.status == 300
    assert caught.value.message == "POST %s failed with HTTP 300: Multiple Choices" % EXECUTE
    assert len(session.calls) == 1


def test_a_handle_with_every_status_word_is_still_only_a_handle_and_is_polled():
    handle = {"execution_id": "ex-1", "state": "Running", "state_ui": "Running", "status": "running",
              "message": "Execution started"}
    client, session, _warnings, _clock = make_client(FakeRaw(200, handle), FakeRaw(200, execution(state="Completed")),
                                                     steps(step(output='{"done": true}')))
    result = run_and_wait(client)
    assert result["execution_id"] == "ex-1" and result["output"] == {"done": True}
    assert request_paths(session) == [("POST", EXECUTE), ("GET", EXECUTIONS + "/ex-1"),
                                      ("GET", EXECUTIONS + "/ex-1/steps")]


def test_a_bad_key_on_the_sync_execute_fails_at_once_without_looking_for_a_run():
    client, session, _warnings, _clock = make_client(FakeRaw(401, {"status": 401, "message": "Invalid API key"}))
    with pytest.raises(AuthenticationError) as caught:
        run_and_wait(client)
    assert "HTTP 401: Invalid API key" in caught.value.message
    assert request_paths(session) == [("POST", EXECUTE)]


def test_cancel_answered_201_counts_as_cancelled():
    client, session, _warnings, _clock = make_client(FakeRaw(201, text="Execution ex-1 cancelled"))
    assert client.cancel_execution(WS, "ex-1") is True
    assert request_paths(session) == [("POST", EXECUTIONS + "/ex-1/cancel")]


def test_list_executions_reads_at_most_twenty_pages():
    pages = [FakeRaw(200, {"total": 5000, "results": [execution("ex-%d-%d" % (page, i), "Completed",
                                                                started=T0 - page * 100 - i) for i in range(50)]})
             for page in range(21)]
    client, session, _warnings, _clock = make_client(*pages)
    found = client.list_executions(WS, WF)
    assert len(session.calls) == _blink_executions.MAX_LIST_PAGES == 20
    assert len(found) == 1000 and found[-1]["id"] == "ex-19-49"


def test_list_executions_comes_back_newest_first_whatever_order_the_server_used():
    records = [execution("ex-old", started=T0 - 30), execution("ex-new", started=T0 - 1),
               execution("ex-mid", started=T0 - 10)]
    client, _session, _warnings, _clock = make_client(FakeRaw(200, records))
    assert [item["id"] for item in client.list_executions(WS, WF)] == ["ex-new", "ex-mid", "ex-old"]


def test_runs_started_in_the_millisecond_the_window_opens_are_found_across_pages():
    since = T0 - 60
    first = FakeRaw(200, {"limit": 1, "offset": 0, "total": 2, "results": [execution("ex-a", started=since)]})
    second = FakeRaw(200, {"limit": 1, "offset": 1, "total": 2, "results": [execution("ex-b", started=since)]})
    client, session, _warnings, _clock = make_client(first, second)
    assert [item["id"] for item in client.list_executions(WS, WF, since=since)] == ["ex-a", "ex-b"]
    assert len(session.calls) == 2


def test_an_execution_that_started_exactly_dedupe_window_ago_is_reused():
    record = execution("edge", "Completed", {"a": 1}, started=T0 - 60)
    client, _session, _warnings, _clock = make_client(listing(record), FakeRaw(200, record))
    assert client.find_reusable_execution(WS, WF, {"a": 1}, 60)["id"] == "edge"


@pytest.mark.parametrize("value, seconds", [
    (int(T0 * 1000), T0), (T0, T0), (str(int(T0 * 1000)), T0), (" %d " % T0, T0),
    (1e11, 1e11),  # the threshold itself is still seconds; only larger values are milliseconds
    (1e11 + 1000, 1e8 + 1),
    (True, None), (False, None), (None, None), ("soon", None), ([T0], None),
])
def test_start_times_are_epoch_milliseconds_or_seconds_and_anything_else_is_no_time(value, seconds):
    assert _blink_executions.epoch_seconds(value) == seconds


def test_callback_secrets_given_as_a_list_or_text_are_masked_whole_and_empty_ones_are_left():
    record = {"id": "ex-1", "callback": {"url": "https://hook.test",
                                         "headers": [{"name": "Authorization", "value": "Bearer s3cret"}],
                                         "cookies": "sid=c00kie"}}
    masked = _blink_executions.mask_callback(record)
    assert masked["callback"] == {"url": "https://hook.test", "headers": "********", "cookies": "********"}
    assert "s3cret" not in json.dumps(masked) and "c00kie" not in json.dumps(masked)
    empty = {"callback": {"url": "https://hook.test", "headers": [], "cookies": ""}}
    assert _blink_executions.mask_callback(empty) == empty


def test_a_paused_execution_ends_a_wait_unless_wait_for_paused():
    paused = execution(state="Paused")
    assert _blink_executions.has_ended(paused) is True
    assert _blink_executions.has_ended(paused, wait_for_paused=True) is False
    assert _blink_executions.has_ended(execution(state="Running")) is False
    client, session, _warnings, clock = make_client(FakeRaw(200, paused))
    record, ended = client.wait_for_end(WS, "ex-1", Deadline(60, clock.monotonic), 2.0)
    assert ended is True and record["state"] == "Paused" and len(session.calls) == 1


def test_judging_an_outcome_alone_claims_no_change_and_fails_a_paused_run():
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        _blink_executions.check_blink_outcome(WF, "ex-1", execution(state="Failed", error_details=FAILED_DETAILS))
    assert caught.value.details["changed"] is False
    with pytest.raises(_blink_executions.ExecutionPausedError) as caught:
        _blink_executions.check_blink_outcome(WF, "ex-1", execution(state="Paused"))
    assert caught.value.details["changed"] is False
    _blink_executions.check_blink_outcome(WF, "ex-1", execution(state="Paused"), wait_for_paused=True)
    _blink_executions.check_blink_outcome(WF, "ex-1", execution(state="Completed"))


def test_a_blink_run_defaults_to_the_modules_documented_defaults():
    run = _blink_executions.BlinkRun(WS)
    options = _blink_executions.EXECUTE_OPTIONS
    assert run.wait_timeout == options["wait_timeout"]["default"] == 600
    assert run.poll_interval == options["poll_interval"]["default"]
    assert run.cancel_on_timeout is options["cancel_on_timeout"]["default"] is False
    assert run.wait_for_paused is options["wait_for_paused"]["default"] is False


def test_from_module_builds_the_client_over_the_modules_blink_connection():
    class Module:
        params = {"api_url": BASE, "api_key": KEY, "validate_certs": True, "request_timeout": 5, "max_retries": 0}

        def warn(self, text):
            pass

    client = _blink_executions.BlinkExecutionsClient.from_module(Module())
    assert isinstance(client, _blink_executions.BlinkExecutionsClient)
    assert client.transport.base_url == BASE and client.transport.headers["BLINK-API-KEY"] == KEY


# ---------------------------------------------------------------------------------------------
# Reusing a run (dedupe_window): nothing changed, even when it goes wrong
# ---------------------------------------------------------------------------------------------

def execute_params(**overrides):
    params = dict((name, spec.get("default")) for name, spec in _blink_executions.EXECUTE_OPTIONS.items())
    params.update(workspace_id=WS, workflow_id=WF, input_values={"a": 1}, dedupe_window=60)
    params.update(overrides)
    return params


def test_a_reused_run_whose_steps_can_not_be_read_fails_naming_it_without_a_change():
    record = execution("ex-5", "Completed", {"a": 1}, started=T0 - 5)
    client, session, _warnings, _clock = make_client(listing(record), FakeRaw(200, record),
                                                     FakeRaw(500, {"status": 500, "message": "oops"}))
    with pytest.raises(_blink_executions.ExecutionError) as caught:
        _blink_executions.execute_workflow(client, execute_params(wait=False), check_mode=False)
    details = caught.value.to_fail_kwargs()
    assert details["changed"] is False and details["execution_id"] == "ex-5"
    assert "could not be read" in details["msg"] and details["api_error"]["status"] == 500
    assert ("POST", EXECUTE) not in request_paths(session)


def test_a_reused_run_that_then_fails_reports_no_change():
    running = execution("ex-6", "Running", {"a": 1}, started=T0 - 5)
    failed = dict(running, state="Failed", error_details=FAILED_DETAILS)
    client, session, _warnings, _clock = make_client(listing(running), FakeRaw(200, running), FakeRaw(200, failed),
                                                     steps())
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        _blink_executions.execute_workflow(client, execute_params(), check_mode=False)
    details = caught.value.to_fail_kwargs()
    assert details["changed"] is False and details["execution_id"] == "ex-6" and details["state"] == "Failed"
    assert ("POST", EXECUTE) not in request_paths(session)


# ---------------------------------------------------------------------------------------------
# After the execute POST: what is reported changed, which run is ours, what a failed read costs
# ---------------------------------------------------------------------------------------------

def test_a_paused_run_whose_steps_can_not_be_read_still_fails_as_paused():
    client, _session, warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}),
                                                     FakeRaw(200, execution(state="Paused")),
                                                     FakeRaw(500, {"status": 500, "message": "oops"}))
    with pytest.raises(_blink_executions.ExecutionPausedError) as caught:
        run_and_wait(client)
    assert caught.value.details["steps"] is None and caught.value.details["changed"] is True
    assert "could not be read" in warnings[-1]


def test_a_sync_error_for_a_run_that_ended_failed_reports_the_change():
    failed = execution("ex-8", "Failed", error_details=FAILED_DETAILS)
    client, _session, _warnings, _clock = make_client(
        FakeRaw(500, {"status": 500, "message": "failed", "execution_id": "ex-8"}), FakeRaw(200, failed), steps())
    with pytest.raises(_blink_executions.ExecutionFailedError) as caught:
        run_and_wait(client)
    assert caught.value.details["changed"] is True
    assert caught.value.message == "workflow wf-1 execution ex-8 ended Failed: failed"


def test_a_sync_error_whose_look_up_fails_is_the_servers_error():
    client, session, _warnings, _clock = make_client(
        FakeRaw(400, {"status": 400, "message": "Missing required input values: b"}),
        FakeRaw(500, {"status": 500, "message": "oops"}))
    with pytest.raises(ApiError) as caught:
        run_and_wait(client)
    assert not isinstance(caught.value, _blink_executions.ExecutionError)
    assert caught.value.status == 400 and "Missing required input values: b" in caught.value.message
    assert request_paths(session) == [("POST", EXECUTE), ("GET", EXECUTIONS)]


def test_a_sync_error_naming_a_run_that_can_not_be_read_names_it_and_says_changed():
    client, _session, _warnings, _clock = make_client(
        FakeRaw(500, {"status": 500, "message": "failed", "execution_id": "ex-8"}),
        FakeRaw(500, {"status": 500, "message": "oops"}))
    with pytest.raises(_blink_executions.ExecutionError) as caught:
        run_and_wait(client)
    details = caught.value.to_fail_kwargs()
    assert details["changed"] is True and details["execution_id"] == "ex-8"
    assert details["msg"].startswith("workflow wf-1 execution ex-8 started and may still be running")


def test_a_gateway_timeout_never_takes_an_older_identical_run_for_ours():
    older = execution("ex-older", "Running", {"a": 1}, started=T0 - 120)
    client, session, _warnings, _clock = make_client(FakeRaw(504, text="gateway timeout"), listing(older))
    with pytest.raises(TransportError) as caught:
        run_and_wait(client)
    assert "may have started" in caught.value.message
    assert request_paths(session) == [("POST", EXECUTE), ("GET", EXECUTIONS)]
    # Our POST went out at T0 on this host: the look-up starts one clock-skew margin before that.
    assert rql(session, 1)["filter"] == {"playbook_id": {"$eq": WF},
                                         "started_at": {"$gte": int((T0 - _blink_executions.CLOCK_SKEW_MARGIN) * 1000)}}


def test_the_sync_output_look_up_lists_only_this_workflows_executions():
    ours = execution("ex-ours", "Completed", {"a": 1}, started=T0 + 0.5)
    client, session, _warnings, _clock = make_client(
        FakeRaw(200, {"ticket": "SEC-1"}, headers=date_header(T0 + 1)), listing(entry(ours)), FakeRaw(200, ours),
        steps())
    assert run_and_wait(client)["execution_id"] == "ex-ours"
    assert rql(session, 1)["filter"]["playbook_id"] == {"$eq": WF}


def test_sync_output_whose_steps_can_not_be_read_is_still_returned_with_a_warning():
    ours = execution("ex-ours", "Completed", {"a": 1}, started=T0 + 0.5)
    client, _session, warnings, _clock = make_client(
        FakeRaw(200, {"ticket": "SEC-1"}, headers=date_header(T0 + 1)), listing(entry(ours)), FakeRaw(200, ours),
        FakeRaw(500, {"status": 500, "message": "oops"}))
    result = run_and_wait(client)
    assert result["execution_id"] == "ex-ours" and result["output"] == {"ticket": "SEC-1"}
    assert result["state"] == "Completed" and result["steps"] is None
    assert "could not be read" in warnings[-1]
