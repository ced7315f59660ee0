# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action behaviour: update, diff, absent, pagination, type change, placement, request counts."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from buddy_helpers import (
    ACTIONS_PATH,
    Log,
    action_task,
    assert_absent_from,
    check_then_apply,
    ids_in_order,
    merged,
    play,
    seed,
    stored_actions,
    stored_by_name,
)
from emulator.control import filler_actions

OLD_PASSWORD = 'Old-Reg-Pass-41d2'
NEW_PASSWORD = 'New-Reg-Pass-93be'

RUN_TESTS = {
    'name': 'Run tests',
    'type': 'RUN_DOCKER_CONTAINER',
    'docker_image_name': 'library/python',
    'docker_image_tag': '3.12',
    'execute_commands': ['pytest -q'],
    'shell': 'BASH',
    'image_location': 'PRIVATE_REGISTRY',
    'docker_registry': 'OTHER',
    'registry': 'registry.example.test',
    'login': 'ci-bot',
}
NEIGHBOURS = [{'name': 'Checkout', 'type': 'GIT_CHECKOUT'}, {'name': 'Notify', 'type': 'SLACK'}]


def results_text(run):
    return json.dumps(run.results)


def test_update_sends_one_patch_with_only_the_differing_fields(emulator, run_playbook):
    seeded = seed(emulator, [NEIGHBOURS[0], merged(RUN_TESTS, password=OLD_PASSWORD), NEIGHBOURS[1]])
    target = seeded[1]
    wanted = merged(RUN_TESTS, docker_image_tag='3.13', execute_commands=['pip install .', 'pytest -q'],
                    password=NEW_PASSWORD)
    playbook = play(action_task('Update tests', **wanted))

    log = Log(emulator)
    checked = run_playbook(playbook, check=True, diff=True)
    result = checked.task('Update tests')
    assert result['changed'] is True
    assert log.writes() == [], log.summary()
    assert stored_actions(emulator) == seeded
    assert result['diff']['before']['docker_image_tag'] == '3.12'
    assert result['diff']['after']['docker_image_tag'] == '3.13'
    assert_absent_from(NEW_PASSWORD, checked.output, results_text(checked))

    log.again()
    applied = run_playbook(playbook, diff=True)
    result = applied.task('Update tests')
    assert result['changed'] is True
    patches = log.entries('PATCH')
    assert len(log.writes()) == 1 and len(patches) == 1, log.summary()
    assert patches[0]['path'] == '%s/%d' % (ACTIONS_PATH, target['id'])
    assert patches[0]['body'] == {'docker_image_tag': '3.13', 'execute_commands': ['pip install .', 'pytest -q']}
    stored = stored_by_name(emulator, 'Run tests')
    assert stored['docker_image_tag'] == '3.13' and stored['execute_commands'] == ['pip install .', 'pytest -q']
    assert ids_in_order(emulator) == [action['id'] for action in seeded]
    # update_password: on_create (the default) never sends the password to an existing action.
    assert emulator.action_secrets(target['id']) == {'password': OLD_PASSWORD}
    assert result['diff']['before']['docker_image_tag'] == '3.12'
    assert result['diff']['after']['docker_image_tag'] == '3.13'
    assert result['diff']['after']['execute_commands'] == ['pip install .', 'pytest -q']
    assert '3.13' in applied.stdout, 'the diff is not shown to the user'
    assert_absent_from(NEW_PASSWORD, applied.output, results_text(applied))
    assert_absent_from(OLD_PASSWORD, applied.output, results_text(applied))

    log.again()
    rerun = run_playbook(playbook, diff=True)
    assert rerun.task('Update tests')['changed'] is False
    assert log.writes() == [], log.summary()


def test_update_password_always_sends_it_and_masks_it_in_the_diff(emulator, run_playbook):
    target = seed(emulator, [merged(RUN_TESTS, password=OLD_PASSWORD)])[0]
    playbook = play(action_task('Rotate password', update_password='always', **merged(RUN_TESTS, password=NEW_PASSWORD)))

    log = Log(emulator)
    checked = run_playbook(playbook, check=True, diff=True)
    assert checked.task('Rotate password')['changed'] is True
    assert log.writes() == [], log.summary()
    assert emulator.action_secrets(target['id']) == {'password': OLD_PASSWORD}

    log.again()
    applied = run_playbook(playbook, diff=True, verbosity=4)
    result = applied.task('Rotate password')
    assert result['changed'] is True
    patches = log.entries('PATCH')
    assert len(log.writes()) == 1 and len(patches) == 1, log.summary()
    assert patches[0]['body'] == {'password': NEW_PASSWORD}
    assert emulator.action_secrets(target['id']) == {'password': NEW_PASSWORD}
    assert result['diff']['after'].get('password') == '******** (sent)', result['diff']
    assert OLD_PASSWORD not in json.dumps(result['diff'])
    for secret in (NEW_PASSWORD, OLD_PASSWORD):
        assert_absent_from(secret, applied.output, results_text(applied), checked.output, results_text(checked))


def test_update_password_always_marks_nested_secrets_as_sent_in_the_diff(emulator, run_playbook):
    old_variables = [{'key': 'API_KEY', 'value': OLD_PASSWORD, 'encrypted': True}, {'key': 'MODE', 'value': 'ci'}]
    target = seed(emulator, [merged(RUN_TESTS, variables=old_variables,
                                    services=[{'type': 'MYSQL', 'login': 'root', 'password': OLD_PASSWORD}])])[0]
    new_variables = [{'key': 'API_KEY', 'value': NEW_PASSWORD, 'encrypted': True}, {'key': 'MODE', 'value': 'ci'}]
    new_services = [{'type': 'MYSQL', 'login': 'root', 'password': NEW_PASSWORD}]
    playbook = play(action_task('Rotate nested secrets', update_password='always',
                                **merged(RUN_TESTS, variables=new_variables, services=new_services)))

    log = Log(emulator)
    runs = [run_playbook(playbook, check=True, diff=True)]
    assert log.writes() == [], log.summary()
    log.again()
    runs.append(run_playbook(playbook, diff=True))
    patches = log.entries('PATCH')
    assert len(log.writes()) == 1 and len(patches) == 1, log.summary()
    assert patches[0]['path'] == '%s/%d' % (ACTIONS_PATH, target['id'])
    assert patches[0]['body'] == {'variables': new_variables, 'services': new_services}, log.summary()
    assert emulator.state()['_secrets']['variables'][str(stored_by_name(emulator, 'Run tests')['variables'][0]['id'])] \
        == NEW_PASSWORD
    for run in runs:
        result = run.task('Rotate nested secrets')
        assert result['changed'] is True
        before, after = result['diff']['before'], result['diff']['after']
        # The task changes something, and the diff says what: the secrets were sent.
        assert before != after, result['diff']
        assert before['variables'][0]['value'] == '********' and after['variables'][0]['value'] == '******** (sent)'
        assert before['variables'][1] == after['variables'][1]
        assert after['services'][0]['password'] == '******** (sent)'
        assert '(sent)' in run.stdout, 'the diff is not shown to the user'
        for secret in (NEW_PASSWORD, OLD_PASSWORD):
            assert_absent_from(secret, run.output, results_text(run))


def test_absent_deletes_and_absent_again_is_unchanged(emulator, run_playbook):
    seeded = seed(emulator, [NEIGHBOURS[0], merged(RUN_TESTS), NEIGHBOURS[1]])
    target = seeded[1]
    playbook = play(action_task('Remove tests', name='Run tests', state='absent'))

    log, _removed = check_then_apply(emulator, run_playbook, playbook, 'Remove tests', seeded)
    deletes = log.entries('DELETE')
    assert len(log.writes()) == 1 and len(deletes) == 1, log.summary()
    assert deletes[0]['path'] == '%s/%d' % (ACTIONS_PATH, target['id'])
    assert stored_actions(emulator) == [seeded[0], seeded[2]]

    for check in (True, False):
        log.again()
        again = run_playbook(playbook, check=check)
        assert again.task('Remove tests')['changed'] is False
        assert again.status('Remove tests') == 'ok'
        assert log.writes() == [], log.summary()
    assert stored_actions(emulator) == [seeded[0], seeded[2]]


def test_absent_by_action_id(emulator, run_playbook):
    seeded = seed(emulator, [NEIGHBOURS[0], merged(RUN_TESTS), NEIGHBOURS[1]])
    playbook = play(action_task('Remove by id', action_id=seeded[0]['id'], state='absent'))

    log = Log(emulator)
    run = run_playbook(playbook)
    assert run.task('Remove by id')['changed'] is True
    assert [(e['method'], e['path']) for e in log.writes()] == [('DELETE', '%s/%d' % (ACTIONS_PATH, seeded[0]['id']))]
    assert stored_actions(emulator) == seeded[1:]

    log.again()
    again = run_playbook(playbook)
    assert again.task('Remove by id')['changed'] is False
    assert log.writes() == [], log.summary()
    assert stored_actions(emulator) == seeded[1:]


def test_action_on_page_two_is_found_not_duplicated(emulator, run_playbook):
    # More actions than any page can hold (the emulator caps per_page at 100), so the
    # target can only be found by following the pages.
    fillers = seed(emulator, filler_actions(105))
    target = seed(emulator, [merged(RUN_TESTS)])[0]
    after = seed(emulator, filler_actions(3, prefix='tail'))
    assert len(stored_actions(emulator)) == 109
    playbook = play(action_task('Ensure tests', **RUN_TESTS))

    log = Log(emulator)
    unchanged = run_playbook(playbook)
    assert unchanged.task('Ensure tests')['changed'] is False, log.summary()
    assert log.writes() == [], log.summary()
    pages = [entry['query'].get('page') for entry in log.entries('GET', path=r'/actions$')]
    assert len(pages) >= 2 and '2' in pages, 'the second page was never read:\n' + log.summary()
    assert unchanged.task('Ensure tests')['action']['id'] == target['id']

    log.again()
    changed = run_playbook(play(action_task('Ensure tests', **merged(RUN_TESTS, docker_image_tag='3.13'))))
    assert changed.task('Ensure tests')['changed'] is True
    assert [(e['method'], e['path'], e['body']) for e in log.writes()] == [
        ('PATCH', '%s/%d' % (ACTIONS_PATH, target['id']), {'docker_image_tag': '3.13'})], log.summary()
    assert ids_in_order(emulator) == [a['id'] for a in fillers + [target] + after]
    assert stored_by_name(emulator, 'Run tests')['docker_image_tag'] == '3.13'


def test_type_change_fails_naming_recreate(emulator, run_playbook):
    seeded = seed(emulator, [NEIGHBOURS[0], {'name': 'Run tests', 'type': 'BUILD'}, NEIGHBOURS[1]])
    playbook = play(action_task('Change type', **RUN_TESTS))

    for check in (True, False):
        log = Log(emulator)
        failed = run_playbook(playbook, check=check, expect=2)
        result = failed.task('Change type')
        assert failed.status('Change type') == 'failed'
        assert 'recreate' in result['msg'] and 'type' in result['msg'], result['msg']
        assert log.writes() == [], log.summary()
        assert stored_actions(emulator) == seeded


def test_recreate_replaces_the_action_at_the_same_position(emulator, run_playbook):
    seeded = seed(emulator, [NEIGHBOURS[0], {'name': 'Run tests', 'type': 'BUILD'}, NEIGHBOURS[1]])
    old = seeded[1]
    playbook = play(action_task('Recreate', recreate=True, **merged(RUN_TESTS, password=NEW_PASSWORD)))

    log, applied = check_then_apply(emulator, run_playbook, playbook, 'Recreate', seeded)
    writes = log.writes()
    assert sorted(entry['method'] for entry in writes) == ['DELETE', 'POST'], log.summary()
    delete = [entry for entry in writes if entry['method'] == 'DELETE'][0]
    assert delete['path'] == '%s/%d' % (ACTIONS_PATH, old['id'])
    actions = stored_actions(emulator)
    assert [action['name'] for action in actions] == ['Checkout', 'Run tests', 'Notify']
    new = actions[1]
    assert new['id'] != old['id'] and new['type'] == 'RUN_DOCKER_CONTAINER'
    assert new['docker_image_name'] == 'library/python'
    assert actions[0] == seeded[0] and actions[2] == seeded[2]
    assert emulator.action_secrets(new['id']) == {'password': NEW_PASSWORD}
    assert_absent_from(NEW_PASSWORD, applied.output, results_text(applied))

    log.again()
    rerun = run_playbook(playbook)
    assert rerun.task('Recreate')['changed'] is False
    assert log.writes() == [], log.summary()


def test_recreate_after_an_unknown_action_fails_before_any_write(emulator, run_playbook):
    seeded = seed(emulator, [NEIGHBOURS[0], {'name': 'Run tests', 'type': 'BUILD'}, NEIGHBOURS[1]])
    missing = max(action['id'] for action in seeded) + 500
    playbook = play(action_task('Recreate after nothing', recreate=True, after_action_id=missing, **RUN_TESTS))
    for check in (True, False):
        log = Log(emulator)
        failed = run_playbook(playbook, check=check, expect=2)
        message = failed.task('Recreate after nothing')['msg']
        assert 'after_action_id' in message and str(missing) in message, message
        assert log.entries() and log.writes() == [], log.summary()
        assert stored_actions(emulator) == seeded


@pytest.mark.parametrize('change', [{'docker_image_tag': '3.13'}, {}, {'recreate': True, 'type': 'SANDBOX_MANAGE'}])
def test_after_action_id_of_the_action_itself_fails_before_any_write(emulator, run_playbook, change):
    seeded = seed(emulator, [NEIGHBOURS[0], merged(RUN_TESTS), NEIGHBOURS[1]])
    target = seeded[1]
    args = merged(RUN_TESTS, after_action_id=target['id'], **change)
    if change.get('type') == 'SANDBOX_MANAGE':
        args = {'name': 'Run tests', 'type': 'SANDBOX_MANAGE', 'operation': 'START', 'targets': [{'identifier': 'preview'}],
                'recreate': True, 'after_action_id': target['id']}
    playbook = play(action_task('After itself', **args))
    for check in (True, False):
        log = Log(emulator)
        failed = run_playbook(playbook, check=check, expect=2)
        message = failed.task('After itself')['msg']
        assert 'after_action_id' in message and 'itself' in message and str(target['id']) in message, message
        assert log.entries() and log.writes() == [], log.summary()
        assert stored_actions(emulator) == seeded


def test_after_action_id_places_on_add_and_moves_an_existing_action(emulator, run_playbook):
    first, second, third = seed(emulator, [{'name': 'A', 'type': 'BUILD'}, {'name': 'B', 'type': 'BUILD'},
                                           {'name': 'C', 'type': 'BUILD'}])
    add = play(action_task('Add D after A', name='D', type='SLEEP', fields={'sleep_in_sec': 5},
                           after_action_id=first['id']))

    log = Log(emulator)
    checked = run_playbook(add, check=True)
    assert checked.task('Add D after A')['changed'] is True
    assert log.writes() == [], log.summary()

    log.again()
    added = run_playbook(add)
    assert added.task('Add D after A')['changed'] is True
    posts = log.entries('POST')
    assert len(log.writes()) == 1 and len(posts) == 1, log.summary()
    assert posts[0]['body'].get('after_action_id') == first['id']
    fourth = stored_by_name(emulator, 'D')
    assert ids_in_order(emulator) == [first['id'], fourth['id'], second['id'], third['id']]

    log.again()
    again = run_playbook(add)
    assert again.task('Add D after A')['changed'] is False
    assert log.writes() == [], log.summary()

    move = play(action_task('Move C after A', name='C', after_action_id=first['id']))
    log.again()
    checked = run_playbook(move, check=True)
    assert checked.task('Move C after A')['changed'] is True
    assert log.writes() == [], log.summary()
    assert ids_in_order(emulator) == [first['id'], fourth['id'], second['id'], third['id']]

    log.again()
    moved = run_playbook(move)
    assert moved.task('Move C after A')['changed'] is True
    assert [(e['method'], e['path'], e['body']) for e in log.writes()] == [
        ('PATCH', '%s/%d' % (ACTIONS_PATH, third['id']), {'after_action_id': first['id']})], log.summary()
    assert ids_in_order(emulator) == [first['id'], third['id'], fourth['id'], second['id']]

    log.again()
    again = run_playbook(move)
    assert again.task('Move C after A')['changed'] is False
    assert log.writes() == [], log.summary()
    assert ids_in_order(emulator) == [first['id'], third['id'], fourth['id'], second['id']]


# --- request counts -----------------------------------------------------------------------------------


@pytest.fixture(params=['short', 'full'])
def server(request, emulator):
    """(control, env) of the emulator with lists of short entries, then of whole actions (a realism switch)."""
    emulator.list_settings(view=request.param)
    return emulator, {}


def page_calls(log):
    """``METHOD path[?page=N]`` of every request: list reads show their page."""
    return ['%s %s%s' % (entry['method'], entry['path'], '?page=%s' % entry['query']['page']
                         if 'page' in entry['query'] else '') for entry in log.entries()]


LIST_P1, LIST_P2 = 'GET %s?page=1' % ACTIONS_PATH, 'GET %s?page=2' % ACTIONS_PATH


def short_view(control):
    return control.state()['list_settings']['view'] == 'short'


def test_unchanged_by_name_reads_the_list_and_writes_nothing(server, run_playbook):
    # Lists state no total and may cap pages below per_page, so a short page 1 is followed by one
    # probe for page 2 (empty): the public-record rule, as the official Go SDK pages.
    control, env = server
    target = seed(control, [NEIGHBOURS[0], merged(RUN_TESTS), NEIGHBOURS[1]])[1]
    log = Log(control)
    run = run_playbook(play(action_task('Ensure tests', **RUN_TESTS)), env=env)
    assert run.task('Ensure tests')['changed'] is False
    expected = [LIST_P1, LIST_P2]
    if short_view(control):
        # A short list entry lacks the compared fields: the action itself must be read.
        expected.append('GET %s/%d' % (ACTIONS_PATH, target['id']))
    assert page_calls(log) == expected, log.summary()
    assert log.entries()[0]['query']['per_page'] == '30'


def test_a_page_cap_below_per_page_without_totals_still_finds_everything(emulator, run_playbook):
    # The server hands out 2 a page whatever is asked: pages 2, 2, 1; the third is shorter than the
    # earlier ones, so it is the last without a probe.
    emulator.list_settings(max_per_page=2)
    seed(emulator, NEIGHBOURS + [merged(RUN_TESTS, name='Lint'), merged(RUN_TESTS), {'name': 'Deploy', 'type': 'SLACK'}])
    names = [action['name'] for action in stored_actions(emulator)]
    assert len(names) == 5 and names[3] == 'Run tests'
    log = Log(emulator)
    run = run_playbook(play(action_task('Ensure tests', **RUN_TESTS)))
    assert run.task('Ensure tests')['changed'] is False
    assert page_calls(log) == [LIST_P1, LIST_P2, 'GET %s?page=3' % ACTIONS_PATH], log.summary()


def test_unchanged_by_id_makes_exactly_one_get(server, run_playbook):
    control, env = server
    target = seed(control, [NEIGHBOURS[0], merged(RUN_TESTS), NEIGHBOURS[1]])[1]
    log = Log(control)
    run = run_playbook(play(action_task('Ensure tests', action_id=target['id'], **RUN_TESTS)), env=env)
    assert run.task('Ensure tests')['changed'] is False
    assert log.calls() == ['GET %s/%d' % (ACTIONS_PATH, target['id'])], log.summary()


def test_add_reads_the_list_posts_once_and_reads_the_list_again(server, run_playbook):
    # The re-read after the add finds a twin another task may have added at the same time.
    control, env = server
    seed(control, NEIGHBOURS)
    log = Log(control)
    run = run_playbook(play(action_task('Add tests', **RUN_TESTS)), env=env)
    assert run.task('Add tests')['changed'] is True
    assert page_calls(log) == [LIST_P1, LIST_P2, 'POST %s' % ACTIONS_PATH, LIST_P1, LIST_P2], log.summary()
    assert [action['name'] for action in stored_actions(control)] == ['Checkout', 'Notify', 'Run tests']


def test_update_makes_one_list_and_one_patch(server, run_playbook):
    control, env = server
    target = seed(control, [NEIGHBOURS[0], merged(RUN_TESTS), NEIGHBOURS[1]])[1]
    log = Log(control)
    run = run_playbook(play(action_task('Update tests', **merged(RUN_TESTS, docker_image_tag='3.13'))), env=env)
    assert run.task('Update tests')['changed'] is True
    expected = [LIST_P1, LIST_P2]
    if short_view(control):
        expected.append('GET %s/%d' % (ACTIONS_PATH, target['id']))
    expected.append('PATCH %s/%d' % (ACTIONS_PATH, target['id']))
    assert page_calls(log) == expected, log.summary()
    assert stored_by_name(control, 'Run tests')['docker_image_tag'] == '3.13'
