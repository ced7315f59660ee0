# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox_info as Ansible runs it (main() with a fake client): options, look-ups, request counts."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
import yaml

from ansible_collections.opsflow.pipelines.plugins.modules import buddy_sandbox_info

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, check_module_docs, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_buddy_pipeline_run import TOKEN

BASE = dict(token=TOKEN, api_url="https://api.example.test", workspace="acme")
SHORT = [{"id": "sb1", "identifier": "web", "name": "Web", "status": "RUNNING"},
         {"id": "sb2", "identifier": "api", "name": "API", "status": "STOPPED"}]
FULL = {
    "sb1": {"id": "sb1", "identifier": "web", "name": "Web", "status": "RUNNING", "setup_status": "SUCCESS",
            "app_status": "RUNNING", "os": "ubuntu:24.04", "tags": ["review"],
            "endpoints": [{"name": "www", "endpoint": "80", "type": "HTTP", "endpoint_url": "https://www-web.example"}]},
    "sb2": {"id": "sb2", "identifier": "api", "name": "API", "status": "STOPPED", "setup_status": "SUCCESS",
            "app_status": "NONE", "os": "ubuntu:22.04", "tags": [], "endpoints": []},
}


class FakeSandboxClient:
    """Read calls only: a write would be an AttributeError."""

    def __init__(self):
        self.calls = []

    def list_sandboxes(self, workspace, project_name):
        self.calls.append(("list", workspace, project_name))
        return [dict(item) for item in SHORT]

    def get_sandbox(self, workspace, sandbox_id):
        self.calls.append(("get", sandbox_id))
        return dict(FULL[sandbox_id]) if sandbox_id in FULL else None

    def list_snapshots(self, workspace, sandbox_id):
        self.calls.append(("snapshots", sandbox_id))
        return [{"id": "sn-1", "name": "nightly", "status": "CREATED"}] if sandbox_id == "sb1" else []


def run_module(client, capsys, **args):
    """main() with BASE and ``args``: the parsed JSON result and the raw output."""
    return run_main(buddy_sandbox_info, buddy_sandbox_info.BuddyClient, buddy_client(sandboxes=client), capsys,
                    dict(BASE, **args))


def test_documentation_matches_the_argument_spec():
    check_module_docs(buddy_sandbox_info, "opsflow.pipelines._attributes.INFO_MODULE")
    assert set(yaml.safe_load(buddy_sandbox_info.RETURN)) == {"sandboxes"}


def test_listing_reads_each_sandbox_in_full(capsys):
    client = FakeSandboxClient()
    result, out = run_module(client, capsys, project_name="website")
    assert result["changed"] is False
    assert client.calls == [("list", "acme", "website"), ("get", "sb1"), ("get", "sb2")]
    assert [item["identifier"] for item in result["sandboxes"]] == ["web", "api"]
    assert result["sandboxes"][0]["endpoints"][0]["endpoint_url"] == "https://www-web.example"
    assert TOKEN not in out


def test_listing_without_details_is_one_request(capsys):
    client = FakeSandboxClient()
    result, dummy = run_module(client, capsys, project_name="website", details=False)
    assert client.calls == [("list", "acme", "website")]
    assert result["sandboxes"] == SHORT


def test_by_identifier_with_snapshots(capsys):
    client = FakeSandboxClient()
    result, dummy = run_module(client, capsys, project_name="website", identifier="web", include_snapshots=True)
    assert client.calls == [("list", "acme", "website"), ("get", "sb1"), ("snapshots", "sb1")]
    assert len(result["sandboxes"]) == 1 and result["sandboxes"][0]["snapshots"][0]["name"] == "nightly"


def test_by_id_in_check_mode(capsys):
    client = FakeSandboxClient()
    result, dummy = run_module(client, capsys, id="sb2", _ansible_check_mode=True)
    assert client.calls == [("get", "sb2")]
    assert result["changed"] is False and result["sandboxes"][0]["status"] == "STOPPED"


def test_unknown_identifier_or_id_is_an_empty_list(capsys):
    client = FakeSandboxClient()
    result, dummy = run_module(client, capsys, project_name="website", identifier="nope")
    assert result["sandboxes"] == [] and client.calls == [("list", "acme", "website")]
    result, dummy = run_module(FakeSandboxClient(), capsys, id="nope")
    assert result["sandboxes"] == []


@pytest.mark.parametrize("args, words", [
    (dict(project_name="website", identifier="web", id="sb1"), "mutually exclusive"),
    (dict(id="sb1", environment_id="e1"), "mutually exclusive"),
])
def test_option_rules_fail_before_any_request(capsys, args, words):
    client = FakeSandboxClient()
    result, dummy = run_module(client, capsys, **args)
    assert result["failed"] is True and words in result["msg"]
    assert client.calls == []


def test_encrypted_values_and_endpoint_secrets_are_masked_in_normal_and_check_mode(capsys):
    secret_sandbox = dict(FULL["sb1"], variables=[{"key": "TOKEN", "value": "secure!abc", "encrypted": True},
                                                  {"key": "MODE", "value": "dev", "encrypted": False}],
                          endpoints=[{"name": "www", "endpoint": "443", "type": "TLS",
                                      "tls": {"private_key": "-----KEY-----"}, "http": {"password": "pw-1"}}])
    for check in (False, True):
        client = FakeSandboxClient()
        client.get_sandbox = lambda workspace, sandbox_id: dict(secret_sandbox)
        result, output = run_module(client, capsys, id="sb1", _ansible_check_mode=check)
        sandbox = result["sandboxes"][0]
        assert [item["value"] for item in sandbox["variables"]] == ["********", "dev"]
        assert sandbox["endpoints"][0]["tls"]["private_key"] == "********"
        assert sandbox["endpoints"][0]["http"]["password"] == "********"
        for secret in ("secure!abc", "-----KEY-----", "pw-1"):
            assert secret not in output


def test_without_a_project_lists_workspace_sandboxes(capsys):
    client = FakeSandboxClient()
    result, dummy = run_module(client, capsys, details=False)
    assert client.calls == [("list", "acme", None)] and len(result["sandboxes"]) == 2
