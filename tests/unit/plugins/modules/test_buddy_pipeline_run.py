# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_pipeline_run as Ansible runs it (main() with a fake client): options, check mode, waiting, failures, secrets."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
import yaml

from ansible_collections.opsflow.pipelines.plugins.doc_fragments._buddy import ModuleDocFragment as BuddyFragment
from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_executions as runs
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import NotFoundError
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import OpsflowModule
from ansible_collections.opsflow.pipelines.plugins.modules import buddy_pipeline_run

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import FakeClock
from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, compare_spec, module_doc, run_main

try:
    from unittest import mock
except ImportError:  # pragma: no cover
    import mock

TOKEN = "t0ken-never-shown"
SECRET = "s3cret-run-value"
BASE = dict(token=TOKEN, api_url="https://api.example.test", workspace="acme", project_name="website", pipeline_id=7)
PIPELINE_PATH = "/workspaces/acme/projects/website/pipelines/7"


def action_entry(status, name, action_id, **extra):
    entry = {"status": status, "action": {"id": action_id, "name": name, "type": "RUN_DOCKER_CONTAINER"}}
    entry.update(extra)
    return entry


class FakeRunsClient:
    """Answers like Buddy: the run starts ENQUEUED, then each poll hands out the next status."""

    def __init__(self, statuses=("SUCCESSFUL",), entries=None, run_error=None, pipeline_error=None,
                 cancel_error=None, echo_variables=True):
        self.statuses = list(statuses)
        self.entries = entries or []
        self.run_error = run_error
        self.pipeline_error = pipeline_error
        self.cancel_error = cancel_error
        self.echo_variables = echo_variables
        self.calls = []
        self.payload = None

    def _execution(self, status):
        execution = {"id": 12, "status": status, "html_url": "https://app.example.test/run/12",
                     "action_executions": self.entries}
        if self.echo_variables and self.payload:
            execution["variables"] = self.payload.get("variables", [])
        return execution

    def get_pipeline(self, location):
        self.calls.append("get_pipeline")
        if self.pipeline_error:
            raise self.pipeline_error
        return {"id": location.pipeline_id}

    def run_pipeline(self, location, payload):
        self.calls.append("run_pipeline")
        self.payload = payload
        if self.run_error:
            raise self.run_error
        return self._execution("ENQUEUED")

    def get_execution(self, location, execution_id):
        self.calls.append("get_execution")
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return self._execution(status)

    def cancel_execution(self, location, execution_id):
        self.calls.append("cancel_execution")
        if self.cancel_error:
            raise self.cancel_error
        return self._execution("TERMINATED")


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(runs, "time", fake)
    return fake


def run_module(client, capsys, **args):
    """main() with BASE and ``args``: the parsed JSON result and the raw output."""
    fake = buddy_client(pipelines=client, executions=client)
    return run_main(buddy_pipeline_run, buddy_pipeline_run.BuddyClient, fake, capsys, dict(BASE, **args))


def test_documentation_matches_the_argument_spec():
    own = yaml.safe_load(buddy_pipeline_run.DOCUMENTATION)
    compare_spec(buddy_pipeline_run.SPEC.argument_spec, module_doc(buddy_pipeline_run)["options"])
    assert not set(own["options"]) & set(yaml.safe_load(BuddyFragment.DOCUMENTATION)["options"])
    assert "opsflow.pipelines._attributes.BUDDY" in own["extends_documentation_fragment"]
    returned = yaml.safe_load(buddy_pipeline_run.RETURN)
    assert {"execution", "execution_id", "status", "html_url", "failed_action"} <= set(returned)
    examples = yaml.safe_load(buddy_pipeline_run.EXAMPLES)
    used = set()
    for task in examples:
        for inner in [task] + task.get("block", []):
            used.update(inner.get("opsflow.pipelines.buddy_pipeline_run", {}))
    assert {"to_revision", "variables", "actions_to_run", "wait", "cancel_on_timeout"} <= used


def test_check_mode_starts_nothing_and_checks_the_pipeline(capsys, clock):
    client = FakeRunsClient()
    result, dummy = run_module(client, capsys, to_revision="HEAD", _ansible_check_mode=True)
    assert client.calls == ["get_pipeline"]
    assert result["changed"] is True and result["execution"] is None and result["execution_id"] is None


def test_check_mode_fails_for_a_missing_pipeline(capsys, clock):
    client = FakeRunsClient(pipeline_error=NotFoundError("GET", PIPELINE_PATH, 404, "Pipeline not found: 7"))
    result, dummy = run_module(client, capsys, _ansible_check_mode=True)
    assert result["failed"] is True and "Pipeline not found: 7" in result["msg"]
    assert client.calls == ["get_pipeline"]


def test_without_wait_returns_once_started(capsys, clock):
    client = FakeRunsClient()
    result, dummy = run_module(client, capsys, to_revision="HEAD", branch="main", priority="LOW", wait=False)
    assert client.calls == ["run_pipeline"]
    assert client.payload == {"to_revision": {"revision": "HEAD"}, "branch": {"name": "main"}, "priority": "LOW"}
    assert result["changed"] is True and result["status"] == "ENQUEUED" and result["execution_id"] == 12
    assert result["html_url"] == "https://app.example.test/run/12" and result["failed_action"] is None


def test_waits_until_the_run_succeeds(capsys, clock):
    client = FakeRunsClient(statuses=["INPROGRESS", "INPROGRESS", "SUCCESSFUL"],
                            entries=[action_entry("SUCCESSFUL", "Build", 1)])
    result, dummy = run_module(client, capsys, to_revision="HEAD", poll_interval=2)
    assert client.calls == ["run_pipeline"] + ["get_execution"] * 3
    assert clock.sleeps == [0.5, 1, 2]  # short polls first, backing off up to poll_interval
    assert result["changed"] is True and result["status"] == "SUCCESSFUL"
    assert result["execution"]["action_executions"][0]["action"]["name"] == "Build"
    assert "warnings" not in result


def test_a_failed_run_fails_the_task_naming_the_action(capsys, clock):
    client = FakeRunsClient(statuses=["FAILED"], entries=[
        action_entry("SUCCESSFUL", "Create sandbox", 1), action_entry("FAILED", "Run tests", 2, log=["$ exit 1"]),
        action_entry("NOT_EXECUTED", "Deploy", 3)])
    result, dummy = run_module(client, capsys, to_revision="HEAD")
    assert result["failed"] is True and result["changed"] is True
    assert "pipeline run 12 ended FAILED: action 'Run tests' (RUN_DOCKER_CONTAINER, id 2) FAILED" in result["msg"]
    assert result["failed_action"]["name"] == "Run tests" and result["failed_action"]["status"] == "FAILED"
    assert result["status"] == "FAILED" and result["execution_id"] == 12
    assert client.calls == ["run_pipeline", "get_execution"]


def test_timeout_without_cancel_leaves_the_run_alone(capsys, clock):
    client = FakeRunsClient(statuses=["INPROGRESS"])
    result, dummy = run_module(client, capsys, to_revision="HEAD", wait_timeout=10, poll_interval=3)
    assert result["failed"] is True and result["timed_out"] is True and result["cancelled"] is False
    assert "did not end within wait_timeout (10 s, state INPROGRESS); it is still running" in result["msg"]
    assert client.calls == ["run_pipeline"] + ["get_execution"] * 6
    assert clock.sleeps == [0.5, 1, 2, 3, 3, 0.5]  # the last poll lands on the deadline


def test_timeout_with_cancel_cancels_once(capsys, clock):
    client = FakeRunsClient(statuses=["INPROGRESS"])
    result, dummy = run_module(client, capsys, to_revision="HEAD", wait_timeout=4, poll_interval=2,
                               cancel_on_timeout=True)
    assert result["failed"] is True and result["cancelled"] is True and result["status"] == "TERMINATED"
    assert client.calls == ["run_pipeline"] + ["get_execution"] * 4 + ["cancel_execution"]
    assert sum(clock.sleeps) == 4


def test_a_run_that_may_have_started_is_reported_not_repeated(capsys, clock):
    error = runs.RunMayHaveStartedError("POST", PIPELINE_PATH + "/executions", "no answer within 30 s. The run may"
                                        " have started: check the pipeline's runs", may_have_committed=True)
    client = FakeRunsClient(run_error=error)
    result, dummy = run_module(client, capsys, to_revision="HEAD")
    assert result["failed"] is True and result["may_have_committed"] is True
    assert "may have started" in result["msg"]
    assert client.calls == ["run_pipeline"]


@pytest.mark.parametrize("args, words", [
    (dict(to_revision={"sha": "x"}), "to_revision"),
    (dict(branch="a", tag="b"), "mutually exclusive"),
    (dict(wait_timeout=0), "wait_timeout"),
    (dict(poll_interval=0), "poll_interval"),
    (dict(actions_to_run=[]), "actions_to_run"),
    (dict(priority="URGENT"), "priority"),
])
def test_bad_input_fails_before_any_request(capsys, clock, args, words):
    client = FakeRunsClient()
    result, dummy = run_module(client, capsys, **args)
    assert result["failed"] is True and words in result["msg"]
    assert client.calls == []


def test_encrypted_values_never_show_and_plain_ones_do(capsys, clock):
    client = FakeRunsClient(statuses=["SUCCESSFUL"])
    result, out = run_module(client, capsys, to_revision="HEAD", variables=[
        {"key": "SANDBOX", "value": "review-7"}, {"key": "API_KEY", "value": SECRET, "encrypted": True}])
    assert client.payload["variables"] == [{"key": "SANDBOX", "value": "review-7", "encrypted": False},
                                           {"key": "API_KEY", "value": SECRET, "encrypted": True}]
    assert SECRET not in out and TOKEN not in out
    assert result["execution"]["variables"][1]["value"] != SECRET
    assert result["execution"]["variables"][0]["value"] == "review-7"
    assert result["invocation"]["module_args"]["variables"][0]["value"] == "review-7"


def test_encrypted_values_stay_out_of_the_logged_invocation(capsys, clock):
    logged = []
    client = FakeRunsClient(statuses=["SUCCESSFUL"])
    with mock.patch.object(OpsflowModule, "log", lambda self, msg, log_args=None: logged.append(msg)):
        run_module(client, capsys, to_revision="HEAD", variables=[
            {"key": "SANDBOX", "value": "review-7"}, {"key": "API_KEY", "value": SECRET, "encrypted": True}])
    assert logged and any("review-7" in message for message in logged)
    assert not any(SECRET in message for message in logged)


def test_encrypted_values_never_show_in_failures(capsys, clock):
    client = FakeRunsClient(statuses=["FAILED"], entries=[action_entry("FAILED", "Use " + SECRET, 1)])
    result, out = run_module(client, capsys, to_revision="HEAD",
                             variables=[{"key": "API_KEY", "value": SECRET, "encrypted": True}])
    assert result["failed"] is True
    assert SECRET not in out


def test_a_plain_value_equal_to_a_secret_stays_masked(capsys, clock):
    client = FakeRunsClient(statuses=["SUCCESSFUL"])
    dummy, out = run_module(client, capsys, to_revision="HEAD", variables=[
        {"key": "COPY", "value": SECRET}, {"key": "API_KEY", "value": SECRET, "encrypted": True}])
    assert SECRET not in out


def test_ignored_failures_succeed_with_a_warning(capsys, clock):
    client = FakeRunsClient(statuses=["SUCCESSFUL"], entries=[action_entry("FAILED", "Lint", 4),
                                                              action_entry("SUCCESSFUL", "Deploy", 5)])
    result, dummy = run_module(client, capsys, to_revision="HEAD")
    assert result.get("failed") is not True and result["failed_action"] is None
    # ansible-core 2.19 hands warnings back as structured objects, older versions as strings.
    warnings = [json.dumps(warning) for warning in result["warnings"]]
    assert any("action 'Lint'" in warning and "ignored" in warning for warning in warnings)
