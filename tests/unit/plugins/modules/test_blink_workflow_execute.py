# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""blink_workflow_execute as Ansible runs it: documentation, options, check mode, dedupe, secrets.

``main()`` runs for real (AnsibleModule parses the arguments); the client is the real
BlinkClient over a scripted HTTP session with a fake clock, so every request is recorded.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
import yaml

from ansible_collections.opsflow.pipelines.plugins.doc_fragments._blink import ModuleDocFragment as BlinkFragment
from ansible_collections.opsflow.pipelines.plugins.modules import blink_workflow_execute

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import FakeRaw, request_paths
from ansible_collections.opsflow.pipelines.tests.unit.module_runner import compare_spec, module_doc, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__blink_executions import (
    EXECUTE,
    EXECUTIONS,
    KEY,
    T0,
    entry,
    execution,
    listing,
    make_client,
    rql,
    step,
    steps,
)

BASE = dict(api_key=KEY, api_url="https://app.blinkops.test", workspace_id="ws-1", workflow_id="wf-1")


def run_module(module, client, capsys, base=None, **args):
    """Run module.main() with ``base`` (default BASE) and ``args``; the parsed JSON result and the raw output."""
    return run_main(module, module.BlinkExecutionsClient, client, capsys, dict(BASE if base is None else base, **args))


def test_documentation_matches_the_argument_spec_and_the_contract():
    doc = yaml.safe_load(blink_workflow_execute.DOCUMENTATION)
    compare_spec(blink_workflow_execute.SPEC.argument_spec, module_doc(blink_workflow_execute)["options"])
    connection = yaml.safe_load(BlinkFragment.DOCUMENTATION)["options"]
    assert not set(doc["options"]) & set(connection)
    assert doc["version_added"] == "0.1.0"
    assert "opsflow.pipelines._attributes.BLINK" in doc["extends_documentation_fragment"]
    assert "opsflow.pipelines._blink" in doc["extends_documentation_fragment"]
    options = blink_workflow_execute.SPEC.argument_spec
    assert options["wait"]["default"] is True and options["wait_timeout"]["default"] == 600
    assert options["poll_interval"]["default"] == 5 and options["cancel_on_timeout"]["default"] is False
    assert options["dedupe_window"]["default"] == 0
    assert set(options["callback"]["options"]) == {"url", "method", "headers", "body", "cookies", "disable_ssl",
                                                   "exclude_default_metadata"}


def test_examples_and_return_are_yaml_and_cover_the_common_uses():
    examples = yaml.safe_load(blink_workflow_execute.EXAMPLES)
    module_tasks = [task["opsflow.pipelines.blink_workflow_execute"] for task in examples
                    if "opsflow.pipelines.blink_workflow_execute" in task]
    assert any(task.get("wait") is False for task in module_tasks)
    assert any(task.get("dedupe_window") for task in module_tasks)
    assert any("output" in json.dumps(task) for task in examples)
    returned = yaml.safe_load(blink_workflow_execute.RETURN)
    assert {"execution_id", "state", "output", "execution", "steps", "reused", "error_details"} <= set(returned)
    for name, item in returned.items():
        assert item["description"] and item["returned"] and item["type"], name


def test_wait_false_starts_it_with_one_request(capsys):
    client, session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}))
    result, out = run_module(blink_workflow_execute, client, capsys, wait=False, input_values={"env": "prod"},
                             callback={"url": "https://hook.test", "disable_ssl": True, "exclude_default_metadata": True})
    assert result["changed"] is True and result["execution_id"] == "ex-1" and result["reused"] is False
    assert result["state"] is None and result["output"] is None and result["execution"] is None
    assert request_paths(session) == [("POST", EXECUTE)]
    assert session.calls[0][2]["params"] is None
    assert json.loads(session.calls[0][2]["data"]) == {
        "input_values": {"env": "prod"},
        "callback": {"url": "https://hook.test", "disableSSL": True, "excludeDefaultMetadata": True}}
    assert KEY not in out


def test_wait_returns_the_sync_output(capsys):
    ours = execution("ex-1", "Completed", {}, started=T0 + 0.1)
    client, session, _warnings, _clock = make_client(FakeRaw(200, {"ticket": "SEC-9"}), listing(entry(ours)),
                                                     FakeRaw(200, ours), steps(step(output='{"ticket": "SEC-9"}')))
    result, _out = run_module(blink_workflow_execute, client, capsys, wait_timeout=90)
    assert result["output"] == {"ticket": "SEC-9"} and result["execution_id"] == "ex-1"
    assert result["state"] == "Completed" and result["changed"] is True and len(result["steps"]) == 1
    assert session.calls[0][2]["params"] == {"run_sync": "true", "timeout": 90}
    assert [path for _method, path in request_paths(session)].count(EXECUTIONS + "/ex-1") == 1


def test_failure_result_keeps_the_execution(capsys):
    failed = execution("ex-1", "Failed", error_details={"message": "boom", "error_code": "E1"})
    client, _session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}), FakeRaw(200, failed),
                                                      steps(step("collect", output="3 hosts"), step("x", "Failed")))
    result, _out = run_module(blink_workflow_execute, client, capsys)
    assert result["failed"] is True and result["changed"] is True and result["output"] == "3 hosts"
    assert result["execution_id"] == "ex-1" and result["state"] == "Failed"
    assert result["error_details"] == {"message": "boom", "error_code": "E1"}
    assert "ended Failed: boom (error_code E1)" in result["msg"]


def test_check_mode_starts_nothing(capsys):
    client, session, _warnings, _clock = make_client()
    result, _out = run_module(blink_workflow_execute, client, capsys, _ansible_check_mode=True)
    assert result["changed"] is True and result["execution_id"] is None
    assert session.calls == []


def test_check_mode_still_looks_for_an_execution_to_reuse(capsys):
    running = execution("ex-2", "Running", {"a": 1}, started=T0 - 30)
    client, session, _warnings, _clock = make_client(listing(entry(running)), FakeRaw(200, running), steps())
    result, _out = run_module(blink_workflow_execute, client, capsys, _ansible_check_mode=True, dedupe_window=300,
                              input_values={"a": 1})
    assert result["changed"] is False and result["reused"] is True and result["execution_id"] == "ex-2"
    assert request_paths(session) == [("GET", EXECUTIONS), ("GET", EXECUTIONS + "/ex-2"),
                                      ("GET", EXECUTIONS + "/ex-2/steps")]


def test_check_mode_with_nothing_to_reuse_predicts_a_change(capsys):
    client, session, _warnings, _clock = make_client(listing(execution("ex-2", "Completed", {"a": 2}, started=T0 - 5)))
    result, _out = run_module(blink_workflow_execute, client, capsys, _ansible_check_mode=True, dedupe_window=300,
                              input_values={"a": 1})
    assert result["changed"] is True and result["reused"] is False
    assert request_paths(session) == [("GET", EXECUTIONS)]


def test_dedupe_reuses_a_running_execution_and_waits_for_it(capsys):
    running = execution("ex-2", "Running", {"a": 1}, started=T0 - 30)
    client, session, _warnings, _clock = make_client(
        listing(entry(running)), FakeRaw(200, running), FakeRaw(200, execution("ex-2", "Completed", {"a": 1})),
        steps(step(output='{"r": 1}')))
    result, _out = run_module(blink_workflow_execute, client, capsys, dedupe_window=300, input_values={"a": 1},
                              poll_interval=1)
    assert result["changed"] is False and result["reused"] is True
    assert result["output"] == {"r": 1} and result["state"] == "Completed"
    assert rql(session, 0)["filter"] == {"playbook_id": {"$eq": "wf-1"}, "started_at": {"$gte": int((T0 - 300) * 1000)}}
    assert [method for method, _path in request_paths(session)] == ["GET", "GET", "GET", "GET"]


def test_dedupe_with_a_different_input_starts_a_new_run(capsys):
    client, session, _warnings, _clock = make_client(
        listing(execution("ex-2", "Completed", {"a": 2}, started=T0 - 30)), FakeRaw(200, {"execution_id": "ex-3"}))
    result, _out = run_module(blink_workflow_execute, client, capsys, dedupe_window=300, input_values={"a": 1},
                              wait=False)
    assert result["changed"] is True and result["execution_id"] == "ex-3"
    assert request_paths(session) == [("GET", EXECUTIONS), ("POST", EXECUTE)]


@pytest.mark.parametrize("args, word", [
    (dict(wait_timeout=0), "wait_timeout"),
    (dict(poll_interval=0), "poll_interval"),
    (dict(dedupe_window=-1), "dedupe_window"),
])
def test_bad_numbers_fail_before_any_request(capsys, args, word):
    client, session, _warnings, _clock = make_client()
    result, _out = run_module(blink_workflow_execute, client, capsys, **args)
    assert result["failed"] is True and word in result["msg"]
    assert session.calls == []


def test_callback_url_is_required_within_callback(capsys):
    client, session, _warnings, _clock = make_client()
    result, _out = run_module(blink_workflow_execute, client, capsys, callback={"method": "POST"})
    assert result["failed"] is True and "url" in result["msg"]
    assert session.calls == []


def test_secrets_never_reach_the_output(capsys):
    client, _session, _warnings, _clock = make_client(FakeRaw(401, {"status": 401, "message": "Invalid API key"}))
    result, out = run_module(blink_workflow_execute, client, capsys, wait=False,
                             callback={"url": "https://hook.test", "headers": {"Authorization": "Bearer hook-s3cret"},
                                       "cookies": {"session": "cookie-s3cret"}})
    assert result["failed"] is True and "HTTP 401" in result["msg"]
    assert KEY not in out and "hook-s3cret" not in out and "cookie-s3cret" not in out


def test_credentials_in_urls_never_reach_the_output(capsys):
    client, session, _warnings, _clock = make_client(FakeRaw(200, {"execution_id": "ex-1"}))
    result, out = run_module(blink_workflow_execute, client, capsys, wait=False,
                             callback={"url": "https://hookbot:hook-pa55@hook.test/in"})
    assert result["changed"] is True and len(session.calls) == 1
    assert json.loads(session.calls[0][2]["data"])["callback"]["url"] == "https://hookbot:hook-pa55@hook.test/in"
    assert "hook-pa55" not in out


def test_a_reused_execution_comes_back_with_its_callback_secrets_masked(capsys):
    running = execution("ex-2", "Completed", {"a": 1}, started=T0 - 30,
                        callback={"url": "https://hook.test", "headers": {"Authorization": "Bearer hook-s3cret"},
                                  "cookies": {"session": "cookie-s3cret"}})
    client, _session, _warnings, _clock = make_client(listing(entry(running)), FakeRaw(200, running), steps())
    result, out = run_module(blink_workflow_execute, client, capsys, dedupe_window=300, input_values={"a": 1})
    assert result["reused"] is True
    assert result["execution"]["callback"]["headers"] == {"Authorization": "********"}
    assert "hook-s3cret" not in out and "cookie-s3cret" not in out
