# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The buddy_sandbox connection with fake clients: exec, files, errors, and the token kept out of messages."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from unittest import mock

import pytest

import yaml

from ansible import constants as C
from ansible.errors import AnsibleConnectionFailure
from ansible.playbook.play_context import PlayContext

from ansible_collections.opsflow.pipelines.plugins.connection import buddy_sandbox
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandbox_commands import CommandResult
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ApiError
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_buddy_sandbox_command import NO_SANDBOX, FakeSandboxes

TOKEN = "connection-secret-token"
RUNNING = {"id": "sb1", "identifier": "web", "status": "RUNNING", "os": "ubuntu:24.04", "endpoints": [],
           "setup_status": "SUCCESS"}


class FakeCommands(object):
    def __init__(self):
        self.calls = []
        self.files = {}

    def run(self, workspace, sandbox_id, command, runtime, wait_timeout, poll_interval, first_poll):
        self.calls.append(("run", workspace, sandbox_id, command, wait_timeout))
        if command == "slow":
            return CommandResult({"id": "c9", "status": "INPROGRESS"}, False)
        if command == "echo ~":
            return CommandResult({"id": "c0", "status": "SUCCESSFUL", "exit_code": 0}, True, "/home/buddy\n", "")
        return CommandResult({"id": "c1", "status": "FAILED", "exit_code": 3}, True, "out \u00e9\n", "err\n")

    def upload(self, workspace, sandbox_id, path, data):
        self.calls.append(("upload", path))
        self.files[path] = data

    def download(self, workspace, sandbox_id, path):
        self.calls.append(("download", path))
        if path not in self.files:
            raise ApiError("GET", "/workspaces/acme/sandboxes/sb1/download" + path, 404, "Path not found")
        return self.files[path]


class FakeClient(object):
    def __init__(self, sandbox=None):
        self.sandboxes = FakeSandboxes(sandbox)
        self.commands = FakeCommands()


NAME = "opsflow.pipelines.buddy_sandbox"


def new_connection():
    """The plugin as the loader would hand it out: its documented options registered under its name."""
    C.config.initialize_plugin_configuration_definitions(
        "connection", NAME, yaml.safe_load(buddy_sandbox.DOCUMENTATION)["options"])
    connection = buddy_sandbox.Connection(PlayContext(), None)
    connection._load_name = NAME
    return connection


def connect(client, **options):
    connection = new_connection()
    settings = dict(sandbox="web", workspace="acme", project_name="website", token=TOKEN,
                    api_url="https://api.example.test")
    settings.update(options)
    connection.set_options(direct=settings)
    patcher = mock.patch.object(buddy_sandbox.BuddyClient, "from_params", return_value=client)
    patcher.start()
    return connection, patcher


@pytest.fixture
def client():
    return FakeClient()


@pytest.fixture
def connection(client):
    connection, patcher = connect(client)
    yield connection
    patcher.stop()


def test_exec_returns_rc_and_bytes(connection, client):
    rc, stdout, stderr = connection.exec_command("/bin/sh -c 'false'")
    assert (rc, stdout, stderr) == (3, "out \u00e9\n".encode("utf-8"), b"err\n")
    assert client.commands.calls == [("run", "acme", "sb1", "/bin/sh -c 'false'", 3600.0)]


def test_exec_refuses_standard_input(connection):
    with pytest.raises(AnsibleConnectionFailure, match="standard input"):
        connection.exec_command("python", in_data=b"{}")


def test_a_command_that_does_not_end_fails(client):
    connection, patcher = connect(client, command_timeout=5)
    try:
        with pytest.raises(AnsibleConnectionFailure, match=r"did not end within wait_timeout \(5 s"):
            connection.exec_command("slow")
    finally:
        patcher.stop()


def test_put_and_fetch_move_bytes(connection, client, tmp_path):
    blob = bytes(bytearray(range(256)))
    source = tmp_path / "in.bin"
    source.write_bytes(blob)
    connection.put_file(str(source), "/home/buddy/.ansible/tmp/x/in.bin")
    connection.fetch_file("/home/buddy/.ansible/tmp/x/in.bin", str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == blob
    # A relative path is the home directory's.
    connection.put_file(str(source), "rel.bin")
    assert "/home/buddy/rel.bin" in client.commands.files


def test_fetch_of_a_missing_file_names_it(connection, tmp_path):
    with pytest.raises(AnsibleConnectionFailure, match="downloading /nope failed in sandbox web: .*HTTP 404"):
        connection.fetch_file("/nope", str(tmp_path / "x"))


@pytest.mark.parametrize("sandbox, message", [
    (dict(RUNNING, status="STOPPED"), "'web' is STOPPED, not RUNNING: start it first"),
    (NO_SANDBOX, "no sandbox with identifier 'web' in project 'website' of workspace 'acme'"),
])
def test_stopped_or_missing_sandbox(sandbox, message):
    connection, patcher = connect(FakeClient(sandbox))
    try:
        with pytest.raises(AnsibleConnectionFailure) as caught:
            connection.exec_command("true")
    finally:
        patcher.stop()
    assert message in str(caught.value) and TOKEN not in str(caught.value)


def test_bad_token_fails_without_showing_it():
    connection = new_connection()
    connection.set_options(direct=dict(sandbox="web", workspace="acme", project_name="website",
                                       token="bad token" + TOKEN, api_url="https://api.example.test"))
    with pytest.raises(AnsibleConnectionFailure) as caught:
        connection.exec_command("true")
    assert "token contains white space" in str(caught.value) and TOKEN not in str(caught.value)


def test_become_with_a_password_is_refused(connection):
    become = mock.Mock()
    become.expect_prompt.return_value = True
    connection.become = become
    with pytest.raises(AnsibleConnectionFailure, match="become password"):
        connection.exec_command("true")


@pytest.mark.parametrize("host_vars, expected", [
    ({"inventory_hostname": "web"}, "web"),
    ({"inventory_hostname": "alias", "ansible_host": "web"}, "web"),
    ({"inventory_hostname": "alias", "ansible_host": "other", "ansible_buddy_sandbox": "web"}, "web"),
])
def test_the_sandbox_comes_from_the_host(host_vars, expected):
    connection = new_connection()
    variables = dict(host_vars, ansible_buddy_workspace="acme", ansible_buddy_project_name="website",
                     ansible_buddy_token=TOKEN)
    connection.set_options(var_options=variables)
    assert connection.get_option("sandbox") == expected
    assert connection.get_option("workspace") == "acme" and connection.get_option("token") == TOKEN
