# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The BlinkOps connection: option table against the doc fragment, client set-up, 403/404 wording, list answers."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
import yaml

from ansible.module_utils.basic import env_fallback

from ansible_collections.opsflow.pipelines.plugins.doc_fragments._blink import ModuleDocFragment
from ansible_collections.opsflow.pipelines.plugins.module_utils import _blink
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    PermissionDeniedError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec

from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import FakeRaw, scripted_transport

KEY = "blink-k3y-never-shown"
BASE = "https://app.blinkops.test"


# ---------------------------------------------------------------------------------------------
# Connection options, client set-up, error wording
# ---------------------------------------------------------------------------------------------

def test_connection_table_matches_the_doc_fragment():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = _blink.BLINK_CONNECTION_SPEC.argument_spec
    assert set(documented) == set(spec) == {"api_url", "api_key", "validate_certs", "request_timeout", "max_retries"}
    for name, entry in spec.items():
        doc = documented[name]
        assert doc["type"] == entry["type"], name
        assert doc.get("required", False) == entry.get("required", False), name
        assert doc.get("default") == entry.get("default"), name
        for variable in entry.get("fallback", (None, []))[1]:
            assert "E(%s)" % variable in " ".join(doc["description"]), (name, variable)
        if entry.get("fallback"):
            assert entry["fallback"][0] is env_fallback
    assert spec["api_key"]["no_log"] is True and spec["api_key"]["required"] is True
    assert spec["api_url"]["default"] == "https://app.blinkops.com"
    assert spec["api_url"]["fallback"][1] == ["BLINK_API_URL"]
    assert spec["api_key"]["fallback"][1] == ["BLINK_API_KEY"]
    assert spec["validate_certs"]["fallback"][1] == ["BLINK_VALIDATE_CERTS"]
    assert spec["request_timeout"]["fallback"][1] == ["BLINK_REQUEST_TIMEOUT"]
    assert spec["max_retries"]["default"] == 5


def test_module_options_can_not_shadow_connection_options():
    with pytest.raises(ValueError):
        _blink.BLINK_CONNECTION_SPEC.merge(ArgumentSpec({"api_key": {"type": "str"}}))


@pytest.mark.parametrize("api_url, base", [
    ("https://app.blinkops.com", "https://app.blinkops.com"),
    ("https://us2.blinkops.com/", "https://us2.blinkops.com"),
    ("https://acme.blinkops.com/api/v1", "https://acme.blinkops.com"),
    ("https://acme.blinkops.com/api/v1/", "https://acme.blinkops.com"),
])
def test_from_params_sends_the_key_header_and_accepts_regional_and_tenant_urls(api_url, base):
    params = {"api_url": api_url, "api_key": KEY, "validate_certs": False, "request_timeout": 7.5, "max_retries": 1}
    client = _blink.BlinkClient.from_params(params)
    assert client.transport.base_url == base
    assert client.transport.headers["BLINK-API-KEY"] == KEY
    assert "Authorization" not in client.transport.headers
    assert client.transport.headers["User-Agent"].startswith("opsflow.pipelines/")
    assert client.transport.timeout == 7.5 and client.transport.validate_certs is False


def test_403_and_404_say_what_to_check_for_the_object_asked_about():
    transport, _session, _warnings = scripted_transport(
        FakeRaw(404, {"status": 404, "message": "gone"}), FakeRaw(403, {"status": 403, "message": "no"}),
        base_url=BASE)
    client = _blink.BlinkClient(transport)
    with pytest.raises(NotFoundError) as caught:
        client.request("workflow", "GET", client.workspace_path("w", "playbooks"))
    assert "HTTP 404: gone (check workspace_id and workflow_id" in caught.value.message
    with pytest.raises(PermissionDeniedError) as caught:
        client.request("workspace", "GET", client.workspace_path("w", "executions"))
    assert "Owner or Contributor" in caught.value.message


def test_list_answers_give_records_and_total():
    assert _blink.rql_results({"results": [{"id": 1}, "junk"], "total": 3}, "/p") == ([{"id": 1}], 3)
    assert _blink.rql_results([{"id": 1}], "/p") == ([{"id": 1}], None)
    assert _blink.rql_results({"results": [], "total": True}, "/p") == ([], None)
    with pytest.raises(ApiError):
        _blink.rql_results({"items": []}, "/p")


def test_other_errors_pass_through_unchanged():
    transport, _session, _warnings = scripted_transport(
        FakeRaw(409, {"status": 409, "message": "busy"}), base_url=BASE)
    client = _blink.BlinkClient(transport)
    with pytest.raises(ApiError) as caught:
        client.request("workflow", "POST", client.workspace_path("w", "playbooks", "p", "execute"))
    assert not isinstance(caught.value, (NotFoundError, PermissionDeniedError)) and caught.value.status == 409
    other = ApiError("GET", "/p", 500, "down")
    assert _blink.with_blink_hint(other, "workflow") is other


def test_an_answer_without_results_is_an_error_of_the_read_that_got_it():
    with pytest.raises(ApiError) as caught:
        _blink.rql_results({"items": []}, "/api/v1/workspace/w/executions")
    assert (caught.value.method, caught.value.path, caught.value.status) == ("GET", "/api/v1/workspace/w/executions", 200)
    assert "no 'results' list" in caught.value.message


def test_from_module_uses_the_module_params_and_its_scrubbing_warn():
    warnings = []

    class Module:
        params = {"api_url": BASE, "api_key": KEY, "validate_certs": True, "request_timeout": 5, "max_retries": 0}

        def warn(self, text):
            warnings.append(text)

    client = _blink.BlinkClient.from_module(Module())
    assert client.transport.base_url == BASE and client.transport.headers["BLINK-API-KEY"] == KEY
    client.transport.warn("careful")
    assert warnings == ["careful"]
