# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""One Buddy pipeline action, idempotently: buddy_action's logic, and buddy_pipeline's for each item.

Which options a modelled type has, requires and allows comes from the
action-type registry (``_action_types.py``); nothing here branches on a type.

buddy_pipeline manages many actions in one task; per item of its ``actions``
it calls the same plain functions buddy_action uses, none of which needs an
AnsibleModule:

- ``item_argument_spec()``: the suboptions of one item (name, type, fields,
  the common fields and every type option);
- ``validate_item(item, ...)`` -> ``ActionRequest``: everything that can be
  checked before a request (fails with ValidationError naming the options);
  ``request.add_payload(after_action_id)`` is the POST body;
- ``check_against_existing(request, found)``: the checks that need the
  existing action (type change refused unless ``recreate``, options of the
  existing type); returns True when the action must be recreated;
- ``plan_update(request, found, actions)``: the PATCH body (only differing
  fields), the predicted action and the compared keys;
  ``update_diff(...)``, ``add_diff(...)``, ``recreate_diff(...)``: the
  diff's before/after with secrets masked; ``predicted_new(payload)``: what
  an add leaves on the server, as far as it is known before it answers.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_common import (
    COMMON_FIELDS,
    check_common_values,
    check_first_failure,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLister, PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._compare import (
    compared_view,
    differing_keys,
    merge_into,
    prune_none,
    without_keys,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import (
    SENT_MASK,
    WRITE_ONLY_KEYS,
    has_write_only,
    mask_secrets,
    without_write_only,
)

# The actions client: _buddy_actions.BuddyActionsClient (``client.actions``) or a stand-in with the same
# methods (list_actions, get_action, add_action, edit_action, delete_action).
ActionsClient = Any

# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

# Keys `fields` may never hold: the server sets them, or an option owns them (the common fields
# included: each has its option, with its checks); a modelled type's own options are refused too.
READ_ONLY_FIELDS = ("id", "url", "html_url", "pipeline", "last_execution_status")
FIELDS_OWNED_BY_OPTIONS = ("name", "type", "after_action_id") + tuple(WRITE_ONLY_KEYS) + tuple(COMMON_FIELDS)
# buddy_action's options that are no API field (the connection and location options are found in
# the module's params: every option of the module is there).
NON_FIELD_OPTIONS = ("state", "action_id", "fields", "recreate", "update_password")

# What one action item takes besides the API fields (buddy_action adds its CONTROL_OPTIONS).
ITEM_OPTIONS = dict(
    name=dict(type="str"),
    type=dict(type="str"),
    fields=dict(type="dict"),
)

CONTROL_OPTIONS = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    action_id=dict(type="int"),
    name=dict(type="str"),
    type=dict(type="str"),
    after_action_id=dict(type="int"),
    fields=dict(type="dict"),
    recreate=dict(type="bool", default=False),
    update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
)


def api_field_options() -> Tuple[str, ...]:
    """Every option that becomes an API field of the action, in argument-spec order."""
    return ("name",) + tuple(COMMON_FIELDS) + registry.type_option_names()


def _with_api_fields(own: Mapping[str, Any]) -> Dict[str, Any]:
    spec = copy.deepcopy(dict(own))
    spec.update(registry.common_fields_spec())
    spec.update(registry.type_options_spec())
    return spec


def action_argument_spec() -> Dict[str, Any]:
    """buddy_action's own options (the module adds the connection and location ones)."""
    return _with_api_fields(CONTROL_OPTIONS)


def item_argument_spec() -> Dict[str, Any]:
    """The options of one action item (buddy_pipeline's ``actions`` elements): no look-up or state options."""
    return _with_api_fields(ITEM_OPTIONS)


ACTION_REQUIRED_IF = [("state", "present", ("name",))]
ACTION_REQUIRED_ONE_OF = [("action_id", "name")]
ACTION_SPEC = ArgumentSpec(action_argument_spec(), required_if=ACTION_REQUIRED_IF,
                           required_one_of=ACTION_REQUIRED_ONE_OF)

INFO_OPTIONS = dict(
    action_id=dict(type="int"),
    name=dict(type="str"),
)
INFO_MUTUALLY_EXCLUSIVE = [("action_id", "name")]


# ---------------------------------------------------------------------------
# Validation: everything that can be checked before the first request
# ---------------------------------------------------------------------------

# Buddy's action types are upper-case words joined by "_" (BUILD, SANDBOX_CREATE, ...).
_TYPE_WORDS = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def checked_name(name: Optional[str]) -> Optional[str]:
    """The action's name; one that is empty or only white space fails (it can't name an action)."""
    if name is not None and not name.strip():
        raise ValidationError("name may not be empty or only white space, got %r" % name, options=["name"])
    return name


def normalised_type(action_type: Optional[str]) -> Optional[str]:
    """The type in the API's spelling: ``blackfire_python`` becomes ``BLACKFIRE_PYTHON``.

    Without this a lower-case modelled type would skip the type's own checks
    and never match the server's upper-case type. Anything that is no type
    name (empty, white space, other characters) fails.
    """
    if action_type is None:
        return None
    if not _TYPE_WORDS.match(action_type.strip()):
        raise ValidationError("type must be an action type such as BUILD or SANDBOX_CREATE (letters, digits and _), "
                              "got %r" % action_type, options=["type"])
    return action_type.strip().upper()


class ActionRequest:
    """One action as a task describes it, validated and turned into API fields.

    ``params``: buddy_action's module params, or one item of buddy_pipeline's
    ``actions`` (then ``state`` defaults to present). ``other_options``: names
    of options around the item (buddy_pipeline's own) that ``fields`` may not
    hold either.
    """

    def __init__(self, params: Mapping[str, Any], other_options: Sequence[str] = ()) -> None:
        self.state: str = params.get("state") or "present"
        self.action_id: Optional[int] = params.get("action_id")
        self.name: Optional[str] = checked_name(params.get("name"))
        self.type: Optional[str] = normalised_type(params.get("type"))
        self.after_action_id: Optional[int] = params.get("after_action_id")
        self.recreate: bool = bool(params.get("recreate"))
        self.update_password: str = params.get("update_password") or "on_create"
        # The API fields the user set: the only ones sent and compared.
        self.fields: Dict[str, Any] = {}
        for option in api_field_options():
            value = params.get(option)
            if value is not None:
                self.fields[option] = prune_none(value)
        self.fields = registry.normalise(self.fields)
        free = params.get("fields") or {}
        # The keys that came from `fields` (a modelled type's own options may not).
        self.free_keys: Tuple[str, ...] = tuple(free)
        self._merge_free_fields(free, params, other_options)
        if self.state == "present":
            self._validate()

    def _merge_free_fields(self, free: Mapping[str, Any], params: Mapping[str, Any],
                           other_options: Sequence[str]) -> None:
        """Refuse, naming the keys and the option to use, what `fields` may never hold.

        A key goes to the first rule it breaks: read-only, an option of the
        module that is no API field, an option the task sets already, an option
        that owns the field.
        """
        module_options = set(NON_FIELD_OPTIONS) | set(other_options) | (
            set(params) - set(api_field_options()) - set(FIELDS_OWNED_BY_OPTIONS))
        rules = (
            (lambda key: key in READ_ONLY_FIELDS,
             lambda keys: "fields may not hold %s: the server sets %s" % (
                 ", ".join(keys), "it" if len(keys) == 1 else "them")),
            (lambda key: key in module_options,
             lambda keys: "fields may not hold %s: %s of this module, not %s of the action; set %s as the "
             "option%s of that name instead" % (
                 ", ".join(keys), "an option" if len(keys) == 1 else "options",
                 "an API field" if len(keys) == 1 else "API fields", "it" if len(keys) == 1 else "them",
                 "" if len(keys) == 1 else "s")),
            (lambda key: params.get(key) is not None,
             lambda keys: "fields repeats %s set as %s: %s; set each only once" % (
                 "an option" if len(keys) == 1 else "options",
                 "its own option" if len(keys) == 1 else "their own options", ", ".join(keys))),
            (lambda key: key in FIELDS_OWNED_BY_OPTIONS,
             lambda keys: "fields may not hold %s; use the option%s of that name" % (
                 ", ".join(keys), "" if len(keys) == 1 else "s")),
        )
        problems: List[str] = []
        named: List[str] = []
        for breaks, message in rules:
            keys = sorted(key for key in free if key not in named and breaks(key))
            if keys:
                problems.append(message(keys))
                named.extend(keys)
        if problems:
            raise ValidationError("; ".join(problems), options=named)
        self.fields.update(copy.deepcopy(dict(free)))

    def _validate(self) -> None:
        check_common_values(self.fields)
        if self.after_action_id is not None and self.after_action_id == self.action_id:
            raise ValidationError("after_action_id can't be the action's own id (%s)" % self.action_id)
        if self.type is not None:
            registry.check_options(self.type, self.fields, full=True, free=self.free_keys)
            if "trigger_time" in self.fields:
                check_first_failure(self.fields["trigger_time"], self.fields)
        registry.check_values(self.fields)

    def add_payload(self, after_action_id: Optional[int]) -> Dict[str, Any]:
        """The POST body that adds this action (after ``after_action_id``, or at the end)."""
        payload = copy.deepcopy(self.fields)
        payload["type"] = self.type
        if after_action_id is not None:
            payload["after_action_id"] = after_action_id
        return payload


# ---------------------------------------------------------------------------
# Look-up
# ---------------------------------------------------------------------------

def named(actions: Sequence[Dict[str, Any]], name: Optional[str]) -> List[Dict[str, Any]]:
    """The actions called ``name``, in pipeline order."""
    return [action for action in actions if action.get("name") == name]


def _id_order(action: Mapping[str, Any]) -> Tuple[int, Any]:
    action_id = action.get("id")
    return (0, action_id) if isinstance(action_id, int) and not isinstance(action_id, bool) else (1, str(action_id))


def oldest(actions: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """The action created first: ids are handed out in increasing order (see the API assumptions page)."""
    return sorted(actions, key=_id_order)[0]


def _twins_error(location: PipelineLocation, name: Optional[str], matches: Sequence[Mapping[str, Any]]) -> OpsflowError:
    ids = [action.get("id") for action in matches]
    return OpsflowError("pipeline %s holds %d actions named %r (ids %s, types %s); set action_id to say which one"
                        % (location.pipeline_id, len(matches), name, ", ".join(str(i) for i in ids),
                           ", ".join(str(action.get("type")) for action in matches)), action_ids=ids)


def find_action(client: ActionsClient, location: PipelineLocation, action_id: Optional[int] = None,
                name: Optional[str] = None, need_list: bool = False
                ) -> Tuple[Optional[Dict[str, Any]], Optional[List[Dict[str, Any]]]]:
    """The action (or None) and, when it was read, the pipeline's action list.

    By id this is one GET, unless the list is needed anyway (to know the
    action's position); by name the whole paginated list is searched, and
    several actions of that name fail (``settle_twins`` is the way out).
    """
    if action_id is not None and not need_list:
        return client.get_action(location, action_id), None
    actions = client.list_actions(location)
    if action_id is not None:
        matches = [action for action in actions if action.get("id") == action_id]
    else:
        matches = named(actions, name)
    if len(matches) > 1:
        raise _twins_error(location, name, matches)
    return (matches[0] if matches else None), actions


def settle_twins(client: ActionsClient, location: PipelineLocation, request: "ActionRequest",
                 matches: Sequence[Dict[str, Any]], check_mode: bool) -> Tuple[Dict[str, Any], List[Any], str]:
    """Several actions carry the task's name: keep one, delete the others (not in check mode).

    - All of one type (two tasks added the action at the same time): the oldest is kept.
    - ``recreate: true`` and some of the task's type (a recreate interrupted
      after its add): the oldest of the task's type is kept, so the recreate ends.
    - Anything else is ambiguous and fails, naming the ids and types.

    Returns the kept action, the ids deleted and a warning saying what happened.
    """
    types = set(str(action.get("type")) for action in matches)
    if len(types) == 1:
        keep = oldest(matches)
        why = "%d actions named %r of type %s were found (as when two tasks add it at the same time)" % (
            len(matches), request.name, keep.get("type"))
    elif request.recreate and request.type is not None and request.type in types:
        keep = oldest([action for action in matches if action.get("type") == request.type])
        why = ("actions named %r of types %s were found (a recreate that was interrupted after adding the new %s "
               "action); finishing it" % (request.name, ", ".join(sorted(types)), request.type))
    else:
        raise _twins_error(location, request.name, matches)
    dropped = [action.get("id") for action in matches if action is not keep]
    if not check_mode:
        for action_id in dropped:
            client.delete_action(location, action_id)
    warning = "%s: kept the oldest, id %s, and %s %s" % (
        why, keep.get("id"), "would delete" if check_mode else "deleted",
        ", ".join("id %s" % action_id for action_id in dropped))
    return keep, dropped, warning


# Keys a short list entry carries; an entry with nothing beyond them is not the whole action.
SHORT_ENTRY_KEYS = frozenset(("url", "html_url", "id", "name", "type", "trigger_time", "run_next", "disabled",
                              "last_execution_status"))


def is_short_entry(entry: Mapping[str, Any]) -> bool:
    return set(entry) <= SHORT_ENTRY_KEYS


def complete_entry(client: ActionsClient, location: PipelineLocation, entry: Dict[str, Any],
                   compared: Sequence[str] = ()) -> Optional[Dict[str, Any]]:
    """The whole action behind a list entry.

    Lists may hold short entries (id, name, type and a few more). Comparing a
    field such an entry leaves out would report a false change, and returning
    it would hide the action's settings, so the action is then read once more
    (None if it vanished meanwhile). A list of whole actions costs no request.
    """
    if not is_short_entry(entry) and all(key in entry for key in compared):
        return entry
    return client.get_action(location, entry["id"])


def predecessor_id(actions: Sequence[Mapping[str, Any]], action_id: Any) -> Optional[int]:
    """The id of the action just before ``action_id`` in pipeline order (None when it is first)."""
    previous = None
    for action in actions:
        if action.get("id") == action_id:
            return previous
        previous = action.get("id")
    return None


def _check_after_action(actions: Optional[Sequence[Mapping[str, Any]]], after_action_id: Optional[int],
                        location: PipelineLocation) -> None:
    if after_action_id is None or actions is None:
        return
    if not any(action.get("id") == after_action_id for action in actions):
        raise ValidationError("after_action_id %s is not an action of pipeline %s" % (
            after_action_id, location.pipeline_id), options=["after_action_id"])


# ---------------------------------------------------------------------------
# Per-action pieces (buddy_action uses them once, buddy_pipeline once per item)
# ---------------------------------------------------------------------------

def validate_item(item: Mapping[str, Any], recreate: bool = False, update_password: str = "on_create",
                  other_options: Sequence[str] = ()) -> ActionRequest:
    """One item of buddy_pipeline's ``actions`` (the options of ``item_argument_spec()``), validated.

    Raises ValidationError, naming the options, for everything that can be
    checked before a request.
    """
    params = dict(item)
    params.update(state="present", recreate=recreate, update_password=update_password)
    return ActionRequest(params, other_options=other_options)


def check_against_existing(request: ActionRequest, found: Mapping[str, Any]) -> bool:
    """The checks that need the existing action; True when it must be recreated (another type, ``recreate``).

    Refuses a type change without ``recreate`` and, when the task leaves the
    type out, options that don't fit the existing action's (modelled) type.
    """
    if request.after_action_id is not None and request.after_action_id == found.get("id"):
        raise ValidationError("after_action_id %s is the id of action %r itself; an action can't be placed after "
                              "itself: set after_action_id to the id of the action it should follow"
                              % (request.after_action_id, found.get("name")), options=["after_action_id"])
    found_type = found.get("type")
    if request.type is not None and request.type != found_type:
        if not request.recreate:
            message = ("action %r (id %s) has type %s, and the type of an existing action can't be changed. Set "
                       "recreate: true to replace it with a new %s action at the same position (the old action "
                       "is deleted, and with it its run history)"
                       % (found.get("name"), found.get("id"), found_type, request.type))
            raise ValidationError(message, options=["type", "recreate"])
        return True
    if request.type is None:
        registry.check_options(found_type, request.fields, full=False, free=request.free_keys)
    if "run_only_on_first_failure" in request.fields:
        check_first_failure(request.fields.get("trigger_time", found.get("trigger_time")), request.fields)
    return False


def predicted_new(payload: Mapping[str, Any]) -> Dict[str, Any]:
    """What an add would leave on the server, as far as it is known before the server answers.

    Write-only keys never come back, encrypted values come back masked.
    """
    return mask_secrets(without_keys(payload, ("after_action_id",) + tuple(WRITE_ONLY_KEYS)))


def add_diff(payload: Mapping[str, Any]) -> Dict[str, Any]:
    """The diff of adding the action ``payload`` describes (secrets masked; ``after_action_id`` when placed)."""
    after = mask_secrets(without_keys(payload, ("after_action_id",)))
    if payload.get("after_action_id") is not None:
        after["after_action_id"] = payload["after_action_id"]
    return {"before": {}, "after": after}


def recreate_diff(request: ActionRequest, found: Mapping[str, Any], payload: Mapping[str, Any]) -> Dict[str, Any]:
    """The diff of replacing ``found`` by a new action of another type: the type and the fields the task sets."""
    keys = ["type"] + [key for key in request.fields if key != "type"]
    return {"before": compared_view(found, keys), "after": compared_view(predicted_new(payload), keys)}


def plan_update(request: ActionRequest, found: Mapping[str, Any],
                actions: Optional[Sequence[Mapping[str, Any]]]) -> Tuple[Dict[str, Any], Dict[str, Any], List[str]]:
    """The PATCH body, the predicted action and the compared keys for an existing action.

    Only fields the user set are compared, secrets left out; a field whose
    value the server already holds (as a subset) is not sent. With
    ``update_password: always`` the fields that carry a secret are sent too.
    ``actions`` (the pipeline's list, when read) tells whether the action must move.
    """
    comparable = without_write_only(request.fields)
    changed_keys = differing_keys(comparable, found)
    if request.update_password == "always":
        changed_keys += [key for key in request.fields
                         if key not in changed_keys and has_write_only({key: request.fields[key]})]
    payload = dict((key, copy.deepcopy(request.fields[key])) for key in request.fields if key in changed_keys)
    if request.after_action_id is not None and actions is not None:
        if predecessor_id(actions, found["id"]) != request.after_action_id:
            payload["after_action_id"] = request.after_action_id
    predicted = merge_into(dict(found), without_write_only(without_keys(payload, ("after_action_id",))))
    return payload, predicted, list(comparable)


def update_diff(found: Mapping[str, Any], payload: Mapping[str, Any], predicted: Mapping[str, Any],
                keys: Sequence[str], actions: Optional[Sequence[Mapping[str, Any]]]) -> Dict[str, Any]:
    """The diff of an update planned by ``plan_update``: the compared fields before and after, secrets masked.

    A secret sent (``update_password: always``, or along with a nested field
    that differs) can't be compared: ``after`` marks it as sent, at any depth,
    so the diff shows what the change is. A move shows as ``after_action_id``.
    """
    before = compared_view(found, keys)
    if not payload:
        return {"before": before, "after": copy.deepcopy(before)}
    after = compared_view(predicted, keys)
    if "after_action_id" in payload:
        before["after_action_id"] = predecessor_id(actions or [], found["id"])
        after["after_action_id"] = payload["after_action_id"]
    for key in payload:
        if key != "after_action_id" and has_write_only({key: payload[key]}):
            after[key] = merge_into(after.get(key), mask_secrets({key: payload[key]}, SENT_MASK)[key])
    return {"before": before, "after": after}


# ---------------------------------------------------------------------------
# Decide and apply (buddy_action)
# ---------------------------------------------------------------------------

def _result(changed: bool, action: Optional[Mapping[str, Any]], diff: Optional[Dict[str, Any]],
            want_diff: bool, **extra: Any) -> Dict[str, Any]:
    result: Dict[str, Any] = dict(changed=changed, action=mask_secrets(dict(action or {})))
    if want_diff and diff is not None:
        result["diff"] = diff
    result.update(extra)
    return result


def ensure_absent(client: ActionsClient, location: PipelineLocation, request: ActionRequest,
                  check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    if request.action_id is not None:
        found = find_action(client, location, request.action_id)[0]
        matches = [found] if found is not None else []
    else:
        matches = named(client.list_actions(location), request.name)
        if len(set(str(action.get("type")) for action in matches)) > 1:
            raise _twins_error(location, request.name, matches)
    if not matches:
        return _result(False, {}, {"before": {}, "after": {}}, want_diff)
    if not check_mode:
        for action in matches:
            client.delete_action(location, action["id"])
    before = mask_secrets(matches[0]) if len(matches) == 1 else [mask_secrets(action) for action in matches]
    extra: Dict[str, Any] = {}
    if len(matches) > 1:
        # Twins of one type (two tasks added the action at once): none of them may stay.
        extra["warnings"] = ["%d actions named %r of type %s were found; %s all of them (ids %s)" % (
            len(matches), request.name, matches[0].get("type"), "would delete" if check_mode else "deleted",
            ", ".join(str(action.get("id")) for action in matches))]
    return _result(True, {}, {"before": before, "after": {}}, want_diff, **extra)


def _add(client: ActionsClient, location: PipelineLocation, request: ActionRequest,
         actions: Optional[List[Dict[str, Any]]], check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    if request.action_id is not None:
        raise OpsflowError("pipeline %s has no action with id %s; to add a new action, leave action_id out "
                           "(the server chooses the id)" % (location.pipeline_id, request.action_id))
    if request.type is None:
        raise ValidationError("pipeline %s has no action named %r, and type is required to add one"
                              % (location.pipeline_id, request.name), options=["type"])
    check_first_failure(request.fields.get("trigger_time"), request.fields)
    _check_after_action(actions, request.after_action_id, location)
    payload = request.add_payload(request.after_action_id)
    if check_mode:
        return _result(True, predicted_new(payload), add_diff(payload), want_diff)
    action = client.add_action(location, payload)
    action, warnings = _after_add(client, location, request, action)
    extra = {"warnings": warnings} if warnings else {}
    return _result(True, action, add_diff(payload), want_diff, **extra)


def _after_add(client: ActionsClient, location: PipelineLocation, request: ActionRequest,
               added: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """Re-read the pipeline after an add: another task may have added the same name at the same time.

    Both tasks see both actions; the older one stays. The task whose action is
    the newer deletes its own and brings the older one to what it asked for,
    so the pipeline ends with one action, whichever task finishes first.
    """
    listed = client.list_actions(location)
    twins = named(listed, request.name)
    if len(twins) < 2 or added.get("id") is None or not any(action.get("id") == added.get("id") for action in twins):
        return added, []
    keep = oldest(twins)
    if keep.get("id") == added.get("id"):
        return added, []
    if any(action.get("type") != request.type for action in twins):
        raise _twins_error(location, request.name, twins)
    client.delete_action(location, added["id"])
    warning = ("another task added an action named %r (id %s) at the same time: kept that one and deleted the one "
               "this task added (id %s)" % (request.name, keep.get("id"), added.get("id")))
    listed = [action for action in listed if action.get("id") != added.get("id")]
    found = complete_entry(client, location, keep, list(without_write_only(request.fields)))
    if found is None:
        raise OpsflowError("%s, but the kept action is gone now; run the task again" % warning)
    payload, _predicted, _keys = plan_update(request, found, listed)
    if payload:
        found = client.edit_action(location, found["id"], payload)
    return found, [warning]


def _recreate(client: ActionsClient, location: PipelineLocation, request: ActionRequest, found: Dict[str, Any],
              actions: Optional[List[Dict[str, Any]]], check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    """Add the new action right after the old one, then delete the old one.

    Adding first keeps the position and loses nothing when the add fails; the
    old action is only deleted once its replacement exists.
    """
    check_first_failure(request.fields.get("trigger_time"), request.fields)
    _check_after_action(actions, request.after_action_id, location)
    after = request.after_action_id if request.after_action_id is not None else found["id"]
    payload = request.add_payload(after)
    diff = recreate_diff(request, found, payload)
    if check_mode:
        return _result(True, predicted_new(payload), diff, want_diff, replaced_action_id=found["id"])
    added = client.add_action(location, payload, exclude_ids=[found["id"]])
    try:
        client.delete_action(location, found["id"])
    except OpsflowError as error:
        raise OpsflowError("added the new %s action (id %s), but deleting the old %s action (id %s) failed: %s. "
                           "Delete the old action by hand (or with state: absent and its action_id) before "
                           "running the task again" % (request.type, added.get("id"), found.get("type"),
                                                       found["id"], error.message),
                           action=mask_secrets(added), replaced_action_id=found["id"])
    return _result(True, added, diff, want_diff, replaced_action_id=found["id"])


def ensure_present(client: ActionsClient, location: PipelineLocation, request: ActionRequest,
                   check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    dropped: List[Any] = []
    warnings: List[str] = []
    if request.action_id is None:
        actions: Optional[List[Dict[str, Any]]] = client.list_actions(location)
        matches = named(actions or [], request.name)
        found: Optional[Dict[str, Any]] = matches[0] if matches else None
        if len(matches) > 1:
            found, dropped, warning = settle_twins(client, location, request, matches, check_mode)
            warnings.append(warning)
            actions = [action for action in actions or [] if action.get("id") not in dropped]
    else:
        found, actions = find_action(client, location, request.action_id, None, request.after_action_id is not None)
    result = _ensure_found(client, location, request, found, actions, check_mode, want_diff)
    if dropped:
        result["changed"] = True
        result["removed_action_ids"] = dropped
        result["warnings"] = warnings + list(result.get("warnings", []))
    return result


def _ensure_found(client: ActionsClient, location: PipelineLocation, request: ActionRequest,
                  found: Optional[Dict[str, Any]], actions: Optional[List[Dict[str, Any]]],
                  check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    if found is not None and actions is not None and request.type in (None, found.get("type")):
        # (An action of another type is replaced or refused whole: its entry is enough.)
        found = complete_entry(client, location, found, list(without_write_only(request.fields)))
    if found is None:
        return _add(client, location, request, actions, check_mode, want_diff)
    if check_against_existing(request, found):
        return _recreate(client, location, request, found, actions, check_mode, want_diff)
    _check_after_action(actions, request.after_action_id, location)

    payload, predicted, keys = plan_update(request, found, actions)
    diff = update_diff(found, payload, predicted, keys, actions)
    if not payload:
        return _result(False, found, diff, want_diff)
    action = predicted if check_mode else client.edit_action(location, found["id"], payload)
    return _result(True, action, diff, want_diff)


def ensure_action(client: ActionsClient, params: Mapping[str, Any], check_mode: bool = False,
                  want_diff: bool = False, pipelines: PipelineLister = None) -> Dict[str, Any]:
    """buddy_action's whole logic: validate, look up, compare, write (unless check mode), report.

    ``pipelines`` (the task's pipelines client) resolves ``pipeline_name`` over the task's own connection.
    """
    location = PipelineLocation.from_params(params, pipelines=pipelines)
    request = ActionRequest(params)
    if request.state == "absent":
        return ensure_absent(client, location, request, check_mode, want_diff)
    return ensure_present(client, location, request, check_mode, want_diff)


def action_info(client: ActionsClient, params: Mapping[str, Any], pipelines: PipelineLister = None) -> Dict[str, Any]:
    """buddy_action_info's logic: the matching whole actions, in pipeline order, secrets masked."""
    location = PipelineLocation.from_params(params, pipelines=pipelines)
    if params.get("action_id") is not None:
        action = client.get_action(location, params["action_id"])
        found = [action] if action is not None else []
    else:
        found = []
        for entry in client.list_actions(location):
            if params.get("name") is not None and entry.get("name") != params["name"]:
                continue
            action = complete_entry(client, location, entry)
            if action is not None:
                found.append(action)
    return dict(changed=False, actions=[mask_secrets(action) for action in found])
