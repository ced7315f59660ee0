# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy pipeline actions: list, get, add (never twice), edit, delete.

Every answer that should carry an action is checked for one: a 2xx with an
empty or non-JSON body is read back (add: by listing, edit: by id) or fails
saying what may have happened, never passes for an empty success.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Dict, List, Optional, Sequence

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PER_PAGE, PipelineLocation, post_once
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    OpsflowError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Response, Transport

ACTIONS_PER_PAGE = PER_PAGE  # see _buddy.PER_PAGE


def action_body(response: Response) -> Optional[Dict[str, Any]]:
    """The action in an answer, or None when the body is empty, not JSON, or no action (no ``id``)."""
    body = response.json
    if isinstance(body, dict) and body.get("id") is not None:
        return body
    return None


def _describe_body(response: Response) -> str:
    return "an empty body" if not (response.text or "").strip() else "a body that is no action"


class BuddyActionsClient:
    """The action calls, each with its expected statuses."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def list_actions(self, location: PipelineLocation) -> List[Dict[str, Any]]:
        """Every action of the pipeline, in pipeline order, across all pages."""
        return self.transport.paginate(location.actions_path(), "actions", per_page=ACTIONS_PER_PAGE)

    def get_action(self, location: PipelineLocation, action_id: int) -> Optional[Dict[str, Any]]:
        """The action, or None when the server answers 404.

        A 200 without an action in it is no proof the action is gone: that fails (ApiError).
        """
        path = location.actions_path(action_id)
        try:
            response = self.transport.request("GET", path)
        except NotFoundError:
            return None
        action = action_body(response)
        if action is None:
            raise ApiError("GET", path, response.status, "unexpected answer: %s instead of the action; it was not"
                           " taken as 'no such action'" % _describe_body(response))
        return action

    def add_action(self, location: PipelineLocation, payload: Dict[str, Any],
                   exclude_ids: Sequence[int] = ()) -> Dict[str, Any]:
        """POST a new action without ever adding it twice.

        When the POST may have reached the server (timeout, dropped connection,
        gateway error, or a 2xx without the action in its body), the pipeline
        is searched for an action of that name and type that was not there
        before (``exclude_ids``); only a POST that certainly failed is sent again.
        """
        path = location.actions_path()
        answer, found = post_once(self.transport, path, payload,
                                  lambda: self._find_added(location, payload, exclude_ids), "action",
                                  "the action is not in the pipeline", verb="added", whole_response=True)
        if found:
            return answer
        action = action_body(answer)
        if action is not None:
            return action
        return self._read_back_added(location, payload, exclude_ids, path, answer)

    def _read_back_added(self, location: PipelineLocation, payload: Dict[str, Any], exclude_ids: Sequence[int],
                         path: str, response: Response) -> Dict[str, Any]:
        """A 2xx to the POST with no action in it: the action was most likely added; find it."""
        added = self._find_added(location, payload, exclude_ids)
        if added is None:
            raise OpsflowError("POST %s answered HTTP %s with %s, and no new action named %r is in the pipeline; "
                               "it may still appear: check the pipeline before running the task again"
                               % (path, response.status, _describe_body(response), payload.get("name")),
                               changed=True)
        self.transport.warn("POST %s answered HTTP %s with %s; read the added action back (id %s)"
                            % (path, response.status, _describe_body(response), added.get("id")))
        return added

    def _find_added(self, location: PipelineLocation, payload: Dict[str, Any],
                    exclude_ids: Sequence[int]) -> Optional[Dict[str, Any]]:
        for action in self.list_actions(location):
            if (action.get("name") == payload.get("name") and action.get("type") == payload.get("type")
                    and action.get("id") not in exclude_ids):
                return action
        return None

    def edit_action(self, location: PipelineLocation, action_id: int, payload: Dict[str, Any]) -> Dict[str, Any]:
        """PATCH; a 2xx without the action in its body is read back by id (or fails saying it may have changed)."""
        path = location.actions_path(action_id)
        response = self.transport.request("PATCH", path, body=payload)
        action = action_body(response)
        if action is not None:
            return action
        try:
            action = self.get_action(location, action_id)
        except OpsflowError as error:
            action, reason = None, error.message
        else:
            reason = "the action is gone" if action is None else ""
        if action is None:
            raise OpsflowError("PATCH %s answered HTTP %s with %s, and reading the action back failed (%s); the "
                               "change may have been made" % (path, response.status, _describe_body(response), reason),
                               changed=True)
        self.transport.warn("PATCH %s answered HTTP %s with %s; read the action back"
                            % (path, response.status, _describe_body(response)))
        return action

    def delete_action(self, location: PipelineLocation, action_id: int) -> None:
        """DELETE; an action already gone (say, after a retried DELETE) counts as deleted."""
        try:
            self.transport.request("DELETE", location.actions_path(action_id), expected=(200, 204))
        except NotFoundError:
            pass
