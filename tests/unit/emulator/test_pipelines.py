# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's pipelines: CRUD with server defaults, validation, paging without totals, the switches."""

from __future__ import annotations

PIPELINES = "/workspaces/acme/projects/website/pipelines"


def test_create_fills_defaults_and_patch_changes_only_what_is_sent(api, control):
    status, _headers, created = api.call("POST", PIPELINES, {"name": "Deploy", "priority": "HIGH", "on": "CLICK"})
    assert status == 201 and created["id"] == 3 and created["identifier"] == "deploy"
    assert created["priority"] == "HIGH" and created["definition_source"] == "LOCAL"
    assert created["events"] == [] and created["fail_on_prepare_env_warning"] is True
    status, _headers, patched = api.call("PATCH", "%s/%s" % (PIPELINES, created["id"]), {"paused": True})
    assert status == 200 and patched["paused"] is True and patched["priority"] == "HIGH"
    assert api.call("DELETE", "%s/%s" % (PIPELINES, created["id"]))[0] == 204
    assert api.call("GET", "%s/%s" % (PIPELINES, created["id"]))[0] == 404


def test_bad_values_and_a_second_name_are_refused(api, control):
    assert api.call("POST", PIPELINES, {"priority": "HIGH"})[0] == 400
    assert api.call("POST", PIPELINES, {"name": "X", "priority": "URGENT"})[0] == 400
    assert api.call("POST", PIPELINES, {"name": "X", "events": [{"type": "NOPE"}]})[0] == 400
    status, _headers, body = api.call("POST", PIPELINES, {"name": "Release"})
    assert status == 400 and "already exists" in body["errors"][0]["message"]
    control.seed({"pipeline_settings": {"unique_names": False, "create_status": 200}})
    assert api.call("POST", PIPELINES, {"name": "Release", "identifier": "release-2"})[0] == 200


def test_pages_have_no_totals_and_the_cap_applies(api, control):
    for index in range(5):
        api.call("POST", PIPELINES, {"name": "P%d" % index})
    control.seed({"pipeline_settings": {"max_per_page": 3}})
    _status, _headers, first = api.call("GET", PIPELINES + "?page=1&per_page=30")
    assert len(first["pipelines"]) == 3 and set(first) == {"url", "html_url", "pipelines"}
    _status, _headers, last = api.call("GET", PIPELINES + "?page=3&per_page=30")
    assert [item["name"] for item in last["pipelines"]] == ["P4"]
    assert api.call("GET", PIPELINES + "?page=4&per_page=30")[2]["pipelines"] == []
    assert "definition_source" in first["pipelines"][0]
    control.seed({"pipeline_settings": {"list_view": "short"}})
    short = api.call("GET", PIPELINES)[2]["pipelines"][0]
    assert "definition_source" not in short and short["name"] == "Sandbox flow"
