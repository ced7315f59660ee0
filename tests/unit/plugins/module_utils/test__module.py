# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module base: ArgumentSpec merging, and module_main's path from arguments to exit."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import types

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _module
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import patch_module_args

SECRET = "hidden-by-the-finder"


def test_merge_joins_options_and_every_constraint_without_touching_the_parts():
    connection = ArgumentSpec({"token": {"type": "str", "no_log": True}})
    own = ArgumentSpec({"a": {"type": "str"}, "b": {"type": "str"}, "c": {"type": "bool"}},
                       mutually_exclusive=[("a", "b")], required_one_of=[("a", "b")],
                       required_together=[("b", "c")], required_if=[("c", True, ("a",))], required_by={"b": "cc"})
    more = ArgumentSpec({"d": {"type": "int"}}, required_by={"b": ["d"]}, mutually_exclusive=[("c", "d")])
    merged = connection.merge(own, more)
    kwargs = merged.module_kwargs()
    assert sorted(kwargs["argument_spec"]) == ["a", "b", "c", "d", "token"]
    assert kwargs["mutually_exclusive"] == [["a", "b"], ["c", "d"]]
    assert kwargs["required_one_of"] == [["a", "b"]] and kwargs["required_together"] == [["b", "c"]]
    assert kwargs["required_if"] == [["c", True, ("a",)]]
    assert kwargs["required_by"] == {"b": ["cc", "d"]}
    assert sorted(connection.argument_spec) == ["token"] and connection.module_kwargs() == {
        "argument_spec": {"token": {"type": "str", "no_log": True}}}
    assert own.required_by == {"b": ["cc"]}


def test_an_option_defined_twice_is_a_programming_error():
    with pytest.raises(ValueError) as caught:
        ArgumentSpec({"a": {}, "b": {}}).merge(ArgumentSpec({"b": {}}))
    assert "b" in str(caught.value)


SPEC = ArgumentSpec({"name": {"type": "str", "required": True}, "mode": {"type": "str"},
                     "variables": {"type": "list", "elements": "dict"}},
                    mutually_exclusive=[("name", "mode")])


def main_with(args, run, capsys, factory=lambda module: "client", **kwargs):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module_main(SPEC, run, factory, **kwargs)
    out = capsys.readouterr().out
    return json.loads(out), out


def test_run_gets_the_module_and_the_client_and_its_result_is_the_tasks(capsys):
    seen = {}

    def run(module, client):
        seen.update(name=module.params["name"], client=client, check_mode=module.check_mode)
        return {"changed": True, "answer": 42}

    result, _out = main_with({"name": "x", "_ansible_check_mode": True}, run, capsys)
    assert seen == {"name": "x", "client": "client", "check_mode": True}
    assert result["changed"] is True and result["answer"] == 42


def test_constraints_reach_ansible_module(capsys):
    result, _out = main_with({"name": "x", "mode": "y"}, lambda module, client: {}, capsys)
    assert result["failed"] is True and "mutually exclusive" in result["msg"]


@pytest.mark.parametrize("where", ["factory", "run"])
def test_an_opsflow_error_fails_the_task_with_its_details(capsys, where):
    def fail(*_args):
        raise ValidationError("bad input", options=["name"])

    run = fail if where == "run" else (lambda module, client: {})
    factory = fail if where == "factory" else (lambda module: None)
    result, _out = main_with({"name": "x"}, run, capsys, factory=factory)
    assert result["failed"] is True and result["msg"] == "bad input" and result["options"] == ["name"]


def test_found_secrets_are_hidden_everywhere(capsys):
    def finder(params):
        return [item["value"] for item in params.get("variables") or [] if item.get("encrypted")]

    def run(module, client):
        return {"changed": False, "echo": "value was %s" % SECRET}

    result, out = main_with({"name": "x", "variables": [{"value": SECRET, "encrypted": True}]}, run, capsys,
                            secret_finder=finder)
    assert SECRET not in out and result["changed"] is False


def test_warnings_are_scrubbed_for_every_module(capsys):
    def run(module, client):
        module.warn("action %s failed; see https://user:pw-in-url@buddy.example/x" % SECRET)
        return {"changed": False}

    result, out = main_with({"name": "x"}, run, capsys, secret_finder=lambda params: [SECRET])
    assert SECRET not in out and "pw-in-url" not in out
    # ansible-core 2.19 reports a warning as {"event": {"msg": ...}}, earlier versions as the text.
    warnings = [item["event"]["msg"] if isinstance(item, dict) else item for item in result["warnings"]]
    assert warnings == ["action ******** failed; see https://********@buddy.example/x"]


def test_missing_requests_fails_with_the_install_hint(capsys, monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    monkeypatch.setattr(_module, "REQUESTS_IMPORT_ERROR", "Traceback: no requests")
    called = types.SimpleNamespace(factory=False)

    def factory(module):
        called.factory = True

    result, _out = main_with({"name": "x"}, lambda module, client: {}, capsys, factory=factory)
    assert result["failed"] is True and "requests" in result["msg"] and called.factory is False
