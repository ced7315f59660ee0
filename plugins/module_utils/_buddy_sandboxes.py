# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy sandboxes: list, read, snapshots, and the look-ups buddy_sandbox_info makes of them."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from typing import Any, Dict, List, Optional

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PER_PAGE, sandboxes_path
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ApiError, NotFoundError, ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport

# Keys only the full sandbox carries; a list entry without them is a short view.
FULL_SANDBOX_KEYS = ("os", "endpoints", "setup_status")


class BuddySandboxesClient:
    """The sandbox calls, each with its expected statuses."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def list_sandboxes(self, workspace: str, project_name: str) -> List[Dict[str, Any]]:
        """The project's sandboxes, across all pages (entries may be short views)."""
        return self.transport.paginate(sandboxes_path(workspace), "sandboxes", per_page=PER_PAGE,
                                       query={"project_name": project_name})

    def get_sandbox(self, workspace: str, sandbox_id: str) -> Optional[Dict[str, Any]]:
        """The full sandbox, or None when there is no sandbox with that id."""
        try:
            return self.transport.request("GET", sandboxes_path(workspace, sandbox_id)).json
        except NotFoundError:
            return None

    def list_snapshots(self, workspace: str, sandbox_id: str) -> List[Dict[str, Any]]:
        path = sandboxes_path(workspace, sandbox_id, "snapshots")
        response = self.transport.request("GET", path)
        body = response.json
        if isinstance(body, dict) and isinstance(body.get("snapshots"), list):
            return body["snapshots"]
        if isinstance(body, list):
            return body
        raise ApiError("GET", path, response.status, "unexpected answer: no 'snapshots' list in the body")


def find_sandboxes(client: BuddySandboxesClient, workspace: str, project_name: Optional[str] = None,
                   identifier: Optional[str] = None, sandbox_id: Optional[str] = None,
                   details: bool = True, include_snapshots: bool = False) -> List[Dict[str, Any]]:
    """Sandboxes by id, by identifier within a project, or all of a project; never writes.

    Requests: one for an id; else one per page of the list plus, with
    ``details``, one per listed sandbox that came back as a short view; plus
    one per sandbox with ``include_snapshots``.
    """
    if sandbox_id is not None:
        found = client.get_sandbox(workspace, sandbox_id)
        sandboxes = [found] if found else []
    else:
        if not project_name:
            raise ValidationError("project_name is required to list sandboxes or find one by identifier")
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
    """Each endpoint's URL as ``endpoint_url``, wherever the server put it."""
    sandbox = copy.deepcopy(sandbox)
    for endpoint in sandbox.get("endpoints") or []:
        if not isinstance(endpoint, dict) or endpoint.get("endpoint_url"):
            continue
        for nested in ("http", "tls", "tcp"):
            url = (endpoint.get(nested) or {}).get("endpoint_url") if isinstance(endpoint.get(nested), dict) else None
            if url:
                endpoint["endpoint_url"] = url
                break
    return sandbox
