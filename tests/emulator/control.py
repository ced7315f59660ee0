# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's control API under ``/_emulator/``: its routes and the Python client for tests.

Test tooling only. Both sides of the control API live in this one file so they can't drift:
``register(app)`` serves it (no auth, never logged, never faulted; see README.md), and
``EmulatorProcess`` / ``EmulatorControl`` start the server and drive it from tests::

    from emulator.control import EmulatorControl, EmulatorProcess

    with EmulatorProcess() as emulator:
        control = EmulatorControl(emulator.url)
        control.reset()
        ...  # run something against emulator.url with token EmulatorProcess.BUDDY_TOKEN
        assert control.count(method="POST", path=r"/actions$") == 1
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request as UrlRequest
from urllib.request import urlopen

from .config import DEFAULT_BLINK_KEY, DEFAULT_BLINK_READONLY_KEY, DEFAULT_BUDDY_READONLY_TOKEN, DEFAULT_BUDDY_TOKEN
from .core import ApiError, Emulator, HandlerResult, Request, State

HERE = os.path.dirname(os.path.abspath(__file__))
# The server runs as ``python3 -m <this package>.server`` from the package's parent directory.
PACKAGE_PARENT = os.path.dirname(HERE)
SERVER_MODULE = os.path.basename(HERE) + ".server"
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")

BUDDY_TOKEN = DEFAULT_BUDDY_TOKEN
BUDDY_READONLY_TOKEN = DEFAULT_BUDDY_READONLY_TOKEN
BLINK_API_KEY = DEFAULT_BLINK_KEY
BLINK_READONLY_KEY = DEFAULT_BLINK_READONLY_KEY

PREFIX = "/_emulator"
CONTROL = "control"


# --- server side: the routes ---------------------------------------------------------------------
def register(app: Emulator) -> None:
    """Control routes close over ``app`` (they reach past the state: log, faults, seeds)."""

    def health(state: State, request: Request) -> HandlerResult:
        del state
        return 200, {"ok": True, "url": request.base_url}, {}

    def config(state: State, request: Request) -> HandlerResult:
        del request
        return 200, state.config.public(), {}

    def get_state(state: State, request: Request) -> HandlerResult:
        del request
        return 200, state.snapshot(), {}

    def get_requests(state: State, request: Request) -> HandlerResult:
        del state
        since = request.query_int("since", 0)
        return 200, {"requests": app.log.since(since), "last_seq": app.log.last_seq()}, {}

    def clear_requests(state: State, request: Request) -> HandlerResult:
        del state, request
        app.log.clear()
        return 204, None, {}

    def reset(state: State, request: Request) -> HandlerResult:
        del state
        body = request.json_object()
        app.reset(body.get("seed"))
        return 200, {"ok": True}, {}

    def seed(state: State, request: Request) -> HandlerResult:
        del state
        app.apply_seed(request.json_object())
        return 200, {"ok": True}, {}

    def add_fault(state: State, request: Request) -> HandlerResult:
        del state
        if not request.body_is_json:
            raise ApiError(400, "fault must be a JSON object")
        fault = app.faults.add(request.body)
        return 201, {"fault": fault.as_dict()}, {}

    def list_faults(state: State, request: Request) -> HandlerResult:
        del state, request
        return 200, {"faults": app.faults.list()}, {}

    def clear_faults(state: State, request: Request) -> HandlerResult:
        del state, request
        app.faults.clear()
        return 204, None, {}

    routes: Any = (
        ("GET", "/health", health, True),
        ("GET", "/config", config, True),
        ("GET", "/state", get_state, False),
        ("GET", "/requests", get_requests, False),
        ("DELETE", "/requests", clear_requests, False),
        ("POST", "/reset", reset, False),
        ("POST", "/seed", seed, False),
        ("POST", "/faults", add_fault, False),
        ("GET", "/faults", list_faults, False),
        ("DELETE", "/faults", clear_faults, False),
    )
    for method, path, handler, locked in routes:
        app.route(method, PREFIX + path, handler, service=CONTROL, locked=locked)


# --- client side: the process and the control client ---------------------------------------------
def server_python() -> str:
    """Interpreter for the server: ``OPSFLOW_EMULATOR_PYTHON`` (e.g. to try 3.8) or this one."""
    return os.environ.get("OPSFLOW_EMULATOR_PYTHON") or sys.executable


def server_command(args: Sequence[str] = (), python: Optional[str] = None) -> List[str]:
    """The command that starts the server; run it with ``cwd=PACKAGE_PARENT``.

    A ``--seed`` file is made absolute, since the server does not run in the caller's directory.
    """
    fixed: List[str] = []
    pending_seed = False
    for arg in args:
        if pending_seed and arg not in ("default", "empty"):
            arg = os.path.abspath(arg)
        elif arg.startswith("--seed=") and arg[len("--seed="):] not in ("default", "empty"):
            arg = "--seed=" + os.path.abspath(arg[len("--seed="):])
        pending_seed = arg == "--seed"
        fixed.append(arg)
    return [python or server_python(), "-m", SERVER_MODULE] + fixed


class EmulatorError(RuntimeError):
    """The emulator did not start, or a control call failed."""


class EmulatorProcess:
    """The emulator as a child process on a free loopback port.

    ``args`` are extra server options (e.g. ``["--page-size", "2"]``). The server's stderr
    goes to a temporary file, readable with ``stderr_text()`` when something goes wrong.
    """

    BUDDY_TOKEN = BUDDY_TOKEN
    BLINK_API_KEY = BLINK_API_KEY

    def __init__(self, args: Sequence[str] = (), python: Optional[str] = None, start_timeout: float = 15.0) -> None:
        self.args = list(args)
        self.python = python or server_python()
        self.start_timeout = start_timeout
        self.url = ""
        self._proc: Optional["subprocess.Popen[bytes]"] = None
        self._stderr: Optional[Any] = None

    def start(self) -> "EmulatorProcess":
        if self._proc is not None:
            return self
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(  # pylint: disable=consider-using-with
            server_command(["--port", "0"] + self.args, self.python), cwd=PACKAGE_PARENT,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            start_new_session=True,  # a terminal Ctrl-C reaches the caller, who stops the server
        )
        self.url = self._read_url()
        return self

    def _read_url(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + self.start_timeout
        buffer = b""
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([self._proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self._proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buffer += chunk
                match = re.search(rb"EMULATOR_URL=(\S+)\n", buffer)
                if match:
                    return match.group(1).decode("ascii")
            elif self._proc.poll() is not None:
                break
        self.stop()
        raise EmulatorError("emulator did not start: %s" % self.stderr_text().strip()[-2000:])

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", errors="replace")

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGTERM, wait, SIGKILL as a last resort; returns the exit code."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    def __enter__(self) -> "EmulatorProcess":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class EmulatorControl:
    """Client of the control API of a running emulator at ``url``."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = UrlRequest(self.url + PREFIX + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urlopen(request, timeout=self.timeout) as response:  # nosec - loopback test server
                raw = response.read()
        except HTTPError as exc:
            raise EmulatorError("%s /_emulator%s -> %s: %s" % (method, path, exc.code, exc.read().decode("utf-8", "replace")))
        return json.loads(raw.decode("utf-8")) if raw else None

    # --- state ------------------------------------------------------------------------------
    def health(self) -> Dict[str, Any]:
        return self._call("GET", "/health")

    def config(self) -> Dict[str, Any]:
        return self._call("GET", "/config")

    def state(self) -> Dict[str, Any]:
        """Everything the emulator holds, including ``_secrets`` and ``_counters``."""
        return self._call("GET", "/state")

    def reset(self, seed: Any = None) -> None:
        """Fresh state (None = the server's start-up seed; 'default', 'empty' or a seed dict).

        Also clears the request log and the faults.
        """
        self._call("POST", "/reset", {} if seed is None else {"seed": seed})

    def seed(self, data: Dict[str, Any]) -> None:
        """Merge a seed into the current state (actions are appended)."""
        self._call("POST", "/seed", data)

    def list_settings(self, **values: Any) -> None:
        """Switch the Buddy lists for this test (a reset switches back): ``view="short"``, ``max_per_page=3``, ..."""
        self.seed({"list_settings": values})

    def seed_actions(self, ws: str, project: str, pipeline_id: int, actions: List[Dict[str, Any]]) -> None:
        """Append stored actions to one pipeline (shortcut for ``seed``)."""
        self.seed({"workspaces": {ws: {"projects": {project: {"pipelines": {str(pipeline_id): {"actions": actions}}}}}}})

    def pipeline(self, ws: str, project: str, pipeline_id: int) -> Dict[str, Any]:
        """The stored pipeline (from state, not the public API); KeyError when missing."""
        return self.state()["workspaces"][ws]["projects"][project]["pipelines"][str(pipeline_id)]

    def actions(self, ws: str, project: str, pipeline_id: int) -> List[Dict[str, Any]]:
        """Stored actions of a pipeline in order (from state, not the public API)."""
        return self.pipeline(ws, project, pipeline_id).get("actions", [])

    def action_secrets(self, action_id: int) -> Dict[str, Any]:
        """Write-only fields last sent for an action (e.g. ``password``)."""
        return self.state().get("_secrets", {}).get("actions", {}).get(str(action_id), {})

    # --- request log ------------------------------------------------------------------------
    def requests(self, since_seq: int = 0) -> List[Dict[str, Any]]:
        return self._call("GET", "/requests?since=%d" % since_seq)["requests"]

    def last_seq(self) -> int:
        return self._call("GET", "/requests?since=%d" % (2 ** 62))["last_seq"]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def find(self, method: Optional[str] = None, path: Optional[str] = None, since_seq: int = 0,
             status: Optional[int] = None) -> List[Dict[str, Any]]:
        """Logged requests by method and by a regex searched in the path."""
        found = []
        for entry in self.requests(since_seq):
            if method is not None and entry["method"] != method.upper():
                continue
            if path is not None and not re.search(path, entry["path"]):
                continue
            if status is not None and entry["status"] != status:
                continue
            found.append(entry)
        return found

    def count(self, method: Optional[str] = None, path: Optional[str] = None, since_seq: int = 0,
              status: Optional[int] = None) -> int:
        return len(self.find(method=method, path=path, since_seq=since_seq, status=status))

    def writes(self, since_seq: int = 0, path: Optional[str] = None) -> List[Dict[str, Any]]:
        """Logged POST / PATCH / PUT / DELETE requests."""
        return [entry for entry in self.find(path=path, since_seq=since_seq) if entry["method"] in WRITE_METHODS]

    # --- faults -----------------------------------------------------------------------------
    def add_fault(self, **spec: Any) -> Dict[str, Any]:
        """Add one fault, e.g. ``add_fault(kind="status", status=503, method="GET", path=r"/actions")``."""
        return self._call("POST", "/faults", spec)["fault"]

    def faults(self) -> List[Dict[str, Any]]:
        """Faults not yet used up."""
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")


def actions_path(ws: str, project: str, pipeline_id: int) -> str:
    """The public API path of a pipeline's actions, segments percent-encoded."""
    return "/workspaces/%s/projects/%s/pipelines/%d/actions" % (quote(ws, safe=""), quote(project, safe=""), pipeline_id)


def filler_actions(count: int, prefix: str = "filler", atype: str = "BUILD") -> List[Dict[str, Any]]:
    """``count`` simple actions to seed, e.g. to push a later action onto the next page."""
    return [{"name": "%s-%d" % (prefix, index), "type": atype} for index in range(1, count + 1)]
