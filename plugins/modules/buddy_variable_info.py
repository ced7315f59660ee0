#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_variable_info
short_description: List the environment variables of one Buddy.works scope, or find one by key
version_added: 0.2.0
description:
  - Returns the environment variables of one scope of a Buddy.works workspace, or the one with a given O(key).
  - The scope is given as for M(opsflow.pipelines.buddy_variable); no scope option means the workspace. Only the
    scope's own variables are returned, not those a pipeline inherits from the project or the workspace.
  - Encrypted values are masked, and so are the values of keys and keychains (types V(SSH_KEY), V(GPG_KEY),
    V(IOS_KEYCHAIN), V(IOS_PROVISION_PROFILES)); plain values are returned as they are.
  - Never changes anything.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BUDDY
  - opsflow.pipelines._attributes.INFO_MODULE
notes:
  - Needs a token with the E(VARIABLE_INFO) scope.
  - "Requests made: one C(GET) of the scope's variables, plus for an action scope one C(GET) of the action, which
    checks that it belongs to the pipeline; with O(pipeline_name), one more per page of the project's pipeline
    list."
seealso:
  - module: opsflow.pipelines.buddy_variable
options:
  project_name:
    description:
      - The project's name ID. Alone, the project's variables are listed; with O(pipeline_id), the project of the
        pipeline.
    type: str
  pipeline_id:
    description:
      - The numerical ID of a pipeline of O(project_name), whose variables are listed; with O(action_id), the
        pipeline of the action.
      - Mutually exclusive with O(pipeline_name).
    type: int
  pipeline_name:
    description:
      - The exact name of a pipeline of O(project_name), instead of O(pipeline_id) (looked up in the project's
        pipelines).
    type: str
  action_id:
    description:
      - The numerical ID of an action of the pipeline (O(project_name) and O(pipeline_id) or O(pipeline_name) are
        needed too), whose variables are listed.
    type: int
  key:
    description:
      - Return only the variable with this key. RV(variables) is empty when the scope has none.
    type: str
'''

EXAMPLES = r'''
- name: The workspace's own variables
  opsflow.pipelines.buddy_variable_info:
    token: "{{ buddy_token }}"
    workspace: my-company
  register: workspace_variables

- name: Their keys
  ansible.builtin.debug:
    msg: "{{ workspace_variables.variables | map(attribute='key') | list }}"

- name: Is the project's database password set?
  opsflow.pipelines.buddy_variable_info:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    key: DATABASE_PASSWORD
  register: found

- name: Say so
  ansible.builtin.debug:
    msg: "DATABASE_PASSWORD is {{ 'set' if found.variables else 'missing' }}"

- name: The variables of one action
  opsflow.pipelines.buddy_variable_info:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    pipeline_id: 123
    action_id: 456
  register: action_variables
'''

RETURN = r'''
variables:
  description:
    - The scope's variables as the API returns them, in the API's order. Empty when none matched.
    - C(value) is C(********) for encrypted variables and for keys and keychains.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 40
      key: DEPLOY_REGION
      value: eu-central-1
      type: VAR
      encrypted: false
      settable: false
      description: Region the pipelines deploy to
    - id: 41
      key: DATABASE_PASSWORD
      value: "********"
      type: VAR
      encrypted: true
      settable: false
      description: ""
      project:
        name: my-project
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_variable import INFO_SPEC, variable_info
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import module_main

SPEC = BUDDY_CONNECTION_SPEC.merge(WORKSPACE_SPEC, INFO_SPEC)


def run(module, client):
    return variable_info(client, module.params)


def main():
    module_main(SPEC, run, BuddyClient.from_module)


if __name__ == '__main__':
    main()
