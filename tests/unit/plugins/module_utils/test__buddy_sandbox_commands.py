# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sandbox commands and content: log shapes, paths, and the client over a scripted session."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_sandbox_commands as commands
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    OpsflowError,
    TransportError,
    ValidationError,
)

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import (
    FakeClock,
    FakeRaw,
    request_paths,
    scripted_transport,
)

BASE = "/workspaces/acme/sandboxes/sb1"


def make_client(*script):
    transport, session, warnings = scripted_transport(*script)
    return commands.BuddySandboxCommandsClient(transport), session, warnings


def command(status, exit_code=None):
    return FakeRaw(200, {"id": "c1", "status": status, "exit_code": exit_code})


# --- logs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    '{"type": "STDOUT", "data": "a"}\n{"type": "STDERR", "data": "e"}\n{"type": "STDOUT", "data": "b"}\n',
    '[{"type": "STDOUT", "data": "a"}, {"type": "STDERR", "data": "e"}, {"type": "STDOUT", "data": "b"}]',
    '{"logs": [{"type": "STDOUT", "data": "a"}, {"type": "STDERR", "data": "e"}, {"type": "STDOUT", "data": "b"}]}',
    '{"type": "STDOUT", "data": "a"}{"type": "STDERR", "data": "e"} {"type": "STDOUT", "data": "b"}',
])
def test_every_log_shape_gives_the_same_output(text):
    assert commands.join_output(commands.parse_logs(text)) == ("a\nb\n", "e\n")


def test_chunk_entries_are_joined_as_they_are():
    entries = [{"type": "STDOUT", "data": "a\nb"}, {"type": "STDOUT", "data": "c\n"}, {"type": "STDERR", "data": None}]
    assert commands.join_output(entries) == ("a\nbc\n", "")


def test_line_entries_keep_empty_lines():
    entries = [{"type": "STDOUT", "data": ""}, {"type": "STDOUT", "data": "x"}]
    assert commands.join_output(entries) == ("\nx\n", "")


def test_logs_that_are_not_json_fail_clearly():
    assert commands.parse_logs("") == []
    with pytest.raises(OpsflowError, match="not JSON"):
        commands.parse_logs('{"type": "STDOUT"}\nplain text')


# --- paths -----------------------------------------------------------------------------------------


def test_content_paths():
    assert commands.content_path("/buddy/my app/a.txt") == "buddy/my%20app/a.txt"
    assert commands.content_path("/a//b/./c/") == "a/b/c"
    assert commands.content_path("/") == ""
    for bad in ("relative/x", "/a/../etc", "", None):
        with pytest.raises(ValidationError):
            commands.content_path(bad)


# --- commands -----------------------------------------------------------------------------------------


def test_run_posts_once_polls_and_reads_the_output():
    clock = FakeClock()
    logs = FakeRaw(200, text='{"type": "STDOUT", "data": "hi"}\n{"type": "STDERR", "data": "warn"}\n')
    client, session, _warnings = make_client(command("INPROGRESS"), command("INPROGRESS"), command("SUCCESSFUL", 0),
                                             logs)
    result = client.run("acme", "sb1", "echo hi", "PYTHON", wait_timeout=60, poll_interval=2, sleep=clock.sleep)
    assert (result.ended, result.rc, result.status, result.command_id) == (True, 0, "SUCCESSFUL", "c1")
    assert (result.stdout, result.stderr) == ("hi\n", "warn\n")
    assert request_paths(session) == [("POST", BASE + "/commands"), ("GET", BASE + "/commands/c1"),
                                      ("GET", BASE + "/commands/c1"), ("GET", BASE + "/commands/c1/logs")]
    assert json.loads(session.calls[0][2]["data"]) == {"command": "echo hi", "runtime": "PYTHON"}
    assert session.calls[3][2]["headers"]["Accept"].startswith("application/jsonl")
    # The first read comes at once, then the wait loop's pauses.
    assert clock.sleeps == [0.5]


def test_first_poll_shortens_only_the_first_pauses():
    clock = FakeClock()
    script = [command("INPROGRESS")] * 5 + [command("FAILED", 3), FakeRaw(200, text="")]
    client, _session, _warnings = make_client(*script)
    result = client.run("acme", "sb1", "false", wait_timeout=60, poll_interval=2, sleep=clock.sleep, first_poll=0.05)
    assert result.rc == 3 and result.status == "FAILED"
    assert clock.sleeps == [0.05, 0.1, 0.2, 0.4]


def test_run_that_does_not_end_in_time_reads_no_output():
    clock = FakeClock()
    client, session, _warnings = make_client(*([command("INPROGRESS")] * 10))
    result = client.run("acme", "sb1", "sleep 100", wait_timeout=1.5, poll_interval=1, sleep=clock.sleep,
                        clock=clock.monotonic)
    assert not result.ended and result.rc is None
    assert ("GET", BASE + "/commands/c1/logs") not in request_paths(session)
    assert "did not end within wait_timeout (1.5 s, state INPROGRESS)" in commands.not_ended_message("web", result, 1.5)


def test_a_command_post_that_may_have_reached_the_sandbox_is_not_repeated():
    client, session, _warnings = make_client(FakeRaw(502, text="bad gateway"))
    with pytest.raises(TransportError) as caught:
        client.start_command("acme", "sb1", "rm -rf build")
    assert caught.value.may_have_committed and len(session.calls) == 1


def test_unknown_runtime_fails_before_any_request():
    client, session, _warnings = make_client()
    with pytest.raises(ValidationError):
        client.start_command("acme", "sb1", "x", "RUBY")
    assert session.calls == []


def test_terminate():
    client, session, _warnings = make_client(command("FAILED", 137))
    assert client.terminate_command("acme", "sb1", "c1")["exit_code"] == 137
    assert request_paths(session) == [("POST", BASE + "/commands/c1/terminate")]


# --- content ---------------------------------------------------------------------------------------------


def test_stat_file_directory_and_missing():
    file_item = {"type": "FILE", "name": "a.txt", "path": "/buddy/a.txt", "size": 3}
    client, session, _warnings = make_client(
        FakeRaw(200, {"contents": [file_item]}),
        FakeRaw(200, {"contents": [file_item]}),
        FakeRaw(200, dict(file_item)),
        FakeRaw(404, {"errors": [{"message": "Path not found"}]}))
    assert client.stat("acme", "sb1", "/buddy/a.txt") == file_item
    assert client.stat("acme", "sb1", "/buddy")["type"] == "DIR"  # a directory holding one file
    assert client.stat("acme", "sb1", "/buddy/a.txt")["size"] == 3  # a bare item
    assert client.stat("acme", "sb1", "/buddy/nope") is None
    assert request_paths(session)[0] == ("GET", BASE + "/content/buddy/a.txt")


def test_mkdir_delete_and_their_already_done_answers():
    client, session, _warnings = make_client(FakeRaw(201, {"type": "DIR"}), FakeRaw(409, {"errors": [{"message": "exists"}]}),
                                             FakeRaw(204), FakeRaw(404, {"errors": [{"message": "not found"}]}))
    assert client.mkdir("acme", "sb1", "/buddy/x") is True
    assert client.mkdir("acme", "sb1", "/buddy/x") is False
    assert client.delete("acme", "sb1", "/buddy/x") is True
    assert client.delete("acme", "sb1", "/buddy/x") is False
    assert [method for method, _path in request_paths(session)] == ["POST", "POST", "DELETE", "DELETE"]


class BytesRaw(FakeRaw):
    def __init__(self, status, content):
        super(BytesRaw, self).__init__(status, text="")
        self.content = content


def test_upload_is_multipart_and_download_binary():
    blob = bytes(bytearray(range(256)))
    client, session, _warnings = make_client(FakeRaw(201, {"type": "FILE", "size": 256}), BytesRaw(200, blob))
    assert client.upload("acme", "sb1", "/buddy/b.bin", blob)["size"] == 256
    assert client.download("acme", "sb1", "/buddy/b.bin") == blob
    upload = session.calls[0][2]
    assert upload["files"] == {"file": ("b.bin", blob, "application/octet-stream")} and "data" not in upload
    assert request_paths(session) == [("POST", BASE + "/content/upload/buddy/b.bin"), ("GET", BASE + "/download/buddy/b.bin")]
    assert session.calls[1][2]["headers"]["Accept"] == "*/*"


# --- the sandbox -------------------------------------------------------------------------------------------


class FakeSandboxes(object):
    def __init__(self, *sandboxes):
        self.sandboxes = list(sandboxes)

    def list_sandboxes(self, workspace, project_name):
        return list(self.sandboxes)

    def get_sandbox(self, workspace, sandbox_id):
        return None


def test_find_sandbox_and_require_running():
    box = {"id": "sb1", "identifier": "web", "status": "STOPPED", "os": "u", "endpoints": [], "setup_status": "SUCCESS"}
    assert commands.find_sandbox(FakeSandboxes(box), "acme", "website", "web")["id"] == "sb1"
    with pytest.raises(commands.SandboxError, match="no sandbox with identifier 'nope' in project 'website'"):
        commands.find_sandbox(FakeSandboxes(box), "acme", "website", "nope")
    with pytest.raises(commands.SandboxError, match="'web' is STOPPED, not RUNNING: start it first"):
        commands.require_running(box)
    commands.require_running(dict(box, status="RUNNING"))


def test_find_sandbox_uses_the_sandboxes_clients_own_look_up():
    class WithFinder(object):
        def __init__(self):
            self.calls = []

        def find_sandbox(self, workspace, project_name, identifier):
            self.calls.append((workspace, project_name, identifier))
            return {"id": "sb1", "identifier": identifier, "status": "RUNNING"} if identifier == "web" else None

    finder = WithFinder()
    assert commands.find_sandbox(finder, "acme", "website", "web")["id"] == "sb1"
    with pytest.raises(commands.SandboxError):
        commands.find_sandbox(finder, "acme", "website", "nope")
    assert finder.calls == [("acme", "website", "web"), ("acme", "website", "nope")]
