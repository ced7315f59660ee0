# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy pipeline actions: list, get, add (never twice), edit, delete."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Dict, List, Optional, Sequence

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PER_PAGE, PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import NotFoundError, TransportError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport


class BuddyActionsClient:
    """The action calls, each with its expected statuses."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def list_actions(self, location: PipelineLocation) -> List[Dict[str, Any]]:
        """Every action of the pipeline, in pipeline order, across all pages."""
        return self.transport.paginate(location.actions_path(), "actions", per_page=PER_PAGE)

    def get_action(self, location: PipelineLocation, action_id: int) -> Optional[Dict[str, Any]]:
        """The action, or None when the server has no action with that id."""
        try:
            return self.transport.request("GET", location.actions_path(action_id)).json
        except NotFoundError:
            return None

    def add_action(self, location: PipelineLocation, payload: Dict[str, Any],
                   exclude_ids: Sequence[int] = ()) -> Dict[str, Any]:
        """POST a new action without ever adding it twice.

        When the POST may have reached the server (timeout, dropped connection,
        gateway error), the pipeline is searched for an action of that name and
        type that was not there before (``exclude_ids``); only when none is
        found is the POST sent again.
        """
        path = location.actions_path()
        attempt = 0
        while True:
            try:
                return self.transport.request("POST", path, body=payload, expected=(200, 201)).json
            except TransportError as error:
                if not error.may_have_committed:
                    raise
                added = self._find_added(location, payload, exclude_ids)
                if added is not None:
                    self.transport.warn("POST %s: %s; found the action it added (id %s), so it was not sent again"
                                        % (path, error.reason, added.get("id")))
                    return added
                if attempt >= self.transport.max_retries:
                    raise TransportError("POST", path, "%s; the action is not in the pipeline after %d retries"
                                         % (error.reason, attempt))
                attempt += 1
                self.transport.wait_before_retry("POST", path, attempt,
                                                 error.reason + "; the action was not added", None)

    def _find_added(self, location: PipelineLocation, payload: Dict[str, Any],
                    exclude_ids: Sequence[int]) -> Optional[Dict[str, Any]]:
        for action in self.list_actions(location):
            if (action.get("name") == payload.get("name") and action.get("type") == payload.get("type")
                    and action.get("id") not in exclude_ids):
                return action
        return None

    def edit_action(self, location: PipelineLocation, action_id: int, payload: Dict[str, Any]) -> Dict[str, Any]:
        return self.transport.request("PATCH", location.actions_path(action_id), body=payload).json

    def delete_action(self, location: PipelineLocation, action_id: int) -> None:
        """DELETE; an action already gone (say, after a retried DELETE) counts as deleted."""
        try:
            self.transport.request("DELETE", location.actions_path(action_id), expected=(200, 204))
        except NotFoundError:
            pass
