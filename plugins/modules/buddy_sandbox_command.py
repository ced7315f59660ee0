#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_sandbox_command
short_description: Run a command inside a Buddy.works sandbox
version_added: 0.2.0
description:
  - Runs one command inside a running sandbox through the sandbox command API
    (C(POST /workspaces/{workspace}/sandboxes/{id}/commands)), waits for it to end and returns its exit code
    and output.
  - The sandbox is found by its O(sandbox) identifier in O(project_name).
  - O(creates) and O(removes) are checked first, through the sandbox content API; when they say so, nothing
    runs and the task reports C(changed=false).
  - The task fails when the command ends with an exit code other than V(0).
  - To configure a sandbox with ordinary Ansible modules (C(copy), C(template), C(command), ...), use the
    P(opsflow.pipelines.buddy_sandboxes#inventory) inventory and the P(opsflow.pipelines.buddy_sandbox#connection)
    connection instead.
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
    details: Runs nothing; reports whether the command would run, after checking O(creates) / O(removes).
  diff_mode:
    support: none
options:
  project_name:
    description:
      - The project's name ID (the human-readable ID in the project's URL) that the sandbox belongs to.
    type: str
    required: true
  sandbox:
    description:
      - The sandbox's identifier within the project (the C(identifier) set when it was created).
      - "The sandbox must be C(RUNNING); start it with M(opsflow.pipelines.buddy_sandbox) (C(state: started))."
    type: str
    required: true
  command:
    description:
      - The command, as the O(runtime) reads it (a shell script for V(BASH), a program for the others).
    type: str
    required: true
  runtime:
    description:
      - What runs O(command).
    type: str
    choices: [BASH, JAVASCRIPT, TYPESCRIPT, PYTHON]
    default: BASH
  creates:
    description:
      - An absolute path inside the sandbox. When something exists there, the command does not run.
    type: str
  removes:
    description:
      - An absolute path inside the sandbox. When nothing exists there, the command does not run.
    type: str
  wait:
    description:
      - Wait for the command to end and return its exit code and output.
      - With V(false), the task returns as soon as the sandbox has accepted the command (RV(status) V(INPROGRESS),
        no RV(rc)); follow it through the API or a later task.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the command to end. When they pass, the task fails; the command keeps running in the
        sandbox.
    type: float
    default: 600
  poll_interval:
    description:
      - The longest pause, in seconds, between two reads of the command's status. Reads start at 0.5 seconds
        and double up to this.
    type: float
    default: 2
notes:
  - The token needs the E(SANDBOX_MANAGE) scope.
  - The API returns the output as lines; the last line of RV(stdout) and RV(stderr) always ends with a newline,
    even when the command printed none. Output that is not UTF-8 text arrives with replacement characters;
    move binary data with the content API (the P(opsflow.pipelines.buddy_sandbox#connection) connection's
    C(fetch)).
  - Requests made are one or two to find the sandbox, one per O(creates) / O(removes), then one to start the
    command, one per status read while it runs, and one for its output.
  - The command is sent once. If the answer to that request is lost, the task fails saying so instead of
    sending it again, since the command may already run.
seealso:
  - module: opsflow.pipelines.buddy_sandbox
  - module: opsflow.pipelines.buddy_sandbox_info
  - plugin: opsflow.pipelines.buddy_sandbox
    plugin_type: connection
  - name: Buddy.works API, run a command in a sandbox
    description: The command, its status and its logs.
    link: https://buddy.works/docs/api/sandboxes/run-command
'''

EXAMPLES = r'''
- name: Generate the app's secret key once
  opsflow.pipelines.buddy_sandbox_command:
    workspace: my-company
    project_name: website
    sandbox: review-123
    command: mkdir -p /buddy/app && umask 077 && openssl rand -hex 32 > /buddy/app/.secret-key
    creates: /buddy/app/.secret-key

- name: Check the Python version
  opsflow.pipelines.buddy_sandbox_command:
    workspace: my-company
    project_name: website
    sandbox: review-123
    runtime: PYTHON
    command: |
      import sys
      print(sys.version.split()[0])
  register: python_version

- name: Show it
  ansible.builtin.debug:
    msg: "{{ python_version.stdout_lines[0] }}"

- name: A check that may fail without failing the play
  opsflow.pipelines.buddy_sandbox_command:
    workspace: my-company
    project_name: website
    sandbox: review-123
    command: curl -fsS http://localhost:8080/health
  register: health
  failed_when: false

- name: Report it
  ansible.builtin.debug:
    msg: "health check exit code {{ health.rc }}"
'''

RETURN = r'''
command_id:
  description: The command's ID in the sandbox. Absent when the command did not run.
  returned: when the command ran
  type: str
  sample: 6a3e2f1c9b7d
status:
  description:
    - V(SUCCESSFUL), V(FAILED), or V(INPROGRESS) with O(wait=false).
    - V(SKIPPED) when O(creates) or O(removes) kept the command from running, and in check mode (nothing runs
      then; C(changed) says whether it would have).
  returned: always
  type: str
  sample: SUCCESSFUL
rc:
  description: The command's exit code.
  returned: when the command ran and was waited for
  type: int
  sample: 0
stdout:
  description: What the command wrote to standard output.
  returned: when the command ran and was waited for
  type: str
  sample: "hello\n"
stderr:
  description: What the command wrote to standard error.
  returned: when the command ran and was waited for
  type: str
  sample: ""
stdout_lines:
  description: RV(stdout) split into lines.
  returned: when the command ran and was waited for
  type: list
  elements: str
  sample: [hello]
stderr_lines:
  description: RV(stderr) split into lines.
  returned: when the command ran and was waited for
  type: list
  elements: str
  sample: []
sandbox_id:
  description: The ID of the sandbox the command ran in.
  returned: always
  type: str
  sample: j7vavf8gd3oce
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandbox_commands import COMMAND_SPEC, run_command
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import module_main

SPEC = BUDDY_CONNECTION_SPEC.merge(WORKSPACE_SPEC, COMMAND_SPEC)


def run(module, client):
    return run_command(client, module.params, module.check_mode)


def main():
    module_main(SPEC, run, BuddyClient.from_module)


if __name__ == "__main__":
    main()
