# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs and sandboxes: client calls over a scripted session, the run payload, waiting, outcomes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_runs as runs
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    TransportError,
    ValidationError,
)

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
    return runs.BuddyRunsClient(transport), session, warnings


# --- paths and client calls ------------------------------------------------------------------------


def test_paths_are_quoted_segment_by_segment():
    assert runs.executions_path(LOCATION) == EXECUTIONS
    assert runs.executions_path(LOCATION, 12) == EXECUTIONS + "/12"
    assert runs.sandboxes_path("my ws") == "/workspaces/my%20ws/sandboxes"
    assert runs.sandboxes_path("acme", "a/b", "snapshots") == "/workspaces/acme/sandboxes/a%2Fb/snapshots"
    with pytest.raises(ValidationError):
        runs.sandboxes_path("acme", "..")


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


def test_list_sandboxes_sends_the_project_and_follows_pages():
    full_page = FakeRaw(200, {"sandboxes": [{"id": "s%d" % index} for index in range(runs.PER_PAGE)]})
    client, session, _warnings = make_client(full_page, FakeRaw(200, {"sandboxes": [{"id": "last"}]}))
    listed = client.list_sandboxes("acme", "website")
    assert len(listed) == runs.PER_PAGE + 1
    assert request_paths(session) == [("GET", "/workspaces/acme/sandboxes")] * 2
    assert [call[2]["params"] for call in session.calls] == [
        {"project_name": "website", "page": 1, "per_page": runs.PER_PAGE},
        {"project_name": "website", "page": 2, "per_page": runs.PER_PAGE},
    ]


def test_get_sandbox_is_none_when_missing():
    client, _session, _warnings = make_client(FakeRaw(404, {"errors": [{"message": "Sandbox not found"}]}))
    assert client.get_sandbox("acme", "nope") is None


def test_get_sandbox_other_errors_are_raised():
    client, _session, _warnings = make_client(FakeRaw(403, {"errors": [{"message": "no scope"}]}))
    with pytest.raises(ApiError) as caught:
        client.get_sandbox("acme", "x")
    assert caught.value.status == 403


def test_list_snapshots_reads_the_list():
    client, session, _warnings = make_client(FakeRaw(200, {"snapshots": [{"id": "sn-1"}]}), FakeRaw(200, {"what": 1}))
    assert client.list_snapshots("acme", "sb1") == [{"id": "sn-1"}]
    assert request_paths(session) == [("GET", "/workspaces/acme/sandboxes/sb1/snapshots")]
    with pytest.raises(ApiError):
        client.list_snapshots("acme", "sb1")


# --- run payload -------------------------------------------------------------------------------


def params(**values):
    base = dict(to_revision=None, branch=None, tag=None, comment=None, refresh=None, clear_cache=None,
                priority=None, variables=None, actions_to_run=None)
    base.update(values)
    return base


def test_payload_holds_only_what_was_set():
    assert runs.build_run_payload(params()) == {}
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
    (dict(branch="main", tag="v1"), "mutually exclusive"),
    (dict(priority="URGENT"), "priority"),
    (dict(actions_to_run=[]), "actions_to_run"),
    (dict(variables=[{"key": "A", "value": "1"}, {"key": "A", "value": "2"}]), "twice"),
    (dict(variables=[{"key": "", "value": "1"}]), "variables[0].key"),
])
def test_bad_payload_fails_naming_the_option(values, words):
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
    assert runs.secret_values(values) == ["s3cret"]


def test_wait_options_are_checked_only_with_wait():
    runs.validate_wait({"wait": False, "wait_timeout": 0, "poll_interval": 0})
    with pytest.raises(ValidationError):
        runs.validate_wait({"wait": True, "wait_timeout": 0, "poll_interval": 1})
    with pytest.raises(ValidationError):
        runs.validate_wait({"wait": True, "wait_timeout": 10, "poll_interval": -1})


# --- reading runs ----------------------------------------------------------------------------------


def entry(status, name="A", action_id=1, **extra):
    value = {"status": status, "action": {"id": action_id, "name": name, "type": "RUN_DOCKER_CONTAINER"}}
    value.update(extra)
    return value


def test_failed_action_prefers_failed_over_terminated():
    execution = {"action_executions": [entry("SUCCESSFUL"), entry("TERMINATED", "T", 2), entry("FAILED", "F", 3,
                                                                                               log=["a", "exit 1"])]}
    summary = runs.failed_action(execution)
    assert summary == {"id": 3, "name": "F", "type": "RUN_DOCKER_CONTAINER", "status": "FAILED", "log_tail": ["a", "exit 1"]}
    assert runs.describe_action(summary) == "action 'F' (RUN_DOCKER_CONTAINER, id 3) FAILED; last log line: exit 1"
    assert runs.failed_action({"action_executions": [entry("TERMINATED", "T", 2)]})["name"] == "T"
    assert runs.failed_action({"action_executions": [entry("SUCCESSFUL")]}) is None
    assert runs.failed_action({}) is None


def test_hide_secrets_masks_encrypted_values_at_any_depth_without_touching_the_input():
    execution = {"variables": [{"key": "S", "value": "secure!x", "encrypted": True}, {"key": "P", "value": "p"}],
                 "action_executions": [{"variables": [{"key": "T", "value": "t", "encrypted": True}]}]}
    hidden = runs.hide_secrets(execution)
    assert hidden["variables"] == [{"key": "S", "value": runs.MASK, "encrypted": True}, {"key": "P", "value": "p"}]
    assert hidden["action_executions"][0]["variables"][0]["value"] == runs.MASK
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


def test_wait_polls_until_the_run_finishes():
    clock = FakeClock(1000.0)
    client = PollingClient(["INPROGRESS", "INPROGRESS", "SUCCESSFUL"])
    execution, finished = runs.wait_for_execution(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 100, 5,
                                                  sleep=clock.sleep, clock=clock.monotonic)
    assert finished is True and execution["status"] == "SUCCESSFUL"
    assert client.gets == 3 and clock.sleeps == [5, 5, 5]


def test_wait_makes_no_request_for_a_finished_run():
    clock = FakeClock(1000.0)
    client = PollingClient(["SUCCESSFUL"])
    execution, finished = runs.wait_for_execution(client, LOCATION, {"id": 3, "status": "FAILED"}, 100, 5,
                                                  sleep=clock.sleep, clock=clock.monotonic)
    assert finished is True and execution["status"] == "FAILED" and client.gets == 0


def test_wait_stops_at_the_deadline_with_the_last_poll_on_it():
    clock = FakeClock(1000.0)
    client = PollingClient(["INPROGRESS"])
    execution, finished = runs.wait_for_execution(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 12, 5,
                                                  sleep=clock.sleep, clock=clock.monotonic)
    assert finished is False and execution["status"] == "INPROGRESS"
    assert client.gets == 3 and clock.sleeps == [5, 5, 2]


def test_wait_uses_the_real_clock_by_default(monkeypatch):
    clock = FakeClock(1000.0)
    monkeypatch.setattr(runs, "time", clock)
    client = PollingClient(["INPROGRESS", "SUCCESSFUL"])
    dummy, finished = runs.wait_for_execution(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 60, 2)
    assert finished is True and clock.sleeps == [2, 2]


def test_a_failed_poll_says_the_run_may_still_be_running():
    clock = FakeClock(1000.0)
    error = NotFoundError("GET", EXECUTIONS + "/3", 404, "gone")
    client = PollingClient(["INPROGRESS", error])
    with pytest.raises(NotFoundError) as caught:
        runs.wait_for_execution(client, LOCATION, {"id": 3, "status": "ENQUEUED"}, 60, 1,
                                sleep=clock.sleep, clock=clock.monotonic)
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
    assert "did not finish within 60 s (status INPROGRESS); it is still running" in caught.value.message
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


# --- sandboxes -----------------------------------------------------------------------------------


FULL = {"id": "sb1", "identifier": "web", "os": "ubuntu:24.04", "setup_status": "SUCCESS", "status": "RUNNING",
        "endpoints": [{"name": "www", "http": {"endpoint_url": "https://www-web.example"}}]}


class SandboxClient:
    def __init__(self, listed, full=None, snapshots=None):
        self.listed = listed
        self.full = full or {}
        self.snapshots = snapshots or {}
        self.calls = []

    def list_sandboxes(self, workspace, project_name):
        self.calls.append(("list", workspace, project_name))
        return [dict(item) for item in self.listed]

    def get_sandbox(self, workspace, sandbox_id):
        self.calls.append(("get", sandbox_id))
        return dict(self.full[sandbox_id]) if sandbox_id in self.full else None

    def list_snapshots(self, workspace, sandbox_id):
        self.calls.append(("snapshots", sandbox_id))
        return self.snapshots.get(sandbox_id, [])


def test_by_id_is_one_request_and_copies_the_endpoint_url_up():
    client = SandboxClient([], {"sb1": FULL})
    found = runs.find_sandboxes(client, "acme", sandbox_id="sb1")
    assert client.calls == [("get", "sb1")]
    assert found[0]["endpoints"][0]["endpoint_url"] == "https://www-web.example"
    assert "endpoint_url" not in FULL["endpoints"][0]
    assert runs.find_sandboxes(SandboxClient([]), "acme", sandbox_id="nope") == []


def test_listing_reads_short_entries_in_full_and_keeps_full_ones():
    listed = [{"id": "sb1", "identifier": "web", "status": "RUNNING"}, dict(FULL, id="sb2", identifier="api")]
    client = SandboxClient(listed, {"sb1": FULL})
    found = runs.find_sandboxes(client, "acme", project_name="website")
    assert client.calls == [("list", "acme", "website"), ("get", "sb1")]
    assert [item["identifier"] for item in found] == ["web", "api"]


def test_listing_without_details_is_one_request_per_page():
    client = SandboxClient([{"id": "sb1", "identifier": "web"}, {"id": "sb2", "identifier": "api"}])
    found = runs.find_sandboxes(client, "acme", project_name="website", details=False)
    assert client.calls == [("list", "acme", "website")]
    assert found == [{"id": "sb1", "identifier": "web"}, {"id": "sb2", "identifier": "api"}]


def test_by_identifier_reads_only_the_match_and_snapshots_when_asked():
    client = SandboxClient([{"id": "sb1", "identifier": "web"}, {"id": "sb2", "identifier": "api"}], {"sb1": FULL},
                           {"sb1": [{"id": "sn-1", "name": "nightly"}]})
    found = runs.find_sandboxes(client, "acme", project_name="website", identifier="web", include_snapshots=True)
    assert client.calls == [("list", "acme", "website"), ("get", "sb1"), ("snapshots", "sb1")]
    assert found[0]["snapshots"] == [{"id": "sn-1", "name": "nightly"}]
    assert runs.find_sandboxes(SandboxClient([{"id": "sb1", "identifier": "web"}]), "acme", project_name="website",
                               identifier="nope") == []


def test_sandbox_deleted_between_list_and_get_is_left_out():
    client = SandboxClient([{"id": "gone", "identifier": "old"}])
    assert runs.find_sandboxes(client, "acme", project_name="website") == []


def test_listing_needs_a_project():
    with pytest.raises(ValidationError):
        runs.find_sandboxes(SandboxClient([]), "acme", identifier="web")
