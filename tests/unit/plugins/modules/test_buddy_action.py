# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action as Ansible runs it: argument spec, documentation, secrets in output, exit shape.

``main()`` runs for real (AnsibleModule parses the arguments); only the client is swapped for
the in-memory stand-in, so every request the module would make is recorded.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
from unittest import mock

import pytest
import yaml

from ansible.module_utils import basic

from ansible_collections.opsflow.pipelines.plugins.doc_fragments._buddy import ModuleDocFragment as BuddyFragment
from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import AuthenticationError
from ansible_collections.opsflow.pipelines.plugins.modules import buddy_action

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, compare_spec, module_doc, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__buddy_action import FakeBuddy

TOKEN = "t0ken-never-shown"
BASE = dict(token=TOKEN, api_url="https://api.example.test", workspace="acme", project_name="website", pipeline_id=7)


def run_module(module, client, capsys, **args):
    """Run module.main() with BASE and ``args``, ``client`` (the actions fake) standing in for BuddyClient's actions.

    The parsed JSON result and the raw output.
    """
    return run_main(module, module.BuddyClient, buddy_client(actions=client, pipelines=None), capsys, dict(BASE, **args))


# ---------------------------------------------------------------------------------------------
# Documentation and argument spec agree
# ---------------------------------------------------------------------------------------------

def test_documentation_matches_the_argument_spec():
    own = yaml.safe_load(buddy_action.DOCUMENTATION)
    connection = yaml.safe_load(BuddyFragment.DOCUMENTATION)["options"]
    doc = module_doc(buddy_action)
    compare_spec(buddy_action.SPEC.argument_spec, doc["options"])
    assert not set(own["options"]) & set(connection)
    assert doc["version_added"] == "0.1.0"
    assert "opsflow.pipelines._attributes.BUDDY" in own["extends_documentation_fragment"]
    assert doc["attributes"]["action_group"]["membership"] == ["opsflow.pipelines.buddy", "opsflow.pipelines.all"]


def test_examples_and_return_are_yaml_and_cover_every_modelled_type():
    examples = yaml.safe_load(buddy_action.EXAMPLES)
    tasks = [task for play in examples for task in play["tasks"]]
    used_types = set(task["opsflow.pipelines.buddy_action"].get("type") for task in tasks
                     if "opsflow.pipelines.buddy_action" in task)
    assert set(registry.type_names()) <= used_types
    assert any("group/opsflow.pipelines.buddy" in play.get("module_defaults", {}) for play in examples)
    module_tasks = [task["opsflow.pipelines.buddy_action"] for task in tasks if "opsflow.pipelines.buddy_action" in task]
    assert any(task.get("recreate") for task in module_tasks)
    assert any(task.get("state") == "absent" for task in module_tasks)
    # Every option an example uses exists.
    spec = buddy_action.SPEC.argument_spec
    assert {"token", "api_url", "validate_certs", "request_timeout", "max_retries"} <= set(spec)
    for task in module_tasks:
        assert set(task) <= set(spec), set(task) - set(spec)
    returned = yaml.safe_load(buddy_action.RETURN)
    assert set(returned) == {"action", "replaced_action_id", "removed_action_ids"}


# ---------------------------------------------------------------------------------------------
# Arguments Ansible itself rejects, before run()
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, fragment", [
    (dict(type="SLEEP"), "one of the following is required: action_id, name"),
    (dict(action_id=3, type="SLEEP"), "state is present but all of the following are missing: name"),
    (dict(name="x", trigger_time="SOMETIMES"), "trigger_time"),
    (dict(name="x", operation="EXPLODE"), "operation"),
    (dict(name="x", shell="ZSH"), "shell"),
    (dict(name="x", targets=[{"identifier": "a", "scope": "GALAXY"}]), "scope"),
    (dict(name="x", spec={"os": "windows"}), "os"),
    (dict(name="x", spec={"endpoints": [{"type": "UDP"}]}), "type"),
    (dict(name="x", variables=[{"value": "no key"}]), "key"),
    (dict(name="x", targets=[{"identifier": "a", "colour": "red"}]), "colour"),
    (dict(name="x", update_password="sometimes"), "update_password"),
    (dict(name="x", state="gone"), "state"),
    (dict(name="x", timeout="soon"), "timeout"),
    (dict(name="x", permissions={"users": [{"id": 1}]}), "access_level"),
])
def test_argument_spec_rejects(args, fragment, capsys):
    client = FakeBuddy()
    result, out = run_module(buddy_action, client, capsys, **args)
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert client.calls == []
    assert TOKEN not in out


def test_validation_error_fails_the_task_naming_options(capsys):
    client = FakeBuddy()
    result, dummy = run_module(buddy_action, client, capsys, name="P", type="BLACKFIRE_PYTHON", version="3")
    assert result["failed"] is True
    assert result["msg"] == "type BLACKFIRE_PYTHON requires these options: execute_commands, integration"
    assert result["options"] == ["execute_commands", "integration"]
    assert client.calls == []


def test_api_error_fails_the_task_with_its_details(capsys):
    client = mock.Mock(spec=["list_actions"])
    client.list_actions.side_effect = AuthenticationError("GET", "/workspaces/acme/projects/website/pipelines/7/actions",
                                                          401, "Invalid token")
    result, out = run_module(buddy_action, client, capsys, name="x", type="SLEEP")
    assert result["failed"] is True
    assert "GET /workspaces/acme/projects/website/pipelines/7/actions failed with HTTP 401: Invalid token" \
        in result["msg"]
    assert result["api_error"] == {"method": "GET", "path": "/workspaces/acme/projects/website/pipelines/7/actions",
                                   "status": 401, "message": "Invalid token"}
    assert "status" not in result  # buddy_pipeline_run documents `status` as the run's status
    assert TOKEN not in out


# ---------------------------------------------------------------------------------------------
# A whole run
# ---------------------------------------------------------------------------------------------

SECRET_VARIABLES = [{"key": "PLAIN", "value": "visible"}, {"key": "S", "value": "hidden-value-42", "encrypted": True}]


def test_add_reports_the_action_and_never_a_secret(capsys):
    client = FakeBuddy()
    result, out = run_module(buddy_action, client, capsys, _ansible_diff=True, name="Run tests",
                             type="RUN_DOCKER_CONTAINER", docker_image_name="library/python", login="ci",
                             password="registry-pass-42", variables=SECRET_VARIABLES)
    assert result["changed"] is True
    assert result["action"]["id"] == 100
    assert client.writes[0][1]["password"] == "registry-pass-42"
    assert client.writes[0][1]["variables"][1]["value"] == "hidden-value-42"
    for secret in ("registry-pass-42", "hidden-value-42", TOKEN):
        assert secret not in out
    assert "visible" in out
    assert result["diff"]["after"]["password"] == "********"


def test_the_logged_invocation_never_holds_a_secret(capsys):
    """AnsibleModule logs its arguments (syslog/journal) before run(): encrypted values must be hidden then."""
    logged = []
    with mock.patch.object(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append((msg, log_args))):
        run_module(buddy_action, FakeBuddy(), capsys, name="Run tests", type="RUN_DOCKER_CONTAINER",
                   docker_image_name="library/python", password="registry-pass-42", variables=SECRET_VARIABLES)
    text = json.dumps(logged)
    assert "Invoked with" in text and "visible" in text
    for secret in ("registry-pass-42", "hidden-value-42", TOKEN):
        assert secret not in text


def test_check_mode_then_real_then_rerun(capsys):
    client = FakeBuddy()
    args = dict(name="Stop", type="SANDBOX_MANAGE", operation="STOP", targets=[{"identifier": "preview"}])
    check, dummy = run_module(buddy_action, client, capsys, _ansible_check_mode=True, **args)
    assert check["changed"] is True
    assert client.writes == []
    real, dummy = run_module(buddy_action, client, capsys, **args)
    assert real["changed"] is True
    assert len(client.writes) == 1
    again, dummy = run_module(buddy_action, client, capsys, **args)
    assert again["changed"] is False
    assert len(client.writes) == 1
    check_again, dummy = run_module(buddy_action, client, capsys, _ansible_check_mode=True, **args)
    assert check_again["changed"] is False


def test_from_option_is_accepted(capsys):
    client = FakeBuddy()
    result, dummy = run_module(buddy_action, client, capsys, name="Create", type="SANDBOX_CREATE",
                               spec={"identifier": "preview", "endpoints": [{"name": "web", "endpoint": "80"}]},
                               **{"from": "SCRATCH"})
    assert result["changed"] is True
    sent = client.writes[0][1]
    assert sent["from"] == "SCRATCH"
    # Unset sub-options are neither sent nor compared.
    assert sent["spec"] == {"identifier": "preview", "endpoints": [{"name": "web", "endpoint": "80"}]}
