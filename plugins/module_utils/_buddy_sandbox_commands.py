# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Inside a Buddy sandbox: run commands (and read their output), move files (content API).

Used by the module buddy_sandbox_command, the connection plugin buddy_sandbox and the
configure playbook's tasks through it. Facts and their sources: facts-v2 C.

- A command is asynchronous: ``POST .../commands`` answers at once (INPROGRESS); the wait is
  ``_wait.wait_until`` on ``GET .../commands/{id}``; the output is read once the command has
  ended, from ``GET .../commands/{id}/logs``. The POST is never repeated when it may have
  reached the server (the transport's rule): a command must not run twice.
- The logs' shape is UNCONFIRMED; ``parse_logs`` takes every shape the sources allow: JSON lines,
  a JSON array, one object, ``{logs: [...]}``; each entry ``{type: STDOUT|STDERR, data}``. The
  SDK appends a newline to each entry's data (an entry is a line); entries that carry their own
  newlines are raw chunks and are joined as they are.
- Content paths are absolute sandbox paths, sent without the leading ``/`` as the SDK does.
  ``GET .../content/{path}`` lists a directory (``{contents: [...]}``); for a file the answer is
  taken to be the one item describing it (UNCONFIRMED: both a one-item list and a bare item are
  accepted); 404 = no such path.
- Uploads are multipart (field ``file``), downloads binary: ``Transport.request`` with ``files`` /
  ``accept`` (same session, headers and retry rules), the bytes in ``Response.content``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import sandboxes_path
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandboxes import find_sandboxes
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    OpsflowError,
    ValidationError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import (
    FIRST_POLL,
    NOT_READ,
    Deadline,
    check_wait_options,
    timeout_message,
    wait_until,
)

RUNTIMES = ("BASH", "JAVASCRIPT", "TYPESCRIPT", "PYTHON")
ENDED_STATUSES = ("SUCCESSFUL", "FAILED", "TERMINATED")


class SandboxError(OpsflowError):
    """The sandbox can't take commands or files: missing, not RUNNING, or a command that did not end."""


def content_path(path: str) -> str:
    """An absolute sandbox path as the URL tail: segments quoted, slashes kept, no leading '/'."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValidationError("a path inside the sandbox must be absolute, got %r" % (path,))
    segments = [segment for segment in path.split("/") if segment not in ("", ".")]
    if ".." in segments:
        raise ValidationError("a path inside the sandbox may not contain '..', got %r" % path)
    return "/".join(quote(segment, safe="") for segment in segments)


def parse_logs(text: str) -> List[Dict[str, Any]]:
    """The log entries, whichever shape the server used (JSON lines, array, object, ``{logs}``)."""
    text = (text or "").strip()
    if not text:
        return []
    decoder = json.JSONDecoder()
    values: List[Any] = []
    index = 0
    while index < len(text):
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            raise OpsflowError("unexpected command logs: not JSON near %r" % text[index:index + 40])
        values.append(value)
        index = end
        while index < len(text) and text[index].isspace():
            index += 1
    entries: List[Dict[str, Any]] = []
    for value in values:
        if isinstance(value, dict) and isinstance(value.get("logs"), list):
            value = value["logs"]
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict):
                entries.append(entry)
    return entries


def join_output(entries: List[Dict[str, Any]]) -> Tuple[str, str]:
    """(stdout, stderr) from log entries.

    An entry is a line without its newline (what the SDK reads), unless some entry carries a
    newline itself: then entries are raw chunks, joined as they are. With line entries, the
    last line of a stream always ends with a newline (the API can't tell whether it had one).
    """
    chunks = any("\n" in str(entry.get("data") or "") for entry in entries)
    out: Dict[str, List[str]] = {"STDOUT": [], "STDERR": []}
    for entry in entries:
        kind = "STDERR" if str(entry.get("type", "STDOUT")).upper() == "STDERR" else "STDOUT"
        data = entry.get("data")
        data = "" if data is None else str(data)
        out[kind].append(data if chunks else data + "\n")
    return "".join(out["STDOUT"]), "".join(out["STDERR"])


def is_done(command: Dict[str, Any]) -> bool:
    """A command record whose status says it has ended."""
    return command.get("status") in ENDED_STATUSES


class CommandResult:
    """A command that ended (or not, with ``ended`` false): its record, exit code and output."""

    def __init__(self, record: Dict[str, Any], ended: bool, stdout: str = "", stderr: str = "") -> None:
        self.record = record
        self.ended = ended
        self.stdout = stdout
        self.stderr = stderr

    @property
    def command_id(self) -> Optional[str]:
        return self.record.get("id")

    @property
    def status(self) -> Optional[str]:
        return self.record.get("status")

    @property
    def rc(self) -> Optional[int]:
        code = self.record.get("exit_code")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
        if self.ended:
            # An ended command without an exit code: success 0, anything else 1.
            return 0 if self.status == "SUCCESSFUL" else 1
        return None


class BuddySandboxCommandsClient:
    """Commands and content of one workspace's sandboxes, by sandbox id."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    # --- commands ---------------------------------------------------------------------------------
    def start_command(self, workspace: str, sandbox_id: str, command: str, runtime: str = "BASH") -> Dict[str, Any]:
        if runtime not in RUNTIMES:
            raise ValidationError("runtime must be one of %s, got %s" % (", ".join(RUNTIMES), runtime))
        body = {"command": command, "runtime": runtime}
        return self.transport.request("POST", sandboxes_path(workspace, sandbox_id, "commands"), body=body,
                                      expected=(200, 201)).json or {}

    def get_command(self, workspace: str, sandbox_id: str, command_id: str) -> Dict[str, Any]:
        path = sandboxes_path(workspace, sandbox_id, "commands", quote(str(command_id), safe=""))
        return self.transport.request("GET", path).json or {}

    def terminate_command(self, workspace: str, sandbox_id: str, command_id: str) -> Dict[str, Any]:
        path = sandboxes_path(workspace, sandbox_id, "commands", quote(str(command_id), safe=""), "terminate")
        return self.transport.request("POST", path, expected=(200, 201, 202)).json or {}

    def command_output(self, workspace: str, sandbox_id: str, command_id: str) -> Tuple[str, str]:
        """(stdout, stderr) of a command that has ended."""
        path = sandboxes_path(workspace, sandbox_id, "commands", quote(str(command_id), safe=""), "logs")
        response = self.transport.request("GET", path, accept="application/jsonl, application/json")
        return join_output(parse_logs(response.content.decode("utf-8", "replace")))

    def run(self, workspace: str, sandbox_id: str, command: str, runtime: str = "BASH",
            wait_timeout: float = 600, poll_interval: float = 2.0,
            sleep: Callable[[float], None] = time.sleep, first_poll: Optional[float] = None,
            clock: Callable[[], float] = time.monotonic) -> CommandResult:
        """Start a command, wait for its end, read its output; ``ended`` false when time ran out.

        ``first_poll`` starts the pauses shorter than the wait loop's own first one (the connection
        plugin's steps mostly last milliseconds); they double up to ``poll_interval`` (``wait_until``).
        """
        deadline = Deadline(wait_timeout, clock=clock)
        record = self.start_command(workspace, sandbox_id, command, runtime)
        command_id = record.get("id")
        if not command_id:
            raise OpsflowError("the sandbox accepted the command but its answer carries no command id")
        # A short command has often ended by the time its POST is answered: read once at once, then poll.
        record, ended = wait_until(lambda: self.get_command(workspace, sandbox_id, command_id), is_done, deadline,
                                   poll_interval, current=record if is_done(record) else NOT_READ, sleep=sleep,
                                   first_poll=FIRST_POLL if first_poll is None else first_poll)
        if not ended:
            return CommandResult(record, False)
        stdout, stderr = self.command_output(workspace, sandbox_id, command_id)
        return CommandResult(record, True, stdout, stderr)

    # --- content ----------------------------------------------------------------------------------
    def _content(self, workspace: str, sandbox_id: str, kind: str, path: str) -> str:
        tail = content_path(path)
        return sandboxes_path(workspace, sandbox_id, *([kind] + ([tail] if tail else [])))

    def stat(self, workspace: str, sandbox_id: str, path: str) -> Optional[Dict[str, Any]]:
        """The item at ``path`` (``type`` FILE or DIR), or None when nothing is there."""
        try:
            body = self.transport.request("GET", self._content(workspace, sandbox_id, "content", path)).json
        except NotFoundError:
            return None
        wanted = "/" + content_path(path)
        if isinstance(body, dict) and body.get("type") in ("FILE", "DIR"):
            return body
        contents = body.get("contents") if isinstance(body, dict) else body
        contents = contents if isinstance(contents, list) else []
        if len(contents) == 1 and isinstance(contents[0], dict) and contents[0].get("type") == "FILE" \
                and "/" + str(contents[0].get("path", "")).lstrip("/") == wanted:
            return contents[0]
        return {"type": "DIR", "path": wanted, "name": wanted.rsplit("/", 1)[-1], "contents": contents}

    def list_dir(self, workspace: str, sandbox_id: str, path: str) -> List[Dict[str, Any]]:
        body = self.transport.request("GET", self._content(workspace, sandbox_id, "content", path)).json
        contents = body.get("contents") if isinstance(body, dict) else body
        return contents if isinstance(contents, list) else []

    def mkdir(self, workspace: str, sandbox_id: str, path: str) -> bool:
        """Create a directory; False when something already exists there (409)."""
        try:
            self.transport.request("POST", self._content(workspace, sandbox_id, "content", path), expected=(200, 201))
        except ApiError as error:
            if error.status == 409:
                return False
            raise
        return True

    def delete(self, workspace: str, sandbox_id: str, path: str) -> bool:
        """Delete a file or directory; False when nothing was there."""
        try:
            self.transport.request("DELETE", self._content(workspace, sandbox_id, "content", path), expected=(200, 204))
        except NotFoundError:
            return False
        return True

    def upload(self, workspace: str, sandbox_id: str, path: str, data: bytes) -> Dict[str, Any]:
        """Write ``data`` to the file ``path`` (replaced when it exists)."""
        filename = path.rstrip("/").rsplit("/", 1)[-1] or "file"
        response = self.transport.request("POST", self._content(workspace, sandbox_id, "content/upload", path),
                                          files={"file": (filename, data)}, expected=(200, 201))
        return response.json or {}

    def download(self, workspace: str, sandbox_id: str, path: str) -> bytes:
        """The file's bytes (a directory comes as a tar.gz archive)."""
        response = self.transport.request("GET", self._content(workspace, sandbox_id, "download", path), accept="*/*")
        return response.content


def find_sandbox(sandboxes_client: Any, workspace: str, project_name: str, identifier: str) -> Dict[str, Any]:
    """The full sandbox record for an identifier; SandboxError naming what was looked for when missing.

    The sandboxes client's own look-up (the identifiers endpoint, then the list) when it has one,
    else the project's list.
    """
    finder = getattr(sandboxes_client, "find_sandbox", None)
    if callable(finder):
        one = finder(workspace, project_name, identifier)
        found = [one] if one else []
    else:
        found = find_sandboxes(sandboxes_client, workspace, project_name, identifier=identifier, details=True)
    if not found:
        raise SandboxError("no sandbox with identifier %r in project %r of workspace %r"
                           % (identifier, project_name, workspace), sandbox=identifier)
    return found[0]


def require_running(sandbox: Dict[str, Any]) -> None:
    """Commands and files need a RUNNING sandbox; anything else fails saying what to do."""
    status = sandbox.get("status")
    if status != "RUNNING":
        raise SandboxError("sandbox %r is %s, not RUNNING: start it first (opsflow.pipelines.buddy_sandbox with"
                           " state: started)" % (sandbox.get("identifier"), status), sandbox=sandbox.get("identifier"),
                           sandbox_status=status)


def not_ended_message(identifier: str, result: CommandResult, wait_timeout: float) -> str:
    return timeout_message("command %s in sandbox %s" % (result.command_id, identifier), wait_timeout,
                           result.status, "it is still running in the sandbox")


COMMAND_SPEC = ArgumentSpec(dict(
    project_name=dict(type="str", required=True),
    sandbox=dict(type="str", required=True),
    command=dict(type="str", required=True),
    runtime=dict(type="str", choices=list(RUNTIMES), default="BASH"),
    creates=dict(type="str"),
    removes=dict(type="str"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="float", default=600),
    poll_interval=dict(type="float", default=2),
))


def skip_reason(client: Any, workspace: str, sandbox_id: str, params: Dict[str, Any]) -> Optional[str]:
    """Why creates / removes keep the command from running, or None."""
    if params["creates"] and client.commands.stat(workspace, sandbox_id, params["creates"]) is not None:
        return "%s exists" % params["creates"]
    if params["removes"] and client.commands.stat(workspace, sandbox_id, params["removes"]) is None:
        return "%s does not exist" % params["removes"]
    return None


def run_command(client: Any, params: Dict[str, Any], check_mode: bool) -> Dict[str, Any]:
    """buddy_sandbox_command: run one command in a running sandbox unless creates/removes say it is done."""
    check_wait_options(params)
    if not params["command"].strip():
        raise ValidationError("command is empty")
    for key in ("creates", "removes"):
        if params[key] is not None:
            content_path(params[key])  # absolute, no '..': fails before any request
    workspace = params["workspace"]
    sandbox = find_sandbox(client.sandboxes, workspace, params["project_name"], params["sandbox"])
    require_running(sandbox)
    result: Dict[str, Any] = dict(changed=False, sandbox_id=sandbox["id"])
    reason = skip_reason(client, workspace, sandbox["id"], params)
    if reason:
        result.update(status="SKIPPED", msg="skipped: %s" % reason)
        return result
    result["changed"] = True
    if check_mode:
        result.update(status="SKIPPED", msg="check mode: the command would run")
        return result
    if not params["wait"]:
        record = client.commands.start_command(workspace, sandbox["id"], params["command"], params["runtime"])
        result.update(command_id=record.get("id"), status=record.get("status"))
        return result
    outcome = client.commands.run(workspace, sandbox["id"], params["command"], params["runtime"],
                                  wait_timeout=params["wait_timeout"], poll_interval=params["poll_interval"])
    result.update(command_id=outcome.command_id, status=outcome.status)
    if not outcome.ended:
        raise SandboxError(not_ended_message(params["sandbox"], outcome, params["wait_timeout"]), **result)
    result.update(rc=outcome.rc, stdout=outcome.stdout, stderr=outcome.stderr,
                  stdout_lines=outcome.stdout.splitlines(), stderr_lines=outcome.stderr.splitlines())
    if outcome.rc != 0:
        raise SandboxError("the command ended with exit code %s in sandbox %s" % (outcome.rc, params["sandbox"]),
                           **result)
    return result
