# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action's model and logic: validation before any request, look-up, compare, decide, write.

The client is an in-memory stand-in that behaves like the API where it matters (server
defaults, enriched nested objects, write-only secrets, short list entries, placement), or a
``Mock(spec=BuddyActionsClient)`` where only the calls count.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from unittest.mock import Mock

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_action as model
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_actions import BuddyActionsClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    OpsflowError,
    ValidationError,
)

LOCATION = PipelineLocation("acme", "website", 7)
SHORT_KEYS = ("url", "html_url", "id", "name", "type", "trigger_time", "run_next", "disabled", "last_execution_status")
WRITE_CALLS = ("add_action", "edit_action", "delete_action")


class FakeBuddy:
    """One pipeline's actions, kept like the server keeps them; every call is recorded."""

    def __init__(self, actions=(), short_list=False):
        self.actions = []
        self.secrets = {}
        self.calls = []
        self.short_list = short_list
        self.next_id = 100
        for action in actions:
            self._store(copy.deepcopy(action), None)

    # --- what the server does to what it stores -------------------------------------------
    def _store(self, fields, after):
        fields = copy.deepcopy(fields)
        fields.pop("after_action_id", None)
        action_id = fields.pop("id", None)
        if action_id is None:
            action_id = self.next_id
            self.next_id += 1
        password = fields.pop("password", None)
        if password is not None:
            self.secrets[action_id] = password
        stored = {"id": action_id, "url": "https://api.example.test/actions/%s" % action_id,
                  "trigger_time": "ON_EVERY_EXECUTION", "run_next": "WAIT_ON_SUCCESS", "disabled": False,
                  "last_execution_status": "INITIAL", "pipeline": {"id": 7, "name": "Deploy"}}
        stored.update(fields)
        self._enrich(stored)
        self._place(stored, after)
        return stored

    @staticmethod
    def _enrich(stored):
        if stored.get("type") == "RUN_DOCKER_CONTAINER":
            stored.setdefault("shell", "SH")
            stored.setdefault("docker_image_tag", "latest")
        if isinstance(stored.get("integration"), dict):
            stored["integration"] = dict(stored["integration"], hash_id=stored["integration"]["identifier"],
                                         name="An integration", type="AMAZON")
        for variable in stored.get("variables") or []:
            variable.setdefault("type", "VAR")
            variable.setdefault("encrypted", False)
            variable.setdefault("settable", False)
            if variable["encrypted"] and not str(variable.get("value", "")).startswith("secure!"):
                variable["value"] = "secure!" + str(len(variable.get("value", "")))
        for target in stored.get("targets") or []:
            target.setdefault("scope", "ANY")
            target.setdefault("type", "MATCH")

    def _index(self, action_id):
        for index, action in enumerate(self.actions):
            if action["id"] == action_id:
                return index
        return -1

    def _place(self, stored, after):
        if after is None:
            self.actions.append(stored)
        else:
            self.actions.insert(self._index(after) + 1, stored)

    def by_id(self, action_id):
        return self.actions[self._index(action_id)] if self._index(action_id) >= 0 else None

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in WRITE_CALLS]

    # --- BuddyClient ---------------------------------------------------------------------
    def list_actions(self, location):
        self.calls.append(("list_actions",))
        actions = copy.deepcopy(self.actions)
        if self.short_list:
            actions = [dict((key, action[key]) for key in SHORT_KEYS if key in action) for action in actions]
        return actions

    def get_action(self, location, action_id):
        self.calls.append(("get_action", action_id))
        found = self.by_id(action_id)
        return copy.deepcopy(found) if found is not None else None

    def add_action(self, location, payload, exclude_ids=()):
        self.calls.append(("add_action", copy.deepcopy(payload), tuple(exclude_ids)))
        return copy.deepcopy(self._store(payload, payload.get("after_action_id")))

    def edit_action(self, location, action_id, payload):
        self.calls.append(("edit_action", action_id, copy.deepcopy(payload)))
        stored = self.by_id(action_id)
        fields = copy.deepcopy(payload)
        after = fields.pop("after_action_id", None)
        password = fields.pop("password", None)
        if password is not None:
            self.secrets[action_id] = password
        stored.update(fields)
        self._enrich(stored)
        if after is not None:
            self.actions.pop(self._index(action_id))
            self._place(stored, after)
        return copy.deepcopy(stored)

    def delete_action(self, location, action_id):
        self.calls.append(("delete_action", action_id))
        index = self._index(action_id)
        if index >= 0:
            self.actions.pop(index)


def params(**overrides):
    """Module params as AnsibleModule hands them over: every option present, unset ones None."""
    values = dict((name, None) for name in model.action_argument_spec())
    values.update(workspace="acme", project_name="website", pipeline_id=7, state="present", recreate=False,
                  update_password="on_create")
    values.update(overrides)
    return values


DOCKER = dict(name="Run tests", type="RUN_DOCKER_CONTAINER", docker_image_name="library/python",
              docker_image_tag="3.12", execute_commands=["pytest"])
MANAGE = dict(name="Stop sandboxes", type="SANDBOX_MANAGE", operation="STOP",
              targets=[{"identifier": "preview", "scope": None, "type": None, "tags": None}])
BLACKFIRE = dict(name="Profile", type="BLACKFIRE_PYTHON", version="3.12", integration="bf1",
                 execute_commands=["blackfire run python app.py"])
CREATE = dict(name="Create sandbox", type="SANDBOX_CREATE", **{"from": "SCRATCH"})
CREATE["spec"] = {"identifier": "preview", "os": "ubuntu:24.04"}


def merged(base, **changes):
    """``base`` with ``changes`` (a function, so linters don't mistake keys for repeated arguments)."""
    result = dict(base)
    result.update(changes)
    return result


def existing(**fields):
    action = {"id": 10, "name": "Build", "type": "BUILD"}
    action.update(fields)
    return action


def ensure(client, check_mode=False, diff=True, **overrides):
    return model.ensure_action(client, params(**overrides), check_mode=check_mode, want_diff=diff)


# ---------------------------------------------------------------------------------------------
# Validation: fails before any request
# ---------------------------------------------------------------------------------------------

def no_request_client():
    return Mock(spec=BuddyActionsClient)


@pytest.mark.parametrize("overrides, fragment, options", [
    (dict(BLACKFIRE, version=None), "type BLACKFIRE_PYTHON requires this option: version", ["version"]),
    (dict(BLACKFIRE, version=None, integration=None, execute_commands=None),
     "requires these options: execute_commands, version, integration", ["execute_commands", "version", "integration"]),
    (dict(MANAGE, targets=None), "type SANDBOX_MANAGE requires this option: targets", ["targets"]),
    (dict(BLACKFIRE, operation="START"), "option does not apply to type BLACKFIRE_PYTHON: operation (an option of "
     "SANDBOX_MANAGE)", ["operation"]),
    (dict(MANAGE, docker_image_name="x", start=True), "options do not apply to type SANDBOX_MANAGE: start (an option "
     "of SANDBOX_CREATE), docker_image_name (an option of RUN_DOCKER_CONTAINER)", ["start", "docker_image_name"]),
    (dict(DOCKER, operation="START"), "operation (an option of SANDBOX_MANAGE)", ["operation"]),
    (dict(BLACKFIRE, password="pw"), "password (an option of RUN_DOCKER_CONTAINER)", ["password"]),
    (dict(MANAGE, snapshot_name="s", spec={"identifier": "x"}), "spec (an option of SANDBOX_CREATE)", ["spec"]),
    (dict(BLACKFIRE, shell="POWERSHELL"), "value of shell must be one of SH, BASH for type BLACKFIRE_PYTHON, got "
     "POWERSHELL", ["shell"]),
    (dict(CREATE, spec=None), "with from: SCRATCH requires spec", ["spec"]),
    (dict(CREATE, **{"from": "SANDBOX"}), "with from: SANDBOX requires sandbox_identifier", ["sandbox_identifier"]),
    (dict(CREATE, **{"from": "SNAPSHOT"}), "with from: SNAPSHOT requires snapshot_name", ["snapshot_name"]),
    (dict(DOCKER, run_only_on_first_failure=True, trigger_time="ON_SUCCESS"),
     "run_only_on_first_failure applies only with trigger_time: ON_FAILURE", ["run_only_on_first_failure"]),
    (dict(DOCKER, fields={"docker_image_tag": "x", "sleep": 1}), "fields repeats an option set as its own option: "
     "docker_image_tag", ["docker_image_tag"]),
    (dict(DOCKER, fields={"password": "x"}), "fields may not hold password", ["password"]),
    (dict(DOCKER, fields={"type": "BUILD", "name": "x"}), "fields repeats options set as their own options: name, "
     "type", ["name", "type"]),
    (dict(name="x", fields={"type": "BUILD", "after_action_id": 1}), "fields may not hold after_action_id, type; use "
     "the options of that name", ["after_action_id", "type"]),
    (dict(DOCKER, fields={"id": 3, "url": "u"}), "fields may not hold id, url: the server sets them", ["id", "url"]),
    (dict(DOCKER, integration={"name": "x"}), "integration must be the integration's identifier", None),
    (dict(DOCKER, integration=""), "integration may not be empty", None),
    (dict(DOCKER, integration=["x"]), "got list", None),
    (dict(CREATE, spec={"identifier": "bad id!"}), "spec.identifier may hold only letters", ["spec"]),
    (dict(DOCKER, action_id=5, after_action_id=5), "after_action_id can't be the action's own id", None),
    # fields: never a module option, a common field or an option of the (modelled) type
    (dict(MANAGE, operation=None, fields={"operation": "REBOOT"}), "fields may not hold operation (an option of type "
     "SANDBOX_MANAGE); set it as the option of that name instead", ["operation"]),
    (dict(BLACKFIRE, execute_commands=None, version=None, fields={"execute_commands": ["x"], "version": "3.11"}),
     "fields may not hold execute_commands, version (options of type BLACKFIRE_PYTHON)", ["execute_commands", "version"]),
    (dict(CREATE, **{"from": None, "fields": {"from": "SCRATCH"}}), "fields may not hold from (an option of type "
     "SANDBOX_CREATE)", ["from"]),
    (dict(DOCKER, fields={"trigger_time": "SOMETIMES"}), "fields may not hold trigger_time; use the option of that "
     "name", ["trigger_time"]),
    (dict(name="Wait", type="SLEEP", fields={"run_next": "X", "variables": [], "retry_count": 2}),
     "fields may not hold retry_count, run_next, variables; use the options of that name",
     ["retry_count", "run_next", "variables"]),
    (dict(DOCKER, fields={"action_id": 5}), "fields may not hold action_id: an option of this module, not an API "
     "field of the action; set it as the option of that name instead", ["action_id"]),
    (dict(name="Wait", type="SLEEP", token="secret-token", api_url="http://x",
          fields={"state": "absent", "recreate": True, "update_password": "always", "fields": {}, "token": "t",
                  "api_url": "u", "workspace": "w", "pipeline_id": 3}),
     "fields may not hold api_url, fields, pipeline_id, recreate, state, token, update_password, workspace: options "
     "of this module, not API fields of the action; set them as the options of that name instead",
     ["api_url", "fields", "pipeline_id", "recreate", "state", "token", "update_password", "workspace"]),
    (dict(name="Wait", type="SLEEP", fields={"id": 1, "action_id": 2, "trigger_time": "ON_SUCCESS"}),
     "fields may not hold id: the server sets it; fields may not hold action_id: an option of this module, not an "
     "API field of the action; set it as the option of that name instead; fields may not hold trigger_time; use "
     "the option of that name", ["id", "action_id", "trigger_time"]),
    # what the server requires of the modelled types
    (dict(CREATE, **{"from": None}), "type SANDBOX_CREATE requires this option: from", ["from"]),
    (dict(DOCKER, docker_image_name=None), "type RUN_DOCKER_CONTAINER requires docker_image_name (unless "
     "image_location is ACTION or PACKAGE_REGISTRY)", ["docker_image_name"]),
    (dict(DOCKER, docker_image_name=None, image_location="PRIVATE_REGISTRY"), "requires docker_image_name",
     ["docker_image_name"]),
    (dict(DOCKER, docker_image_name=None, image_location="ACTION"), "type RUN_DOCKER_CONTAINER with "
     "image_location: ACTION requires docker_build_action_id or docker_build_action_name",
     ["docker_build_action_id", "docker_build_action_name"]),
    (dict(DOCKER, image_location="PACKAGE_REGISTRY"), "type RUN_DOCKER_CONTAINER with image_location: "
     "PACKAGE_REGISTRY requires package", ["package"]),
    # location
    (dict(DOCKER, pipeline_id=0), "pipeline_id must be the ID of a pipeline, a positive integer, got 0",
     ["pipeline_id"]),
    (dict(DOCKER, pipeline_id=-4, state="absent"), "pipeline_id must be the ID of a pipeline, a positive integer, "
     "got -4", ["pipeline_id"]),
])
def test_bad_input_fails_before_any_request(overrides, fragment, options):
    client = no_request_client()
    with pytest.raises(ValidationError) as caught:
        ensure(client, **overrides)
    assert fragment in caught.value.message
    if options is not None:
        assert caught.value.details["options"] == options
    assert client.mock_calls == []


def test_sandbox_create_from_snapshot_is_valid_with_snapshot_name():
    client = FakeBuddy()
    result = ensure(client, **merged(CREATE, spec=None, snapshot_name="nightly", **{"from": "SNAPSHOT"}))
    assert result["changed"] is True
    assert client.writes[0][1]["snapshot_name"] == "nightly"
    assert "spec" not in client.writes[0][1]


def test_unmodelled_type_accepts_any_option_and_fields():
    client = FakeBuddy()
    result = ensure(client, name="Wait", type="SLEEP", execute_commands=["x"], fields={"sleep_in_sec": 60})
    assert result["changed"] is True
    payload = client.writes[0][1]
    assert payload == {"name": "Wait", "type": "SLEEP", "execute_commands": ["x"], "sleep_in_sec": 60}


def test_unmodelled_type_takes_options_of_modelled_types_in_fields_too():
    # Like the options themselves (above), names the modelled types use are fields like any other here.
    client = FakeBuddy()
    result = ensure(client, name="Build", type="BUILD", fields={"execute_commands": ["make"], "operation": "X",
                                                                "docker_image_name": "gcc"})
    assert result["changed"] is True
    assert client.writes[0][1] == {"name": "Build", "type": "BUILD", "execute_commands": ["make"], "operation": "X",
                                   "docker_image_name": "gcc"}


def test_image_location_action_or_package_registry_needs_no_image_name():
    client = FakeBuddy()
    ensure(client, **merged(DOCKER, docker_image_name=None, image_location="ACTION", docker_build_action_name="Build"))
    ensure(client, **merged(DOCKER, name="From package", docker_image_name=None, image_location="PACKAGE_REGISTRY",
                            package="web-image"))
    ensure(client, **merged(DOCKER, name="By id", docker_image_name=None, image_location="ACTION",
                            docker_build_action_id=3))
    assert [write[1].get("image_location") for write in client.writes] == ["ACTION", "PACKAGE_REGISTRY", "ACTION"]
    assert all("docker_image_name" not in write[1] for write in client.writes)


def test_updating_without_type_takes_no_option_of_the_existing_type_in_fields():
    client = FakeBuddy([dict(MANAGE, id=3, targets=[{"identifier": "preview"}]), existing(id=4, name="Make")])
    for check_mode in (True, False):
        with pytest.raises(ValidationError) as caught:
            ensure(client, check_mode=check_mode, name="Stop sandboxes", fields={"operation": "REBOOT"})
        assert "fields may not hold operation (an option of type SANDBOX_MANAGE)" in caught.value.message
        assert caught.value.details["options"] == ["operation"]
    assert client.writes == []
    # The existing action's type is not modelled: the same key is a field like any other.
    result = ensure(client, name="Make", fields={"operation": "X"})
    assert client.writes == [("edit_action", 4, {"operation": "X"})]
    assert result["changed"] is True


def test_info_refuses_a_pipeline_id_below_one_before_any_request():
    for pipeline_id in (0, -1):
        client = no_request_client()
        with pytest.raises(ValidationError) as caught:
            model.action_info(client, info_params(pipeline_id=pipeline_id))
        assert "pipeline_id must be the ID of a pipeline, a positive integer, got %d" % pipeline_id \
            in caught.value.message
        assert client.mock_calls == []


def test_absent_skips_type_validation():
    client = FakeBuddy([existing()])
    result = ensure(client, state="absent", name="Build", type="BLACKFIRE_PYTHON")
    assert result["changed"] is True
    assert client.actions == []


def test_request_fields_hold_only_what_was_set():
    request = model.ActionRequest(params(**merged(MANAGE, disabled=False)))
    assert request.fields == {"name": "Stop sandboxes", "disabled": False, "operation": "STOP",
                              "targets": [{"identifier": "preview"}]}


def test_integration_string_becomes_a_dict():
    request = model.ActionRequest(params(**BLACKFIRE))
    assert request.fields["integration"] == {"identifier": "bf1"}
    request = model.ActionRequest(params(**merged(BLACKFIRE, integration={"identifier": "bf2", "type": "X"})))
    assert request.fields["integration"] == {"identifier": "bf2", "type": "X"}


def test_every_modelled_option_belongs_to_a_type_and_exists_in_the_spec():
    spec = model.action_argument_spec()
    type_options = registry.type_options_spec()
    for action_type in registry.TYPES:
        for option in tuple(action_type.options) + action_type.required:
            assert option in spec
            assert option in type_options
    owned = set()
    for action_type in registry.TYPES:
        owned.update(action_type.options)
    assert owned == set(type_options)


def test_item_spec_is_the_action_spec_without_look_up_and_state_options():
    item = model.item_argument_spec()
    action = model.action_argument_spec()
    assert set(action) - set(item) == {"state", "action_id", "after_action_id", "recreate", "update_password"}
    assert all(item[name] == action[name] for name in item)


# ---------------------------------------------------------------------------------------------
# Look-up
# ---------------------------------------------------------------------------------------------

def test_duplicate_names_of_different_types_fail_listing_their_ids():
    client = FakeBuddy([existing(id=3, name="Twin"), existing(id=4), existing(id=5, name="Twin", type="DEPLOY")])
    with pytest.raises(OpsflowError) as caught:
        ensure(client, name="Twin", type="BUILD")
    assert "2 actions named 'Twin' (ids 3, 5, types BUILD, DEPLOY)" in caught.value.message
    assert caught.value.details["action_ids"] == [3, 5]
    assert client.writes == []


def test_twins_of_one_type_converge_on_the_oldest():
    # Two tasks added "Twin" at once: the newer copy goes, the older one is brought to what the task asks.
    client = FakeBuddy([existing(id=5, name="Twin"), existing(id=4), existing(id=3, name="Twin")])
    result = ensure(client, name="Twin", type="BUILD", disabled=True)
    assert result["changed"] is True and result["removed_action_ids"] == [5]
    assert client.writes == [("delete_action", 5), ("edit_action", 3, {"disabled": True})]
    assert "kept the oldest, id 3, and deleted id 5" in result["warnings"][0]
    assert [action["id"] for action in client.actions] == [4, 3]


def test_twins_in_check_mode_are_only_reported():
    client = FakeBuddy([existing(id=3, name="Twin"), existing(id=5, name="Twin")])
    result = ensure(client, check_mode=True, name="Twin", type="BUILD")
    assert result["changed"] is True and "would delete id 5" in result["warnings"][0]
    assert client.writes == []


def test_absent_deletes_every_twin_of_one_type():
    client = FakeBuddy([existing(id=3, name="Twin"), existing(id=5, name="Twin")])
    result = ensure(client, state="absent", name="Twin")
    assert result["changed"] is True
    assert client.writes == [("delete_action", 3), ("delete_action", 5)]
    assert "2 actions named 'Twin' of type BUILD were found; deleted all of them (ids 3, 5)" in result["warnings"][0]


def test_an_interrupted_recreate_is_finished_by_the_rerun():
    # The add of the new DOCKER action committed, the delete of the old BUILD action did not happen.
    client = FakeBuddy([existing(id=3, name="Run tests"), merged(DOCKER, id=9)])
    result = ensure(client, recreate=True, **DOCKER)
    assert result["removed_action_ids"] == [3] and "finishing it" in result["warnings"][0]
    assert client.writes == [("delete_action", 3)]
    assert [action["id"] for action in client.actions] == [9]


def test_without_recreate_twins_of_other_types_still_fail():
    client = FakeBuddy([existing(id=3, name="Run tests"), merged(DOCKER, id=9)])
    with pytest.raises(OpsflowError):
        ensure(client, **DOCKER)
    assert client.writes == []


class RacingBuddy(FakeBuddy):
    """Another task adds the same action right before this task's add."""

    def add_action(self, location, payload, exclude_ids=()):
        self._store(dict(payload, disabled=True), None)
        return super(RacingBuddy, self).add_action(location, payload, exclude_ids)


def test_an_add_that_raced_another_task_keeps_the_older_action():
    client = RacingBuddy([existing(id=4)])
    result = ensure(client, name="Twin", type="BUILD", disabled=False)
    assert [action["id"] for action in client.actions] == [4, 100]
    assert client.writes[1:] == [("delete_action", 101), ("edit_action", 100, {"disabled": False})]
    assert result["action"]["id"] == 100 and "deleted the one this task added (id 101)" in result["warnings"][0]


def test_an_add_whose_action_is_the_older_one_keeps_it():
    client = FakeBuddy([existing(id=4)])

    def late_twin(location):
        listed = FakeBuddy.list_actions(client, location)
        if any(call[0] == "add_action" for call in client.calls):
            client._store({"name": "Twin", "type": "BUILD"}, None)
            listed = copy.deepcopy(client.actions)
        return listed
    client.list_actions = late_twin
    result = ensure(client, name="Twin", type="BUILD")
    assert result["action"]["id"] == 100 and "warnings" not in result
    assert [call[0] for call in client.writes] == ["add_action"]


@pytest.mark.parametrize("overrides, fragment, option", [
    (dict(name=""), "name may not be empty", "name"),
    (dict(name="   "), "name may not be empty", "name"),
    (dict(name="x", type=""), "type must be an action type", "type"),
    (dict(name="x", type="BUILD X"), "type must be an action type", "type"),
    (dict(name="x", type="BUILD", timeout=-1), "timeout may not be negative", "timeout"),
    (dict(name="x", type="BUILD", retry_count=-2), "retry_count may not be negative", "retry_count"),
    (dict(name="x", type="BUILD", trigger_conditions=[{"trigger_condition": "WHENEVER"}]), "'WHENEVER'",
     "trigger_conditions"),
    (dict(name="x", type="BUILD", variables=[{"key": "", "value": "1"}]), "variables[].key may not be empty",
     "variables"),
    (dict(name="x", type="BUILD", variables=[{"key": "A", "value": "1"}, {"key": "A", "value": "2"}]),
     "the key A more than once", "variables"),
])
def test_bad_input_fails_before_any_request_naming_the_option(overrides, fragment, option):
    client = no_request_client()
    with pytest.raises(ValidationError) as caught:
        ensure(client, **overrides)
    assert fragment in caught.value.message and option in caught.value.details["options"]
    assert client.mock_calls == []


def test_a_lower_case_modelled_type_is_normalised_and_checked():
    with pytest.raises(ValidationError) as caught:
        ensure(no_request_client(), **merged(BLACKFIRE, type="blackfire_python", version=None))
    assert "type BLACKFIRE_PYTHON requires this option: version" in caught.value.message
    client = FakeBuddy([])
    result = ensure(client, **merged(BLACKFIRE, type="Blackfire_Python"))
    assert client.writes[0][1]["type"] == "BLACKFIRE_PYTHON" and result["changed"] is True


def test_a_partial_update_without_type_is_allowed():
    client = FakeBuddy([existing(disabled=False)])
    result = ensure(client, name="Build", disabled=True)
    assert result["changed"] is True and client.writes == [("edit_action", 10, {"disabled": True})]


def test_the_recreate_diff_shows_every_field_the_task_sets():
    client = FakeBuddy([existing(id=3, name="Run tests")])
    result = ensure(client, check_mode=True, recreate=True, **DOCKER)
    assert result["diff"]["before"]["type"] == "BUILD" and result["diff"]["after"]["type"] == "RUN_DOCKER_CONTAINER"
    for key in ("docker_image_name", "docker_image_tag", "execute_commands"):
        assert result["diff"]["after"][key] == DOCKER[key] and result["diff"]["before"][key] is None


def test_lookup_by_id_is_one_get():
    client = Mock(spec=BuddyActionsClient)
    client.get_action.return_value = existing(disabled=True)
    result = ensure(client, action_id=10, name="Build", disabled=True)
    assert result["changed"] is False
    assert [call[0] for call in client.mock_calls] == ["get_action"]
    location, action_id = client.get_action.call_args[0]
    assert action_id == 10
    assert location.actions_path(10) == LOCATION.actions_path(10)


def test_lookup_by_name_reads_the_list_only_when_entries_are_whole():
    client = FakeBuddy([existing(), dict(DOCKER, id=11)])
    result = ensure(client, **DOCKER)
    assert result["changed"] is False
    assert client.calls == [("list_actions",)]


def test_short_list_entries_are_read_in_full_before_comparing():
    client = FakeBuddy([existing(), dict(DOCKER, id=11)], short_list=True)
    result = ensure(client, **DOCKER)
    assert result["changed"] is False
    assert client.calls == [("list_actions",), ("get_action", 11)]
    assert result["action"]["docker_image_name"] == "library/python"


def test_missing_action_id_fails_present_and_is_fine_for_absent():
    client = FakeBuddy([existing()])
    with pytest.raises(OpsflowError) as caught:
        ensure(client, action_id=99, name="Build", type="BUILD")
    assert "has no action with id 99" in caught.value.message
    result = ensure(client, state="absent", action_id=99)
    assert result == {"changed": False, "action": {}, "diff": {"before": {}, "after": {}}}
    assert client.writes == []


def test_missing_type_fails_when_the_action_must_be_added():
    client = FakeBuddy([existing()])
    with pytest.raises(ValidationError) as caught:
        ensure(client, name="New one", disabled=True)
    assert "has no action named 'New one', and type is required to add one" in caught.value.message
    assert client.writes == []


# ---------------------------------------------------------------------------------------------
# present: add
# ---------------------------------------------------------------------------------------------

def test_add_sends_only_what_was_set():
    client = FakeBuddy([existing()])
    result = ensure(client, **MANAGE)
    assert result["changed"] is True
    assert client.calls[0] == ("list_actions",)
    assert client.writes == [("add_action", {"name": "Stop sandboxes", "type": "SANDBOX_MANAGE", "operation": "STOP",
                                             "targets": [{"identifier": "preview"}]}, ())]
    # The add is followed by a re-read: another task may have added the same name at the same time.
    assert client.calls[2] == ("list_actions",) and len(client.calls) == 3
    assert result["action"]["id"] == 100
    assert result["action"]["targets"] == [{"identifier": "preview", "scope": "ANY", "type": "MATCH"}]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["operation"] == "STOP"


def test_add_then_rerun_changes_nothing_despite_server_defaults():
    client = FakeBuddy()
    first = ensure(client, **BLACKFIRE)
    client.calls = []
    second = ensure(client, **BLACKFIRE)
    assert first["changed"] is True
    assert second["changed"] is False
    assert client.writes == []
    assert second["action"]["integration"]["name"] == "An integration"


def test_add_placed_after_an_action():
    client = FakeBuddy([existing(id=1, name="A"), existing(id=2, name="B")])
    ensure(client, after_action_id=1, **MANAGE)
    assert client.writes[0][1]["after_action_id"] == 1
    assert [action["id"] for action in client.actions] == [1, 100, 2]


def test_add_after_an_unknown_action_fails_before_writing():
    client = FakeBuddy([existing(id=1)])
    with pytest.raises(ValidationError) as caught:
        ensure(client, after_action_id=42, **MANAGE)
    assert "after_action_id 42 is not an action of pipeline 7" in caught.value.message
    assert client.writes == []


def test_add_with_run_only_on_first_failure_needs_on_failure():
    client = FakeBuddy()
    with pytest.raises(ValidationError):
        ensure(client, run_only_on_first_failure=True, **MANAGE)
    assert client.writes == []
    result = ensure(client, run_only_on_first_failure=True, trigger_time="ON_FAILURE", **MANAGE)
    assert result["changed"] is True


def test_add_in_check_mode_predicts_and_writes_nothing():
    client = FakeBuddy([existing()])
    result = ensure(client, check_mode=True, password="pw", **DOCKER)
    assert result["changed"] is True
    assert client.writes == []
    assert "id" not in result["action"]
    assert "password" not in result["action"]
    assert result["action"]["docker_image_tag"] == "3.12"
    assert result["diff"]["after"]["password"] == "********"


def test_add_sends_secrets_but_never_returns_them():
    client = FakeBuddy()
    variables = [{"key": "S", "value": "hidden", "encrypted": True, "settable": None, "type": None,
                  "description": None}]
    result = ensure(client, password="pw", variables=variables, **DOCKER)
    payload = client.writes[0][1]
    assert payload["password"] == "pw"
    assert payload["variables"][0]["value"] == "hidden"
    assert "pw" not in repr(result)
    assert "hidden" not in repr(result)
    assert result["action"]["variables"][0]["value"] == "********"


# ---------------------------------------------------------------------------------------------
# present: update
# ---------------------------------------------------------------------------------------------

def test_update_patches_only_the_differing_fields():
    client = FakeBuddy([existing(id=1, name="A"), dict(DOCKER, id=11, shell="BASH")])
    result = ensure(client, **merged(DOCKER, docker_image_tag="3.13", shell="BASH", disabled=True))
    assert result["changed"] is True
    assert client.calls == [("list_actions",), ("edit_action", 11, {"docker_image_tag": "3.13", "disabled": True})]
    assert result["action"]["docker_image_tag"] == "3.13"
    assert result["diff"]["before"]["docker_image_tag"] == "3.12"
    assert result["diff"]["after"]["docker_image_tag"] == "3.13"
    assert result["diff"]["before"]["shell"] == result["diff"]["after"]["shell"] == "BASH"


def test_update_by_id_renames():
    client = FakeBuddy([existing(id=10)])
    result = ensure(client, action_id=10, name="Renamed")
    assert client.calls == [("get_action", 10), ("edit_action", 10, {"name": "Renamed"})]
    assert result["action"]["name"] == "Renamed"


def test_nested_change_sends_the_whole_nested_value_as_written():
    spec = {"identifier": "preview", "os": "ubuntu:24.04", "endpoints": [{"name": "web", "endpoint": "80"}]}
    client = FakeBuddy([dict(CREATE, id=5, spec=dict(spec, resources="2x4"), start=True)])
    changed_spec = dict(spec, endpoints=[{"name": "web", "endpoint": "8080"}])
    result = ensure(client, **merged(CREATE, spec=changed_spec))
    assert client.writes == [("edit_action", 5, {"spec": changed_spec})]
    assert result["changed"] is True


def test_check_mode_update_predicts_the_server_result():
    client = FakeBuddy([dict(DOCKER, id=11)])
    desired = merged(DOCKER, docker_image_tag="3.13")
    predicted = ensure(client, check_mode=True, **desired)
    assert client.writes == []
    real = ensure(client, **desired)
    assert predicted["changed"] is real["changed"] is True
    assert predicted["action"] == real["action"]
    assert predicted["diff"] == real["diff"]


def test_type_left_out_updates_the_existing_action_and_checks_options_against_its_type():
    client = FakeBuddy([dict(MANAGE, id=3, targets=[{"identifier": "preview"}])])
    result = ensure(client, name="Stop sandboxes", operation="START")
    assert client.writes == [("edit_action", 3, {"operation": "START"})]
    assert result["changed"] is True
    with pytest.raises(ValidationError) as caught:
        ensure(client, name="Stop sandboxes", docker_image_name="x")
    assert "docker_image_name (an option of RUN_DOCKER_CONTAINER)" in caught.value.message
    assert len(client.writes) == 1


def test_run_only_on_first_failure_checked_against_existing_trigger_time():
    client = FakeBuddy([dict(MANAGE, id=3, trigger_time="ON_FAILURE")])
    assert ensure(client, name="Stop sandboxes", run_only_on_first_failure=True)["changed"] is True
    client = FakeBuddy([dict(MANAGE, id=3)])
    with pytest.raises(ValidationError):
        ensure(client, name="Stop sandboxes", run_only_on_first_failure=True)
    assert client.writes == []


def test_other_type_fails_naming_recreate():
    client = FakeBuddy([dict(DOCKER, id=11)])
    with pytest.raises(ValidationError) as caught:
        ensure(client, **merged(MANAGE, name="Run tests"))
    message = caught.value.message
    assert "has type RUN_DOCKER_CONTAINER" in message
    assert "can't be changed" in message
    assert "recreate: true" in message
    assert client.writes == []


# ---------------------------------------------------------------------------------------------
# recreate, move
# ---------------------------------------------------------------------------------------------

def test_recreate_adds_after_the_old_action_then_deletes_it():
    client = FakeBuddy([existing(id=1, name="A"), dict(DOCKER, id=11), existing(id=2, name="B")])
    result = ensure(client, recreate=True, **merged(MANAGE, name="Run tests"))
    assert [call[0] for call in client.calls] == ["list_actions", "add_action", "delete_action"]
    add = client.writes[0]
    assert add[1]["after_action_id"] == 11 and add[1]["type"] == "SANDBOX_MANAGE"
    assert add[2] == (11,)
    assert client.writes[1] == ("delete_action", 11)
    assert [action["id"] for action in client.actions] == [1, 100, 2]
    assert result["changed"] is True
    assert result["replaced_action_id"] == 11
    assert result["action"]["id"] == 100
    assert result["diff"]["before"]["type"] == "RUN_DOCKER_CONTAINER"
    assert result["diff"]["after"]["type"] == "SANDBOX_MANAGE"


def test_recreate_in_check_mode_writes_nothing():
    client = FakeBuddy([dict(DOCKER, id=11)])
    result = ensure(client, check_mode=True, recreate=True, **merged(MANAGE, name="Run tests"))
    assert result["changed"] is True
    assert result["replaced_action_id"] == 11
    assert client.writes == []


def test_recreate_keeps_the_old_action_when_the_add_fails():
    client = Mock(spec=BuddyActionsClient)
    client.list_actions.return_value = [dict(DOCKER, id=11)]
    client.add_action.side_effect = ApiError("POST", "/actions", 400, "bad")
    with pytest.raises(ApiError):
        ensure(client, recreate=True, **merged(MANAGE, name="Run tests"))
    client.delete_action.assert_not_called()


def test_recreate_reports_both_ids_when_the_delete_fails():
    client = Mock(spec=BuddyActionsClient)
    client.list_actions.return_value = [dict(DOCKER, id=11)]
    client.add_action.return_value = dict(MANAGE, id=12, name="Run tests", password="leak")
    client.delete_action.side_effect = ApiError("DELETE", "/actions/11", 403, "no")
    with pytest.raises(OpsflowError) as caught:
        ensure(client, recreate=True, **merged(MANAGE, name="Run tests"))
    assert "added the new SANDBOX_MANAGE action (id 12)" in caught.value.message
    assert "deleting the old RUN_DOCKER_CONTAINER action (id 11) failed" in caught.value.message
    assert caught.value.details["replaced_action_id"] == 11
    assert caught.value.details["action"]["password"] == "********"


def test_recreate_after_an_unknown_action_fails_before_writing_in_both_modes():
    client = FakeBuddy([existing(id=1, name="A"), dict(DOCKER, id=11)])
    for check_mode in (True, False):
        with pytest.raises(ValidationError) as caught:
            ensure(client, check_mode=check_mode, recreate=True, after_action_id=42, **merged(MANAGE, name="Run tests"))
        assert "after_action_id 42 is not an action of pipeline 7" in caught.value.message
        assert caught.value.details["options"] == ["after_action_id"]
    assert client.writes == []
    assert [action["id"] for action in client.actions] == [1, 11]


@pytest.mark.parametrize("overrides", [
    dict(DOCKER, docker_image_tag="3.13"),  # an update (and a move)
    dict(DOCKER, disabled=False),  # nothing differs but the place
    merged(MANAGE, name="Run tests", recreate=True),  # a recreate
])
def test_after_action_id_of_the_action_itself_fails_before_writing_in_both_modes(overrides):
    client = FakeBuddy([existing(id=1, name="A"), dict(DOCKER, id=11), existing(id=2, name="B")])
    for check_mode in (True, False):
        with pytest.raises(ValidationError) as caught:
            ensure(client, check_mode=check_mode, after_action_id=11, **overrides)
        assert "after_action_id 11 is the id of action 'Run tests' itself" in caught.value.message
        assert caught.value.details["options"] == ["after_action_id"]
    assert client.writes == []


def test_recreate_honours_an_explicit_after_action_id():
    client = FakeBuddy([existing(id=1, name="A"), dict(DOCKER, id=11), existing(id=2, name="B")])
    ensure(client, recreate=True, after_action_id=2, **merged(MANAGE, name="Run tests"))
    assert client.writes[0][1]["after_action_id"] == 2
    assert [action["id"] for action in client.actions] == [1, 2, 100]


def test_move_when_predecessor_differs():
    client = FakeBuddy([existing(id=1, name="A"), existing(id=2, name="B"), existing(id=3, name="C")])
    result = ensure(client, name="A", after_action_id=3)
    assert client.writes == [("edit_action", 1, {"after_action_id": 3})]
    assert [action["id"] for action in client.actions] == [2, 3, 1]
    assert result["diff"]["before"]["after_action_id"] is None
    assert result["diff"]["after"]["after_action_id"] == 3
    client.calls = []
    again = ensure(client, name="A", after_action_id=3)
    assert again["changed"] is False
    assert client.writes == []


def test_move_by_id_reads_the_list_to_know_the_predecessor():
    client = FakeBuddy([existing(id=1, name="A"), existing(id=2, name="B")], short_list=True)
    result = ensure(client, action_id=2, name="B", after_action_id=1)
    assert result["changed"] is False
    assert client.calls == [("list_actions",), ("get_action", 2)]
    ensure(client, action_id=1, name="A", after_action_id=2)
    assert client.writes == [("edit_action", 1, {"after_action_id": 2})]


def test_move_and_change_in_one_patch():
    client = FakeBuddy([existing(id=1, name="A"), existing(id=2, name="B")])
    ensure(client, name="A", after_action_id=2, disabled=True)
    assert client.writes == [("edit_action", 1, {"disabled": True, "after_action_id": 2})]


# ---------------------------------------------------------------------------------------------
# write-only secrets
# ---------------------------------------------------------------------------------------------

def test_password_is_not_compared_with_on_create():
    client = FakeBuddy([dict(DOCKER, id=11, password="old")])
    result = ensure(client, password="new", **DOCKER)
    assert result["changed"] is False
    assert client.writes == []
    assert "new" not in repr(result)


def test_password_always_is_sent_and_reported_as_a_change():
    client = FakeBuddy([dict(DOCKER, id=11, password="old")])
    result = ensure(client, password="new", update_password="always", **DOCKER)
    assert result["changed"] is True
    assert client.writes == [("edit_action", 11, {"password": "new"})]
    assert client.secrets[11] == "new"
    assert result["diff"]["after"]["password"] == "******** (sent)"
    assert "password" not in result["diff"]["before"]
    assert "new" not in repr(result)


def test_nested_secrets_sent_with_update_password_always_show_in_the_diff():
    variables = [{"key": "S", "value": "rotated", "encrypted": True, "settable": None, "type": None,
                  "description": None},
                 {"key": "A", "value": "1", "encrypted": None, "settable": None, "type": None, "description": None}]
    services = [{"type": "MYSQL", "login": "root", "password": "db-rotated"}]
    client = FakeBuddy([dict(DOCKER, id=11, variables=[{"key": "S", "value": "hidden", "encrypted": True},
                                                       {"key": "A", "value": "1"}],
                             services=[{"type": "MYSQL", "login": "root"}])])
    for check_mode in (True, False):
        result = ensure(client, check_mode=check_mode, variables=variables, services=services,
                        update_password="always", **DOCKER)
        assert result["changed"] is True
        before, after = result["diff"]["before"], result["diff"]["after"]
        assert before != after
        assert before["variables"][0]["value"] == "********"
        assert after["variables"][0]["value"] == "******** (sent)"
        assert before["variables"][1] == after["variables"][1]
        assert after["variables"][0]["key"] == "S" and after["variables"][0]["type"] == "VAR"
        assert "password" not in before["services"][0]
        assert after["services"][0] == {"type": "MYSQL", "login": "root", "password": "******** (sent)"}
        assert "rotated" not in repr(result) and "db-rotated" not in repr(result)
    assert [write[0] for write in client.writes] == ["edit_action"]
    assert set(client.writes[0][2]) == {"variables", "services"}


def test_secret_values_sent_along_a_differing_list_show_in_the_diff():
    # update_password: on_create, but the list differs and is sent whole, secret values with it.
    variables = [{"key": "S", "value": "hidden", "encrypted": True, "settable": None, "type": None,
                  "description": None}]
    client = FakeBuddy([dict(DOCKER, id=11, variables=[{"key": "S", "value": "hidden", "encrypted": True,
                                                        "settable": True}])])
    result = ensure(client, variables=[dict(variables[0], settable=False)], **DOCKER)
    assert client.writes[0][2]["variables"][0]["value"] == "hidden"
    assert result["diff"]["before"]["variables"][0] == {"key": "S", "value": "********", "encrypted": True,
                                                        "settable": True, "type": "VAR"}
    assert result["diff"]["after"]["variables"][0] == {"key": "S", "value": "******** (sent)", "encrypted": True,
                                                       "settable": False, "type": "VAR"}
    assert "hidden" not in repr(result)


def test_encrypted_variable_compared_without_its_value():
    variables = [{"key": "S", "value": "hidden", "encrypted": True, "settable": None, "type": None,
                  "description": None}]
    client = FakeBuddy([dict(DOCKER, id=11, variables=[{"key": "S", "value": "hidden", "encrypted": True}])])
    assert client.by_id(11)["variables"][0]["value"].startswith("secure!")
    assert ensure(client, variables=variables, **DOCKER)["changed"] is False
    variables[0]["value"] = "rotated"
    assert ensure(client, variables=variables, **DOCKER)["changed"] is False
    result = ensure(client, variables=variables, update_password="always", **DOCKER)
    assert result["changed"] is True
    assert client.writes[-1] == ("edit_action", 11, {"variables": [{"key": "S", "value": "rotated",
                                                                    "encrypted": True}]})
    assert "rotated" not in repr(result)


def test_variables_list_change_sends_secret_values_along():
    variables = [{"key": "S", "value": "hidden", "encrypted": True, "settable": None, "type": None,
                  "description": None},
                 {"key": "A", "value": "2", "encrypted": None, "settable": None, "type": None, "description": None}]
    client = FakeBuddy([dict(DOCKER, id=11, variables=[{"key": "S", "value": "hidden", "encrypted": True},
                                                       {"key": "A", "value": "1"}])])
    result = ensure(client, variables=variables, **DOCKER)
    assert result["changed"] is True
    sent = client.writes[0][2]["variables"]
    assert sent == [{"key": "S", "value": "hidden", "encrypted": True}, {"key": "A", "value": "2"}]
    assert "hidden" not in repr(result)


# ---------------------------------------------------------------------------------------------
# absent
# ---------------------------------------------------------------------------------------------

def test_absent_deletes_and_is_idempotent():
    client = FakeBuddy([existing(id=1, name="A"), dict(DOCKER, id=11, password="pw")])
    result = ensure(client, state="absent", name="Run tests")
    assert result["changed"] is True
    assert result["action"] == {}
    assert result["diff"]["before"]["id"] == 11
    assert result["diff"]["after"] == {}
    assert client.writes == [("delete_action", 11)]
    again = ensure(client, state="absent", name="Run tests")
    assert again["changed"] is False
    assert len(client.writes) == 1


def test_absent_in_check_mode_writes_nothing():
    client = FakeBuddy([existing(id=1)])
    result = ensure(client, check_mode=True, state="absent", action_id=1)
    assert result["changed"] is True
    assert client.writes == []
    assert client.calls == [("get_action", 1)]


def test_diff_left_out_unless_asked():
    client = FakeBuddy()
    result = ensure(client, diff=False, **MANAGE)
    assert "diff" not in result


# ---------------------------------------------------------------------------------------------
# buddy_action_info
# ---------------------------------------------------------------------------------------------

def info_params(**overrides):
    values = dict(workspace="acme", project_name="website", pipeline_id=7, action_id=None, name=None)
    values.update(overrides)
    return values


def test_info_lists_every_action_in_order_masked():
    client = FakeBuddy([existing(id=1, name="A"), dict(DOCKER, id=11, variables=[
        {"key": "S", "value": "hidden", "encrypted": True}])])
    result = model.action_info(client, info_params())
    assert [action["id"] for action in result["actions"]] == [1, 11]
    assert result["changed"] is False
    assert result["actions"][1]["variables"][0]["value"] == "********"
    assert client.writes == []


def test_info_reads_short_entries_in_full():
    client = FakeBuddy([existing(id=1, name="A", execute_commands=["make"]), existing(id=2, name="B")],
                       short_list=True)
    result = model.action_info(client, info_params(name="A"))
    assert client.calls == [("list_actions",), ("get_action", 1)]
    assert result["actions"][0]["execute_commands"] == ["make"]


def test_info_by_id_and_missing():
    client = FakeBuddy([existing(id=1, name="A")])
    assert [a["id"] for a in model.action_info(client, info_params(action_id=1))["actions"]] == [1]
    assert model.action_info(client, info_params(action_id=2))["actions"] == []
    assert model.action_info(client, info_params(name="nope"))["actions"] == []


# ---------------------------------------------------------------------------------------------
# The per-action functions buddy_pipeline calls for each item of `actions` (no AnsibleModule)
# ---------------------------------------------------------------------------------------------

def item(**options):
    """One item of buddy_pipeline's `actions`, as AnsibleModule hands it over (unset suboptions None)."""
    values = dict((name, None) for name in model.item_argument_spec())
    values.update(options)
    return values


def test_validate_item_checks_like_buddy_action_before_any_request():
    request = model.validate_item(item(**BLACKFIRE))
    assert request.fields["integration"] == {"identifier": "bf1"}
    assert request.add_payload(None) == {"name": "Profile", "type": "BLACKFIRE_PYTHON", "version": "3.12",
                                         "integration": {"identifier": "bf1"},
                                         "execute_commands": ["blackfire run python app.py"]}
    with pytest.raises(ValidationError) as caught:
        model.validate_item(item(**merged(MANAGE, targets=None, start=True)))
    assert caught.value.details["options"] == ["start", "targets"]
    # Plain dicts with only the keys set work as well.
    assert model.validate_item(dict(name="Wait", type="SLEEP", fields={"sleep_in_sec": 3})).fields == {
        "name": "Wait", "sleep_in_sec": 3}


def test_validate_item_refuses_the_surrounding_options_in_fields():
    with pytest.raises(ValidationError) as caught:
        model.validate_item(item(name="Wait", type="SLEEP", fields={"purge_actions": True, "recreate": True}),
                            other_options=("purge_actions",))
    assert caught.value.details["options"] == ["purge_actions", "recreate"]


def test_check_against_existing_decides_recreate_or_refuses():
    found = dict(existing(id=4, name="Stop sandboxes"), type="SANDBOX_MANAGE", operation="STOP", targets=[])
    assert model.check_against_existing(model.validate_item(item(**MANAGE)), found) is False
    with pytest.raises(ValidationError, match="Set recreate: true"):
        model.check_against_existing(model.validate_item(item(**merged(DOCKER, name="Stop sandboxes"))), found)
    assert model.check_against_existing(model.validate_item(item(**merged(DOCKER, name="Stop sandboxes")),
                                                            recreate=True), found) is True
    # Without a type the options are checked against the existing action's.
    with pytest.raises(ValidationError, match="option does not apply to type SANDBOX_MANAGE: docker_image_name"):
        model.check_against_existing(model.validate_item(item(name="Stop sandboxes", docker_image_name="x")), found)


def test_plan_update_and_its_diff_mask_secrets():
    found = dict(existing(id=4, name="Run tests"), type="RUN_DOCKER_CONTAINER", docker_image_name="library/python",
                 docker_image_tag="3.11", shell="SH")
    request = model.validate_item(item(**merged(DOCKER, password="pw-9")), update_password="always")
    payload, predicted, keys = model.plan_update(request, found, None)
    assert payload == {"docker_image_tag": "3.12", "execute_commands": ["pytest"], "password": "pw-9"}
    assert "password" not in predicted and predicted["docker_image_tag"] == "3.12"
    diff = model.update_diff(found, payload, predicted, keys, None)
    assert diff["before"]["docker_image_tag"] == "3.11"
    assert diff["after"]["docker_image_tag"] == "3.12"
    assert diff["after"]["password"] == "******** (sent)"
    assert "pw-9" not in repr(diff)
    unchanged = model.update_diff(found, {}, found, ["docker_image_name"], None)
    assert unchanged == {"before": {"docker_image_name": "library/python"},
                         "after": {"docker_image_name": "library/python"}}


def test_add_and_recreate_diffs_and_the_predicted_action():
    request = model.validate_item(item(**merged(DOCKER, password="pw-9")))
    payload = request.add_payload(7)
    assert model.add_diff(payload)["after"]["password"] == "********"
    assert model.add_diff(payload)["after"]["after_action_id"] == 7
    predicted = model.predicted_new(payload)
    assert "password" not in predicted and "after_action_id" not in predicted and "id" not in predicted
    found = dict(existing(id=4, name="Run tests"), type="SANDBOX_MANAGE", operation="STOP")
    diff = model.recreate_diff(request, found, payload)
    assert diff["before"]["type"] == "SANDBOX_MANAGE" and diff["after"]["type"] == "RUN_DOCKER_CONTAINER"
    assert "pw-9" not in repr(diff)


def test_find_action_by_name_refuses_twins_for_callers_that_do_not_settle_them():
    client = FakeBuddy([existing(id=3, name="Twin"), existing(id=5, name="Twin")])
    with pytest.raises(OpsflowError) as caught:
        model.find_action(client, PipelineLocation("acme", "website", 7), name="Twin")
    assert caught.value.details["action_ids"] == [3, 5]


def test_absent_with_twins_of_two_types_fails_and_deletes_nothing():
    client = FakeBuddy([existing(id=3, name="Twin"), existing(id=5, name="Twin", type="DEPLOY")])
    with pytest.raises(OpsflowError):
        ensure(client, state="absent", name="Twin")
    assert client.writes == []


def test_an_add_whose_re_read_does_not_list_it_yet_returns_what_the_post_answered():
    client = FakeBuddy([existing(id=4)])
    client.list_actions = lambda location: [existing(id=4)]
    result = ensure(client, name="New", type="BUILD")
    assert result["action"]["id"] == 100 and "warnings" not in result


def test_a_raced_add_with_after_action_id_keeps_the_older_action_in_place():
    client = RacingBuddy([existing(id=4)])
    ensure(client, name="Twin", type="BUILD", after_action_id=4)
    # The other task's action (100) is already after 4 once this task's (101) is gone: no move.
    assert client.writes[1:] == [("delete_action", 101)]
    assert [action["id"] for action in client.actions] == [4, 100]


def test_a_move_diff_shows_the_old_and_the_new_predecessor():
    client = FakeBuddy([existing(id=1, name="A"), existing(id=2, name="B"), existing(id=3, name="C")])
    result = ensure(client, check_mode=True, name="C", after_action_id=1)
    assert result["diff"]["before"]["after_action_id"] == 2 and result["diff"]["after"]["after_action_id"] == 1


def test_ensure_action_writes_unless_check_mode_is_asked_for():
    client = FakeBuddy([])
    model.ensure_action(client, params(name="New", type="BUILD"))
    assert [call[0] for call in client.writes] == ["add_action"]


def test_update_password_is_no_secret_option():
    assert model.ACTION_SPEC.argument_spec["update_password"]["no_log"] is False


def test_the_oldest_action_is_the_lowest_id_compared_as_a_number():
    assert model.oldest([{"id": 10}, {"id": 9}, {"id": 100}])["id"] == 9


def test_an_entry_with_every_short_key_and_no_more_is_short():
    assert model.is_short_entry(dict((key, 1) for key in model.SHORT_ENTRY_KEYS)) is True
    assert model.is_short_entry(dict(((key, 1) for key in model.SHORT_ENTRY_KEYS), shell="SH")) is False


def test_absent_of_one_action_gives_no_twin_warning():
    client = FakeBuddy([existing(id=3, name="One")])
    result = ensure(client, state="absent", name="One")
    assert result["changed"] is True and "warnings" not in result


def test_twins_with_after_action_id_keep_the_oldest_in_place():
    client = FakeBuddy([existing(id=2, name="First"), existing(id=3, name="Twin"), existing(id=5, name="Twin")])
    result = ensure(client, name="Twin", type="BUILD", after_action_id=2)
    assert client.writes == [("delete_action", 5)] and result["removed_action_ids"] == [5]


def test_ensure_action_gives_no_diff_unless_asked_and_recreate_defaults_to_false():
    result = model.ensure_action(FakeBuddy([existing()]), params(name="Build"))
    assert "diff" not in result
    assert model.ACTION_SPEC.argument_spec["recreate"]["default"] is False


@pytest.mark.parametrize("call", ["ensure_action", "action_info"])
def test_pipeline_name_is_resolved_through_the_tasks_pipelines_client(monkeypatch, call):
    # The task's own pipelines client resolves the name; no second transport is built from the connection options.
    import ansible_collections.opsflow.pipelines.plugins.module_utils._buddy as buddy

    monkeypatch.setattr(buddy, "_lister_from_params", Mock(side_effect=AssertionError("second transport built")))
    pipelines = Mock()
    pipelines.list_pipelines.return_value = [{"id": 7, "name": "Deploy"}, {"id": 8, "name": "Other"}]
    client = Mock(spec=BuddyActionsClient)
    client.get_action.return_value = existing(disabled=True)
    task = params(pipeline_id=None, pipeline_name="Deploy", action_id=10, name="Build", disabled=True)
    getattr(model, call)(client, task, pipelines=pipelines)
    location = client.get_action.call_args[0][0]
    assert location.pipeline_id == 7 and pipelines.list_pipelines.call_count == 1
