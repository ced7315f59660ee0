# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run control in the emulator (facts-v2 D): approvals and the other waiting states, retry, cancel,
the per-action logs endpoint and its paging, the action-execution id shapes, the list envelope."""

from __future__ import annotations

import pytest

from emulator import buddy_executions as runs
from conftest import PIPELINE
from test_runs import DOCKER_FAIL, DOCKER_OK, EXECUTIONS, finish, make_state, start, statuses, wait_for

APPROVAL = {"name": "Approve deploy", "type": "WAIT_FOR_APPLY", "comment": "Deploy $BUDDY_RUN_ID?"}


def advance_until(state, record, wanted, limit=50.0):
    now = 0.0
    while record["status"] != wanted:
        now += 0.05
        assert now < limit, "never %s: %s %r" % (wanted, record["status"], statuses(record))
        runs.advance(state, now)
    return now


def patch(state, record, body, now):
    """PATCH the run like the route does (advance, then the operation)."""
    runs.advance(state, now)
    if body["operation"] == "RETRY":
        runs.retry_run(state, record, now)
    elif body["operation"] == "CANCEL":
        runs.cancel_run(state, record, now)
    else:
        runs.apply_run(state, record, body["operation"], body, now)


def test_an_approval_action_makes_the_run_wait_until_apply():
    state = make_state([DOCKER_OK, APPROVAL, dict(DOCKER_OK, name="Deploy")])
    record = start(state)
    now = advance_until(state, record, "WAITING_FOR_APPLY")
    assert statuses(record) == ["SUCCESSFUL", "WAITING_FOR_APPLY", "INITIAL"]
    runs.advance(state, now + 1000.0)  # time alone never ends a wait
    assert record["status"] == "WAITING_FOR_APPLY"
    assert record["action_executions"][1]["log"][-1] == "Waiting (WAITING_FOR_APPLY): Deploy %d?" % record["id"]
    with pytest.raises(runs.ApiError) as caught:
        patch(state, record, {"operation": "APPLY", "approve_action_id": "f" * 24}, now + 1000.0)
    assert "is not waiting" in caught.value.message
    with pytest.raises(runs.ApiError):
        patch(state, record, {"operation": "SET_VARIABLES"}, now + 1000.0)
    aeid = record["action_executions"][1]["action_execution_id"]
    patch(state, record, {"operation": "APPLY", "approve_action_id": aeid}, now + 1000.0)
    assert record["status"] == "INPROGRESS" and statuses(record)[1] == "SUCCESSFUL"
    finish(state, record, limit=2000.0)
    assert record["status"] == "SUCCESSFUL" and statuses(record) == ["SUCCESSFUL"] * 3
    with pytest.raises(runs.ApiError):
        patch(state, record, {"operation": "APPLY"}, 3000.0)


def test_other_waiting_states_end_with_their_own_operation_and_approve_by_action_id():
    state = make_state([dict(DOCKER_OK, name="Ask", emulator_waits_for="WAITING_FOR_SETTABLE_VARIABLES")])
    record = start(state)
    now = advance_until(state, record, "WAITING_FOR_SETTABLE_VARIABLES")
    with pytest.raises(runs.ApiError):
        patch(state, record, {"operation": "APPLY"}, now)
    patch(state, record, {"operation": "SET_VARIABLES", "variables": [{"key": "A", "value": "1"}],
                          "approve_action_id": record["action_executions"][0]["action"]["id"]}, now)
    finish(state, record, limit=100.0)
    assert record["status"] == "SUCCESSFUL"


def test_cancel_while_waiting_terminates_the_waiting_action():
    state = make_state([APPROVAL, DOCKER_OK])
    record = start(state)
    now = advance_until(state, record, "WAITING_FOR_APPLY")
    patch(state, record, {"operation": "CANCEL"}, now)
    assert record["status"] == "TERMINATED" and statuses(record) == ["TERMINATED", "NOT_EXECUTED"]


def test_retry_runs_the_failed_actions_again_as_the_pipeline_defines_them_now():
    state = make_state([DOCKER_OK, DOCKER_FAIL, dict(DOCKER_OK, name="Ship"),
                        dict(DOCKER_OK, name="On failure", trigger_time="ON_FAILURE")])
    record = start(state)
    end = finish(state, record)
    assert record["status"] == "FAILED" and statuses(record) == ["SUCCESSFUL", "FAILED", "NOT_EXECUTED", "SUCCESSFUL"]
    with pytest.raises(runs.ApiError):  # a finished run is not cancelled
        patch(state, record, {"operation": "CANCEL"}, end)
    patch(state, record, {"operation": "RETRY"}, end)
    assert record["status"] == "INPROGRESS" and statuses(record)[0] == "SUCCESSFUL"
    finish(state, record, limit=end + 100.0)
    assert record["status"] == "FAILED" and record["_retries"] == 1
    failing = [action for action in runs.buddy.get_pipeline(state, "acme", "website", "1")["actions"]
               if action["name"] == "Test"][0]
    failing["execute_commands"] = ["make test"]
    patch(state, record, {"operation": "RETRY"}, end + 200.0)
    finish(state, record, limit=end + 300.0)
    assert record["status"] == "SUCCESSFUL" and statuses(record) == ["SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", "NOT_EXECUTED"]
    assert "--- Retried ---" in record["action_executions"][1]["log"]
    with pytest.raises(runs.ApiError) as caught:
        patch(state, record, {"operation": "RETRY"}, end + 400.0)
    assert "Only a failed or terminated execution" in caught.value.message


def test_execution_settings_seed_is_checked():
    with pytest.raises(runs.ApiError):
        make_state([DOCKER_OK], seed={"execution_settings": {"action_execution_id_in": "body"}})
    with pytest.raises(runs.ApiError):
        make_state([DOCKER_OK], seed={"execution_settings": {"log_page_cap": 0}})
    state = make_state([DOCKER_OK], seed={"execution_settings": {"log_page_cap": 2, "list_order": "oldest_first"}})
    assert runs.run_switches(state) == {"action_execution_id_in": "field", "log_page_cap": 2, "list_order": "oldest_first",
                                        "run_post_answer": "run"}


# --- over HTTP -----------------------------------------------------------------------------------------


def test_logs_come_from_the_logs_endpoint_in_pages(api, control):
    control.seed_actions("acme", "website", 1, [dict(DOCKER_FAIL, execute_commands=["one", "two", "three", "exit 1"])])
    control.seed({"execution_settings": {"log_page_cap": 2}})
    started = api.post(EXECUTIONS, {})[2]
    run = wait_for(api, EXECUTIONS + "/%d" % started["id"], ("FAILED",))
    entry = run["action_executions"][0]
    assert "log" not in entry and len(entry["action_execution_id"]) == 24
    assert entry["url"].endswith("/executions/%d/action_executions/%s" % (run["id"], entry["action_execution_id"]))
    assert entry["html_url"].endswith("?actionExecutionId=%s" % entry["action_execution_id"])
    logs = EXECUTIONS + "/%d/action_executions/%s/logs" % (run["id"], entry["action_execution_id"])
    lines, offset, pages = [], 0, 0
    while True:
        status, _headers, page = api.get(logs + "?offset=%d&limit=1000" % offset)
        assert status == 200 and page["offset"] == offset and page["element_count"] <= 2
        lines += page["logs"]
        offset += page["element_count"]
        pages += 1
        if offset >= page["total_element_count"]:
            break
    assert lines == ["$ one", "$ two", "$ three", "$ exit 1", "Action failed: Command 'exit 1' exited with code 1"]
    assert pages == 3
    assert api.get(logs + "?limit=1001")[0] == 400 and api.get(logs + "?offset=-1")[0] == 400
    status, _headers, details = api.get(EXECUTIONS + "/%d/action_executions/%s" % (run["id"], entry["action_execution_id"]))
    assert status == 200 and details["status"] == "FAILED" and "log" not in details and details["error_message"]
    assert api.get(EXECUTIONS + "/%d/action_executions/%s" % (run["id"], "0" * 24))[0] == 404


def test_action_execution_id_shapes_and_list_order(api, control):
    control.seed_actions("acme", "website", 1, [DOCKER_OK])
    first = api.post(EXECUTIONS, {})[2]
    second = api.post(EXECUTIONS, {})[2]
    control.seed({"execution_settings": {"action_execution_id_in": "url", "list_order": "oldest_first"}})
    listing = api.get(EXECUTIONS + "?page=1&per_page=1")[2]
    assert [item["id"] for item in listing["executions"]] == [first["id"]]
    assert (listing["page"], listing["page_size"], listing["element_count"], listing["total_element_count"],
            listing["total_page_count"]) == (1, 1, 1, 2, 2)
    entry = api.get(EXECUTIONS + "/%d" % second["id"])[2]["action_executions"][0]
    assert "action_execution_id" not in entry and "/action_executions/" in entry["url"]
    control.seed({"execution_settings": {"action_execution_id_in": "html_url"}})
    entry = api.get(EXECUTIONS + "/%d" % second["id"])[2]["action_executions"][0]
    assert "action_execution_id" not in entry and "url" not in entry and "actionExecutionId=" in entry["html_url"]


def test_approve_and_retry_over_http(api, control):
    control.seed_actions("acme", "website", 1, [dict(APPROVAL, comment="ok?")])
    started = api.post(EXECUTIONS, {})[2]
    path = EXECUTIONS + "/%d" % started["id"]
    waiting = wait_for(api, path, ("WAITING_FOR_APPLY",))
    assert waiting["action_executions"][0]["status"] == "WAITING_FOR_APPLY"
    status, _headers, body = api.patch(path, {"operation": "RETRY"})
    assert status == 400 and "retried" in body["errors"][0]["message"]
    status, _headers, applied = api.patch(path, {"operation": "APPLY",
                                                 "approve_action_id": waiting["action_executions"][0]["action_execution_id"]})
    assert status == 200 and applied["status"] in ("INPROGRESS", "SUCCESSFUL")
    assert wait_for(api, path, ("SUCCESSFUL",))["action_executions"][0]["status"] == "SUCCESSFUL"
    status, _headers, body = api.patch(path, {"operation": "NOPE"})
    assert status == 400 and "APPLY_VARIABLES" in body["errors"][0]["message"]
    assert PIPELINE in path
