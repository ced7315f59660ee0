# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_pipeline_run for real (ansible-playbook against the emulator); effects read from the emulator."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import math

from buddy_helpers import Log, assert_absent_from, seed

EXECUTIONS = r'^/workspaces/acme/projects/website/pipelines/1/executions$'
ONE_EXECUTION = r'^/workspaces/acme/projects/website/pipelines/1/executions/[0-9]+$'
SECRET = 'Run-Secret-7f3a91'

CREATE_SANDBOX = {
    'name': 'Create review sandbox',
    'type': 'SANDBOX_CREATE',
    'from': 'SCRATCH',
    'spec': {'name': 'Review $PR', 'identifier': 'review-$PR', 'tags': ['review'], 'apps': ['npm start'],
             'endpoints': [{'name': 'www', 'endpoint': '80'}]},
}
RUN_TESTS = {'name': 'Run tests', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python',
             'execute_commands': ['pytest -q']}
FAILING_TESTS = dict(RUN_TESTS, execute_commands=['pytest -q', 'exit 1'])
SLOW_TESTS = dict(RUN_TESTS, execute_commands=['sleep 60'])
STOP_ON_FAILURE = {'name': 'Stop review sandbox', 'type': 'SANDBOX_MANAGE', 'operation': 'STOP',
                   'trigger_time': 'ON_FAILURE', 'targets': [{'identifier': 'review-$PR', 'type': 'MATCH'}]}


def executions(emulator):
    return sorted(emulator.state()['executions'].values(), key=lambda record: record['id'])


def sandboxes_by_identifier(emulator):
    return dict((box['identifier'], box) for box in emulator.state()['sandboxes'].values())


def test_a_run_creates_a_sandbox_and_keeps_the_secret_out_of_the_output(emulator, run_playbook):
    seed(emulator, [CREATE_SANDBOX, RUN_TESTS])
    log = Log(emulator)
    outcome = run_playbook('pipeline_run.yml', extra_vars={'pr': '42', 'secret': SECRET}, verbosity=3)
    result = outcome.task('Run the pipeline')
    assert result['status'] == 'SUCCESSFUL' and result['failed_action'] is None
    assert [entry['status'] for entry in result['execution']['action_executions']] == ['SUCCESSFUL', 'SUCCESSFUL']

    records = executions(emulator)
    assert len(records) == 1 and records[0]['status'] == 'SUCCESSFUL' and records[0]['id'] == result['execution_id']
    assert records[0]['priority'] == 'HIGH' and records[0]['comment'] == 'Started by the integration tests'
    assert emulator.state()['_secrets']['executions'][str(records[0]['id'])] == {'API_KEY': SECRET}
    sandbox = sandboxes_by_identifier(emulator)['review-42']
    assert sandbox['status'] == 'RUNNING' and sandbox['tags'] == ['review']
    assert sandbox['endpoints'][0]['endpoint_url'] == 'https://www-review-42.sandbox.emulator.local'

    assert len(log.entries('POST', EXECUTIONS)) == 1
    assert log.entries('POST', EXECUTIONS)[0]['body']['to_revision'] == {'revision': 'HEAD'}
    assert log.writes() == log.entries('POST', EXECUTIONS)
    assert 1 <= len(log.entries('GET', ONE_EXECUTION)) <= 30
    assert_absent_from(SECRET, outcome.output)
    assert '"value": "42"' in outcome.output  # plain values stay visible


def test_exit_1_fails_the_task_naming_the_action(emulator, run_playbook):
    seed(emulator, [CREATE_SANDBOX, FAILING_TESTS, STOP_ON_FAILURE])
    log = Log(emulator)
    outcome = run_playbook('pipeline_run.yml', extra_vars={'pr': '7'}, expect=2)
    result = outcome.task('Run the pipeline')
    assert outcome.status('Run the pipeline') == 'failed'
    assert "ended FAILED: action 'Run tests' (RUN_DOCKER_CONTAINER, id " in result['msg']
    assert "Command 'exit 1' exited with code 1" in result['msg']
    assert result['failed_action']['name'] == 'Run tests' and result['failed_action']['status'] == 'FAILED'
    assert result['changed'] is True and result['status'] == 'FAILED'
    assert "action 'Run tests'" in outcome.output

    record = executions(emulator)[0]
    assert record['status'] == 'FAILED'
    assert [entry['status'] for entry in record['action_executions']] == ['SUCCESSFUL', 'FAILED', 'SUCCESSFUL']
    assert sandboxes_by_identifier(emulator)['review-7']['status'] == 'STOPPED'
    assert len(log.entries('POST', EXECUTIONS)) == 1


def test_timeout_with_cancel_terminates_the_run(emulator, run_playbook):
    seed(emulator, [SLOW_TESTS])
    log = Log(emulator)
    outcome = run_playbook('pipeline_run.yml', extra_vars={'wait_timeout': 2, 'poll_interval': 0.5,
                                                           'cancel_on_timeout': True}, expect=2)
    result = outcome.task('Run the pipeline')
    assert result['timed_out'] is True and result['cancelled'] is True and result['status'] == 'TERMINATED'
    assert 'did not end within wait_timeout (2 s, state ' in result['msg'] and 'it was cancelled' in result['msg']

    record = executions(emulator)[0]
    assert record['status'] == 'TERMINATED'
    assert record['action_executions'][0]['status'] == 'TERMINATED'
    cancels = log.entries('PATCH', ONE_EXECUTION)
    assert len(cancels) == 1 and cancels[0]['body'] == {'operation': 'CANCEL'}
    assert len(log.entries('GET', ONE_EXECUTION)) <= math.ceil(2 / 0.5) + 1


def test_timeout_without_cancel_leaves_the_run_going(emulator, run_playbook):
    seed(emulator, [SLOW_TESTS])
    log = Log(emulator)
    outcome = run_playbook('pipeline_run.yml', extra_vars={'wait_timeout': 1, 'poll_interval': 0.5}, expect=2)
    result = outcome.task('Run the pipeline')
    assert result['timed_out'] is True and result['cancelled'] is False
    assert 'it is still running' in result['msg'] and 'cancel_on_timeout' in result['msg']
    assert executions(emulator)[0]['status'] == 'INPROGRESS'
    assert log.entries('PATCH', ONE_EXECUTION) == []


def test_without_wait_the_task_returns_while_the_run_goes_on(emulator, run_playbook):
    seed(emulator, [SLOW_TESTS])
    log = Log(emulator)
    outcome = run_playbook('pipeline_run.yml', extra_vars={'wait': False})
    result = outcome.task('Run the pipeline')
    assert result['status'] in ('ENQUEUED', 'INPROGRESS')
    assert executions(emulator)[0]['status'] in ('ENQUEUED', 'INPROGRESS')
    assert log.calls() == ['POST /workspaces/acme/projects/website/pipelines/1/executions']


def test_check_mode_starts_no_run(emulator, run_playbook):
    seed(emulator, [CREATE_SANDBOX])
    log = Log(emulator)
    outcome = run_playbook('pipeline_run.yml', check=True)
    result = outcome.task('Run the pipeline')
    assert result['changed'] is True and result['execution'] is None
    assert log.calls() == ['GET /workspaces/acme/projects/website/pipelines/1']
    assert emulator.state()['executions'] == {} and emulator.state()['sandboxes'] == {}


def test_check_mode_fails_for_a_pipeline_that_does_not_exist(emulator, run_playbook):
    log = Log(emulator)
    outcome = run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Run a missing pipeline
      opsflow.pipelines.buddy_pipeline_run:
        workspace: acme
        project_name: website
        pipeline_id: 99
""", check=True, expect=2)
    result = outcome.task('Run a missing pipeline')
    assert 'GET /workspaces/acme/projects/website/pipelines/99 failed with HTTP 404' in result['msg']
    assert log.writes() == []


def test_a_post_without_an_answer_is_not_repeated_and_says_how_to_check(emulator, run_playbook):
    seed(emulator, [RUN_TESTS])
    emulator.add_fault(kind='hang_after_commit', method='POST', path='/executions$', delay=5)
    log = Log(emulator)
    outcome = run_playbook('pipeline_run.yml', env={'BUDDY_REQUEST_TIMEOUT': '1'}, expect=2)
    result = outcome.task('Run the pipeline')
    assert result['may_have_committed'] is True
    assert 'The run may have started' in result['msg']
    assert 'GET /workspaces/acme/projects/website/pipelines/1/executions' in result['msg']
    assert len(log.entries('POST', EXECUTIONS)) == 1
    assert len(executions(emulator)) == 1  # the server did start it


def test_a_refused_post_is_retried_and_starts_one_run(emulator, run_playbook):
    seed(emulator, [RUN_TESTS])
    emulator.add_fault(kind='rate_limit', method='POST', path='/executions$', reset_in=0)
    log = Log(emulator)
    outcome = run_playbook('pipeline_run.yml')
    assert outcome.task('Run the pipeline')['status'] == 'SUCCESSFUL'
    assert [entry['status'] for entry in log.entries('POST', EXECUTIONS)] == [429, 200]
    assert len(executions(emulator)) == 1


def test_the_action_group_sets_the_connection(emulator, run_playbook):
    seed(emulator, [CREATE_SANDBOX, RUN_TESTS])
    # A wrong token in the environment: only module_defaults can make the tasks pass.
    outcome = run_playbook('pipeline_run_then_sandbox_info.yml', extra_vars={'pr': '9', 'buddy_token': 'emulator-buddy-token'},
                           env={'BUDDY_TOKEN': 'wrong-token'})
    assert outcome.task('Look the sandbox up')['sandboxes'][0]['identifier'] == 'review-9'
    failed = run_playbook('pipeline_run_then_sandbox_info.yml', extra_vars={'pr': '10', 'buddy_token': 'wrong-token'},
                          expect=2)
    assert 'HTTP 401' in failed.task('Run the pipeline')['msg']
