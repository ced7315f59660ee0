#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_sandbox_snapshot
short_description: Create or delete a named snapshot of a Buddy.works sandbox
version_added: 0.2.0
description:
  - Keeps one snapshot of a sandbox by its O(name), idempotently.
  - V(present) creates the snapshot when the sandbox has none of that name (C(CREATED) or C(CREATING)), then waits
    until it is C(CREATED) (O(wait)). A snapshot of that name that exists already is reused, not taken again.
  - V(absent) deletes every snapshot of the sandbox with that name.
  - The create request is never sent twice once it may have reached the server; when its answer is lost, the
    snapshot is looked up by name first.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BUDDY
attributes:
  check_mode:
    support: full
    details:
      - Makes the same look-ups as a real run, writes and waits for nothing, reports the same RV(ignore:changed).
  diff_mode:
    support: full
    details:
      - C(before) / C(after) name the snapshot that is created or deleted.
notes:
  - Needs a token with the E(SANDBOX_INFO) and E(SANDBOX_MANAGE) scopes.
  - "Requests made: the sandbox's look-up (see M(opsflow.pipelines.buddy_sandbox)), one C(GET) of its snapshots,
    the write that is needed, and one C(GET) of the snapshot per poll while it is C(CREATING)."
  - Snapshot names are not unique in the API. With several of the same name, the newest is reused.
seealso:
  - module: opsflow.pipelines.buddy_sandbox
  - name: Buddy.works sandbox snapshots API
    description: Create, list and delete snapshots.
    link: https://buddy.works/docs/api/sandboxes/snapshot-create
options:
  project_name:
    description:
      - The project's name ID. Leave it out for a workspace-level sandbox.
    type: str
  sandbox:
    description: The identifier of the sandbox.
    type: str
    required: true
  name:
    description: The snapshot's name, its look-up key.
    type: str
    required: true
  state:
    description: V(present) to have the snapshot, V(absent) to delete it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait until the snapshot is C(CREATED); a snapshot that ends C(FAILED) fails the task.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
  poll_interval:
    description: Longest pause in seconds between two reads while waiting.
    type: float
    default: 3
'''

EXAMPLES = r'''
- name: Snapshot the review sandbox once it is set up
  opsflow.pipelines.buddy_sandbox_snapshot:
    workspace: my-company
    project_name: website
    sandbox: review-42
    name: golden
  register: golden

- name: Its ID
  ansible.builtin.debug:
    msg: "{{ golden.snapshot.id }}"

- name: Drop it
  opsflow.pipelines.buddy_sandbox_snapshot:
    workspace: my-company
    project_name: website
    sandbox: review-42
    name: golden
    state: absent
'''

RETURN = r'''
snapshot:
  description: The snapshot (C(id), C(name), C(status), C(size) in GB, C(create_date)); empty after O(state=absent).
  returned: always
  type: dict
  sample: {id: sn-k2j4h5g6f7d8s, name: golden, status: CREATED, size: 2, create_date: "2026-03-01T10:00:00.000Z"}
sandbox_id:
  description: The ID of the sandbox.
  returned: when the sandbox exists
  type: str
  sample: j7vavf8gd3oce
snapshots_deleted:
  description: How many snapshots of that name were deleted (O(state=absent)).
  returned: when O(state=absent)
  type: int
  sample: 1
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandbox import ensure_snapshot
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main

SPEC = BUDDY_CONNECTION_SPEC.merge(WORKSPACE_SPEC, ArgumentSpec(dict(
    project_name=dict(type="str"),
    sandbox=dict(type="str", required=True),
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    poll_interval=dict(type="float", default=3),
)))


def run(module, client):
    return ensure_snapshot(client, module.params, check_mode=module.check_mode, want_diff=module._diff)


def main():
    module_main(SPEC, run, BuddyClient.from_module)


if __name__ == "__main__":
    main()
