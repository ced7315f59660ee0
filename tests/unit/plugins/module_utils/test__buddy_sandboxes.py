# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sandboxes: client calls over a scripted session, and the look-ups buddy_sandbox_info makes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
import requests

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_sandboxes as sandboxes
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ApiError

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import FakeRaw, request_paths, scripted_transport


def make_client(*script, **kwargs):
    transport, session, warnings = scripted_transport(*script, **kwargs)
    return sandboxes.BuddySandboxesClient(transport), session, warnings


# --- client calls ----------------------------------------------------------------------------------


def test_list_sandboxes_is_one_request_with_optional_filters():
    client, session, _warnings = make_client(FakeRaw(200, {"sandboxes": [{"id": "s1"}]}),
                                             FakeRaw(200, {"sandboxes": []}), FakeRaw(200, [{"id": "s2"}]))
    assert client.list_sandboxes("acme", "website") == [{"id": "s1"}]
    assert client.list_sandboxes("acme") == []
    assert client.list_sandboxes("acme", environment_id="e1") == [{"id": "s2"}]
    assert request_paths(session) == [("GET", "/workspaces/acme/sandboxes")] * 3
    assert [call[2]["params"] for call in session.calls] == [{"project_name": "website"}, None, {"environment_id": "e1"}]


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


# --- look-ups ------------------------------------------------------------------------------------


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
    found = sandboxes.find_sandboxes(client, "acme", sandbox_id="sb1")
    assert client.calls == [("get", "sb1")]
    assert found[0]["endpoints"][0]["endpoint_url"] == "https://www-web.example"
    assert "endpoint_url" not in FULL["endpoints"][0]
    assert sandboxes.find_sandboxes(SandboxClient([]), "acme", sandbox_id="nope") == []


def test_listing_reads_short_entries_in_full_and_keeps_full_ones():
    listed = [{"id": "sb1", "identifier": "web", "status": "RUNNING"}, dict(FULL, id="sb2", identifier="api")]
    client = SandboxClient(listed, {"sb1": FULL})
    found = sandboxes.find_sandboxes(client, "acme", project_name="website")
    assert client.calls == [("list", "acme", "website"), ("get", "sb1")]
    assert [item["identifier"] for item in found] == ["web", "api"]


def test_listing_without_details_is_one_request_per_page():
    client = SandboxClient([{"id": "sb1", "identifier": "web"}, {"id": "sb2", "identifier": "api"}])
    found = sandboxes.find_sandboxes(client, "acme", project_name="website", details=False)
    assert client.calls == [("list", "acme", "website")]
    assert found == [{"id": "sb1", "identifier": "web"}, {"id": "sb2", "identifier": "api"}]


def test_by_identifier_reads_only_the_match_and_snapshots_when_asked():
    client = SandboxClient([{"id": "sb1", "identifier": "web"}, {"id": "sb2", "identifier": "api"}], {"sb1": FULL},
                           {"sb1": [{"id": "sn-1", "name": "nightly"}]})
    found = sandboxes.find_sandboxes(client, "acme", project_name="website", identifier="web", include_snapshots=True)
    assert client.calls == [("list", "acme", "website"), ("get", "sb1"), ("snapshots", "sb1")]
    assert found[0]["snapshots"] == [{"id": "sn-1", "name": "nightly"}]
    assert sandboxes.find_sandboxes(SandboxClient([{"id": "sb1", "identifier": "web"}]), "acme",
                                    project_name="website", identifier="nope") == []


def test_sandbox_deleted_between_list_and_get_is_left_out():
    client = SandboxClient([{"id": "gone", "identifier": "old"}])
    assert sandboxes.find_sandboxes(client, "acme", project_name="website") == []


def test_listing_without_a_project_lists_workspace_sandboxes():
    client = SandboxClient([dict(FULL)])
    assert [item["id"] for item in sandboxes.find_sandboxes(client, "acme", identifier="web")] == ["sb1"]
    assert client.calls == [("list", "acme", None)]


# --- the look-up by identifier, create, operations, snapshots -------------------------------------------------

IDENTIFIERS = ("GET", "/workspaces/acme/identifiers")


def test_find_sandbox_through_the_identifiers_endpoint():
    client, session, _warnings = make_client(FakeRaw(200, {"sandbox_id": "sb1", "project_identifier": "website"}),
                                             FakeRaw(200, FULL))
    found = client.find_sandbox("acme", "website", "web")
    assert found["id"] == "sb1" and found["endpoints"][0]["endpoint_url"] == "https://www-web.example"
    assert request_paths(session) == [IDENTIFIERS, ("GET", "/workspaces/acme/sandboxes/sb1")]
    assert session.calls[0][2]["params"] == {"sandbox": "web", "project": "website"}


def test_find_sandbox_falls_back_to_the_list_and_stops_asking_the_failing_endpoint():
    short = {"id": "sb1", "identifier": "web", "status": "RUNNING"}
    client, session, _warnings = make_client(
        FakeRaw(500, {"errors": [{"message": "boom"}]}),
        FakeRaw(200, {"sandboxes": [short]}), FakeRaw(200, FULL),
        FakeRaw(200, {"sandboxes": []}))
    assert client.find_sandbox("acme", "website", "web")["os"] == "ubuntu:24.04"
    assert client.find_sandbox("acme", "website", "other") is None
    assert request_paths(session)[-3:] == [("GET", "/workspaces/acme/sandboxes"), ("GET", "/workspaces/acme/sandboxes/sb1"),
                                           ("GET", "/workspaces/acme/sandboxes")]


def test_find_sandbox_when_the_endpoint_names_no_sandbox_reads_the_list():
    client, session, _warnings = make_client(FakeRaw(200, {"project_identifier": "website"}),
                                             FakeRaw(200, {"sandboxes": [dict(FULL)]}))
    assert client.find_sandbox("acme", "website", "web")["id"] == "sb1"
    assert request_paths(session) == [IDENTIFIERS, ("GET", "/workspaces/acme/sandboxes")]


def test_create_is_not_sent_again_when_it_may_have_committed():
    timeout = requests.exceptions.ReadTimeout("read timed out")
    client, session, warnings = make_client(timeout, FakeRaw(200, {"sandbox_id": "sb1"}), FakeRaw(200, FULL))
    created = client.create_sandbox("acme", "website", {"name": "web", "identifier": "web", "os": "ubuntu:24.04"})
    assert created["id"] == "sb1"
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "GET"]
    assert any("was not sent again" in warning for warning in warnings)


def test_create_reads_back_an_answer_without_a_sandbox():
    client, session, _warnings = make_client(FakeRaw(201, text=""), FakeRaw(200, {"sandbox_id": "sb1"}),
                                             FakeRaw(200, FULL))
    assert client.create_sandbox("acme", None, {"name": "web", "identifier": "web"})["id"] == "sb1"
    assert session.calls[0][2]["params"] is None


def test_old_shape_is_read_as_the_2026_one():
    old = {"id": "sb1", "install_commands": "make", "run_command": "serve", "app_type": "CMD", "app_status": "RUNNING",
           "setup_status": "DONE", "endpoints": [{"name": "www", "tls": {"endpoint_url": "tls://x"}}]}
    new = sandboxes.normalize_sandbox(old)
    assert new["first_boot_commands"] == "make" and new["apps"] == [{"command": "serve", "app_status": "RUNNING"}]
    assert new["setup_status"] == "SUCCESS" and new["endpoints"][0]["endpoint_url"] == "tls://x"
    assert sandboxes.normalize_sandbox({"apps": ["a"]})["apps"] == [{"command": "a"}]


def test_operations_accept_200_and_201_and_delete_accepts_404():
    client, session, _warnings = make_client(FakeRaw(201, FULL), FakeRaw(200, FULL), FakeRaw(404, {}),
                                             FakeRaw(204), FakeRaw(404, {}))
    assert client.operate("acme", "sb1", "start")["id"] == "sb1"
    assert client.operate("acme", "sb1", "stop")["id"] == "sb1"
    client.delete_snapshot("acme", "sb1", "sn-1")
    client.delete_sandbox("acme", "sb1")
    client.delete_sandbox("acme", "sb1")
    assert request_paths(session)[0] == ("POST", "/workspaces/acme/sandboxes/sb1/start")
    assert session.calls[0][2]["data"] == "{}"


def test_create_snapshot_found_by_name_after_a_lost_answer():
    timeout = requests.exceptions.ReadTimeout("read timed out")
    client, session, warnings = make_client(
        timeout, FakeRaw(200, {"snapshots": [{"id": "sn-1", "name": "golden", "status": "CREATING"}]}),
        FakeRaw(200, {"id": "sn-2", "name": "other", "status": "CREATING"}))
    assert client.create_snapshot("acme", "sb1", "golden")["id"] == "sn-1"
    assert client.create_snapshot("acme", "sb1", "other")["id"] == "sn-2"
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "POST"]
    assert len(warnings) == 1
