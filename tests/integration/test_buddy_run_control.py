# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs you can steer (issue 13, issue 9 item 3, issue 15 item 6): approvals, failed-run logs from the logs
endpoint, the action-execution id shapes, odd POST answers (buddy_pipeline_run), and every operation of
buddy_pipeline_execution with a re-run. Real ansible-playbook against the emulator; effects read from the
emulator's state and request log. No test measures time: a run that waits for approval waits for ever in
the emulator, so "fails at once" is shown by the request counts with a wait_timeout of an hour.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from buddy_helpers import Log, seed

EXECUTIONS = r'^/workspaces/acme/projects/website/pipelines/1/executions$'
ONE_EXECUTION = r'^/workspaces/acme/projects/website/pipelines/1/executions/[0-9]+$'
LOGS = r'/executions/[0-9]+/action_executions/[0-9a-f]{24}/logs$'
LOCATION = {'workspace': 'acme', 'project_name': 'website', 'pipeline_id': 1}

BUILD = {'name': 'Build', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python', 'execute_commands': ['make']}
APPROVAL = {'name': 'Approve the deploy', 'type': 'WAIT_FOR_APPLY', 'comment': 'Deploy run $BUDDY_RUN_ID?'}
DEPLOY = {'name': 'Deploy', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python',
          'execute_commands': ['./deploy']}
FAILING = {'name': 'Run tests', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python',
           'execute_commands': ['step %d' % number for number in range(1, 31)] + ['exit 3']}
HOUR = 3600


def play(*tasks):
    return yaml.safe_dump([{'name': 'runs', 'hosts': 'localhost', 'gather_facts': False, 'tasks': list(tasks)}],
                          sort_keys=False)


def task(module, name, register='result', ignore_errors=False, check_mode=False, **options):
    args = dict(LOCATION, wait_timeout=HOUR, poll_interval=0.2)
    if 'pipeline_name' in options:
        del args['pipeline_id']
    args.update(options)
    body = {'name': name, module: args, 'register': register}
    if ignore_errors:
        body['ignore_errors'] = True
    if check_mode:
        body['check_mode'] = True
    return body


def run_task(name, **options):
    return task('opsflow.pipelines.buddy_pipeline_run', name, **options)


def execution_task(name, **options):
    return task('opsflow.pipelines.buddy_pipeline_execution', name, **options)


def concurrent(emulator):
    """Let runs of pipeline 1 overlap: a run left waiting for approval would hold up the next one."""
    emulator.seed({'workspaces': {'acme': {'projects': {'website': {'pipelines': {'1': {'concurrent_pipeline_runs': True}}}}}}})


def runs(emulator):
    return sorted(emulator.state()['executions'].values(), key=lambda record: record['id'])


def failed_task(outcome, name):
    """The result of task ``name``, which must have failed (its errors ignored by the play)."""
    assert outcome.status(name) == 'failed', outcome.output
    return outcome.task(name)


def statuses(record):
    return [entry['status'] for entry in record['action_executions']]


# --- buddy_pipeline_run: approvals -------------------------------------------------------------------------


def test_a_run_waiting_for_approval_fails_at_once_unless_approve_names_it(emulator, run_playbook):
    seed(emulator, [BUILD, APPROVAL, DEPLOY])
    concurrent(emulator)
    log = Log(emulator)
    outcome = run_playbook(play(
        run_task('Run without approving', ignore_errors=True),
        run_task('Run approving another action', ignore_errors=True, approve=['Some other step']),
        run_task('Run approving the deploy', register='approved', approve=['Approve the deploy']),
    ))

    refused = failed_task(outcome, 'Run without approving')
    assert refused['changed'] is True
    assert refused['status'] == 'WAITING_FOR_APPLY'
    assert "action 'Approve the deploy' (WAIT_FOR_APPLY, id " in refused['msg']
    assert 'is WAITING_FOR_APPLY' in refused['msg'] and 'approve' in refused['msg']
    assert refused['waiting_action']['name'] == 'Approve the deploy'
    assert failed_task(outcome, 'Run approving another action')['waiting_action']['name'] == 'Approve the deploy'

    approved = outcome.task('Run approving the deploy')
    assert approved['status'] == 'SUCCESSFUL' and approved['approved'] == ['Approve the deploy']

    first, second, third = runs(emulator)
    # The refused runs still wait (nothing was sent to them); the approved one went on to the end.
    assert first['status'] == second['status'] == 'WAITING_FOR_APPLY'
    assert statuses(first) == ['SUCCESSFUL', 'WAITING_FOR_APPLY', 'INITIAL']
    assert third['status'] == 'SUCCESSFUL' and statuses(third) == ['SUCCESSFUL'] * 3
    patches = log.entries('PATCH', ONE_EXECUTION)
    assert [entry['path'].rsplit('/', 1)[1] for entry in patches] == [str(third['id'])]
    assert patches[0]['body'] == {'operation': 'APPLY',
                                  'approve_action_id': third['action_executions'][1]['action_execution_id']}
    # "At once": with an hour to wait, each refused run was read only until it was seen waiting
    # (a few short polls: the build takes 0.2 s in the emulator), never again after that.
    for record in (first, second):
        polls = log.entries('GET', r'/executions/%d$' % record['id'])
        assert 1 <= len(polls) <= 8, log.summary()
    assert len(log.entries('POST', EXECUTIONS)) == 3


def test_approve_true_answers_every_approval_and_never_other_waiting_states(emulator, run_playbook):
    seed(emulator, [APPROVAL, dict(APPROVAL, name='Second approval'),
                    dict(BUILD, name='Ask for variables', emulator_waits_for='WAITING_FOR_VARIABLES')])
    log = Log(emulator)
    outcome = run_playbook(play(run_task('Run approving everything', ignore_errors=True, approve=True)))
    result = failed_task(outcome, 'Run approving everything')
    assert result['approved'] == ['Approve the deploy', 'Second approval']
    assert result['waiting_action']['name'] == 'Ask for variables'
    assert 'WAITING_FOR_VARIABLES' in result['msg'] and 'only an approval' in result['msg']
    (record,) = runs(emulator)
    assert statuses(record) == ['SUCCESSFUL', 'SUCCESSFUL', 'WAITING_FOR_VARIABLES']
    assert [entry['body']['operation'] for entry in log.entries('PATCH')] == ['APPLY', 'APPLY']


# --- failed runs: the log tail from the logs endpoint ---------------------------------------------------------


def test_a_failed_run_returns_the_log_tail_read_page_by_page_from_the_logs_endpoint(emulator, run_playbook):
    seed(emulator, [BUILD, FAILING])
    emulator.seed({'execution_settings': {'log_page_cap': 7}})
    log = Log(emulator)
    outcome = run_playbook(play(run_task('Run the tests', ignore_errors=True)))
    result = failed_task(outcome, 'Run the tests')
    (record,) = runs(emulator)
    stored_log = record['action_executions'][1]['log']
    assert len(stored_log) == 32  # 31 commands and the failure line
    assert result['status'] == 'FAILED'
    assert result['failed_action']['name'] == 'Run tests'
    assert result['log_tail'] == stored_log[-20:] == result['failed_action']['log_tail']
    assert result['log_tail'][-1] == "Action failed: Command 'exit 3' exited with code 3"
    assert "Command 'exit 3' exited with code 3" in result['msg']
    # The run body carries no log; the tail was read by offset: the first page states the total,
    # then reading jumps to the last 20 lines, 7 at a time (the emulator's cap below the 1000 asked).
    assert all('log' not in entry for entry in result['execution']['action_executions'])
    pages = log.entries('GET', LOGS)
    assert [(entry['query']['offset'], entry['query']['limit']) for entry in pages] == [
        ('0', '1000'), ('12', '1000'), ('19', '1000'), ('26', '1000')]
    assert all(entry['path'].endswith('/action_executions/%s/logs' % record['action_executions'][1]['action_execution_id'])
               for entry in pages)


def test_the_action_execution_id_is_found_in_each_shape_the_record_allows(emulator, run_playbook):
    seed(emulator, [dict(FAILING, execute_commands=['exit 1'])])
    for shape in ('field', 'url', 'html_url'):
        emulator.seed({'execution_settings': {'action_execution_id_in': shape}})
        log = Log(emulator)
        outcome = run_playbook(play(run_task('Run (%s)' % shape, ignore_errors=True)))
        result = failed_task(outcome, 'Run (%s)' % shape)
        record = runs(emulator)[-1]
        aeid = record['action_executions'][0]['action_execution_id']
        assert result['failed_action']['action_execution_id'] == aeid, shape
        assert result['log_tail'] == ['$ exit 1', "Action failed: Command 'exit 1' exited with code 1"], shape
        assert [entry['path'].split('/')[-2] for entry in log.entries('GET', LOGS)] == [aeid], shape


# --- buddy_pipeline_run: odd answers to the POST, HEAD by default -----------------------------------------


def test_a_post_answered_200_without_the_run_fails_saying_it_may_have_started(emulator, run_playbook):
    seed(emulator, [BUILD])
    for answer in ('empty', 'not_json'):
        emulator.seed({'execution_settings': {'run_post_answer': answer}})
        log = Log(emulator)
        outcome = run_playbook(play(run_task('Run (%s answer)' % answer, ignore_errors=True)))
        result = failed_task(outcome, 'Run (%s answer)' % answer)
        assert result['changed'] is True, answer
        assert result['may_have_committed'] is True
        assert 'The run may have started' in result['msg'] and 'HTTP 200 with ' in result['msg']
        assert 'NoneType' not in outcome.output and 'Traceback' not in outcome.output
        assert log.calls() == ['POST /workspaces/acme/projects/website/pipelines/1/executions']
        assert log.entries('POST')[0]['body']['to_revision'] == {'revision': 'HEAD'}
    assert len(runs(emulator)) == 2  # both did start


# --- buddy_pipeline_execution ---------------------------------------------------------------------------------


def test_approve_and_wait_on_a_run_the_task_did_not_start_then_again_changes_nothing(emulator, run_playbook):
    seed(emulator, [BUILD, APPROVAL, DEPLOY])
    started = run_playbook(play(run_task('Start', wait=False)))
    run_id = started.task('Start')['execution_id']
    log = Log(emulator)
    outcome = run_playbook(play(
        execution_task('Wait without approving', ignore_errors=True, last=True),
        execution_task('Check mode approve', execution_id=run_id, operation='approve', check_mode=True),
        execution_task('Approve', execution_id=run_id, operation='approve', approve=['Approve the deploy']),
        execution_task('Approve again', execution_id=run_id, operation='approve'),
        execution_task('Wait again', last=True),
    ))
    waiting = failed_task(outcome, 'Wait without approving')
    assert waiting['waiting_action']['name'] == 'Approve the deploy'
    assert waiting['execution_id'] == run_id and waiting['changed'] is False
    would = outcome.task('Check mode approve')
    assert would['changed'] is True and would['msg'].startswith("would: run %d is WAITING_FOR_APPLY: approve 'Approve" % run_id)
    approved = outcome.task('Approve')
    assert approved['changed'] is True and approved['operations'] == ['APPLY'] and approved['status'] == 'SUCCESSFUL'
    again = outcome.task('Approve again')
    assert again['changed'] is False and again['operations'] == [] and 'nothing waits for approval' in again['msg']
    assert outcome.task('Wait again')['status'] == 'SUCCESSFUL'
    (record,) = runs(emulator)
    assert record['status'] == 'SUCCESSFUL'
    assert len(log.entries('PATCH')) == 1 and log.writes() == log.entries('PATCH')
    # last: true reads one page of runs, once per task that uses it.
    assert [entry['query'] for entry in log.entries('GET', EXECUTIONS)] == [{'page': '1', 'per_page': '20'}] * 2


def test_retry_a_failed_run_after_fixing_the_action_then_again_changes_nothing(emulator, run_playbook):
    (build, tests) = seed(emulator, [BUILD, dict(FAILING, execute_commands=['pytest', 'exit 1'])])
    failed = run_playbook(play(run_task('Run', ignore_errors=True)))
    run_id = failed.task('Run')['execution_id']
    emulator.seed_actions('acme', 'website', 1, [dict(tests, execute_commands=['pytest'])])  # the fix
    log = Log(emulator)
    outcome = run_playbook(play(
        execution_task('Check mode retry', execution_id=run_id, operation='retry', check_mode=True),
        execution_task('Retry', execution_id=run_id, operation='retry'),
        execution_task('Retry again', execution_id=run_id, operation='retry'),
    ))
    assert outcome.task('Check mode retry')['changed'] is True
    retried = outcome.task('Retry')
    assert retried['changed'] is True and retried['operations'] == ['RETRY'] and retried['status'] == 'SUCCESSFUL'
    assert retried['failed_action'] is None and retried['log_tail'] is None
    again = outcome.task('Retry again')
    assert again['changed'] is False and 'nothing to retry' in again['msg']
    (record,) = runs(emulator)
    assert record['status'] == 'SUCCESSFUL' and statuses(record) == ['SUCCESSFUL', 'SUCCESSFUL']
    assert [entry['body'] for entry in log.writes()] == [{'operation': 'RETRY'}]
    assert build['id'] != tests['id']


def test_retry_that_fails_again_fails_the_task_with_the_log_tail(emulator, run_playbook):
    seed(emulator, [dict(FAILING, execute_commands=['exit 2'])])
    run_id = run_playbook(play(run_task('Run', ignore_errors=True))).task('Run')['execution_id']
    outcome = run_playbook(play(execution_task('Retry', ignore_errors=True, execution_id=run_id, operation='retry')))
    result = failed_task(outcome, 'Retry')
    assert result['changed'] is True and result['operations'] == ['RETRY']
    assert result['log_tail'][-1] == "Action failed: Command 'exit 2' exited with code 2"
    assert result['log_tail'].count('--- Retried ---') == 1


def test_cancel_a_running_run_then_again_changes_nothing(emulator, run_playbook):
    seed(emulator, [dict(BUILD, execute_commands=['sleep 3600'])])
    run_id = run_playbook(play(run_task('Start', wait=False))).task('Start')['execution_id']
    log = Log(emulator)
    outcome = run_playbook(play(
        execution_task('Check mode cancel', last=True, operation='cancel', check_mode=True),
        execution_task('Cancel', last=True, operation='cancel', pipeline_name='Sandbox flow'),
        execution_task('Cancel again', execution_id=run_id, operation='cancel'),
        execution_task('Status only', execution_id=run_id, wait=False),
    ))
    assert outcome.task('Check mode cancel')['changed'] is True
    cancelled = outcome.task('Cancel')
    assert cancelled['changed'] is True and cancelled['status'] == 'TERMINATED' and cancelled['operations'] == ['CANCEL']
    again = outcome.task('Cancel again')
    assert again['changed'] is False and 'nothing to cancel' in again['msg']
    assert outcome.task('Status only')['status'] == 'TERMINATED'
    assert runs(emulator)[0]['status'] == 'TERMINATED'
    assert [entry['body'] for entry in log.writes()] == [{'operation': 'CANCEL'}]
    assert [entry['path'] for entry in log.writes()] == ['/workspaces/acme/projects/website/pipelines/1/executions/%d' % run_id]
    assert len(log.entries('GET', r'^/workspaces/acme/projects/website/pipelines$')) >= 1  # pipeline_name looked up


def test_last_finds_the_newest_run_in_either_list_order(emulator, run_playbook):
    seed(emulator, [BUILD])
    emulator.seed({'execution_settings': {'list_order': 'oldest_first'}})
    started = run_playbook(play(*[run_task('Start %d' % number, wait=False) for number in range(22)]))
    newest = started.task('Start 21')['execution_id']
    log = Log(emulator)
    outcome = run_playbook(play(execution_task('Newest', last=True, wait=False)))
    assert outcome.task('Newest')['execution_id'] == newest
    assert [entry['query']['page'] for entry in log.entries('GET', EXECUTIONS)] == ['1', '2']
    emulator.seed({'execution_settings': {'list_order': 'newest_first'}})
    log.again()
    outcome = run_playbook(play(execution_task('Newest', last=True, wait=False)))
    assert outcome.task('Newest')['execution_id'] == newest
    assert [entry['query']['page'] for entry in log.entries('GET', EXECUTIONS)] == ['1']


def test_bad_input_fails_before_any_request(emulator, run_playbook):
    log = Log(emulator)
    outcome = run_playbook(play(
        execution_task('Neither id nor last', ignore_errors=True),
        execution_task('Bad approve', ignore_errors=True, last=True, approve=[''],),
        run_task('Bad approve on run', ignore_errors=True, approve={'name': 'x'}),
        execution_task('No runs', ignore_errors=True, last=True),
    ))
    assert 'one of execution_id or last: true is required' in failed_task(outcome, 'Neither id nor last')['msg']
    assert 'approve[0]' in failed_task(outcome, 'Bad approve')['msg']
    assert 'approve must be true, false or a list' in failed_task(outcome, 'Bad approve on run')['msg']
    assert 'has no runs' in failed_task(outcome, 'No runs')['msg']
    assert log.calls() == ['GET /workspaces/acme/projects/website/pipelines/1/executions']
