# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox / buddy_sandbox_snapshot logic over an in-memory sandboxes client (no HTTP, no waiting)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_sandbox as logic
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError

SECRET = "Unit-Secret-4b1"


class FakeSandboxes:
    """Sandboxes held in a dict; a write settles at once (RUNNING, setup SUCCESS) unless told otherwise."""

    def __init__(self, *boxes, boot=("RUNNING", "SUCCESS")):
        self.boxes = dict((box["id"], copy.deepcopy(box)) for box in boxes)
        self.calls = []
        self.boot = boot
        self.snapshots = {}
        self.reads = []  # scripted records for get_sandbox, consumed first

    def find_sandbox(self, workspace, project_name, identifier):
        self.calls.append(("find", identifier))
        for box in self.boxes.values():
            if box["identifier"] == identifier:
                return copy.deepcopy(box)
        return None

    def get_sandbox(self, workspace, sandbox_id):
        self.calls.append(("get", sandbox_id))
        if self.reads:
            return self.reads.pop(0)
        return copy.deepcopy(self.boxes.get(sandbox_id))

    def create_sandbox(self, workspace, project_name, body):
        self.calls.append(("create", copy.deepcopy(body)))
        box = dict(body, id="new%d" % len(self.boxes), status=self.boot[0], setup_status=self.boot[1],
                   apps=[{"command": item, "app_status": "RUNNING"} for item in body.get("apps") or []])
        self.boxes[box["id"]] = box
        return copy.deepcopy(box)

    def edit_sandbox(self, workspace, sandbox_id, body):
        self.calls.append(("patch", copy.deepcopy(body)))
        self.boxes[sandbox_id].update(body)
        return copy.deepcopy(self.boxes[sandbox_id])

    def delete_sandbox(self, workspace, sandbox_id):
        self.calls.append(("delete", sandbox_id))
        self.boxes.pop(sandbox_id, None)

    def operate(self, workspace, sandbox_id, operation):
        self.calls.append((operation, sandbox_id))
        self.boxes[sandbox_id]["status"] = "STOPPED" if operation == "stop" else "RUNNING"
        # The answer shows the sandbox on its way (the next read shows it settled).
        answer = dict(copy.deepcopy(self.boxes[sandbox_id]), status="STOPPING" if operation == "stop" else "STARTING")
        for app in answer.get("apps") or []:
            app["app_status"] = "NONE"
        return answer

    def list_snapshots(self, workspace, sandbox_id):
        self.calls.append(("snapshots", sandbox_id))
        return copy.deepcopy(self.snapshots.get(sandbox_id, []))

    def create_snapshot(self, workspace, sandbox_id, name):
        self.calls.append(("snapshot", name))
        snapshot = {"id": "sn-%d" % len(self.snapshots.get(sandbox_id, [])), "name": name, "status": "CREATED"}
        self.snapshots.setdefault(sandbox_id, []).append(snapshot)
        return dict(snapshot)

    def get_snapshot(self, workspace, sandbox_id, snapshot_id):
        return next(item for item in self.snapshots[sandbox_id] if item["id"] == snapshot_id)

    def delete_snapshot(self, workspace, sandbox_id, snapshot_id):
        self.calls.append(("drop", snapshot_id))
        self.snapshots[sandbox_id] = [item for item in self.snapshots[sandbox_id] if item["id"] != snapshot_id]


class Client:
    def __init__(self, sandboxes):
        self.sandboxes = sandboxes


RUNNING = {"id": "sb1", "identifier": "web", "name": "web", "status": "RUNNING", "setup_status": "SUCCESS",
           "os": "ubuntu:24.04", "resources": "2x4", "first_boot_commands": "make", "tags": ["a"],
           "apps": [{"id": "a1", "command": "serve", "app_status": "RUNNING"}],
           "endpoints": [{"name": "www", "endpoint": "80", "type": "HTTP", "region": "EU", "endpoint_url": "https://x"}],
           "variables": [{"key": "TOKEN", "value": "secure!zz", "encrypted": True}], "boot_logs": ["booted"]}


def params(**values):
    base = dict(workspace="acme", project_name="website", identifier="web", sandbox_id=None, state="present",
                snapshot_id=None, snapshot_name=None, source_sandbox=None, recreate=False, wait_for=None,
                wait_timeout=60, poll_interval=0.01)
    base["from"] = "scratch"
    for key in logic.SPEC_KEYS:
        base[key] = None
    base.update(values)
    return base


def run(sandboxes, check_mode=False, diff=False, **values):
    return logic.ensure_sandbox(Client(sandboxes), params(**values), check_mode=check_mode, want_diff=diff)


# --- input --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values, words", [
    (dict(identifier="-web"), "identifier"),
    (dict(snapshot_name="golden", **{"from": "snapshot"}), "snapshot_name with source_sandbox"),
    (dict(snapshot_id="sn-1"), "only with from: snapshot"),
    (dict(**{"from": "sandbox"}), "needs source_sandbox"),
    (dict(source_sandbox="base", os="ubuntu:22.04", **{"from": "sandbox"}), "can't be set on a clone"),
    (dict(source_sandbox="base"), "only with from: sandbox"),
    (dict(variables=[{"key": "A"}, {"key": "A"}]), "twice"),
    (dict(timeout=-1), "timeout"),
    (dict(wait_timeout=0), "wait_timeout"),
])
def test_bad_input_fails_before_any_request(values, words):
    sandboxes = FakeSandboxes()
    with pytest.raises(ValidationError) as caught:
        run(sandboxes, **values)
    assert words in caught.value.message and sandboxes.calls == []


def test_secrets_found_in_variables_and_endpoints():
    found = logic.sandbox_secrets(dict(variables=[{"key": "A", "value": SECRET, "encrypted": True}, {"key": "B", "value": "x"}],
                                       endpoints=[{"http": {"password": "pw"}, "tls": {"private_key": "k"}}]))
    assert found == {SECRET, "pw", "k"}


# --- comparison ---------------------------------------------------------------------------------------------

def test_only_set_and_differing_settings_count():
    spec = logic.desired_spec(params(apps=["serve"], tags=["a"], resources="2x4",
                                     endpoints=[{"name": "www", "endpoint": 80, "type": "HTTP", "region": "EU",
                                                 "http": {"password": "pw"}}],
                                     variables=[{"key": "TOKEN", "value": SECRET, "encrypted": True}]))
    assert logic.differences(spec, RUNNING) == []
    assert logic.differences(dict(spec, tags=["b"], apps=["other"]), RUNNING) == ["apps", "tags"]


# --- the task -----------------------------------------------------------------------------------------------

def test_create_from_scratch_sends_the_spec_and_masks_the_result():
    sandboxes = FakeSandboxes()
    result = run(sandboxes, diff=True, os="ubuntu:24.04", apps=["serve"],
                 variables=[{"key": "TOKEN", "value": SECRET, "encrypted": True}])
    assert result["changed"] and result["actions"] == ["create"]
    body = sandboxes.calls[1][1]
    assert body == {"name": "web", "identifier": "web", "os": "ubuntu:24.04", "apps": ["serve"],
                    "variables": [{"key": "TOKEN", "value": SECRET, "encrypted": True}]}
    assert SECRET not in str(result) and result["sandbox"]["variables"][0]["value"] == "********"
    assert result["diff"]["before"] == {}


def test_scratch_needs_os_only_once_the_sandbox_is_missing():
    with pytest.raises(ValidationError) as caught:
        run(FakeSandboxes())
    assert "os is required" in caught.value.message


def test_no_change_is_one_look_up_and_a_patch_sends_only_the_difference():
    sandboxes = FakeSandboxes(RUNNING)
    assert run(sandboxes, state="started", tags=["a"], os="ubuntu:24.04")["changed"] is False
    assert sandboxes.calls == [("find", "web")]
    result = run(sandboxes, diff=True, tags=["a", "b"], resources="2x4")
    assert result["actions"] == ["update"] and sandboxes.calls[-1] == ("patch", {"tags": ["a", "b"]})
    assert result["diff"] == {"before": {"tags": ["a"]}, "after": {"tags": ["a", "b"]}}


def test_check_mode_writes_nothing():
    sandboxes = FakeSandboxes(RUNNING)
    result = run(sandboxes, check_mode=True, tags=["z"], state="stopped")
    assert result["changed"] and result["sandbox"]["tags"] == ["z"] and result["sandbox"]["status"] == "STOPPED"
    assert sandboxes.calls == [("find", "web")]


@pytest.mark.parametrize("change, field", [(dict(os="ubuntu:22.04"), "os"),
                                           (dict(first_boot_commands="make all"), "first_boot_commands"),
                                           (dict(snapshot_id="sn-9", **{"from": "snapshot"}), "snapshot_id")])
def test_changes_the_api_cant_make_in_place_need_recreate(change, field):
    sandboxes = FakeSandboxes(dict(RUNNING, snapshot_id="sn-1"))
    with pytest.raises(OpsflowError) as caught:
        run(sandboxes, **change)
    assert "recreate" in caught.value.message and caught.value.details["fields"][0].startswith(field)
    assert [call[0] for call in sandboxes.calls] == ["find"]
    result = run(sandboxes, recreate=True, **change)
    assert result["actions"] == ["delete", "create"]
    assert [call[0] for call in sandboxes.calls[1:]] == ["find", "delete", "create"]
    # From scratch, what the task does not set comes from the sandbox it replaces (a snapshot brings its own).
    body = sandboxes.calls[-1][1]
    if field != "snapshot_id":
        assert body["resources"] == "2x4" and body["apps"] == ["serve"] and body["tags"] == ["a"]
        assert body["os"] == change.get("os", "ubuntu:24.04") and body["name"] == "web"
    else:
        assert body == {"name": "web", "identifier": "web", "snapshot_id": "sn-9"}


def test_states_stop_start_restart_absent():
    sandboxes = FakeSandboxes(RUNNING)
    assert run(sandboxes, state="stopped")["actions"] == ["stop"]
    assert run(sandboxes, state="stopped")["changed"] is False
    assert run(sandboxes, state="started")["actions"] == ["start"]
    assert run(sandboxes, state="restarted")["actions"] == ["restart"]
    assert run(sandboxes, state="absent")["actions"] == ["delete"] and sandboxes.boxes == {}
    assert run(sandboxes, state="absent")["changed"] is False


def test_a_stopped_sandbox_met_while_waiting_is_started_once():
    sandboxes = FakeSandboxes(RUNNING)
    sandboxes.reads = [dict(RUNNING, status="STOPPED")]
    result = run(sandboxes, state="restarted")
    assert [call[0] for call in sandboxes.calls] == ["find", "restart", "get", "start", "get"]
    assert result["sandbox"]["status"] == "RUNNING"


@pytest.mark.parametrize("record, words", [
    (dict(RUNNING, setup_status="FAILED", boot_logs=["$ make", "exit 2", "Setup failed.", "leak " + SECRET]),
     "setup FAILED"),
    (dict(RUNNING, setup_status="STALE"), "STALE"),
    (dict(RUNNING, status="FAILED"), "is FAILED"),
])
def test_failures_carry_the_boot_logs_tail(record, words):
    sandboxes = FakeSandboxes(RUNNING)
    sandboxes.reads = [record]
    with pytest.raises(OpsflowError) as caught:
        run(sandboxes, state="restarted", variables=[{"key": "K", "value": SECRET, "encrypted": True}],
            wait_for=["running", "configured"])
    assert words in caught.value.message and caught.value.details["changed"] is True
    assert SECRET not in caught.value.message and caught.value.details["boot_logs"]


def test_apps_wait_fails_on_a_failed_app():
    sandboxes = FakeSandboxes(RUNNING)
    sandboxes.reads = [dict(RUNNING, apps=[{"command": "serve", "app_status": "FAILED"}])]
    with pytest.raises(OpsflowError) as caught:
        run(sandboxes, state="restarted", wait_for=["apps"])
    assert "FAILED apps: serve" in caught.value.message


def test_snapshot_source_by_name_and_clone_with_one_patch():
    sandboxes = FakeSandboxes(dict(RUNNING, id="base", identifier="base"))
    sandboxes.snapshots["base"] = [{"id": "sn-old", "name": "golden", "status": "CREATED", "create_date": "1"},
                                   {"id": "sn-new", "name": "golden", "status": "CREATED", "create_date": "2"},
                                   {"id": "sn-wip", "name": "golden", "status": "CREATING", "create_date": "3"}]
    run(sandboxes, snapshot_name="golden", source_sandbox="base", **{"from": "snapshot"})
    assert sandboxes.calls[-1] == ("create", {"name": "web", "identifier": "web", "snapshot_id": "sn-new"})
    sandboxes.calls = []
    run(sandboxes, identifier="copy", source_sandbox="base", tags=["copy"], **{"from": "sandbox"})
    assert sandboxes.calls[-2:] == [("create", {"name": "copy", "identifier": "copy", "source_sandbox_id": "base"}),
                                    ("patch", {"tags": ["copy"]})]
    with pytest.raises(ValidationError) as caught:
        run(sandboxes, identifier="other", snapshot_name="nope", source_sandbox="base", **{"from": "snapshot"})
    assert "no CREATED snapshot named 'nope'" in caught.value.message


# --- snapshots --------------------------------------------------------------------------------------------------

def snap_params(**values):
    base = dict(workspace="acme", project_name="website", sandbox="web", name="golden", state="present", wait=True,
                wait_timeout=60, poll_interval=0.01)
    base.update(values)
    return base


def test_snapshot_create_reuse_delete_and_check_mode():
    sandboxes = FakeSandboxes(RUNNING)
    client = Client(sandboxes)
    assert logic.ensure_snapshot(client, snap_params(), check_mode=True)["changed"] is True
    assert "snapshot" not in [call[0] for call in sandboxes.calls]
    first = logic.ensure_snapshot(client, snap_params())
    assert first["changed"] and first["snapshot"]["status"] == "CREATED"
    again = logic.ensure_snapshot(client, snap_params())
    assert again["changed"] is False and again["snapshot"]["id"] == first["snapshot"]["id"]
    gone = logic.ensure_snapshot(client, snap_params(state="absent"), want_diff=True)
    assert gone["changed"] and gone["snapshots_deleted"] == 1 and sandboxes.snapshots["sb1"] == []
    assert logic.ensure_snapshot(client, snap_params(state="absent"))["changed"] is False
    assert logic.ensure_snapshot(client, snap_params(sandbox="missing", state="absent"))["changed"] is False
    with pytest.raises(ValidationError):
        logic.ensure_snapshot(client, snap_params(sandbox="missing"))
    with pytest.raises(ValidationError):
        logic.ensure_snapshot(client, snap_params(name="  "))
