# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The actions client over a scripted session: look-ups, pages, and the add that never adds twice."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
import requests

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_actions import ACTIONS_PER_PAGE as PER_PAGE
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_actions import BuddyActionsClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    OpsflowError,
    TransportError,
)

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import (
    FakeRaw,
    dropped_after_send,
    request_paths,
    scripted_transport,
)

LOCATION = PipelineLocation("acme", "website", 7)
EMPTY = FakeRaw(200, {"actions": []})


def make_client(*script, **kwargs):
    transport, session, warnings = scripted_transport(*script, **kwargs)
    return BuddyActionsClient(transport), session, warnings


def test_list_actions_reads_every_page():
    first = FakeRaw(200, {"actions": [{"id": i, "name": "a%d" % i} for i in range(PER_PAGE)]})
    second = FakeRaw(200, {"actions": [{"id": 999, "name": "last"}]})
    client, session, _warnings = make_client(first, second)
    actions = client.list_actions(LOCATION)
    assert len(actions) == PER_PAGE + 1 and actions[-1]["name"] == "last"
    assert [call[2]["params"]["page"] for call in session.calls] == [1, 2]


def test_get_action_returns_none_on_404():
    client, session, _warnings = make_client(FakeRaw(404, {"errors": [{"message": "Action not found"}]}))
    assert client.get_action(LOCATION, 5) is None
    assert request_paths(session) == [("GET", "/workspaces/acme/projects/website/pipelines/7/actions/5")]


def test_add_action_posts_once():
    client, session, _warnings = make_client(FakeRaw(201, {"id": 10, "name": "n", "type": "T"}))
    assert client.add_action(LOCATION, {"name": "n", "type": "T"})["id"] == 10
    assert request_paths(session) == [("POST", "/workspaces/acme/projects/website/pipelines/7/actions")]


def test_add_action_after_a_dropped_post_finds_the_committed_action_instead_of_adding_again():
    listing = FakeRaw(200, {"actions": [{"id": 3, "name": "n", "type": "OLD"}, {"id": 11, "name": "n", "type": "T"}]})
    client, session, warnings = make_client(dropped_after_send(), listing, EMPTY)
    added = client.add_action(LOCATION, {"name": "n", "type": "T"}, exclude_ids=[3])
    assert added["id"] == 11
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "GET"]
    assert "not sent again" in warnings[-1]


def test_add_action_ignores_actions_that_existed_before():
    listing = FakeRaw(200, {"actions": [{"id": 3, "name": "n", "type": "T"}]})
    client, session, _warnings = make_client(dropped_after_send(), listing, EMPTY, FakeRaw(201, {"id": 12}))
    assert client.add_action(LOCATION, {"name": "n", "type": "T"}, exclude_ids=[3])["id"] == 12
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "GET", "POST"]


def test_add_action_after_a_dropped_post_that_did_not_commit_posts_again():
    client, session, warnings = make_client(dropped_after_send(), FakeRaw(200, {"actions": []}), FakeRaw(201, {"id": 12}))
    assert client.add_action(LOCATION, {"name": "n", "type": "T"})["id"] == 12
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "POST"]
    assert "retry 1 of 2" in warnings[0]


def test_add_action_gives_up_after_max_retries():
    script = [requests.exceptions.ReadTimeout("t"), FakeRaw(200, {"actions": []})] * 2
    client, session, _warnings = make_client(*script, max_retries=1)
    with pytest.raises(TransportError) as caught:
        client.add_action(LOCATION, {"name": "n", "type": "T"})
    assert "not in the pipeline after 1 retries" in caught.value.message
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "POST", "GET"]


def test_delete_action_treats_404_as_deleted():
    client, session, _warnings = make_client(FakeRaw(404, {"errors": [{"message": "gone"}]}))
    client.delete_action(LOCATION, 5)
    assert request_paths(session) == [("DELETE", "/workspaces/acme/projects/website/pipelines/7/actions/5")]


def test_other_errors_still_raise():
    client, _session, _warnings = make_client(FakeRaw(404, {"errors": [{"message": "Pipeline not found"}]}))
    with pytest.raises(NotFoundError):
        client.list_actions(LOCATION)


def test_list_actions_asks_for_the_go_sdk_page_size_and_probes_for_an_empty_page():
    client, session, _warnings = make_client(FakeRaw(200, {"actions": [{"id": 1}]}), EMPTY)
    assert client.list_actions(LOCATION) == [{"id": 1}]
    assert [call[2]["params"] for call in session.calls] == [{"page": 1, "per_page": 30}, {"page": 2, "per_page": 30}]


@pytest.mark.parametrize("answer", [FakeRaw(200, text=""), FakeRaw(200, text="<html>ok</html>"), FakeRaw(200, {})])
def test_a_get_answered_without_an_action_is_no_proof_it_is_gone(answer):
    client, _session, _warnings = make_client(answer)
    with pytest.raises(ApiError) as caught:
        client.get_action(LOCATION, 5)
    assert "instead of the action" in caught.value.message


@pytest.mark.parametrize("text", ["", "not json", "{}"])
def test_an_add_answered_2xx_without_the_action_reads_it_back(text):
    listing = FakeRaw(200, {"actions": [{"id": 3, "name": "n", "type": "T"}, {"id": 12, "name": "n", "type": "T"}]})
    client, session, warnings = make_client(FakeRaw(201, text=text), listing, EMPTY)
    assert client.add_action(LOCATION, {"name": "n", "type": "T"}, exclude_ids=[3])["id"] == 12
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "GET"]
    assert "read the added action back (id 12)" in warnings[-1]


def test_an_add_answered_2xx_without_the_action_and_not_found_fails_as_changed():
    client, _session, _warnings = make_client(FakeRaw(200, text=""), EMPTY)
    with pytest.raises(OpsflowError) as caught:
        client.add_action(LOCATION, {"name": "n", "type": "T"})
    assert "answered HTTP 200 with an empty body" in caught.value.message
    assert caught.value.details["changed"] is True


def test_an_edit_answered_2xx_without_the_action_reads_it_back():
    client, session, warnings = make_client(FakeRaw(200, text=""), FakeRaw(200, {"id": 5, "disabled": True}))
    assert client.edit_action(LOCATION, 5, {"disabled": True}) == {"id": 5, "disabled": True}
    assert [method for method, _path in request_paths(session)] == ["PATCH", "GET"]
    assert "read the action back" in warnings[-1]


def test_an_edit_whose_read_back_fails_too_fails_as_changed():
    client, _session, _warnings = make_client(FakeRaw(200, text="oops"), FakeRaw(200, text=""))
    with pytest.raises(OpsflowError) as caught:
        client.edit_action(LOCATION, 5, {"disabled": True})
    assert "the change may have been made" in caught.value.message and caught.value.details["changed"] is True
