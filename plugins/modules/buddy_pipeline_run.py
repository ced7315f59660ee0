#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_pipeline_run
short_description: Run a Buddy.works pipeline and wait for it to end
version_added: 0.1.0
description:
  - Starts a run (an execution) of a Buddy.works pipeline with
    C(POST /workspaces/{workspace}/projects/{project_name}/pipelines/{pipeline_id}/executions) and, by default,
    waits for it to end by polling C(GET .../executions/{execution_id}).
  - The task fails when the run ends V(FAILED), V(TERMINATED) or V(NOT_EXECUTED), naming the action that failed
    and its status, with the last lines of that action's log (read from the action execution's logs endpoint,
    C(GET .../executions/{execution_id}/action_executions/{action_execution_id}/logs)), or when it does not end
    within O(wait_timeout).
  - A run that starts waiting for a person (V(WAITING_FOR_APPLY), an approval, or another V(WAITING_FOR_*) state)
    fails the task as soon as it is seen, naming the waiting action, unless O(approve) covers that approval; then the
    task approves it (C(PATCH .../executions/{execution_id}) with operation V(APPLY) and C(approve_action_id)) and
    keeps waiting. The run is left waiting otherwise; M(opsflow.pipelines.buddy_pipeline_execution) can approve or
    cancel it later.
  - Starting a run is not idempotent, so the task always reports a change. The start request is never sent twice;
    when it may have reached the server (a timeout, a dropped connection, a gateway error after sending, or a success
    answer without the run in it) the task fails with C(changed=true) and a message saying that the run may have
    started and how to check.
  - Option names are the API's own field names.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._buddy.PIPELINE
  - opsflow.pipelines._buddy.RUN_WAIT
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BUDDY
attributes:
  check_mode:
    support: full
    details:
      - Starts no run. One C(GET) checks that the pipeline exists, and the task reports V(true) for C(changed),
        because a real run always starts one.
  diff_mode:
    support: none
options:
  to_revision:
    description:
      - The revision to run, sent as the API's C(to_revision) object.
      - A string (a commit SHA, or V(HEAD) for the newest commit) is sent as a dict with it as C(revision); a dict
        is sent as it is and must have a C(revision) key.
      - Without it the task sends V(HEAD) (the newest commit of the branch), as Buddy's own CLI does. The API
        requires a revision for pipelines of projects that have a repository.
    type: raw
  branch:
    description:
      - The branch to run, for pipelines with several refs or a wildcard ref.
      - A string is sent as a dict with it as C(name); a dict is sent as it is and must have a C(name) key.
      - Mutually exclusive with O(tag).
    type: raw
  tag:
    description:
      - The tag to run, for pipelines with several refs or a wildcard ref.
      - A string is sent as a dict with it as C(name); a dict is sent as it is and must have a C(name) key.
    type: raw
  comment:
    description: A comment shown with the run.
    type: str
  refresh:
    description: Deploy from scratch.
    type: bool
  clear_cache:
    description: Clear the pipeline's cache before the run.
    type: bool
  priority:
    description: The run's priority. The server's default is V(NORMAL).
    type: str
    choices: [LOW, NORMAL, HIGH]
  variables:
    description:
      - Variables passed to this run as parameters.
      - The values of encrypted variables are masked everywhere (the logged invocation, output, errors and the
        returned C(execution)); plain values are shown.
    type: list
    elements: dict
    suboptions:
      key:
        description: The variable's name.
        type: str
        required: true
      value:
        description: The variable's value.
        type: str
      encrypted:
        description: Whether the value is a secret. Buddy stores it encrypted and it is never shown.
        type: bool
        default: false
  actions_to_run:
    description:
      - IDs of the actions to run in this run. Without it the pipeline runs as it is defined.
    type: list
    elements: int
  approve:
    description:
      - Approvals the task may give while it waits. V(true) approves every action that waits for approval
        (V(WAITING_FOR_APPLY)); a list approves only the actions with these names; V(false) (the default) approves
        none, and a run that waits for approval fails the task at once.
      - Each approval is one C(PATCH .../executions/{execution_id}) with operation V(APPLY) and the waiting action
        execution's id as C(approve_action_id). Other waiting states (variables, a VT session) are never answered;
        they fail the task naming the action.
    type: raw
    default: false
  wait:
    description:
      - Wait for the run to end.
      - With V(false), the task returns as soon as the run has started, with its RV(execution_id) and its
        RV(status) at that moment.
    type: bool
    default: true
  cancel_on_timeout:
    description:
      - Cancel the run (C(PATCH .../executions/{execution_id}) with operation V(CANCEL)) when
        O(wait_timeout) passes before it ends. The task fails either way.
      - A run that ended just before the cancel is judged like one that ended within the wait.
    type: bool
    default: false
notes:
  - The token needs the E(EXECUTION_RUN) scope to start runs and E(EXECUTION_INFO) to follow them.
  - Each poll is one request and is retried on HTTP 429 and 5xx answers like any other read. Reading a failed
    action's log costs one more request per 1000 lines read (at most two, since only the tail is read).
seealso:
  - module: opsflow.pipelines.buddy_pipeline_execution
  - module: opsflow.pipelines.buddy_sandbox_info
  - name: Buddy.works API, pipeline runs
    description: Run, get and cancel executions.
    link: https://buddy.works/docs/api/pipelines/executions
'''

EXAMPLES = r'''
- name: Run the pipeline on the newest commit and wait for it to end
  opsflow.pipelines.buddy_pipeline_run:
    workspace: my-company
    project_name: website
    pipeline_id: 42
    to_revision: HEAD
    comment: Started by Ansible
  register: run

- name: Show where to look
  ansible.builtin.debug:
    msg: "Run {{ run.execution_id }} ended {{ run.status }}: {{ run.html_url }}"

- name: Run only two actions with a secret variable, cancel the run if it takes more than 10 minutes
  opsflow.pipelines.buddy_pipeline_run:
    workspace: my-company
    project_name: website
    pipeline_id: 42
    to_revision:
      revision: 506a3963507943d6908154f4bc9646e829128a08
    branch: main
    priority: HIGH
    actions_to_run: [1001, 1002]
    variables:
      - key: SANDBOX_ID
        value: review-123
      - key: API_TOKEN
        value: "{{ vault_api_token }}"
        encrypted: true
    wait_timeout: 600
    cancel_on_timeout: true

- name: Run a pipeline with an approval step, approving it here
  opsflow.pipelines.buddy_pipeline_run:
    workspace: my-company
    project_name: website
    pipeline_id: 43
    approve:
      - Approve the deploy
  register: approved_run

- name: Start a run without waiting
  opsflow.pipelines.buddy_pipeline_run:
    workspace: my-company
    project_name: website
    pipeline_id: 42
    to_revision: HEAD
    wait: false

- name: Carry on when the run fails, and report the action that failed
  block:
    - name: Run the tests pipeline
      opsflow.pipelines.buddy_pipeline_run:
        workspace: my-company
        project_name: website
        pipeline_id: 7
        to_revision: HEAD
  rescue:
    - name: Report
      ansible.builtin.debug:
        msg: "{{ ansible_failed_result.failed_action.name | default('no action') }} ended
          {{ ansible_failed_result.failed_action.status | default(ansible_failed_result.status) }}:
          {{ ansible_failed_result.log_tail | default([], true) | join('\n') }}"
'''

RETURN = r'''
execution:
  description:
    - The run as the API returned it last (after the wait, or as it started with O(wait=false)).
    - The values of encrypted variables are masked.
    - Also returned when the task fails because the run failed or did not end in time.
  returned: always; V(null) in check mode
  type: dict
  sample:
    id: 17
    status: SUCCESSFUL
    url: https://api.buddy.works/workspaces/my-company/projects/website/pipelines/42/executions/17
    html_url: https://app.buddy.works/my-company/website/pipelines/pipeline/42/execution/17
    start_date: "2026-01-01T10:00:00Z"
    finish_date: "2026-01-01T10:02:13Z"
    comment: Started by Ansible
    branch:
      name: main
    to_revision:
      revision: 506a3963507943d6908154f4bc9646e829128a08
    creator:
      name: John Deer
    action_executions:
      - status: SUCCESSFUL
        action:
          id: 1001
          name: Create sandbox
          type: SANDBOX_CREATE
execution_id:
  description: The run's ID.
  returned: always; V(null) in check mode
  type: int
  sample: 17
status:
  description:
    - The run's status when the task ended, one of V(INITIAL), V(ENQUEUED), V(INPROGRESS), V(SUCCESSFUL), V(FAILED),
      V(TERMINATED), V(NOT_EXECUTED), V(SKIPPED), V(TERMINATING), or a waiting state (V(WAITING_FOR_APPLY),
      V(WAITING_FOR_VARIABLES), V(WAITING_FOR_SETTABLE_VARIABLES), V(WAITING_FOR_VT_SESSION)).
    - Without O(wait), usually V(ENQUEUED) or V(INPROGRESS).
  returned: always; V(null) in check mode
  type: str
  sample: SUCCESSFUL
html_url:
  description: The run's page in Buddy.
  returned: always; V(null) in check mode
  type: str
  sample: https://app.buddy.works/my-company/website/pipelines/pipeline/42/execution/17
failed_action:
  description:
    - The action that made the run fail (the first one V(FAILED), else the first one V(TERMINATED)), returned with
      the failure. V(null) when the run did not fail.
  returned: always
  type: dict
  contains:
    id:
      description: The action's ID.
      type: int
    name:
      description: The action's name.
      type: str
    type:
      description: The action's type.
      type: str
    status:
      description: The status of the action in this run.
      type: str
    error_message:
      description: The server's explanation, when it gave one.
      type: str
    action_execution_id:
      description: The ID of the action's execution in this run (a 24-hex string), when the server names it.
      type: str
    log_tail:
      description: The last lines (up to 20) of the action's log, read from the action execution's logs endpoint.
      type: list
      elements: str
  sample:
    id: 1003
    name: Run tests
    type: RUN_DOCKER_CONTAINER
    status: FAILED
    action_execution_id: 5f0e6a1c2b3d4e5f6a7b8c9d
    log_tail:
      - "$ pytest -q"
      - "Action failed: Command 'pytest -q' exited with code 1"
log_tail:
  description:
    - The last lines (up to 20) of the failed action's log (the same as RV(failed_action.log_tail)), read from
      C(GET .../executions/{execution_id}/action_executions/{action_execution_id}/logs), paged by C(offset).
    - V(null) when the run did not fail or the log could not be read (a warning then says why).
  returned: when the run ended
  type: list
  elements: str
  sample: ["$ pytest -q", "Action failed: Command 'pytest -q' exited with code 1"]
waiting_action:
  description:
    - The action the run waits at (a person's approval, variables or a VT session), when the task failed because the
      run waits and O(approve) did not cover it.
  returned: when the run waits for a person
  type: dict
  contains:
    id:
      description: The action's ID.
      type: int
    name:
      description: The action's name.
      type: str
    type:
      description: The action's type, for example V(WAIT_FOR_APPLY).
      type: str
    status:
      description: The waiting state, for example V(WAITING_FOR_APPLY).
      type: str
    action_execution_id:
      description: The ID of the action's execution in this run, when the server names it.
      type: str
  sample:
    id: 1004
    name: Approve the deploy
    type: WAIT_FOR_APPLY
    status: WAITING_FOR_APPLY
    action_execution_id: 5f0e6a1c2b3d4e5f6a7b8c9e
approved:
  description: The names of the actions this task approved (see O(approve)).
  returned: when the task waited
  type: list
  elements: str
  sample: [Approve the deploy]
timed_out:
  description: Whether the task failed because the run did not end within O(wait_timeout).
  returned: when the wait timed out
  type: bool
  sample: true
cancelled:
  description: Whether the run was cancelled after the wait timed out (see O(cancel_on_timeout)).
  returned: when the wait timed out
  type: bool
  sample: true
may_have_committed:
  description:
    - V(true) when the task failed after the start request may have reached the server, so a run may have started
      although none is known (C(changed) is V(true) then). Check the pipeline's runs before running it again, for
      example with M(opsflow.pipelines.buddy_pipeline_execution) and O(opsflow.pipelines.buddy_pipeline_execution#module:last=true).
  returned: when the start request failed
  type: bool
  sample: true
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, PIPELINE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_execution import RUN_SPEC, start_run
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import module_main
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import secret_values

SPEC = BUDDY_CONNECTION_SPEC.merge(PIPELINE_SPEC, RUN_SPEC)


def run(module, client):
    # module.warn masks secrets (OpsflowModule): an action's name may hold an encrypted value.
    return start_run(client, module.params, module.check_mode, module.warn)


def main():
    module_main(SPEC, run, BuddyClient.from_module, secret_finder=secret_values)


if __name__ == "__main__":
    main()
