# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action_info as Ansible runs it: arguments, documentation, read-only behaviour."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from ansible_collections.opsflow.pipelines.plugins.modules import buddy_action_info

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, compare_spec, module_doc, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__buddy_action import FakeBuddy
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_buddy_action import BASE, TOKEN

ACTIONS = [
    {"id": 1, "name": "Build", "type": "BUILD"},
    {"id": 2, "name": "Deploy", "type": "RUN_DOCKER_CONTAINER", "docker_image_name": "x",
     "variables": [{"key": "S", "value": "secure!abc", "encrypted": True}]},
    {"id": 3, "name": "Build", "type": "SLEEP"},
]


def run_module(module, client, capsys, **args):
    """main() with BASE and ``args``, ``client`` (the actions fake) standing in for BuddyClient's actions."""
    return run_main(module, module.BuddyClient, buddy_client(actions=client, pipelines=None), capsys, dict(BASE, **args))


def test_documentation_matches_the_argument_spec():
    own = yaml.safe_load(buddy_action_info.DOCUMENTATION)
    doc = module_doc(buddy_action_info)
    compare_spec(buddy_action_info.SPEC.argument_spec, doc["options"])
    assert "opsflow.pipelines._attributes.INFO_MODULE" in own["extends_documentation_fragment"]
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["version_added"] == "0.1.0"
    assert yaml.safe_load(buddy_action_info.EXAMPLES)
    assert set(yaml.safe_load(buddy_action_info.RETURN)) == {"actions"}


def test_lists_everything_in_order(capsys):
    client = FakeBuddy(ACTIONS)
    result, out = run_module(buddy_action_info, client, capsys)
    assert result["changed"] is False
    assert [action["id"] for action in result["actions"]] == [1, 2, 3]
    assert result["actions"][1]["variables"][0]["value"] == "********"
    assert "secure!abc" not in out
    assert TOKEN not in out
    assert client.writes == []


def test_by_name_returns_every_match(capsys):
    client = FakeBuddy(ACTIONS)
    result, dummy = run_module(buddy_action_info, client, capsys, name="Build")
    assert [action["id"] for action in result["actions"]] == [1, 3]


def test_by_id_is_one_get_and_works_in_check_mode(capsys):
    client = FakeBuddy(ACTIONS)
    result, dummy = run_module(buddy_action_info, client, capsys, action_id=2, _ansible_check_mode=True)
    assert [action["id"] for action in result["actions"]] == [2]
    assert client.calls == [("get_action", 2)]


def test_action_id_and_name_are_mutually_exclusive(capsys):
    client = FakeBuddy(ACTIONS)
    result, dummy = run_module(buddy_action_info, client, capsys, action_id=2, name="Build")
    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
    assert client.calls == []
