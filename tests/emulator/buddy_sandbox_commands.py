# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Commands and files inside a Buddy sandbox, for real: the command API, its logs, the content API.

Test tooling only. A command sent to an emulated sandbox RUNS ON THIS MACHINE, as the user the
emulator runs as, in a per-sandbox directory under a temporary root this emulator owns
(``<root>/<sandbox id>/buddy`` is the sandbox user's HOME and working directory; ``TMPDIR`` is
``<root>/<sandbox id>/tmp``; ``$HOME/bin`` leads ``PATH``). The server binds to loopback only
(config.py refuses any other host), so only programs on this machine can ask it to run anything.

- ``POST .../commands`` starts the process and answers at once with ``status: INPROGRESS``; the
  record turns SUCCESSFUL / FAILED (with ``exit_code``) when the process really ends. Nothing here
  sleeps or fakes a duration: a client waits by polling ``GET .../commands/{id}``.
- Runtimes: BASH (``bash -c``), PYTHON (``python3 -c``), JAVASCRIPT (``node -e``), TYPESCRIPT
  (``tsx -e`` or ``ts-node -e``); a runtime whose program is missing ends FAILED at once with
  exit code 127 and a message on STDERR.
- ``GET .../commands/{id}/logs``: the output as ``{type: STDOUT|STDERR, data}`` entries. The shape is
  UNCONFIRMED (facts-v2 C), so the seed key ``sandbox_command_settings`` picks it:
  ``logs_format`` ``lines`` (default: JSON lines, one entry per output line, the newline dropped,
  as the Buddy sandbox SDK reads them), ``chunks`` (JSON lines, raw chunks with their newlines) or
  ``array`` (one JSON array of line entries). ``follow=true`` answers once the command has ended.
- Commands and content calls on a sandbox that is not RUNNING answer 400 with ``errors[]``; a
  sandbox that stops or is deleted has its running commands killed.
- Content API paths are absolute paths of the sandbox (the leading ``/`` dropped in the URL, as the
  SDK sends them). The emulator serves only paths inside the sandbox's own directory (403 else),
  so it never reads or writes elsewhere through this API.

State (``state.data``): ``sandbox_commands: {"<id>": {id, command, runtime, status, exit_code,
start_date, finish_date, _sandbox, _ws}}``, ``sandbox_workdirs: {"<sandbox id>": "<home dir>"}``
(tests read the files there; a sandbox's HOME is always ``<sandbox_root>/<id>/buddy``), ``sandbox_root``,
``sandbox_command_settings: {logs_format}``. Processes and their
output stay in memory, outside the JSON state.
"""

from __future__ import annotations

import atexit
import codecs
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
from typing import Any, Dict, List, Optional, Tuple

from . import buddy
from .buddy import iso
from .buddy_sandboxes import SANDBOX, find_sandbox, sandbox_url, sandboxes
from .core import ApiError, Emulator, HandlerResult, Request, State, checked_settings

COMMANDS = SANDBOX + r"/commands"
COMMAND = COMMANDS + r"/(?P<command_id>%s)" % buddy.SEG
UPLOAD = SANDBOX + r"/content/upload/(?P<path>.+)"
CONTENT = SANDBOX + r"/content(?:/(?P<path>.*))?"
DOWNLOAD = SANDBOX + r"/download(?:/(?P<path>.*))?"

RUNTIMES = ("BASH", "JAVASCRIPT", "TYPESCRIPT", "PYTHON")
LOGS_FORMATS = ("lines", "chunks", "array")
DEFAULT_SETTINGS = {"logs_format": "lines"}
READ_SIZE = 65536


def _runtime_argv(runtime: str, command: str) -> Optional[List[str]]:
    """The program line for a runtime, or None when its program is not installed here."""
    if runtime == "BASH":
        shell = shutil.which("bash") or shutil.which("sh")
        return [shell, "-c", command] if shell else None
    if runtime == "PYTHON":
        python = shutil.which("python3") or sys.executable
        return [python, "-c", command]
    if runtime == "JAVASCRIPT":
        node = shutil.which("node")
        return [node, "-e", command] if node else None
    for program in ("tsx", "ts-node"):
        found = shutil.which(program)
        if found:
            return [found, "-e", command]
    return None


class Process:
    """One running command: the child process, its output in arrival order, its end."""

    def __init__(self, record: Dict[str, Any], state: State) -> None:
        self.record = record
        self.state = state
        self.entries: List[Tuple[str, str]] = []
        self.output_lock = threading.Lock()
        self.done = threading.Event()
        self.popen: Optional["subprocess.Popen[bytes]"] = None

    def start(self, argv: Optional[List[str]], cwd: str, env: Dict[str, str]) -> None:
        if argv is None:
            self.entries.append(("STDERR", "emulator: the %s runtime is not installed on this machine\n"
                                 % self.record["runtime"]))
            threading.Thread(target=self._finish, args=(127,), daemon=True).start()
            return
        self.popen = subprocess.Popen(  # pylint: disable=consider-using-with
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)
        readers = [threading.Thread(target=self._read, args=(self.popen.stdout, "STDOUT"), daemon=True),
                   threading.Thread(target=self._read, args=(self.popen.stderr, "STDERR"), daemon=True)]
        for reader in readers:
            reader.start()
        threading.Thread(target=self._wait, args=(readers,), daemon=True).start()

    def _read(self, pipe: Any, kind: str) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            chunk = os.read(pipe.fileno(), READ_SIZE)
            text = decoder.decode(chunk, final=not chunk)
            if text:
                with self.output_lock:
                    self.entries.append((kind, text))
            if not chunk:
                pipe.close()
                return

    def _wait(self, readers: List[threading.Thread]) -> None:
        assert self.popen is not None
        code = self.popen.wait()
        for reader in readers:
            reader.join()
        # A signal N reads as 128+N, as a shell reports it.
        self._finish(128 - code if code < 0 else code)

    def _finish(self, code: int) -> None:
        with self.state.lock:
            self.record["exit_code"] = code
            self.record["status"] = "SUCCESSFUL" if code == 0 else "FAILED"
            self.record["finish_date"] = iso(self.state.clock())
        self.done.set()

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except OSError:
                pass

    def log_entries(self, fmt: str, ended: bool) -> List[Dict[str, str]]:
        """The output as API entries: merged chunks, or lines (a last partial line only once ended)."""
        with self.output_lock:
            entries = list(self.entries)
        result: List[Dict[str, str]] = []
        if fmt == "chunks":
            for kind, text in entries:
                if result and result[-1]["type"] == kind:
                    result[-1]["data"] += text
                else:
                    result.append({"type": kind, "data": text})
            return result
        partial = {"STDOUT": "", "STDERR": ""}
        for kind, text in entries:
            pieces = (partial[kind] + text).split("\n")
            partial[kind] = pieces.pop()
            result.extend({"type": kind, "data": line} for line in pieces)
        if ended:
            result.extend({"type": kind, "data": rest} for kind, rest in sorted(partial.items()) if rest)
        return result


class SandboxHosts:
    """The per-emulator part: the temporary root, the live processes."""

    def __init__(self) -> None:
        self.root = tempfile.mkdtemp(prefix="opsflow-emulator-sandboxes-")
        self.processes: Dict[str, Process] = {}
        atexit.register(self.close)

    def close(self) -> None:
        for process in list(self.processes.values()):
            process.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    # --- directories ------------------------------------------------------------------------------
    def sandbox_dir(self, sandbox_id: str) -> str:
        return os.path.join(self.root, sandbox_id)

    def home(self, state: State, box: Dict[str, Any]) -> str:
        """The sandbox user's HOME, created on first use."""
        base = self.sandbox_dir(box["id"])
        home = os.path.join(base, "buddy")
        for path in (home, os.path.join(base, "tmp")):
            os.makedirs(path, exist_ok=True)
        state.data.setdefault("sandbox_workdirs", {})[box["id"]] = home
        return home

    def local_path(self, state: State, box: Dict[str, Any], api_path: Optional[str],
                   follow: bool = False) -> Tuple[str, str]:
        """(path as the sandbox sees it, path on this machine) for a content path; 403 outside.

        The directories on the way must lie inside the sandbox's directory; the last component may
        be a symlink leading out (a virtualenv's ``bin/python``) unless ``follow`` (reading or
        writing through it) is asked for.
        """
        self.home(state, box)
        shown = os.path.normpath("/" + (api_path or "").lstrip("/"))
        base = os.path.realpath(self.sandbox_dir(box["id"]))
        checked = os.path.realpath(shown) if follow else os.path.join(os.path.realpath(os.path.dirname(shown)),
                                                                      os.path.basename(shown))
        if checked != base and not checked.startswith(base + os.sep):
            raise ApiError(403, "The emulator serves only paths inside the sandbox directory %s, not %s"
                           % (base, shown))
        return shown, shown

    # --- life cycle --------------------------------------------------------------------------------
    def reset(self, state: State) -> None:
        for process in list(self.processes.values()):
            process.kill()
        self.processes = {}
        for name in os.listdir(self.root):
            shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)
        state.data["sandbox_commands"] = {}
        state.data["sandbox_workdirs"] = {}
        state.data["sandbox_root"] = self.root
        state.data["sandbox_command_settings"] = dict(DEFAULT_SETTINGS)

    def advance(self, state: State, now: float) -> None:
        """Kill commands of sandboxes no longer RUNNING; drop the directories of deleted sandboxes."""
        del now
        boxes = sandboxes(state)
        for command_id, process in list(self.processes.items()):
            box = boxes.get(process.record["_sandbox"])
            if box is None or box["status"] != "RUNNING":
                process.kill()
            if process.done.is_set():
                # Finished processes keep their output for the logs route until the sandbox goes.
                if box is None:
                    del self.processes[command_id]
        workdirs = state.data.get("sandbox_workdirs", {})
        for sandbox_id in list(workdirs):
            if sandbox_id not in boxes:
                del workdirs[sandbox_id]
                shutil.rmtree(self.sandbox_dir(sandbox_id), ignore_errors=True)


def settings(state: State) -> Dict[str, Any]:
    return state.data.setdefault("sandbox_command_settings", dict(DEFAULT_SETTINGS))


def seed_settings(state: State, values: Any) -> None:
    """Seed ``sandbox_command_settings``: ``{"logs_format": "lines" | "chunks" | "array"}``."""
    settings(state).update(checked_settings("sandbox_command_settings", values, DEFAULT_SETTINGS,
                                            {"logs_format": LOGS_FORMATS}))


def _running_sandbox(state: State, request: Request) -> Dict[str, Any]:
    state.now()
    box = find_sandbox(state, request)
    if box["status"] != "RUNNING":
        raise ApiError(400, "Sandbox %s is not running (status %s); start it first" % (box["identifier"], box["status"]))
    return box


def _command_view(request: Request, box: Dict[str, Any], record: Dict[str, Any]) -> Dict[str, Any]:
    url = "%s/commands/%s" % (sandbox_url(request.base_url, box["_ws"], box["id"]), buddy.seg(record["id"]))
    view = {"url": url, "html_url": url.replace("/workspaces/", "/app/", 1), "logs_url": url + "/logs"}
    view.update({key: value for key, value in record.items() if not key.startswith("_")})
    return view


def _item(request: Request, box: Dict[str, Any], shown: str, local: str) -> Dict[str, Any]:
    is_dir = os.path.isdir(local) and not os.path.islink(local)  # a link is listed, never followed
    base = sandbox_url(request.base_url, box["_ws"], box["id"])
    item = {"url": "%s/content%s" % (base, shown), "html_url": "%s/content%s" % (base.replace("/workspaces/", "/app/", 1), shown),
            "type": "DIR" if is_dir else "FILE", "name": os.path.basename(shown.rstrip("/")) or "/", "path": shown}
    if not is_dir:
        item["size"] = os.lstat(local).st_size if os.path.islink(local) else os.path.getsize(local)
    return item


def _multipart_file(request: Request) -> bytes:
    """The bytes of the multipart field ``file``; 400 when there is none."""
    content_type = request.headers.get("content-type", "")
    boundary = None
    for part in content_type.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not content_type.lower().startswith("multipart/form-data") or not boundary:
        raise ApiError(400, "Upload must be multipart/form-data with a 'file' field")
    delimiter = b"--" + boundary.encode("latin-1")
    for part in request.raw_body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _sep, body = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            return body[:-2] if body.endswith(b"\r\n") else body
    raise ApiError(400, "Upload must be multipart/form-data with a 'file' field")


def make_routes(hosts: SandboxHosts) -> List[Tuple[str, str, Any, bool]]:
    """The routes, closing over this emulator's ``hosts``: (method, pattern, handler, locked)."""

    def run(state: State, request: Request) -> HandlerResult:
        box = _running_sandbox(state, request)
        body = request.json_object()
        command = body.get("command")
        runtime = body.get("runtime") or "BASH"
        if not isinstance(command, str) or not command.strip():
            raise ApiError(400, "Field 'command' is required")
        if runtime not in RUNTIMES:
            raise ApiError(400, "Field 'runtime' must be one of %s" % ", ".join(RUNTIMES))
        home = hosts.home(state, box)
        number = state.next_id("sandbox_command")
        record = {"id": buddy.short_id("command:%d" % number, "cmd-"), "command": command, "runtime": runtime,
                  "status": "INPROGRESS", "exit_code": None, "start_date": iso(state.clock()), "finish_date": None,
                  "_sandbox": box["id"], "_ws": box["_ws"]}
        state.data.setdefault("sandbox_commands", {})[record["id"]] = record
        env = {"HOME": home, "PWD": home, "TMPDIR": os.path.join(os.path.dirname(home), "tmp"),
               "PATH": os.path.join(home, "bin") + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
               "USER": os.environ.get("USER", "buddy"), "LOGNAME": os.environ.get("USER", "buddy"),
               "SHELL": "/bin/bash", "LANG": "C.UTF-8", "BUDDY_SANDBOX_ID": box["id"]}
        process = Process(record, state)
        hosts.processes[record["id"]] = process
        process.start(_runtime_argv(runtime, command), home, env)
        return 200, _command_view(request, box, record), {}

    def find_command(state: State, request: Request) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        state.now()
        box = find_sandbox(state, request)
        record = state.data.get("sandbox_commands", {}).get(request.params["command_id"])
        if record is None or record["_sandbox"] != box["id"]:
            raise ApiError(404, "Command not found: %s" % request.params["command_id"])
        return box, record

    def list_commands(state: State, request: Request) -> HandlerResult:
        state.now()
        box = find_sandbox(state, request)
        records = [record for record in state.data.get("sandbox_commands", {}).values() if record["_sandbox"] == box["id"]]
        return 200, {"url": sandbox_url(request.base_url, box["_ws"], box["id"]) + "/commands",
                     "commands": [_command_view(request, box, record) for record in records]}, {}

    def get_command(state: State, request: Request) -> HandlerResult:
        box, record = find_command(state, request)
        return 200, _command_view(request, box, record), {}

    def logs(state: State, request: Request) -> HandlerResult:
        # Unlocked: with follow=true it waits for the process without holding the state lock.
        with state.lock:
            _box, record = find_command(state, request)
            fmt = settings(state)["logs_format"]
        process = hosts.processes.get(record["id"])
        if process is None:
            entries: List[Dict[str, str]] = []
        else:
            if request.query_value("follow", "false").lower() == "true":
                while not process.done.wait(0.05) and not state.stopping.is_set():
                    pass
            entries = process.log_entries(fmt, process.done.is_set())
        if fmt == "array":
            return 200, entries, {}
        return 200, "".join(json.dumps(entry) + "\n" for entry in entries), {}

    def terminate(state: State, request: Request) -> HandlerResult:
        # Unlocked: the process's end is recorded under the lock by its own thread.
        with state.lock:
            _box, record = find_command(state, request)
        process = hosts.processes.get(record["id"])
        if process is not None:
            process.kill()
            process.done.wait(10)
        with state.lock:
            box, record = find_command(state, request)
            return 200, _command_view(request, box, record), {}

    def content_get(state: State, request: Request) -> HandlerResult:
        box = _running_sandbox(state, request)
        shown, local = hosts.local_path(state, box, request.params.get("path"))
        if not os.path.lexists(local):
            raise ApiError(404, "Path not found: %s" % shown)
        base = sandbox_url(request.base_url, box["_ws"], box["id"])
        if os.path.isdir(local) and not os.path.islink(local):
            contents = [_item(request, box, os.path.join(shown, name), os.path.join(local, name))
                        for name in sorted(os.listdir(local))]
        else:
            contents = [_item(request, box, shown, local)]
        return 200, {"url": "%s/content%s" % (base, shown), "contents": contents}, {}

    def content_mkdir(state: State, request: Request) -> HandlerResult:
        box = _running_sandbox(state, request)
        shown, local = hosts.local_path(state, box, request.params.get("path"))
        if os.path.lexists(local):
            raise ApiError(409, "Path already exists: %s" % shown)
        if not os.path.isdir(os.path.dirname(local)):
            raise ApiError(404, "Parent directory not found: %s" % os.path.dirname(shown))
        os.mkdir(local)
        return 201, _item(request, box, shown, local), {}

    def content_delete(state: State, request: Request) -> HandlerResult:
        box = _running_sandbox(state, request)
        shown, local = hosts.local_path(state, box, request.params.get("path"))
        if not os.path.lexists(local):
            raise ApiError(404, "Path not found: %s" % shown)
        if os.path.realpath(local) == os.path.realpath(hosts.sandbox_dir(box["id"])):
            raise ApiError(400, "Can't delete the sandbox's root")
        if os.path.isdir(local) and not os.path.islink(local):
            shutil.rmtree(local)
        else:
            os.remove(local)
        return 204, None, {}

    def upload(state: State, request: Request) -> HandlerResult:
        box = _running_sandbox(state, request)
        shown, local = hosts.local_path(state, box, request.params.get("path"), follow=True)
        data = _multipart_file(request)
        if os.path.isdir(local):
            raise ApiError(409, "A directory exists at %s" % shown)
        parent = os.path.dirname(local)
        if not os.path.isdir(parent):
            os.makedirs(parent)
        with open(local, "wb") as handle:
            handle.write(data)
        return 201, _item(request, box, shown, local), {}

    def download(state: State, request: Request) -> HandlerResult:
        box = _running_sandbox(state, request)
        shown, local = hosts.local_path(state, box, request.params.get("path"), follow=True)
        if not os.path.lexists(local):
            raise ApiError(404, "Path not found: %s" % shown)
        if os.path.isdir(local):
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                archive.add(local, arcname=os.path.basename(shown.rstrip("/")) or ".")
            return 200, buffer.getvalue(), {}
        with open(local, "rb") as handle:
            return 200, handle.read(), {}

    return [
        ("POST", COMMANDS, run, True),
        ("GET", COMMANDS, list_commands, True),
        ("GET", COMMAND, get_command, True),
        ("GET", COMMAND + r"/logs", logs, False),
        ("POST", COMMAND + r"/terminate", terminate, False),
        ("POST", UPLOAD, upload, True),
        ("GET", CONTENT, content_get, True),
        ("POST", CONTENT, content_mkdir, True),
        ("DELETE", CONTENT, content_delete, True),
        ("GET", DOWNLOAD, download, True),
    ]


def register(app: Emulator) -> None:
    hosts = SandboxHosts()
    app.add_state_init(hosts.reset)
    app.add_seed_handler("sandbox_command_settings", seed_settings)
    app.state.add_advancer(hosts.advance)
    for method, pattern, handler, locked in make_routes(hosts):
        app.route(method, pattern, handler, locked=locked)
