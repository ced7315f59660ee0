# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox_command as Ansible runs it (main() with fake clients): results, failures, creates/removes, check mode."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandbox_commands import CommandResult
from ansible_collections.opsflow.pipelines.plugins.modules import buddy_sandbox_command

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, compare_spec, module_doc, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_buddy_pipeline_run import TOKEN

BASE = dict(token=TOKEN, api_url="https://api.example.test", workspace="acme", project_name="website", sandbox="web")
RUNNING = {"id": "sb1", "identifier": "web", "status": "RUNNING", "os": "ubuntu:24.04", "endpoints": [],
           "setup_status": "SUCCESS"}
# The project holds no sandbox of that identifier.
NO_SANDBOX = {}


class FakeSandboxes(object):
    def __init__(self, sandbox=None):
        # RUNNING unless told otherwise; a copy, so that no test changes what the next one gets.
        self.sandbox = dict(RUNNING) if sandbox is None else sandbox

    def list_sandboxes(self, workspace, project_name):
        return [dict(self.sandbox)] if self.sandbox else []

    def get_sandbox(self, workspace, sandbox_id):
        return dict(self.sandbox)


class FakeCommands(object):
    def __init__(self, existing=(), rc=0, stdout="out\n", stderr="", ended=True):
        self.existing = set(existing)
        self.rc, self.stdout, self.stderr, self.ended = rc, stdout, stderr, ended
        self.calls = []

    def stat(self, workspace, sandbox_id, path):
        self.calls.append(("stat", path))
        return {"type": "FILE", "path": path} if path in self.existing else None

    def start_command(self, workspace, sandbox_id, command, runtime):
        self.calls.append(("start", command, runtime))
        return {"id": "c1", "status": "INPROGRESS"}

    def run(self, workspace, sandbox_id, command, runtime, wait_timeout, poll_interval):
        self.calls.append(("run", sandbox_id, command, runtime, wait_timeout, poll_interval))
        status = "SUCCESSFUL" if self.rc == 0 else "FAILED"
        if not self.ended:
            return CommandResult({"id": "c1", "status": "INPROGRESS"}, False)
        return CommandResult({"id": "c1", "status": status, "exit_code": self.rc}, True, self.stdout, self.stderr)


def run_module(commands, capsys, sandboxes=None, **args):
    client = buddy_client(sandboxes=sandboxes or FakeSandboxes(), commands=commands)
    return run_main(buddy_sandbox_command, buddy_sandbox_command.BuddyClient, client, capsys, dict(BASE, **args))


def test_documentation_matches_the_argument_spec():
    compare_spec(buddy_sandbox_command.SPEC.argument_spec, module_doc(buddy_sandbox_command)["options"])
    assert set(yaml.safe_load(buddy_sandbox_command.RETURN)) == {
        "command_id", "status", "rc", "stdout", "stderr", "stdout_lines", "stderr_lines", "sandbox_id"}
    assert yaml.safe_load(buddy_sandbox_command.EXAMPLES)


def test_success_returns_rc_and_output(capsys):
    fake = FakeCommands(stdout="a\nb\n", stderr="w\n")
    result, out = run_module(fake, capsys, command="make", runtime="BASH", wait_timeout=30, poll_interval=1)
    assert (result["changed"], result["rc"], result["status"], result["command_id"]) == (True, 0, "SUCCESSFUL", "c1")
    assert result["stdout_lines"] == ["a", "b"] and result["stderr_lines"] == ["w"]
    assert fake.calls == [("run", "sb1", "make", "BASH", 30.0, 1.0)]
    assert TOKEN not in out


def test_non_zero_exit_code_fails_with_the_output(capsys):
    result, _out = run_module(FakeCommands(rc=2, stdout="", stderr="boom\n"), capsys, command="false")
    assert result["failed"] and result["rc"] == 2 and result["stderr"] == "boom\n" and result["changed"]
    assert "exit code 2 in sandbox web" in result["msg"]


def test_a_command_still_running_at_the_timeout_fails(capsys):
    result, _out = run_module(FakeCommands(ended=False), capsys, command="sleep 100", wait_timeout=5)
    assert result["failed"] and "did not end within wait_timeout (5 s" in result["msg"] and "rc" not in result


def test_creates_and_removes_skip_without_running(capsys):
    fake = FakeCommands(existing=["/buddy/done"])
    result, _out = run_module(fake, capsys, command="make", creates="/buddy/done")
    assert result["changed"] is False and result["status"] == "SKIPPED" and "/buddy/done exists" in result["msg"]
    fake = FakeCommands()
    result, _out = run_module(fake, capsys, command="make", removes="/buddy/todo")
    assert result["changed"] is False and fake.calls == [("stat", "/buddy/todo")]


def test_check_mode_runs_nothing(capsys):
    fake = FakeCommands()
    result, _out = run_module(fake, capsys, command="make", creates="/buddy/done", _ansible_check_mode=True)
    assert result["changed"] is True and fake.calls == [("stat", "/buddy/done")]


def test_no_wait_returns_once_started(capsys):
    fake = FakeCommands()
    result, _out = run_module(fake, capsys, command="serve", wait=False)
    assert (result["status"], result["command_id"]) == ("INPROGRESS", "c1") and "rc" not in result
    assert fake.calls == [("start", "serve", "BASH")]


def test_bad_input_fails_before_any_request(capsys):
    fake = FakeCommands()
    result, _out = run_module(fake, capsys, command="make", creates="relative/path")
    assert result["failed"] and "must be absolute" in result["msg"] and fake.calls == []
    result, _out = run_module(fake, capsys, command="   ")
    assert result["failed"] and result["msg"] == "command is empty"
    result, _out = run_module(fake, capsys, command="x", wait_timeout=0)
    assert result["failed"] and "wait_timeout" in result["msg"] and fake.calls == []


def test_stopped_or_missing_sandbox(capsys):
    fake = FakeCommands()
    result, _out = run_module(fake, capsys, sandboxes=FakeSandboxes(dict(RUNNING, status="STOPPED")), command="x")
    assert result["failed"] and "is STOPPED, not RUNNING" in result["msg"] and result["sandbox_status"] == "STOPPED"
    result, _out = run_module(fake, capsys, sandboxes=FakeSandboxes(NO_SANDBOX), command="x")
    assert result["failed"] and "no sandbox with identifier 'web'" in result["msg"]
    assert fake.calls == []
