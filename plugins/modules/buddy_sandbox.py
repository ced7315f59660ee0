#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_sandbox
short_description: Create, change, start, stop or remove one Buddy.works sandbox through the sandbox API
version_added: 0.2.0
description:
  - Keeps one Buddy.works sandbox as the task describes it, directly through the sandbox REST API (no pipeline
    needed).
  - The sandbox is found by O(identifier) (or O(sandbox_id)). A missing one is created from scratch, from a
    snapshot or as a clone of another sandbox (O(from)); creating a sandbox also starts it.
  - An existing sandbox is compared with the task on the settings the task sets, and only those; when some differ,
    one C(PATCH) sends them. When nothing differs nothing is written and the task reports RV(ignore:changed=false).
  - O(os), O(first_boot_commands) and a source given by O(snapshot_id) can't change in place (the API takes no
    C(os) in an update, and new O(first_boot_commands) only mark the setup C(STALE) without running them). Such a
    change fails the task naming O(recreate); with O(recreate=true) the sandbox is deleted and created again.
  - O(state) starts, stops or restarts the sandbox. The task then waits (O(wait_for)) until it runs, its setup
    (O(first_boot_commands)) has ended and/or its apps run, all within one O(wait_timeout).
  - A sandbox that ends C(FAILED), whose setup ends C(FAILED) or C(STALE), or with a C(FAILED) app (when waiting
    for apps) fails the task; the failure carries the last lines of the sandbox's boot logs.
  - The create request is never sent twice once it may have reached the server. When its answer is lost, the
    sandbox is looked up by O(identifier) first.
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
      - Makes the same look-ups as a real run, writes and waits for nothing, and reports the same
        RV(ignore:changed). RV(sandbox) is then the predicted sandbox.
  diff_mode:
    support: full
    details:
      - C(before) and C(after) hold the settings the task sets (and C(status) when O(state) changes it); encrypted
        variable values and endpoint passwords show as C(********).
notes:
  - Needs a token with the E(SANDBOX_INFO) scope to read sandboxes and E(SANDBOX_MANAGE) to change them.
  - "Requests made on a run that changes nothing: the look-up by identifier (C(GET /workspaces/{workspace}/identifiers)
    and one C(GET) of the sandbox; when that endpoint is not available, the project's sandbox list, plus one C(GET)
    when its entries are short). Then one request per write, and one C(GET) per poll while waiting."
  - Encrypted values (variables with C(encrypted=true)) come back from the API only as ciphertext, so they are not
    compared; they are sent when the sandbox is created and whenever O(variables) is sent for another change.
  - Sandbox commands and files inside the sandbox are the business of M(opsflow.pipelines.buddy_sandbox_command) and
    the P(opsflow.pipelines.buddy_sandbox#connection) connection.
seealso:
  - module: opsflow.pipelines.buddy_sandbox_info
  - module: opsflow.pipelines.buddy_sandbox_snapshot
  - module: opsflow.pipelines.buddy_sandbox_command
  - name: Buddy.works sandbox API
    description: Create, edit, start and stop sandboxes.
    link: https://buddy.works/docs/api/sandboxes/create
options:
  project_name:
    description:
      - The project's name ID. Sandboxes of a project are looked up among that project's sandboxes.
      - Leave it out for a workspace-level sandbox (one that belongs to no project).
    type: str
  identifier:
    description:
      - The sandbox's human-readable identifier, unique within its project, and the look-up key. Letters, digits,
        C(_) and C(-), not starting or ending with C(-).
      - Required to create a sandbox.
    type: str
  sandbox_id:
    description:
      - The sandbox's ID, to act on an existing sandbox without looking it up (one request).
    type: str
  state:
    description:
      - V(present) creates the sandbox when it is missing (created sandboxes run) and changes it when it differs,
        whatever its status.
      - V(started) also starts it when it is stopped; V(stopped) stops it (and waits until it is C(STOPPED));
        V(restarted) restarts it on every run (always a change).
      - V(absent) deletes it.
    type: str
    choices: [present, started, stopped, restarted, absent]
    default: present
  from:
    description:
      - What a new sandbox starts from. V(scratch) needs O(os).
      - V(snapshot) restores O(snapshot_id), or the newest C(CREATED) snapshot named O(snapshot_name) of the
        sandbox O(source_sandbox).
      - V(sandbox) clones O(source_sandbox) (its operating system, setup, apps and settings); the other settings of
        the task are then applied by one C(PATCH).
      - Used when the sandbox is created; on an existing sandbox, only a O(snapshot_id) is compared with the
        snapshot the sandbox came from.
    type: str
    choices: [scratch, snapshot, sandbox]
    default: scratch
  snapshot_id:
    description: The ID of the snapshot to restore (V(sn-...)), with O(from=snapshot).
    type: str
  snapshot_name:
    description: The name of a snapshot of O(source_sandbox) to restore, with O(from=snapshot).
    type: str
  source_sandbox:
    description:
      - The identifier of the sandbox to clone (O(from=sandbox)), or whose snapshot O(snapshot_name) names
        (O(from=snapshot)). Looked up in the same project.
    type: str
  name:
    description: The sandbox's display name. Defaults to O(identifier) when the sandbox is created.
    type: str
  os:
    description:
      - The operating system image, for example V(ubuntu:22.04) or V(ubuntu:24.04). Required to create from scratch.
      - Can't be changed in place (see O(recreate)).
    type: str
  resources:
    description: CPU x RAM, for example V(2x4) (the default of the API) or V(CUSTOM).
    type: str
  first_boot_commands:
    description:
      - Shell commands run once, when the sandbox first boots (its setup). Can't be changed in place (see
        O(recreate)).
    type: str
  app_dir:
    description: The directory the apps run in.
    type: str
  apps:
    description: Commands of the apps the sandbox runs (each one app).
    type: list
    elements: str
  tags:
    description: The sandbox's tags.
    type: list
    elements: str
  endpoints:
    description:
      - The sandbox's endpoints, each a public address of a port inside the sandbox. Compared item by item, in order.
    type: list
    elements: dict
    suboptions:
      name:
        description: The endpoint's name.
        type: str
        required: true
      endpoint:
        description: The port (or C(host:port)) inside the sandbox.
        type: str
        required: true
      type:
        description: The kind of traffic.
        type: str
        choices: [HTTP, TLS, TCP, SSH]
        default: HTTP
      region:
        description:
          - The region of the public address. Unset, the server picks it (and it is not compared).
        type: str
        choices: [EU, US, AS]
      whitelist:
        description: IP ranges allowed to connect.
        type: list
        elements: str
      timeout:
        description: Idle timeout in seconds.
        type: int
      http:
        description:
          - HTTP settings (C(verify_certificate), C(compression), C(http2), C(log_requests), C(request_headers),
            C(response_headers), C(whitelist_user_agents), C(rewrite_host_header), C(login), C(password),
            C(auth_type), C(circuit_breaker), C(serve_path), C(tls_ca)).
          - C(password) is never shown and is not compared (the API does not return it).
        type: dict
      tls:
        description:
          - TLS settings (C(terminate_at), C(private_key), C(certificate), C(ca_certificate)). C(private_key) is never
            shown and is not compared.
        type: dict
  variables:
    description:
      - Environment variables of the sandbox. Compared item by item, in order; encrypted values are not compared.
    type: list
    elements: dict
    suboptions:
      key:
        description: The variable's name.
        type: str
        required: true
      value:
        description: The value. With O(variables[].encrypted=true) it is a secret, never shown.
        type: str
      encrypted:
        description: Whether the API keeps the value encrypted (and answers only its ciphertext).
        type: bool
      settable:
        description: Whether a run may set the value.
        type: bool
      description:
        description: A description.
        type: str
      type:
        description: The kind of variable (V(VAR) is a plain variable).
        type: str
  timeout:
    description: Seconds of inactivity after which Buddy stops the sandbox.
    type: int
  permissions:
    description: The sandbox's permissions, as the API takes them (C(others), C(users), C(groups)).
    type: dict
  recreate:
    description:
      - With V(true), a change that can't be made in place (O(os), O(first_boot_commands), O(snapshot_id)) deletes
        the sandbox and creates it again. With V(false) such a change fails the task, naming this option.
    type: bool
    default: false
  wait_for:
    description:
      - What to wait for. V(running) until the sandbox is C(RUNNING) (a sandbox met C(STOPPED) is started once);
        V(configured) until its setup ended C(SUCCESS); V(apps) until every app is C(RUNNING) or C(ENDED).
      - Default V([running, configured]) whenever the task creates, starts or restarts the sandbox, nothing
        otherwise. V([]) waits for nothing.
    type: list
    elements: str
    choices: [running, configured, apps]
  wait_timeout:
    description: Seconds all waits of the task may take together.
    type: int
    default: 600
  poll_interval:
    description: Longest pause in seconds between two reads while waiting (the first reads come sooner).
    type: float
    default: 3
'''

EXAMPLES = r'''
- name: A review sandbox from scratch, running with its setup done
  opsflow.pipelines.buddy_sandbox:
    workspace: my-company
    project_name: website
    identifier: review-42
    name: Review 42
    os: "ubuntu:24.04"
    resources: 2x4
    first_boot_commands: |
      apt-get update
      apt-get install -y nginx
    apps:
      - nginx -g 'daemon off;'
    endpoints:
      - name: www
        endpoint: "80"
        type: HTTP
    variables:
      - key: API_KEY
        value: "{{ vault_api_key }}"
        encrypted: true
    tags: [review]
    state: started
  register: review

- name: Its address
  ansible.builtin.debug:
    msg: "{{ review.sandbox.endpoints[0].endpoint_url }}"

- name: Another sandbox from the review sandbox's golden snapshot
  opsflow.pipelines.buddy_sandbox:
    workspace: my-company
    project_name: website
    identifier: review-43
    from: snapshot
    source_sandbox: review-42
    snapshot_name: golden
    wait_for: [running, configured, apps]

- name: Stop it for the night
  opsflow.pipelines.buddy_sandbox:
    workspace: my-company
    project_name: website
    identifier: review-42
    state: stopped

- name: A new OS means a new sandbox
  opsflow.pipelines.buddy_sandbox:
    workspace: my-company
    project_name: website
    identifier: review-42
    os: "ubuntu:22.04"
    recreate: true

- name: Remove it
  opsflow.pipelines.buddy_sandbox:
    workspace: my-company
    project_name: website
    identifier: review-42
    state: absent
'''

RETURN = r'''
sandbox:
  description:
    - The sandbox as the API holds it after the task (the predicted one in check mode); empty after O(state=absent).
    - Read in the 2026 shape whatever the server answered (pre-2026 C(install_commands) as C(first_boot_commands),
      C(run_command) as one app). Each endpoint carries its C(endpoint_url). Encrypted variable values, endpoint
      passwords and private keys show as C(********).
  returned: always
  type: dict
  contains:
    id:
      description: The sandbox's ID.
      type: str
      sample: j7vavf8gd3oce
    identifier:
      description: The sandbox's identifier.
      type: str
      sample: review-42
    status:
      description: V(STARTING), V(RUNNING), V(STOPPING), V(STOPPED), V(FAILED) or V(RESTORING).
      type: str
      sample: RUNNING
    setup_status:
      description: V(INPROGRESS), V(SUCCESS), V(FAILED) or V(STALE).
      type: str
      sample: SUCCESS
    apps:
      description: The apps, each with C(id), C(command) and C(app_status) (V(NONE), V(RUNNING), V(ENDED), V(FAILED)).
      type: list
      elements: dict
      sample: [{id: a1b2c3d, command: "nginx -g 'daemon off;'", app_status: RUNNING}]
    endpoints:
      description: The endpoints, each with its public C(endpoint_url).
      type: list
      elements: dict
      sample: [{name: www, endpoint: "80", type: HTTP, region: EU,
                endpoint_url: "https://www-review-42-website-my-company.eu-1.buddy.app"}]
    boot_logs:
      description: Lines logged while the sandbox booted and ran its setup.
      type: list
      elements: str
    variables:
      description: The sandbox's variables; encrypted values as C(********).
      type: list
      elements: dict
  sample:
    id: j7vavf8gd3oce
    identifier: review-42
    name: Review 42
    status: RUNNING
    setup_status: SUCCESS
    os: "ubuntu:24.04"
    resources: 2x4
actions:
  description: What the task did, in order (V(create), V(update), V(delete), V(start), V(stop), V(restart)).
  returned: always
  type: list
  elements: str
  sample: [create]
boot_logs:
  description: The last lines of the boot logs, when the sandbox, its setup or an app failed.
  returned: failure
  type: list
  elements: str
fields:
  description: The settings that can't be changed in place, when the task fails naming O(recreate).
  returned: failure
  type: list
  elements: str
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandbox import (
    SANDBOX_SPEC,
    ensure_sandbox,
    sandbox_secrets,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import module_main

SPEC = BUDDY_CONNECTION_SPEC.merge(WORKSPACE_SPEC, SANDBOX_SPEC)


def run(module, client):
    return ensure_sandbox(client, module.params, check_mode=module.check_mode, want_diff=module._diff)


def main():
    module_main(SPEC, run, BuddyClient.from_module, secret_finder=sandbox_secrets)


if __name__ == "__main__":
    main()
