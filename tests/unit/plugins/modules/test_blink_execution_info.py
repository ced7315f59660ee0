# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""blink_execution_info as Ansible runs it: one read, or a bounded wait for a terminal state."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import yaml

from ansible_collections.opsflow.pipelines.plugins.modules import blink_execution_info

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import FakeRaw, request_paths
from ansible_collections.opsflow.pipelines.tests.unit.module_runner import compare_spec, module_doc
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__blink_executions import (
    EXECUTIONS,
    KEY,
    execution,
    make_client,
    step,
    steps,
)
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_blink_workflow_execute import BASE
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_blink_workflow_execute import (
    run_module as run_any_module,
)

INFO_BASE = dict((key, value) for key, value in BASE.items() if key != "workflow_id")


def run_module(module, client, capsys, **args):
    return run_any_module(module, client, capsys, base=INFO_BASE, **args)


def test_documentation_matches_the_argument_spec():
    doc = yaml.safe_load(blink_execution_info.DOCUMENTATION)
    compare_spec(blink_execution_info.SPEC.argument_spec, module_doc(blink_execution_info)["options"])
    assert "opsflow.pipelines._attributes.INFO_MODULE" in doc["extends_documentation_fragment"]
    assert "opsflow.pipelines._attributes.BLINK" in doc["extends_documentation_fragment"]
    assert yaml.safe_load(blink_execution_info.EXAMPLES)
    assert {"execution", "state", "output", "steps"} <= set(yaml.safe_load(blink_execution_info.RETURN))


def test_reads_once_without_wait(capsys):
    record = execution("ex-1", "Running")
    client, session, _warnings, _clock = make_client(FakeRaw(200, record), steps())
    result, out = run_module(blink_execution_info, client, capsys, execution_id="ex-1")
    assert result["changed"] is False and result["state"] == "Running" and result["execution"] == record
    assert result["steps"] == [] and result["output"] is None
    assert request_paths(session) == [("GET", EXECUTIONS + "/ex-1"), ("GET", EXECUTIONS + "/ex-1/steps")]
    assert KEY not in out


def test_waits_for_a_terminal_state_in_check_mode_too(capsys):
    client, session, _warnings, clock = make_client(
        FakeRaw(200, execution(state="Running")), FakeRaw(200, execution(state="Running")),
        FakeRaw(200, execution(state="Completed")), steps(step(output='{"x": 1}')))
    result, _out = run_module(blink_execution_info, client, capsys, execution_id="ex-1", wait=True, poll_interval=3,
                              _ansible_check_mode=True)
    assert result["state"] == "Completed" and result["output"] == {"x": 1}
    assert len(session.calls) == 4 and clock.sleeps == [0.5, 1.0]


def test_a_failed_execution_is_returned_not_raised(capsys):
    failed = execution(state="Failed", error_details={"message": "boom", "error_code": "E"})
    client, _session, _warnings, _clock = make_client(FakeRaw(200, failed), steps(step(output="partial")))
    result, _out = run_module(blink_execution_info, client, capsys, execution_id="ex-1", wait=True)
    assert result.get("failed") is not True and result["state"] == "Failed" and result["output"] == "partial"
    assert result["execution"]["error_details"]["message"] == "boom"


def test_a_wait_that_times_out_fails_with_the_last_record(capsys):
    client, session, _warnings, _clock = make_client(*[FakeRaw(200, execution(state="Running"))] * 10)
    result, _out = run_module(blink_execution_info, client, capsys, execution_id="ex-1", wait=True, wait_timeout=3,
                              poll_interval=1)
    assert result["failed"] is True and result["changed"] is False
    assert "execution ex-1 did not end within wait_timeout (3 s, state Running)" in result["msg"]
    assert result["execution_id"] == "ex-1" and result["state"] == "Running"
    assert len(session.calls) == 5  # at 0, 0.5, 1.5, 2.5 and the deadline (3)
    assert all(method == "GET" for method, _path in request_paths(session))


def test_unknown_execution_is_a_clear_404(capsys):
    client, _session, _warnings, _clock = make_client(FakeRaw(404, {"status": 404, "message": "Execution nope not found"}))
    result, _out = run_module(blink_execution_info, client, capsys, execution_id="nope")
    assert result["failed"] is True
    assert "GET /api/v1/workspace/ws-1/executions/nope failed with HTTP 404: Execution nope not found" in result["msg"]


def test_a_paused_execution_ends_the_wait_with_a_warning_unless_wait_for_paused(capsys):
    client, session, _warnings, _clock = make_client(FakeRaw(200, execution(state="Paused")), steps())
    result, _out = run_module(blink_execution_info, client, capsys, execution_id="ex-1", wait=True)
    assert result.get("failed") is not True and result["state"] == "Paused"
    assert "waits for a person" in json.dumps(result), result
    client, session, _warnings, _clock = make_client(FakeRaw(200, execution(state="Paused")),
                                                     FakeRaw(200, execution(state="Completed")), steps())
    result, _out = run_module(blink_execution_info, client, capsys, execution_id="ex-1", wait=True,
                              wait_for_paused=True)
    assert result["state"] == "Completed" and len(session.calls) == 3
