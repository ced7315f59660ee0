# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""blink_workflow_execute / blink_execution_info run by ansible-playbook against the emulator.

Each test seeds its own workspace (``ws-int``) with workflows whose behaviour it chooses, runs
real playbooks and checks the effects through the emulator's state and request log.

The emulator serves the public record by default (list entries without inputs, no output in the
execution record, output in the steps' ``output_data``, ``state_ui``); its switches serve the
other shapes the sources allow. No test depends on how fast the machine is: a workflow that must
still be running when a task looks ends on its Nth read (``reads``, the emulator's step clock),
or runs for an hour, or waits for a release through the control API.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

WS = 'ws-int'
ROOT = '/api/v1/workspace/%s' % WS
EXECUTE_RE = r'^%s/playbooks/[^/]+/execute$' % ROOT
EXECUTION_RE = r'^%s/executions/[^/]+$' % ROOT
STEPS_RE = r'^%s/executions/[^/]+/steps$' % ROOT
LIST_RE = r'^%s/executions$' % ROOT
CANCEL_RE = r'^%s/executions/[^/]+/cancel$' % ROOT
SYNC_CAP = 0.5
MASK = '********'

SEED = {'blink': {
    'settings': {'sync_cap': SYNC_CAP},
    'workspaces': {WS: {'name': 'Integration', 'workflows': [
        {'id': 'notify', 'name': 'Notify', 'behaviour': {'kind': 'complete', 'output': {'notified': True},
                                                         'echo_inputs': True}},
        {'id': 'ticket', 'name': 'Open a ticket', 'behaviour': {'kind': 'complete', 'output': {'ticket_id': 'SEC-1001'}}},
        {'id': 'scan', 'name': 'Security scan', 'behaviour': {
            'kind': 'fail', 'fail_step': 'scan', 'message': '2 critical findings',
            'steps': [{'step_id': 'collect', 'output': {'findings': 2}}]}},
        # Ends on its second read by id: the sync call (which never reads) always hands back only the id.
        {'id': 'slow', 'name': 'Slow', 'behaviour': {'kind': 'complete', 'reads': 2, 'output': {'slow': 'done'}}},
        {'id': 'forever', 'name': 'Forever', 'behaviour': {'kind': 'run', 'until': 'release'}},
        {'id': 'limit', 'name': 'Runs into its limit', 'behaviour': {'kind': 'timeout', 'seconds': 0}},
        {'id': 'skipped', 'name': 'Skipped', 'behaviour': {'kind': 'skip'}},
        {'id': 'form', 'name': 'Approval form', 'behaviour': {'kind': 'pause', 'resume_reads': 3,
                                                              'output': {'approved': True}}},
        {'id': 'text', 'name': 'Says a sentence', 'behaviour': {'kind': 'complete', 'reads': 1, 'output': 'all good'}},
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
    assert result['execution']['inputs'] == {'host': 'web-1'} and 'output' not in result['execution']
    assert [step['step_id'] for step in result['steps']] == ['finish']
    posts = blink.find(method='POST', path=EXECUTE_RE)
    assert len(posts) == 1
    assert posts[0]['query'] == {'run_sync': 'true', 'timeout': '30'}
    assert posts[0]['body'] == {'input_values': {'host': 'web-1'}}
    # The sync answer ended the wait: one look-up filtered on the workflow and the start time, one read of
    # the candidate (list entries carry no inputs), one read of its steps; no polling.
    (lookup,) = blink.find(method='GET', path=LIST_RE)
    query = json.loads(lookup['query']['q'])
    assert query['filter']['playbook_id'] == {'$eq': 'notify'} and set(query['filter']['started_at']) == {'$gte'}
    assert count(blink, 'GET', EXECUTION_RE) == 1 and count(blink, 'GET', STEPS_RE) == 1


def test_output_feeds_the_next_task(blink, run_playbook):
    run_playbook('blink_output_chain.yml')
    stored = executions(blink)
    assert [item['playbook_id'] for item in stored] == ['ticket', 'notify']
    assert stored[1]['inputs'] == {'ticket': 'SEC-1001'}
    assert count(blink, 'POST', EXECUTE_RE) == 2 and count(blink, 'GET', EXECUTION_RE) == 2


def test_async_start_then_wait_with_execution_info(blink, run_playbook):
    # 'slow' ends on its second read by id, whatever the time: the first look sees it Running, the wait's
    # first read sees it Completed.
    run = run_playbook('blink_async_then_wait.yml')
    started = run.task('Start the workflow')
    assert started['changed'] is True and started['state'] is None and started['execution'] is None
    first, finished = run.task('Look at it right away'), run.task('Wait for it to end')
    assert first['changed'] is False and first['state'] == 'Running' and first['output'] is None
    assert first['steps'] == []
    assert finished['state'] == 'Completed' and finished['output'] == {'slow': 'done'}
    assert [step['state'] for step in finished['steps']] == ['Completed']
    stored = executions(blink)
    assert len(stored) == 1 and stored[0]['id'] == started['execution_id'] == finished['execution_id']
    assert stored[0]['state'] == 'Completed'
    posts = blink.find(method='POST', path=EXECUTE_RE)
    assert len(posts) == 1 and posts[0]['query'] == {}
    assert count(blink, 'GET', EXECUTION_RE) == 2 and count(blink, 'GET', STEPS_RE) == 2
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
    # The failure keeps what the run produced before it failed: the last completed step's output.
    assert result['output'] == {'findings': 2}
    assert [(step['step_id'], step['state']) for step in result['steps']] == [('collect', 'Completed'),
                                                                              ('scan', 'Failed')]


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
    stored = executions(blink)[0]
    assert stored['state'] == 'Timeout' and stored['state_ui'] == 'Timeout'


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
    # 'slow' ends on its second read by id: the id answer is polled twice; the error answer names no
    # execution, so one look-up finds it and reads it (read 1), then one poll sees it end.
    assert count(blink, 'GET', EXECUTION_RE) == 2 and count(blink, 'GET', STEPS_RE) == 1
    assert count(blink, 'GET', LIST_RE) == (1 if timeout_answer == 'error' else 0)


@pytest.mark.parametrize('cancel, cancel_status', [(True, 200), (True, 202), (False, 200)])
def test_wait_timeout_with_and_without_cancel(blink, run_playbook, cancel, cancel_status):
    blink.seed({'blink': {'settings': {'cancel_status': cancel_status}}})
    run = run_playbook('blink_execute.yml', execute_vars('forever', wait_timeout=1, poll_interval=0.2,
                                                         cancel_on_timeout=cancel), expect=2)
    result = run.task('Execute the workflow')
    stored = executions(blink)
    assert len(stored) == 1 and result['execution_id'] == stored[0]['id']
    assert run.status('Execute the workflow') == 'failed' and result['cancelled'] is cancel
    assert 'did not end within wait_timeout (1 s, state Running)' in result['msg']
    if cancel:
        assert stored[0]['state'] == 'Cancelled' and result['state'] == 'Cancelled'
        assert blink.find(method='POST', path=CANCEL_RE)[0]['status'] == cancel_status
        assert count(blink, 'POST', CANCEL_RE) == 1
        assert 'it was cancelled' in result['msg']
    else:
        assert stored[0]['state'] == 'Running' and result['state'] == 'Running'
        assert count(blink, 'POST', CANCEL_RE) == 0
        assert 'cancel_on_timeout' in result['msg']
    assert count(blink, 'GET', EXECUTION_RE) <= 1 + 5 + 1 + 1  # reads at 0, 0.2 s steps up to 1 s, after cancel


@pytest.mark.parametrize('list_inputs', [False, True])
def test_dedupe_reuses_identical_inputs_and_runs_again_for_different_ones(blink, run_playbook, list_inputs):
    blink.seed({'blink': {'settings': {'list_inputs': list_inputs}}})
    first = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600))
    first = first.task('Execute the workflow')
    assert first['changed'] is True and first['reused'] is False
    # Other runs of the workflow in the window, newer than ours, with other inputs.
    blink.seed({'blink': {'workspaces': {WS: {'executions': [
        {'id': 'other-%d' % index, 'playbook_id': 'notify', 'inputs': {'host': 'web-%d' % (index + 5)},
         'started_at': first['execution']['started_at'] + index, 'output': {'notified': True}}
        for index in (1, 2)]}}}})
    posts = count(blink, 'POST', EXECUTE_RE)
    since = blink.last_seq()

    again = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600))
    again = again.task('Execute the workflow')
    assert again['changed'] is False and again['reused'] is True
    assert again['execution_id'] == first['execution_id'] and again['output'] == first['output']
    assert again['execution']['inputs'] == {'host': 'web-1'} and again['steps'] == first['steps']
    assert count(blink, 'POST', EXECUTE_RE) == posts
    (lookup,) = blink.find(method='GET', path=LIST_RE, since_seq=since)
    query = json.loads(lookup['query']['q'])
    assert query['filter']['playbook_id'] == {'$eq': 'notify'} and query['sort'] == ['-started_at']
    assert query['filter']['started_at']['$gte'] <= first['execution']['started_at']
    # Without inputs in the list each newer candidate is read by id until the match (3 reads); with them
    # only the match is read. Then its steps, for the output.
    reads = [entry['path'].rsplit('/', 1)[1] for entry in blink.find(method='GET', path=EXECUTION_RE, since_seq=since)]
    assert reads == ([] if list_inputs else ['other-2', 'other-1']) + [first['execution_id']]
    assert count(blink, 'GET', STEPS_RE) == 2

    other = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-2'}, dedupe_window=600))
    other = other.task('Execute the workflow')
    assert other['changed'] is True and other['execution_id'] != first['execution_id']
    assert count(blink, 'POST', EXECUTE_RE) == posts + 1
    assert [item['inputs'] for item in executions(blink)] == [{'host': 'web-1'}, {'host': 'web-6'}, {'host': 'web-7'},
                                                              {'host': 'web-2'}]


def test_dedupe_never_reuses_a_failed_cancelled_or_skipped_execution(blink, run_playbook):
    blink.seed({'blink': {'workspaces': {WS: {'executions': [
        {'id': 'failed-1', 'playbook_id': 'notify', 'inputs': {'host': 'web-9'}, 'state': 'Failed', 'started_ago': 20,
         'error_details': {'message': 'x', 'error_code': 'E'}},
        {'id': 'cancelled-1', 'playbook_id': 'notify', 'inputs': {'host': 'web-9'}, 'state': 'Cancelled',
         'started_ago': 10},
        {'id': 'skipped-1', 'playbook_id': 'notify', 'inputs': {'host': 'web-9'}, 'state': 'Skipped',
         'started_ago': 5},
        {'id': 'too-old', 'playbook_id': 'notify', 'inputs': {'host': 'web-9'}, 'state': 'Completed',
         'started_ago': 900},
    ]}}}})
    run = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-9'}, dedupe_window=600, wait=False))
    result = run.task('Execute the workflow')
    assert result['changed'] is True
    assert result['execution_id'] not in ('failed-1', 'cancelled-1', 'skipped-1', 'too-old')
    assert count(blink, 'POST', EXECUTE_RE) == 1
    # The listed states rule the failed ones out and the time filter the old one: nothing is read by id.
    assert count(blink, 'GET', EXECUTION_RE) == 0


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
    # The server takes the POST, starts the run and closes the connection without an answer (no timing involved).
    blink.add_fault(kind='hang_after_commit', method='POST', path=r'/execute$', delay=0)
    run = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, wait=False,
                                                         max_retries=3), expect=2)
    result = run.task('Execute the workflow')
    assert run.status('Execute the workflow') == 'failed' and result['may_have_committed'] is True
    assert 'the workflow may have started' in result['msg'] and 'dedupe_window' in result['msg']
    assert len(executions(blink)) == 1 and count(blink, 'POST', EXECUTE_RE) == 1

    # The documented way to re-run safely: dedupe_window finds the execution instead of starting another,
    # though list entries carry no inputs (it is read by id).
    rerun = run_playbook('blink_execute.yml', execute_vars('notify', inputs={'host': 'web-1'}, dedupe_window=600))
    result = rerun.task('Execute the workflow')
    assert result['changed'] is False and result['reused'] is True
    assert result['output'] == {'notified': True, 'inputs': {'host': 'web-1'}}
    assert len(executions(blink)) == 1 and count(blink, 'POST', EXECUTE_RE) == 1


def test_an_execute_answered_200_with_a_body_that_is_not_json_may_have_started(blink, run_playbook):
    blink.add_fault(kind='html', status=200, method='POST', path=r'/execute$')
    run = run_playbook('blink_execute.yml', execute_vars('notify', wait=False), expect=2)
    result = run.task('Execute the workflow')
    assert 'unexpected answer (not JSON)' in result['msg'] and 'the workflow may have started' in result['msg']
    assert count(blink, 'POST', EXECUTE_RE) == 1


def test_a_poll_that_fails_after_the_post_still_names_the_started_run(blink, run_playbook):
    blink.add_fault(kind='status', status=500, method='GET', path=r'/executions/[^/]+$')
    run = run_playbook('blink_execute.yml', execute_vars('slow', poll_interval=0.2), expect=2)
    result = run.task('Execute the workflow')
    (stored,) = executions(blink)
    assert result['changed'] is True and result['execution_id'] == stored['id']
    assert 'workflow slow execution %s started and may still be running' % stored['id'] in result['msg']
    assert 'HTTP 500' in result['msg'] and count(blink, 'POST', EXECUTE_RE) == 1


@pytest.mark.parametrize('settings, workflow, output', [
    ({}, 'slow', {'slow': 'done'}),                                  # the public record
    ({'output_data': 'json'}, 'slow', {'slow': 'done'}),             # output_data as an object
    ({'record_output': True}, 'slow', {'slow': 'done'}),             # the record carries output
    ({'state_keys': 'raw_state'}, 'slow', {'slow': 'done'}),         # state is a word only state_ui explains
    ({'state_keys': 'state_only'}, 'slow', {'slow': 'done'}),        # no state_ui: state
    ({}, 'text', 'all good'),                                        # output_data that is not JSON
], ids=['public', 'json-output-data', 'record-output', 'raw-state', 'state-only', 'text-output'])
def test_every_record_shape_gives_the_state_and_output_of_a_polled_run(blink, run_playbook, settings, workflow,
                                                                       output):
    blink.seed({'blink': {'settings': settings}})
    run = run_playbook('blink_execute.yml', execute_vars(workflow, wait_timeout=30, poll_interval=0.2))
    result = run.task('Execute the workflow')
    assert result['state'] == 'Completed' and result['output'] == output
    assert result['execution_id'] == executions(blink)[0]['id']
    assert count(blink, 'GET', STEPS_RE) == 1


# One play on the integration workspace; each playbook below adds its tasks.
BLINK_PLAY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/opsflow.pipelines.blink: {workspace_id: ws-int}
  tasks:
"""

PAUSED_AND_SKIPPED = BLINK_PLAY + """    - name: Skipped
      opsflow.pipelines.blink_workflow_execute: {workflow_id: skipped, poll_interval: 0.2}
      ignore_errors: true
    - name: Paused
      opsflow.pipelines.blink_workflow_execute: {workflow_id: form, poll_interval: 0.2}
      register: paused
      ignore_errors: true
    - name: Look at the paused one, waiting
      opsflow.pipelines.blink_execution_info:
        execution_id: "{{ paused.execution_id }}"
        wait: true
        poll_interval: 0.2
    - name: Paused, waited for
      opsflow.pipelines.blink_workflow_execute:
        workflow_id: form
        poll_interval: 0.2
        wait_for_paused: true
"""


def test_skipped_and_paused_fail_unless_told_to_wait_for_the_person(blink, run_playbook):
    run = run_playbook(PAUSED_AND_SKIPPED)
    skipped, paused = run.task('Skipped'), run.task('Paused')
    assert run.status('Skipped') == 'failed' and skipped['state'] == 'Skipped' and skipped['changed'] is True
    assert 'ended Skipped' in skipped['msg']
    assert run.status('Paused') == 'failed' and paused['state'] == 'Paused' and paused['changed'] is True
    assert 'waits for a person' in paused['msg'] and 'wait_for_paused: true' in paused['msg']
    assert [step['state'] for step in paused['steps']] == ['Paused']
    # blink_execution_info reports a Paused execution (with a warning) rather than judging it.
    looked = run.task('Look at the paused one, waiting')
    assert run.status('Look at the paused one, waiting') == 'ok' and looked['state'] == 'Paused'
    assert any('waits for a person' in warning for warning in looked.get('warnings', []))
    # 'form' resumes (the person answers) on its third read: the waiting task sees Paused twice, then the end.
    waited = run.task('Paused, waited for')
    assert waited['state'] == 'Completed' and waited['output'] == {'approved': True}
    by_id = dict((item['id'], item) for item in executions(blink))
    assert by_id[paused['execution_id']]['state'] == 'Paused'
    assert by_id[waited['execution_id']]['state'] == 'Completed'
    assert count(blink, 'POST', EXECUTE_RE) == 3


CALLBACK_SECRETS = BLINK_PLAY + """    - name: Run with a callback
      opsflow.pipelines.blink_workflow_execute:
        workflow_id: notify
        input_values: {host: web-1}
        callback:
          url: https://hooks.example.test/done
          headers: {Authorization: "Bearer hook-s3cret-7f2"}
          cookies: {session: "cookie-s3cret-91d"}
      register: started
    - name: Reuse it without knowing the callback
      opsflow.pipelines.blink_workflow_execute:
        workflow_id: notify
        input_values: {host: web-1}
        dedupe_window: 600
    - name: Read it
      opsflow.pipelines.blink_execution_info:
        execution_id: "{{ started.execution_id }}"
      register: info
    - name: Show it
      ansible.builtin.debug:
        var: info
"""


def test_callback_headers_and_cookies_are_masked_everywhere(blink, run_playbook, tmp_path):
    log_path = tmp_path / 'ansible.log'
    run = run_playbook(CALLBACK_SECRETS, verbosity=4, env={'ANSIBLE_LOG_PATH': str(log_path)})
    (stored,) = executions(blink)
    assert stored['callback']['headers'] == {'Authorization': 'Bearer hook-s3cret-7f2'}  # the server got it
    for task in ('Run with a callback', 'Reuse it without knowing the callback', 'Read it'):
        callback = run.task(task)['execution']['callback']
        assert callback['headers'] == {'Authorization': MASK} and callback['cookies'] == {'session': MASK}, task
    assert run.task('Reuse it without knowing the callback')['reused'] is True
    for secret in ('hook-s3cret-7f2', 'cookie-s3cret-91d'):
        assert secret not in run.output
        assert secret not in json.dumps(run.results)
        assert secret not in log_path.read_text()


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
