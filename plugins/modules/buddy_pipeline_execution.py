#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_pipeline_execution
short_description: Wait for, cancel, retry or approve an existing Buddy.works pipeline run
version_added: 0.2.0
description:
  - Acts on a run (an execution) of a Buddy.works pipeline that already exists, whoever started it, by
    O(execution_id), or the pipeline's newest run with O(last=true).
  - O(operation=wait) (the default) waits for the run to end and fails the task when it ends V(FAILED), V(TERMINATED)
    or V(NOT_EXECUTED), naming the failed action with the last lines of its log.
  - O(operation=cancel), O(operation=retry) and O(operation=approve) send C(PATCH .../executions/{execution_id}) with
    operation V(CANCEL), V(RETRY) or V(APPLY) only when the run needs it, so a task can be run again safely. C(changed)
    says whether anything was sent.
  - While waiting, a run that starts waiting for a person (V(WAITING_FOR_APPLY) or another V(WAITING_FOR_*) state)
    fails the task at once, naming the waiting action, unless O(approve) covers that approval.
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
      - Reads the run once and sends nothing; C(changed) and RV(msg) say what a real run would do. It does not wait.
  diff_mode:
    support: none
options:
  execution_id:
    description: The ID of the run. Mutually exclusive with O(last); one of them is required.
    type: int
  last:
    description:
      - Act on the pipeline's newest run (the one with the highest ID).
      - The task reads one page of the pipeline's runs, C(GET .../executions?page=1&per_page=20). Whether Buddy lists
        the newest run first is not documented, so the order is read off the page; when the page is oldest first and
        more runs exist, the last page is read too.
      - The task fails when the pipeline has no runs.
    type: bool
    default: false
  operation:
    description:
      - V(wait) waits for the run to end and judges it like M(opsflow.pipelines.buddy_pipeline_run) does.
      - V(cancel) cancels a run that has not ended (operation V(CANCEL)); a run that has ended is left as it is
        (C(changed=false)). A cancelled run (V(TERMINATED)) does not fail the task.
      - V(retry) retries a run that ended V(FAILED) or V(TERMINATED) (operation V(RETRY), which runs its failed
        actions again); a run that is still going is only waited for, a run that ended otherwise is left as it is
        (C(changed=false)).
      - V(approve) approves the actions the run waits at for approval (operation V(APPLY), with the action execution's
        ID as C(approve_action_id)), those O(approve) names, or all of them when O(approve) is not given; a run that
        waits for nothing is left as it is (C(changed=false)).
      - Except with O(operation=wait), the task waits for the run to end afterwards only with O(wait=true).
    type: str
    choices: [wait, cancel, retry, approve]
    default: wait
  approve:
    description:
      - Approvals the task may give, while waiting and with O(operation=approve). V(true) approves every action that
        waits for approval (V(WAITING_FOR_APPLY)); a list approves only the actions with these names; V(false)
        approves none.
      - The default is V(false), except with O(operation=approve), where it is V(true).
      - Other waiting states (variables, a VT session) are never answered; they fail the task naming the action.
    type: raw
  wait:
    description:
      - Wait for the run to end after the operation.
      - With O(operation=wait) and V(false), the task only reads the run (a status check that never fails on the
        run's status).
    type: bool
    default: true
notes:
  - The token needs the E(EXECUTION_INFO) scope to read runs and E(EXECUTION_RUN) (or the newer E(PIPELINE_MANAGE))
    to cancel, retry or approve them.
  - A run that ends between the read and the C(PATCH) makes the server refuse the operation; the task then reads the
    run again and reports C(changed=false) when it has ended.
seealso:
  - module: opsflow.pipelines.buddy_pipeline_run
  - name: Buddy.works API, cancel, retry or approve a run
    description: The PATCH operations on an execution.
    link: https://buddy.works/docs/api/executions/cancel-retry-approve
'''

EXAMPLES = r'''
- name: Approve the deploy step of a run and wait for the run to end
  opsflow.pipelines.buddy_pipeline_execution:
    workspace: my-company
    project_name: website
    pipeline_id: 43
    execution_id: 17
    operation: approve
    approve:
      - Approve the deploy

- name: Retry a failed run (nothing is sent when it did not fail)
  opsflow.pipelines.buddy_pipeline_execution:
    workspace: my-company
    project_name: website
    pipeline_id: 7
    execution_id: 18
    operation: retry
    wait_timeout: 600

- name: Wait for the newest run of the pipeline, whoever started it
  opsflow.pipelines.buddy_pipeline_execution:
    workspace: my-company
    project_name: website
    pipeline_id: 42
    last: true
  register: newest

- name: Cancel the newest run if it is still going
  opsflow.pipelines.buddy_pipeline_execution:
    workspace: my-company
    project_name: website
    pipeline_id: 42
    last: true
    operation: cancel
    wait: false

- name: Only look at a run's status
  opsflow.pipelines.buddy_pipeline_execution:
    workspace: my-company
    project_name: website
    pipeline_id: 43
    execution_id: 17
    wait: false
  register: run_now
'''

RETURN = r'''
execution:
  description:
    - The run as the API returned it last. The values of encrypted variables are masked.
    - Also returned when the task fails because of the run.
  returned: always
  type: dict
  sample:
    id: 17
    status: SUCCESSFUL
    html_url: https://app.buddy.works/my-company/website/pipelines/pipeline/42/execution/17
    action_executions:
      - status: SUCCESSFUL
        action_execution_id: 5f0e6a1c2b3d4e5f6a7b8c9d
        action:
          id: 1001
          name: Approve the deploy
          type: WAIT_FOR_APPLY
execution_id:
  description: The run's ID.
  returned: always
  type: int
  sample: 17
status:
  description:
    - The run's status when the task ended (see RV(opsflow.pipelines.buddy_pipeline_run#module:status)).
  returned: always
  type: str
  sample: SUCCESSFUL
html_url:
  description: The run's page in Buddy.
  returned: always
  type: str
  sample: https://app.buddy.works/my-company/website/pipelines/pipeline/42/execution/17
operations:
  description: The operations sent, in order (V(CANCEL), V(RETRY), V(APPLY)); empty when nothing was sent.
  returned: always
  type: list
  elements: str
  sample: [APPLY]
approved:
  description: The names of the actions this task approved.
  returned: always
  type: list
  elements: str
  sample: [Approve the deploy]
msg:
  description: What the task did, or in check mode what it would do.
  returned: always
  type: str
  sample: run 17 was WAITING_FOR_APPLY; approved 'Approve the deploy'
failed_action:
  description:
    - The action that made the run fail, with the last lines of its log (see
      RV(opsflow.pipelines.buddy_pipeline_run#module:failed_action)). V(null) when the run did not fail.
  returned: when the task waited for the run, or the run had failed
  type: dict
  sample:
    id: 1003
    name: Run tests
    type: RUN_DOCKER_CONTAINER
    status: FAILED
    log_tail: ["$ pytest -q", "Action failed: Command 'pytest -q' exited with code 1"]
log_tail:
  description: The last lines (up to 20) of the failed action's log, read from the action execution's logs endpoint.
  returned: when the run ended failed
  type: list
  elements: str
  sample: ["$ pytest -q", "Action failed: Command 'pytest -q' exited with code 1"]
waiting_action:
  description: The action the run waits at, when the task failed because the run waits for a person.
  returned: when the run waits for a person that O(approve) did not cover
  type: dict
  sample:
    id: 1004
    name: Approve the deploy
    type: WAIT_FOR_APPLY
    status: WAITING_FOR_APPLY
timed_out:
  description: Whether the task failed because the run did not end within O(wait_timeout).
  returned: when the wait timed out
  type: bool
  sample: true
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, PIPELINE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_execution import EXECUTION_SPEC, operate_run
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import module_main

SPEC = BUDDY_CONNECTION_SPEC.merge(PIPELINE_SPEC, EXECUTION_SPEC)


def run(module, client):
    # module.warn masks secrets (OpsflowModule): an action's name may hold an encrypted value.
    return operate_run(client, module.params, module.check_mode, module.warn)


def main():
    module_main(SPEC, run, BuddyClient.from_module)


if __name__ == "__main__":
    main()
