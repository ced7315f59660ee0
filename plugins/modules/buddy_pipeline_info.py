#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_pipeline_info
short_description: List Buddy.works pipelines, or export them as buddy_pipeline options
version_added: 0.2.0
description:
  - Lists the pipelines of a project (every page of the list), or one pipeline by O(pipeline_id) or O(name).
  - With O(export=true) each pipeline also carries RV(pipelines[].definition), exactly the options
    M(opsflow.pipelines.buddy_pipeline) takes for it. Feeding it back to M(opsflow.pipelines.buddy_pipeline)
    changes nothing; feeding it to another project creates an equivalent pipeline.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BUDDY
  - opsflow.pipelines._attributes.INFO_MODULE
notes:
  - "Needs a token with the E(EXECUTION_INFO) scope."
  - "An export holds no write-only secret: a registry C(password) and the values of encrypted variables are left
    out (the server never hands them back); add them to the definition before you create a pipeline from it."
seealso:
  - module: opsflow.pipelines.buddy_pipeline
options:
  project_name:
    description:
      - The project's name ID (the human-readable ID in the project's URL), as in
        C(https://app.buddy.works/<workspace>/<project_name>).
    type: str
    required: true
  pipeline_id:
    description:
      - Only the pipeline with this numerical ID (one request). None when it does not exist.
    type: int
  name:
    description:
      - Only the pipelines named exactly so.
    type: str
  export:
    description:
      - Add RV(pipelines[].definition) to each pipeline. This reads each pipeline's actions too (every page).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Every pipeline of the project
  opsflow.pipelines.buddy_pipeline_info:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
  register: listed

- name: Their names
  ansible.builtin.debug:
    msg: "{{ listed.pipelines | map(attribute='name') | list }}"

- name: One pipeline by name, as buddy_pipeline options
  opsflow.pipelines.buddy_pipeline_info:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    name: Deploy
    export: true
  register: exported

- name: Write it down as a start for a playbook
  ansible.builtin.copy:
    content: "{{ exported.pipelines[0].definition | to_nice_yaml(indent=2) }}"
    dest: /tmp/deploy-pipeline.yml
    mode: "0644"
  when: exported.pipelines | length == 1
'''

RETURN = r'''
pipelines:
  description:
    - The matching pipelines as the API returns them, ordered as the list is. Empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    definition:
      description:
        - With O(export=true), the options of M(opsflow.pipelines.buddy_pipeline) for this pipeline (without the
          connection and location options) - C(name), the settings that differ from the server's defaults,
          C(fields) for further settable fields, and C(actions) in pipeline order with only their settable fields
          (server defaults, read-only fields and write-only secrets left out).
        - C(actions) is left out for a pipeline defined in git (C(definition_source=REMOTE)).
      returned: with O(export=true)
      type: dict
  sample:
    - id: 12
      identifier: deploy
      name: Deploy
      refs: [refs/heads/main]
      priority: HIGH
      definition:
        name: Deploy
        identifier: deploy
        refs: [refs/heads/main]
        priority: HIGH
        actions:
          - name: Run tests
            type: RUN_DOCKER_CONTAINER
            docker_image_name: library/python
            docker_image_tag: "3.12"
            execute_commands: [pytest]
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_pipeline import (
    INFO_MUTUALLY_EXCLUSIVE,
    INFO_OPTIONS,
    pipeline_info,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main

SPEC = BUDDY_CONNECTION_SPEC.merge(WORKSPACE_SPEC, ArgumentSpec(INFO_OPTIONS, mutually_exclusive=INFO_MUTUALLY_EXCLUSIVE))


def run(module, client):
    return pipeline_info(client, module.params)


def main():
    module_main(SPEC, run, BuddyClient.from_module)


if __name__ == '__main__':
    main()
