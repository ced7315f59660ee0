# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox_snapshot as Ansible runs it (main() with a fake client)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from ansible_collections.opsflow.pipelines.plugins.modules import buddy_sandbox_snapshot

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, compare_spec, module_doc, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__buddy_sandbox import RUNNING, FakeSandboxes
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_buddy_pipeline_run import TOKEN

BASE = dict(token=TOKEN, api_url="https://api.example.test", workspace="acme", project_name="website")


def test_documentation_matches_the_argument_spec():
    compare_spec(buddy_sandbox_snapshot.SPEC.argument_spec, module_doc(buddy_sandbox_snapshot)["options"])
    assert set(yaml.safe_load(buddy_sandbox_snapshot.RETURN)) == {"snapshot", "sandbox_id", "snapshots_deleted"}
    assert len(yaml.safe_load(buddy_sandbox_snapshot.EXAMPLES)) == 3


def test_create_then_reuse(capsys):
    fake = FakeSandboxes(RUNNING)
    args = dict(BASE, sandbox="web", name="golden", poll_interval=0.01)
    first, dummy = run_main(buddy_sandbox_snapshot, buddy_sandbox_snapshot.BuddyClient, buddy_client(sandboxes=fake),
                            capsys, args)
    again, dummy = run_main(buddy_sandbox_snapshot, buddy_sandbox_snapshot.BuddyClient, buddy_client(sandboxes=fake),
                            capsys, args)
    assert first["changed"] is True and again["changed"] is False
    assert first["snapshot"]["id"] == again["snapshot"]["id"] and first["sandbox_id"] == "sb1"
