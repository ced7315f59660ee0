# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SANDBOX_CREATE: the source named by `from` needs its option; the sandbox identifier's characters."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_sandbox_create import SandboxCreate

TYPE = SandboxCreate()


def test_registered():
    assert isinstance(registry.get_type("SANDBOX_CREATE"), SandboxCreate)


def test_from_required():
    assert TYPE.required == ("from",)
    assert TYPE.check({"spec": {}}, full=True) == [("type SANDBOX_CREATE requires this option: from", ["from"])]


@pytest.mark.parametrize("source, needed", [("SCRATCH", "spec"), ("SANDBOX", "sandbox_identifier"),
                                            ("SNAPSHOT", "snapshot_name")])
def test_each_source_needs_its_option(source, needed):
    assert TYPE.check({"from": source}, full=True) == [
        ("type SANDBOX_CREATE with from: %s requires %s" % (source, needed), [needed])]
    assert TYPE.check({"from": source, needed: "x"}, full=True) == []
    # Only a task that names the type describes the whole action.
    assert TYPE.check({"from": source}, full=False) == []


@pytest.mark.parametrize("identifier, problems", [
    ("preview", 0), ("pr-42_b", 0), ("_x_", 0), ("bad id!", 1), ("", 1), (7, 0), ("-bad", 1), ("bad-", 1), ("-", 1),
    ("a.b", 1), ("a/b", 1)])
def test_spec_identifier_characters(identifier, problems):
    assert len(TYPE.check_values({"spec": {"identifier": identifier}})) == problems
    assert TYPE.check_values({"spec": {"name": "no identifier"}}) == []
    assert TYPE.check_values({"start": True}) == []


def test_spec_suboptions():
    spec = TYPE.options["spec"]["suboptions"]
    assert spec["os"]["choices"] == ["ubuntu:22.04", "ubuntu:24.04"]
    assert spec["variables"]["suboptions"]["key"]["required"] is True
    assert spec["endpoints"]["suboptions"]["type"]["choices"] == ["HTTP", "TLS", "TCP"]
