# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's sandbox commands and content API over HTTP: commands really run in the sandbox's directory.

No test sleeps: ``logs?follow=true`` answers once the real process has ended.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import uuid
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from emulator.control import BUDDY_TOKEN

SANDBOXES = "/workspaces/acme/sandboxes"


@pytest.fixture
def box(control, api):
    control.seed({"sandboxes": [
        {"workspace": "acme", "project_name": "website", "name": "Web", "identifier": "web"},
        {"workspace": "acme", "project_name": "website", "name": "Off", "identifier": "off", "status": "STOPPED"}]})
    ids = dict((item["identifier"], item["id"]) for item in control.state()["sandboxes"].values())
    return ids


def raw_call(api, method, path, data=None, headers=None):
    request = Request(api.url + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + BUDDY_TOKEN)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except HTTPError as exc:
        return exc.code, exc.read()


def run(api, sandbox_id, command, runtime=None):
    """Start a command, wait for its end through logs?follow=true; (command record, log lines)."""
    body = {"command": command}
    if runtime:
        body["runtime"] = runtime
    status, _headers, started = api.post("%s/%s/commands" % (SANDBOXES, sandbox_id), body)
    assert status == 200, started
    assert started["status"] == "INPROGRESS" and started["exit_code"] is None
    status, raw = raw_call(api, "GET", "%s/%s/commands/%s/logs?follow=true" % (SANDBOXES, sandbox_id, started["id"]))
    assert status == 200
    status, _headers, ended = api.get("%s/%s/commands/%s" % (SANDBOXES, sandbox_id, started["id"]))
    return ended, raw.decode("utf-8")


def home(control, sandbox_id):
    return control.state()["sandbox_workdirs"][sandbox_id]


def test_command_runs_in_the_sandbox_home_and_logs_json_lines(api, control, box):
    ended, logs = run(api, box["web"], "pwd; echo err >&2; printf partial; exit 4")
    assert (ended["status"], ended["exit_code"]) == ("FAILED", 4) and ended["finish_date"]
    entries = [json.loads(line) for line in logs.splitlines()]
    where = home(control, box["web"])
    assert {"type": "STDOUT", "data": where} in entries and {"type": "STDERR", "data": "err"} in entries
    assert entries[-1] == {"type": "STDOUT", "data": "partial"}
    assert os.path.isdir(where) and where.endswith(os.path.join(box["web"], "buddy"))


@pytest.mark.parametrize("logs_format", ["chunks", "array"])
def test_other_log_shapes(api, control, box, logs_format):
    control.seed({"sandbox_command_settings": {"logs_format": logs_format}})
    _ended, logs = run(api, box["web"], "printf 'a\\nb\\n'")
    if logs_format == "chunks":
        assert [json.loads(line) for line in logs.splitlines()] == [{"type": "STDOUT", "data": "a\nb\n"}]
    else:
        assert json.loads(logs) == [{"type": "STDOUT", "data": "a"}, {"type": "STDOUT", "data": "b"}]


def test_runtimes(api, box):
    ended, logs = run(api, box["web"], "print(6 * 7)", runtime="PYTHON")
    assert ended["exit_code"] == 0 and json.loads(logs.splitlines()[0])["data"] == "42"
    status, _headers, body = api.post("%s/%s/commands" % (SANDBOXES, box["web"]), {"command": "x", "runtime": "COBOL"})
    assert status == 400 and "runtime" in body["errors"][0]["message"]


def test_terminate_kills_the_process(api, box):
    status, _headers, started = api.post("%s/%s/commands" % (SANDBOXES, box["web"]), {"command": "sleep 300"})
    assert status == 200
    status, _headers, ended = api.post("%s/%s/commands/%s/terminate" % (SANDBOXES, box["web"], started["id"]))
    assert status == 200 and ended["status"] == "FAILED" and ended["exit_code"] == 137
    status, _headers, listed = api.get("%s/%s/commands" % (SANDBOXES, box["web"]))
    assert [item["id"] for item in listed["commands"]] == [started["id"]]


def test_a_sandbox_that_is_not_running_refuses_commands_and_files(api, box):
    status, _headers, body = api.post("%s/%s/commands" % (SANDBOXES, box["off"]), {"command": "true"})
    assert status == 400 and "not running (status STOPPED)" in body["errors"][0]["message"]
    status, _headers, body = api.get("%s/%s/content/tmp" % (SANDBOXES, box["off"]))
    assert status == 400
    status, _headers, body = api.get("%s/nope/commands/x" % SANDBOXES)
    assert status == 404


def test_content_api(api, control, box):
    sid = box["web"]
    run(api, sid, "true")  # creates the home directory
    where = home(control, sid).lstrip("/")
    base = "%s/%s" % (SANDBOXES, sid)
    assert api.post("%s/content/%s/conf" % (base, where))[0] == 201
    assert api.post("%s/content/%s/conf" % (base, where))[0] == 409
    blob = bytes(bytearray(range(256))) * 4
    boundary = uuid.uuid4().hex
    multipart = (b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="file"; filename="b"\r\n'
                 b"Content-Type: application/octet-stream\r\n\r\n" + blob + b"\r\n--" + boundary.encode() + b"--\r\n")
    status, body = raw_call(api, "POST", "%s/content/upload/%s/conf/blob.bin" % (base, where), multipart,
                            {"Content-Type": "multipart/form-data; boundary=" + boundary})
    assert status == 201 and json.loads(body)["size"] == len(blob)
    status, _headers, listed = api.get("%s/content/%s/conf" % (base, where))
    assert [(item["name"], item["type"], item["size"]) for item in listed["contents"]] == [("blob.bin", "FILE", 1024)]
    status, _headers, stat = api.get("%s/content/%s/conf/blob.bin" % (base, where))
    assert stat["contents"][0]["path"] == "/%s/conf/blob.bin" % where
    assert raw_call(api, "GET", "%s/download/%s/conf/blob.bin" % (base, where)) == (200, blob)
    status, archive = raw_call(api, "GET", "%s/download/%s/conf" % (base, where))
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        assert tar.extractfile("conf/blob.bin").read() == blob
    assert api.delete("%s/content/%s/conf" % (base, where))[0] == 204
    assert api.get("%s/content/%s/conf" % (base, where))[0] == 404
    assert api.delete("%s/content/%s/conf" % (base, where))[0] == 404
    status, _headers, body = api.get("%s/content/etc" % base)
    assert status == 403 and "only paths inside the sandbox directory" in body["errors"][0]["message"]


def test_deleting_the_sandbox_removes_its_directory(api, control, box):
    run(api, box["web"], "touch here")
    where = home(control, box["web"])
    assert os.path.exists(os.path.join(where, "here"))
    assert api.delete("%s/%s" % (SANDBOXES, box["web"]))[0] == 204
    api.get(SANDBOXES + "?project_name=website")  # any sandbox route moves the clock: the advancer prunes
    assert not os.path.exists(where) and box["web"] not in control.state()["sandbox_workdirs"]
