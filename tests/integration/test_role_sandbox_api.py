# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sandbox_provision role's direct path (sandbox_provision_via: api) for real, against the emulator.

No pipeline: the sandbox comes from the sandbox API, the test command runs inside it (the emulator really runs it,
in the sandbox's directory), a snapshot is taken, BlinkOps is told. Effects are read from the emulator's state.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import os

from buddy_helpers import Log

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROVISION = os.path.join(REPO_ROOT, 'playbooks', 'sandbox_provision.yml')
WS = 'acme'
PROJECT = 'website'
SECRET = 'Api-Path-Secret-3c1'

API_VARS = {
    'sandbox_provision_via': 'api',
    'sandbox_provision_workspace': WS,
    'sandbox_provision_project_name': PROJECT,
    'sandbox_provision_sandbox_identifier': 'review-api',
    'sandbox_provision_poll_interval': 0.2,
    'sandbox_provision_sandbox_spec': {
        'os': 'ubuntu:24.04',
        'first_boot_commands': 'apt-get update',
        'apps': ['python3 -m http.server 8080'],
        'endpoints': [{'name': 'web', 'endpoint': '8080'}],
        'variables': [{'key': 'API_KEY', 'value': SECRET, 'encrypted': True}],
    },
    'sandbox_provision_test_command': 'echo tests passed > tests.log',
    'sandbox_provision_snapshot_name': 'review-api-tested',
    'sandbox_provision_blink_workspace_id': 'ws-emulator',
    'sandbox_provision_blink_workflow_id': 'wf-notify',
    'sandbox_provision_blink_poll_interval': 0.2,
}


def api_vars(**overrides):
    values = copy.deepcopy(API_VARS)
    values.update(overrides)
    return values


def sandboxes(emulator):
    return [box for box in emulator.state()['sandboxes'].values() if box['identifier'] == 'review-api']


def blink_executions(emulator):
    workspace = emulator.state()['blink']['workspaces']['ws-emulator']
    return sorted(workspace['executions'].values(), key=lambda execution: execution['id'])


def test_api_path_provisions_twice_with_nothing_changed_the_second_time(emulator, run_playbook):
    log = Log(emulator)
    checked = run_playbook(PROVISION, extra_vars=api_vars(), check=True)
    assert log.writes() == [] and sandboxes(emulator) == []
    assert 'would be created' in checked.output

    first = run_playbook(PROVISION, extra_vars=api_vars())
    [box] = sandboxes(emulator)
    assert (box['status'], box['setup_status']) == ('RUNNING', 'SUCCESS')
    assert [snapshot['name'] for snapshot in box['snapshots']] == ['review-api-tested']
    assert box['snapshots'][0]['status'] == 'CREATED'
    commands = [record for record in emulator.state()['sandbox_commands'].values() if record['_sandbox'] == box['id']]
    assert [(record['command'], record['exit_code']) for record in commands] == [('echo tests passed > tests.log', 0)]
    [execution] = blink_executions(emulator)
    assert execution['inputs']['sandbox_identifier'] == 'review-api' and execution['inputs']['tests_rc'] == 0
    assert execution['inputs']['snapshot_id'] == box['snapshots'][0]['id']
    assert execution['inputs']['endpoints'] == {'web': 'https://web-review-api.sandbox.emulator.local'}
    # No pipeline was touched.
    assert log.entries(path=r'/pipelines') == []
    for text in ('Tests: passed (rc 0)', 'Snapshot: review-api-tested', 'BlinkOps: workflow wf-notify'):
        assert text in first.output, first.output
    assert SECRET not in first.output

    log.again()
    again = run_playbook(PROVISION, extra_vars=api_vars())
    assert again.changed_tasks() == [], again.changed_tasks()
    assert log.writes() == [], log.summary()
    assert len(blink_executions(emulator)) == 1 and len(sandboxes(emulator)) == 1
    assert 'Tests: not needed (sandbox unchanged)' in again.output and 'reused' in again.output
    assert 'changed=0' in again.output


def test_api_path_change_in_place_reruns_tests_and_tells_blinkops_again(emulator, run_playbook):
    run_playbook(PROVISION, extra_vars=api_vars())
    spec = dict(API_VARS['sandbox_provision_sandbox_spec'], tags=['reviewed'])
    log = Log(emulator)
    run = run_playbook(PROVISION, extra_vars=api_vars(sandbox_provision_sandbox_spec=spec))
    [box] = sandboxes(emulator)
    assert box['tags'] == ['reviewed']
    patches = [entry for entry in log.writes() if entry['method'] == 'PATCH']
    assert [entry['body'] for entry in patches] == [{'tags': ['reviewed']}]
    assert len(log.entries('POST', r'/commands$')) == 1 and len(blink_executions(emulator)) == 2
    assert 'updated' in run.output


def test_api_path_failing_tests_fail_the_role(emulator, run_playbook):
    run = run_playbook(PROVISION, extra_vars=api_vars(sandbox_provision_test_command='echo broken >&2; exit 3'),
                       expect=2)
    assert 'broken' in run.output and blink_executions(emulator) == []


TEARDOWN = os.path.join(REPO_ROOT, 'playbooks', 'sandbox_teardown.yml')
# The teardown playbook takes the provisioning's variables (sandbox_provision_via: api picks the direct path).
TEARDOWN_VARS = {'sandbox_provision_via': 'api', 'sandbox_provision_workspace': WS,
                 'sandbox_provision_project_name': PROJECT, 'sandbox_provision_sandbox_identifier': 'review-api',
                 'sandbox_teardown_poll_interval': 0.2}


def test_teardown_through_the_api_stop_then_delete_each_twice(emulator, run_playbook):
    run_playbook(PROVISION, extra_vars=api_vars(sandbox_provision_test_command=None,
                                                sandbox_provision_blink_workflow_id=None))
    log = Log(emulator)
    stop = dict(TEARDOWN_VARS, sandbox_teardown_operation='STOP')
    first = run_playbook(TEARDOWN, extra_vars=stop)
    assert sandboxes(emulator)[0]['status'] == 'STOPPED' and 'Sandbox review-api: stopped' in first.output
    assert [entry['path'].rsplit('/', 1)[-1] for entry in log.writes()] == ['stop']
    assert log.entries(path=r'/pipelines') == []
    log.again()
    again = run_playbook(TEARDOWN, extra_vars=stop)
    assert again.changed_tasks() == [] and log.writes() == [] and 'already stopped' in again.output

    checked = run_playbook(TEARDOWN, extra_vars=TEARDOWN_VARS, check=True)
    assert 'would be deleted' in checked.output and log.writes() == []
    run_playbook(TEARDOWN, extra_vars=TEARDOWN_VARS)
    assert sandboxes(emulator) == [] and [entry['method'] for entry in log.writes()] == ['DELETE']
    log.again()
    gone = run_playbook(TEARDOWN, extra_vars=TEARDOWN_VARS)
    assert gone.changed_tasks() == [] and log.writes() == [] and 'already gone' in gone.output
    # Stopping a sandbox that is gone creates nothing.
    run_playbook(TEARDOWN, extra_vars=stop)
    assert sandboxes(emulator) == [] and log.writes() == []
