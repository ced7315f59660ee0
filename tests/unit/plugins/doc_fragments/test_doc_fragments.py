# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The doc fragments: the location sections against PIPELINE_SPEC, and every module's docs as ansible-doc builds them."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib
import json
import os
import subprocess
import sys

import pytest
import yaml

import ansible_collections.opsflow.pipelines as collection
from ansible_collections.opsflow.pipelines.plugins.doc_fragments._buddy import ModuleDocFragment as BuddyFragment
from ansible_collections.opsflow.pipelines.plugins.connection import buddy_sandbox as sandbox_connection
from ansible_collections.opsflow.pipelines.plugins.inventory import buddy_sandboxes as sandbox_inventory
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_OPTIONS, PIPELINE_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_execution import RUN_WAIT_SPEC

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import COLLECTION, compare_spec, module_doc

MODULES = ("blink_execution_info", "blink_workflow_execute", "buddy_action", "buddy_action_info", "buddy_pipeline",
           "buddy_pipeline_execution", "buddy_pipeline_info", "buddy_pipeline_run",
           "buddy_sandbox", "buddy_sandbox_command", "buddy_sandbox_info", "buddy_sandbox_snapshot", "buddy_variable",
           "buddy_variable_info")


def test_location_sections_match_the_location_spec():
    documented = dict(yaml.safe_load(BuddyFragment.WORKSPACE)["options"],
                      **yaml.safe_load(BuddyFragment.PIPELINE)["options"])
    compare_spec(PIPELINE_SPEC.argument_spec, documented)


def test_run_wait_section_matches_the_run_wait_spec():
    compare_spec(RUN_WAIT_SPEC.argument_spec, yaml.safe_load(BuddyFragment.RUN_WAIT)["options"])


@pytest.mark.parametrize("plugin", [sandbox_connection, sandbox_inventory])
def test_sandbox_plugins_document_the_connection_table_and_its_environment(plugin):
    """The connection and the inventory read the modules' connection table (connection_params); their
    DOCUMENTATION, which is their configuration, says what the table says."""
    options = yaml.safe_load(plugin.DOCUMENTATION)["options"]
    compare_spec(WORKSPACE_SPEC.argument_spec, {"workspace": options["workspace"]})
    for option in BUDDY_CONNECTION_OPTIONS:
        entry = options[option.name]
        assert entry["type"] == option.type and entry.get("default") == option.default, option.name
        assert [item["name"] for item in entry.get("env", [])] == list(option.env), option.name
        assert bool(entry.get("required")) == option.required, option.name


def test_every_module_is_listed_here():
    modules_dir = os.path.join(list(collection.__path__)[0], "plugins", "modules")
    present = set(name[:-3] for name in os.listdir(modules_dir) if name.endswith(".py") and not name.startswith("_"))
    assert present == set(MODULES)


@pytest.fixture(scope="module")
def ansible_doc():
    """``ansible-doc --json`` of every module, in one run of the real command against this tree."""
    collections_root = os.path.dirname(os.path.dirname(os.path.dirname(list(collection.__path__)[0])))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root, ANSIBLE_NOCOLOR="1")
    command = [sys.executable, "-m", "ansible", "doc", "--json"] + ["%s.%s" % (COLLECTION, name) for name in MODULES]
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", MODULES)
def test_fragments_merge_as_ansible_doc_merges_them(ansible_doc, name):
    """module_doc(), which the modules' tests compare with their argument specs, is what users see."""
    module = importlib.import_module("ansible_collections.%s.plugins.modules.%s" % (COLLECTION, name))
    merged = module_doc(module)
    shown = ansible_doc["%s.%s" % (COLLECTION, name)]["doc"]
    assert set(merged) <= set(shown)
    for key, value in merged.items():
        assert shown[key] == value, "%s: %s differs from ansible-doc's" % (name, key)
    assert {"token", "api_key"} & set(shown["options"]), "%s: connection options missing" % name
    assert shown["requirements"] == ["requests"]
