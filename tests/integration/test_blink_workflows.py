# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""blink_workflow_execute / blink_execution_info run by ansible-playbook against the emulator.

Each test seeds its own workspace (``ws-int``) with workflows whose behaviour it chooses, runs
real playbooks and checks the effects through the emulator's state and request log.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import math

import pytest

WS = 'ws-int'
ROOT = '/api/v1/workspace/%s' % WS
EXECUTE_RE = r'^%s/playbooks/[^/]+/execute$' % ROOT
EXECUTION_RE = r'^%s/executions/[^/]+$' % ROOT
LIST_RE = r'^%s/executions$' % ROOT
CANCEL_RE = r'^%s/executions/[^/]+/cancel$' % ROOT
SYNC_CAP = 0.5

SEED = {'blink': {
    'settings': {'sync_cap': SYNC_CAP},
    'workspaces': {WS: {'name': 'Integration', 'workflows': [
        {'id': 'notify', 'name': 'Notify', 'behaviour': {'kind': 'complete', 'output': {'notified': True},
                                                         'echo_inputs': True}},
        {'id': 'ticket', 'name': 'Open a ticket', 'behaviour': {'kind': 'complete', 'output': {'ticket_id': 'SEC-1001'}}},
        {'id': 'scan', 'name': 'Security scan', 'behaviour': {'kind': 'fail', 'fail_step': 'scan',
                                                              'message': '2 critical findings'}},
        {'id': 'slow', 'name': 'Slow', 'behaviour': {'kind': 'run', 'seconds': 1.5, 'output': {'slow': 'done'}}},
        {'id': 'forever', 'name': 'Forever', 'behaviour': {'kind': 'run', 'seconds': 3600}},
        {'id': 'limit', 'name': 'Runs into its limit', 'behaviour': {'kind': 'timeout', 'seconds': 0.2}},
    ]}},
}}


@pytest.fixture
def blink(emulator):
    """The emulator with the integration workspace seeded (on top of the default seed)."""
    emulator.seed(SEED)
    return emulator


def executions(emulator):
    """Executions as the emulator holds them, oldest first."""
    stored = emulator.state()['blink']['workspaces'][WS]['executions']
    return sorted(stored.values(), key=lambda item: item['started_at'])


def count(emulator, method, path):
    return emulator.count(method=method, path=path)


def execute_vars(workflow, **options):
    extra = {'blink_workspace': WS, 'blink_workflow': workflow}
    extra.update(('blink_%s' % key, value) for key, value in options.items())
    return extra


def test_wait_returns_the_sync_output_without_polling(blink, run_playbook):
    run = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, wait_timeout=30))
    result = run.task('Execute the workflow')
    stored = executions(blink)
    assert len(stored) == 1 and stored[0]['state'] == 'Completed'
    assert result['changed'] is True and result['reused'] is False
    assert result['output'] == {'notified': True, 'inputs': {'host': 'web-1'}}
    assert result['execution_id'] == stored[0]['id'] and result['state'] == 'Completed'
    assert result['execution']['inputs'] == {'host': 'web-1'}
    posts = blink.find(method='POST', path=EXECUTE_RE)
    assert len(posts) == 1
    assert posts[0]['query'] == {'run_sync': 'true', 'timeout': '30'}
    assert posts[0]['body'] == {'input_values': {'host': 'web-1'}}
    # The sync answer ended the wait: no polling, one look-up to name the execution.
    assert count(blink, 'GET', EXECUTION_RE) == 0
    assert count(blink, 'GET', LIST_RE) == 1


def test_output_feeds_the_next_task(blink, run_playbook):
    run_playbook('blink_output_chain.yml')
    stored = executions(blink)
    assert [item['playbook_id'] for item in stored] == ['ticket', 'notify']
    assert stored[1]['inputs'] == {'ticket': 'SEC-1001'}
    assert count(blink, 'POST', EXECUTE_RE) == 2 and count(blink, 'GET', EXECUTION_RE) == 0


def test_async_start_then_wait_with_execution_info(blink, run_playbook):
    # Long enough to be still running when the next task (a new Python process) looks.
    blink.seed({'blink': {'workspaces': {WS: {'workflows': [
        {'id': 'slow', 'behaviour': {'kind': 'run', 'seconds': 4, 'output': {'slow': 'done'}}}]}}}})
    run = run_playbook('blink_async_then_wait.yml')
    started = run.task('Start the workflow')
    assert started['changed'] is True and started['state'] is None and started['execution'] is None
    first, finished = run.task('Look at it right away'), run.task('Wait for it to end')
    assert first['changed'] is False and first['state'] == 'Running'
    assert finished['state'] == 'Completed' and finished['output'] == {'slow': 'done'}
    stored = executions(blink)
    assert len(stored) == 1 and stored[0]['id'] == started['execution_id'] == finished['execution_id']
    assert stored[0]['state'] == 'Completed'
    posts = blink.find(method='POST', path=EXECUTE_RE)
    assert len(posts) == 1 and posts[0]['query'] == {}
    reads = count(blink, 'GET', EXECUTION_RE)
    assert 2 <= reads <= 1 + math.ceil(30 / 0.2) + 1
    assert blink.writes(path=r'/executions') == []


def test_failed_workflow_fails_the_task_with_the_servers_message(blink, run_playbook):
    run = run_playbook('blink_execute.yml', execute_vars('scan', inputs={'target': 'web-1'}), expect=2)
    result = run.task('Execute the workflow')
    stored = executions(blink)
    assert len(stored) == 1 and stored[0]['state'] == 'Failed'
    assert run.status('Execute the workflow') == 'failed' and result['changed'] is True
    assert result['execution_id'] == stored[0]['id'] and result['state'] == 'Failed'
    assert result['error_details'] == stored[0]['error_details']
    assert "Step 'scan' failed: 2 critical findings" in result['msg']
    assert result['msg'].startswith('workflow scan execution %s ended Failed' % stored[0]['id'])
    assert count(blink, 'POST', EXECUTE_RE) == 1


def test_rescue_sees_the_failed_execution(blink, run_playbook):
    run = run_playbook('blink_rescue.yml')
    report = run.task('Report what the scan said')['ansible_facts']['scan_report']
    stored = executions(blink)
    assert report['execution_id'] == stored[0]['id'] and report['state'] == 'Failed'
    assert report['message'] == "Step 'scan' failed: 2 critical findings"


def test_timeout_state_fails_the_task(blink, run_playbook):
    run = run_playbook('blink_execute.yml', execute_vars('limit', wait_timeout=30, poll_interval=0.2), expect=2)
    result = run.task('Execute the workflow')
    assert result['state'] == 'Timeout' and result['error_details']['error_code'] == 'EXECUTION_TIMEOUT'
    assert executions(blink)[0]['state'] == 'Timeout'


@pytest.mark.parametrize('timeout_answer', ['execution_id', 'error'])
def test_slow_workflow_past_the_sync_cap_is_polled_to_completion(blink, run_playbook, timeout_answer):
    blink.seed({'blink': {'settings': {'sync_timeout_answer': timeout_answer}}})
    run = run_playbook('blink_execute.yml', execute_vars('slow', wait_timeout=20, poll_interval=0.2))
    result = run.task('Execute the workflow')
    stored = executions(blink)
    assert len(stored) == 1 and stored[0]['state'] == 'Completed'
    assert result['state'] == 'Completed' and result['output'] == {'slow': 'done'}
    assert result['execution_id'] == stored[0]['id']
    posts = blink.find(method='POST', path=EXECUTE_RE)
    assert len(posts) == 1 and posts[0]['query'] == {'run_sync': 'true', 'timeout': '20'}
    reads = count(blink, 'GET', EXECUTION_RE)
    assert 1 <= reads <= math.ceil(20 / 0.2) + 2
    # An error answer names no execution: one look-up finds it; an id answer needs none.
    assert count(blink, 'GET', LIST_RE) == (1 if timeout_answer == 'error' else 0)


@pytest.mark.parametrize('cancel', [True, False])
def test_wait_timeout_with_and_without_cancel(blink, run_playbook, cancel):
    run = run_playbook('blink_execute.yml', execute_vars('forever', wait_timeout=1, poll_interval=0.2,
                                                         cancel_on_timeout=cancel), expect=2)
    result = run.task('Execute the workflow')
    stored = executions(blink)
    assert len(stored) == 1 and result['execution_id'] == stored[0]['id']
    assert run.status('Execute the workflow') == 'failed' and result['cancelled'] is cancel
    assert 'did not end within wait_timeout (1 s, state Running)' in result['msg']
    if cancel:
        assert stored[0]['state'] == 'Cancelled' and result['state'] == 'Cancelled'
        assert count(blink, 'POST', CANCEL_RE) == 1
        assert 'it was cancelled' in result['msg']
    else:
        assert stored[0]['state'] == 'Running' and result['state'] == 'Running'
        assert count(blink, 'POST', CANCEL_RE) == 0
        assert 'cancel_on_timeout' in result['msg']
    assert count(blink, 'GET', EXECUTION_RE) <= math.ceil(1 / 0.2) + 3


def test_dedupe_reuses_identical_inputs_and_runs_again_for_different_ones(blink, run_playbook):
    first = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600))
    first = first.task('Execute the workflow')
    assert first['changed'] is True and first['reused'] is False
    posts = count(blink, 'POST', EXECUTE_RE)

    again = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600))
    again = again.task('Execute the workflow')
    assert again['changed'] is False and again['reused'] is True
    assert again['execution_id'] == first['execution_id'] and again['output'] == first['output']
    assert count(blink, 'POST', EXECUTE_RE) == posts
    lookups = blink.find(method='GET', path=LIST_RE)
    query = json.loads(lookups[-1]['query']['q'])
    assert query['filter'] == {'playbook_id': {'$eq': 'notify'}} and query['sort'] == ['-started_at']

    other = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-2'}, dedupe_window=600))
    other = other.task('Execute the workflow')
    assert other['changed'] is True and other['execution_id'] != first['execution_id']
    assert count(blink, 'POST', EXECUTE_RE) == posts + 1
    assert [item['inputs'] for item in executions(blink)] == [{'host': 'web-1'}, {'host': 'web-2'}]


def test_dedupe_never_reuses_a_failed_or_cancelled_execution(blink, run_playbook):
    blink.seed({'blink': {'workspaces': {WS: {'executions': [
        {'id': 'failed-1', 'playbook_id': 'notify', 'inputs': {'host': 'web-9'}, 'state': 'Failed', 'started_ago': 20,
         'error_details': {'message': 'x', 'error_code': 'E'}},
        {'id': 'cancelled-1', 'playbook_id': 'notify', 'inputs': {'host': 'web-9'}, 'state': 'Cancelled',
         'started_ago': 10},
        {'id': 'too-old', 'playbook_id': 'notify', 'inputs': {'host': 'web-9'}, 'state': 'Completed',
         'started_ago': 900},
    ]}}}})
    run = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-9'}, dedupe_window=600, wait=False))
    result = run.task('Execute the workflow')
    assert result['changed'] is True and result['execution_id'] not in ('failed-1', 'cancelled-1', 'too-old')
    assert count(blink, 'POST', EXECUTE_RE) == 1


def test_check_mode_starts_nothing_but_still_looks_for_a_reusable_execution(blink, run_playbook):
    run = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}), check=True)
    assert run.task('Execute the workflow')['changed'] is True
    assert executions(blink) == [] and blink.writes() == []

    run = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600),
                       check=True)
    assert run.task('Execute the workflow')['changed'] is True
    assert executions(blink) == [] and blink.writes() == [] and count(blink, 'GET', LIST_RE) == 1

    run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600))
    writes = len(blink.writes())
    run = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600),
                       check=True)
    result = run.task('Execute the workflow')
    assert result['changed'] is False and result['reused'] is True
    assert len(blink.writes()) == writes and len(executions(blink)) == 1


def test_unknown_workflow_is_a_clear_404(blink, run_playbook):
    run = run_playbook('blink_execute.yml', execute_vars('nope'), expect=2)
    message = run.task('Execute the workflow')['msg']
    assert message.startswith('POST %s/playbooks/nope/execute failed with HTTP 404: Playbook nope not found' % ROOT)
    assert 'workflow_id' in message
    assert count(blink, 'POST', EXECUTE_RE) == 1 and executions(blink) == []


def test_callback_options_reach_the_server_under_the_api_names(blink, run_playbook):
    callback = {'url': 'https://hooks.example.test/done', 'method': 'POST', 'body': {'team': 'infra'},
                'headers': {'Authorization': 'Bearer hook-s3cret-7f2'}, 'disable_ssl': True,
                'exclude_default_metadata': False}
    run = run_playbook('blink_execute.yml', execute_vars('notify', wait=False, callback=callback, runner='eu-runners',
                                                         trigger_type='api', event={'kind': 'provisioned'}),
                       verbosity=3)
    expected = {'url': 'https://hooks.example.test/done', 'method': 'POST', 'body': {'team': 'infra'},
                'headers': {'Authorization': 'Bearer hook-s3cret-7f2'}, 'disableSSL': True,
                'excludeDefaultMetadata': False}
    posted = blink.find(method='POST', path=EXECUTE_RE)[0]['body']
    assert posted == {'callback': expected, 'runner': 'eu-runners', 'trigger_type': 'api',
                      'event': {'kind': 'provisioned'}}
    assert executions(blink)[0]['callback'] == expected
    assert 'hook-s3cret-7f2' not in run.output


def test_an_execute_that_commits_and_never_answers_leaves_exactly_one_execution(blink, run_playbook):
    blink.add_fault(kind='hang_after_commit', method='POST', path=r'/execute$', delay=3)
    run = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, wait=False,
                                                         request_timeout=1, max_retries=3), expect=2)
    result = run.task('Execute the workflow')
    assert run.status('Execute the workflow') == 'failed' and result['may_have_committed'] is True
    assert 'the workflow may have started' in result['msg'] and 'dedupe_window' in result['msg']
    assert len(executions(blink)) == 1 and count(blink, 'POST', EXECUTE_RE) == 1

    # The documented way to re-run safely: dedupe_window finds the execution instead of starting another.
    rerun = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600))
    result = rerun.task('Execute the workflow')
    assert result['changed'] is False and result['reused'] is True
    assert len(executions(blink)) == 1 and count(blink, 'POST', EXECUTE_RE) == 1


def test_a_429_on_execute_is_retried_and_starts_one_run(blink, run_playbook):
    blink.add_fault(kind='rate_limit', method='POST', path=r'/execute$', retry_after=0)
    run = run_playbook('blink_execute.yml', execute_vars('notify', wait=False))
    assert run.task('Execute the workflow')['changed'] is True
    assert [entry['status'] for entry in blink.find(method='POST', path=EXECUTE_RE)] == [429, 200]
    assert len(executions(blink)) == 1


def test_api_key_never_appears_in_vvvv_output(blink, run_playbook, ansible_env):
    key = ansible_env['BLINK_API_KEY']
    run = run_playbook('blink_output_chain.yml', {'blink_explicit_key': key}, verbosity=4)
    assert key not in run.output
    assert key not in json.dumps(run.results)
    assert all(entry['auth'] == 'blink-key' for entry in blink.requests())
    failed = run_playbook('blink_execute.yml', execute_vars('scan', api_key=key), verbosity=4, expect=2)
    assert key not in failed.output


def test_module_defaults_group_sets_the_connection(blink, run_playbook, ansible_env):
    env = {'BLINK_API_URL': '', 'BLINK_API_KEY': ''}
    run = run_playbook('blink_module_defaults.yml', {'blink_url': ansible_env['BLINK_API_URL'],
                                                     'blink_key': ansible_env['BLINK_API_KEY']}, env=env)
    assert run.task('Read through the group defaults')['state'] == 'Completed'
    assert len(executions(blink)) == 1


def test_viewer_key_can_not_run_workflows(blink, run_playbook):
    run = run_playbook('blink_execute.yml', execute_vars('notify', wait=False),
                       env={'BLINK_API_KEY': 'emulator-blink-viewer-key'}, expect=2)
    message = run.task('Execute the workflow')['msg']
    assert 'HTTP 403' in message and 'Owner or Contributor' in message
    assert executions(blink) == []
