# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action against a failing server: API errors, injected faults, and secrets in every output."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

import pytest

from buddy_helpers import (
    ACTIONS_PATH,
    Log,
    action_task,
    assert_absent_from,
    info_task,
    merged,
    play,
    seed,
    stored_actions,
    stored_by_name,
)
from emulator.control import BUDDY_TOKEN

SLEEP = {'name': 'Wait a bit', 'type': 'SLEEP', 'fields': {'sleep_in_sec': 5}}
SLEEP_STORED = {'name': 'Wait a bit', 'type': 'SLEEP', 'sleep_in_sec': 5}
REGISTRY_PASSWORD = 'Reg-Pass-Vvvv-2b7d'
DOCKER = {
    'name': 'Run tests',
    'type': 'RUN_DOCKER_CONTAINER',
    'docker_image_name': 'private/python',
    'execute_commands': ['pytest -q'],
    'image_location': 'PRIVATE_REGISTRY',
    'docker_registry': 'OTHER',
    'registry': 'registry.example.test',
    'login': 'ci-bot',
    'password': '{{ registry_password }}',
}


def announced_waits(run):
    """The waits (s) the retry warnings announce, e.g. 'retry 1 of 5 in 0.7 s'."""
    return [float(value) for value in re.findall(r'retry \d+ of \d+ in ([0-9.]+) s', run.output)]


def assert_backoff_not_rate_window(run, status):
    """A 5xx carries the rate-limit headers of every answer; their reset time is no reason to wait
    (only a 429 asks to wait for it), so the first retry must use the short backoff."""
    waits = announced_waits(run)
    assert waits, 'no retry warning announced a wait:\n' + run.output
    assert max(waits) <= 5, 'after HTTP %d the module waits %r s (X-Rate-Limit-Reset of a non-429 answer?)\n%s' % (
        status, waits, run.output)


def everything(run):
    """All a user or a log could see of a run: console output and every task result."""
    return run.output + json.dumps(run.results)


def assert_one_action_named(emulator, name):
    matches = [action for action in stored_actions(emulator) if action['name'] == name]
    assert len(matches) == 1, 'expected one action named %r, found %r' % (name, matches)
    return matches[0]


# --- API errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize('where, path, server_message', [
    ({'project_name': 'nope'}, '/workspaces/acme/projects/nope/pipelines/1/actions', 'Project not found: nope'),
    ({'pipeline_id': 999}, '/workspaces/acme/projects/website/pipelines/999/actions', 'Pipeline not found: 999'),
])
def test_not_found_names_method_path_status_and_server_message(emulator, run_playbook, where, path, server_message):
    log = Log(emulator)
    run = run_playbook(play(action_task('Missing place', **merged(SLEEP, **where))), expect=2, verbosity=4)
    message = run.task('Missing place')['msg']
    for part in ('GET', path, '404', server_message):
        assert part in message, '%r not in %r' % (part, message)
    assert log.writes() == [], log.summary()
    assert_absent_from(BUDDY_TOKEN, everything(run))


def test_bad_token_fails_with_401_and_never_shows_the_token(emulator, run_playbook):
    bad_token = 'Bad-Token-5e6f7a81'
    log = Log(emulator)
    run = run_playbook(play(action_task('Bad token', **SLEEP)), env={'BUDDY_TOKEN': bad_token}, expect=2, verbosity=4)
    message = run.task('Bad token')['msg']
    for part in ('GET', ACTIONS_PATH, '401', 'Invalid or expired token', 'token'):
        assert part in message, '%r not in %r' % (part, message)
    assert [entry['status'] for entry in log.entries()] == [401], log.summary()
    assert_absent_from(bad_token, everything(run))
    assert stored_actions(emulator) == []


def test_read_only_token_fails_on_the_write_with_403(emulator, run_playbook):
    readonly = 'emulator-readonly-token'
    log = Log(emulator)
    run = run_playbook(play(action_task('Read-only token', **SLEEP)), env={'BUDDY_TOKEN': readonly}, expect=2)
    message = run.task('Read-only token')['msg']
    for part in ('POST', ACTIONS_PATH, '403', 'EXECUTION_MANAGE'):
        assert part in message, '%r not in %r' % (part, message)
    assert [(entry['method'], entry['status']) for entry in log.entries()] == [('GET', 200), ('POST', 403)], log.summary()
    assert_absent_from(readonly, everything(run))
    assert stored_actions(emulator) == []


@pytest.mark.parametrize('module', ['buddy_action', 'buddy_action_info'])
def test_project_name_with_a_slash_never_reaches_another_project(emulator, run_playbook, module):
    other_before = emulator.pipeline('acme', 'other', 1)
    if module == 'buddy_action':
        task = action_task('Climb out', **merged(SLEEP, project_name='../other'))
    else:
        task = info_task('Climb out', project_name='../other')
    log = Log(emulator)
    run = run_playbook(play(task), expect=2)
    assert run.status('Climb out') == 'failed'
    entries = log.entries()
    assert entries, 'no request at all: the test proves nothing'
    for entry in entries:
        assert '/projects/other/' not in entry['path'] and '/projects/..%2Fother/' in entry['path'], log.summary()
    assert log.writes() == []
    assert emulator.pipeline('acme', 'other', 1) == other_before


# --- injected faults ------------------------------------------------------------------------------------


def test_rate_limit_is_waited_out_and_retried(emulator, run_playbook):
    emulator.add_fault(kind='rate_limit', method='GET', path=r'/actions$', reset_in=1)
    emulator.add_fault(kind='rate_limit', method='POST', path=r'/actions$', reset_in=1)
    log = Log(emulator)
    run = run_playbook(play(action_task('Add despite 429', **SLEEP)))
    assert run.task('Add despite 429')['changed'] is True
    assert [(e['method'], e['status'], e['fault']) for e in log.entries()] == [
        ('GET', 429, 'rate_limit'), ('GET', 200, None), ('POST', 429, 'rate_limit'), ('POST', 201, None),
        # The re-read after the add (a twin added at the same time?): page 1, then an empty page 2.
        ('GET', 200, None), ('GET', 200, None)], log.summary()
    assert '429' in run.output and 'WARNING' in run.output, 'no warning about the rate limit:\n' + run.output
    assert run.task('Add despite 429').get('warnings'), 'the retries are not reported as warnings'
    assert_one_action_named(emulator, SLEEP['name'])
    assert emulator.faults() == []


@pytest.mark.parametrize('status', [502, 503, 504])
def test_gateway_errors_on_get_are_retried(emulator, run_playbook, status):
    target = seed(emulator, [SLEEP_STORED])[0]
    emulator.add_fault(kind='status', status=status, method='GET', path=r'/actions$')
    log = Log(emulator)
    run = run_playbook(play(action_task('Update despite %d' % status, **merged(SLEEP, fields={'sleep_in_sec': 9}))))
    assert run.task('Update despite %d' % status)['changed'] is True
    statuses = [(e['method'], e['status']) for e in log.entries() if e['path'] == ACTIONS_PATH]
    # The retried page 1, then the probe for page 2 (empty: lists state no total).
    assert statuses == [('GET', status), ('GET', 200), ('GET', 200)], log.summary()
    assert [(e['method'], e['body']) for e in log.writes()] == [('PATCH', {'sleep_in_sec': 9})], log.summary()
    assert str(status) in run.output and 'WARNING' in run.output
    assert_backoff_not_rate_window(run, status)
    assert stored_actions(emulator)[0]['id'] == target['id'] and stored_actions(emulator)[0]['sleep_in_sec'] == 9


@pytest.mark.parametrize('status', [502, 503])
def test_a_failed_post_is_repeated_only_when_nothing_was_added(emulator, run_playbook, status):
    emulator.add_fault(kind='status', status=status, method='POST', path=r'/actions$')
    log = Log(emulator)
    run = run_playbook(play(action_task('Add despite %d' % status, **SLEEP)))
    assert run.task('Add despite %d' % status)['changed'] is True
    posts = [(e['status'], e['fault']) for e in log.entries('POST')]
    assert posts == [(status, 'status'), (201, None)], log.summary()
    assert_one_action_named(emulator, SLEEP['name'])
    if status == 503:
        assert_backoff_not_rate_window(run, status)


def test_html_error_page_gives_a_clear_message(emulator, run_playbook):
    emulator.add_fault(kind='html', status=502, method='GET', times=5)
    log = Log(emulator)
    run = run_playbook(play(action_task('Behind a proxy', max_retries=1, **SLEEP)), expect=2)
    message = run.task('Behind a proxy')['msg']
    for part in ('GET', ACTIONS_PATH, '502', 'HTML', 'Bad Gateway'):
        assert part in message, '%r not in %r' % (part, message)
    assert '<html>' not in message and '<center>' not in message, message
    assert [(e['method'], e['status'], e['fault']) for e in log.entries()] == [('GET', 502, 'html')] * 2, log.summary()
    assert stored_actions(emulator) == []


def test_html_error_page_on_post_is_reported_and_nothing_is_added_twice(emulator, run_playbook):
    emulator.add_fault(kind='html', status=500, method='POST')
    log = Log(emulator)
    run = run_playbook(play(action_task('Proxy error on add', **SLEEP)), expect=2)
    message = run.task('Proxy error on add')['msg']
    for part in ('POST', ACTIONS_PATH, '500', 'HTML', 'Internal Server Error'):
        assert part in message, '%r not in %r' % (part, message)
    assert len(log.entries('POST')) == 1, log.summary()
    assert stored_actions(emulator) == []


def test_slow_answer_beyond_request_timeout_is_retried(emulator, run_playbook):
    emulator.add_fault(kind='slow', method='GET', path=r'/actions$', delay=3)
    log = Log(emulator)
    run = run_playbook(play(action_task('Slow list', request_timeout=1, **SLEEP)))
    assert run.task('Slow list')['changed'] is True
    log.settled()
    # After the add, the list is read again (page 1, then the empty page 2).
    assert [(e['method'], e['fault']) for e in log.entries()] == [
        ('GET', 'slow'), ('GET', None), ('POST', None), ('GET', None), ('GET', None)], log.summary()
    # ansible-core 2.16 wraps warnings at the terminal width: compare with white space folded.
    output = ' '.join(run.output.split())
    assert '[WARNING]: GET' in output and 'no answer within 1.0 s; retry 1 of 5' in output, run.output
    assert any('no answer within 1.0 s' in warning for warning in run.task('Slow list')['warnings'])
    assert_one_action_named(emulator, SLEEP['name'])


def test_slow_answers_fail_with_a_timeout_message(emulator, run_playbook):
    emulator.add_fault(kind='slow', method='GET', delay=3, times=3)
    log = Log(emulator)
    run = run_playbook(play(action_task('Always slow', request_timeout=1, max_retries=1, **SLEEP)), expect=2)
    message = run.task('Always slow')['msg']
    for part in ('GET', ACTIONS_PATH, 'no answer within 1'):
        assert part in message, '%r not in %r' % (part, message)
    assert len(log.entries('GET')) == 2 and log.writes() == [], log.summary()


def test_post_that_commits_and_never_answers_leaves_exactly_one_action(emulator, run_playbook):
    seed(emulator, [{'name': 'Checkout', 'type': 'GIT_CHECKOUT'}])
    emulator.add_fault(kind='hang_after_commit', method='POST', path=r'/actions$', delay=5)
    log = Log(emulator)
    run = run_playbook(play(action_task('Add with a hang', request_timeout=2, **SLEEP)))
    result = run.task('Add with a hang')
    assert result['changed'] is True
    posts = log.entries('POST')
    assert [(e['status'], e['fault']) for e in posts] == [(201, 'hang_after_commit')], log.summary()
    added = assert_one_action_named(emulator, SLEEP['name'])
    assert result['action']['id'] == added['id']
    assert len(stored_actions(emulator)) == 2
    assert 'WARNING' in run.output, 'the uncertain POST is not reported'

    log.again()
    rerun = run_playbook(play(action_task('Add with a hang', **SLEEP)))
    assert rerun.task('Add with a hang')['changed'] is False
    assert log.writes() == [], log.summary()


def test_dropped_connection_on_post_is_checked_then_repeated_once(emulator, run_playbook):
    emulator.add_fault(kind='drop', method='POST', path=r'/actions$')
    log = Log(emulator)
    run = run_playbook(play(action_task('Add with a drop', **SLEEP)))
    assert run.task('Add with a drop')['changed'] is True
    assert [(e['method'], e['fault']) for e in log.entries()] == [
        ('GET', None), ('POST', 'drop'), ('GET', None), ('POST', None), ('GET', None), ('GET', None)], log.summary()
    assert_one_action_named(emulator, SLEEP['name'])


def test_dropped_connection_on_get_is_retried(emulator, run_playbook):
    emulator.add_fault(kind='drop', method='GET')
    log = Log(emulator)
    run = run_playbook(play(action_task('List with a drop', **SLEEP)))
    assert run.task('List with a drop')['changed'] is True
    assert [(e['method'], e['fault']) for e in log.entries()] == [
        ('GET', 'drop'), ('GET', None), ('POST', None), ('GET', None), ('GET', None)], log.summary()
    assert_one_action_named(emulator, SLEEP['name'])


def test_delete_that_commits_and_hangs_still_ends_absent(emulator, run_playbook):
    target = seed(emulator, [SLEEP_STORED])[0]
    emulator.add_fault(kind='hang_after_commit', method='DELETE', delay=5)
    log = Log(emulator)
    run = run_playbook(play(action_task('Remove with a hang', name=SLEEP['name'], state='absent', request_timeout=2)))
    assert run.task('Remove with a hang')['changed'] is True
    deletes = [(e['path'], e['status'], e['fault']) for e in log.entries('DELETE')]
    path = '%s/%d' % (ACTIONS_PATH, target['id'])
    assert deletes == [(path, 204, 'hang_after_commit'), (path, 404, None)], log.summary()
    assert stored_actions(emulator) == []


# --- secrets never shown --------------------------------------------------------------------------------


def test_vvvv_add_update_and_failure_never_show_token_or_password(emulator, run_playbook):
    extra = {'registry_password': REGISTRY_PASSWORD, 'api_token': BUDDY_TOKEN}
    task = merged(DOCKER, token='{{ api_token }}')

    added = run_playbook(play(action_task('Add private image', **task)), extra_vars=extra, diff=True, verbosity=4)
    assert added.task('Add private image')['changed'] is True
    stored = stored_by_name(emulator, 'Run tests')
    assert emulator.action_secrets(stored['id']) == {'password': REGISTRY_PASSWORD}

    updated = run_playbook(play(action_task('Update private image', update_password='always',
                                            **merged(task, docker_image_tag='3.13'))),
                           extra_vars=extra, diff=True, verbosity=4)
    assert updated.task('Update private image')['changed'] is True
    assert stored_by_name(emulator, 'Run tests')['docker_image_tag'] == '3.13'

    emulator.add_fault(kind='status', status=500, method='PATCH', message='backend exploded')
    failed = run_playbook(play(action_task('Failing update', update_password='always',
                                           **merged(task, docker_image_tag='3.14'))),
                          extra_vars=extra, diff=True, verbosity=4, expect=2)
    message = failed.task('Failing update')['msg']
    assert 'PATCH' in message and '500' in message and 'backend exploded' in message, message

    # The server refuses the add (400) after the password was sent with it.
    emulator.add_fault(kind='status', status=400, method='POST', message='Field registry is invalid')
    failed_add = run_playbook(play(action_task('Failing add', **merged(task, name='Run tests 2'))), extra_vars=extra,
                              diff=True, verbosity=4, expect=2)
    assert failed_add.status('Failing add') == 'failed'
    assert 'POST' in failed_add.task('Failing add')['msg'] and '400' in failed_add.task('Failing add')['msg']

    for run in (added, updated, failed, failed_add):
        assert_absent_from(REGISTRY_PASSWORD, everything(run))
        assert_absent_from(BUDDY_TOKEN, everything(run))
