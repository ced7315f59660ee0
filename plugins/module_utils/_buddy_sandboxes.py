# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy sandboxes: list, read, create, edit, start/stop, delete, snapshots, and look-ups by identifier.

Facts (facts-v2 B and C) this client rests on, each handled in every shape the sources allow:

- The list takes ``project_name`` (a project's sandboxes) or none (workspace-level sandboxes), and an
  ``environment_id`` filter; it is not paginated. List entries may be short views: ``find_sandboxes`` reads
  those in full.
- A look-up by identifier asks ``GET /workspaces/{ws}/identifiers?project=&sandbox=`` first (the
  sandbox SDK does); when that call fails, or its answer names no sandbox, the list is read and
  matched instead (what an unknown identifier returns there is not documented).
- A create POST is never sent twice once it may have reached the server: the sandbox is looked up
  by its identifier first (``create_sandbox``).
- start / stop / restart answer 200 (SDK) or 201 (older docs); a snapshot POST 201 or 200.
- The sandbox shape changed in 2026; ``normalize_sandbox`` reads both (pre-2026 ``install_commands``,
  ``run_command`` with a top-level ``app_status``, setup ``DONE``) and puts each endpoint's URL at
  endpoint level, wherever the server put it.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from typing import Any, Dict, List, Optional

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import post_once, sandboxes_path
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    NotFoundError,
    TransportError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport, items_of, join_path, quote_segment
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import MASK, mask_secrets

# Keys only the full sandbox carries; a list entry without them is a short view.
FULL_SANDBOX_KEYS = ("os", "endpoints", "setup_status")
# start / stop / restart: the SDK expects 200, older docs show 201.
OPERATION_STATUSES = (200, 201, 202)
OPERATIONS = ("start", "stop", "restart")


class BuddySandboxesClient:
    """The sandbox calls, each with its expected statuses."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        # Set once the identifiers endpoint failed in this task: later look-ups go straight to the list.
        self.identifiers_unusable = False

    # --- reading ------------------------------------------------------------------------------------------
    def list_sandboxes(self, workspace: str, project_name: Optional[str] = None,
                       environment_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """A project's sandboxes, or the workspace-level ones without a project (entries may be short views).

        One request: the sandbox list is not paginated (facts-v2 C; the SDK reads it once).
        """
        query: Dict[str, Any] = {}
        if project_name:
            query["project_name"] = project_name
        if environment_id:
            query["environment_id"] = environment_id
        path = sandboxes_path(workspace)
        return items_of(self.transport.request("GET", path, query=query or None).json, "sandboxes", "GET", path)

    def get_sandbox(self, workspace: str, sandbox_id: str) -> Optional[Dict[str, Any]]:
        """The full sandbox, or None when there is no sandbox with that id."""
        try:
            body = self.transport.request("GET", sandboxes_path(workspace, sandbox_id)).json
        except NotFoundError:
            return None
        if not isinstance(body, dict) or not body.get("id"):
            raise ApiError("GET", sandboxes_path(workspace, sandbox_id), 200, "unexpected answer: no sandbox in the body")
        return body

    def identifier_to_id(self, workspace: str, project_name: Optional[str], identifier: str) -> Optional[str]:
        """The sandbox id the identifiers endpoint names, or None (not named, or the endpoint failed)."""
        if self.identifiers_unusable:
            return None
        query = {"sandbox": identifier}
        if project_name:
            query["project"] = project_name
        try:
            body = self.transport.request("GET", join_path("workspaces", quote_segment(workspace, "workspace"),
                                                           "identifiers"), query=query).json
        except AuthenticationError:
            raise
        except (ApiError, TransportError):
            self.identifiers_unusable = True
            return None
        found = body.get("sandbox_id") if isinstance(body, dict) else None
        return str(found) if found else None

    def find_sandbox(self, workspace: str, project_name: Optional[str], identifier: str) -> Optional[Dict[str, Any]]:
        """The full sandbox with this identifier (project-level, or workspace-level without a project), or None.

        Requests: identifiers endpoint + one GET when it names the sandbox; otherwise the list
        (all pages) plus one GET when the matching entry is a short view.
        """
        sandbox_id = self.identifier_to_id(workspace, project_name, identifier)
        if sandbox_id is not None:
            found = self.get_sandbox(workspace, sandbox_id)
            if found is not None and found.get("identifier", identifier) == identifier:
                return normalize_sandbox(found)
        matches = [item for item in self.list_sandboxes(workspace, project_name) if item.get("identifier") == identifier]
        matches = _completed(self, workspace, matches)
        return normalize_sandbox(matches[0]) if matches else None

    # --- writing ------------------------------------------------------------------------------------------
    def create_sandbox(self, workspace: str, project_name: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        """POST once; when it may have reached the server, find the sandbox by identifier before sending again."""
        path = sandboxes_path(workspace)
        query = {"project_name": project_name} if project_name else None
        identifier = body.get("identifier")
        created, found = post_once(self.transport, path, body,
                                   (lambda: self.find_sandbox(workspace, project_name, identifier)) if identifier else None,
                                   "sandbox", "no sandbox %r" % identifier, query=query)
        if found:
            return created
        if not isinstance(created, dict) or not created.get("id"):
            # A 2xx without the sandbox: read it back rather than report an empty success.
            looked_up = self.find_sandbox(workspace, project_name, identifier) if identifier else None
            if looked_up is None:
                raise ApiError("POST", path, 201, "the answer holds no sandbox and none is found by identifier;"
                               " it may have been created")
            return looked_up
        return normalize_sandbox(created)

    def edit_sandbox(self, workspace: str, sandbox_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        path = sandboxes_path(workspace, sandbox_id)
        edited = self.transport.request("PATCH", path, body=body).json
        if not isinstance(edited, dict) or not edited.get("id"):
            edited = self.get_sandbox(workspace, sandbox_id)
            if edited is None:
                raise NotFoundError("PATCH", path, 404, "the sandbox is gone")
        return normalize_sandbox(edited)

    def delete_sandbox(self, workspace: str, sandbox_id: str) -> None:
        """DELETE; a sandbox already gone counts as deleted (as the SDK does)."""
        try:
            self.transport.request("DELETE", sandboxes_path(workspace, sandbox_id), expected=(200, 202, 204))
        except NotFoundError:
            pass

    def operate(self, workspace: str, sandbox_id: str, operation: str) -> Optional[Dict[str, Any]]:
        """POST start / stop / restart; the sandbox as answered, or None when only a re-read can tell."""
        if operation not in OPERATIONS:
            raise ValueError(operation)
        path = sandboxes_path(workspace, sandbox_id, operation)
        try:
            body = self.transport.request("POST", path, body={}, expected=OPERATION_STATUSES).json
        except TransportError as error:
            if not error.may_have_committed:
                raise
            return None  # the waits that follow read the sandbox and see what happened
        return normalize_sandbox(body) if isinstance(body, dict) and body.get("id") else None

    # --- snapshots ----------------------------------------------------------------------------------------
    def list_snapshots(self, workspace: str, sandbox_id: str) -> List[Dict[str, Any]]:
        path = sandboxes_path(workspace, sandbox_id, "snapshots")
        return items_of(self.transport.request("GET", path).json, "snapshots", "GET", path)

    def get_snapshot(self, workspace: str, sandbox_id: str, snapshot_id: str) -> Optional[Dict[str, Any]]:
        try:
            return self.transport.request("GET", sandboxes_path(workspace, sandbox_id, "snapshots",
                                                                quote_segment(snapshot_id, "snapshot id"))).json
        except NotFoundError:
            return None

    def create_snapshot(self, workspace: str, sandbox_id: str, name: str) -> Dict[str, Any]:
        """POST once; when it may have reached the server, find the snapshot by name before sending again."""
        path = sandboxes_path(workspace, sandbox_id, "snapshots")
        attempt = 0
        while True:
            try:
                created = self.transport.request("POST", path, body={"name": name}, expected=(200, 201)).json
            except TransportError as error:
                if not error.may_have_committed:
                    raise
                found = [item for item in self.list_snapshots(workspace, sandbox_id) if item.get("name") == name]
                if found:
                    self.transport.warn("POST %s: %s; found the snapshot it created (id %s), so it was not sent again"
                                        % (path, error.reason, found[-1].get("id")))
                    return found[-1]
                if attempt >= self.transport.max_retries:
                    raise TransportError("POST", path, "%s; no snapshot %r after %d retries" % (error.reason, name, attempt))
                attempt += 1
                self.transport.wait_before_retry("POST", path, attempt, error.reason + "; the snapshot was not created", None)
                continue
            if isinstance(created, dict) and created.get("id"):
                return created
            found = [item for item in self.list_snapshots(workspace, sandbox_id) if item.get("name") == name]
            if not found:
                raise ApiError("POST", path, 201, "the answer holds no snapshot and none is listed; it may have been created")
            return found[-1]

    def delete_snapshot(self, workspace: str, sandbox_id: str, snapshot_id: str) -> None:
        try:
            self.transport.request("DELETE", sandboxes_path(workspace, sandbox_id, "snapshots",
                                                            quote_segment(snapshot_id, "snapshot id")),
                                   expected=(200, 202, 204))
        except NotFoundError:
            pass


def find_sandboxes(client: BuddySandboxesClient, workspace: str, project_name: Optional[str] = None,
                   identifier: Optional[str] = None, sandbox_id: Optional[str] = None,
                   details: bool = True, include_snapshots: bool = False,
                   environment_id: Optional[str] = None) -> List[Dict[str, Any]]:
    """Sandboxes by id, by identifier within a project, or all of a project; never writes.

    Requests: one for an id; else one per page of the list plus, with
    ``details``, one per listed sandbox that came back as a short view; plus
    one per sandbox with ``include_snapshots``.
    """
    if sandbox_id is not None:
        found = client.get_sandbox(workspace, sandbox_id)
        sandboxes = [found] if found else []
    else:
        # Without a project: the workspace-level sandboxes (the list's project_name is optional).
        if environment_id:
            sandboxes = client.list_sandboxes(workspace, project_name, environment_id=environment_id)
        else:
            sandboxes = client.list_sandboxes(workspace, project_name)
        if identifier is not None:
            sandboxes = [item for item in sandboxes if item.get("identifier") == identifier]
        if details:
            sandboxes = _completed(client, workspace, sandboxes)
    if include_snapshots:
        for item in sandboxes:
            item["snapshots"] = client.list_snapshots(workspace, item["id"])
    return [normalize_sandbox(item) for item in sandboxes]


def _completed(client: BuddySandboxesClient, workspace: str, sandboxes: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Short list entries read in full; one deleted since it was listed is left out."""
    completed = []
    for item in sandboxes:
        if all(key in item for key in FULL_SANDBOX_KEYS) or not item.get("id"):
            completed.append(item)
            continue
        full = client.get_sandbox(workspace, item["id"])
        if full is not None:
            completed.append(full)
    return completed


def normalize_sandbox(sandbox: Dict[str, Any]) -> Dict[str, Any]:
    """The 2026 shape, whatever shape the server answered in; each endpoint's URL as ``endpoint_url``.

    Pre-2026 answers: ``install_commands`` is read as ``first_boot_commands``, ``run_command`` (with
    the top-level ``app_status``) as one app, setup ``DONE`` as ``SUCCESS``. Apps given as strings
    become ``{command}`` objects. The keys the server sent stay as they are.
    """
    sandbox = copy.deepcopy(sandbox)
    if "first_boot_commands" not in sandbox and "install_commands" in sandbox:
        sandbox["first_boot_commands"] = sandbox["install_commands"]
    if "apps" not in sandbox and "run_command" in sandbox:
        command = sandbox.get("run_command")
        sandbox["apps"] = [{"command": command, "app_status": sandbox.get("app_status", "NONE")}] if command else []
    if isinstance(sandbox.get("apps"), list):
        sandbox["apps"] = [item if isinstance(item, dict) else {"command": item} for item in sandbox["apps"]]
    if sandbox.get("setup_status") == "DONE":
        sandbox["setup_status"] = "SUCCESS"
    for endpoint in sandbox.get("endpoints") or []:
        if not isinstance(endpoint, dict) or endpoint.get("endpoint_url"):
            continue
        for nested in ("http", "tls", "tcp"):
            url = (endpoint.get(nested) or {}).get("endpoint_url") if isinstance(endpoint.get(nested), dict) else None
            if url:
                endpoint["endpoint_url"] = url
                break
    return sandbox


def mask_sandbox(sandbox: Dict[str, Any]) -> Dict[str, Any]:
    """A copy safe to return or show: encrypted variable values, passwords and endpoint private keys masked.

    Every module or plugin that hands out a sandbox record uses this (the API answers encrypted values as
    ciphertext, which is still not for output).
    """
    masked = mask_secrets(sandbox)
    for endpoint in masked.get("endpoints") or []:
        tls = endpoint.get("tls") if isinstance(endpoint, dict) else None
        if isinstance(tls, dict) and tls.get("private_key") is not None:
            tls["private_key"] = MASK
    return masked
