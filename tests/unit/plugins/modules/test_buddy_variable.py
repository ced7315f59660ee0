# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_variable as Ansible runs it (main() with a fake client): docs, argument parsing, secrets in the output."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from ansible_collections.opsflow.pipelines.plugins.modules import buddy_variable

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, compare_spec, module_doc, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__buddy_variable import (
    ENCRYPTED,
    FakeActions,
    FakeVariables,
)
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_buddy_pipeline_run import TOKEN

BASE = dict(token=TOKEN, api_url="https://api.example.test", workspace="acme")
SECRET = "Rotated-Secret-90ad"


def run_module(variables, capsys, actions=None, **args):
    client = buddy_client(variables=variables, actions=actions or FakeActions())
    return run_main(buddy_variable, buddy_variable.BuddyClient, client, capsys, dict(BASE, **args))


def test_documentation_matches_the_argument_spec():
    compare_spec(buddy_variable.SPEC.argument_spec, module_doc(buddy_variable)["options"])
    assert set(yaml.safe_load(buddy_variable.RETURN)) == {"variable", "replaced_variable_id"}
    assert yaml.safe_load(buddy_variable.EXAMPLES)
    assert buddy_variable.SPEC.argument_spec["value"]["no_log"] is True


def test_the_value_is_in_no_output_and_the_invocation_is_masked(capsys):
    variables = FakeVariables(dict(ENCRYPTED, key="DB_PASSWORD"))
    result, out = run_module(variables, capsys, key="DB_PASSWORD", value=SECRET, encrypted=True,
                             update_value="always", _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["value"] == "******** (sent)"
    assert SECRET not in out and TOKEN not in out and ENCRYPTED["value"] not in out
    assert result["invocation"]["module_args"]["value"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_bad_input_fails_without_a_call(capsys):
    variables = FakeVariables()
    result, _out = run_module(variables, capsys, key="K", value="some-value", action_id=4)
    assert result["failed"] is True and "action_id needs the pipeline" in result["msg"]
    assert result["options"] == ["action_id"]
    assert variables.calls == []
