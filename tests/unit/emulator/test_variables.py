# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's variables over HTTP: scopes, filters and their switches, ciphertext, vendor errors."""

from __future__ import annotations

from emulator.control import EmulatorControl

VARIABLES = "/workspaces/acme/variables"


def seed(control: EmulatorControl, *variables, **settings) -> None:
    body = {"variables": {"acme": list(variables)}}
    if settings:
        body["variable_settings"] = settings
    control.seed(body)


def keys(body):
    return [(item["key"], item["value"]) for item in body["variables"]]


SCOPED = [{"key": "K", "value": "ws"}, {"key": "K", "value": "project", "project": {"name": "website"}},
          {"key": "K", "value": "pipeline", "pipeline": {"id": 1}}]


def test_create_answers_201_and_an_encrypted_value_only_as_new_ciphertext(control, api):
    status, _headers, created = api.post(VARIABLES, {"key": "DB", "value": "pw-1", "encrypted": True,
                                                     "project": {"name": "website"}})
    assert status == 201 and created["value"].startswith("secure!") and created["project"] == {"name": "website"}
    assert control.state()["_secrets"]["variables"][str(created["id"])] == "pw-1"
    status, _headers, edited = api.patch("%s/%d" % (VARIABLES, created["id"]), {"key": "DB", "value": "pw-1"})
    assert status == 200 and edited["value"].startswith("secure!") and edited["value"] != created["value"]
    status, _headers, listed = api.get(VARIABLES + "?project_name=website")
    assert keys(listed) == [("DB", edited["value"])]
    assert api.delete("%s/%d" % (VARIABLES, created["id"]))[0] == 204
    assert api.delete("%s/%d" % (VARIABLES, created["id"]))[0] == 404


def test_vendor_errors(control, api):
    seed(control, {"key": "K", "value": "v"})
    cases = [
        ({"key": "K", "value": "again"}, 400, "already exists"),
        ({"key": "X"}, 400, "'value' is required"),
        ({"key": "X", "value": "v", "project": {"name": "website"}, "pipeline": {"id": 1}}, 400, "Only one of"),
        ({"key": "X", "value": "v", "project": {"name": "nope"}}, 404, "Project not found"),
        ({"key": "X", "value": "v", "action": {"id": 999999}}, 404, "Action not found"),
        ({"key": "X", "value": "v", "type": "TEXT"}, 400, "Invalid value 'TEXT'"),
        ({"key": "X", "value": "v", "type": "FILE", "run_only_settable": True}, 400, "type VAR"),
    ]
    for body, status, message in cases:
        got_status, _headers, answer = api.post(VARIABLES, body)
        assert (got_status, message in answer["errors"][0]["message"]) == (status, True), (body, answer)
    variable_id = control.state()["variables"]["acme"].popitem()[0]
    status, _headers, answer = api.patch("%s/%s" % (VARIABLES, variable_id), {"description": "no key"})
    assert status == 400 and "'key' is required" in answer["errors"][0]["message"]
    status, _headers, answer = api.patch("%s/%s" % (VARIABLES, variable_id), {"key": "K", "project": {"name": "x"}})
    assert status == 400


def test_no_filter_lists_the_workspace_and_exact_lists_one_scope(control, api):
    seed(control, *SCOPED)
    assert keys(api.get(VARIABLES)[2]) == [("K", "ws")]
    assert keys(api.get(VARIABLES + "?project_name=website")[2]) == [("K", "project")]
    assert keys(api.get(VARIABLES + "?pipelineId=1")[2]) == [("K", "pipeline")]
    assert api.get(VARIABLES + "?project_name=nope")[0] == 404


def test_switches_filter_spelling_and_inherited_lists(control, api):
    seed(control, *SCOPED, list_filters="go", scoped_list="inherited")
    # The docs' spelling is not read: the workspace's list comes back.
    assert keys(api.get(VARIABLES + "?pipeline_id=1")[2]) == [("K", "ws")]
    inherited = sorted(keys(api.get(VARIABLES + "?pipelineId=1")[2]))
    assert inherited == [("K", "pipeline"), ("K", "project"), ("K", "ws")]
    control.seed({"variable_settings": {"list_filters": "docs", "scoped_list": "exact"}})
    assert keys(api.get(VARIABLES + "?projectName=website")[2]) == [("K", "ws")]
    assert keys(api.get(VARIABLES + "?project_name=website")[2]) == [("K", "project")]
