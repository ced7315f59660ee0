# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Emulator BlinkOps routes: execute (async / sync / cap), executions, cancel, workflows, seeds, faults."""

from __future__ import annotations

import json
import socket
from urllib.parse import quote

import pytest

from emulator import blink_executions
from emulator.control import BLINK_API_KEY, BLINK_READONLY_KEY, EmulatorError

ROOT = "/api/v1/workspace/ws-t"
KEY_HEADER = {"BLINK-API-KEY": BLINK_API_KEY}

SEED = {"blink": {
    "settings": {"sync_cap": 0.3},
    "workspaces": {"ws-t": {"workflows": [
        {"id": "done", "name": "Done", "behaviour": {"kind": "complete", "output": {"ok": True}, "echo_inputs": True}},
        {"id": "broken", "name": "Broken", "behaviour": {"kind": "fail", "fail_step": "scan", "message": "bad"}},
        {"id": "long", "name": "Long", "behaviour": {"kind": "run", "seconds": 60, "output": {"late": 1}}},
        {"id": "limit", "name": "Limit", "behaviour": {"kind": "timeout", "seconds": 0}},
        {"id": "strict", "name": "Strict", "required_inputs": ["target"]},
    ]}},
}}


def blink(api, method, path, body=None, key=BLINK_API_KEY, **kwargs):
    headers = {"BLINK-API-KEY": key} if key is not None else {}
    return api.call(method, path, body=body, token=None, headers=headers, **kwargs)


def q(query):
    return "?q=" + quote(json.dumps(query))


@pytest.fixture
def seeded(api, control):
    control.reset(dict(SEED))
    return api


def test_default_seed_has_a_workspace_with_workflows(api):
    status, _headers, body = blink(api, "GET", "/api/v1/workspace/ws-emulator/playbooks")
    assert status == 200 and body["total"] >= 3
    assert {"wf-notify", "wf-scan", "wf-approval"} <= set(item["id"] for item in body["results"])


def test_async_execute_answers_the_execution_id_and_records_the_request(seeded, control):
    body = {"input_values": {"target": "web-1"}, "runner": "r1", "trigger_type": "api",
            "callback": {"url": "https://hook.test", "disableSSL": True, "excludeDefaultMetadata": True}}
    status, _headers, answer = blink(seeded, "POST", ROOT + "/playbooks/done/execute", body)
    assert status == 200 and set(answer) == {"execution_id"}
    status, _headers, record = blink(seeded, "GET", ROOT + "/executions/" + answer["execution_id"])
    assert status == 200 and record["state"] == "Completed" and record["state_ui"] == "Completed"
    assert "output" not in record  # the public record: output only through the steps
    assert record["inputs"] == {"target": "web-1"} and record["runner"] == "r1"
    assert record["callback"] == body["callback"]
    assert isinstance(record["started_at"], int) and record["started_at"] > 1e12
    assert record["finished_at"] >= record["started_at"] and not any(key.startswith("_") for key in record)
    executions = control.state()["blink"]["workspaces"]["ws-t"]["executions"]
    assert list(executions) == [answer["execution_id"]]
    logged = control.find(method="POST", path=r"/execute$")
    assert len(logged) == 1 and logged[0]["body"] == body and logged[0]["auth"] == "blink-key"
    assert BLINK_API_KEY not in json.dumps(control.requests())


def test_sync_execute_answers_the_output(seeded):
    status, _headers, answer = blink(seeded, "POST", ROOT + "/playbooks/done/execute?run_sync=true&timeout=5",
                                     {"input_values": {"a": 1}})
    assert status == 200 and answer == {"ok": True, "inputs": {"a": 1}}


def test_sync_execute_of_a_failing_workflow_is_an_error_in_blink_shape(seeded, control):
    status, _headers, answer = blink(seeded, "POST", ROOT + "/playbooks/broken/execute?run_sync=true&timeout=5", {})
    assert status == 400
    assert answer == {"status": 400, "message": "Workflow execution failed: Step 'scan' failed: bad"}
    record = list(control.state()["blink"]["workspaces"]["ws-t"]["executions"].values())[0]
    assert record["state"] == "Failed"
    assert record["error_details"] == {"message": "Step 'scan' failed: bad", "error_code": "STEP_FAILED", "step": "scan"}


def test_timeout_behaviour_ends_in_timeout(seeded):
    status, _headers, answer = blink(seeded, "POST", ROOT + "/playbooks/limit/execute", {})
    status, _headers, record = blink(seeded, "GET", ROOT + "/executions/" + answer["execution_id"])
    assert record["state"] == "Timeout" and record["error_details"]["error_code"] == "EXECUTION_TIMEOUT"


def test_sync_execute_past_the_cap_answers_only_the_execution_id(seeded):
    status, _headers, answer = blink(seeded, "POST", ROOT + "/playbooks/long/execute?run_sync=true&timeout=30", {})
    assert status == 200 and set(answer) == {"execution_id"}
    status, _headers, record = blink(seeded, "GET", ROOT + "/executions/" + answer["execution_id"])
    assert record["state"] == "Running" and record["state_ui"] == "Running" and record["finished_at"] is None


def test_sync_execute_past_the_cap_can_answer_an_error_instead(seeded, control):
    control.seed({"blink": {"settings": {"sync_timeout_answer": "error", "sync_timeout_status": 504}}})
    status, _headers, answer = blink(seeded, "POST", ROOT + "/playbooks/long/execute?run_sync=true&timeout=30", {})
    assert status == 504 and answer["status"] == 504 and "Timed out" in answer["message"]
    assert len(control.state()["blink"]["workspaces"]["ws-t"]["executions"]) == 1


def test_cancel_a_running_execution_then_400_then_404(seeded):
    _status, _headers, answer = blink(seeded, "POST", ROOT + "/playbooks/long/execute", {})
    path = ROOT + "/executions/%s/cancel" % answer["execution_id"]
    status, _headers, body = blink(seeded, "POST", path, {})
    assert status == 200 and body == "Execution %s cancelled" % answer["execution_id"]
    status, _headers, record = blink(seeded, "GET", ROOT + "/executions/" + answer["execution_id"])
    assert record["state"] == "Cancelled" and record["finished_at"] is not None
    status, _headers, body = blink(seeded, "POST", path, {})
    assert status == 400 and "not running" in body["message"]
    status, _headers, body = blink(seeded, "POST", ROOT + "/executions/nope/cancel", {})
    assert status == 404 and body == {"status": 404, "message": "Execution nope not found"}


def test_list_executions_with_an_rql_filter_sort_and_paging(seeded, control):
    control.seed({"blink": {"workspaces": {"ws-t": {"executions": [
        {"id": "old", "playbook_id": "done", "started_ago": 300, "inputs": {"n": 1}},
        {"id": "mid", "playbook_id": "done", "started_ago": 200, "state": "Failed",
         "error_details": {"message": "x", "error_code": "E"}},
        {"id": "new", "playbook_id": "done", "started_ago": 100},
        {"id": "elsewhere", "playbook_id": "broken", "started_ago": 50},
    ]}}}})
    query = {"filter": {"playbook_id": {"$eq": "done"}}, "sort": ["-started_at"], "limit": 2}
    status, _headers, body = blink(seeded, "GET", ROOT + "/executions" + q(query))
    assert status == 200 and body["total"] == 3 and body["limit"] == 2 and body["offset"] == 0
    assert [item["id"] for item in body["results"]] == ["new", "mid"]
    assert body["results"][1]["state"] == "Failed"
    query["offset"] = 2
    _status, _headers, body = blink(seeded, "GET", ROOT + "/executions" + q(query))
    assert [item["id"] for item in body["results"]] == ["old"] and "inputs" not in body["results"][0]
    _status, _headers, body = blink(seeded, "GET", ROOT + "/executions" + q({"filter": {"state": {"$in": ["Failed"]}}}))
    assert [item["id"] for item in body["results"]] == ["mid"]


@pytest.mark.parametrize("raw, message", [
    ("not-json", "not valid JSON"),
    ('["x"]', "must be a JSON object"),
    ('{"filter": {"state": {"$regex": "x"}}}', "Unsupported RQL operator"),
    ('{"limit": 0}', "limit"),
])
def test_bad_rql_is_a_400(seeded, raw, message):
    status, _headers, body = blink(seeded, "GET", ROOT + "/executions?q=" + quote(raw))
    assert status == 400 and message in body["message"]


def test_list_workflows_with_a_name_filter(seeded):
    status, _headers, body = blink(seeded, "GET", ROOT + "/playbooks" + q({"filter": {"name": {"$eq": "Long"}}}))
    assert status == 200 and body["results"] == [{"id": "long", "name": "Long", "description": "", "active": True}]
    status, _headers, body = blink(seeded, "GET", ROOT + "/playbooks/long")
    assert status == 200 and body["id"] == "long"


def test_unknown_workflow_workspace_and_bad_bodies(seeded):
    status, _headers, body = blink(seeded, "POST", ROOT + "/playbooks/nope/execute", {})
    assert status == 404 and body == {"status": 404, "message": "Playbook nope not found in workspace ws-t"}
    status, _headers, body = blink(seeded, "POST", "/api/v1/workspace/other/playbooks/done/execute", {})
    assert status == 404 and "Workspace other" in body["message"]
    status, _headers, body = blink(seeded, "POST", ROOT + "/playbooks/done/execute", {"inputs": {}})
    assert status == 400 and "inputs" in body["message"]
    status, _headers, body = blink(seeded, "POST", ROOT + "/playbooks/done/execute", {"callback": {"disable_ssl": True}})
    assert status == 400 and "disable_ssl" in body["message"]
    status, _headers, body = blink(seeded, "POST", ROOT + "/playbooks/strict/execute", {"input_values": {}})
    assert status == 400 and "target" in body["message"]


def test_auth_key_header_viewer_role(seeded):
    status, _headers, body = blink(seeded, "GET", ROOT + "/playbooks", key=None)
    assert status == 401 and body["status"] == 401
    status, _headers, body = blink(seeded, "GET", ROOT + "/playbooks", key="wrong")
    assert status == 401 and body == {"status": 401, "message": "Invalid or expired API key"}
    status, _headers, _body = blink(seeded, "GET", ROOT + "/playbooks", key=BLINK_READONLY_KEY)
    assert status == 200
    status, _headers, body = blink(seeded, "POST", ROOT + "/playbooks/done/execute", {}, key=BLINK_READONLY_KEY)
    assert status == 403 and body["status"] == 403
    status, _headers, _body = seeded.call("GET", ROOT + "/playbooks", headers={"Authorization": "Bearer " + BLINK_API_KEY})
    assert status == 401


def test_bad_seeds_are_refused(control):
    for seed in ({"blink": {"nope": 1}}, {"blink": {"settings": {"nope": 1}}},
                 {"blink": {"workspaces": {"w": {"workflows": [{"id": "x", "behaviour": {"kind": "explode"}}]}}}},
                 {"blink": {"workspaces": {"w": {"workflows": [{"name": "no id"}]}}}},
                 {"blink": {"workspaces": {"w": {"executions": [{"id": "e"}]}}}}):
        with pytest.raises(EmulatorError):
            control.reset(seed)


def test_workflows_may_be_seeded_keyed_by_id(api, control):
    control.reset({"blink": {"workspaces": {"w": {"workflows": {"a": {"name": "A"}}}}}})
    status, _headers, body = blink(api, "GET", "/api/v1/workspace/w/playbooks")
    assert status == 200 and body["results"][0]["id"] == "a"


def test_hang_after_commit_on_execute_leaves_exactly_one_execution(seeded, control):
    control.add_fault(kind="hang_after_commit", method="POST", path=r"/execute$", delay=2)
    with pytest.raises((socket.timeout, OSError)):
        blink(seeded, "POST", ROOT + "/playbooks/done/execute", {}, timeout=0.5)
    assert len(control.state()["blink"]["workspaces"]["ws-t"]["executions"]) == 1
    logged = control.find(method="POST", path=r"/execute$")
    assert len(logged) == 1 and logged[0]["fault"] == "hang_after_commit" and logged[0]["status"] == 200


def test_status_fault_uses_the_blink_error_shape(seeded, control):
    control.add_fault(kind="status", status=503, method="POST", path=r"/execute$")
    status, _headers, body = blink(seeded, "POST", ROOT + "/playbooks/done/execute", {})
    assert status == 503 and body == {"status": 503, "message": "Service Unavailable"}
    assert control.state()["blink"]["workspaces"]["ws-t"]["executions"] == {}


def test_advance_follows_the_behaviour_and_the_clock():
    base = 1_000_000
    running = blink_executions._new_execution("e", "w", "wf", {"behaviour": {"kind": "run", "seconds": 5, "output": {"o": 1}}},
                                              {"i": 1}, {}, base)
    blink_executions.advance(running, base + 4999)
    assert running["state"] == "Running" and running["_output"] is None and running["_steps"] == []
    blink_executions.advance(running, base + 5000)
    assert running["state"] == "Completed" and running["_output"] == {"o": 1}
    assert [(step["step_id"], step["state"], step["output_data"]) for step in running["_steps"]] == [
        ("finish", "Completed", {"o": 1})]
    assert running["finished_at"] == base + 5000 and running["duration"] == 5000
    failing = blink_executions._new_execution("f", "w", "wf", {"behaviour": {"kind": "fail", "seconds": 1}}, {}, {}, base)
    blink_executions.advance(failing, base + 10000)
    assert failing["state"] == "Failed" and failing["finished_at"] == base + 1000
    assert failing["error_details"]["error_code"] == "STEP_FAILED"
    assert [(step["step_id"], step["state"]) for step in failing["_steps"]] == [("step-1", "Failed")]


def test_sync_call_waits_for_a_short_run_and_answers_its_output(seeded, control):
    control.seed({"blink": {"settings": {"sync_cap": 10}, "workspaces": {"ws-t": {"workflows": [
        {"id": "short", "behaviour": {"kind": "run", "seconds": 0.2, "output": {"done": 1}}}]}}}})
    status, _headers, body = blink(seeded, "POST", ROOT + "/playbooks/short/execute?run_sync=true&timeout=10", {})
    assert status == 200 and body == {"done": 1}
    record = list(control.state()["blink"]["workspaces"]["ws-t"]["executions"].values())[0]
    assert record["state"] == "Completed" and record["duration"] == 200


def steps(api, execution_id):
    status, _headers, body = blink(api, "GET", ROOT + "/executions/%s/steps" % execution_id)
    assert status == 200 and set(body) == {"limit", "offset", "total", "results"}
    return body["results"]


def start(api, workflow, body=None):
    _status, _headers, answer = blink(api, "POST", ROOT + "/playbooks/%s/execute" % workflow, body or {})
    return answer["execution_id"]


def read(api, execution_id):
    return blink(api, "GET", ROOT + "/executions/" + execution_id)[2]


def test_output_is_the_last_completed_steps_output_data_as_json_text_by_default(seeded, control):
    execution_id = start(seeded, "done", {"input_values": {"a": 1}})
    (step,) = steps(seeded, execution_id)
    assert step["state"] == "Completed" and step["execution_id"] == execution_id and step["error_data"] is None
    assert json.loads(step["output_data"]) == {"ok": True, "inputs": {"a": 1}}
    control.seed({"blink": {"settings": {"output_data": "json"}}})
    assert steps(seeded, execution_id)[0]["output_data"] == {"ok": True, "inputs": {"a": 1}}


def test_switches_put_output_in_the_record_and_inputs_in_list_entries(seeded, control):
    execution_id = start(seeded, "done", {"input_values": {"a": 1}, "callback": {"url": "https://h.test"}})
    _status, _headers, listed = blink(seeded, "GET", ROOT + "/executions")
    assert not {"inputs", "event", "callback", "output"} & set(listed["results"][0])
    control.seed({"blink": {"settings": {"list_inputs": True, "record_output": True}}})
    _status, _headers, listed = blink(seeded, "GET", ROOT + "/executions")
    assert listed["results"][0]["inputs"] == {"a": 1} and listed["results"][0]["callback"] == {"url": "https://h.test"}
    assert read(seeded, execution_id)["output"] == {"ok": True, "inputs": {"a": 1}}


def test_state_keys_switch(seeded, control):
    execution_id = start(seeded, "limit")
    record = read(seeded, execution_id)
    assert record["state"] == "Timeout" and record["state_ui"] == "Timeout"
    control.seed({"blink": {"settings": {"state_keys": "state_only"}}})
    record = read(seeded, execution_id)
    assert record["state"] == "Timeout" and "state_ui" not in record
    control.seed({"blink": {"settings": {"state_keys": "raw_state"}}})
    record = read(seeded, execution_id)
    assert record["state"] == "expired" and record["state_ui"] == "Timeout"


def test_a_step_clock_workflow_ends_on_its_nth_read_only(seeded, control):
    control.seed({"blink": {"workspaces": {"ws-t": {"workflows": [
        {"id": "two-reads", "behaviour": {"kind": "complete", "reads": 2, "output": {"n": 2},
                                          "steps": [{"step_id": "prepare", "output": "ready"}]}}]}}}})
    execution_id = start(seeded, "two-reads")
    _status, _headers, listed = blink(seeded, "GET", ROOT + "/executions")
    assert listed["results"][0]["state"] == "Running" and steps(seeded, execution_id) == []
    assert read(seeded, execution_id)["state"] == "Running"
    assert read(seeded, execution_id)["state"] == "Completed"
    assert [(step["step_id"], step["output_data"]) for step in steps(seeded, execution_id)] == [
        ("prepare", "ready"), ("finish", '{"n": 2}')]


def test_a_held_workflow_runs_until_released_and_a_pause_waits_for_a_person(seeded, control):
    emulator_url = control.url
    control.seed({"blink": {"workspaces": {"ws-t": {"workflows": [
        {"id": "held", "behaviour": {"kind": "fail", "until": "release", "fail_step": "check", "message": "no"}},
        {"id": "form", "behaviour": {"kind": "pause", "output": {"approved": True}}}]}}}})
    held, form = start(seeded, "held"), start(seeded, "form")
    assert read(seeded, held)["state"] == "Running"
    assert blink_executions.release_call(emulator_url, "ws-t", execution_id=held) == [held]
    assert read(seeded, held)["state"] == "Failed"
    record = read(seeded, form)
    assert record["state"] == "Paused" and record["state_ui"] == "Paused" and record["finished_at"] is None
    assert [step["state"] for step in steps(seeded, form)] == ["Paused"]
    assert blink_executions.release_call(emulator_url, "ws-t", workflow_id="form") == [form]
    assert read(seeded, form)["state"] == "Completed"
    assert [step["state"] for step in steps(seeded, form)] == ["Completed", "Completed"]
    assert blink_executions.release_call(emulator_url, "ws-t", workflow_id="form") == []
    assert control.find(path=r"/_emulator") == []  # control calls are never logged


def test_a_paused_sync_run_is_not_the_end_and_can_be_cancelled(seeded, control):
    control.seed({"blink": {"workspaces": {"ws-t": {"workflows": [{"id": "form", "behaviour": {"kind": "pause"}}]}}}})
    status, _headers, answer = blink(seeded, "POST", ROOT + "/playbooks/form/execute?run_sync=true&timeout=5", {})
    assert status == 200 and set(answer) == {"execution_id"}
    control.seed({"blink": {"settings": {"cancel_status": 202}}})
    status, _headers, _body = blink(seeded, "POST", ROOT + "/executions/%s/cancel" % answer["execution_id"], {})
    assert status == 202 and read(seeded, answer["execution_id"])["state"] == "Cancelled"


@pytest.mark.parametrize("setting", [{"output_data": "xml"}, {"state_keys": "none"}, {"cancel_status": 201},
                                     {"list_inputs": "yes"}])
def test_bad_settings_are_refused(control, setting):
    with pytest.raises(EmulatorError):
        control.reset({"blink": {"settings": setting}})


def test_seeded_executions_have_steps(seeded, control):
    control.seed({"blink": {"workspaces": {"ws-t": {"executions": [
        {"id": "ok", "playbook_id": "done", "output": {"v": 1}},
        {"id": "bad", "playbook_id": "broken", "state": "Failed", "output": {"partial": 1},
         "error_details": {"message": "x", "error_code": "E"}},
        {"id": "wait", "playbook_id": "done", "state": "Paused"}]}}}})
    assert [(s["state"], s["output_data"]) for s in steps(seeded, "ok")] == [("Completed", '{"v": 1}')]
    assert [(s["state"], s["output_data"]) for s in steps(seeded, "bad")] == [("Completed", '{"partial": 1}'),
                                                                              ("Failed", None)]
    assert read(seeded, "wait")["state"] == "Paused"
