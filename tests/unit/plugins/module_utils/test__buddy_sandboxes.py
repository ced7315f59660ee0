# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sandboxes: client calls over a scripted session, and the look-ups buddy_sandbox_info makes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_sandboxes as sandboxes
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PER_PAGE
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ApiError, ValidationError

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import FakeRaw, request_paths, scripted_transport


def make_client(*script, **kwargs):
    transport, session, warnings = scripted_transport(*script, **kwargs)
    return sandboxes.BuddySandboxesClient(transport), session, warnings


# --- client calls ----------------------------------------------------------------------------------


def test_list_sandboxes_sends_the_project_and_follows_pages():
    full_page = FakeRaw(200, {"sandboxes": [{"id": "s%d" % index} for index in range(PER_PAGE)]})
    client, session, _warnings = make_client(full_page, FakeRaw(200, {"sandboxes": [{"id": "last"}]}))
    listed = client.list_sandboxes("acme", "website")
    assert len(listed) == PER_PAGE + 1
    assert request_paths(session) == [("GET", "/workspaces/acme/sandboxes")] * 2
    assert [call[2]["params"] for call in session.calls] == [
        {"project_name": "website", "page": 1, "per_page": PER_PAGE},
        {"project_name": "website", "page": 2, "per_page": PER_PAGE},
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


def test_listing_needs_a_project():
    with pytest.raises(ValidationError):
        sandboxes.find_sandboxes(SandboxClient([]), "acme", identifier="web")
