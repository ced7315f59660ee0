# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every Buddy client shares: paths, the connection table and spec, the transport and the client facade."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
import yaml

from ansible.module_utils.basic import env_fallback

from ansible_collections.opsflow.pipelines.plugins.doc_fragments._buddy import ModuleDocFragment
from ansible_collections.opsflow.pipelines.plugins.module_utils import _buddy
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec


def test_paths_are_built_from_quoted_segments():
    location = _buddy.PipelineLocation("my ws", "../x", 3)
    assert location.actions_path() == "/workspaces/my%20ws/projects/..%2Fx/pipelines/3/actions"
    assert location.actions_path(12) == "/workspaces/my%20ws/projects/..%2Fx/pipelines/3/actions/12"
    assert location.executions_path() == "/workspaces/my%20ws/projects/..%2Fx/pipelines/3/executions"
    assert location.executions_path(12) == "/workspaces/my%20ws/projects/..%2Fx/pipelines/3/executions/12"
    assert location.pipelines_path() == "/workspaces/my%20ws/projects/..%2Fx/pipelines"
    assert _buddy.sandboxes_path("my ws") == "/workspaces/my%20ws/sandboxes"
    assert _buddy.sandboxes_path("acme", "a/b", "snapshots") == "/workspaces/acme/sandboxes/a%2Fb/snapshots"
    with pytest.raises(ValidationError):
        _buddy.sandboxes_path("acme", "..")


def test_dot_project_name_is_refused_before_any_request():
    with pytest.raises(ValidationError) as caught:
        _buddy.PipelineLocation("acme", "..", 1)
    assert "project_name" in caught.value.message


def test_from_params_sends_bearer_token_and_user_agent():
    params = {"api_url": "https://api.eu.buddy.works", "token": "tok", "validate_certs": False,
              "request_timeout": 12.5, "max_retries": 1}
    client = BuddyClient.from_params(params)
    assert client.transport.headers["Authorization"] == "Bearer tok"
    assert client.transport.headers["User-Agent"].startswith("opsflow.pipelines/")
    assert client.transport.timeout == 12.5 and client.transport.validate_certs is False
    # One transport for every resource: one retry budget, one set of warnings.
    for resource in (client.actions, client.pipelines, client.executions, client.sandboxes):
        assert resource.transport is client.transport


def test_a_token_that_can_not_be_a_header_fails_before_any_request():
    params = {"api_url": "https://api.buddy.works", "token": "to ken", "validate_certs": True,
              "request_timeout": 30.0, "max_retries": 5}
    with pytest.raises(ValidationError) as caught:
        BuddyClient.from_params(params)
    assert "to ken" not in caught.value.message


def test_connection_table_matches_the_doc_fragment():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = _buddy.BUDDY_CONNECTION_SPEC.argument_spec
    assert set(documented) == set(spec)
    for name, entry in spec.items():
        doc = documented[name]
        assert doc["type"] == entry["type"], name
        assert doc.get("required", False) == entry.get("required", False), name
        assert (doc.get("default") == entry.get("default")), name
        for variable in entry.get("fallback", (None, []))[1]:
            assert "E(%s)" % variable in " ".join(doc["description"]), (name, variable)
        if entry.get("fallback"):
            assert entry["fallback"][0] is env_fallback
    assert spec["token"]["no_log"] is True


def test_module_options_can_not_shadow_connection_options():
    with pytest.raises(ValueError):
        _buddy.BUDDY_CONNECTION_SPEC.merge(ArgumentSpec({"token": {"type": "str"}}))


def test_location_specs_match_the_doc_fragment_sections():
    for section, spec in (("WORKSPACE", _buddy.WORKSPACE_SPEC), ("PIPELINE", _buddy.PIPELINE_SPEC)):
        documented = dict(yaml.safe_load(ModuleDocFragment.WORKSPACE)["options"])
        if section == "PIPELINE":
            documented.update(yaml.safe_load(ModuleDocFragment.PIPELINE)["options"])
        assert set(documented) == set(spec.argument_spec), section
        for name, entry in spec.argument_spec.items():
            assert documented[name]["type"] == entry["type"], name
            assert documented[name].get("required", False) == entry.get("required", False), name
    # One of pipeline_id / pipeline_name, never both.
    assert ["pipeline_id", "pipeline_name"] in [list(entry) for entry in _buddy.PIPELINE_SPEC.mutually_exclusive]
    assert ["pipeline_id", "pipeline_name"] in [list(entry) for entry in _buddy.PIPELINE_SPEC.required_one_of]


@pytest.mark.parametrize("pipeline_id", [0, -1])
def test_a_pipeline_id_below_one_is_refused_before_any_request(pipeline_id):
    # Checked where every Buddy module builds its paths, so buddy_pipeline_run gets it too.
    with pytest.raises(ValidationError) as caught:
        _buddy.PipelineLocation("acme", "website", pipeline_id)
    assert "pipeline_id must be the ID of a pipeline, a positive integer" in caught.value.message
    assert caught.value.details["options"] == ["pipeline_id"]


@pytest.mark.parametrize("pipeline_id", [True, False, "7", 7.0])
def test_a_pipeline_id_that_is_no_integer_is_refused_before_any_request(pipeline_id):
    # `pipeline_id: true` passes Ansible's int check (bool is an int) and would be sent as /pipelines/True.
    with pytest.raises(ValidationError) as caught:
        _buddy.PipelineLocation("acme", "website", pipeline_id)
    assert caught.value.details["options"] == ["pipeline_id"]


class FakeLister:
    def __init__(self, pipelines):
        self.pipelines = pipelines
        self.calls = 0

    def list_pipelines(self, location):
        self.calls += 1
        return list(self.pipelines)


def test_pipeline_name_is_resolved_once_and_only_when_a_path_needs_it():
    lister = FakeLister([{"id": 4, "name": "Release"}, {"id": 9, "name": "Deploy"}])
    location = _buddy.PipelineLocation("acme", "website", pipeline_name="Deploy", pipelines=lister)
    assert lister.calls == 0
    assert location.pipelines_path() == "/workspaces/acme/projects/website/pipelines"
    assert lister.calls == 0
    assert location.actions_path() == "/workspaces/acme/projects/website/pipelines/9/actions"
    assert location.executions_path(3) == "/workspaces/acme/projects/website/pipelines/9/executions/3"
    assert location.pipeline_id == 9 and lister.calls == 1


@pytest.mark.parametrize("names, wanted, path, expected", [
    # missing: the message names what the project holds
    (["Release", "Deploy"], "deploy", "actions_path", ["no pipeline named 'deploy'", "'Release' (id 4)", "'Deploy' (id 9)"]),
    # held twice: the message names the ids
    (["Deploy", "Deploy"], "Deploy", "pipeline_path", ["2 pipelines named 'Deploy' (ids 4, 9)"]),
])
def test_pipeline_name_missing_or_held_twice_fails_naming_the_pipelines(names, wanted, path, expected):
    lister = FakeLister([{"id": 4, "name": names[0]}, {"id": 9, "name": names[1]}])
    location = _buddy.PipelineLocation("acme", "website", pipeline_name=wanted, pipelines=lister)
    with pytest.raises(OpsflowError) as caught:
        getattr(location, path)()
    for text in expected:
        assert text in caught.value.message


def test_an_empty_project_says_so():
    location = _buddy.PipelineLocation("acme", "website", pipeline_name="Deploy", pipelines=FakeLister([]))
    with pytest.raises(OpsflowError) as caught:
        location.pipeline_path()
    assert "it has no pipelines" in caught.value.message


@pytest.mark.parametrize("name", ["", "   "])
def test_a_blank_pipeline_name_is_refused_before_any_request(name):
    with pytest.raises(ValidationError) as caught:
        _buddy.PipelineLocation("acme", "website", pipeline_name=name, pipelines=FakeLister([]))
    assert caught.value.details["options"] == ["pipeline_name"]


def test_from_params_builds_a_lister_over_the_connection_options_when_none_is_given():
    params = {"api_url": "https://api.buddy.works", "token": "tok", "validate_certs": True, "request_timeout": 30.0,
              "max_retries": 0, "workspace": "acme", "project_name": "website", "pipeline_id": None,
              "pipeline_name": "Deploy"}
    location = _buddy.PipelineLocation.from_params(params)
    assert location._pipelines.transport.headers["Authorization"] == "Bearer tok"
    given = FakeLister([{"id": 2, "name": "Deploy"}])
    assert _buddy.PipelineLocation.from_params(params, given).pipeline_id == 2
    by_id = _buddy.PipelineLocation.from_params(dict(params, pipeline_id=5, pipeline_name=None))
    assert by_id.pipeline_id == 5 and by_id._pipelines is None
