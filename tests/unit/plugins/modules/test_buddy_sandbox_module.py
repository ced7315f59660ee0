# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox as Ansible runs it (main() with a fake client): documentation, options, secrets.

(Not test_buddy_sandbox.py: that basename is the connection plugin's test, and pytest needs unique ones.)
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from ansible_collections.opsflow.pipelines.plugins.modules import buddy_sandbox

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import buddy_client, compare_spec, module_doc, run_main
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__buddy_sandbox import FakeSandboxes
from ansible_collections.opsflow.pipelines.tests.unit.plugins.modules.test_buddy_pipeline_run import TOKEN

BASE = dict(token=TOKEN, api_url="https://api.example.test", workspace="acme", project_name="website")
SECRET = "Module-Secret-90aa"


def run_module(fake, capsys, **args):
    return run_main(buddy_sandbox, buddy_sandbox.BuddyClient, buddy_client(sandboxes=fake), capsys, dict(BASE, **args))


def test_documentation_matches_the_argument_spec():
    compare_spec(buddy_sandbox.SPEC.argument_spec, module_doc(buddy_sandbox)["options"])
    assert set(yaml.safe_load(buddy_sandbox.RETURN)) == {"sandbox", "actions", "boot_logs", "fields"}
    assert len(yaml.safe_load(buddy_sandbox.EXAMPLES)) == 6


def test_create_hides_encrypted_values_and_endpoint_passwords(capsys):
    fake = FakeSandboxes()
    result, output = run_module(fake, capsys, identifier="web", os="ubuntu:24.04", poll_interval=0.01,
                                variables=[{"key": "TOKEN", "value": SECRET, "encrypted": True}],
                                endpoints=[{"name": "www", "endpoint": "80", "http": {"password": "Pw-77c1"}}],
                                _ansible_diff=True)
    assert result["changed"] is True and result["actions"] == ["create"]
    sent = fake.calls[1][1]
    assert sent["variables"][0]["value"] == SECRET and sent["endpoints"][0]["http"]["password"] == "Pw-77c1"
    assert sent["endpoints"][0]["type"] == "HTTP" and "region" not in sent["endpoints"][0]
    assert SECRET not in output and "Pw-77c1" not in output


def test_identifier_or_sandbox_id_is_required_before_any_request(capsys):
    fake = FakeSandboxes()
    result, dummy = run_module(fake, capsys)
    assert result["failed"] is True and "identifier" in result["msg"] and fake.calls == []
