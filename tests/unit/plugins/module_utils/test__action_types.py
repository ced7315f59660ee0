# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action-type registry: what it lists, how it merges the types' options, and adding a type."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_common import COMMON_FIELDS
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_base import (
    ActionType,
    doc_entry,
    option,
    shared,
    spec_entry,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError


class Sleep(ActionType):
    """A fifth type, as the registry's docstring says to add one."""

    name = "SLEEP"
    summary = "waits."
    options = {
        "sleep_in_sec": option("int", "Seconds to wait.", required_for_type=True),
        "shell": shared("shell", choices=("SH",)),
    }

    def validate(self, fields):
        if fields.get("sleep_in_sec", 1) < 1:
            return [("sleep_in_sec must be at least 1", ["sleep_in_sec"])]
        return []


@pytest.fixture
def with_sleep(monkeypatch):
    monkeypatch.setattr(registry, "TYPES", registry.TYPES + (Sleep(),))


def test_the_four_modelled_types_in_order():
    assert registry.type_names() == ("BLACKFIRE_PYTHON", "SANDBOX_MANAGE", "SANDBOX_CREATE", "RUN_DOCKER_CONTAINER")
    assert registry.get_type("SANDBOX_CREATE").name == "SANDBOX_CREATE"
    assert registry.get_type("BUILD") is None
    assert registry.get_type(None) is None


def test_every_type_has_a_summary_and_documented_options():
    for action_type in registry.TYPES:
        assert action_type.summary.endswith(".")
        for name, declared in action_type.options.items():
            assert declared["description"], "%s.%s has no description" % (action_type.name, name)
            assert set(declared) <= {"description", "type", "elements", "choices", "suboptions", "no_log",
                                     "required_for_type", "normalise"}
            assert "required" not in declared, "a type option is required for its type only (required_for_type)"


def test_owners_and_union_of_options():
    assert registry.owners("shell") == ["BLACKFIRE_PYTHON", "RUN_DOCKER_CONTAINER"]
    assert registry.owners("snapshot_name") == ["SANDBOX_MANAGE", "SANDBOX_CREATE"]
    assert registry.owners("operation") == ["SANDBOX_MANAGE"]
    assert registry.owners("trigger_time") == []
    names = registry.type_option_names()
    assert len(names) == len(set(names))
    assert set(names) == set().union(*(action_type.options for action_type in registry.TYPES))


def test_shared_option_spec_takes_the_union_of_the_choices():
    spec = registry.type_options_spec()
    assert spec["shell"] == {"type": "str", "choices": ["SH", "BASH", "POWERSHELL"]}
    assert registry.get_type("BLACKFIRE_PYTHON").choices("shell") == ["SH", "BASH"]
    assert spec["password"] == {"type": "str", "no_log": True}
    assert spec["targets"]["options"]["scope"] == {"type": "str", "choices": ["ANY", "PROJECT", "WORKSPACE"]}
    # Nothing the spec must not carry: required_for_type, normalise, descriptions.
    assert "required" not in spec["operation"] and "description" not in spec["operation"]
    assert "normalise" not in spec["integration"]


def test_types_that_declare_one_option_differently_are_a_programming_error(monkeypatch):
    other = dict(registry.get_type("SANDBOX_CREATE").options, snapshot_name=option("int", "A number."))
    monkeypatch.setattr(type(registry.get_type("SANDBOX_CREATE")), "options", other)
    with pytest.raises(ValueError, match="declare option snapshot_name differently"):
        registry.type_options_spec()


def test_common_fields_come_from_one_table():
    assert list(registry.common_fields_spec()) == list(COMMON_FIELDS)
    key = registry.common_fields_spec()["variables"]["options"]["key"]
    assert key == {"type": "str", "required": True, "no_log": False}
    assert not set(COMMON_FIELDS) & set(registry.type_option_names())


def test_check_options_passes_any_type_that_is_not_modelled():
    registry.check_options("BUILD", {"operation": "x", "docker_image_name": "y"}, full=True, free=("operation",))
    registry.check_options(None, {"operation": "x"}, full=True)


def test_check_options_reports_every_problem_in_one_error():
    with pytest.raises(ValidationError) as caught:
        registry.check_options("BLACKFIRE_PYTHON", {"version": "3", "operation": "START", "shell": "POWERSHELL"},
                               full=True, free=("version",))
    assert caught.value.message == (
        "fields may not hold version (an option of type BLACKFIRE_PYTHON); set it as the option of that name instead; "
        "option does not apply to type BLACKFIRE_PYTHON: operation (an option of SANDBOX_MANAGE); "
        "type BLACKFIRE_PYTHON requires these options: execute_commands, integration; "
        "value of shell must be one of SH, BASH for type BLACKFIRE_PYTHON, got POWERSHELL")
    assert caught.value.details["options"] == ["version", "operation", "execute_commands", "integration", "shell"]


def test_check_options_not_full_skips_required_options_and_the_types_rules():
    registry.check_options("RUN_DOCKER_CONTAINER", {"docker_image_tag": "2"}, full=False)
    with pytest.raises(ValidationError):
        registry.check_options("RUN_DOCKER_CONTAINER", {"docker_image_tag": "2"}, full=True)


def test_check_values_runs_for_the_options_present_whatever_the_type():
    registry.check_values({"spec": {"identifier": "ok_1-2"}})
    with pytest.raises(ValidationError) as caught:
        registry.check_values({"spec": {"identifier": "no spaces"}})
    assert caught.value.details["options"] == ["spec"]
    registry.check_values({"operation": "x"})


def test_normalise_turns_an_integration_identifier_into_a_dict():
    assert registry.normalise({"integration": "bf1", "version": "3"}) == {"integration": {"identifier": "bf1"},
                                                                          "version": "3"}
    assert registry.normalise({"version": "3"}) == {"version": "3"}


def test_documentation_covers_every_common_field_and_type_option():
    docs = registry.documentation()
    assert list(docs) == list(COMMON_FIELDS) + list(registry.type_option_names())
    assert docs["trigger_time"] == doc_entry(COMMON_FIELDS["trigger_time"])
    assert docs["operation"]["description"][0] == "Only for type C(SANDBOX_MANAGE); required for it."
    assert docs["shell"]["description"][-1] == "C(BLACKFIRE_PYTHON) takes only V(SH) and V(BASH)."
    assert docs["version"]["description"] == [
        "Only for types C(BLACKFIRE_PYTHON) (required for it) and C(RUN_DOCKER_CONTAINER).",
        "For C(BLACKFIRE_PYTHON), the Python version, such as V(3.12) or V(latest).",
        "For C(RUN_DOCKER_CONTAINER), the version of the package from the package registry."]
    assert "no_log" not in docs["password"]
    assert "no_log" not in docs["variables"]["suboptions"]["key"]
    assert [line.split(")")[0] for line in registry.description_lines()] == [
        "Type C(%s" % name for name in registry.type_names()]


def test_spec_and_doc_entries_come_from_one_declaration():
    declared = option("list", "Items.", elements="dict", no_log=False, required_for_type=True, suboptions={
        "key": option("str", "The key.", required=True, choices=("a", "b"))})
    assert spec_entry(declared) == {"type": "list", "elements": "dict", "no_log": False,
                                    "options": {"key": {"type": "str", "required": True, "choices": ["a", "b"]}}}
    assert doc_entry(declared) == {"description": ["Items."], "type": "list", "elements": "dict", "suboptions": {
        "key": {"description": ["The key."], "type": "str", "required": True, "choices": ["a", "b"]}}}


# ---------------------------------------------------------------------------------------------
# A fifth type is one new file: everything else follows from the registry
# ---------------------------------------------------------------------------------------------

def test_a_fifth_type_joins_the_spec_the_checks_and_the_docs(with_sleep):
    assert registry.type_names()[-1] == "SLEEP"
    assert registry.type_options_spec()["sleep_in_sec"] == {"type": "int"}
    assert registry.owners("shell") == ["BLACKFIRE_PYTHON", "RUN_DOCKER_CONTAINER", "SLEEP"]
    with pytest.raises(ValidationError) as caught:
        registry.check_options("SLEEP", {"shell": "BASH"}, full=True)
    assert caught.value.details["options"] == ["sleep_in_sec", "shell"]
    with pytest.raises(ValidationError, match="at least 1"):
        registry.check_options("SLEEP", {"sleep_in_sec": 0}, full=True)
    with pytest.raises(ValidationError, match=r"sleep_in_sec \(an option of SLEEP\)"):
        registry.check_options("SANDBOX_MANAGE", {"sleep_in_sec": 3}, full=False)
    docs = registry.documentation()
    assert docs["sleep_in_sec"]["description"] == ["Only for type C(SLEEP); required for it.", "Seconds to wait."]
    assert "C(SLEEP) takes only V(SH)." in docs["shell"]["description"]
    assert registry.description_lines()[-1] == "Type C(SLEEP) waits. It takes O(sleep_in_sec) (required), O(shell)."


def test_a_fifth_type_reaches_buddy_action(with_sleep):
    from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_action as model
    assert "sleep_in_sec" in model.action_argument_spec()
    with pytest.raises(ValidationError, match="type SLEEP requires this option: sleep_in_sec"):
        model.validate_item({"name": "Wait", "type": "SLEEP"})
    request = model.validate_item({"name": "Wait", "type": "SLEEP", "sleep_in_sec": 5})
    assert request.add_payload(None) == {"name": "Wait", "type": "SLEEP", "sleep_in_sec": 5}
