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
    and its status, or when it does not end within O(wait_timeout).
  - Starting a run is not idempotent, so the task always reports a change. The start request is never sent twice;
    when it may have reached the server (a timeout, a dropped connection or a gateway error after sending) the task
    fails with a message saying that the run may have started and how to check.
  - Option names are the API's own field names.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._buddy.PIPELINE
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
      - The API requires it for pipelines of projects that have a repository.
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
  wait:
    description:
      - Wait for the run to end.
      - With V(false), the task returns as soon as the run has started, with its RV(execution_id) and its
        RV(status) at that moment.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the run to end (with O(wait)).
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two looks at the run while waiting. One C(GET) each.
    type: float
    default: 5
  cancel_on_timeout:
    description:
      - Cancel the run (C(PATCH .../executions/{execution_id}) with operation V(CANCEL)) when
        O(wait_timeout) passes before it ends. The task fails either way.
      - A run that ended just before the cancel is judged like one that ended within the wait.
    type: bool
    default: false
notes:
  - The token needs the E(EXECUTION_RUN) scope to start runs and E(EXECUTION_INFO) to follow them.
  - Each poll is one request and is retried on HTTP 429 and 5xx answers like any other read. A run that keeps
    waiting for an approval or for variables stays unfinished until O(wait_timeout).
seealso:
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
          {{ ansible_failed_result.failed_action.status | default(ansible_failed_result.status) }}"
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
      V(TERMINATED), V(NOT_EXECUTED), V(SKIPPED) (and the server's other waiting states).
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
    log_tail:
      description: The last lines of the action's log, when the run carries them.
      type: list
      elements: str
  sample:
    id: 1003
    name: Run tests
    type: RUN_DOCKER_CONTAINER
    status: FAILED
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
      although none is known. Check the pipeline's runs before running it again.
  returned: when the start request failed
  type: bool
  sample: true
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import (
    BUDDY_CONNECTION_SPEC,
    PIPELINE_SPEC,
    PipelineLocation,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_executions import (
    NO_RUN,
    PRIORITIES,
    build_run_payload,
    describe_action,
    follow_run,
    ignored_failures,
    run_details,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import secret_values
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import check_wait_options

OPTIONS = dict(
    to_revision=dict(type="raw"),
    branch=dict(type="raw"),
    tag=dict(type="raw"),
    comment=dict(type="str"),
    refresh=dict(type="bool"),
    clear_cache=dict(type="bool"),
    priority=dict(type="str", choices=list(PRIORITIES)),
    variables=dict(type="list", elements="dict", options=dict(
        key=dict(type="str", required=True, no_log=False),
        # A secret only when encrypted: secret_values (the module's secret_finder) masks those values.
        value=dict(type="str", no_log=False),
        encrypted=dict(type="bool", default=False),
    )),
    actions_to_run=dict(type="list", elements="int"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
    poll_interval=dict(type="float", default=5.0),
    cancel_on_timeout=dict(type="bool", default=False),
)
SPEC = BUDDY_CONNECTION_SPEC.merge(PIPELINE_SPEC, ArgumentSpec(OPTIONS, mutually_exclusive=[("branch", "tag")]))


def run(module, client):
    params = module.params
    check_wait_options(params)
    payload = build_run_payload(params)
    location = PipelineLocation.from_params(params)
    if module.check_mode:
        client.pipelines.get_pipeline(location)
        return dict(changed=True, **NO_RUN)
    execution = client.executions.run_pipeline(location, payload)
    if not params["wait"]:
        return dict(changed=True, **run_details(execution))
    details = follow_run(client.executions, location, execution, params["wait_timeout"], params["poll_interval"],
                         params["cancel_on_timeout"])
    for summary in ignored_failures(details["execution"]):
        module.warn("run %s succeeded although %s (its errors are ignored)"
                    % (details["execution_id"], describe_action(summary)))
    return dict(changed=True, **details)


def main():
    module_main(SPEC, run, BuddyClient.from_module, secret_finder=secret_values)


if __name__ == "__main__":
    main()
