# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The comparison rules that decide idempotency, and the prediction."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils._compare import (
    compared_view,
    differing_keys,
    is_subset,
    merge_into,
    prune_none,
    without_keys,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import MASK, without_write_only

SERVER_ACTION = {
    "id": 7,
    "url": "https://api.example.test/actions/7",
    "name": "Run tests",
    "type": "RUN_DOCKER_CONTAINER",
    "trigger_time": "ON_EVERY_EXECUTION",
    "disabled": False,
    "retry_count": 0,
    "execute_commands": ["pip install .", "pytest"],
    "integration": {"identifier": "abc", "hash_id": "abc", "name": "Registry", "type": "AMAZON"},
    "variables": [
        {"id": 1, "key": "A", "value": "1", "type": "VAR", "encrypted": False, "settable": False},
        {"id": 2, "key": "S", "value": "secure!x9", "type": "VAR", "encrypted": True, "settable": False},
    ],
    "spec": {"identifier": "sb", "os": "ubuntu:24.04",
             "endpoints": [{"name": "web", "endpoint": "80", "type": "HTTP", "domain": "x.test", "region": "US"}]},
}


@pytest.mark.parametrize("desired", [
    {},
    {"name": "Run tests"},
    {"disabled": False, "retry_count": 0},
    {"integration": {"identifier": "abc"}},
    {"execute_commands": ["pip install .", "pytest"]},
    {"variables": [{"key": "A", "value": "1"}, {"key": "S", "encrypted": True}]},
    {"spec": {"endpoints": [{"name": "web", "endpoint": "80"}]}},
    {"spec": {"identifier": "sb"}},
    {"loop": []},           # empty list matches a field the server left out
    {"permissions": {}},    # so does an empty dict
    {"missing": None},      # and a null
    {"retry_count": 0.0},   # numbers compare by value
])
def test_subset_holds_when_server_has_more(desired):
    assert is_subset(desired, SERVER_ACTION)
    assert differing_keys(desired, SERVER_ACTION) == []


@pytest.mark.parametrize("desired, key", [
    ({"name": "Other"}, "name"),
    ({"disabled": True}, "disabled"),
    ({"retry_count": 1}, "retry_count"),
    ({"execute_commands": ["pytest", "pip install ."]}, "execute_commands"),   # order counts
    ({"execute_commands": ["pip install ."]}, "execute_commands"),              # length counts
    ({"execute_commands": ["pip install .", "pytest", "x"]}, "execute_commands"),
    ({"integration": {"identifier": "other"}}, "integration"),
    ({"variables": [{"key": "S"}, {"key": "A"}]}, "variables"),
    ({"variables": [{"key": "A", "value": "2"}, {"key": "S"}]}, "variables"),
    ({"spec": {"endpoints": [{"name": "web", "region": "EU"}]}}, "spec"),
    ({"loop": ["a"]}, "loop"),
    ({"timeout": 30}, "timeout"),
    ({"disabled": 0}, "disabled"),            # a number is not a boolean
    ({"retry_count": False}, "retry_count"),  # and a boolean is not a number
    ({"retry_count": "0"}, "retry_count"),    # nor a string a number
    ({"name": None}, "name"),                 # null does not match a value
    ({"integration": "abc"}, "integration"),  # a string is not a dict
    ({"spec": ["identifier"]}, "spec"),
])
def test_difference_is_found_and_named(desired, key):
    assert not is_subset(desired, SERVER_ACTION)
    assert differing_keys(desired, SERVER_ACTION) == [key]


def test_differing_keys_keep_desired_order_and_skip_equal_ones():
    desired = {"timeout": 5, "name": "Run tests", "disabled": True, "retry_count": 0}
    assert differing_keys(desired, SERVER_ACTION) == ["timeout", "disabled"]


def test_list_against_scalar_and_none():
    assert not is_subset(["a"], "a")
    assert is_subset([], None)
    assert not is_subset(["a"], None)
    assert is_subset(None, None)
    assert not is_subset(None, "x")
    assert not is_subset({"a": 1}, None)


def test_merge_keeps_server_keys_and_replaces_what_is_set():
    merged = merge_into(SERVER_ACTION, {"spec": {"endpoints": [{"region": "EU"}]}, "timeout": 9})
    assert merged["spec"]["endpoints"][0] == {"name": "web", "endpoint": "80", "type": "HTTP", "domain": "x.test",
                                              "region": "EU"}
    assert merged["spec"]["os"] == "ubuntu:24.04"
    assert merged["timeout"] == 9
    assert merged["id"] == 7
    # The input is left alone.
    assert SERVER_ACTION["spec"]["endpoints"][0]["region"] == "US"
    assert "timeout" not in SERVER_ACTION


def test_merge_replaces_lists_of_another_length_and_scalars():
    assert merge_into({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}
    assert merge_into({"a": {"b": 1}}, {"a": "x"}) == {"a": "x"}
    assert merge_into(None, {"a": 1}) == {"a": 1}


def test_merge_result_is_a_superset_of_desired():
    desired = {"variables": [{"key": "A", "value": "9"}, {"key": "S", "encrypted": True}], "disabled": True}
    assert is_subset(desired, merge_into(SERVER_ACTION, desired))


def test_prune_none_drops_unset_sub_options_only():
    value = {"a": None, "b": {"c": None, "d": 1}, "e": [{"f": None, "g": 2}, None], "h": False, "i": []}
    assert prune_none(value) == {"b": {"d": 1}, "e": [{"g": 2}, None], "h": False, "i": []}


def test_encrypted_variable_compares_on_its_other_keys():
    desired = without_write_only({"variables": [{"key": "A", "value": "1"},
                                                {"key": "S", "value": "plain", "encrypted": True}]})
    assert is_subset(desired, SERVER_ACTION)
    desired["variables"][1]["settable"] = True
    assert not is_subset(desired, SERVER_ACTION)


def test_compared_view_shows_only_the_given_keys_masked():
    view = compared_view(SERVER_ACTION, ["name", "variables", "timeout"])
    assert set(view) == {"name", "variables", "timeout"}
    assert view["timeout"] is None
    assert view["variables"][1]["value"] == MASK


def test_without_keys():
    assert without_keys({"a": 1, "b": 2, "c": 3}, ("b", "x")) == {"a": 1, "c": 3}


@pytest.mark.parametrize("actual", [[3], None, {"a": 3}, "3"])
def test_a_number_the_user_set_never_matches_a_list_null_dict_or_text(actual):
    assert is_subset(3, actual) is False
    assert differing_keys({"timeout": 3}, {"timeout": actual}) == ["timeout"]


@pytest.mark.parametrize("desired, actual, expected", [
    ({"a": 1}, [("a", 1)], False),
    ({"a": 1}, {"a": 2}, False),
    ({"a": 1}, {}, False),
    ({"a": 1}, {"a": 1, "b": 2}, True),
    ([1], [1, 2], False),
    ([1], "1", False),
    (None, 0, False),
])
def test_is_subset_answers_a_boolean(desired, actual, expected):
    assert is_subset(desired, actual) is expected
