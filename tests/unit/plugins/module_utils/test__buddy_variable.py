# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_variable's logic over a fake client: validation, comparison, value handling, moves, diffs, masking."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_variable as logic
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_variables import VariableScope
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError

SECRET = "Top-Secret-31f9"
CIPHER = "secure!c1ph3r"


class FakeVariables:
    """The variables client over a list of stored variables; records every call."""

    def __init__(self, *stored):
        self.stored = [copy.deepcopy(item) for item in stored]
        self.calls = []
        self.fail_delete = False

    def find_variables(self, workspace, scope, key=None):
        self.calls.append(("list", scope.describe()))
        return [copy.deepcopy(item) for item in self.stored
                if scope.matches(item) and (key is None or item["key"] == key)]

    def create_variable(self, workspace, scope, payload):
        self.calls.append(("create", copy.deepcopy(payload)))
        created = dict(payload, id=100 + len(self.calls))
        if created.get("encrypted"):
            created["value"] = CIPHER
        self.stored.append(created)
        return copy.deepcopy(created)

    def edit_variable(self, workspace, variable_id, payload):
        self.calls.append(("edit", variable_id, copy.deepcopy(payload)))
        [item] = [item for item in self.stored if item["id"] == variable_id]
        item.update(payload)
        return copy.deepcopy(item)

    def delete_variable(self, workspace, variable_id):
        self.calls.append(("delete", variable_id))
        if self.fail_delete:
            raise OpsflowError("DELETE failed with HTTP 500")


class FakeActions:
    def __init__(self, known=(1001,)):
        self.known = known
        self.calls = []

    def get_action(self, location, action_id):
        self.calls.append(("get_action", location.pipeline_id, action_id))
        return {"id": action_id} if action_id in self.known else None


class FakePipelines:
    """The project's pipelines, for look-ups by name."""

    def __init__(self):
        self.calls = []

    def list_pipelines(self, location):
        self.calls.append(("list_pipelines", location.project_name))
        return [{"id": 12, "name": "Release"}, {"id": 13, "name": "Nightly"}]


class FakeClient:
    def __init__(self, *stored, **kwargs):
        self.variables = FakeVariables(*stored)
        self.actions = FakeActions(**kwargs)
        self.pipelines = FakePipelines()


def params(**given):
    base = dict((name, None) for name in list(logic.VARIABLE_SPEC.argument_spec))
    base.update(workspace="acme", state="present", update_value="on_create")
    base.update(given)
    return base


def writes(client):
    return [call for call in client.variables.calls if call[0] != "list"]


# --- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("given, message", [
    (dict(key="K", action_id=5, project_name="p"), "action_id needs the pipeline"),
    (dict(key="K", pipeline_id=2), "pipeline_id needs project_name"),
    (dict(key="K", pipeline_id=-1, project_name="p"), "pipeline_id must be the ID of a pipeline, a positive integer"),
    (dict(key="K", previous_scope=dict(project_name=None, pipeline_id=3, action_id=None)),
     "previous_scope.pipeline_id needs previous_scope.project_name"),
    (dict(key="K", previous_key="K"), "name this variable itself"),
    (dict(key="K", previous_key="J", state="absent"), "can't be used with state: absent"),
    (dict(key="K", type="VAR", file_chmod="600"), "not to type VAR"),
    (dict(key="K", type="FILE", run_only_settable=True), "type VAR only"),
    (dict(key=" "), "key may not be empty"),
    (dict(key="K", project_name="p", pipeline_id=2, pipeline_name="Release"), "both name a pipeline"),
    (dict(key="K", pipeline_name="Release"), "pipeline_name needs project_name"),
    (dict(key="K", project_name="p", pipeline_name=" "), "pipeline_name may not be empty"),
    (dict(key="K", project_name="p", pipeline_id=True), "a positive integer"),
    (dict(key="K", project_name="p", pipeline_id=2, action_id=False), "a positive integer"),
    (dict(key="K", project_name="p", pipeline_name="Release", previous_key="K",
          previous_scope=dict(project_name="p", pipeline_id=None, pipeline_name="Release", action_id=None)),
     "name this variable itself"),
])
def test_bad_input_is_refused_before_any_call(given, message):
    client = FakeClient()
    with pytest.raises(ValidationError) as caught:
        logic.ensure_variable(client, params(**given))
    assert message in caught.value.message
    assert client.variables.calls == [] and client.actions.calls == [] and client.pipelines.calls == []


def test_previous_key_alone_keeps_the_scope_and_an_empty_previous_scope_is_the_workspace():
    request = logic.VariableRequest(params(key="NEW", previous_key="OLD", project_name="p"))
    assert request.replaces == ("OLD", VariableScope("p"))
    request = logic.VariableRequest(params(key="K", project_name="p", previous_scope={}))
    assert request.replaces == ("K", VariableScope())


# --- create --------------------------------------------------------------------------------------

def test_create_sends_the_scope_object_and_defaults_the_type():
    client = FakeClient()
    result = logic.ensure_variable(client, params(key="K", value=SECRET, project_name="p", encrypted=True,
                                                  description="d"), want_diff=True)
    assert writes(client) == [("create", {"key": "K", "value": SECRET, "type": "VAR", "encrypted": True,
                                          "description": "d", "project": {"name": "p"}})]
    assert result["changed"] is True
    assert result["variable"]["value"] == "********"
    assert result["diff"] == {"before": {}, "after": {
        "key": "K", "scope": "project p", "type": "VAR", "encrypted": True, "description": "d", "value": "********"}}
    assert SECRET not in json.dumps(result) and CIPHER not in json.dumps(result)


def test_create_without_value_fails_before_any_write():
    client = FakeClient()
    with pytest.raises(ValidationError) as caught:
        logic.ensure_variable(client, params(key="K"))
    assert "value is required to create it" in caught.value.message
    assert writes(client) == []


def test_action_variable_is_checked_against_its_pipeline_before_the_create():
    client = FakeClient(known=())
    with pytest.raises(ValidationError) as caught:
        logic.ensure_variable(client, params(key="K", value="v1", project_name="p", pipeline_id=2, action_id=1001))
    assert "pipeline 2 of project p has no action with id 1001" in caught.value.message
    assert writes(client) == []
    client = FakeClient()
    logic.ensure_variable(client, params(key="K", value="v1", project_name="p", pipeline_id=2, action_id=1001))
    assert client.actions.calls == [("get_action", 2, 1001)]
    assert writes(client)[0][1]["action"] == {"id": 1001}


def test_check_mode_create_writes_nothing_and_predicts():
    client = FakeClient()
    result = logic.ensure_variable(client, params(key="K", value="v1"), check_mode=True)
    assert result["changed"] is True and writes(client) == []
    assert result["variable"] == {"key": "K", "value": "********", "type": "VAR"}


# --- update --------------------------------------------------------------------------------------

PLAIN = {"id": 1, "key": "K", "value": "old-value", "type": "VAR", "encrypted": False, "settable": False,
         "description": ""}
ENCRYPTED = {"id": 2, "key": "S", "value": CIPHER, "type": "VAR", "encrypted": True, "settable": False,
             "description": ""}


def test_nothing_differs_nothing_is_written():
    client = FakeClient(PLAIN)
    result = logic.ensure_variable(client, params(key="K", value="old-value", settable=False), want_diff=True)
    assert result["changed"] is False and writes(client) == []
    assert result["diff"]["before"] == result["diff"]["after"]
    assert client.variables.calls == [("list", "workspace")]


def test_a_plain_value_that_differs_is_sent_with_the_key_and_marked_changed():
    client = FakeClient(PLAIN)
    result = logic.ensure_variable(client, params(key="K", value="new-value", description="d"), want_diff=True)
    assert writes(client) == [("edit", 1, {"key": "K", "description": "d", "value": "new-value"})]
    assert result["diff"]["before"]["value"] == "********"
    assert result["diff"]["after"]["value"] == "******** (changed)"
    assert "new-value" not in json.dumps(result) and "old-value" not in json.dumps(result)


def test_an_encrypted_value_is_not_compared_unless_always():
    client = FakeClient(ENCRYPTED)
    result = logic.ensure_variable(client, params(key="S", value=SECRET, encrypted=True))
    assert result["changed"] is False and writes(client) == []
    result = logic.ensure_variable(client, params(key="S", value=SECRET, update_value="always"), want_diff=True)
    assert writes(client) == [("edit", 2, {"key": "S", "value": SECRET})]
    assert result["diff"]["after"]["value"] == "******** (sent)"
    assert SECRET not in json.dumps(result)


@pytest.mark.parametrize("found, wanted", [(PLAIN, True), (dict(ENCRYPTED, key="K"), False)])
def test_turning_encryption_on_or_off_sends_the_value_and_needs_it(found, wanted):
    client = FakeClient(found)
    with pytest.raises(ValidationError) as caught:
        logic.ensure_variable(client, params(key="K", encrypted=wanted))
    assert "set value too" in caught.value.message and writes(client) == []
    logic.ensure_variable(client, params(key="K", encrypted=wanted, value="v2"))
    assert writes(client) == [("edit", found["id"], {"key": "K", "encrypted": wanted, "value": "v2"})]


def test_a_type_change_is_refused():
    client = FakeClient(PLAIN)
    with pytest.raises(ValidationError) as caught:
        logic.ensure_variable(client, params(key="K", type="SSH_KEY"))
    assert "can't be changed" in caught.value.message and writes(client) == []


def test_check_mode_update_predicts_without_writing():
    client = FakeClient(PLAIN)
    result = logic.ensure_variable(client, params(key="K", settable=True), check_mode=True)
    assert result["changed"] is True and writes(client) == []
    assert result["variable"]["settable"] is True and result["variable"]["value"] == "********"


# --- absent --------------------------------------------------------------------------------------

def test_absent_deletes_only_the_scope_own_variable():
    client = FakeClient(PLAIN, dict(PLAIN, id=9, project={"name": "p"}))
    result = logic.ensure_variable(client, params(key="K", project_name="p", state="absent"), want_diff=True)
    assert writes(client) == [("delete", 9)]
    assert result["diff"]["before"]["scope"] == "project p" and result["diff"]["after"] == {}
    result = logic.ensure_variable(FakeClient(PLAIN), params(key="K", project_name="p", state="absent"))
    assert result["changed"] is False


# --- moves and renames ---------------------------------------------------------------------------

def test_move_creates_in_the_new_scope_with_the_old_settings_then_deletes_the_old():
    old = dict(PLAIN, id=5, settable=True, description="was here", pipeline={"id": 2})
    client = FakeClient(old)
    result = logic.ensure_variable(client, params(key="K", project_name="p",
                                                  previous_scope=dict(project_name="p", pipeline_id=2, action_id=None)),
                                   want_diff=True)
    assert writes(client) == [
        ("create", {"key": "K", "value": "old-value", "type": "VAR", "encrypted": False, "settable": True,
                    "description": "was here", "project": {"name": "p"}}),
        ("delete", 5)]
    assert result["replaced_variable_id"] == 5
    assert result["diff"]["before"]["scope"] == "pipeline 2" and result["diff"]["after"]["scope"] == "project p"
    assert client.variables.calls[:2] == [("list", "project p"), ("list", "pipeline 2")]


def test_rename_in_one_scope_reads_one_list():
    client = FakeClient(dict(PLAIN, key="OLD"))
    logic.ensure_variable(client, params(key="NEW", previous_key="OLD"))
    assert [call[0] for call in client.variables.calls] == ["list", "create", "delete"]


def test_a_done_move_is_a_plain_task_and_both_existing_deletes_the_old():
    client = FakeClient(PLAIN)
    result = logic.ensure_variable(client, params(key="K", previous_key="OLD", value="old-value"))
    assert result["changed"] is False and writes(client) == []
    client = FakeClient(PLAIN, dict(PLAIN, id=7, key="OLD"))
    result = logic.ensure_variable(client, params(key="K", previous_key="OLD", value="old-value"), want_diff=True)
    assert writes(client) == [("delete", 7)] and result["changed"] is True
    assert result["diff"]["before"]["replaces"]["key"] == "OLD"


def test_an_encrypted_previous_value_cant_be_carried_over():
    client = FakeClient(dict(ENCRYPTED, key="OLD"))
    with pytest.raises(ValidationError) as caught:
        logic.ensure_variable(client, params(key="NEW", previous_key="OLD"))
    assert "its value can't be copied" in caught.value.message and writes(client) == []


def test_a_failed_delete_of_the_old_variable_says_what_exists():
    client = FakeClient(dict(PLAIN, key="OLD"))
    client.variables.fail_delete = True
    with pytest.raises(OpsflowError) as caught:
        logic.ensure_variable(client, params(key="NEW", previous_key="OLD"))
    assert "exists (id" in caught.value.message and caught.value.details["replaced_variable_id"] == 1
    assert caught.value.details["variable"]["value"] == "********"


# --- info ----------------------------------------------------------------------------------------

def test_info_masks_encrypted_values_and_keys_and_shows_plain_ones():
    key = {"id": 3, "key": "DEPLOY_KEY", "value": "-----BEGIN-----", "type": "SSH_KEY", "encrypted": False,
           "passphrase": "pp"}
    client = FakeClient(PLAIN, ENCRYPTED, key, dict(PLAIN, id=4, project={"name": "p"}))
    result = logic.variable_info(client, params(key=None))
    assert [(item["key"], item["value"]) for item in result["variables"]] == [
        ("K", "old-value"), ("S", "********"), ("DEPLOY_KEY", "********")]
    assert result["variables"][2]["passphrase"] == "********"
    one = logic.variable_info(client, params(key="S"))
    assert [item["id"] for item in one["variables"]] == [2]


# --- pipelines by name ---------------------------------------------------------------------------

def test_a_pipeline_name_is_looked_up_once_then_the_variables_are_read():
    client = FakeClient(dict(PLAIN, pipeline={"id": 12}))
    result = logic.ensure_variable(client, params(key="K", value="old-value", project_name="p",
                                                  pipeline_name="Release"), want_diff=True)
    assert result["changed"] is False and writes(client) == []
    assert client.pipelines.calls == [("list_pipelines", "p")]
    assert client.variables.calls == [("list", "pipeline 12")]
    assert result["diff"]["before"]["scope"] == "pipeline 12"


def test_an_action_of_a_pipeline_given_by_name_is_checked_in_that_pipeline():
    client = FakeClient()
    logic.ensure_variable(client, params(key="K", value="v1", project_name="p", pipeline_name="Nightly",
                                         action_id=1001))
    assert client.actions.calls == [("get_action", 13, 1001)]
    assert writes(client)[0][1]["action"] == {"id": 1001}


def test_an_unknown_pipeline_name_fails_listing_the_project_pipelines():
    client = FakeClient()
    with pytest.raises(OpsflowError) as caught:
        logic.ensure_variable(client, params(key="K", value="v1", project_name="p", pipeline_name="Deploy"))
    assert "no pipeline named 'Deploy'" in caught.value.message and "'Release' (id 12)" in caught.value.message
    assert client.variables.calls == []


def test_a_move_to_the_same_pipeline_by_name_is_refused_once_the_name_is_known():
    client = FakeClient()
    with pytest.raises(ValidationError) as caught:
        logic.ensure_variable(client, params(key="K", project_name="p", pipeline_name="Release",
                                             previous_scope=dict(project_name="p", pipeline_id=12,
                                                                 pipeline_name=None, action_id=None)))
    assert "name this variable itself" in caught.value.message
    assert client.variables.calls == []


def test_info_by_pipeline_name():
    client = FakeClient(dict(PLAIN, pipeline={"id": 13}), dict(PLAIN, id=3, pipeline={"id": 12}))
    result = logic.variable_info(client, params(key=None, project_name="p", pipeline_name="Nightly"))
    assert [item["id"] for item in result["variables"]] == [1]
