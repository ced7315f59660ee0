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
