# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The SANDBOX_MANAGE action type: start, stop, delete or snapshot sandboxes from a pipeline."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_base import ActionType, option

OPERATIONS = ("START", "STOP", "DELETE", "APP_START", "APP_RESTART", "APP_STOP", "CREATE_SNAPSHOT")


class SandboxManage(ActionType):
    name = "SANDBOX_MANAGE"
    summary = "starts, stops, deletes or snapshots sandboxes, or their apps."
    options = {
        "operation": option("str", "What to do to the target sandboxes.", choices=OPERATIONS, required_for_type=True),
        "targets": option(
            "list", "The sandboxes to act on. The list is compared item by item, in order.", elements="dict",
            required_for_type=True, suboptions={
                "identifier": option("str", "The sandbox identifier to match (with O(targets[].type=MATCH))."),
                "scope": option("str", "Where to look for the sandboxes.", choices=("ANY", "PROJECT", "WORKSPACE")),
                "type": option("str", "Match by identifier (V(MATCH)) or by tags (V(TAG)).", choices=("MATCH", "TAG")),
                "tags": option("list", "Tags to match (with O(targets[].type=TAG)).", elements="str"),
            }),
        "snapshot_name": option("str", "The name of the snapshot to make with O(operation=CREATE_SNAPSHOT); may use "
                                "Buddy variables such as C($BUDDY_RUN_ID)."),
    }
