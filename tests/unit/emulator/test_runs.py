# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's pipeline runs: the engine on a made-up clock, then the endpoints over HTTP."""

from __future__ import annotations

import time

import pytest

from emulator import buddy
from emulator import buddy_executions as runs
from emulator import buddy_sandboxes as sbx
from emulator import server
from conftest import PIPELINE
from emulator.config import Config
from emulator.core import ApiError

EXECUTIONS = PIPELINE + "/executions"
QUEUE = buddy.DEFAULT_SETTINGS["queue_delay"]
STEP = buddy.DEFAULT_SETTINGS["action_duration"]
BOOT = buddy.DEFAULT_SETTINGS["sandbox_boot"]

DOCKER_OK = {"name": "Build", "type": "RUN_DOCKER_CONTAINER", "docker_image_name": "ubuntu", "execute_commands": ["make"]}
DOCKER_FAIL = {"name": "Test", "type": "RUN_DOCKER_CONTAINER", "docker_image_name": "ubuntu",
               "execute_commands": ["make test", "exit 1", "never"]}
CREATE = {"name": "Create", "type": "SANDBOX_CREATE", "from": "SCRATCH",
          "spec": {"name": "Review $BUDDY_RUN_ID", "identifier": "review-$PR", "tags": ["review"], "apps": ["npm start"],
                   "endpoints": [{"name": "www", "endpoint": "80"}]}}


def make_state(actions, seed=None, **pipeline_fields):
    app = server.build_app(Config(base_url="http://emulator.test"))
    app.reset()
    app.apply_seed({"workspaces": {"acme": {"projects": {"website": {"pipelines": {"1": dict(pipeline_fields, actions=actions)}}}}}})
    if seed:
        app.apply_seed(seed)
    return app.state


def pipeline(state):
    return buddy.get_pipeline(state, "acme", "website", "1")


def start(state, body=None, now=0.0):
    return runs.create_run(state, "acme", "website", pipeline(state), body or {}, now)


def statuses(record):
    return [entry["status"] for entry in record["action_executions"]]


def finish(state, record, limit=100.0):
    """Advance in small steps until the run ends (bounded); returns the time it ended at."""
    now = 0.0
    while record["status"] not in runs.FINISHED:
        now += 0.05
        assert now < limit, "run did not end by t=%s: %r" % (limit, statuses(record))
        runs.advance(state, now)
    return now


def box(state, identifier):
    found = sbx.find_by_identifier(state, "acme", "website", identifier)
    assert found is not None, "no sandbox %r" % identifier
    return found


# --- the engine, on a made-up clock ------------------------------------------------------------------


def test_a_run_walks_the_actions_in_order_with_their_timing():
    state = make_state([DOCKER_OK, dict(DOCKER_OK, name="Package"), dict(DOCKER_OK, name="Ship")])
    record = start(state, {"to_revision": {"revision": "HEAD"}, "comment": "go"}, now=0.0)
    assert record["status"] == "ENQUEUED" and statuses(record) == ["INITIAL"] * 3
    runs.advance(state, QUEUE / 2)
    assert record["status"] == "ENQUEUED"
    runs.advance(state, QUEUE + 0.01)
    assert record["status"] == "INPROGRESS" and statuses(record) == ["INPROGRESS", "INITIAL", "INITIAL"]
    runs.advance(state, QUEUE + STEP + 0.01)
    assert statuses(record) == ["SUCCESSFUL", "INPROGRESS", "INITIAL"]
    runs.advance(state, QUEUE + 3 * STEP + 0.01)
    assert record["status"] == "SUCCESSFUL" and statuses(record) == ["SUCCESSFUL"] * 3
    assert record["start_date"] == buddy.iso(QUEUE)
    assert record["finish_date"] == buddy.iso(QUEUE + 3 * STEP)
    assert record["action_executions"][1]["start_date"] == buddy.iso(QUEUE + STEP)
    assert record["to_revision"]["revision"] != "HEAD" and len(record["to_revision"]["revision"]) == 40
    assert record["branch"] == {"name": "main"} and record["comment"] == "go"
    assert pipeline(state)["last_execution_status"] == "SUCCESSFUL"
    assert [action["last_execution_status"] for action in pipeline(state)["actions"]] == ["SUCCESSFUL"] * 3


def test_sleep_in_a_command_takes_that_long():
    state = make_state([dict(DOCKER_OK, execute_commands=["sleep 2", "make"])])
    record = start(state)
    runs.advance(state, QUEUE + STEP + 1.9)
    assert record["status"] == "INPROGRESS"
    runs.advance(state, QUEUE + STEP + 2.0)
    assert record["status"] == "SUCCESSFUL"


def test_exit_1_fails_the_action_and_the_run_and_runs_the_failure_section():
    state = make_state([
        DOCKER_OK, DOCKER_FAIL, dict(DOCKER_OK, name="Deploy"),
        dict(DOCKER_OK, name="Celebrate", trigger_time="ON_SUCCESS"),
        {"name": "Notify", "type": "SLACK", "trigger_time": "ON_FAILURE"},
        {"name": "On cancel", "type": "SLACK", "trigger_time": "ON_TERMINATE"},
        {"name": "Approve", "type": "SLACK", "trigger_time": "ON_WAIT_FOR_APPROVE"},
    ])
    record = start(state)
    finish(state, record)
    assert record["status"] == "FAILED"
    assert statuses(record) == ["SUCCESSFUL", "FAILED", "NOT_EXECUTED", "NOT_EXECUTED", "SUCCESSFUL", "NOT_EXECUTED",
                                "NOT_EXECUTED"]
    failed = record["action_executions"][1]
    assert failed["error_message"] == "Command 'exit 1' exited with code 1"
    assert failed["log"][:2] == ["$ make test", "$ exit 1"] and "$ never" not in failed["log"]
    assert pipeline(state)["last_execution_status"] == "FAILED"


def test_ignored_errors_leave_the_action_failed_and_the_run_successful():
    state = make_state([dict(DOCKER_FAIL, ignore_errors=True), DOCKER_OK,
                        dict(DOCKER_OK, name="Warn", trigger_time="ON_WARNING"),
                        dict(DOCKER_OK, name="Fix", trigger_time="ON_FAILURE")])
    record = start(state)
    finish(state, record)
    assert record["status"] == "SUCCESSFUL"
    assert statuses(record) == ["FAILED", "SUCCESSFUL", "SUCCESSFUL", "NOT_EXECUTED"]


def test_disabled_and_unselected_actions_are_skipped():
    state = make_state([DOCKER_OK, dict(DOCKER_OK, name="Off", disabled=True), dict(DOCKER_OK, name="Other")])
    record = start(state)
    finish(state, record)
    assert statuses(record) == ["SUCCESSFUL", "SKIPPED", "SUCCESSFUL"]
    ids = [action["id"] for action in pipeline(state)["actions"]]
    record = start(state, {"actions_to_run": [ids[2]]}, now=0.0)
    finish(state, record)
    assert statuses(record) == ["SKIPPED", "SKIPPED", "SUCCESSFUL"]


def test_back_to_success_runs_only_after_a_failed_run():
    state = make_state([dict(DOCKER_OK, execute_commands=["exit $CODE"]),
                        dict(DOCKER_OK, name="Recovered", trigger_time="ON_BACK_TO_SUCCESS")])
    first = start(state, {"variables": [{"key": "CODE", "value": "1"}]})
    finish(state, first)
    second = start(state, {"variables": [{"key": "CODE", "value": "0"}]})
    third = start(state, {"variables": [{"key": "CODE", "value": "0"}]})
    for record in (second, third):
        finish(state, record)
    assert first["status"] == "FAILED" and statuses(first) == ["FAILED", "NOT_EXECUTED"]
    assert "$ exit 1" in first["action_executions"][0]["log"]
    assert statuses(second) == ["SUCCESSFUL", "SUCCESSFUL"]
    assert statuses(third) == ["SUCCESSFUL", "NOT_EXECUTED"]


def test_runs_of_one_pipeline_queue_unless_concurrent():
    state = make_state([dict(DOCKER_OK, execute_commands=["sleep 1"])])
    first, second = start(state), start(state)
    runs.advance(state, QUEUE + 0.5)
    assert (first["status"], second["status"]) == ("INPROGRESS", "ENQUEUED")
    first_end = QUEUE + STEP + 1
    runs.advance(state, first_end + 0.01)
    assert (first["status"], second["status"]) == ("SUCCESSFUL", "INPROGRESS")
    assert second["start_date"] == buddy.iso(first_end)
    pipeline(state)["concurrent_pipeline_runs"] = True
    third, fourth = start(state, now=10.0), start(state, now=10.0)
    runs.advance(state, 10.0 + QUEUE + 0.01)
    assert (third["status"], fourth["status"]) == ("INPROGRESS", "INPROGRESS")


def test_sandbox_create_boots_a_sandbox_from_the_spec_with_variables_expanded():
    state = make_state([CREATE, DOCKER_OK])
    record = start(state, {"variables": [{"key": "PR", "value": "42"}]})
    runs.advance(state, QUEUE + 0.01)
    created = box(state, "review-42")
    assert created["name"] == "Review %d" % record["id"]
    assert created["status"] == "STARTING" and created["setup_status"] == "INPROGRESS"
    assert statuses(record) == ["INPROGRESS", "INITIAL"]
    runs.advance(state, QUEUE + BOOT + 0.01)
    assert created["status"] == "RUNNING" and created["setup_status"] == "SUCCESS"
    assert sbx.app_status(created) == "RUNNING"
    assert created["endpoints"][0]["endpoint_url"] == "https://www-review-42.sandbox.emulator.local"
    assert statuses(record) == ["SUCCESSFUL", "INPROGRESS"]


def test_sandbox_create_fails_when_it_exists_unless_asked_to_update():
    seed = {"sandboxes": [{"workspace": "acme", "project_name": "website", "name": "Old", "identifier": "review-1",
                           "tags": ["old"]}]}
    state = make_state([dict(CREATE, spec=dict(CREATE["spec"], identifier="review-1"))], seed=seed)
    record = start(state)
    finish(state, record)
    assert record["status"] == "FAILED"
    assert "already exists" in record["action_executions"][0]["error_message"]
    assert box(state, "review-1")["tags"] == ["old"]
    state = make_state([dict(CREATE, update_if_exists=True, spec=dict(CREATE["spec"], identifier="review-1"))], seed=seed)
    record = start(state)
    finish(state, record)
    assert record["status"] == "SUCCESSFUL"
    assert box(state, "review-1")["tags"] == ["review"] and len(sbx.sandboxes(state)) == 1


def test_failing_first_boot_commands_fail_the_create_action():
    state = make_state([dict(CREATE, spec=dict(CREATE["spec"], first_boot_commands="apt-get update\nexit 1"))])
    record = start(state, {"variables": [{"key": "PR", "value": "9"}]})
    finish(state, record)
    assert record["status"] == "FAILED"
    assert box(state, "review-9")["setup_status"] == "FAILED"
    assert "setup failed" in record["action_executions"][0]["error_message"]


def test_sandbox_manage_operations_by_identifier_and_by_tag():
    seed = {"sandboxes": [
        {"workspace": "acme", "project_name": "website", "name": "A", "identifier": "a", "tags": ["review", "x"], "apps": ["run"]},
        {"workspace": "acme", "project_name": "website", "name": "B", "identifier": "b", "tags": ["review"]},
        {"workspace": "acme", "project_name": "other", "name": "A elsewhere", "identifier": "a"},
    ]}
    manage = {"type": "SANDBOX_MANAGE"}
    state = make_state([
        dict(manage, name="Stop apps", operation="APP_STOP", targets=[{"identifier": "a", "type": "MATCH", "scope": "PROJECT"}]),
        dict(manage, name="Snapshot", operation="CREATE_SNAPSHOT", snapshot_name="nightly-$BUDDY_RUN_ID-$UNKNOWN",
             targets=[{"type": "TAG", "tags": ["review", "x"]}]),
        dict(manage, name="Stop all", operation="STOP", targets=[{"type": "TAG", "tags": ["review"]}]),
    ], seed=seed)
    record = start(state)
    finish(state, record)
    assert record["status"] == "SUCCESSFUL", record["action_executions"]
    first = box(state, "a")
    assert first["apps"][0]["app_status"] == "NONE"  # ENDED by APP_STOP, then NONE once stopped
    assert [snapshot["name"] for snapshot in first["snapshots"]] == ["nightly-%d-$UNKNOWN" % record["id"]]
    assert first["snapshots"][0]["status"] == "CREATED"
    assert box(state, "b")["snapshots"] == []
    assert (first["status"], box(state, "b")["status"]) == ("STOPPED", "STOPPED")
    other = sbx.find_by_identifier(state, "acme", "other", "a")
    assert other["status"] == "RUNNING"


def test_sandbox_manage_start_delete_and_no_match():
    seed = {"sandboxes": [{"workspace": "acme", "project_name": "website", "name": "S", "identifier": "s", "status": "STOPPED"}]}
    manage = {"type": "SANDBOX_MANAGE"}
    state = make_state([dict(manage, name="Start", operation="START", targets=[{"identifier": "s"}])], seed=seed)
    record = start(state)
    runs.advance(state, QUEUE + 0.01)
    assert box(state, "s")["status"] == "STARTING"
    finish(state, record)
    assert box(state, "s")["status"] == "RUNNING" and record["status"] == "SUCCESSFUL"
    state = make_state([dict(manage, name="App", operation="APP_START", targets=[{"identifier": "s"}]),
                        dict(manage, name="Delete", operation="DELETE", targets=[{"identifier": "s"}])], seed=seed)
    record = start(state)
    finish(state, record)
    assert statuses(record) == ["FAILED", "NOT_EXECUTED"]
    assert "is not running (STOPPED)" in record["action_executions"][0]["error_message"]
    state = make_state([dict(manage, name="Delete", operation="DELETE", targets=[{"identifier": "s"}]),
                        dict(manage, name="Delete again", operation="DELETE", targets=[{"identifier": "s"}])], seed=seed)
    record = start(state)
    finish(state, record)
    assert statuses(record) == ["SUCCESSFUL", "FAILED"]
    assert sbx.sandboxes(state) == {}
    assert record["action_executions"][1]["error_message"] == "No sandbox matches the action's targets"


def test_sandbox_create_from_a_snapshot_and_from_a_sandbox():
    seed = {"sandboxes": [{"workspace": "acme", "project_name": "website", "name": "Base", "identifier": "base",
                           "tags": ["golden"], "snapshots": ["golden-1"]}]}
    state = make_state([
        {"name": "From snapshot", "type": "SANDBOX_CREATE", "from": "SNAPSHOT", "snapshot_name": "golden-1",
         "spec": {"identifier": "restored"}},
        {"name": "From sandbox", "type": "SANDBOX_CREATE", "from": "SANDBOX", "sandbox_identifier": "base"},
        {"name": "Missing", "type": "SANDBOX_CREATE", "from": "SNAPSHOT", "snapshot_name": "nope"},
    ], seed=seed)
    record = start(state)
    runs.advance(state, QUEUE + 0.01)
    assert box(state, "restored")["status"] == "RESTORING"
    finish(state, record)
    assert statuses(record) == ["SUCCESSFUL", "SUCCESSFUL", "FAILED"]
    restored, copied = box(state, "restored"), box(state, "base-%d" % record["id"])
    assert restored["tags"] == ["golden"] and restored["snapshot_id"] == box(state, "base")["snapshots"][0]["id"]
    assert copied["source_sandbox_id"] == box(state, "base")["id"] and copied["status"] == "RUNNING"
    assert "Snapshot 'nope' not found" in record["action_executions"][2]["error_message"]


def test_cancel_terminates_the_running_action_and_runs_on_terminate_actions():
    seed = {"sandboxes": [{"workspace": "acme", "project_name": "website", "name": "S", "identifier": "s"}]}
    state = make_state([
        DOCKER_OK, dict(DOCKER_OK, name="Long", execute_commands=["sleep 30"]), dict(DOCKER_OK, name="Later"),
        {"name": "Stop sandbox", "type": "SANDBOX_MANAGE", "operation": "STOP", "trigger_time": "ON_TERMINATE",
         "targets": [{"identifier": "s"}]},
        dict(DOCKER_OK, name="On failure", trigger_time="ON_FAILURE"),
    ], seed=seed)
    record = start(state)
    runs.advance(state, QUEUE + STEP + 1.0)
    assert statuses(record)[:2] == ["SUCCESSFUL", "INPROGRESS"]
    runs.cancel_run(state, record, QUEUE + STEP + 1.0)
    assert record["status"] == "TERMINATED" and record["finish_date"] == buddy.iso(QUEUE + STEP + 1.0)
    assert statuses(record) == ["SUCCESSFUL", "TERMINATED", "NOT_EXECUTED", "SUCCESSFUL", "NOT_EXECUTED"]
    runs.advance(state, QUEUE + STEP + 5.0)
    assert box(state, "s")["status"] == "STOPPED"
    with pytest.raises(ApiError) as caught:
        runs.cancel_run(state, record, 50.0)
    assert caught.value.status == 400 and "already finished (TERMINATED)" in caught.value.message


def test_cancel_of_a_queued_run():
    state = make_state([DOCKER_OK])
    record = start(state)
    runs.cancel_run(state, record, 0.01)
    assert record["status"] == "TERMINATED" and statuses(record) == ["NOT_EXECUTED"]


def test_encrypted_run_variables_are_stored_encrypted_with_the_plain_value_kept_private():
    state = make_state([DOCKER_OK])
    record = start(state, {"variables": [{"key": "S", "value": "hush", "encrypted": True}, {"key": "P", "value": "p"}]})
    assert record["variables"][0]["value"].startswith("secure!") and record["variables"][1]["value"] == "p"
    assert state.secrets("executions", str(record["id"])) == {"S": "hush"}
    assert runs.expand("x-$S-${P}", record, state) == "x-hush-p"


@pytest.mark.parametrize("body, words", [
    ({"to_revision": "HEAD"}, "to_revision"),
    ({"branch": {"name": "a"}, "tag": {"name": "b"}}, "can't be used together"),
    ({"priority": "URGENT"}, "priority"),
    ({"refresh": "yes"}, "refresh"),
    ({"variables": [{"value": "x"}]}, "variables[0].key"),
    ({"actions_to_run": [999999]}, "not found"),
    ({"actions_to_run": []}, "actions_to_run"),
    ({"surprise": 1}, "Unknown field"),
])
def test_bad_run_requests_are_refused(body, words):
    state = make_state([DOCKER_OK])
    with pytest.raises(ApiError) as caught:
        start(state, body)
    assert caught.value.status == 400 and words in caught.value.message
    assert runs.executions(state) == {}


def test_a_pipeline_without_actions_or_disabled_is_refused():
    state = make_state([])
    with pytest.raises(ApiError) as caught:
        start(state)
    assert "no actions" in caught.value.message
    state = make_state([DOCKER_OK], disabled=True)
    with pytest.raises(ApiError) as caught:
        start(state)
    assert "disabled" in caught.value.message


# --- the endpoints, over HTTP ---------------------------------------------------------------------------


# A bound on a poll of the emulator's state that a busy machine never reaches when the emulator works
# (an attempt count would turn into a shorter wait on a slower machine).
BOUND = 120.0


def wait_for(api, path, statuses_wanted):
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        status, _headers, body = api.get(path)
        assert status == 200, body
        if body["status"] in statuses_wanted:
            return body
        time.sleep(0.05)
    raise AssertionError("%s never reached %s" % (path, statuses_wanted))


def test_run_poll_and_list_over_http(api, control):
    control.seed_actions("acme", "website", 1, [DOCKER_OK, CREATE])
    status, _headers, started = api.post(EXECUTIONS, {"to_revision": {"revision": "HEAD"}, "comment": "http",
                                                      "variables": [{"key": "PR", "value": "7"},
                                                                    {"key": "TOKEN", "value": "plain-secret", "encrypted": True}]})
    assert status == 200 and started["status"] == "ENQUEUED"
    assert started["url"].endswith(EXECUTIONS + "/%d" % started["id"]) and started["html_url"]
    assert started["creator"]["name"] and started["pipeline"]["id"] == 1
    assert "plain-secret" not in str(started)
    finished = wait_for(api, EXECUTIONS + "/%d" % started["id"], ("SUCCESSFUL", "FAILED"))
    assert finished["status"] == "SUCCESSFUL", finished
    assert [entry["action"]["name"] for entry in finished["action_executions"]] == ["Build", "Create"]
    assert finished["action_executions"][1]["action"]["url"].endswith("/actions/%d" % finished["action_executions"][1]["action"]["id"])
    assert [item["identifier"] for item in control.state()["sandboxes"].values()] == ["review-7"]
    api.post(EXECUTIONS, {})
    status, _headers, listing = api.get(EXECUTIONS)
    assert status == 200 and [item["id"] for item in listing["executions"]] == [started["id"] + 1, started["id"]]
    assert listing["total_element_count"] == 2


def test_state_moves_on_without_requests(api, control):
    control.seed_actions("acme", "website", 1, [CREATE])
    status, _headers, started = api.post(EXECUTIONS, {"variables": [{"key": "PR", "value": "1"}]})
    assert status == 200
    deadline = time.monotonic() + BOUND
    while True:
        record = control.state()["executions"][str(started["id"])]
        if record["status"] == "SUCCESSFUL" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert record["status"] == "SUCCESSFUL"
    assert [item["status"] for item in control.state()["sandboxes"].values()] == ["RUNNING"]
    assert control.count(method="GET", path="/executions/") == 0


def test_cancel_over_http(api, control):
    control.seed_actions("acme", "website", 1, [dict(DOCKER_OK, execute_commands=["sleep 60"])])
    status, _headers, started = api.post(EXECUTIONS, {})
    path = EXECUTIONS + "/%d" % started["id"]
    wait_for(api, path, ("INPROGRESS",))
    status, _headers, cancelled = api.patch(path, {"operation": "CANCEL"})
    assert status == 200 and cancelled["status"] == "TERMINATED"
    assert cancelled["action_executions"][0]["status"] == "TERMINATED"
    status, _headers, body = api.patch(path, {"operation": "CANCEL"})
    assert status == 400 and "already finished" in body["errors"][0]["message"]
    status, _headers, body = api.patch(path, {"operation": "RUN_DELAYED"})
    assert status == 400 and "not supported" in body["errors"][0]["message"]


def test_http_errors(api, control):
    control.seed_actions("acme", "website", 1, [DOCKER_OK])
    assert api.get(EXECUTIONS + "/999")[0] == 404
    assert api.get(EXECUTIONS + "/abc")[0] == 404
    assert api.get("/workspaces/acme/projects/website/pipelines/99/executions/1")[0] == 404
    status, _headers, body = api.post(EXECUTIONS, {"priority": "SOON"})
    assert status == 400 and "priority" in body["errors"][0]["message"]
    assert api.post(EXECUTIONS, {}, token="wrong")[0] == 401
    assert api.post(EXECUTIONS, {}, token="emulator-readonly-token")[0] == 403
    assert control.state()["executions"] == {}


def test_faults_apply_to_runs_and_a_hung_post_still_starts_the_run(api, control):
    control.seed_actions("acme", "website", 1, [DOCKER_OK])
    control.add_fault(kind="hang_after_commit", method="POST", path="/executions$", delay=1)
    with pytest.raises(Exception):
        api.post(EXECUTIONS, {}, timeout=0.3)
    assert len(control.state()["executions"]) == 1
    control.add_fault(kind="status", status=503, method="POST", path="/executions$")
    assert api.post(EXECUTIONS, {})[0] == 503
    assert len(control.state()["executions"]) == 1


def test_run_settings_seed_changes_the_timing(control):
    with pytest.raises(Exception) as caught:
        control.seed({"run_settings": {"action_duration": -1}})
    assert "run_settings" in str(caught.value)
    control.seed({"run_settings": {"action_duration": 1.5}})
    assert control.state()["run_settings"]["action_duration"] == 1.5
