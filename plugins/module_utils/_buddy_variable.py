# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""One Buddy environment variable, idempotently: buddy_variable's and buddy_variable_info's logic.

A variable is known by its key within its scope (``_buddy_variables.VariableScope``).
Its value is a secret the module never shows: an encrypted value comes back
from the API only as ciphertext, so it can't be compared and is sent on
create and with ``update_value: always``; a plain value is compared. Neither
appears in any result, diff or message (the module marks ``value`` no_log,
and everything returned goes through ``masked_variable``).

A key or scope change is a new variable: ``previous_key`` / ``previous_scope``
name the one it replaces, which is deleted once the new one exists.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import (
    PipelineLocation,
    check_pipeline_id,
    check_pipeline_name,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_variables import (
    VARIABLE_TYPES,
    VariableScope,
    only_one,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._compare import differing_keys, merge_into
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import MASK, SENT_MASK, WRITE_ONLY_KEYS

# The BuddyClient (or a stand-in): ``.variables`` (BuddyVariablesClient) and ``.actions`` (to check an action scope).
Client = Any

# In a diff's `after`: a plain value that differs from the server's (it is compared, but never shown).
CHANGED_MASK = MASK + " (changed)"
# Types whose value is a key or a keychain: masked by buddy_variable_info even if stored unencrypted.
KEY_TYPES = ("SSH_KEY", "GPG_KEY", "IOS_KEYCHAIN", "IOS_PROVISION_PROFILES")
# Keys of a variable that hold a secret besides `value`, whatever the type.
SECRET_KEYS = tuple(WRITE_ONLY_KEYS) + ("passphrase",)

FIELD_OPTIONS = ("type", "encrypted", "settable", "run_only_settable", "description", "file_place", "file_path",
                 "file_chmod")
# Fields an edit can change (the API's PATCH has no type and no scope).
EDITABLE_FIELDS = tuple(name for name in FIELD_OPTIONS if name != "type")
FILE_FIELDS = ("file_place", "file_path", "file_chmod")

SCOPE_OPTIONS = dict(
    project_name=dict(type="str"),
    pipeline_id=dict(type="int"),
    pipeline_name=dict(type="str"),
    action_id=dict(type="int"),
)

VARIABLE_OPTIONS = dict(
    key=dict(type="str", required=True, no_log=False),
    value=dict(type="str", no_log=True),
    type=dict(type="str", choices=list(VARIABLE_TYPES)),
    encrypted=dict(type="bool"),
    settable=dict(type="bool"),
    run_only_settable=dict(type="bool"),
    description=dict(type="str"),
    file_place=dict(type="str", choices=["NONE", "CONTAINER"]),
    file_path=dict(type="str"),
    file_chmod=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    update_value=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    previous_key=dict(type="str", no_log=False),
    previous_scope=dict(type="dict", options=copy.deepcopy(SCOPE_OPTIONS)),
)
# The scope's rules (a pipeline with its project, an action with its pipeline, one pipeline) are checked by
# ScopeOptions, whose messages name the options and say what to add.
VARIABLE_SPEC = ArgumentSpec(dict(SCOPE_OPTIONS, **VARIABLE_OPTIONS))

INFO_OPTIONS = dict(key=dict(type="str", no_log=False))
INFO_SPEC = ArgumentSpec(dict(SCOPE_OPTIONS, **INFO_OPTIONS))


# ---------------------------------------------------------------------------
# Scope and request: everything checked before the first request
# ---------------------------------------------------------------------------

class ScopeOptions:
    """The scope options of a task (or of ``previous_scope``), checked before any request.

    A pipeline named by ``pipeline_name`` becomes its id in ``resolve`` (the
    project's pipeline list, through ``_buddy.PipelineLocation``); ``where``
    prefixes option names in messages (``previous_scope.``).
    """

    def __init__(self, params: Mapping[str, Any], where: str = "") -> None:
        self.project_name: Optional[str] = params.get("project_name")
        self.pipeline_id = check_pipeline_id(params.get("pipeline_id"), where + "pipeline_id")
        self.pipeline_name = check_pipeline_name(params.get("pipeline_name"), where + "pipeline_name")
        self.action_id = params.get("action_id")
        if self.action_id is not None and (isinstance(self.action_id, bool) or self.action_id < 1):
            raise ValidationError("%saction_id must be the ID of an action, a positive integer, got %r"
                                  % (where, self.action_id), options=[where + "action_id"])
        if self.pipeline_id is not None and self.pipeline_name is not None:
            raise ValidationError("%spipeline_id and %spipeline_name both name a pipeline; set one of them"
                                  % (where, where), options=[where + "pipeline_id", where + "pipeline_name"])
        pipeline_option = "pipeline_id" if self.pipeline_name is None else "pipeline_name"
        if self.has_pipeline and not self.project_name:
            raise ValidationError("%s%s needs %sproject_name, the project the pipeline belongs to"
                                  % (where, pipeline_option, where),
                                  options=[where + pipeline_option, where + "project_name"])
        if self.action_id is not None and not self.has_pipeline:
            raise ValidationError("%saction_id needs the pipeline the action belongs to: set %sproject_name and "
                                  "%spipeline_id (or %spipeline_name)" % (where, where, where, where),
                                  options=[where + "action_id"])

    @property
    def has_pipeline(self) -> bool:
        return self.pipeline_id is not None or self.pipeline_name is not None

    def same_as(self, other: "ScopeOptions") -> bool:
        """Certainly the same scope, as far as can be told before a request."""
        mine = (self.project_name, self.pipeline_id, self.pipeline_name, self.action_id)
        theirs = (other.project_name, other.pipeline_id, other.pipeline_name, other.action_id)
        if self.action_id is not None or other.action_id is not None:
            return self.action_id == other.action_id
        return mine == theirs

    def static(self) -> Optional[VariableScope]:
        """The scope, when knowing it needs no request (no pipeline given by name)."""
        if self.pipeline_name is not None:
            return None
        return VariableScope(self.project_name, self.pipeline_id, self.action_id)

    def resolve(self, client: Client, workspace: str) -> VariableScope:
        """The scope, a pipeline name looked up in its project (one list of the project's pipelines)."""
        scope = self.static()
        if scope is not None:
            return scope
        location = PipelineLocation(workspace, self.project_name or "", pipeline_name=self.pipeline_name,
                                    pipelines=client.pipelines)
        return VariableScope(self.project_name, location.pipeline_id, self.action_id)


def scope_from(params: Mapping[str, Any], where: str = "") -> ScopeOptions:
    """The scope options in ``params``, checked (ValidationError naming the options)."""
    return ScopeOptions(params, where)


class VariableRequest:
    """One variable as the task describes it, validated before any request."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.workspace: str = params["workspace"]
        self.key: str = params["key"]
        self.value: Optional[str] = params.get("value")
        self.state: str = params.get("state") or "present"
        self.update_value: str = params.get("update_value") or "on_create"
        self.scope_options = scope_from(params)
        # Only what the task sets is sent and compared.
        self.fields: Dict[str, Any] = dict((name, params[name]) for name in FIELD_OPTIONS
                                           if params.get(name) is not None)
        previous_key = params.get("previous_key")
        previous_scope = params.get("previous_scope")
        self.previous: Optional[Tuple[str, ScopeOptions]] = None
        if previous_key is not None or previous_scope is not None:
            self.previous = (previous_key or self.key, self.scope_options if previous_scope is None
                             else scope_from(previous_scope, "previous_scope."))
        self._validate(params)
        # The scopes as the API knows them; a pipeline given by name is only known after resolve().
        self.scope: Any = self.scope_options.static()
        self.replaces: Optional[Tuple[str, VariableScope]] = None
        if self.previous is not None and self.previous[1].static() is not None:
            self.replaces = (self.previous[0], self.previous[1].static())

    def resolve(self, client: Client) -> None:
        """Look up the pipelines given by name (the only requests made before the variables are read)."""
        self.scope = self.scope_options.resolve(client, self.workspace)
        if self.previous is not None:
            previous_options = self.previous[1]
            scope = self.scope if previous_options is self.scope_options else previous_options.resolve(
                client, self.workspace)
            self.replaces = (self.previous[0], scope)
            self._refuse_self_replacement(self.scope)

    def _refuse_self_replacement(self, scope: Any) -> None:
        if self.replaces is not None and self.replaces == (self.key, scope):
            raise ValidationError("previous_key and previous_scope name this variable itself (key %r in the %s); "
                                  "set them to the key and scope the variable had before, or leave them out"
                                  % (self.key, scope.describe()), options=["previous_key", "previous_scope"])

    def _validate(self, params: Mapping[str, Any]) -> None:
        if not self.key.strip():
            raise ValidationError("key may not be empty", options=["key"])
        if self.state == "absent":
            if self.previous is not None:
                raise ValidationError("previous_key and previous_scope name the variable a new one replaces; "
                                      "they can't be used with state: absent (delete the old variable by its own "
                                      "key and scope)", options=["previous_key", "previous_scope"])
            return
        if self.previous is not None and self.previous[0] == self.key and self.previous[1].same_as(self.scope_options):
            raise ValidationError("previous_key and previous_scope name this variable itself (key %r in the same "
                                  "scope); set them to the key and scope the variable had before, or leave them out"
                                  % self.key, options=["previous_key", "previous_scope"])
        var_type = self.fields.get("type")
        if var_type == "VAR":
            misplaced = [name for name in FILE_FIELDS if params.get(name) is not None]
            if misplaced:
                raise ValidationError("%s only apply to variables that are files or keys (type SSH_KEY, FILE, ...), "
                                      "not to type VAR" % ", ".join(misplaced), options=misplaced)
        if var_type not in (None, "VAR") and self.fields.get("run_only_settable") is not None:
            raise ValidationError("run_only_settable applies to type VAR only, not to %s" % var_type,
                                  options=["run_only_settable"])

    def create_payload(self, base: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """The POST body; ``base`` (the variable this one replaces) lends the settings the task leaves out.

        A plain value is lent too; an encrypted one can't be (the API only has its ciphertext).
        """
        payload: Dict[str, Any] = {"key": self.key}
        value = self.value
        if value is None and base is not None and base.get("encrypted") is not True:
            value = base.get("value")
        if value is None:
            where = "" if base is None else (" (the variable it replaces is encrypted, so its value can't be "
                                             "copied)")
            raise ValidationError("the %s has no variable %r yet, and value is required to create it%s"
                                  % (self.scope.describe(), self.key, where), options=["value"])
        payload["value"] = value
        for name in FIELD_OPTIONS:
            if name in self.fields:
                payload[name] = self.fields[name]
            elif base is not None and base.get(name) is not None:
                payload[name] = copy.deepcopy(base[name])
        payload.setdefault("type", "VAR")
        payload.update(self.scope.body())
        return payload


# ---------------------------------------------------------------------------
# Comparing and showing
# ---------------------------------------------------------------------------

def masked_variable(variable: Optional[Mapping[str, Any]], mask_value: bool = True) -> Dict[str, Any]:
    """A copy safe to return: ``value`` masked (unless ``mask_value`` is false), other secrets always."""
    masked = copy.deepcopy(dict(variable or {}))
    for name in SECRET_KEYS + (("value",) if mask_value else ()):
        if masked.get(name) is not None:
            masked[name] = MASK
    return masked


def info_view(variable: Mapping[str, Any]) -> Dict[str, Any]:
    """buddy_variable_info's view: encrypted values and keys masked, plain values shown."""
    secret = variable.get("encrypted") is True or variable.get("type") in KEY_TYPES
    return masked_variable(variable, mask_value=secret)


def diff_view(variable: Mapping[str, Any], scope: VariableScope, keys: Any = (),
              value_mark: str = MASK) -> Dict[str, Any]:
    """One side of a diff: key, scope, type, the compared fields, and the value as a mark only."""
    view: Dict[str, Any] = {"key": variable.get("key"), "scope": scope.describe(), "type": variable.get("type")}
    for name in keys:
        view[name] = copy.deepcopy(variable.get(name))
    if variable.get("value") is not None:
        view["value"] = value_mark
    return view


def _same_value(desired: str, actual: Any) -> bool:
    return isinstance(actual, str) and actual == desired


def plan_update(request: VariableRequest, found: Mapping[str, Any]) -> Tuple[Dict[str, Any], Optional[str]]:
    """The PATCH body (empty: nothing to change) and what happens to the value: None, "changed" or "sent".

    Only fields the task sets are compared. A plain value is compared with the
    server's; an encrypted one can't be, so it is sent with ``update_value:
    always``, and whenever ``encrypted`` itself changes (the server needs the
    value to store it the new way).
    """
    comparable = dict((name, request.fields[name]) for name in EDITABLE_FIELDS if name in request.fields)
    payload = dict((name, comparable[name]) for name in differing_keys(comparable, found))
    value_change = None
    found_encrypted = found.get("encrypted") is True
    switching = "encrypted" in payload
    if request.value is not None:
        if found_encrypted or request.fields.get("encrypted") is True:
            if request.update_value == "always" or switching:
                value_change = "sent"
        elif not _same_value(request.value, found.get("value")):
            value_change = "changed"
    elif switching:
        raise ValidationError("variable %r in the %s is %s; to store it %s, set value too (the server needs it "
                              "to store it the new way)" % (
                                  request.key, request.scope.describe(),
                                  "encrypted" if found_encrypted else "not encrypted",
                                  "encrypted" if payload["encrypted"] else "unencrypted"), options=["value"])
    if value_change is not None:
        payload["value"] = request.value
    if payload:
        # The API wants the key in every edit.
        payload = dict([("key", request.key)] + list(payload.items()))
    return payload, value_change


# ---------------------------------------------------------------------------
# Decide and apply
# ---------------------------------------------------------------------------

class _Lookups:
    """Each scope's list read at most once per task (a move within one scope needs one list, not two)."""

    def __init__(self, client: Client, workspace: str) -> None:
        self.client = client
        self.workspace = workspace
        self._lists: Dict[VariableScope, List[Dict[str, Any]]] = {}

    def find(self, scope: VariableScope, key: str) -> Optional[Dict[str, Any]]:
        if scope not in self._lists:
            self._lists[scope] = self.client.variables.find_variables(self.workspace, scope)
        return only_one([variable for variable in self._lists[scope] if variable.get("key") == key], scope, key)


def check_action_scope(client: Client, workspace: str, scope: VariableScope) -> None:
    """An action scope's action must belong to the pipeline the task names (one GET, before a create)."""
    if scope.kind != "action":
        return
    location = PipelineLocation(workspace, scope.project_name, scope.pipeline_id)
    if client.actions.get_action(location, scope.action_id) is None:
        raise ValidationError("pipeline %s of project %s has no action with id %s" % (
            scope.pipeline_id, scope.project_name, scope.action_id), options=["action_id"])


def _result(changed: bool, variable: Optional[Mapping[str, Any]], diff: Dict[str, Any], want_diff: bool,
            **extra: Any) -> Dict[str, Any]:
    result: Dict[str, Any] = dict(changed=changed, variable=masked_variable(variable))
    if want_diff:
        result["diff"] = diff
    result.update(extra)
    return result


def ensure_absent(client: Client, request: VariableRequest, check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    found = _Lookups(client, request.workspace).find(request.scope, request.key)
    if found is None:
        return _result(False, None, {"before": {}, "after": {}}, want_diff)
    if not check_mode:
        client.variables.delete_variable(request.workspace, found["id"])
    return _result(True, None, {"before": diff_view(found, request.scope), "after": {}}, want_diff)


def _delete_replaced(client: Client, request: VariableRequest, new: Mapping[str, Any],
                     previous: Mapping[str, Any]) -> None:
    """Delete the variable the new one replaces; a failure says what exists now."""
    try:
        client.variables.delete_variable(request.workspace, previous["id"])
    except OpsflowError as error:
        key, scope = request.replaces or (request.key, request.scope)
        raise OpsflowError("the variable %r in the %s exists (id %s), but deleting the one it replaces (%r in the "
                           "%s, id %s) failed: %s. Run the task again, or delete the old one with state: absent"
                           % (request.key, request.scope.describe(), new.get("id"), key, scope.describe(),
                              previous["id"], error.message),
                           variable=masked_variable(new), replaced_variable_id=previous["id"])


def ensure_present(client: Client, request: VariableRequest, check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    lookups = _Lookups(client, request.workspace)
    found = lookups.find(request.scope, request.key)
    previous = None
    if request.replaces is not None:
        previous = lookups.find(request.replaces[1], request.replaces[0])
    previous_scope = request.replaces[1] if request.replaces is not None else request.scope
    extra: Dict[str, Any] = {}
    if previous is not None:
        extra["replaced_variable_id"] = previous["id"]

    if found is None:
        payload = request.create_payload(previous)
        check_action_scope(client, request.workspace, request.scope)
        before = diff_view(previous, previous_scope, EDITABLE_FIELDS) if previous is not None else {}
        diff = {"before": before, "after": diff_view(payload, request.scope, EDITABLE_FIELDS)}
        if check_mode:
            return _result(True, payload, _trimmed(diff), want_diff, **extra)
        created = client.variables.create_variable(request.workspace, request.scope, payload)
        if previous is not None:
            _delete_replaced(client, request, created, previous)
        return _result(True, created, _trimmed(diff), want_diff, **extra)

    found_type = found.get("type")
    wanted_type = request.fields.get("type")
    if wanted_type is not None and found_type is not None and wanted_type != found_type:
        raise ValidationError("variable %r in the %s has type %s; the type of a variable can't be changed. Delete it "
                              "(state: absent) and create it again as %s" % (
                                  request.key, request.scope.describe(), found_type, wanted_type), options=["type"])
    payload, value_change = plan_update(request, found)
    keys = [name for name in EDITABLE_FIELDS if name in request.fields]
    before = diff_view(found, request.scope, keys)
    mark = {None: MASK, "changed": CHANGED_MASK, "sent": SENT_MASK}[value_change]
    predicted = merge_into(dict(found), dict((name, value) for name, value in payload.items() if name != "value"))
    after = diff_view(predicted, request.scope, keys, value_mark=mark)
    if previous is not None:
        before["replaces"] = diff_view(previous, previous_scope)
    changed = bool(payload) or previous is not None
    if not changed:
        return _result(False, found, {"before": before, "after": after}, want_diff)
    variable = predicted
    if not check_mode:
        if payload:
            variable = client.variables.edit_variable(request.workspace, found["id"], payload)
        if previous is not None:
            _delete_replaced(client, request, variable, previous)
    return _result(True, variable, {"before": before, "after": after}, want_diff, **extra)


def _trimmed(diff: Dict[str, Any]) -> Dict[str, Any]:
    """Leave fields that are unset on both sides out of a create diff."""
    before, after = diff["before"], diff["after"]
    for name in EDITABLE_FIELDS:
        if before.get(name) is None and after.get(name) is None:
            before.pop(name, None)
            after.pop(name, None)
    return diff


def ensure_variable(client: Client, params: Mapping[str, Any], check_mode: bool = False,
                    want_diff: bool = False) -> Dict[str, Any]:
    """buddy_variable's whole logic: validate, look up, compare, write (unless check mode), report."""
    request = VariableRequest(params)
    request.resolve(client)
    if request.state == "absent":
        return ensure_absent(client, request, check_mode, want_diff)
    return ensure_present(client, request, check_mode, want_diff)


def variable_info(client: Client, params: Mapping[str, Any]) -> Dict[str, Any]:
    """buddy_variable_info's logic: the scope's own variables (one key, or all), secrets masked."""
    scope = scope_from(params).resolve(client, params["workspace"])
    check_action_scope(client, params["workspace"], scope)
    found = client.variables.find_variables(params["workspace"], scope, params.get("key"))
    return dict(changed=False, variables=[info_view(variable) for variable in found])
