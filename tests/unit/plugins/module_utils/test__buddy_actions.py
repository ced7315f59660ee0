# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The actions client over a scripted session: look-ups, pages, and the add that never adds twice."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
import requests

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PER_PAGE, PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_actions import BuddyActionsClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import NotFoundError, TransportError

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import (
    FakeRaw,
    dropped_after_send,
    request_paths,
    scripted_transport,
)

LOCATION = PipelineLocation("acme", "website", 7)


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
    client, session, warnings = make_client(dropped_after_send(), listing)
    added = client.add_action(LOCATION, {"name": "n", "type": "T"}, exclude_ids=[3])
    assert added["id"] == 11
    assert [method for method, _path in request_paths(session)] == ["POST", "GET"]
    assert "not sent again" in warnings[-1]


def test_add_action_ignores_actions_that_existed_before():
    listing = FakeRaw(200, {"actions": [{"id": 3, "name": "n", "type": "T"}]})
    client, session, _warnings = make_client(dropped_after_send(), listing, FakeRaw(201, {"id": 12}))
    assert client.add_action(LOCATION, {"name": "n", "type": "T"}, exclude_ids=[3])["id"] == 12
    assert [method for method, _path in request_paths(session)] == ["POST", "GET", "POST"]


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
