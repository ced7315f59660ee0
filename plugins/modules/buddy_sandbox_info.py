#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_sandbox_info
short_description: List a Buddy.works project's sandboxes, or look one up
version_added: 0.1.0
description:
  - Lists the sandboxes of a project (C(GET /workspaces/{workspace}/sandboxes?project_name=...)), or the
    workspace-level sandboxes (those of no project) when O(project_name) is left out, or looks one up by its
    O(identifier) or its O(id).
  - Returns each sandbox with its status, setup status, apps (each with its own status), endpoints (with their URLs),
    tags and variables; encrypted variable values, endpoint passwords and private keys are masked.
  - Never changes anything.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BUDDY
  - opsflow.pipelines._attributes.INFO_MODULE
options:
  project_name:
    description:
      - The project's name ID.
      - Without it, the workspace-level sandboxes are listed (those that belong to no project); a look-up by O(id)
        does not need the project.
    type: str
  environment_id:
    description:
      - Only the sandboxes of this environment (the list's C(environment_id) filter).
    type: str
  identifier:
    description:
      - The sandbox's human-readable identifier within the project (the C(identifier) set when it was created).
      - Found in the project's list, then read in full. RV(sandboxes) is empty when there is no such sandbox.
    type: str
  id:
    description:
      - The sandbox's ID (for example V(j7vavf8gd3oce)). One request.
      - RV(sandboxes) is empty when there is no sandbox with this ID.
    type: str
  details:
    description:
      - Read every listed sandbox in full (one C(GET) per sandbox whose list entry lacks details).
      - The list answer holds only the ID, identifier, name and status of each sandbox; with V(false), that
        is what is returned, in one request per page.
    type: bool
    default: true
  include_snapshots:
    description:
      - Add each returned sandbox's snapshots (C(GET .../sandboxes/{id}/snapshots), one request per sandbox) as
        its C(snapshots) list.
      - Off by default so that a listing costs no more requests than it needs.
    type: bool
    default: false
notes:
  - The token needs the E(SANDBOX_INFO) scope.
  - Requests made are one for the list (it is not paginated), plus one per listed sandbox whose entry is a short
    view with O(details), plus one per returned sandbox with O(include_snapshots). A look-up by O(id) is one request,
    plus one with O(include_snapshots).
  - Encrypted variable values come back from the API only as ciphertext; they are returned as C(********) anyway, in
    normal and check mode.
seealso:
  - module: opsflow.pipelines.buddy_pipeline_run
  - name: Buddy.works API, sandboxes
    description: List, get and manage sandboxes.
    link: https://buddy.works/docs/api/sandboxes/list
'''

EXAMPLES = r'''
- name: List the project's sandboxes
  opsflow.pipelines.buddy_sandbox_info:
    workspace: my-company
    project_name: website
  register: listing

- name: Names and statuses
  ansible.builtin.debug:
    msg: "{{ listing.sandboxes | map(attribute='identifier') | zip(listing.sandboxes | map(attribute='status')) }}"

- name: Look up the review sandbox with its snapshots
  opsflow.pipelines.buddy_sandbox_info:
    workspace: my-company
    project_name: website
    identifier: review-123
    include_snapshots: true
  register: review

- name: Show its endpoint URLs
  ansible.builtin.debug:
    msg: "{{ review.sandboxes[0].endpoints | map(attribute='endpoint_url') }}"
  when: review.sandboxes | length > 0

- name: Wait until the sandbox runs and its setup is done
  opsflow.pipelines.buddy_sandbox_info:
    workspace: my-company
    id: j7vavf8gd3oce
  register: sandbox
  until: >-
    sandbox.sandboxes | length > 0 and sandbox.sandboxes[0].status == 'RUNNING'
    and sandbox.sandboxes[0].setup_status == 'SUCCESS'
  retries: 60
  delay: 5
'''

RETURN = r'''
sandboxes:
  description:
    - The sandboxes found, as the API returns them. Empty when none matched.
    - Each endpoint carries its public URL as C(endpoint_url) (copied up from C(http.endpoint_url) when the server
      puts it there).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The sandbox's ID.
      type: str
      sample: j7vavf8gd3oce
    identifier:
      description: The sandbox's human-readable identifier within its project.
      type: str
      sample: review-123
    name:
      description: The sandbox's name.
      type: str
    status:
      description: V(STARTING), V(RUNNING), V(STOPPING), V(STOPPED), V(FAILED) or V(RESTORING).
      type: str
      sample: RUNNING
    setup_status:
      description: V(INPROGRESS), V(SUCCESS), V(FAILED) or V(STALE).
      type: str
      sample: SUCCESS
    os:
      description: The operating system. Only with O(details).
      type: str
      sample: ubuntu:24.04
    resources:
      description: CPU x RAM. Only with O(details).
      type: str
      sample: 2x4
    tags:
      description: The sandbox's tags. Only with O(details).
      type: list
      elements: str
    apps:
      description:
        - The sandbox's apps, each with its C(command) and C(app_status) (V(NONE), V(RUNNING), V(ENDED) or V(FAILED)).
          Only with O(details).
        - The sandbox API has no overall app status (since 2026); an answer in the older shape (one C(run_command)
          with a top-level C(app_status)) is returned as one app.
      type: list
      elements: dict
    endpoints:
      description: The sandbox's endpoints. Only with O(details).
      type: list
      elements: dict
      contains:
        name:
          description: The endpoint's name.
          type: str
        endpoint:
          description: The port (or host:port) inside the sandbox.
          type: str
        type:
          description: V(HTTP), V(TLS), V(TCP) or V(SSH).
          type: str
        endpoint_url:
          description: The public URL of the endpoint.
          type: str
          sample: https://www-review-123.sandbox.example
    project:
      description: The project the sandbox belongs to (C(name), C(display_name), C(url), C(html_url)); absent for a
        workspace-level sandbox.
      type: dict
    variables:
      description: The sandbox's variables; the C(value) of an encrypted one is C(********). Only with O(details).
      type: list
      elements: dict
    boot_logs:
      description: Lines logged while the sandbox booted and ran its setup. Only with O(details).
      type: list
      elements: str
    url:
      description: The sandbox's API URL.
      type: str
    html_url:
      description: The sandbox's page in Buddy.
      type: str
    snapshots:
      description: The sandbox's snapshots (C(id), C(name), C(status), C(create_date), ...). Only with
        O(include_snapshots).
      type: list
      elements: dict
  sample:
    - id: j7vavf8gd3oce
      identifier: review-123
      name: Review 123
      status: RUNNING
      setup_status: SUCCESS
      os: ubuntu:24.04
      resources: 2x4
      tags: [review]
      apps:
        - id: a1b2c3d
          command: npm start
          app_status: RUNNING
      endpoints:
        - name: www
          endpoint: "80"
          type: HTTP
          region: EU
          endpoint_url: https://www-review-123-website-my-company.eu-1.buddy.app
      url: https://api.buddy.works/workspaces/my-company/sandboxes/j7vavf8gd3oce
      html_url: https://app.buddy.works/my-company/website/sandboxes/j7vavf8gd3oce
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandboxes import find_sandboxes, mask_sandbox
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main

OPTIONS = dict(
    project_name=dict(type="str"),
    environment_id=dict(type="str"),
    identifier=dict(type="str"),
    id=dict(type="str"),
    details=dict(type="bool", default=True),
    include_snapshots=dict(type="bool", default=False),
)
SPEC = BUDDY_CONNECTION_SPEC.merge(WORKSPACE_SPEC, ArgumentSpec(
    OPTIONS,
    mutually_exclusive=[("id", "identifier"), ("id", "environment_id")],
))


def run(module, client):
    params = module.params
    sandboxes = find_sandboxes(client.sandboxes, params["workspace"], project_name=params["project_name"],
                               identifier=params["identifier"], sandbox_id=params["id"],
                               details=params["details"], include_snapshots=params["include_snapshots"],
                               environment_id=params["environment_id"])
    # Encrypted variable values (ciphertext) and endpoint secrets never leave the module.
    return dict(changed=False, sandboxes=[mask_sandbox(item) for item in sandboxes])


def main():
    module_main(SPEC, run, BuddyClient.from_module)


if __name__ == "__main__":
    main()
