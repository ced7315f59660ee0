# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Variables client: scopes, list filters, matching by scope object, create never twice, delete of a gone one."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy_variables as variables
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_variables import VariableScope
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ApiError, OpsflowError, TransportError

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import (
    FakeRaw,
    dropped_after_send,
    request_paths,
    scripted_transport,
)

WORKSPACE_VAR = {"id": 1, "key": "K", "value": "w"}
PROJECT_VAR = {"id": 2, "key": "K", "value": "p", "project": {"name": "website"}}
PIPELINE_VAR = {"id": 3, "key": "K", "value": "pl", "pipeline": {"id": 7}}
# A server may name the parents too: the deepest scope object is the scope.
PIPELINE_VAR_WITH_PROJECT = {"id": 4, "key": "K", "value": "pl", "project": {"name": "website"},
                             "pipeline": {"id": "7"}}
ACTION_VAR = {"id": 5, "key": "K", "value": "a", "action": {"id": 1001}}
ENVIRONMENT_VAR = {"id": 6, "key": "K", "value": "e", "environment": {"id": "env1"}}
EVERYTHING = [WORKSPACE_VAR, PROJECT_VAR, PIPELINE_VAR, ACTION_VAR, ENVIRONMENT_VAR]


def make_client(*script, **kwargs):
    transport, session, warnings = scripted_transport(*script, **kwargs)
    return variables.BuddyVariablesClient(transport), session, warnings


def listing(*items):
    return FakeRaw(200, {"url": "u", "variables": [dict(item) for item in items]})


@pytest.mark.parametrize("scope, kind, query, body", [
    (VariableScope(), "workspace", {}, {}),
    (VariableScope("website"), "project", {"project_name": "website", "projectName": "website"},
     {"project": {"name": "website"}}),
    (VariableScope("website", 7), "pipeline", {"pipeline_id": "7", "pipelineId": "7"}, {"pipeline": {"id": 7}}),
    (VariableScope("website", 7, 1001), "action", {"action_id": "1001", "actionId": "1001"},
     {"action": {"id": 1001}}),
])
def test_scope_kind_filter_and_create_object(scope, kind, query, body):
    assert scope.kind == kind
    assert scope.query() == query
    assert scope.body() == body


def test_the_scope_of_an_item_is_its_deepest_scope_object():
    assert VariableScope.of(WORKSPACE_VAR) == VariableScope()
    assert VariableScope.of(PROJECT_VAR) == VariableScope("website")
    assert VariableScope.of(PIPELINE_VAR) == VariableScope("website", 7)
    assert VariableScope.of(PIPELINE_VAR_WITH_PROJECT) == VariableScope("other-name-is-not-compared", 7)
    assert VariableScope.of(ACTION_VAR) == VariableScope(None, None, 1001)
    assert VariableScope.of(ENVIRONMENT_VAR) is None
    assert VariableScope.of(dict(WORKSPACE_VAR, project=None)) == VariableScope()
    assert VariableScope("website", 7) != VariableScope("website")
    assert VariableScope("website", 7).describe() == "pipeline 7"


@pytest.mark.parametrize("scope, expected_ids", [
    (VariableScope(), [1]),
    (VariableScope("website"), [2]),
    (VariableScope("website", 7), [3, 4]),
    (VariableScope("website", 7, 1001), [5]),
])
def test_find_variables_keeps_only_the_scope_own_items(scope, expected_ids):
    client, session, _warnings = make_client(listing(*(EVERYTHING + [PIPELINE_VAR_WITH_PROJECT])))
    found = client.find_variables("acme", scope, "K")
    assert [item["id"] for item in found] == expected_ids
    [(method, url, kwargs)] = session.calls
    assert method == "GET" and url.endswith("/workspaces/acme/variables")
    assert kwargs["params"] == (scope.query() or None)


def test_find_variable_refuses_two_of_one_key_in_one_scope():
    client, _session, _warnings = make_client(listing(PIPELINE_VAR, PIPELINE_VAR_WITH_PROJECT))
    with pytest.raises(OpsflowError) as caught:
        client.find_variable("acme", VariableScope("website", 7), "K")
    assert caught.value.details["variable_ids"] == [3, 4]
    assert "pipeline 7 holds 2 variables" in caught.value.message


def test_list_answer_without_a_variables_list_is_an_error():
    client, _session, _warnings = make_client(FakeRaw(200, {"what": 1}), FakeRaw(200, [WORKSPACE_VAR]))
    with pytest.raises(ApiError):
        client.list_variables("acme", VariableScope())
    assert client.list_variables("acme", VariableScope()) == [WORKSPACE_VAR]


def test_get_is_none_when_missing_and_delete_of_a_gone_one_is_done():
    client, session, _warnings = make_client(FakeRaw(404, {"errors": [{"message": "Variable not found"}]}),
                                             FakeRaw(404, {"errors": [{"message": "Variable not found"}]}),
                                             FakeRaw(204))
    assert client.get_variable("acme", 9) is None
    client.delete_variable("acme", 9)
    client.delete_variable("acme", 9)
    assert request_paths(session) == [("GET", "/workspaces/acme/variables/9")] + [
        ("DELETE", "/workspaces/acme/variables/9")] * 2


@pytest.mark.parametrize("status", [200, 201])
def test_create_posts_once_and_takes_200_or_201(status):
    created = dict(PROJECT_VAR)
    client, session, _warnings = make_client(FakeRaw(status, created))
    payload = {"key": "K", "value": "p", "project": {"name": "website"}}
    assert client.create_variable("acme", VariableScope("website"), payload) == created
    assert request_paths(session) == [("POST", "/workspaces/acme/variables")]


def test_create_that_may_have_reached_the_server_is_looked_up_not_repeated():
    client, session, warnings = make_client(dropped_after_send(), listing(WORKSPACE_VAR, PROJECT_VAR))
    payload = {"key": "K", "value": "p", "project": {"name": "website"}}
    added = client.create_variable("acme", VariableScope("website"), payload)
    assert added == PROJECT_VAR
    assert request_paths(session) == [("POST", "/workspaces/acme/variables"), ("GET", "/workspaces/acme/variables")]
    assert session.calls[1][2]["params"] == {"project_name": "website", "projectName": "website"}
    assert "found the variable it added (id 2)" in warnings[0]


def test_create_not_found_afterwards_is_sent_again_then_gives_up():
    # A gateway error after the POST: the scope has no such key afterwards, so the POST is repeated (max_retries 1).
    gateway = FakeRaw(502, {"errors": [{"message": "Bad gateway"}]})
    client, session, _warnings = make_client(gateway, listing(WORKSPACE_VAR), gateway, listing(WORKSPACE_VAR),
                                             max_retries=1)
    with pytest.raises(TransportError) as caught:
        client.create_variable("acme", VariableScope("website"), {"key": "K", "value": "p"})
    assert "not in the project website after 1 retries" in caught.value.message
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "POST", "GET"]


def test_edit_sends_the_body_as_given():
    client, session, _warnings = make_client(FakeRaw(200, PROJECT_VAR))
    client.edit_variable("acme", 2, {"key": "K", "description": "d"})
    assert request_paths(session) == [("PATCH", "/workspaces/acme/variables/2")]
    assert session.calls[0][2]["data"] == '{"key": "K", "description": "d"}'
