# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_pipeline and buddy_pipeline_info: documentation against the argument spec, and examples that parse."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from ansible_collections.opsflow.pipelines.plugins.modules import buddy_pipeline, buddy_pipeline_info

from ansible_collections.opsflow.pipelines.tests.unit.module_runner import compare_spec, module_doc


def test_documentation_matches_the_argument_spec():
    for module in (buddy_pipeline, buddy_pipeline_info):
        doc = module_doc(module)
        compare_spec(module.SPEC.argument_spec, doc["options"])
        assert doc["version_added"] == "0.2.0"
        assert yaml.safe_load(module.EXAMPLES) and yaml.safe_load(module.RETURN)


def test_actions_items_take_what_buddy_action_takes_without_the_location():
    items = buddy_pipeline.SPEC.argument_spec["actions"]["options"]
    assert items["name"]["required"] is True
    assert not {"workspace", "project_name", "pipeline_id", "state", "action_id", "after_action_id"} & set(items)
    assert {"type", "fields", "trigger_time", "variables", "docker_image_name", "spec"} <= set(items)
