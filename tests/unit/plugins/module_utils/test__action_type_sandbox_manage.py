# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SANDBOX_MANAGE: what it requires and allows."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_sandbox_manage import SandboxManage

TYPE = SandboxManage()


def test_registered():
    assert isinstance(registry.get_type("SANDBOX_MANAGE"), SandboxManage)


def test_operation_and_targets_required():
    assert TYPE.required == ("operation", "targets")
    assert TYPE.check({"operation": "STOP", "targets": [{"identifier": "preview"}]}, full=True) == []
    assert TYPE.check({"snapshot_name": "s"}, full=True) == [
        ("type SANDBOX_MANAGE requires these options: operation, targets", ["operation", "targets"])]
    assert TYPE.check({"snapshot_name": "s"}, full=False) == []


def test_operations_and_target_suboptions():
    assert "CREATE_SNAPSHOT" in TYPE.choices("operation")
    targets = TYPE.options["targets"]["suboptions"]
    assert targets["type"]["choices"] == ["MATCH", "TAG"]
    assert targets["scope"]["choices"] == ["ANY", "PROJECT", "WORKSPACE"]
    assert len(TYPE.check({"operation": "REBOOT", "targets": []}, full=True)) == 1
