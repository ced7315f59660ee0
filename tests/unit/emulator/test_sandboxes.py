# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's sandboxes: the model on a made-up clock, then the REST endpoints over HTTP."""

from __future__ import annotations

import time

import pytest

from emulator import buddy
from emulator import buddy_sandboxes as sbx
from emulator import server
from conftest import PIPELINE
from emulator.config import Config

SANDBOXES = "/workspaces/acme/sandboxes"
LIST = SANDBOXES + "?project_name=website"
BOOT = buddy.DEFAULT_SETTINGS["sandbox_boot"]
STOP = buddy.DEFAULT_SETTINGS["sandbox_stop"]


def seeded(*specs, **common):
    return {"sandboxes": [dict({"workspace": "acme", "project_name": "website"}, **dict(common, **spec)) for spec in specs]}


def make_state(seed=None):
    app = server.build_app(Config(base_url="http://emulator.test"))
    app.reset()
    if seed:
        app.apply_seed(seed)
    return app.state


# --- the model, on a made-up clock ------------------------------------------------------------------


def test_a_new_sandbox_boots_then_runs_its_apps():
    state = make_state()
    box = sbx.new_sandbox(state, "acme", "website", {"name": "Web", "identifier": "web", "apps": ["serve", "exit 1"],
                                                     "endpoints": [{"name": "www", "endpoint": 80, "type": "TCP"}]}, 100.0)
    assert (box["status"], box["setup_status"], sbx.app_status(box)) == ("STARTING", "INPROGRESS", "NONE")
    sbx.advance(state, 100.0 + BOOT - 0.01)
    assert box["status"] == "STARTING"
    sbx.advance(state, 100.0 + BOOT)
    assert (box["status"], box["setup_status"]) == ("RUNNING", "SUCCESS")
    assert [app["app_status"] for app in box["apps"]] == ["RUNNING", "FAILED"]
    assert sbx.app_status(box) == "FAILED"
    assert box["endpoints"][0]["endpoint_url"] == "tcp://www-web.sandbox.emulator.local"
    assert box["endpoints"][0]["endpoint"] == "80"


def test_stop_start_and_restart_timing():
    state = make_state(seeded({"name": "A", "identifier": "a", "apps": ["serve"]}))
    box = sbx.find_by_identifier(state, "acme", "website", "a")
    assert (box["status"], sbx.app_status(box)) == ("RUNNING", "RUNNING")
    assert sbx.stop(state, box, 10.0) == 10.0 + STOP
    assert box["status"] == "STOPPING"
    sbx.advance(state, 10.0 + STOP)
    assert (box["status"], sbx.app_status(box)) == ("STOPPED", "NONE")
    ready = sbx.boot(state, box, 20.0)
    assert box["status"] == "STARTING" and box["setup_status"] == "SUCCESS"  # setup runs on first boot only
    sbx.advance(state, ready)
    assert (box["status"], sbx.app_status(box)) == ("RUNNING", "RUNNING")


def test_identifiers_are_unique_per_project_and_checked():
    state = make_state(seeded({"name": "A", "identifier": "a"}))
    with pytest.raises(sbx.SandboxError):
        sbx.new_sandbox(state, "acme", "website", {"name": "Again", "identifier": "a"}, 0.0)
    sbx.new_sandbox(state, "acme", "other", {"name": "Elsewhere", "identifier": "a"}, 0.0)
    for spec, words in (({"name": "X", "identifier": "-bad"}, "identifier"), ({"identifier": "ok"}, "name"),
                        ({"name": "X", "os": "windows"}, "os"), ({"name": "X", "resources": "64x128"}, "resources"),
                        ({"name": "X", "endpoints": [{"name": "www"}]}, "endpoints[0]"),
                        ({"name": "X", "colour": "red"}, "Unknown")):
        with pytest.raises(sbx.SandboxError) as caught:
            sbx.new_sandbox(state, "acme", "website", spec, 0.0)
        assert words in str(caught.value)


@pytest.mark.parametrize("identifier, valid", [
    ("a", True), ("web_1", True), ("review-42", True), ("_x_", True), ("A-b_C", True),
    ("-bad", False), ("bad-", False), ("-", False), ("", False), ("a b", False), ("a.b", False), ("a/b", False),
])
def test_one_identifier_rule_for_the_sandbox_api_and_sandbox_create_actions(api, control, identifier, valid):
    """facts-v2 C: letters, digits, '_' and '-', no '-' at the start or end; the same answer from
    ``POST /sandboxes`` and from a SANDBOX_CREATE action's ``spec.identifier``."""
    del control
    assert sbx.valid_identifier(identifier) is valid
    status, _headers, body = api.post(LIST, {"name": "Box", "identifier": identifier})
    assert status == (201 if valid else 400), body
    action = {"name": "Create", "type": "SANDBOX_CREATE", "from": "SCRATCH", "spec": {"name": "Box", "identifier": identifier}}
    status, _headers, body = api.post(PIPELINE + "/actions", action)
    assert status == (201 if valid else 400), body
    if not valid:
        assert "identifier" in body["errors"][0]["message"] and "'-'" in body["errors"][0]["message"]


def test_snapshots_become_created_and_are_found_by_name():
    state = make_state(seeded({"name": "A", "identifier": "a"}))
    box = sbx.find_by_identifier(state, "acme", "website", "a")
    snapshot, ready = sbx.create_snapshot(state, box, "before-upgrade", 5.0)
    assert snapshot["status"] == "CREATING" and snapshot["id"].startswith("sn-")
    assert sbx.find_snapshot(state, "acme", "website", "before-upgrade") is None
    sbx.advance(state, ready)
    assert sbx.find_snapshot(state, "acme", "website", "before-upgrade") is snapshot


# --- the endpoints, over HTTP ---------------------------------------------------------------------------


# A bound on a poll of the emulator's state that a busy machine never reaches when the emulator works
# (an attempt count would turn into a shorter wait on a slower machine).
BOUND = 120.0


def wait_status(api, sandbox_id, wanted):
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        status, _headers, body = api.get(SANDBOXES + "/" + sandbox_id)
        assert status == 200, body
        if body["status"] == wanted:
            return body
        time.sleep(0.02)
    raise AssertionError("sandbox %s never reached %s" % (sandbox_id, wanted))


def test_list_is_one_answer_and_without_a_project_lists_workspace_sandboxes(api, control):
    control.seed(seeded(*[{"name": "S%d" % index, "identifier": "s%d" % index} for index in range(7)]))
    control.seed(seeded({"name": "Other", "identifier": "o"}, project_name="other"))
    control.seed({"sandboxes": [{"workspace": "acme", "name": "Loose", "identifier": "loose", "environment_id": "e1"},
                                {"workspace": "acme", "name": "Loose 2", "identifier": "loose2"}]})
    control.list_settings(page_size=5)
    status, _headers, body = api.get(SANDBOXES)
    assert status == 200 and [item["identifier"] for item in body["sandboxes"]] == ["loose", "loose2"]
    assert "project" not in body["sandboxes"][0]
    status, _headers, body = api.get(SANDBOXES + "?environment_id=e1")
    assert [item["identifier"] for item in body["sandboxes"]] == ["loose"]
    status, _headers, first = api.get(LIST + "&per_page=5")
    # Not paginated: every sandbox at once, page / per_page ignored.
    assert status == 200 and [item["identifier"] for item in first["sandboxes"]] == ["s%d" % index for index in range(7)]
    assert set(first["sandboxes"][0]) == set(sbx.SHORT_KEYS)
    assert api.get(LIST + "&page=2")[2]["sandboxes"] == first["sandboxes"]
    assert api.get(SANDBOXES + "?project_name=nope")[0] == 404


def test_get_returns_the_full_sandbox(api, control):
    control.seed(seeded({"name": "Web", "identifier": "web", "tags": ["review"], "apps": ["npm start"],
                         "endpoints": [{"name": "www", "endpoint": "80"}]}))
    sandbox_id = api.get(LIST)[2]["sandboxes"][0]["id"]
    status, _headers, body = api.get(SANDBOXES + "/" + sandbox_id)
    assert status == 200
    assert (body["status"], body["setup_status"], body["apps"][0]["app_status"]) == ("RUNNING", "SUCCESS", "RUNNING")
    assert "app_status" not in body  # 2026: each app has its own, no top-level one
    assert body["tags"] == ["review"] and body["apps"][0]["command"] == "npm start"
    assert body["endpoints"][0]["endpoint_url"] == "https://www-web.sandbox.emulator.local"
    assert body["project"]["name"] == "website" and body["url"].endswith(SANDBOXES + "/" + sandbox_id)
    assert not [key for key in body if key.startswith("_")] and "snapshots" not in body
    assert api.get(SANDBOXES + "/nope")[0] == 404
    assert api.get("/workspaces/nowhere/sandboxes/" + sandbox_id)[0] == 404


def test_create_edit_start_stop_restart_delete(api, control):
    status, _headers, created = api.post(LIST, {"name": "New", "identifier": "new", "os": "ubuntu:22.04",
                                                "tags": ["a"], "apps": ["serve"]})
    assert status == 201 and created["status"] == "STARTING" and created["os"] == "ubuntu:22.04"
    path = SANDBOXES + "/" + created["id"]
    wait_status(api, created["id"], "RUNNING")
    status, _headers, body = api.post(LIST, {"name": "Dup", "identifier": "new"})
    assert status == 400 and "already exists" in body["errors"][0]["message"]
    status, _headers, edited = api.patch(path, {"tags": ["a", "b"], "name": "Renamed"})
    assert status == 200 and edited["tags"] == ["a", "b"] and edited["name"] == "Renamed"
    assert api.patch(path, {"os": "dos"})[0] == 400
    status, _headers, stopping = api.post(path + "/stop", {})
    assert status == 200 and stopping["status"] == "STOPPING"
    wait_status(api, created["id"], "STOPPED")
    status, _headers, starting = api.post(path + "/start", {})
    assert status == 200 and starting["status"] == "STARTING"
    wait_status(api, created["id"], "RUNNING")
    assert api.post(path + "/restart", {})[2]["status"] == "STARTING"
    assert api.delete(path)[0] == 204
    assert api.get(path)[0] == 404
    assert control.state()["sandboxes"] == {}


def test_clone_from_a_source_sandbox(api, control):
    control.seed(seeded({"name": "Base", "identifier": "base", "tags": ["golden"]}))
    source_id = api.get(LIST)[2]["sandboxes"][0]["id"]
    status, _headers, clone = api.post(LIST, {"source_sandbox_id": source_id, "name": "Clone", "identifier": "clone"})
    assert status == 201 and clone["source_sandbox_id"] == source_id and clone["tags"] == ["golden"]


def test_snapshots_endpoints(api, control):
    control.seed(seeded({"name": "A", "identifier": "a", "snapshots": ["old"]}))
    sandbox_id = api.get(LIST)[2]["sandboxes"][0]["id"]
    path = SANDBOXES + "/" + sandbox_id + "/snapshots"
    status, _headers, added = api.post(path, {"name": "fresh"})
    assert status == 201 and added["status"] == "CREATING" and added["name"] == "fresh"
    assert api.post(path, {})[0] == 400
    deadline = time.monotonic() + BOUND
    while True:
        listing = api.get(path)[2]["snapshots"]
        if all(item["status"] == "CREATED" for item in listing) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert [(item["name"], item["status"]) for item in listing] == [("old", "CREATED"), ("fresh", "CREATED")]
    assert api.get(path + "/" + added["id"])[2]["name"] == "fresh"
    assert api.delete(path + "/" + added["id"])[0] == 204
    assert api.get(path + "/" + added["id"])[0] == 404


def test_sandbox_writes_need_a_writing_token(api, control):
    control.seed(seeded({"name": "A", "identifier": "a"}))
    assert api.get(LIST, token="emulator-readonly-token")[0] == 200
    assert api.post(LIST, {"name": "B"}, token="emulator-readonly-token")[0] == 403
    assert api.get(LIST, token=None)[0] == 401


def test_list_entries_are_short_unless_the_full_view_is_switched_on(api, control):
    # The public record (facts-v2 C): {id, identifier, name, status, setup_status, url, html_url}.
    control.seed(seeded({"name": "A", "identifier": "a", "tags": ["t"]}))
    status, _headers, body = api.get(LIST)
    assert status == 200 and set(body["sandboxes"][0]) == set(sbx.SHORT_KEYS)
    assert set(sbx.SHORT_KEYS) == {"id", "identifier", "name", "status", "setup_status", "url", "html_url"}
    control.seed({"sandbox_settings": {"list_view": "full"}})
    entry = api.get(LIST)[2]["sandboxes"][0]
    assert entry == api.get(SANDBOXES + "/" + entry["id"])[2] and entry["tags"] == ["t"]
    assert api.post("/_emulator/seed", {"sandbox_settings": {"list_view": "whole"}})[0] == 400


# --- switches and the 2026 record ------------------------------------------------------------------------------


def test_identifiers_endpoint_present_missing_failing(api, control):
    control.seed(seeded({"name": "A", "identifier": "a"}))
    sandbox_id = api.get(LIST)[2]["sandboxes"][0]["id"]
    status, _headers, body = api.get("/workspaces/acme/identifiers?project=website&sandbox=a")
    assert status == 200 and body["sandbox_id"] == sandbox_id and body["project_identifier"] == "website"
    assert "sandbox_id" not in api.get("/workspaces/acme/identifiers?project=website&sandbox=zz")[2]
    assert api.get("/workspaces/acme/identifiers?project=nope&sandbox=a")[0] == 404
    control.seed({"sandbox_settings": {"identifiers": "missing"}})
    assert api.get("/workspaces/acme/identifiers?project=website&sandbox=a")[0] == 404
    control.seed({"sandbox_settings": {"identifiers": "failing"}})
    assert api.get("/workspaces/acme/identifiers?project=website&sandbox=a")[0] == 500
    with pytest.raises(Exception):
        control.seed({"sandbox_settings": {"identifiers": "sometimes"}})


def test_2026_and_pre2026_shapes_and_endpoint_url_place(api, control):
    control.seed(seeded({"name": "A", "identifier": "a", "apps": ["serve"], "first_boot_commands": "apt-get update",
                         "endpoints": [{"name": "www", "endpoint": "80", "type": "SSH", "region": "AS"}]}))
    sandbox_id = api.get(LIST)[2]["sandboxes"][0]["id"]
    body = api.get(SANDBOXES + "/" + sandbox_id)[2]
    assert "app_status" not in body and body["apps"][0]["app_status"] == "RUNNING"
    assert body["endpoints"][0]["endpoint_url"] and (body["endpoints"][0]["type"], body["endpoints"][0]["region"]) == ("SSH", "AS")
    control.seed({"sandbox_settings": {"shape": "pre2026", "endpoint_url": "http"}})
    old = api.get(SANDBOXES + "/" + sandbox_id)[2]
    assert (old["app_status"], old["setup_status"], old["run_command"], old["install_commands"]) == (
        "RUNNING", "DONE", "serve", "apt-get update")
    assert "apps" not in old and "first_boot_commands" not in old
    assert "endpoint_url" not in old["endpoints"][0] and old["endpoints"][0]["http"]["endpoint_url"]


def test_encrypted_variables_come_back_as_ciphertext(api, control):
    status, _headers, created = api.post(LIST, {"name": "V", "identifier": "v", "os": "ubuntu:24.04", "variables": [
        {"key": "TOKEN", "value": "plain-secret", "encrypted": True}, {"key": "MODE", "value": "dev"}]})
    assert status == 201
    assert created["variables"][0]["value"].startswith("secure!") and created["variables"][1]["value"] == "dev"
    assert "plain-secret" not in str(created)
    # Sending the ciphertext back keeps the secret; the state keeps the plain value privately.
    edited = api.patch(SANDBOXES + "/" + created["id"], {"variables": created["variables"]})[2]
    assert edited["variables"][0]["value"] == created["variables"][0]["value"]
    assert control.state()["sandboxes"][created["id"]]["variables"][0]["_plain"] == "plain-secret"


def test_setup_failure_boot_failure_and_action_statuses():
    state = make_state()
    box = sbx.new_sandbox(state, "acme", "website", {"name": "F", "identifier": "f",
                                                     "first_boot_commands": "echo hi\nexit 3\necho never"}, 5.0)
    sbx.advance(state, 5.0 + BOOT)
    assert (box["status"], box["setup_status"]) == ("RUNNING", "FAILED")
    assert box["boot_logs"][-3:] == ["Command 'exit 3' exited with code 3", "Setup failed.", "Sandbox started."]
    sbx.seed_sandbox_settings(state, {"fail_boot": ["g"]})
    other = sbx.new_sandbox(state, "acme", "website", {"name": "G", "identifier": "g"}, 10.0)
    sbx.advance(state, 10.0 + BOOT)
    assert other["status"] == "FAILED" and "did not come up" in other["boot_logs"][-1]


def test_restore_from_a_snapshot_and_os_is_create_only(api, control):
    control.seed(seeded({"name": "A", "identifier": "a", "tags": ["golden"], "snapshots": ["base"]}))
    control.seed({"sandbox_settings": {"action_status": 201, "snapshot_status": 200}})
    sandbox_id = api.get(LIST)[2]["sandboxes"][0]["id"]
    snapshot = api.get(SANDBOXES + "/" + sandbox_id + "/snapshots")[2]["snapshots"][0]
    status, _headers, restored = api.post(LIST, {"snapshot_id": snapshot["id"], "name": "R", "identifier": "r"})
    assert status == 201 and restored["status"] == "RESTORING" and restored["tags"] == ["golden"]
    assert restored["snapshot_id"] == snapshot["id"]
    assert api.post(LIST, {"snapshot_id": "sn-nope", "name": "X"})[0] == 400
    assert api.post(LIST, {"snapshot_id": snapshot["id"], "identifier": "noname"})[0] == 400
    assert api.post(SANDBOXES + "/" + sandbox_id + "/stop", {})[0] == 201
    assert api.post(SANDBOXES + "/" + sandbox_id + "/snapshots", {"name": "n"})[0] == 200
    status, _headers, body = api.patch(SANDBOXES + "/" + sandbox_id, {"os": "ubuntu:22.04"})
    assert status == 400 and "operating system" in body["errors"][0]["message"]
