# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_variable_info as Ansible runs it (main() with a fake client): docs, one list, masking."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from ansible_collections.opsflow.pipelines.plugins.modules import buddy_variable_info

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, check_module_docs, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__buddy_variable import (
    CIPHER,
    ENCRYPTED,
    PLAIN,
    FakeActions,
    FakeVariables,
)
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_buddy_pipeline_run import TOKEN

BASE = dict(token=TOKEN, api_url="https://api.example.test", workspace="acme")


def run_module(variables, capsys, actions=None, **args):
    client = buddy_client(variables=variables, actions=actions or FakeActions())
    return run_main(buddy_variable_info, buddy_variable_info.BuddyClient, client, capsys, dict(BASE, **args))


def test_documentation_matches_the_argument_spec():
    check_module_docs(buddy_variable_info, "opsflow.pipelines._attributes.INFO_MODULE")
    assert set(yaml.safe_load(buddy_variable_info.RETURN)) == {"variables"}


def test_one_list_plain_values_shown_ciphertext_masked(capsys):
    variables = FakeVariables(PLAIN, ENCRYPTED, dict(PLAIN, id=8, project={"name": "website"}))
    result, out = run_module(variables, capsys)
    assert result["changed"] is False
    assert variables.calls == [("list", "workspace")]
    assert [(item["key"], item["value"]) for item in result["variables"]] == [("K", "old-value"), ("S", "********")]
    assert CIPHER not in out


def test_action_scope_checks_the_action_then_lists(capsys):
    variables, actions = FakeVariables(), FakeActions(known=(1001,))
    result, _out = run_module(variables, capsys, actions=actions, project_name="website", pipeline_id=3,
                              action_id=1001, key="K")
    assert result["variables"] == []
    assert actions.calls == [("get_action", 3, 1001)] and variables.calls == [("list", "action 1001")]
