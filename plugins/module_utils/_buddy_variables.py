# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy environment variables: list a scope's, read, add (never twice), edit, delete.

A variable lives in one scope: the workspace, a project, a pipeline or an
action (``VariableScope``); its key is unique within that scope only. The list
call takes the scope as a filter, but what comes back can't be trusted to be
exactly that scope (a scoped list may hold other scopes' variables, and a
filter the server does not read returns the workspace's), so every item is
matched against the scope by the scope object it carries.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Dict, List, Mapping, Optional

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import post_once
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import NotFoundError, OpsflowError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport, items_of, join_path, quote_segment

VARIABLE_TYPES = ("VAR", "SSH_KEY", "FILE", "SSH_PUBLIC_KEY", "GPG_KEY", "IOS_KEYCHAIN", "IOS_PROVISION_PROFILES")

# The list filter of each scope, spelled as the API docs spell it and as the official Go SDK (which the
# Terraform provider uses) sends it. Which spelling the server reads is unconfirmed; a filter it does not
# read would hand back the workspace's variables instead, so both are sent (a server ignores names it
# does not know).
FILTER_NAMES = {
    "project": ("project_name", "projectName"),
    "pipeline": ("pipeline_id", "pipelineId"),
    "action": ("action_id", "actionId"),
}
# Scope objects a variable can carry, deepest first; the deepest one present is its scope.
SCOPE_OBJECTS = (("action", "id"), ("pipeline", "id"), ("project", "name"))
# The task option naming each level.
SCOPE_OPTIONS = {"action": "action_id", "pipeline": "pipeline_id", "project": "project_name"}
# Scopes this collection does not manage: a variable carrying one of these is in none of ours.
FOREIGN_SCOPE_OBJECTS = ("environment", "sandbox")


class VariableScope:
    """Where a variable lives: the workspace (nothing set), a project, a pipeline or an action.

    ``project_name`` may accompany a pipeline and ``pipeline_id`` an action
    (the task names them to say where the pipeline or action is), but only
    the deepest level is the scope: the API knows a pipeline by its id alone.
    """

    def __init__(self, project_name: Optional[str] = None, pipeline_id: Optional[int] = None,
                 action_id: Optional[int] = None) -> None:
        self.project_name = project_name
        self.pipeline_id = pipeline_id
        self.action_id = action_id

    @property
    def kind(self) -> str:
        if self.action_id is not None:
            return "action"
        if self.pipeline_id is not None:
            return "pipeline"
        if self.project_name is not None:
            return "project"
        return "workspace"

    @property
    def ident(self) -> Optional[str]:
        """The identifier of the scope's own level, as text (ids may come back as numbers or strings)."""
        value = {"action": self.action_id, "pipeline": self.pipeline_id, "project": self.project_name,
                 "workspace": None}[self.kind]
        return None if value is None else str(value)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, VariableScope) and (self.kind, self.ident) == (other.kind, other.ident)

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.kind, self.ident))

    def __repr__(self) -> str:
        return "VariableScope(%s)" % self.describe()

    @classmethod
    def of(cls, variable: Mapping[str, Any]) -> Optional["VariableScope"]:
        """The scope a variable from the API is in; None for a scope not managed here (environment, sandbox)."""
        for name in FOREIGN_SCOPE_OBJECTS:
            if isinstance(variable.get(name), Mapping):
                return None
        for name, field in SCOPE_OBJECTS:
            found = variable.get(name)
            if isinstance(found, Mapping) and found.get(field) is not None:
                return cls(**{SCOPE_OPTIONS[name]: found[field]})
        return cls()

    def matches(self, variable: Mapping[str, Any]) -> bool:
        return self == VariableScope.of(variable)

    def query(self) -> Dict[str, Any]:
        """The list filter for this scope (both spellings, see FILTER_NAMES); none for the workspace."""
        if self.kind == "workspace":
            return {}
        return dict((name, self.ident) for name in FILTER_NAMES[self.kind])

    def body(self) -> Dict[str, Any]:
        """The scope object a create sends: one only (none for the workspace)."""
        if self.kind == "action":
            return {"action": {"id": self.action_id}}
        if self.kind == "pipeline":
            return {"pipeline": {"id": self.pipeline_id}}
        if self.kind == "project":
            return {"project": {"name": self.project_name}}
        return {}

    def describe(self) -> str:
        """For messages and diffs: ``workspace``, ``project website``, ``pipeline 12``, ``action 1001``."""
        if self.kind == "workspace":
            return "workspace"
        return "%s %s" % (self.kind, self.ident)


def only_one(found: List[Dict[str, Any]], scope: VariableScope, key: str) -> Optional[Dict[str, Any]]:
    """The one variable of ``found`` (those with ``key`` in ``scope``), or None; two is an error naming them."""
    if len(found) > 1:
        ids = [variable.get("id") for variable in found]
        raise OpsflowError("the %s holds %d variables with the key %r (ids %s); delete the extra ones in Buddy"
                           % (scope.describe(), len(found), key, ", ".join(str(i) for i in ids)),
                           variable_ids=ids)
    return found[0] if found else None


def variables_path(workspace: str, variable_id: Optional[Any] = None) -> str:
    """Variables belong to the workspace, whatever their scope."""
    segments = ["workspaces", quote_segment(workspace, "workspace"), "variables"]
    if variable_id is not None:
        segments.append(quote_segment(variable_id, "variable id"))
    return join_path(*segments)


class BuddyVariablesClient:
    """The variable calls, each with its expected statuses."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def list_variables(self, workspace: str, scope: VariableScope) -> List[Dict[str, Any]]:
        """What the server lists for the scope's filter (not paginated); may hold other scopes' variables."""
        path = variables_path(workspace)
        return items_of(self.transport.request("GET", path, query=scope.query() or None).json, "variables", "GET", path)

    def find_variables(self, workspace: str, scope: VariableScope, key: Optional[str] = None) -> List[Dict[str, Any]]:
        """The scope's own variables (with ``key``, only that one), matched item by item."""
        return [variable for variable in self.list_variables(workspace, scope)
                if isinstance(variable, dict) and scope.matches(variable)
                and (key is None or variable.get("key") == key)]

    def find_variable(self, workspace: str, scope: VariableScope, key: str) -> Optional[Dict[str, Any]]:
        """The variable ``key`` of the scope, or None; two with that key in one scope is an error naming them."""
        return only_one(self.find_variables(workspace, scope, key), scope, key)

    def get_variable(self, workspace: str, variable_id: Any) -> Optional[Dict[str, Any]]:
        """The variable, or None when the server has no variable with that id."""
        try:
            return self.transport.request("GET", variables_path(workspace, variable_id)).json
        except NotFoundError:
            return None

    def create_variable(self, workspace: str, scope: VariableScope, payload: Dict[str, Any]) -> Dict[str, Any]:
        """POST a new variable (``payload`` with the scope object) without ever adding it twice.

        It is only called when the scope had no variable with this key, so when
        the POST may have reached the server (timeout, dropped connection,
        gateway error), a variable with the key found in the scope afterwards
        is the one it added; only when none is found is the POST sent again.
        """
        path = variables_path(workspace)
        return post_once(self.transport, path, payload, lambda: self.find_variable(workspace, scope, payload["key"]),
                         "variable", "the variable is not in the %s" % scope.describe(), verb="added")[0]

    def edit_variable(self, workspace: str, variable_id: Any, payload: Dict[str, Any]) -> Dict[str, Any]:
        """PATCH; the API wants ``key`` in every edit (the caller puts it in ``payload``)."""
        return self.transport.request("PATCH", variables_path(workspace, variable_id), body=payload).json

    def delete_variable(self, workspace: str, variable_id: Any) -> None:
        """DELETE; a variable already gone (say, after a retried DELETE) counts as deleted."""
        try:
            self.transport.request("DELETE", variables_path(workspace, variable_id), expected=(200, 204))
        except NotFoundError:
            pass
