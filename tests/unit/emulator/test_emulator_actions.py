# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy pipeline-action endpoints of the emulator: CRUD, defaults, validation, placement, paging."""

from __future__ import annotations

import pytest

from conftest import ACTIONS, PIPELINE
from emulator.control import EmulatorError, EmulatorProcess, filler_actions

BLACKFIRE = {
    "name": "Profile",
    "type": "BLACKFIRE_PYTHON",
    "execute_commands": ["pip install -r requirements.txt", "blackfire run python app.py"],
    "version": "3.12",
    "integration": {"identifier": "bf-1"},
}
DOCKER = {"name": "Run", "type": "RUN_DOCKER_CONTAINER", "docker_image_name": "ubuntu", "execute_commands": ["ls"]}
MANAGE = {"name": "Start app", "type": "SANDBOX_MANAGE", "operation": "APP_START", "targets": [{"identifier": "sb-1"}]}
CREATE = {"name": "Create", "type": "SANDBOX_CREATE", "from": "SCRATCH",
          "spec": {"name": "Web", "identifier": "web", "endpoints": [{"name": "www", "endpoint": "localhost:80"}]}}


def ids(actions):
    return [action["id"] for action in actions]


def test_get_pipeline_enriched(api):
    status, headers, body = api.get(PIPELINE)
    assert status == 200
    assert body["id"] == 1 and body["name"] == "Sandbox flow"
    assert body["url"].endswith(PIPELINE)
    assert body["project"]["name"] == "website"
    assert body["refs"] and body["priority"] == "NORMAL"
    assert int(headers["X-Rate-Limit-Limit"]) > 0


def test_create_blackfire_defaults_and_enrichment(api, control):
    status, _headers, body = api.post(ACTIONS, dict(BLACKFIRE, variables=[{"key": "A", "value": "1"}]))
    assert status == 201
    assert body["id"] == 1000
    assert body["url"].endswith(ACTIONS + "/1000")
    assert body["html_url"]
    assert body["pipeline"]["id"] == 1 and body["pipeline"]["name"] == "Sandbox flow"
    for key, value in {"trigger_time": "ON_EVERY_EXECUTION", "run_next": "WAIT_ON_SUCCESS", "disabled": False,
                       "ignore_errors": False, "retry_count": 0, "retry_interval": 0,
                       "last_execution_status": "INITIAL", "shell": "SH"}.items():
        assert body[key] == value, key
    assert body["integration"] == {"identifier": "bf-1", "hash_id": "bf-1", "name": "Integration bf-1", "type": "BLACKFIRE"}
    variable = body["variables"][0]
    assert variable["key"] == "A" and variable["value"] == "1"
    assert variable["type"] == "VAR" and variable["encrypted"] is False and variable["settable"] is False
    assert variable["description"] == "" and isinstance(variable["id"], int)
    assert ids(control.actions("acme", "website", 1)) == [1000]
    status, _headers, again = api.get(ACTIONS + "/1000")
    assert status == 200 and again == body


def test_encrypted_variable_comes_back_encrypted(api, control):
    _status, _headers, body = api.post(ACTIONS, dict(BLACKFIRE, variables=[{"key": "S", "value": "plain", "encrypted": True}]))
    variable = body["variables"][0]
    assert variable["value"] != "plain" and variable["value"].startswith("secure!")
    assert control.state()["_secrets"]["variables"][str(variable["id"])] == "plain"


def test_docker_defaults_and_password_is_write_only(api, control):
    status, _headers, body = api.post(ACTIONS, dict(DOCKER, login="me", password="s3cret"))
    assert status == 201
    assert "password" not in body
    assert body["docker_image_tag"] == "latest"
    assert body["working_directory"] == "/buddy/website"
    assert body["execute_every_command"] is False and body["mount_filesystem_disable"] is False
    assert body["cache_base_image"] is True and body["shell"] == "SH"
    assert "password" not in api.get(ACTIONS + "/%d" % body["id"])[2]
    assert "password" not in control.actions("acme", "website", 1)[0]
    assert control.action_secrets(body["id"]) == {"password": "s3cret"}
    api.patch(ACTIONS + "/%d" % body["id"], {"password": "n3w"})
    assert control.action_secrets(body["id"]) == {"password": "n3w"}
    assert "s3cret" not in str(api.get(ACTIONS)[2]) and "n3w" not in str(api.get(ACTIONS + "/%d" % body["id"])[2])


def test_sandbox_manage_and_create_enrichment(api):
    _status, _headers, manage = api.post(ACTIONS, MANAGE)
    assert manage["targets"] == [{"identifier": "sb-1", "scope": "ANY", "type": "MATCH"}]
    status, _headers, create = api.post(ACTIONS, CREATE)
    assert status == 201
    assert create["start"] is True and create["update_if_exists"] is False
    assert create["spec"]["os"] == "ubuntu:24.04" and create["spec"]["resources"] == "2x4"
    endpoint = create["spec"]["endpoints"][0]
    for key in ("domain", "subdomain", "region", "timeout"):
        assert key in endpoint


@pytest.mark.parametrize("body, field", [
    ({"type": "BUILD"}, "name"),
    ({"name": "x"}, "type"),
    (dict(BLACKFIRE, execute_commands=None), "execute_commands"),
    ({k: v for k, v in BLACKFIRE.items() if k != "version"}, "version"),
    ({k: v for k, v in BLACKFIRE.items() if k != "integration"}, "integration"),
    (dict(BLACKFIRE, integration="bf-1"), "integration"),
    (dict(BLACKFIRE, shell="POWERSHELL"), "shell"),
    (dict(MANAGE, operation="RESTART"), "operation"),
    ({k: v for k, v in MANAGE.items() if k != "targets"}, "targets"),
    ({k: v for k, v in DOCKER.items() if k != "docker_image_name"}, "docker_image_name"),
    ({"name": "r", "type": "RUN_DOCKER_CONTAINER", "image_location": "ACTION"}, "docker_build_action_id"),
    ({"name": "r", "type": "RUN_DOCKER_CONTAINER", "image_location": "PACKAGE_REGISTRY"}, "package"),
    ({"name": "c", "type": "SANDBOX_CREATE"}, "from"),
    ({"name": "c", "type": "SANDBOX_CREATE", "from": "SCRATCH"}, "spec"),
    ({"name": "c", "type": "SANDBOX_CREATE", "from": "SANDBOX"}, "sandbox_identifier"),
    ({"name": "c", "type": "SANDBOX_CREATE", "from": "SNAPSHOT"}, "snapshot_name"),
    (dict(DOCKER, trigger_time="SOMETIMES"), "trigger_time"),
    (dict(DOCKER, run_next="LATER"), "run_next"),
    (dict(DOCKER, retry_count="3"), "retry_count"),
    (dict(DOCKER, disabled="yes"), "disabled"),
])
def test_create_validation_names_the_field(api, control, body, field):
    status, _headers, answer = api.post(ACTIONS, body)
    assert status == 400
    assert field in answer["errors"][0]["message"]
    assert control.actions("acme", "website", 1) == []


def test_docker_image_not_needed_for_action_image(api):
    body = {"name": "r", "type": "RUN_DOCKER_CONTAINER", "image_location": "ACTION", "docker_build_action_id": 5}
    assert api.post(ACTIONS, body)[0] == 201
    body = {"name": "s", "type": "RUN_DOCKER_CONTAINER", "image_location": "ACTION", "docker_build_action_name": "b"}
    assert api.post(ACTIONS, body)[0] == 201
    body = {"name": "p", "type": "RUN_DOCKER_CONTAINER", "image_location": "PACKAGE_REGISTRY", "package": "web"}
    assert api.post(ACTIONS, body)[0] == 201


def test_other_types_stored_as_given(api):
    status, _headers, body = api.post(ACTIONS, {"name": "Ping", "type": "PING", "host": "example.org", "custom": {"a": [1]}})
    assert status == 201
    assert body["host"] == "example.org" and body["custom"] == {"a": [1]}


def test_placement_on_create_and_move_on_patch(api, control):
    first = api.post(ACTIONS, dict(DOCKER, name="a"))[2]["id"]
    second = api.post(ACTIONS, dict(DOCKER, name="b"))[2]["id"]
    status, _headers, third = api.post(ACTIONS, dict(DOCKER, name="c", after_action_id=first))
    assert status == 201 and "after_action_id" not in third
    assert ids(control.actions("acme", "website", 1)) == [first, third["id"], second]
    status, _headers, moved = api.patch(ACTIONS + "/%d" % first, {"after_action_id": second})
    assert status == 200 and "after_action_id" not in moved
    assert ids(control.actions("acme", "website", 1)) == [third["id"], second, first]
    assert api.post(ACTIONS, dict(DOCKER, after_action_id=999999))[0] == 400
    assert api.patch(ACTIONS + "/%d" % first, {"after_action_id": first})[0] == 400


def test_patch_merges_and_ignores_read_only(api, control):
    action = api.post(ACTIONS, dict(DOCKER, variables=[{"key": "A", "value": "1"}]))[2]
    path = ACTIONS + "/%d" % action["id"]
    status, _headers, body = api.patch(path, {"disabled": True, "id": 5, "url": "x", "last_execution_status": "FAILED",
                                              "variables": [{"key": "B", "value": "2"}]})
    assert status == 200
    assert body["id"] == action["id"] and body["url"] == action["url"]
    assert body["last_execution_status"] == "INITIAL"
    assert body["disabled"] is True and body["docker_image_name"] == "ubuntu"
    assert [item["key"] for item in body["variables"]] == ["B"]
    assert control.actions("acme", "website", 1)[0]["disabled"] is True


def test_patch_type_change_rejected(api, control):
    action = api.post(ACTIONS, DOCKER)[2]
    status, _headers, body = api.patch(ACTIONS + "/%d" % action["id"], {"type": "BUILD", "name": "renamed"})
    assert status == 400
    assert body == {"errors": [{"message": "You can't change the type of an existing action. "
                                           "To change the type, remove the action and add it again."}]}
    assert control.actions("acme", "website", 1)[0]["name"] == "Run"


def test_patch_validates_result(api):
    action = api.post(ACTIONS, BLACKFIRE)[2]
    status, _headers, body = api.patch(ACTIONS + "/%d" % action["id"], {"execute_commands": []})
    assert status == 400 and "execute_commands" in body["errors"][0]["message"]


def test_delete(api, control):
    action = api.post(ACTIONS, dict(DOCKER, password="p"))[2]
    status, headers, body = api.delete(ACTIONS + "/%d" % action["id"])
    assert status == 204 and body is None and headers.get("Content-Length") == "0"
    assert control.actions("acme", "website", 1) == []
    assert control.action_secrets(action["id"]) == {}
    assert api.get(ACTIONS + "/%d" % action["id"])[0] == 404


def test_duplicate_names_allowed(api, control):
    assert api.post(ACTIONS, DOCKER)[0] == 201
    assert api.post(ACTIONS, DOCKER)[0] == 201
    assert [a["name"] for a in control.actions("acme", "website", 1)] == ["Run", "Run"]


@pytest.mark.parametrize("path, what", [
    ("/workspaces/nope/projects/website/pipelines/1/actions", "Workspace"),
    ("/workspaces/acme/projects/nope/pipelines/1/actions", "Project"),
    ("/workspaces/acme/projects/website/pipelines/99/actions", "Pipeline"),
    ("/workspaces/acme/projects/website/pipelines/abc/actions", "Pipeline"),
    ("/workspaces/acme/projects/website/pipelines/1/actions/424242", "Action"),
    ("/workspaces/acme/projects/a%2Fb/pipelines/1/actions", "Project"),
    ("/workspaces/acme/projects/..%2Fwebsite/pipelines/1/actions", "Project"),
    ("/workspaces/acme/projects/%2E%2E/pipelines/1/actions", "Project"),
])
def test_not_found_names_the_level(api, path, what):
    status, _headers, body = api.get(path)
    assert status == 404
    assert body["errors"][0]["message"].startswith(what)


def test_encoded_project_name_is_literal(api, control):
    control.seed({"workspaces": {"acme": {"projects": {"a/b": {"pipelines": {"1": {"name": "Odd"}}}}}}})
    status, _headers, body = api.get("/workspaces/acme/projects/a%2Fb/pipelines/1")
    assert status == 200 and body["name"] == "Odd"
    assert body["url"].endswith("/projects/a%2Fb/pipelines/1")


def test_other_project_same_pipeline_id_is_separate(api, control):
    api.post("/workspaces/acme/projects/other/pipelines/1/actions", DOCKER)
    assert control.actions("acme", "website", 1) == []
    assert len(control.actions("acme", "other", 1)) == 1


def test_pagination_default_page_size_and_pages(api, control):
    control.seed_actions("acme", "website", 1, filler_actions(45))
    pages = []
    for page in range(1, 5):
        status, _headers, body = api.get(ACTIONS + "?page=%d" % page)
        assert status == 200
        assert set(body) == {"url", "html_url", "actions"}  # as documented: no totals, no page size
        pages.append([action["name"] for action in body["actions"]])
    assert [len(names) for names in pages] == [20, 20, 5, 0]
    assert sum(pages, []) == ["filler-%d" % i for i in range(1, 46)]


def test_list_settings_switch_the_cap_and_the_view_until_the_next_reset(api, control):
    control.seed_actions("acme", "website", 1, filler_actions(7))
    control.list_settings(max_per_page=3, view="short")
    body = api.get(ACTIONS + "?per_page=30")[2]
    assert [action["name"] for action in body["actions"]] == ["filler-1", "filler-2", "filler-3"]
    assert set(body["actions"][0]) <= {"url", "html_url", "id", "name", "type", "trigger_time", "run_next",
                                       "disabled", "last_execution_status"}
    assert control.state()["list_settings"] == {"view": "short", "page_size": 20, "max_per_page": 3}
    with pytest.raises(EmulatorError):
        control.list_settings(view="tiny")
    control.reset()
    assert len(api.get(ACTIONS + "?per_page=30")[2]["actions"]) == 0
    assert control.state()["list_settings"]["max_per_page"] == 100


def test_pagination_per_page_cap_and_sixty_actions(api, control):
    control.seed_actions("acme", "website", 1, filler_actions(60) + [{"name": "target", "type": "BUILD"}])
    _status, _headers, first = api.get(ACTIONS + "?per_page=1000")
    assert len(first["actions"]) == 61
    status, _headers, page_one = api.get(ACTIONS + "?page=1&per_page=60")
    assert status == 200 and "target" not in [a["name"] for a in page_one["actions"]]
    _status, _headers, page_two = api.get(ACTIONS + "?page=2&per_page=60")
    assert [a["name"] for a in page_two["actions"]] == ["target"]
    assert api.get(ACTIONS + "?page=0")[0] == 400
    assert api.get(ACTIONS + "?per_page=x")[0] == 400


def test_list_entries_are_whole_actions_by_default(api):
    created = api.post(ACTIONS, DOCKER)[2]
    assert api.get(ACTIONS)[2]["actions"] == [created]


def test_short_list_view_lists_short_entries():
    with EmulatorProcess(["--list-view", "short", "--seed", "default"]) as emulator:
        from conftest import Api  # pylint: disable=import-outside-toplevel
        api = Api(emulator.url)
        created = api.post(ACTIONS, DOCKER)[2]
        listed = api.get(ACTIONS)[2]["actions"][0]
    assert listed["id"] == created["id"] and listed["name"] == "Run" and listed["type"] == "RUN_DOCKER_CONTAINER"
    assert "docker_image_name" not in listed
    assert set(listed) < set(created)


def test_cli_page_size_cap_and_full_list_view():
    with EmulatorProcess(["--page-size", "2", "--max-per-page", "3", "--seed", "empty"]) as emulator:
        from conftest import Api  # pylint: disable=import-outside-toplevel
        from emulator.control import EmulatorControl  # pylint: disable=import-outside-toplevel
        control = EmulatorControl(emulator.url)
        control.seed_actions("acme", "website", 1, filler_actions(7, atype="RUN_DOCKER_CONTAINER"))
        api = Api(emulator.url)
        assert len(api.get(ACTIONS)[2]["actions"]) == 2
        body = api.get(ACTIONS + "?per_page=50")[2]
        assert len(body["actions"]) == 3
        assert body["actions"][0]["docker_image_tag"] == "latest"
        assert body["actions"][0]["pipeline"]["id"] == 1


def test_seeded_ids_and_counter(api, control):
    control.seed_actions("acme", "website", 1, [{"id": 5000, "name": "s", "type": "BUILD", "password": "x"}])
    assert control.action_secrets(5000) == {"password": "x"}
    created = api.post(ACTIONS, DOCKER)[2]
    assert created["id"] == 5001
    control.seed_actions("acme", "website", 1, [{"id": 5000, "name": "replaced", "type": "BUILD"}])
    assert [a["name"] for a in control.actions("acme", "website", 1)] == ["replaced", "Run"]
