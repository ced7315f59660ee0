# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""A whole Buddy pipeline, settings and ordered actions, in one task: buddy_pipeline's and
buddy_pipeline_info's logic.

Each action item goes through the very functions buddy_action uses
(``_buddy_action``: validate_item, check_against_existing, plan_update, the
diffs, predicted_new); this file only adds what a whole pipeline needs: the
settings, matching items to actions by name, the order (fewest moves), purge,
and the export that turns a pipeline back into this module's options.

A no-change run reads the pipeline once (by id: one GET; by name: the list's
pages, whose entries are whole pipelines) and the action list's pages, and
writes nothing.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_action as per_action
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_common import check_first_failure
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_base import option, spec_entry
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import (
    PipelineLocation,
    check_pipeline_id,
    pick_pipeline,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._compare import (
    compared_view,
    differing_keys,
    merge_into,
    prune_none,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import mask_secrets, without_write_only

# The client: _buddy_client.BuddyClient (``.pipelines`` and ``.actions``) or a stand-in with the same two.
Client = Any

# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

_PERMISSION_ENTRY = {
    "id": option("int", "The user's or group's ID.", required=True),
    "access_level": option("str", "V(DENIED), V(READ_ONLY), V(RUN_ONLY) or V(READ_WRITE).", required=True),
}

# The pipeline's settings: the API's fields a user sets, each an option (declared once; the module's
# documentation is checked against this table by a unit test).
SETTINGS: Dict[str, Dict[str, Any]] = {
    "identifier": option("str", "The pipeline's unique human-readable ID in the project. The server derives one "
                         "from O(name) when it is not set."),
    "refs": option("list", "Branches, tags or pull requests (as refs, wildcards allowed) the pipeline runs for, "
                   "for example V(refs/heads/main).", elements="str"),
    "tags": option("list", "Tags of the pipeline.", elements="str"),
    "events": option("list", "What starts the pipeline; compared item by item, in order. Leave it out (or V([]))"
                     " for a pipeline started by hand or by the API.", elements="dict", suboptions={
                         "type": option("str", "V(PUSH), V(CREATE_REF), V(DELETE_REF), V(PULL_REQUEST), V(SCHEDULE),"
                                        " V(WEBHOOK), V(EMAIL) and the package events.", required=True),
                         "refs": option("list", "Refs the event applies to.", elements="str"),
                         "events": option("list", "Pull-request events, for example V(OPENED).", elements="str"),
                         "branches": option("list", "Branches of a pull request.", elements="str"),
                         "start_date": option("str", "First run of a V(SCHEDULE), ISO 8601."),
                         "delay": option("int", "Minutes between runs of a V(SCHEDULE)."),
                         "cron": option("str", "Cron expression of a V(SCHEDULE)."),
                         "timezone": option("str", "Time zone of a V(SCHEDULE)."),
                         "prefix": option("str", "Email prefix of an V(EMAIL) event."),
                         "whitelist": option("list", "Senders allowed for an V(EMAIL) event.", elements="str"),
                         "totp": option("bool", "Whether a V(WEBHOOK) needs a one-time password."),
                         "packages": option("list", "Packages of a package event.", elements="dict", suboptions={
                             "identifier": option("str", "The package's identifier."),
                             "scope": option("str", "V(WORKSPACE) or V(PROJECT)."),
                         }),
                     }),
    "trigger_conditions": option(
        "list", "Conditions that must all hold for a run to start; compared item by item, in order.",
        elements="dict", suboptions={
            "trigger_condition": option("str", "For example V(ON_CHANGE), V(ON_CHANGE_AT_PATH), V(VAR_IS), "
                                        "V(DATETIME) or V(SUCCESS_PIPELINE).", required=True),
            "trigger_condition_paths": option("list", "Paths for V(ON_CHANGE_AT_PATH).", elements="str"),
            "trigger_variable_key": option("str", "Variable name for the C(VAR_*) conditions.", no_log=False),
            "trigger_variable_value": option("str", "Value for the C(VAR_*) conditions."),
            "trigger_hours": option("list", "Hours (0-23) for V(DATETIME).", elements="int"),
            "trigger_days": option("list", "Days of the week (1 is Monday) for V(DATETIME).", elements="int"),
            "timezone": option("str", "Time zone for V(DATETIME)."),
            "trigger_project_name": option("str", "Project of the pipeline for V(SUCCESS_PIPELINE)."),
            "trigger_pipeline_name": option("str", "Pipeline for V(SUCCESS_PIPELINE)."),
            "trigger_user": option("str", "User (email) for the C(TRIGGERING_USER_*) conditions."),
            "trigger_group": option("str", "Group for the C(TRIGGERING_USER_*_IN_GROUP) conditions."),
        }),
    "priority": option("str", "Run priority. The server's default is V(NORMAL).", choices=["LOW", "NORMAL", "HIGH"]),
    "cpu": option("str", "Processor architecture of the runs. The server's default is V(X64).", choices=["X64", "ARM"]),
    "paused": option("bool", "Whether the pipeline is paused."),
    "disabled": option("bool", "Whether the pipeline is disabled (no run can start)."),
    "disabled_reason": option("str", "Why the pipeline is disabled, shown to users."),
    "concurrent_pipeline_runs": option("bool", "Whether runs of this pipeline may run at the same time."),
    "clone_depth": option("int", "Git clone depth; V(0) clones the whole history."),
    "always_from_scratch": option("bool", "Whether every run starts with an empty filesystem."),
    "auto_clear_cache": option("bool", "Whether the cache is cleared before each run."),
    "fetch_all_refs": option("bool", "Whether every ref is fetched, not only the run's."),
    "fail_on_prepare_env_warning": option("bool", "Whether a warning while preparing the environment fails the run."),
    "no_skip_to_most_recent": option("bool", "Whether queued runs all run instead of skipping to the newest."),
    "do_not_create_commit_status": option("bool", "Whether the pipeline leaves commit statuses alone."),
    "execution_message_template": option("str", "Title of each run, for example V($BUDDY_EXECUTION_REVISION_SUBJECT)."),
    "target_site_url": option("str", "URL of the site the pipeline deploys to."),
    "git_changeset_base": option("str", "What a run's changes are compared with.",
                                 choices=["LATEST_RUN", "LATEST_RUN_MATCHING_REF", "PULL_REQUEST"]),
    "filesystem_changeset_base": option("str", "How changed files are found.", choices=["DATE_MODIFIED", "CONTENTS"]),
    "pause_on_repeated_failures": option("int", "Pause the pipeline after this many failed runs in a row."),
    "permissions": option("dict", "Who may see, run and change the pipeline.", suboptions={
        "others": option("str", "Access level of everyone not listed: V(DEFAULT), V(DENIED), V(READ_ONLY), "
                         "V(RUN_ONLY) or V(READ_WRITE)."),
        "users": option("list", "Access of single users.", elements="dict", suboptions=_PERMISSION_ENTRY),
        "groups": option("list", "Access of groups.", elements="dict", suboptions=_PERMISSION_ENTRY),
    }),
}

# Pipeline fields that `fields` may carry and an export writes there: settable, but with no option.
EXTRA_SETTABLE = ("definition_source", "remote_path", "remote_ref", "remote_branch", "remote_project_name",
                  "remote_parameters", "git_config_ref", "git_config", "worker", "loop",
                  "ignore_fail_on_project_status", "description_required", "manage_variables_by_yaml",
                  "manage_permissions_by_yaml", "folder", "cache_scope", "terminate_stale_runs", "strict_context")
# Keys the server sets, or the module owns: `fields` may not hold them.
PIPELINE_READ_ONLY = ("id", "url", "html_url", "project", "creator", "create_date", "last_execution_status",
                      "last_execution_revision", "actions", "stale", "waiting_for_push")

# What the server fills in when a setting is not sent (an export leaves these out). Empty lists and
# dicts are left out anyway. Sources: facts-v2 A (field list) and the emulator's defaults, which a
# unit test keeps in step with this table.
SETTING_DEFAULTS: Dict[str, Any] = {
    "priority": "NORMAL", "cpu": "X64", "paused": False, "disabled": False, "concurrent_pipeline_runs": False,
    "clone_depth": 0, "always_from_scratch": False, "auto_clear_cache": False, "fetch_all_refs": False,
    "fail_on_prepare_env_warning": True, "no_skip_to_most_recent": False, "do_not_create_commit_status": False,
    "execution_message_template": "$BUDDY_EXECUTION_REVISION_SUBJECT", "git_changeset_base": "LATEST_RUN",
    "filesystem_changeset_base": "DATE_MODIFIED", "pause_on_repeated_failures": 1,
    "permissions": {"others": "DEFAULT", "users": [], "groups": []},
    "definition_source": "LOCAL", "git_config_ref": "NONE", "ignore_fail_on_project_status": False,
    "description_required": False, "manage_variables_by_yaml": False, "manage_permissions_by_yaml": False,
    "terminate_stale_runs": False, "strict_context": False,
}
# The same for actions: every type's, then each modelled type's own (working_directory: /buddy/<project>).
ACTION_DEFAULTS: Dict[str, Any] = {
    "trigger_time": "ON_EVERY_EXECUTION", "run_next": "WAIT_ON_SUCCESS", "disabled": False, "ignore_errors": False,
    "retry_count": 0, "retry_interval": 0, "run_only_on_first_failure": False,
}
ACTION_TYPE_DEFAULTS: Dict[str, Dict[str, Any]] = {
    "BLACKFIRE_PYTHON": {"shell": "SH"},
    "RUN_DOCKER_CONTAINER": {"shell": "SH", "image_location": "PUBLIC_REGISTRY", "docker_image_tag": "latest",
                             "execute_every_command": False, "mount_filesystem_disable": False,
                             "cache_base_image": True, "ignore_image_pull_failures": False,
                             "reset_entrypoint": False},
    "SANDBOX_CREATE": {"start": True, "update_if_exists": False},
}
VARIABLE_DEFAULTS = {"type": "VAR", "encrypted": False, "settable": False, "description": ""}
ACTION_READ_ONLY = ("id", "url", "html_url", "pipeline", "last_execution_status", "current_revision")


def _actions_option() -> Dict[str, Any]:
    item = per_action.item_argument_spec()
    item["name"] = dict(item["name"], required=True)
    return dict(type="list", elements="dict", options=item)


def settings_spec() -> Dict[str, Any]:
    return dict((name, spec_entry(declared)) for name, declared in SETTINGS.items())


def pipeline_argument_spec() -> Dict[str, Any]:
    """buddy_pipeline's own options (the module adds the connection and workspace ones)."""
    spec: Dict[str, Any] = dict(
        project_name=dict(type="str", required=True),
        pipeline_id=dict(type="int"),
        name=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        fields=dict(type="dict"),
        actions=_actions_option(),
        purge_actions=dict(type="bool", default=False),
        after_action_id=dict(type="int"),
        recreate=dict(type="bool", default=False),
        update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    )
    spec.update(settings_spec())
    return spec


# `name` identifies the pipeline when pipeline_id is not given (and names a new one); with pipeline_id it is a setting.
PIPELINE_REQUIRED_IF: List[Any] = []
PIPELINE_REQUIRED_ONE_OF = [("pipeline_id", "name")]

INFO_OPTIONS = dict(
    project_name=dict(type="str", required=True),
    pipeline_id=dict(type="int"),
    name=dict(type="str"),
    export=dict(type="bool", default=False),
)
INFO_MUTUALLY_EXCLUSIVE = [("pipeline_id", "name")]

# buddy_pipeline's options that are no pipeline field (`fields` may not hold them either).
_NON_FIELD_OPTIONS = ("workspace", "project_name", "pipeline_id", "state", "fields", "actions", "purge_actions",
                      "after_action_id", "recreate", "update_password")


# ---------------------------------------------------------------------------
# Validation: everything before the first request
# ---------------------------------------------------------------------------

class PipelineRequest:
    """A buddy_pipeline task, validated: the settings to compare and each action item as an ActionRequest."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.workspace: str = params["workspace"]
        self.project_name: str = params["project_name"]
        self.pipeline_id: Optional[int] = check_pipeline_id(params.get("pipeline_id"))
        self.name: Optional[str] = params.get("name")
        if self.name is not None and not self.name.strip():
            raise ValidationError("name may not be empty", options=["name"])
        self.state: str = params.get("state") or "present"
        self.purge: bool = bool(params.get("purge_actions"))
        self.after_action_id: Optional[int] = params.get("after_action_id")
        if self.after_action_id is not None and (isinstance(self.after_action_id, bool) or self.after_action_id < 1):
            raise ValidationError("after_action_id must be the ID of an action, a positive integer",
                                  options=["after_action_id"])
        if self.after_action_id is not None and self.purge:
            raise ValidationError("after_action_id and purge_actions exclude each other: purge_actions would delete "
                                  "the action after_action_id names", options=["after_action_id", "purge_actions"])
        self.settings: Dict[str, Any] = {}
        if self.name is not None:
            self.settings["name"] = self.name
        for option_name in SETTINGS:
            if params.get(option_name) is not None:
                self.settings[option_name] = prune_none(params[option_name])
        self._merge_fields(params.get("fields") or {}, params)
        self.items: Optional[List[per_action.ActionRequest]] = None
        if params.get("actions") is not None and self.state == "present":
            self.items = self._validate_items(params["actions"], bool(params.get("recreate")),
                                              params.get("update_password") or "on_create")
            if self.settings.get("definition_source") == "REMOTE":
                raise ValidationError("actions can't be managed for a pipeline whose definition lives in git "
                                      "(fields.definition_source: REMOTE); leave actions out", options=["actions"])

    def _merge_fields(self, free: Mapping[str, Any], params: Mapping[str, Any]) -> None:
        problems = []
        for rule, keys in (
                ("the server sets them", [key for key in free if key in PIPELINE_READ_ONLY]),
                ("they are options of this module", [key for key in free if key in _NON_FIELD_OPTIONS
                                                     or key == "name" or key in SETTINGS])):
            if keys:
                problems.append("fields may not hold %s: %s" % (", ".join(sorted(keys)), rule))
        if problems:
            raise ValidationError("; ".join(problems) + " (set the options of those names instead)",
                                  options=["fields"])
        self.settings.update(copy.deepcopy(dict(free)))

    @staticmethod
    def _validate_items(items: Sequence[Mapping[str, Any]], recreate: bool,
                        update_password: str) -> List[per_action.ActionRequest]:
        requests: List[per_action.ActionRequest] = []
        seen: Dict[str, int] = {}
        for index, item in enumerate(items):
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ValidationError("actions[%d].name may not be empty" % index, options=["actions"])
            if name in seen:
                raise ValidationError("actions[%d] and actions[%d] are both named %r; action names identify the "
                                      "actions of a pipeline, so each may appear once" % (seen[name], index, name),
                                      options=["actions"])
            seen[name] = index
            try:
                requests.append(per_action.validate_item(item, recreate=recreate, update_password=update_password))
            except ValidationError as error:
                raise ValidationError("actions[%d] (%r): %s" % (index, name, error.message),
                                      options=["actions"])
        return requests


# ---------------------------------------------------------------------------
# Order: the fewest moves
# ---------------------------------------------------------------------------

def longest_increasing(positions: Sequence[Optional[int]]) -> List[int]:
    """Indexes of a longest strictly increasing run (not necessarily contiguous) of the non-None ``positions``.

    The actions at these indexes keep their place; every other one moves (or is added) once.
    """
    tails: List[int] = []   # tails[k]: index ending the best run of length k + 1
    before: Dict[int, Optional[int]] = {}
    for index, position in enumerate(positions):
        if position is None:
            continue
        low, high = 0, len(tails)
        while low < high:
            middle = (low + high) // 2
            if positions[tails[middle]] < position:  # type: ignore[operator]
                low = middle + 1
            else:
                high = middle
        before[index] = tails[low - 1] if low > 0 else None
        if low == len(tails):
            tails.append(index)
        else:
            tails[low] = index
    run: List[int] = []
    current = tails[-1] if tails else None
    while current is not None:
        run.append(current)
        current = before[current]
    return list(reversed(run))


class _Order:
    """The pipeline's action list as it will be after each step, so that each move is planned on the real order."""

    def __init__(self, actions: Sequence[Mapping[str, Any]]) -> None:
        self.entries: List[Dict[str, Any]] = [dict(action) for action in actions]

    def ids(self) -> List[Any]:
        return [entry.get("id") for entry in self.entries]

    def index(self, key: Any) -> int:
        for position, entry in enumerate(self.entries):
            if entry.get("id") == key:
                return position
        return -1

    def place(self, entry: Dict[str, Any], after: Any) -> None:
        """Put ``entry`` (new or moved) right after ``after`` (None: at the end)."""
        current = self.index(entry.get("id"))
        if current >= 0:
            self.entries.pop(current)
        if after is None:
            self.entries.append(entry)
        else:
            self.entries.insert(self.index(after) + 1, entry)

    def replace(self, old: Any, entry: Dict[str, Any]) -> None:
        self.entries[self.index(old)] = entry

    def remove(self, key: Any) -> None:
        position = self.index(key)
        if position >= 0:
            self.entries.pop(position)

    def names(self) -> List[Any]:
        return [entry.get("name") for entry in self.entries]


# ---------------------------------------------------------------------------
# Decide and apply
# ---------------------------------------------------------------------------

class _Plan:
    """What the task does, step by step, and what it reports (diff, summary)."""

    def __init__(self, want_diff: bool) -> None:
        self.want_diff = want_diff
        self.changes: Dict[str, List[Any]] = dict(settings=[], added=[], updated=[], moved=[], recreated=[],
                                                  deleted=[])
        self.before: Dict[str, Any] = {}
        self.after: Dict[str, Any] = {}

    @property
    def changed(self) -> bool:
        return any(self.changes.values())


def _find_pipeline(client: Client, request: PipelineRequest,
                   location: PipelineLocation) -> Tuple[Optional[Dict[str, Any]], bool]:
    """The pipeline (or None) and whether it came whole from the list."""
    if request.pipeline_id is not None:
        return client.pipelines.find_pipeline(location), True
    found = pick_pipeline(client.pipelines.list_pipelines(location), request.name or "", request.project_name,
                          option="name")
    return found, False


def _complete_pipeline(client: Client, location: PipelineLocation, found: Dict[str, Any],
                       keys: Sequence[str]) -> Dict[str, Any]:
    """The whole pipeline behind a list entry: read again only when the entry lacks a compared key."""
    if all(key in found for key in keys):
        return found
    return client.pipelines.get_pipeline(location)


def _absent(client: Client, request: PipelineRequest, location: PipelineLocation, check_mode: bool,
            want_diff: bool) -> Dict[str, Any]:
    found, _whole = _find_pipeline(client, request, location)
    result: Dict[str, Any] = dict(changed=found is not None, pipeline={}, actions=[])
    if found is not None:
        if not check_mode:
            client.pipelines.delete_pipeline(PipelineLocation(request.workspace, request.project_name, found["id"]))
        if want_diff:
            result["diff"] = dict(before=dict(pipeline=mask_secrets(found)), after={})
    elif want_diff:
        result["diff"] = dict(before={}, after={})
    return result


def _create(client: Client, request: PipelineRequest, location: PipelineLocation, check_mode: bool,
            plan: _Plan) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    if request.pipeline_id is not None:
        raise OpsflowError("project %s has no pipeline with id %s; to create a new pipeline, leave pipeline_id out "
                           "(the server chooses the id)" % (request.project_name, request.pipeline_id))
    if request.items is not None:
        for item in request.items:
            if item.type is None:
                raise ValidationError("pipeline %r does not exist yet, so action %r is added, and type is required "
                                      "to add an action" % (request.name, item.name), options=["actions"])
            check_first_failure(item.fields.get("trigger_time"), item.fields)
    payload = copy.deepcopy(request.settings)
    plan.changes["settings"] = list(payload)
    plan.before["pipeline"] = {}
    plan.after["pipeline"] = mask_secrets(payload)
    pipeline = mask_secrets(payload) if check_mode else client.pipelines.create_pipeline(location, payload)
    actions: List[Dict[str, Any]] = []
    if request.items:
        new_location = PipelineLocation(request.workspace, request.project_name, pipeline.get("id")) \
            if not check_mode else None
        plan.before["actions"] = {}
        plan.after["actions"] = {}
        for item in request.items:
            payload = item.add_payload(None)
            action = per_action.predicted_new(payload) if check_mode else \
                client.actions.add_action(new_location, payload)
            actions.append(action)
            plan.changes["added"].append(item.name)
            plan.after["actions"][item.name] = per_action.add_diff(payload)["after"]
        plan.before["order"] = []
        plan.after["order"] = [item.name for item in request.items]
    return pipeline, actions


def _update_settings(client: Client, request: PipelineRequest, location: PipelineLocation,
                     found: Dict[str, Any], check_mode: bool, plan: _Plan) -> Dict[str, Any]:
    changed = differing_keys(request.settings, found)
    payload = dict((key, copy.deepcopy(request.settings[key])) for key in changed)
    plan.before["pipeline"] = compared_view(found, list(request.settings))
    plan.after["pipeline"] = compared_view(merge_into(dict(found), payload), list(request.settings))
    if not payload:
        return found
    plan.changes["settings"] = changed
    if check_mode:
        return merge_into(dict(found), payload)
    return client.pipelines.edit_pipeline(location, payload)


def _match(request: PipelineRequest, actions: Sequence[Dict[str, Any]],
           location: PipelineLocation) -> List[Optional[Dict[str, Any]]]:
    """Each item's existing action (by name), failing when a declared name is held twice."""
    by_name: Dict[Any, List[Dict[str, Any]]] = {}
    for action in actions:
        by_name.setdefault(action.get("name"), []).append(action)
    matched: List[Optional[Dict[str, Any]]] = []
    for item in request.items or []:
        holders = by_name.get(item.name, [])
        if len(holders) > 1:
            ids = [holder.get("id") for holder in holders]
            raise OpsflowError("pipeline %s holds %d actions named %r (ids %s); delete all but one (buddy_action "
                               "with state: absent and action_id) and run again"
                               % (location.pipeline_id, len(holders), item.name, ", ".join(str(i) for i in ids)),
                               action_ids=ids)
        matched.append(holders[0] if holders else None)
    return matched


def _chain_after(anchor: Any, matched: Sequence[Optional[Dict[str, Any]]], order: _Order) -> List[bool]:
    """With ``after_action_id``: the items already in one unbroken chain right after the anchor keep their place."""
    ids = order.ids()
    keep = [False] * len(matched)
    position = ids.index(anchor) + 1
    for index, action in enumerate(matched):
        if action is None or position >= len(ids) or ids[position] != action["id"]:
            break
        keep[index] = True
        position += 1
    return keep


def _placements(matched: Sequence[Optional[Dict[str, Any]]], order: _Order) -> Tuple[List[bool], bool]:
    """Which items keep their place, and whether the first item must be put before an action at the top.

    The items that keep their place are a longest run already in the declared order; each other item
    is moved (or added) once, right after the item before it. The first item has no item before it:
    when it does not keep its place it goes before the first item that does, which costs one more
    move when that one is at the very top (there is no "before"). A run that includes the first item
    is taken instead when that costs no more.
    """
    ids = order.ids()
    positions = [ids.index(action["id"]) if action is not None else None for action in matched]
    best = set(longest_increasing(positions))
    cost = len(matched) - len(best)
    top_fix = False
    if matched and 0 not in best and best:
        if positions[min(best)] == 0:
            top_fix = True
            cost += 1
        if positions[0] is not None:
            # Keeping the first item where it is costs no more? Then keep it: the flow stays where it starts.
            with_first = [position if position is None or position > positions[0] else None
                          for position in positions]
            with_first[0] = positions[0]
            run = set(longest_increasing(with_first))
            if len(matched) - len(run) <= cost:
                best, top_fix = run, False
    keep = [index in best for index in range(len(matched))]
    return keep, top_fix


def _actions_step(client: Client, request: PipelineRequest, location: PipelineLocation, check_mode: bool,
                  plan: _Plan) -> List[Dict[str, Any]]:
    existing = client.actions.list_actions(location)
    order = _Order(existing)
    matched = _match(request, existing, location)
    items = request.items or []
    declared = set(item.name for item in items)
    purged = [action for action in existing if action.get("name") not in declared] if request.purge else []
    plan.before["order"] = order.names()
    plan.before["actions"], plan.after["actions"] = {}, {}
    for action in purged:
        plan.before["actions"][action.get("name")] = compared_view(action, ["id", "type"])

    # What each existing item needs (read whole if its entry is short), before any write.
    decided: List[Tuple[str, Optional[Dict[str, Any]], Any]] = []
    for item, found in zip(items, matched):
        if found is None:
            if item.type is None:
                raise ValidationError("pipeline %s has no action named %r, and type is required to add one"
                                      % (location.pipeline_id, item.name), options=["actions"])
            check_first_failure(item.fields.get("trigger_time"), item.fields)
            decided.append(("add", None, item.add_payload(None)))
            continue
        if item.type in (None, found.get("type")):
            whole = per_action.complete_entry(client.actions, location, found, list(without_write_only(item.fields)))
            if whole is None:
                raise OpsflowError("action %r (id %s) vanished while the task ran; run it again"
                                   % (item.name, found.get("id")))
            found = whole
        if per_action.check_against_existing(item, found):
            check_first_failure(item.fields.get("trigger_time"), item.fields)
            decided.append(("recreate", found, None))
        else:
            decided.append(("update", found, per_action.plan_update(item, found, None)))
    anchor = request.after_action_id
    if anchor is not None:
        holder = next((action for action in existing if action.get("id") == anchor), None)
        if holder is None or holder.get("name") in declared:
            raise OpsflowError("after_action_id %s must be an action of pipeline %s that actions does not name"
                               % (anchor, location.pipeline_id), options=["after_action_id"])
        keep, top_fix = _chain_after(anchor, matched, order), False
    else:
        keep, top_fix = _placements(matched, order)

    counter = [0]

    def placeholder(name: Any) -> Dict[str, Any]:
        counter[0] += 1
        return {"id": "(new %d)" % counter[0], "name": name}

    previous_id: Any = anchor
    first_kept_id: Any = None
    for index, (item, (what, found, planned)) in enumerate(zip(items, decided)):
        if index == 0 and not keep[0] and anchor is None:
            first_kept = next((matched[k] for k in range(len(items)) if keep[k]), None)
            if first_kept is not None:
                position = order.index(first_kept["id"])
                after: Any = order.entries[position - 1]["id"] if position > 0 else first_kept["id"]
                first_kept_id = first_kept["id"] if top_fix else None
            else:
                after = None
        elif keep[index]:
            after = "keep"
        else:
            after = previous_id
        if index > 0 and first_kept_id is not None and found is not None and found.get("id") == first_kept_id:
            after = previous_id  # the action that was at the top follows the new first item
        moved = after != "keep" and found is not None
        if what == "add":
            payload = dict(planned)
            if after not in (None, "keep"):
                payload["after_action_id"] = after
            if check_mode:
                action = per_action.predicted_new(payload)
                entry = dict(action, **placeholder(item.name))
            else:
                action = client.actions.add_action(location, payload)
                entry = dict(action)
            order.place(entry, payload.get("after_action_id"))
            plan.changes["added"].append(item.name)
            plan.after["actions"][item.name] = per_action.add_diff(without_after(payload))["after"]
        elif what == "recreate":
            target = found["id"] if after in (None, "keep") else after
            payload = item.add_payload(target)
            diff = per_action.recreate_diff(item, found, payload)
            if check_mode:
                action = per_action.predicted_new(payload)
                entry = dict(action, **placeholder(item.name))
            else:
                action = client.actions.add_action(location, payload, exclude_ids=[found["id"]])
                entry = dict(action)
                _delete_replaced(client, location, item, action, found)
            order.place(entry, target)
            order.remove(found["id"])
            plan.changes["recreated"].append(item.name)
            plan.before["actions"][item.name], plan.after["actions"][item.name] = diff["before"], diff["after"]
        else:
            payload, predicted, keys = planned
            diff = per_action.update_diff(found, payload, predicted, keys, None)
            plan.before["actions"][item.name], plan.after["actions"][item.name] = diff["before"], diff["after"]
            send = dict(payload)
            if moved:
                if after is None:
                    # Only possible for the first item with nothing kept: it stays where it is.
                    moved = False
                else:
                    send["after_action_id"] = after
            if send:
                action = predicted if check_mode else client.actions.edit_action(location, found["id"], send)
                entry = dict(action)
                if check_mode:
                    entry["id"] = found["id"]
            else:
                action, entry = found, dict(found)
            if moved:
                order.place(entry, after)
                plan.changes["moved"].append(item.name)
            else:
                order.replace(found["id"], entry)
            if payload:
                plan.changes["updated"].append(item.name)
        previous_id = entry["id"]
    for action in purged:
        if not check_mode:
            client.actions.delete_action(location, action["id"])
        order.remove(action["id"])
        plan.changes["deleted"].append(action.get("name"))
    plan.after["order"] = order.names()
    return [_public(entry) for entry in order.entries]


def without_after(payload: Mapping[str, Any]) -> Dict[str, Any]:
    return dict((key, value) for key, value in payload.items() if key != "after_action_id")


def _public(entry: Mapping[str, Any]) -> Dict[str, Any]:
    """An action to return: secrets masked, a check-mode placeholder id left out."""
    shown = mask_secrets(dict(entry))
    if isinstance(shown.get("id"), str) and shown["id"].startswith("(new"):
        shown.pop("id")
    return shown


def _delete_replaced(client: Client, location: PipelineLocation, item: per_action.ActionRequest,
                     added: Mapping[str, Any], found: Mapping[str, Any]) -> None:
    try:
        client.actions.delete_action(location, found["id"])
    except OpsflowError as error:
        raise OpsflowError("added the new %s action %r (id %s), but deleting the old %s action (id %s) failed: %s. "
                           "Run the task again to finish the replacement" % (
                               item.type, item.name, added.get("id"), found.get("type"), found["id"], error.message),
                           replaced_action_id=found["id"])


def ensure_pipeline(client: Client, params: Mapping[str, Any], check_mode: bool = False,
                    want_diff: bool = False) -> Dict[str, Any]:
    """buddy_pipeline's whole logic: validate, read, compare, write (unless check mode), report."""
    request = PipelineRequest(params)
    location = PipelineLocation(request.workspace, request.project_name, request.pipeline_id)
    if request.state == "absent":
        return _absent(client, request, location, check_mode, want_diff)
    plan = _Plan(want_diff)
    found, whole = _find_pipeline(client, request, location)
    if found is None:
        pipeline, actions = _create(client, request, location, check_mode, plan)
    else:
        location = PipelineLocation(request.workspace, request.project_name, found["id"])
        keys = list(request.settings) + (["definition_source"] if request.items is not None else [])
        if not whole:
            found = _complete_pipeline(client, location, found, keys)
        if request.items is not None and found.get("definition_source") == "REMOTE":
            raise OpsflowError("pipeline %r (id %s) is defined in git (definition_source: REMOTE), so its actions "
                               "can't be managed here: change the YAML in its repository, or leave actions out to "
                               "manage its settings only" % (found.get("name"), found["id"]),
                               pipeline_id=found["id"])
        pipeline = _update_settings(client, request, location, found, check_mode, plan)
        actions = _actions_step(client, request, location, check_mode, plan) if request.items is not None else []
    result: Dict[str, Any] = dict(changed=plan.changed, pipeline=mask_secrets(dict(pipeline)), actions=actions,
                                  changes=plan.changes)
    if want_diff:
        result["diff"] = dict(before=plan.before, after=plan.after)
    return result


# ---------------------------------------------------------------------------
# Info and export
# ---------------------------------------------------------------------------

def _project(value: Any, entry: Mapping[str, Any]) -> Any:
    """``value`` cut down to what an option's spec entry takes (unknown suboptions and nulls left out)."""
    options = entry.get("options")
    if options and isinstance(value, Mapping):
        return dict((key, _project(value[key], options[key])) for key in options
                    if key in value and value[key] is not None)
    if options and isinstance(value, list):
        return [_project(item, entry) for item in value]
    return copy.deepcopy(value)


def _is_default(value: Any, default: Any) -> bool:
    return value is None or value == default or (isinstance(value, (list, dict)) and not value)


def export_settings(pipeline: Mapping[str, Any]) -> Dict[str, Any]:
    """The pipeline's settable settings that differ from the server's defaults, as buddy_pipeline's options."""
    definition: Dict[str, Any] = {"name": pipeline.get("name")}
    specs = settings_spec()
    for key, entry in specs.items():
        if key in pipeline and not _is_default(pipeline[key], SETTING_DEFAULTS.get(key)):
            definition[key] = _project(pipeline[key], entry)
    extra = dict((key, copy.deepcopy(pipeline[key])) for key in EXTRA_SETTABLE
                 if key in pipeline and not _is_default(pipeline[key], SETTING_DEFAULTS.get(key)))
    if extra:
        definition["fields"] = extra
    return definition


def _without_variable_defaults(variables: Any) -> Any:
    if not isinstance(variables, list):
        return variables
    cleaned = []
    for variable in variables:
        if isinstance(variable, dict):
            variable = dict((key, value) for key, value in variable.items()
                            if not (key in VARIABLE_DEFAULTS and value == VARIABLE_DEFAULTS[key]))
        cleaned.append(variable)
    return cleaned


def export_action(action: Mapping[str, Any], project_name: str) -> Dict[str, Any]:
    """One action as an item of buddy_pipeline's ``actions``: settable fields only, defaults and secrets left out."""
    action_type = action.get("type")
    modelled = registry.get_type(action_type)
    item_spec = per_action.item_argument_spec()
    options = set(per_action.api_field_options())
    foreign = set(registry.type_option_names()) - set(modelled.options if modelled is not None else ())
    defaults = dict(ACTION_DEFAULTS)
    defaults.update(ACTION_TYPE_DEFAULTS.get(action_type or "", {}))
    defaults["working_directory"] = "/buddy/%s" % project_name
    visible = without_write_only(dict(action))
    item: Dict[str, Any] = {"name": action.get("name"), "type": action_type}
    free: Dict[str, Any] = {}
    for key, value in visible.items():
        if key in ("name", "type") or key in per_action.READ_ONLY_FIELDS or key in ACTION_READ_ONLY:
            continue
        if _is_default(value, defaults.get(key)):
            continue
        if key == "variables":
            value = _without_variable_defaults(value)
        if key == "integration" and isinstance(value, Mapping) and value.get("identifier"):
            value = value["identifier"]
        if key in options:
            if modelled is not None and key in foreign:
                continue
            item[key] = _project(value, item_spec[key])
        elif key not in per_action.FIELDS_OWNED_BY_OPTIONS:
            free[key] = copy.deepcopy(value)
    if free:
        item["fields"] = free
    return item


def pipeline_info(client: Client, params: Mapping[str, Any]) -> Dict[str, Any]:
    """buddy_pipeline_info's logic: the matching pipelines, each with its definition when ``export`` asks."""
    workspace, project_name = params["workspace"], params["project_name"]
    pipeline_id = check_pipeline_id(params.get("pipeline_id"))
    location = PipelineLocation(workspace, project_name, pipeline_id)
    if pipeline_id is not None:
        one = client.pipelines.find_pipeline(location)
        found = [one] if one is not None else []
    else:
        found = [pipeline for pipeline in client.pipelines.list_pipelines(location)
                 if params.get("name") is None or pipeline.get("name") == params["name"]]
    pipelines = []
    for pipeline in found:
        shown = mask_secrets(dict(pipeline))
        if params.get("export"):
            here = PipelineLocation(workspace, project_name, pipeline["id"])
            if "definition_source" not in pipeline or "execution_message_template" not in pipeline:
                pipeline = client.pipelines.get_pipeline(here)
                shown = mask_secrets(dict(pipeline))
            definition = export_settings(pipeline)
            if pipeline.get("definition_source") != "REMOTE":
                actions = []
                for entry in client.actions.list_actions(here):
                    whole = per_action.complete_entry(client.actions, here, entry)
                    if whole is not None:
                        actions.append(export_action(whole, project_name))
                definition["actions"] = actions
            shown["definition"] = definition
        pipelines.append(shown)
    return dict(changed=False, pipelines=pipelines)
