# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_pipeline_execution: documentation against the argument spec, and what each operation decides."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
import yaml

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_execution as logic
from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_executions as runs
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError
from ansible_collections.opsflow.pipelines.plugins.modules import buddy_pipeline_execution as module
from ansible_collections.opsflow.pipelines.tests.unit.module_runner import compare_spec, module_doc

LOCATION = PipelineLocation("acme", "website", 7)


def test_documentation_matches_the_argument_spec():
    compare_spec(module.SPEC.argument_spec, module_doc(module)["options"])
    returned = yaml.safe_load(module.RETURN)
    assert {"execution", "execution_id", "status", "html_url", "operations", "approved", "msg", "failed_action",
            "log_tail", "waiting_action", "timed_out"} <= set(returned)
    for task in yaml.safe_load(module.EXAMPLES):
        args = task["opsflow.pipelines.buddy_pipeline_execution"]
        assert set(args) <= set(module.SPEC.argument_spec), set(args) - set(module.SPEC.argument_spec)


def run(status, entries=()):
    return {"id": 5, "status": status, "action_executions": list(entries)}


def waiting(name, status="WAITING_FOR_APPLY"):
    return {"status": status, "action_execution_id": "e" * 24, "action": {"id": 9, "name": name, "type": "WAIT_FOR_APPLY"}}


@pytest.mark.parametrize("operation, execution, approve, expected", [
    ("cancel", run("INPROGRESS"), False, "CANCEL"),
    ("cancel", run("WAITING_FOR_APPLY", [waiting("Gate")]), False, "CANCEL"),
    ("cancel", run("SUCCESSFUL"), False, None),
    ("cancel", run("TERMINATED"), False, None),
    ("retry", run("FAILED"), False, "RETRY"),
    ("retry", run("TERMINATED"), False, "RETRY"),
    ("retry", run("SUCCESSFUL"), False, None),
    ("retry", run("INPROGRESS"), False, None),
    ("approve", run("WAITING_FOR_APPLY", [waiting("Gate")]), True, "APPLY"),
    ("approve", run("WAITING_FOR_APPLY", [waiting("Gate")]), ["Gate"], "APPLY"),
    ("approve", run("WAITING_FOR_APPLY", [waiting("Gate")]), ["Other"], None),
    ("approve", run("WAITING_FOR_VARIABLES", [waiting("Vars", "WAITING_FOR_VARIABLES")]), True, None),
    ("approve", run("INPROGRESS"), True, None),
    ("wait", run("INPROGRESS"), False, None),
])
def test_each_operation_is_sent_only_when_the_run_needs_it(operation, execution, approve, expected):
    follower = runs.RunFollower(None, LOCATION, runs.approve_choice(approve))
    patch, message = logic.plan(operation, execution, follower)
    assert patch == expected, message
    assert "run 5" in message


@pytest.mark.parametrize("params, text", [
    (dict(execution_id=None, last=False), "one of execution_id or last: true is required"),
    (dict(execution_id=0, last=False), "execution_id must be the ID of a run"),
    (dict(execution_id=True, last=False), "execution_id must be the ID of a run"),
])
def test_the_run_must_be_named_before_any_request(params, text):
    with pytest.raises(ValidationError) as caught:
        logic.check_target(params)
    assert text in caught.value.message


class RacingExecutions(object):
    """The server refuses the operation (400) because the run ended in the meantime."""

    def __init__(self, latest):
        self.latest = latest
        self.calls = []

    def change_execution(self, location, execution_id, operation, approve_action_id=None):
        from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ApiError
        self.calls.append(operation)
        raise ApiError("PATCH", "/x", 400, "The execution has already finished")

    def get_execution(self, location, execution_id):
        self.calls.append("GET")
        return self.latest


class FakeClient(object):
    def __init__(self, executions):
        self.executions = executions


@pytest.mark.parametrize("operation, latest", [("CANCEL", run("SUCCESSFUL")), ("RETRY", run("INPROGRESS"))])
def test_an_operation_refused_because_the_run_just_changed_counts_as_not_sent(operation, latest):
    executions = RacingExecutions(latest)
    follower = runs.RunFollower(executions, LOCATION)
    execution, sent = logic.send(FakeClient(executions), LOCATION, operation, run("INPROGRESS"), follower)
    assert sent is False and execution is latest and executions.calls == [operation, "GET"]


def test_an_operation_refused_for_another_reason_is_an_error_naming_the_run_state():
    from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ApiError
    executions = RacingExecutions(run("INPROGRESS"))
    with pytest.raises(ApiError) as caught:
        logic.send(FakeClient(executions), LOCATION, "CANCEL", run("INPROGRESS"), runs.RunFollower(executions, LOCATION))
    assert "run 5 is INPROGRESS" in caught.value.message
