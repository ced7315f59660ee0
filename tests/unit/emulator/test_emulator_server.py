# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Emulator server: CLI, auth, rate-limit headers, request log, control API, seeds, wrapper."""

from __future__ import annotations

import http.client
import importlib
import json
import os
import signal
import subprocess
import sys
import threading

from urllib.parse import urlsplit

import pytest

from conftest import ACTIONS, EMULATOR_DIR, PIPELINE, Api
from emulator.control import (BUDDY_READONLY_TOKEN, BUDDY_TOKEN, PACKAGE_PARENT, EmulatorControl, EmulatorError, EmulatorProcess,
                              server_command, server_python)
from emulator import server
from emulator.config import Config
from emulator.core import EmulatorHTTPServer, EmulatorRequestHandler

DOCKER = {"name": "Run", "type": "RUN_DOCKER_CONTAINER", "docker_image_name": "ubuntu"}


def test_cli_prints_one_url_line_and_stops_on_sigterm_and_sigint():
    for signum in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen(server_command(["--port", "0"]), cwd=PACKAGE_PARENT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = proc.stdout.readline().decode()
            assert line.startswith("EMULATOR_URL=http://127.0.0.1:")
            url = line.strip().split("=", 1)[1]
            assert EmulatorControl(url).health()["ok"] is True
            proc.send_signal(signum)
            assert proc.wait(10) == 0
            assert proc.stdout.read() == b""
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stdout.close()
            proc.stderr.close()


def test_cli_rejects_non_loopback_host():
    result = subprocess.run(server_command(["--host", "0.0.0.0"]), cwd=PACKAGE_PARENT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)
    assert result.returncode == 2 and b"loopback" in result.stderr


def test_bad_seed_file_fails_start(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"workspaces": {"w": {"projects": {"p": {"pipelines": {"1": {"actions": [{"name": "x"}]}}}}}}}))
    with pytest.raises(EmulatorError):
        EmulatorProcess(["--seed", str(seed)]).start()


def test_seed_file_and_custom_token(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"workspaces": {"w": {"projects": {"p": {"pipelines": {"7": {"name": "Seven", "actions": [
        {"name": "a", "type": "BUILD"}]}}}}}}}))
    with EmulatorProcess(["--seed", str(seed), "--buddy-token", "tok-1"]) as emulator:
        api = Api(emulator.url)
        status, _headers, body = api.get("/workspaces/w/projects/p/pipelines/7/actions", token="tok-1")
        assert status == 200 and [a["name"] for a in body["actions"]] == ["a"]
        assert api.get("/workspaces/w/projects/p/pipelines/7", token=BUDDY_TOKEN)[0] == 401
        assert api.get("/workspaces/acme/projects/website/pipelines/1", token="tok-1")[0] == 404
        control = EmulatorControl(emulator.url)
        control.reset("default")
        assert api.get(PIPELINE, token="tok-1")[0] == 200
        control.reset()
        assert api.get(PIPELINE, token="tok-1")[0] == 404
        assert api.get("/workspaces/w/projects/p/pipelines/7", token="tok-1")[0] == 200


@pytest.mark.parametrize("headers, token", [({}, None), ({}, "wrong"), ({"Authorization": "Token emulator-buddy-token"}, None)])
def test_missing_or_bad_token_is_401(api, control, headers, token):
    status, answer_headers, body = api.get(ACTIONS, token=token, headers=headers)
    assert status == 401
    assert body == {"errors": [{"message": "Invalid or expired token"}]}
    assert "X-Rate-Limit-Remaining" in answer_headers
    entry = control.requests()[-1]
    assert entry["status"] == 401


def test_readonly_token_reads_but_cannot_write(api, control):
    assert api.get(ACTIONS, token=BUDDY_READONLY_TOKEN)[0] == 200
    status, _headers, body = api.post(ACTIONS, DOCKER, token=BUDDY_READONLY_TOKEN)
    assert status == 403
    assert body == {"errors": [{"message": "You don't have permission to perform this action (missing scope EXECUTION_MANAGE)"}]}
    assert control.actions("acme", "website", 1) == []


def test_rate_limit_headers_decrement(api):
    remaining = []
    for _attempt in range(3):
        _status, headers, _body = api.get(ACTIONS)
        remaining.append(int(headers["X-Rate-Limit-Remaining"]))
        assert int(headers["X-Rate-Limit-Reset"]) > 0
        assert int(headers["X-Rate-Limit-Limit"]) == 1000
    assert remaining[1] == remaining[0] - 1 and remaining[2] == remaining[1] - 1


def test_rate_limit_enforced_when_window_used_up():
    with EmulatorProcess(["--rate-limit", "2"]) as emulator:
        api = Api(emulator.url)
        statuses = [api.get(ACTIONS)[0] for _attempt in range(3)]
        assert statuses == [200, 200, 429]
        status, headers, body = api.get(ACTIONS)
        assert status == 429 and headers["X-Rate-Limit-Remaining"] == "0"
        assert body["errors"][0]["message"]
        EmulatorControl(emulator.url).reset()
        assert api.get(ACTIONS)[0] == 200


def test_request_log_entries(api, control):
    api.post(ACTIONS + "?x=1&y=2&y=3", DOCKER)
    api.get(ACTIONS, raw=None)
    control.health()
    control.state()
    entries = control.requests()
    assert len(entries) == 2
    post, get = entries
    assert set(post) == {"seq", "time", "method", "path", "query", "body", "status", "fault", "auth"}
    assert post["method"] == "POST" and post["path"] == ACTIONS and post["status"] == 201
    assert post["query"] == {"x": "1", "y": ["2", "3"]}
    assert post["body"] == DOCKER and post["auth"] == "bearer" and post["fault"] is None
    assert get["seq"] == post["seq"] + 1 and get["body"] is None
    assert BUDDY_TOKEN not in json.dumps(entries)
    assert control.requests(since_seq=post["seq"]) == [get]
    assert control.count(method="GET", path=r"/actions$") == 1
    assert [e["method"] for e in control.writes()] == ["POST"]


def test_request_log_raw_text_body_and_clear(api, control):
    status, _headers, _body = api.call("POST", ACTIONS, raw=b"not json")
    assert status == 400
    assert control.requests()[-1]["body"] == "not json"
    last = control.last_seq()
    control.clear_requests()
    assert control.requests() == []
    api.get(ACTIONS)
    assert control.requests()[0]["seq"] == last + 1


def test_unknown_route_and_method(api):
    assert api.get("/nothing/here")[0] == 404
    status, _headers, body = api.call("PUT", ACTIONS, body={})
    assert status == 405 and body["errors"][0]["message"]


def test_control_state_seed_merge_and_reset(api, control):
    control.seed({"workspaces": {"acme": {"projects": {"website": {"pipelines": {"3": {"name": "Third"}}}}}}, "extra": {"a": 1}})
    state = control.state()
    assert state["extra"] == {"a": 1}
    pipelines = state["workspaces"]["acme"]["projects"]["website"]["pipelines"]
    assert sorted(pipelines) == ["1", "2", "3"]
    assert api.get("/workspaces/acme/projects/website/pipelines/3")[2]["name"] == "Third"
    control.reset("empty")
    assert control.state()["workspaces"] == {}
    assert api.get(PIPELINE)[0] == 404
    control.reset({"workspaces": {"z": {"projects": {"q": {"pipelines": [{"id": 4, "name": "Four"}]}}}}})
    assert list(control.state()["workspaces"]) == ["z"]
    control.reset()
    assert control.pipeline("acme", "other", 1)["name"] == "Sandbox flow"
    assert control.pipeline("acme", "website", 2)["name"] == "Release"


def test_control_errors(control):
    with pytest.raises(EmulatorError):
        control.add_fault(kind="nope")
    with pytest.raises(EmulatorError):
        control.add_fault(kind="status")
    with pytest.raises(EmulatorError):
        control.add_fault(kind="drop", path="(")
    with pytest.raises(EmulatorError):
        control.reset("bogus")


def test_with_emulator_exports_env_and_exit_code(tmp_path):
    log = tmp_path / "log.json"
    script = (
        "import json, os, urllib.request\n"
        "names = ['BUDDY_API_URL', 'BUDDY_TOKEN', 'BLINK_API_URL', 'BLINK_API_KEY', 'OPSFLOW_EMULATOR_URL']\n"
        "req = urllib.request.Request(os.environ['BUDDY_API_URL'] + '%s',\n"
        "    headers={'Authorization': 'Bearer ' + os.environ['BUDDY_TOKEN']})\n"
        "urllib.request.urlopen(req).read()\n"
        "print(json.dumps({n: os.environ[n] for n in names}))\n"
        "raise SystemExit(7)\n" % ACTIONS
    )
    result = subprocess.run([server_python(), os.path.join(EMULATOR_DIR, "with_emulator.py"), "--keep-log", str(log),
                             "--", sys.executable, "-c", script],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False)
    assert result.returncode == 7, result.stderr
    env = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert env["BUDDY_API_URL"].startswith("http://127.0.0.1:")
    assert env["BUDDY_API_URL"] == env["BLINK_API_URL"] == env["OPSFLOW_EMULATOR_URL"]
    assert env["BUDDY_TOKEN"] == "emulator-buddy-token" and env["BLINK_API_KEY"] == "emulator-blink-key"
    entries = json.loads(log.read_text())
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [("GET", ACTIONS, 200)]


def test_with_emulator_needs_a_command():
    result = subprocess.run([server_python(), os.path.join(EMULATOR_DIR, "with_emulator.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)
    assert result.returncode == 2


def test_kept_alive_connection_serves_request_after_request(emulator_process, control):
    """Nagle's algorithm is off (else every request after the first on a connection stalls ~40 ms)
    and the answer leaves in one buffered write; 20 requests then share one connection."""
    assert EmulatorRequestHandler.disable_nagle_algorithm is True
    assert EmulatorRequestHandler.wbufsize != 0
    split = urlsplit(emulator_process.url)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
    headers = {"Authorization": "Bearer " + BUDDY_TOKEN, "Content-Type": "application/json"}
    try:
        sockets = set()
        for index in range(20):
            if index % 2:
                connection.request("POST", ACTIONS, body=json.dumps(dict(DOCKER, name="kept-%d" % index)), headers=headers)
            else:
                connection.request("GET", ACTIONS, headers=headers)
            response = connection.getresponse()
            body = json.loads(response.read().decode("utf-8"))
            assert (response.status, response.getheader("Connection")) == ((201 if index % 2 else 200), None), body
            sockets.add(connection.sock.getsockname()[1])  # a reconnect would use another local port
    finally:
        connection.close()
    assert len(sockets) == 1
    assert [entry["status"] for entry in control.requests()] == [200, 201] * 10
    assert len(control.actions("acme", "website", 1)) == 10


def test_route_table_lists_every_resource_module():
    """Adding a resource = one module with ``register(app)`` + one line in ``server.RESOURCES``; a
    module with ``register`` left out of the table fails here (shared helpers have no ``register``)."""
    names = sorted(name[:-3] for name in os.listdir(EMULATOR_DIR) if name.endswith(".py") and name != "__init__.py")
    modules = [importlib.import_module("emulator." + name) for name in names]
    resources = [module for module in modules if callable(getattr(module, "register", None))]
    assert sorted(resource.__name__ for resource in server.RESOURCES) == sorted(module.__name__ for module in resources)
    assert len(server.RESOURCES) == len(set(server.RESOURCES)) >= 6
    app = server.build_app(Config(base_url="http://emulator.test"))
    paths = ("/_emulator/health", PIPELINE + "/actions/1", PIPELINE + "/executions", "/workspaces/acme/sandboxes",
             "/api/v1/workspace/ws-1/executions")
    assert [app.routes.service_for(path) for path in paths] == ["control", "buddy", "buddy", "buddy", "blink"]
    assert app.routes.service_for("/workspaces/acme/nothing-here") is None


def test_a_handler_may_answer_bytes_with_its_own_content_type():
    """Room for downloads and JSON-lines logs: the handler's Content-Type is the only one sent."""
    app = server.build_app(Config())
    app.route("GET", r"/workspaces/(?P<ws>[^/]+)/blob", lambda state, request: (200, b"\x1f\x8b\x00", {"Content-Type": "application/gzip"}))
    app.reset()
    httpd = EmulatorHTTPServer(("127.0.0.1", 0), app)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=10)
        connection.request("GET", "/workspaces/acme/blob", headers={"Authorization": "Bearer " + BUDDY_TOKEN})
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"\x1f\x8b\x00")
        assert [value for key, value in response.getheaders() if key.lower() == "content-type"] == ["application/gzip"]
        connection.close()
    finally:
        app.stopping.set()
        httpd.shutdown()
        httpd.server_close()
