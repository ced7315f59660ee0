#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: blink_workflow_execute
short_description: Run a BlinkOps workflow, and by default wait for it and return its output
version_added: 0.1.0
description:
  - Starts a BlinkOps workflow with C(POST /api/v1/workspace/{workspace_id}/playbooks/{workflow_id}/execute), the
    usual last step of a provisioning flow (notify, open a ticket, run a security scan, wait for an approval).
  - With O(wait=false) the task returns as soon as the execution has started, with its RV(execution_id).
  - With O(wait=true) (the default) the server is asked to answer when the workflow ends
    (C(run_sync=true&timeout=<wait_timeout>)) and the task returns the workflow's RV(output). When the server stops
    blocking before the end and hands back only the execution's ID, the task polls
    C(GET .../executions/{execution_id}), first after half a second and then at doubling intervals up to
    O(poll_interval) seconds, until the execution ends or O(wait_timeout) passes.
  - The state is read from the execution's C(state_ui), else its C(state). Only V(Completed) is success. With
    O(wait=true) the task fails when the workflow ends V(Failed), V(Cancelled), V(Timeout) or V(Skipped), when it
    is V(Paused) (it waits for a person, for example an approval form; O(wait_for_paused=true) keeps waiting
    instead), or when O(wait_timeout) passes first (after cancelling the execution if O(cancel_on_timeout=true)).
    The failed result still carries RV(execution_id), RV(state), RV(error_details) (the server's own),
    RV(execution), RV(steps) and RV(output), for a C(rescue) block to use.
  - The execution record holds no output. When the synchronous answer did not carry it, RV(output) is read from
    the execution's steps (C(GET .../executions/{execution_id}/steps), the C(output_data) of the last completed
    step), so it is returned however the result was reached (synchronous answer, polling, or reuse).
  - When the execute request was answered but its answer leaves the execution to be read (polled), and reading it
    fails, the task fails with RV(execution_id) and C(changed=true), saying that the workflow started and may still
    be running.
  - Starting a workflow is not idempotent on the server. The execute request is never sent twice once it may have
    reached the server; when its answer is lost (a timeout, a dropped connection) the task fails saying that the
    workflow may have started. O(dedupe_window) makes re-running such a task safe.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._blink
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BLINK
attributes:
  check_mode:
    support: full
    details:
      - Starts nothing. With O(dedupe_window) the look-up of recent executions still runs, so the task reports
        C(changed=false) when a real run would reuse one, and C(changed=true) otherwise.
  diff_mode:
    support: none
notes:
  - Needs an API key whose user has the Owner or Contributor role in the workspace.
  - When the workflow ends while the server is still blocking, its answer is the workflow's output only; the task
    then finds the execution among the workflow's recent executions (a list request filtered on the workflow and
    the start time) to return RV(execution_id), RV(execution) and RV(steps). List entries carry no inputs, so it
    reads the candidates by ID, newest first, and picks the first with identical inputs that started after the
    request, on the server's clock.
  - The values of the callback's C(headers) and C(cookies) are masked in every returned execution, whoever
    started it.
seealso:
  - module: opsflow.pipelines.blink_execution_info
options:
  workspace_id:
    description: The ID of the workspace that holds the workflow.
    type: str
    required: true
  workflow_id:
    description: The ID of the workflow to run (the API calls workflows playbooks).
    type: str
    required: true
  input_values:
    description:
      - The workflow's input parameters, by name.
      - O(dedupe_window) compares these with the inputs of recent executions.
    type: dict
  event:
    description: The event data for an event-based workflow.
    type: dict
  runner:
    description: The runner group that should run the workflow.
    type: str
  trigger_type:
    description: The type of the workflow's trigger, as the API's C(trigger_type).
    type: str
  past_exec_ref:
    description: The ID of a previous execution, when this run re-runs it.
    type: str
  callback:
    description:
      - An HTTP request BlinkOps makes when the execution ends.
      - The values of O(callback.headers) and O(callback.cookies) are treated as secrets and never shown.
    type: dict
    suboptions:
      url:
        description: The URL to call.
        type: str
        required: true
      method:
        description: The HTTP method of the call, for example V(POST).
        type: str
      headers:
        description: Headers of the call.
        type: dict
      body:
        description: The body of the call.
        type: dict
      cookies:
        description: Cookies sent with the call.
        type: dict
      disable_ssl:
        description: Do not verify the TLS certificate of O(callback.url). Sent as the API's C(disableSSL).
        type: bool
      exclude_default_metadata:
        description:
          - Leave BlinkOps' default execution metadata out of the callback's body.
          - Sent as the API's C(excludeDefaultMetadata).
        type: bool
  wait:
    description:
      - Wait for the workflow to end and return its output.
      - With V(false) the task returns as soon as the execution has started.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the workflow to end, in all (the synchronous call and any polling after it).
      - Sent to the server as the C(timeout) of the synchronous call.
    type: int
    default: 600
  poll_interval:
    description:
      - The longest pause in seconds between two reads of the execution while polling it.
      - The first pause is half a second (or O(poll_interval) if shorter); each next one doubles up to O(poll_interval),
        so a workflow is seen to end soon after it does and a long one costs few requests.
      - Must be more than V(0), like O(wait_timeout).
    type: float
    default: 5
  cancel_on_timeout:
    description: Cancel the execution when O(wait_timeout) passes before it ends. The task fails either way.
    type: bool
    default: false
  wait_for_paused:
    description:
      - With O(wait=true), keep waiting while the execution is V(Paused) (waiting for a person, for example an
        approval form), until it ends or O(wait_timeout) passes.
      - With V(false) a V(Paused) execution fails the task with a message saying that it waits for a person; the
        execution keeps waiting in BlinkOps.
    type: bool
    default: false
  dedupe_window:
    description:
      - Seconds. When more than V(0), reuse an execution of this workflow that started within this many seconds
        with identical O(input_values) (same keys, same values) and that did not fail or get cancelled (any state
        but V(Failed), V(Cancelled), V(Timeout) and V(Skipped)), instead of starting another one. The task then reports
        C(changed=false) and RV(reused=true), and with O(wait=true) waits for that execution.
      - This makes a re-run safe after a run whose answer was lost, and keeps a workflow from running twice when
        a play is run again.
      - The look-up lists the workflow's executions that started within the window, newest first, with an RQL
        C(q) filter on C(playbook_id) and C(started_at). List entries carry no inputs, so each candidate (but those
        whose listed state rules them out) is read by ID before its inputs are compared, newest first, until one
        matches. A workflow run often with other inputs costs one read per such run in the window.
      - V(0) turns it off.
    type: int
    default: 0
'''

EXAMPLES = r'''
- name: Fire and forget - tell the team, do not wait
  opsflow.pipelines.blink_workflow_execute:
    api_key: "{{ blink_api_key }}"
    workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
    workflow_id: 6d0c2f3a-61c4-4c56-8d8a-6f2f0c9e1b22
    input_values:
      environment: production
      service: billing
    wait: false
  register: notify

- name: Open a ticket, wait for it and use its output in the next task
  opsflow.pipelines.blink_workflow_execute:
    api_key: "{{ blink_api_key }}"
    workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
    workflow_id: 2f1e4d3c-7b6a-4e59-8c17-3d2b1a0f9e8d
    input_values:
      summary: "New host {{ inventory_hostname }} is ready"
    wait_timeout: 300
  register: ticket

- name: Put the ticket number into the host's motd
  ansible.builtin.lineinfile:
    path: /etc/motd
    line: "Provisioned under {{ ticket.output.ticket_id }}"

- name: Safe re-runs - reuse the host scan started in the last hour with the same inputs
  opsflow.pipelines.blink_workflow_execute:
    workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
    workflow_id: 3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f
    input_values:
      target: "{{ inventory_hostname }}"
    dedupe_window: 3600
    wait_timeout: 1800
    poll_interval: 15
    cancel_on_timeout: true
  environment:
    BLINK_API_KEY: "{{ blink_api_key }}"

- name: Set the connection once for every Blink task
  module_defaults:
    group/opsflow.pipelines.blink:
      api_url: https://us2.blinkops.com
      api_key: "{{ blink_api_key }}"
  block:
    - name: Ask for an approval, without waiting for it here
      opsflow.pipelines.blink_workflow_execute:
        workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
        workflow_id: 4c3b2a19-0f8e-4d7c-9b6a-5f4e3d2c1b0a
        wait: false
        callback:
          url: https://hooks.example.com/approved
          method: POST
          headers:
            Authorization: "Bearer {{ hook_token }}"
          exclude_default_metadata: true
      register: approval

    - name: Later, wait for the approval to come through
      opsflow.pipelines.blink_execution_info:
        workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
        execution_id: "{{ approval.execution_id }}"
        wait: true
        wait_timeout: 3600
        poll_interval: 30
        wait_for_paused: true  # an approval form pauses the workflow until a person answers

- name: React to a failed workflow
  block:
    - name: Run the security scan
      opsflow.pipelines.blink_workflow_execute:
        api_key: "{{ blink_api_key }}"
        workspace_id: 0b3b9c8e-5f7e-4a43-9a51-0d5c4b3c2a10
        workflow_id: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
      register: scan
  rescue:
    - name: Report what the scan said
      ansible.builtin.debug:
        msg: "Execution {{ scan.execution_id }} ended {{ scan.state }}: {{ scan.error_details.message | default('') }}"
'''

RETURN = r'''
execution_id:
  description:
    - The ID of the execution that was started (or reused).
    - V(null) in check mode when no execution would be reused, and in the rare case where the synchronous answer
      did not name the execution and it could not be found among the recent ones (a warning says so).
    - Also present in the result of a failed task.
  returned: always
  type: str
  sample: a22f642a-f4fc-4c66-b978-6f1d1008e6ae
state:
  description:
    - The execution's state, from its C(state_ui), else its C(state), for example V(Completed), V(Running),
      V(Failed), V(Cancelled), V(Timeout), V(Paused) or V(Skipped).
    - V(null) with O(wait=false) (the execution is not read) and in check mode when nothing is reused.
    - Also present in the result of a failed task.
  returned: always
  type: str
  sample: Completed
output:
  description:
    - The workflow's output, as the synchronous answer carried it; when the execution had to be polled, or was
      reused, the C(output_data) of its last completed step (JSON text is parsed; other text stays a string).
    - Also in the result of a failed task (the last completed step's output, if any).
    - V(null) with O(wait=false), and when no completed step has output.
  returned: always
  type: raw
  sample:
    ticket_id: SEC-1042
    status: open
execution:
  description:
    - The execution record as C(GET /api/v1/workspace/{workspace_id}/executions/{execution_id}) returns it, with
      the values of C(callback.headers) and C(callback.cookies) masked.
    - V(null) when it was not read (O(wait=false), check mode without a reusable execution), and when a
      synchronous answer's execution could not be identified.
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
    playbook_id: 2f1e4d3c-7b6a-4e59-8c17-3d2b1a0f9e8d
    state: Completed
    state_ui: Completed
    inputs:
      summary: New host web-3 is ready
    error_details: null
    started_at: 1767261600000
    finished_at: 1767261604250
    duration: 4250
    trigger_type: api
steps:
  description:
    - The execution's steps as C(GET /api/v1/workspace/{workspace_id}/executions/{execution_id}/steps) returns them,
      in the order they ran; C(output_data) as the server sent it.
    - V(null) when they were not read (O(wait=false) without reuse, check mode without a reusable execution).
  returned: always
  type: list
  elements: dict
  sample:
    - id: st-1
      step_id: open_ticket
      state: Completed
      output_data: '{"ticket_id": "SEC-1042", "status": "open"}'
      error_data: null
reused:
  description: Whether an earlier execution was reused because of O(dedupe_window) instead of starting one.
  returned: always
  type: bool
  sample: false
error_details:
  description:
    - The server's explanation of a failed execution (C(message), C(error_code)), in the result of a task that
      failed because the workflow ended V(Failed), V(Cancelled), V(Timeout) or V(Skipped), or did not end in time.
  returned: on failure
  type: dict
  sample:
    message: "Step 'scan' failed: 2 critical vulnerabilities found"
    error_code: STEP_FAILED
cancelled:
  description: In the result of a task that failed because O(wait_timeout) passed, whether the execution was cancelled.
  returned: on failure, when the wait timed out
  type: bool
  sample: true
may_have_committed:
  description:
    - In the result of a task that failed without an answer to the execute request (a timeout, a dropped
      connection), V(true) - the workflow may have started. Look at its executions before running the task again,
      or use O(dedupe_window).
  returned: on failure, when the request's outcome is unknown
  type: bool
  sample: true
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._blink import BLINK_CONNECTION_SPEC, blink_secret_values
from ansible_collections.opsflow.pipelines.plugins.module_utils._blink_executions import (
    EXECUTE_SPEC,
    BlinkExecutionsClient,
    execute_workflow,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import module_main

SPEC = BLINK_CONNECTION_SPEC.merge(EXECUTE_SPEC)


def run(module, client):
    return execute_workflow(client, module.params, module.check_mode)


def main():
    module_main(SPEC, run, BlinkExecutionsClient.from_module, secret_finder=blink_secret_values)


if __name__ == '__main__':
    main()
