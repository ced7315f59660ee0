#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: blink_execution_info
short_description: Read a BlinkOps workflow execution, optionally waiting for it to end
version_added: 0.1.0
description:
  - Reads one execution with C(GET /api/v1/workspace/{workspace_id}/executions/{execution_id}), and its steps with
    C(GET .../executions/{execution_id}/steps). The record holds no output, so RV(output) is the C(output_data) of
    the last completed step.
  - The state is read from the record's C(state_ui), else its C(state).
  - With O(wait=true) it polls the execution, first after half a second and then at doubling intervals up to
    O(poll_interval) seconds, until it reaches a terminal state
    (V(Completed), V(Failed), V(Cancelled), V(Timeout), V(Skipped) or V(Paused)). An execution that ended
    V(Failed) is returned like any other, so that the play can decide (C(failed_when), C(until)); only a wait that
    passes O(wait_timeout) fails the task. A V(Paused) execution (waiting for a person) ends the wait with a
    warning that says so, unless O(wait_for_paused=true) keeps waiting.
  - The values of the callback's C(headers) and C(cookies) are masked in the returned execution.
  - Never changes anything.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._blink
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BLINK
  - opsflow.pipelines._attributes.INFO_MODULE
seealso:
  - module: opsflow.pipelines.blink_workflow_execute
options:
  workspace_id:
    description: The ID of the workspace that holds the execution.
    type: str
    required: true
  execution_id:
    description: The ID of the execution, as RV(opsflow.pipelines.blink_workflow_execute#module:execution_id) returns it.
    type: str
    required: true
  wait:
    description: Wait until the execution reaches a terminal state.
    type: bool
    default: false
  wait_timeout:
    description:
      - With O(wait=true), how many seconds to wait. When they pass first the task fails; the result still carries
        RV(execution) and RV(state) as last read.
    type: int
    default: 600
  poll_interval:
    description:
      - With O(wait=true), the longest pause in seconds between two reads of the execution.
      - The first pause is half a second (or O(poll_interval) if shorter); each next one doubles up to O(poll_interval),
        so a short execution is seen to end soon and a long one costs few requests.
      - Must be more than V(0), like O(wait_timeout).
    type: float
    default: 5
  wait_for_paused:
    description:
      - With O(wait=true), keep waiting while the execution is V(Paused) (waiting for a person), until it reaches
        another terminal state or O(wait_timeout) passes.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Start a workflow and carry on
  opsflow.pipelines.blink_workflow_execute:
    workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
    workflow_id: 6d0c2f3a-61c4-4c56-8d8a-6f2f0c9e1b22
    wait: false
  register: started

- name: Later, wait for it to end
  opsflow.pipelines.blink_execution_info:
    workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
    execution_id: "{{ started.execution_id }}"
    wait: true
    wait_timeout: 900
    poll_interval: 10
  register: finished
  failed_when: finished.state != 'Completed'

- name: Just look at it
  opsflow.pipelines.blink_execution_info:
    workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
    execution_id: a22f642a-f4fc-4c66-b978-6f1d1008e6ae
  register: now

- name: Show where it is
  ansible.builtin.debug:
    msg: "{{ now.execution.state_ui }} since {{ (now.execution.started_at / 1000) | int }}"
'''

RETURN = r'''
execution_id:
  description: The execution's ID.
  returned: always
  type: str
  sample: a22f642a-f4fc-4c66-b978-6f1d1008e6ae
state:
  description:
    - The execution's state, from its C(state_ui), else its C(state), for example V(Running), V(Completed),
      V(Failed), V(Cancelled), V(Timeout), V(Paused) or V(Skipped).
  returned: always
  type: str
  sample: Completed
output:
  description:
    - The workflow's output, the C(output_data) of the execution's last completed step (JSON text is parsed; other
      text stays a string); the record's own C(output) if the server includes one.
    - V(null) while no completed step has output.
  returned: always
  type: raw
  sample:
    ticket_id: SEC-1042
steps:
  description: The execution's steps as the API returns them, in the order they ran.
  returned: always
  type: list
  elements: dict
  sample:
    - id: st-1
      step_id: scan
      state: Failed
      output_data: null
      error_data: "2 critical vulnerabilities found"
execution:
  description:
    - The execution record as the API returns it, with the values of C(callback.headers) and C(callback.cookies)
      masked.
  returned: always
  type: dict
  contains:
    id:
      description: The execution's ID.
      type: str
    playbook_id:
      description: The workflow's ID.
      type: str
    state:
      description: The execution's state.
      type: str
    state_ui:
      description: The state as the BlinkOps UI shows it.
      type: str
    inputs:
      description: The input values the execution ran with.
      type: dict
    error_details:
      description: Why the execution failed, with C(message) and C(error_code); V(null) when it did not fail.
      type: dict
    started_at:
      description: When the execution started, in milliseconds since the epoch.
      type: int
    finished_at:
      description: When the execution ended, in milliseconds since the epoch; V(null) while it runs.
      type: int
    duration:
      description: How long the execution ran, in milliseconds.
      type: int
    trigger_type:
      description: What triggered the execution.
      type: str
  sample:
    id: a22f642a-f4fc-4c66-b978-6f1d1008e6ae
    playbook_id: 6d0c2f3a-61c4-4c56-8d8a-6f2f0c9e1b22
    state: Failed
    state_ui: Failed
    inputs: {}
    error_details:
      message: "Step 'scan' failed: 2 critical vulnerabilities found"
      error_code: STEP_FAILED
    started_at: 1767261600000
    finished_at: 1767261612000
    duration: 12000
    trigger_type: api
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._blink import BLINK_CONNECTION_SPEC, blink_secret_values
from ansible_collections.opsflow.pipelines.plugins.module_utils._blink_executions import (
    BlinkExecutionsClient,
    BlinkRun,
    PAUSED_HINT,
    WaitTimeoutError,
    execution_result,
    is_paused,
    state_of,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import timeout_message

OPTIONS = dict(
    workspace_id=dict(type="str", required=True),
    execution_id=dict(type="str", required=True),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=600),
    poll_interval=dict(type="float", default=5.0),
    wait_for_paused=dict(type="bool", default=False),
)
SPEC = BLINK_CONNECTION_SPEC.merge(ArgumentSpec(OPTIONS))


def run(module, client):
    params = module.params
    blink_run = BlinkRun.from_params(params)
    execution_id = params["execution_id"]
    if not params["wait"]:
        execution = client.get_execution(blink_run.workspace_id, execution_id)
    else:
        # Any terminal state ends the wait, a failed one too: this module reports, it does not judge.
        execution, ended = client.wait_for_end(blink_run.workspace_id, execution_id, blink_run.deadline(client),
                                               blink_run.poll_interval, wait_for_paused=blink_run.wait_for_paused)
        if not ended:
            raise WaitTimeoutError(timeout_message("execution %s" % execution_id, blink_run.wait_timeout,
                                                   state_of(execution), "it is still running"),
                                   execution_id, execution, changed=False)
        if is_paused(state_of(execution)):
            module.warn("Execution %s is %s: %s" % (execution_id, state_of(execution), PAUSED_HINT))
    steps = client.get_steps(blink_run.workspace_id, execution_id)
    return dict(execution_result(execution_id, execution, steps=steps), changed=False)


def main():
    module_main(SPEC, run, BlinkExecutionsClient.from_module, secret_finder=blink_secret_values)


if __name__ == '__main__':
    main()
