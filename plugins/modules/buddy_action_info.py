#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_action_info
short_description: List the actions of a Buddy.works pipeline, or find one
version_added: 0.1.0
description:
  - Returns the actions of a Buddy.works pipeline in pipeline order, all of them (every page of the list),
    the actions with a given O(name), or the one with a given O(action_id).
  - Never changes anything.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._buddy.PIPELINE
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BUDDY
  - opsflow.pipelines._attributes.INFO_MODULE
notes:
  - Needs a token with the E(EXECUTION_INFO) scope.
seealso:
  - module: opsflow.pipelines.buddy_action
options:
  action_id:
    description:
      - Return only the action with this ID (one request). RV(actions) is empty when there is none.
      - Mutually exclusive with O(name).
    type: int
  name:
    description:
      - Return only the actions with this exact name (names are not unique in a pipeline).
      - Mutually exclusive with O(action_id).
    type: str
'''

EXAMPLES = r'''
- name: Every action of the pipeline
  opsflow.pipelines.buddy_action_info:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    pipeline_id: 123
  register: pipeline_actions

- name: Their names, in pipeline order
  ansible.builtin.debug:
    msg: "{{ pipeline_actions.actions | map(attribute='name') | list }}"

- name: Look one action up by name, with the connection set once for the group
  module_defaults:
    # Only connection options here: not every module of the group takes the location.
    group/opsflow.pipelines.buddy:
      token: "{{ buddy_token }}"
  block:
    - name: Find the tests action
      opsflow.pipelines.buddy_action_info:
        workspace: my-company
        project_name: my-project
        pipeline_id: 123
        name: Run tests
      register: found

    - name: Place a new action right after it
      opsflow.pipelines.buddy_action:
        workspace: my-company
        project_name: my-project
        pipeline_id: 123
        name: Wait for caches
        type: SLEEP
        fields:
          sleep_in_sec: 5
        after_action_id: "{{ found.actions[0].id }}"
      when: found.actions | length == 1

- name: One action by ID
  opsflow.pipelines.buddy_action_info:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    pipeline_id: 123
    action_id: 456
  register: one
'''

RETURN = r'''
actions:
  description:
    - The matching actions as the API returns them, in pipeline order. Empty when none matches.
    - Secrets are never included; a registry C(password) and the values of encrypted variables are masked as
      C(********) should the server return them.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 456
      url: https://api.buddy.works/workspaces/my-company/projects/my-project/pipelines/123/actions/456
      html_url: https://app.buddy.works/my-company/my-project/pipelines/pipeline/123/action/456/edit
      name: Run tests
      type: RUN_DOCKER_CONTAINER
      trigger_time: ON_EVERY_EXECUTION
      docker_image_name: library/python
      docker_image_tag: "3.12"
      execute_commands: [pytest]
      last_execution_status: SUCCESSFUL
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, PIPELINE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_action import (
    INFO_MUTUALLY_EXCLUSIVE,
    INFO_OPTIONS,
    action_info,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main

SPEC = BUDDY_CONNECTION_SPEC.merge(PIPELINE_SPEC, ArgumentSpec(INFO_OPTIONS, mutually_exclusive=INFO_MUTUALLY_EXCLUSIVE))


def run(module, client):
    return action_info(client.actions, module.params, pipelines=client.pipelines)


def main():
    module_main(SPEC, run, BuddyClient.from_module)


if __name__ == '__main__':
    main()
