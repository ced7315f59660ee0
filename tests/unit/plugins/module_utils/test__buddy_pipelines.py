# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pipelines client over a scripted session."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PER_PAGE, PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_pipelines import BuddyPipelinesClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import NotFoundError

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import FakeRaw, request_paths, scripted_transport

PIPELINES = "/workspaces/acme/projects/website/pipelines"


def make_client(*script, **kwargs):
    transport, session, warnings = scripted_transport(*script, **kwargs)
    return BuddyPipelinesClient(transport), session, warnings


def test_get_pipeline_reads_one():
    client, session, _warnings = make_client(FakeRaw(200, {"id": 7, "name": "Deploy"}))
    assert client.get_pipeline(PipelineLocation("acme", "website", 7))["name"] == "Deploy"
    assert request_paths(session) == [("GET", PIPELINES + "/7")]


def test_a_missing_pipeline_is_not_found():
    client, _session, _warnings = make_client(FakeRaw(404, {"errors": [{"message": "Pipeline not found"}]}))
    with pytest.raises(NotFoundError) as caught:
        client.get_pipeline(PipelineLocation("acme", "website", 8))
    assert "Pipeline not found" in caught.value.message


def test_list_pipelines_reads_every_page_of_the_project():
    first = FakeRaw(200, {"pipelines": [{"id": index} for index in range(1, PER_PAGE + 1)]})
    client, session, _warnings = make_client(first, FakeRaw(200, {"pipelines": [{"id": 99}]}))
    listed = client.list_pipelines(PipelineLocation("acme", "website"))
    assert [item["id"] for item in listed][-1] == 99 and len(listed) == PER_PAGE + 1
    assert request_paths(session) == [("GET", PIPELINES)] * 2
    assert [call[2]["params"]["page"] for call in session.calls] == [1, 2]


def test_list_asks_for_the_go_sdk_page_size():
    from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_pipelines import PIPELINES_PER_PAGE
    client, session, _warnings = make_client(FakeRaw(200, {"pipelines": []}))
    client.list_pipelines(PipelineLocation("acme", "website"))
    assert PIPELINES_PER_PAGE == 30 and session.calls[0][2]["params"]["per_page"] == 30


@pytest.mark.parametrize("status", [200, 201])
def test_create_accepts_both_statuses(status):
    client, session, _warnings = make_client(FakeRaw(status, {"id": 5, "name": "Deploy"}))
    assert client.create_pipeline(PipelineLocation("acme", "website"), {"name": "Deploy"})["id"] == 5
    assert request_paths(session) == [("POST", PIPELINES)]


def test_a_create_that_may_have_reached_the_server_is_looked_up_not_repeated():
    client, session, warnings = make_client(
        FakeRaw(502, {"errors": [{"message": "Bad gateway"}]}),
        FakeRaw(200, {"pipelines": [{"id": 1, "name": "Old"}, {"id": 6, "name": "Deploy"}]}),
        FakeRaw(200, {"pipelines": []}))
    created = client.create_pipeline(PipelineLocation("acme", "website"), {"name": "Deploy"}, exclude_ids=[1])
    assert created["id"] == 6
    assert [call[0] for call in request_paths(session)] == ["POST", "GET", "GET"]
    assert "was not sent again" in warnings[0]


def test_delete_counts_a_pipeline_already_gone():
    client, session, _warnings = make_client(FakeRaw(404, {"errors": [{"message": "Pipeline not found"}]}))
    client.delete_pipeline(PipelineLocation("acme", "website", 5))
    assert request_paths(session) == [("DELETE", PIPELINES + "/5")]
