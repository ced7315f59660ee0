# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The API fields every Buddy action has, whatever its type: declared once, with their docs.

buddy_action takes them as options; buddy_pipeline takes them in each item of
``actions``. Like the type options, each is declared with ``option()``, so its
argument spec entry and its documentation come from here.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Mapping, Optional

from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_base import VARIABLE_SUBOPTIONS, option
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError

TRIGGER_TIMES = ("ON_EVERY_EXECUTION", "ON_SUCCESS", "ON_FAILURE", "ON_BACK_TO_SUCCESS", "ON_WARNING",
                 "ON_WAIT_FOR_APPROVE", "ON_TERMINATE")
RUN_NEXT = ("WAIT_ON_SUCCESS", "IN_SOFT_PARALLEL", "IN_HARD_PARALLEL")
# Every trigger condition a public source names (Go SDK / Terraform provider, and the 2026 API docs' additions).
TRIGGER_CONDITIONS = ("ON_CHANGE", "ON_CHANGE_AT_PATH", "VAR_IS", "VAR_IS_NOT", "VAR_CONTAINS", "VAR_NOT_CONTAINS",
                      "VAR_LESS_THAN", "VAR_LESS_THAN_OR_EQUAL", "VAR_GREATER_THAN", "VAR_GREATER_THAN_OR_EQUAL",
                      "DATETIME", "DAY", "HOUR", "SUCCESS_PIPELINE", "TRIGGERING_USER_IS", "TRIGGERING_USER_IS_NOT",
                      "TRIGGERING_USER_IS_IN_GROUP", "TRIGGERING_USER_IS_NOT_IN_GROUP", "OR")
# Options that count something (seconds, retries): never below 0.
NON_NEGATIVE_FIELDS = ("timeout", "retry_count", "retry_interval")

_PERMISSION_ENTRY = {
    "id": option("int", "The user's or group's ID.", required=True),
    "access_level": option("str", "Access level, for example V(DENIED), V(READ_ONLY), V(RUN_ONLY) or V(MANAGE).",
                           required=True),
}

COMMON_FIELDS = {
    "trigger_time": option("str", "When the action runs. The server's default is V(ON_EVERY_EXECUTION).",
                           choices=TRIGGER_TIMES),
    "trigger_conditions": option(
        "list", "Conditions that must all be met for the action to run.", "The list is compared item by item, in order.",
        elements="dict", suboptions={
            "trigger_condition": option(
                "str", "The kind of condition, for example V(ON_CHANGE), V(ON_CHANGE_AT_PATH), V(VAR_IS), V(VAR_IS_NOT), "
                "V(VAR_CONTAINS), V(VAR_NOT_CONTAINS), V(DATETIME), V(SUCCESS_PIPELINE), V(TRIGGERING_USER_IS) or "
                "V(TRIGGERING_USER_IS_IN_GROUP).", required=True),
            "trigger_condition_paths": option("list", "Paths for V(ON_CHANGE_AT_PATH).", elements="str"),
            "trigger_variable_key": option("str", "Variable name for the C(VAR_*) conditions.", no_log=False),
            "trigger_variable_value": option("str", "Value for the C(VAR_*) conditions."),
            "trigger_hours": option("list", "Hours (0-23) for V(DATETIME).", elements="int"),
            "trigger_days": option("list", "Days of the week (1 is Monday) for V(DATETIME).", elements="int"),
            "zone_id": option("str", "Time zone for V(DATETIME), for example V(Europe/Warsaw)."),
            "timezone": option("str", "Time zone for V(DATETIME) in newer API versions."),
            "trigger_project_name": option("str", "Project of the pipeline for V(SUCCESS_PIPELINE)."),
            "trigger_pipeline_name": option("str", "Pipeline for V(SUCCESS_PIPELINE)."),
            "trigger_user": option("str", "User (email) for V(TRIGGERING_USER_IS) and V(TRIGGERING_USER_IS_NOT)."),
            "trigger_group": option("str", "Group for V(TRIGGERING_USER_IS_IN_GROUP) and "
                                    "V(TRIGGERING_USER_IS_NOT_IN_GROUP)."),
        }),
    "run_next": option("str", "Whether the next action waits for this one (V(WAIT_ON_SUCCESS)) or runs in parallel "
                       "with it.", choices=RUN_NEXT),
    "run_only_on_first_failure": option(
        "bool", "With V(true) the action runs only on the first failure, not on each one.",
        "Only with O(trigger_time=ON_FAILURE) (set in the task or already on the action); otherwise the task fails "
        "before any change."),
    "variables": option(
        "list", "Environment variables of the action. The list is compared item by item, in order.",
        "The value of a variable with O(variables[].encrypted=true) is a secret; see O(update_password).",
        elements="dict", suboptions=VARIABLE_SUBOPTIONS),
    "disabled": option("bool", "Whether the action is disabled."),
    "timeout": option("int", "The action's timeout in seconds."),
    "ignore_errors": option("bool", "Whether a failure of this action only marks it as a warning and the run goes on."),
    "retry_count": option("int", "How many times a failed action is retried."),
    "retry_interval": option("int", "Seconds between retries."),
    "loop": option("list", "Values (or variable names) the action is run in a loop for.", elements="str"),
    "permissions": option(
        "dict", "Who may see and run the action (not every action type has permissions).", suboptions={
            "others": option("str", "Access level of everyone not listed, for example V(DEFAULT), V(DENIED), "
                             "V(READ_ONLY) or V(RUN_ONLY)."),
            "users": option("list", "Access of single users.", elements="dict", suboptions=_PERMISSION_ENTRY),
            "groups": option("list", "Access of groups.", elements="dict", suboptions=_PERMISSION_ENTRY),
        }),
}


def check_common_values(fields: Mapping[str, Any]) -> None:
    """Value rules of the common fields the argument spec can't express, checked before any request.

    Counts and durations are never negative; every trigger condition is one a
    public source names; each variable has a key, and no key twice.
    """
    problems = []
    options = []
    negative = [name for name in NON_NEGATIVE_FIELDS
                if isinstance(fields.get(name), int) and not isinstance(fields.get(name), bool) and fields[name] < 0]
    if negative:
        problems.append("%s may not be negative (got %s)" % (
            ", ".join(negative), ", ".join(str(fields[name]) for name in negative)))
        options.extend(negative)
    conditions = fields.get("trigger_conditions") or []
    unknown = [item.get("trigger_condition") for item in conditions
               if isinstance(item, Mapping) and item.get("trigger_condition") not in TRIGGER_CONDITIONS]
    if unknown:
        problems.append("trigger_conditions[].trigger_condition %s unknown (%s); known: %s" % (
            "is" if len(unknown) == 1 else "are", ", ".join(repr(value) for value in unknown),
            ", ".join(TRIGGER_CONDITIONS)))
        options.append("trigger_conditions")
    keys = [item.get("key") for item in fields.get("variables") or [] if isinstance(item, Mapping)]
    blank = [key for key in keys if not isinstance(key, str) or not key.strip()]
    twice = sorted(set(key for key in keys if isinstance(key, str) and key.strip() and keys.count(key) > 1))
    if blank:
        problems.append("variables[].key may not be empty")
    if twice:
        problems.append("variables holds the key%s %s more than once" % ("" if len(twice) == 1 else "s", ", ".join(twice)))
    if blank or twice:
        options.append("variables")
    if problems:
        raise ValidationError("; ".join(problems), options=options)


def check_first_failure(trigger_time: Optional[str], fields: Mapping[str, Any]) -> None:
    """run_only_on_first_failure means something only for an action that runs ON_FAILURE."""
    if "run_only_on_first_failure" in fields and trigger_time != "ON_FAILURE":
        raise ValidationError("run_only_on_first_failure applies only with trigger_time: ON_FAILURE, and the "
                              "action's trigger_time is %s" % (trigger_time or "unset (ON_EVERY_EXECUTION)"),
                              options=["run_only_on_first_failure"])
