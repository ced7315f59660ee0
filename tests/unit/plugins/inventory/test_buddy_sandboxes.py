# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The buddy_sandboxes inventory with a fake client: file names, filters, host variables, masking, requests."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from unittest import mock

import pytest
import yaml

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.opsflow.pipelines.plugins.inventory import buddy_sandboxes
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import AuthenticationError

NAME = "opsflow.pipelines.buddy_sandboxes"
TOKEN = "inventory-secret-token"


def box(ident, status="RUNNING", tags=(), **extra):
    record = {"id": "id-" + ident, "identifier": ident, "status": status, "tags": list(tags), "os": "ubuntu:24.04",
              "endpoints": [], "setup_status": "SUCCESS"}
    record.update(extra)
    return record


class FakeSandboxes(object):
    def __init__(self, by_project, short=False):
        self.by_project = by_project
        self.short = short
        self.calls = []

    def list_sandboxes(self, workspace, project_name):
        self.calls.append(("list", workspace, project_name))
        records = self.by_project.get(project_name, [])
        if self.short:
            return [dict((key, item[key]) for key in ("id", "identifier", "status")) for item in records]
        return [dict(item) for item in records]

    def get_sandbox(self, workspace, sandbox_id):
        self.calls.append(("get", sandbox_id))
        for records in self.by_project.values():
            for item in records:
                if item["id"] == sandbox_id:
                    return dict(item)
        return None


class FakeClient(object):
    def __init__(self, sandboxes):
        self.sandboxes = sandboxes


def load(tmp_path, sandboxes, name="inv.buddy_sandboxes.yml", **config):
    settings = dict(plugin=NAME, workspace="acme", project_name="website", token=TOKEN)
    settings.update(config)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(settings))
    # What the plugin loader does: the documented options, with the constructed and inventory_cache fragments.
    doc = get_docstring(buddy_sandboxes.__file__, fragment_loader)[0]
    C.config.initialize_plugin_configuration_definitions("inventory", NAME, doc["options"])
    plugin = buddy_sandboxes.InventoryModule()
    plugin._load_name = NAME
    plugin._redirected_names = [NAME]  # set by the plugin loader
    inventory = InventoryData()
    with mock.patch.object(buddy_sandboxes.BuddyClient, "from_params", return_value=FakeClient(sandboxes)):
        plugin.parse(inventory, DataLoader(), str(path), cache=False)
    return inventory


def hostvars(inventory, name):
    return inventory.get_host(name).get_vars()


def test_verify_file_wants_the_plugin_file_name(tmp_path):
    plugin = buddy_sandboxes.InventoryModule()
    for name, expected in (("x.buddy_sandboxes.yml", True), ("buddy_sandboxes.yaml", True), ("hosts.yml", False)):
        path = tmp_path / name
        path.write_text("plugin: %s\n" % NAME)
        assert plugin.verify_file(str(path)) is expected


def test_running_sandboxes_with_their_record_masked(tmp_path):
    secret = {"key": "DB_PASSWORD", "value": "hunter2", "encrypted": True}
    sandboxes = FakeSandboxes({"website": [box("web", tags=["app"], variables=[secret]), box("off", status="STOPPED")]})
    inventory = load(tmp_path, sandboxes, keyed_groups=[{"key": "buddy_sandbox.tags", "prefix": "tag"}])
    assert sorted(inventory.hosts) == ["web"]
    web = hostvars(inventory, "web")
    assert web["ansible_connection"] == "opsflow.pipelines.buddy_sandbox"
    assert (web["ansible_buddy_workspace"], web["ansible_buddy_project_name"]) == ("acme", "website")
    assert web["buddy_sandbox"]["variables"][0]["value"] == "********"
    assert "tag_app" in inventory.groups and "web" in [host.name for host in inventory.groups["tag_app"].get_hosts()]
    assert TOKEN not in repr(web) and "ansible_buddy_validate_certs" not in web
    assert sandboxes.calls == [("list", "acme", "website")]


def test_endpoint_private_keys_and_passwords_are_masked(tmp_path):
    endpoint = {"name": "www", "endpoint": "443", "type": "TLS",
                "tls": {"private_key": "-----BEGIN PRIVATE KEY-----\nsecret-key", "certificate": "cert"},
                "http": {"auth_type": "BASIC", "password": "endpoint-pass", "login": "admin"}}
    inventory = load(tmp_path, FakeSandboxes({"website": [box("web", endpoints=[endpoint])]}))
    record = hostvars(inventory, "web")["buddy_sandbox"]
    assert "secret-key" not in repr(record) and "endpoint-pass" not in repr(record)
    assert record["endpoints"][0]["tls"] == {"private_key": "********", "certificate": "cert"}
    assert record["endpoints"][0]["http"]["login"] == "admin"


def test_short_entries_are_read_in_full_only_when_they_pass_the_status_filter(tmp_path):
    sandboxes = FakeSandboxes({"website": [box("web", tags=["app"]), box("off", status="STOPPED"),
                                           box("api", tags=["other"])]}, short=True)
    inventory = load(tmp_path, sandboxes, tags=["app"])
    assert sorted(inventory.hosts) == ["web"]
    assert sandboxes.calls == [("list", "acme", "website"), ("get", "id-web"), ("get", "id-api")]


def test_several_projects_and_a_clashing_identifier(tmp_path):
    sandboxes = FakeSandboxes({"website": [box("web")], "api": [box("web", id="id-other"), box("svc")]})
    inventory = load(tmp_path, sandboxes, project_name=["website", "api"], status=[], connection="",
                     validate_certs=False)
    assert sorted(inventory.hosts) == ["svc", "web"]
    assert hostvars(inventory, "web")["buddy_sandbox"]["id"] == "id-web"
    assert hostvars(inventory, "svc")["ansible_buddy_project_name"] == "api"
    assert "ansible_connection" not in hostvars(inventory, "svc")
    assert hostvars(inventory, "svc")["ansible_buddy_validate_certs"] is False


def test_api_errors_name_the_inventory(tmp_path):
    class Failing(FakeSandboxes):
        def list_sandboxes(self, workspace, project_name):
            raise AuthenticationError("GET", "/workspaces/acme/sandboxes", 401, "Invalid or expired token")

    with pytest.raises(AnsibleError, match="buddy_sandboxes inventory: GET /workspaces/acme/sandboxes failed with HTTP 401"):
        load(tmp_path, Failing({}))


def test_wanted():
    assert buddy_sandboxes.wanted(box("a", tags=["x", "y"]), ["RUNNING"], ["x"])
    assert not buddy_sandboxes.wanted(box("a", tags=["x"]), ["RUNNING"], ["x", "y"])
    assert not buddy_sandboxes.wanted(box("a", status="STOPPED"), ["RUNNING"], [])
    assert buddy_sandboxes.wanted(box("a", status="STOPPED"), [], [])
