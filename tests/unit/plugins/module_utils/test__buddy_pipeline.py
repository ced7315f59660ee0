# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_pipeline's logic: validation before any request, the fewest moves, export, against fake clients."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_pipeline as model
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError

from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__buddy_action import FakeBuddy


class FakePipelines:
    def __init__(self, pipelines):
        self.pipelines = pipelines
        self.calls = []

    def list_pipelines(self, location):
        self.calls.append(("list_pipelines",))
        return copy.deepcopy(self.pipelines)

    def find_pipeline(self, location):
        self.calls.append(("find_pipeline", location.pipeline_id))
        return next((copy.deepcopy(p) for p in self.pipelines if p["id"] == location.pipeline_id), None)

    def get_pipeline(self, location):
        return self.find_pipeline(location)

    def create_pipeline(self, location, payload):
        self.calls.append(("create_pipeline", payload))
        created = dict(payload, id=99)
        self.pipelines.append(created)
        return created

    def edit_pipeline(self, location, payload):
        self.calls.append(("edit_pipeline", payload))
        return dict(self.find_pipeline(location), **payload)

    def delete_pipeline(self, location):
        self.calls.append(("delete_pipeline", location.pipeline_id))


class Client:
    def __init__(self, pipelines, actions=()):
        self.pipelines = FakePipelines(pipelines)
        self.actions = FakeBuddy(actions)


def params(**overrides):
    values = dict((name, None) for name in model.pipeline_argument_spec())
    values.update(workspace="acme", project_name="website", state="present", purge_actions=False, recreate=False,
                  update_password="on_create")
    values.update(overrides)
    return values


def sleep(name):
    return {"name": name, "type": "SLEEP", "fields": {"sleep_in_sec": 1}}


def seeded(*names):
    return [{"id": index + 1, "name": name, "type": "SLEEP", "sleep_in_sec": 1} for index, name in enumerate(names)]


@pytest.mark.parametrize("positions,kept", [
    ([0, 1, 2], [0, 1, 2]),
    ([2, 0, 1], [1, 2]),
    ([None, 0, None, 1], [1, 3]),
    ([3, 2, 1, 0], [3]),
    ([], []),
])
def test_longest_increasing_keeps_the_most_in_place(positions, kept):
    assert len(model.longest_increasing(positions)) == len(kept)
    run = model.longest_increasing(positions)
    assert [positions[i] for i in run] == sorted(positions[i] for i in run)


@pytest.mark.parametrize("current,wanted,moves", [
    (("A", "B", "C"), ("A", "B", "C"), 0),
    (("A", "B", "C"), ("B", "C", "A"), 1),
    (("A", "B", "C", "D"), ("A", "C", "B", "D"), 1),
    (("A", "B", "C", "D"), ("D", "A", "B", "C"), 2),   # the top needs one more: nothing goes "before"
    (("X", "A", "B", "D"), ("D", "A", "B"), 1),        # ... unless an undeclared action sits above
    (("A", "B", "C"), ("C", "B", "A"), 2),
])
def test_the_order_is_reached_with_the_fewest_moves(current, wanted, moves):
    client = Client([{"id": 5, "name": "Flow", "definition_source": "LOCAL"}], seeded(*current))
    result = model.ensure_pipeline(client, params(name="Flow", actions=[sleep(n) for n in wanted]))
    order = [action["name"] for action in client.actions.actions]
    assert [name for name in order if name in wanted] == list(wanted)
    assert len(client.actions.writes) == moves
    assert result["changed"] is bool(moves)


def test_check_mode_plans_exactly_what_a_real_run_does():
    wanted = [sleep("C"), sleep("New"), sleep("A")]
    checked_client = Client([{"id": 5, "name": "Flow"}], seeded("A", "B", "C"))
    checked = model.ensure_pipeline(checked_client, params(name="Flow", actions=wanted, purge_actions=True),
                                    check_mode=True, want_diff=True)
    assert checked_client.actions.writes == []
    real_client = Client([{"id": 5, "name": "Flow"}], seeded("A", "B", "C"))
    real = model.ensure_pipeline(real_client, params(name="Flow", actions=wanted, purge_actions=True), want_diff=True)
    assert checked["changes"] == real["changes"]
    assert checked["diff"]["after"]["order"] == real["diff"]["after"]["order"] == ["C", "New", "A"]
    assert [action["name"] for action in real_client.actions.actions] == ["C", "New", "A"]
    assert checked["changes"]["deleted"] == ["B"] and "B" in checked["diff"]["before"]["actions"]


@pytest.mark.parametrize("overrides,message", [
    (dict(actions=[sleep("A"), sleep("A")]), "both named 'A'"),
    (dict(actions=[{"name": " "}]), "may not be empty"),
    (dict(fields={"id": 3}), "the server sets them"),
    (dict(fields={"priority": "LOW"}), "options of this module"),
    (dict(actions=[sleep("A")], fields={"definition_source": "REMOTE"}), "definition lives in git"),
    (dict(pipeline_id=True), "positive integer"),
    (dict(actions=[{"name": "A", "type": "SANDBOX_MANAGE"}]), "actions[0] ('A')"),
])
def test_bad_input_fails_before_any_request(overrides, message):
    client = Client([])
    with pytest.raises(ValidationError) as caught:
        model.ensure_pipeline(client, params(**dict(dict(name="Flow"), **overrides)))
    assert message in caught.value.message
    assert client.pipelines.calls == [] and client.actions.calls == []


def test_a_new_action_without_type_fails_before_any_write():
    client = Client([{"id": 5, "name": "Flow"}], seeded("A"))
    with pytest.raises(ValidationError):
        model.ensure_pipeline(client, params(name="Flow", actions=[sleep("A"), {"name": "B"}]))
    assert client.actions.writes == []


def test_remote_pipeline_refuses_actions_and_two_of_a_name_fail():
    client = Client([{"id": 5, "name": "Flow", "definition_source": "REMOTE"}])
    with pytest.raises(OpsflowError) as caught:
        model.ensure_pipeline(client, params(name="Flow", actions=[sleep("A")]))
    assert "REMOTE" in caught.value.message
    twice = Client([{"id": 5, "name": "Flow"}, {"id": 6, "name": "Flow"}])
    with pytest.raises(OpsflowError) as caught:
        model.ensure_pipeline(twice, params(name="Flow"))
    assert "(ids 5, 6)" in caught.value.message


def test_export_leaves_out_defaults_read_only_fields_and_secrets():
    pipeline = {"id": 5, "url": "u", "name": "Flow", "priority": "NORMAL", "cpu": "ARM", "events": [],
                "definition_source": "LOCAL", "strict_context": True, "stale": False, "create_date": "x",
                "permissions": {"others": "DEFAULT", "users": [], "groups": []}}
    assert model.export_settings(pipeline) == {"name": "Flow", "cpu": "ARM", "fields": {"strict_context": True}}
    action = {"id": 1, "url": "u", "name": "Push", "type": "RUN_DOCKER_CONTAINER", "trigger_time": "ON_EVERY_EXECUTION",
              "docker_image_name": "app", "docker_image_tag": "latest", "working_directory": "/buddy/website",
              "password": "never", "pipeline": {"id": 5}, "custom": 1, "integration": {"identifier": "i", "name": "n"},
              "variables": [{"id": 3, "key": "K", "value": "secure!x", "encrypted": True, "type": "VAR"},
                            {"id": 4, "key": "P", "value": "v", "encrypted": False, "settable": False}]}
    assert model.export_action(action, "website") == {
        "name": "Push", "type": "RUN_DOCKER_CONTAINER", "docker_image_name": "app", "integration": "i",
        "variables": [{"key": "K", "encrypted": True}, {"key": "P", "value": "v"}], "fields": {"custom": 1}}


def test_after_action_id_makes_one_block_right_after_the_anchor():
    client = Client([{"id": 5, "name": "Flow"}], seeded("Checkout", "Build", "A", "B", "Notify"))
    result = model.ensure_pipeline(client, params(name="Flow", after_action_id=1, actions=[sleep("A"), sleep("B")]))
    assert [action["name"] for action in client.actions.actions] == ["Checkout", "A", "B", "Build", "Notify"]
    assert result["changes"]["moved"] == ["A", "B"] and len(client.actions.writes) == 2
    again = Client([{"id": 5, "name": "Flow"}], seeded("Checkout", "A", "B", "Build"))
    assert model.ensure_pipeline(again, params(name="Flow", after_action_id=1,
                                               actions=[sleep("A"), sleep("B")]))["changed"] is False


@pytest.mark.parametrize("overrides,message", [
    (dict(after_action_id=99), "that actions does not name"),
    (dict(after_action_id=2), "that actions does not name"),
])
def test_after_action_id_must_be_an_unnamed_action_and_not_purged(overrides, message):
    client = Client([{"id": 5, "name": "Flow"}], seeded("A", "B"))
    with pytest.raises(OpsflowError) as caught:
        model.ensure_pipeline(client, params(**dict(dict(name="Flow", actions=[sleep("B")]), **overrides)))
    assert message in caught.value.message and client.actions.writes == []


def test_after_action_id_with_purge_fails_before_any_request():
    client = Client([{"id": 5, "name": "Flow"}], seeded("A", "B"))
    with pytest.raises(ValidationError):
        model.ensure_pipeline(client, params(name="Flow", actions=[sleep("B")], after_action_id=1, purge_actions=True))
    assert client.pipelines.calls == [] and client.actions.calls == []


def test_the_export_knows_the_defaults_the_emulator_fills_in():
    """The export leaves out server defaults: every default the emulator fills in for a setting an export
    writes is in the plugin's tables (``refs`` stays in every export: it is what the pipeline runs for)."""
    from emulator import buddy, buddy_actions, buddy_pipelines
    server = dict(buddy.PIPELINE_DEFAULTS, **buddy_pipelines.CREATE_DEFAULTS)
    exported = set(model.SETTINGS) | set(model.EXTRA_SETTABLE)
    for key, value in server.items():
        if key in exported and key != "refs" and value not in ([], {}):
            assert model.SETTING_DEFAULTS.get(key) == value, key
    for key, value in buddy_actions.COMMON_DEFAULTS.items():
        assert model.ACTION_DEFAULTS.get(key) == value, key
    for action_type, defaults in buddy_actions.TYPE_DEFAULTS.items():
        for key, value in defaults.items():
            assert model.ACTION_TYPE_DEFAULTS[action_type].get(key) == value, (action_type, key)
