# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_variable and buddy_variable_info through real ansible-playbook runs against the emulator.

Effects are read from the emulator's own state (``variables``, ``_secrets``) and request log.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from buddy_helpers import PROJECT, WS, Log, assert_absent_from, play, stored_actions

VARIABLE_MODULE = 'opsflow.pipelines.buddy_variable'
INFO_MODULE = 'opsflow.pipelines.buddy_variable_info'
VARIABLES_PATH = '/workspaces/%s/variables' % WS
PIPELINE = 1

PLAIN_VALUE = 'plain-value-7c1e0f'
SECRET = 'S3cret-Db-Pass-4b9a'
NEW_SECRET = 'S3cret-Rotated-e21d'


def task(title, module=VARIABLE_MODULE, register='result', keywords=None, **args):
    params = {'workspace': WS}
    params.update(args)
    entry = {'name': title, module: params, 'register': register}
    entry.update(keywords or {})
    return entry


def stored(emulator):
    """The emulator's variables of the workspace, by id."""
    return emulator.state()['variables'].get(WS, {})


def stored_by_key(emulator, key):
    return sorted((item for item in stored(emulator).values() if item['key'] == key), key=lambda item: item['id'])


def scope_of(variable):
    for name in ('action', 'pipeline', 'project'):
        if name in variable:
            return name, variable[name].get('id', variable[name].get('name'))
    return 'workspace', None


def add_action(emulator):
    emulator.seed_actions(WS, PROJECT, PIPELINE, [{'name': 'Deploy', 'type': 'BUILD'}])
    return stored_actions(emulator)[-1]['id']


def lists(log):
    """The scope filters of every list request, in order ({} = the workspace)."""
    return [entry['query'] for entry in log.entries('GET', VARIABLES_PATH + '$')]


def results_text(run):
    return json.dumps(run.results)


def every_scope(action_id, **args):
    """One task per scope, the same key in each."""
    scopes = [('workspace', {}), ('project', {'project_name': PROJECT}),
              ('pipeline', {'project_name': PROJECT, 'pipeline_id': PIPELINE}),
              ('action', {'project_name': PROJECT, 'pipeline_id': PIPELINE, 'action_id': action_id})]
    tasks = []
    for name, scope in scopes:
        params = dict(scope, key='APP_ENV', value='%s-%s' % (name, PLAIN_VALUE))
        params.update(args)
        tasks.append(task('APP_ENV for the %s' % name, register='var_%s' % name, **params))
    return tasks


def test_every_scope_check_create_rerun_and_one_patch(emulator, run_playbook):
    action_id = add_action(emulator)
    playbook = play(*every_scope(action_id, description='set by Ansible'))

    log = Log(emulator)
    checked = run_playbook(playbook, check=True, diff=True)
    assert checked.changed_tasks() == [entry['name'] for entry in every_scope(action_id)]
    assert log.writes() == [] and stored(emulator) == {}, log.summary()
    # One list per scope, plus the check that the action belongs to the pipeline.
    assert len(log.entries('GET')) == 5, log.summary()

    log.again()
    created = run_playbook(playbook, diff=True)
    assert len(created.changed_tasks()) == 4
    posts = [entry['body'] for entry in log.entries('POST', VARIABLES_PATH + '$')]
    assert len(log.writes()) == 4 and len(posts) == 4, log.summary()
    scopes = sorted(scope_of(item) for item in stored_by_key(emulator, 'APP_ENV'))
    assert scopes == sorted([('workspace', None), ('project', PROJECT), ('pipeline', PIPELINE),
                             ('action', action_id)])
    # Exactly one scope object in each create.
    assert [sorted(set(body) & {'project', 'pipeline', 'action'}) for body in posts] == [
        [], ['project'], ['pipeline'], ['action']]
    for item in stored_by_key(emulator, 'APP_ENV'):
        assert item['value'] == '%s-%s' % (scope_of(item)[0], PLAIN_VALUE)
        assert item['description'] == 'set by Ansible'
    assert_absent_from(PLAIN_VALUE, created.output, results_text(created))
    assert created.task('APP_ENV for the project')['variable']['value'] == '********'
    assert created.task('APP_ENV for the project')['diff']['after']['scope'] == 'project %s' % PROJECT

    # Re-run: one list per scope, nothing written.
    log.again()
    again = run_playbook(playbook, diff=True)
    assert again.changed_tasks() == []
    assert log.writes() == [], log.summary()
    assert [entry['method'] for entry in log.entries()] == ['GET'] * 4, log.summary()
    assert lists(log) == [{}, {'project_name': PROJECT, 'projectName': PROJECT},
                          {'pipeline_id': str(PIPELINE), 'pipelineId': str(PIPELINE)},
                          {'action_id': str(action_id), 'actionId': str(action_id)}]

    # One change: one PATCH, with the key and the differing fields only.
    tasks = every_scope(action_id, description='set by Ansible')
    tasks[2]['opsflow.pipelines.buddy_variable'].update(description='changed', settable=True)
    log.again()
    changed = run_playbook(play(*tasks), diff=True)
    assert changed.changed_tasks() == ['APP_ENV for the pipeline']
    assert [entry['body'] for entry in log.writes()] == [{'key': 'APP_ENV', 'description': 'changed',
                                                          'settable': True}], log.summary()
    diff = changed.task('APP_ENV for the pipeline')['diff']
    assert diff['before']['description'] == 'set by Ansible' and diff['after']['description'] == 'changed'
    assert diff['before']['value'] == diff['after']['value'] == '********'

    # A plain value that differs is compared and sent; the diff only marks it.
    tasks[1]['opsflow.pipelines.buddy_variable'].update(value='new-' + PLAIN_VALUE)
    log.again()
    revalued = run_playbook(play(*tasks), diff=True, verbosity=4)
    assert revalued.changed_tasks() == ['APP_ENV for the project']
    assert [entry['body'] for entry in log.writes()] == [{'key': 'APP_ENV', 'value': 'new-' + PLAIN_VALUE}]
    assert revalued.task('APP_ENV for the project')['diff']['after']['value'] == '******** (changed)'
    assert_absent_from(PLAIN_VALUE, revalued.output, results_text(revalued))


def test_encrypted_value_is_sent_on_create_and_with_always_only_and_never_shown(emulator, run_playbook):
    def secret_task(value, **extra):
        return task('Database password', project_name=PROJECT, key='DB_PASSWORD', value=value, encrypted=True,
                    **extra)

    log = Log(emulator)
    created = run_playbook(play(secret_task(SECRET)), diff=True, verbosity=4)
    assert created.task('Database password')['changed'] is True
    [variable] = stored_by_key(emulator, 'DB_PASSWORD')
    assert variable['encrypted'] is True and variable['value'].startswith('secure!')
    assert emulator.state()['_secrets']['variables'][str(variable['id'])] == SECRET
    assert_absent_from(SECRET, created.output, results_text(created))
    assert_absent_from(variable['value'], created.output, results_text(created))

    # The server holds only ciphertext: with update_value on_create, another value is not noticed.
    log.again()
    unchanged = run_playbook(play(secret_task(NEW_SECRET)), diff=True, verbosity=4)
    assert unchanged.task('Database password')['changed'] is False
    assert log.writes() == [] and len(log.entries()) == 1, log.summary()
    assert_absent_from(NEW_SECRET, unchanged.output, results_text(unchanged))

    # update_value: always sends it (one PATCH), every run; the diff marks it as sent.
    for _round in range(2):
        log.again()
        rotated = run_playbook(play(secret_task(NEW_SECRET, update_value='always')), diff=True, verbosity=4)
        result = rotated.task('Database password')
        assert result['changed'] is True
        assert [entry['body'] for entry in log.writes()] == [{'key': 'DB_PASSWORD', 'value': NEW_SECRET}]
        assert result['diff']['after']['value'] == '******** (sent)'
        assert_absent_from(NEW_SECRET, rotated.output, results_text(rotated))
    assert emulator.state()['_secrets']['variables'][str(variable['id'])] == NEW_SECRET

    # buddy_variable_info masks the ciphertext; the plain variable next to it is shown.
    emulator.seed({'variables': {WS: [{'key': 'DB_HOST', 'value': 'db.internal', 'project': {'name': PROJECT}}]}})
    info = run_playbook(play(task('List', module=INFO_MODULE, project_name=PROJECT)), verbosity=4)
    listed = dict((item['key'], item['value']) for item in info.task('List')['variables'])
    assert listed == {'DB_PASSWORD': '********', 'DB_HOST': 'db.internal'}
    assert 'secure!' not in info.output + results_text(info)


def test_scope_change_and_rename_create_then_delete_and_show_both_in_the_diff(emulator, run_playbook):
    emulator.seed({'variables': {WS: [
        {'key': 'LOG_LEVEL', 'value': 'debug', 'settable': True, 'description': 'pipeline level',
         'pipeline': {'id': PIPELINE}},
        {'key': 'OLD_NAME', 'value': 'kept-' + PLAIN_VALUE},
        {'key': 'TOKEN', 'value': SECRET, 'encrypted': True}]}})
    old = stored_by_key(emulator, 'LOG_LEVEL')[0]
    old_name = stored_by_key(emulator, 'OLD_NAME')[0]
    moved = task('Move LOG_LEVEL to the project', project_name=PROJECT, key='LOG_LEVEL',
                 previous_scope={'project_name': PROJECT, 'pipeline_id': PIPELINE})
    renamed = task('Rename OLD_NAME', key='NEW_NAME', previous_key='OLD_NAME')
    playbook = play(moved, renamed)

    log = Log(emulator)
    checked = run_playbook(playbook, check=True, diff=True)
    assert checked.changed_tasks() == ['Move LOG_LEVEL to the project', 'Rename OLD_NAME']
    assert log.writes() == [], log.summary()

    log.again()
    applied = run_playbook(playbook, diff=True)
    assert [(entry['method'], entry['path']) for entry in log.writes()] == [
        ('POST', VARIABLES_PATH), ('DELETE', '%s/%d' % (VARIABLES_PATH, old['id'])),
        ('POST', VARIABLES_PATH), ('DELETE', '%s/%d' % (VARIABLES_PATH, old_name['id']))], log.summary()
    [now] = stored_by_key(emulator, 'LOG_LEVEL')
    assert scope_of(now) == ('project', PROJECT)
    # The settings the task leaves out, and the plain value, come from the old variable.
    assert (now['value'], now['settable'], now['description']) == ('debug', True, 'pipeline level')
    result = applied.task('Move LOG_LEVEL to the project')
    assert result['replaced_variable_id'] == old['id']
    assert result['diff']['before']['scope'] == 'pipeline %d' % PIPELINE
    assert result['diff']['after']['scope'] == 'project %s' % PROJECT
    assert [item['value'] for item in stored_by_key(emulator, 'NEW_NAME')] == ['kept-' + PLAIN_VALUE]
    assert stored_by_key(emulator, 'OLD_NAME') == []
    assert applied.task('Rename OLD_NAME')['diff']['before']['key'] == 'OLD_NAME'

    # Done: a re-run reads both scopes' lists (one for the rename) and writes nothing.
    log.again()
    again = run_playbook(playbook)
    assert again.changed_tasks() == [] and log.writes() == [], log.summary()
    assert len(log.entries('GET')) == 3, log.summary()

    # An encrypted variable's value can't be carried over: the task says so and writes nothing.
    log.again()
    failed = run_playbook(play(task('Rename TOKEN', key='API_TOKEN', previous_key='TOKEN')), expect=2)
    assert 'value is required' in failed.task('Rename TOKEN')['msg']
    assert log.writes() == []


def test_absent_deletes_once_and_check_mode_writes_nothing(emulator, run_playbook):
    emulator.seed({'variables': {WS: [{'key': 'GONE', 'value': 'x', 'project': {'name': PROJECT}},
                                      {'key': 'GONE', 'value': 'y'}]}})
    [target] = [item for item in stored_by_key(emulator, 'GONE') if 'project' in item]
    playbook = play(task('Remove', project_name=PROJECT, key='GONE', state='absent'))
    log = Log(emulator)
    checked = run_playbook(playbook, check=True, diff=True)
    assert checked.task('Remove')['changed'] is True and log.writes() == []
    log.again()
    removed = run_playbook(playbook, diff=True)
    assert removed.task('Remove')['diff']['after'] == {}
    assert [(entry['method'], entry['path'], entry['status']) for entry in log.writes()] == [
        ('DELETE', '%s/%d' % (VARIABLES_PATH, target['id']), 204)]
    # The workspace's GONE, another variable, stays.
    assert [scope_of(item) for item in stored_by_key(emulator, 'GONE')] == [('workspace', None)]
    log.again()
    again = run_playbook(playbook)
    assert again.task('Remove')['changed'] is False and log.writes() == []


BAD_INPUT = [
    ({'key': 'X', 'value': 'bad-value', 'action_id': 5, 'project_name': PROJECT}, 'action_id needs the pipeline'),
    ({'key': 'X', 'value': 'bad-value', 'action_id': 5}, 'action_id needs the pipeline'),
    ({'key': 'X', 'value': 'bad-value', 'pipeline_id': 1}, 'pipeline_id needs project_name'),
    ({'key': 'X', 'value': 'bad-value', 'project_name': PROJECT, 'pipeline_id': 1, 'pipeline_name': 'Release'},
     'both name a pipeline'),
    ({'key': 'X', 'value': 'bad-value', 'pipeline_id': 0, 'project_name': PROJECT}, 'a positive integer'),
    ({'key': 'X', 'value': 'bad-value', 'previous_scope': {'action_id': 3}}, 'previous_scope.action_id needs'),
    ({'key': 'X', 'previous_key': 'Y', 'state': 'absent'}, "can't be used with state: absent"),
    ({'key': 'X', 'previous_key': 'X'}, 'name this variable itself'),
    ({'key': 'X', 'value': 'bad-value', 'type': 'VAR', 'file_path': '/tmp/x'}, 'not to type VAR'),
    ({'key': 'X', 'value': 'bad-value', 'type': 'SSH_KEY', 'run_only_settable': True}, 'type VAR only'),
    ({'key': 'X', 'value': 'bad-value', 'type': 'TEXT'}, 'value of type must be one of'),
]


def test_bad_input_fails_before_any_request(emulator, run_playbook):
    tasks = [task('bad %d' % index, keywords={'ignore_errors': True}, **args)
             for index, (args, _message) in enumerate(BAD_INPUT)]
    tasks.append(task('info: action without pipeline', module=INFO_MODULE, keywords={'ignore_errors': True},
                      project_name=PROJECT, action_id=5))
    log = Log(emulator)
    run = run_playbook(play(*tasks))
    for index, (_args, message) in enumerate(BAD_INPUT):
        result = run.task('bad %d' % index)
        assert run.status('bad %d' % index) == 'failed' and message in result['msg'], (index, result)
    assert 'action_id needs the pipeline' in run.task('info: action without pipeline')['msg']
    assert log.entries() == [], log.summary()


@pytest.mark.parametrize('settings', [
    {'list_filters': 'docs', 'scoped_list': 'exact'},
    {'list_filters': 'go', 'scoped_list': 'inherited'},
    {'list_filters': 'docs', 'scoped_list': 'inherited'},
], ids=lambda settings: '-'.join(settings.values()))
def test_scoped_lists_of_either_shape_find_the_scope_own_variable(emulator, run_playbook, settings):
    """Whichever filter spelling the server reads, and whether a scoped list holds broader scopes too."""
    action_id = add_action(emulator)
    emulator.seed({'variable_settings': settings, 'variables': {WS: [
        dict(key='SHARED', value=name, **scope) for name, scope in (
            ('workspace', {}), ('project', {'project': {'name': PROJECT}}),
            ('pipeline', {'pipeline': {'id': PIPELINE}}), ('action', {'action': {'id': action_id}}))]}})
    before = dict((scope_of(item), dict(item)) for item in stored_by_key(emulator, 'SHARED'))
    tasks = every_scope(action_id, key='SHARED')
    for entry, name in zip(tasks, ('workspace', 'project', 'pipeline', 'action')):
        entry[VARIABLE_MODULE]['value'] = name
    tasks.append(task('Pipeline list', module=INFO_MODULE, register='listed', project_name=PROJECT,
                      pipeline_id=PIPELINE))
    log = Log(emulator)
    run = run_playbook(play(*tasks))
    assert run.changed_tasks() == [] and log.writes() == [], log.summary()
    assert [(item['key'], item['value']) for item in run.task('Pipeline list')['variables']] == [
        ('SHARED', 'pipeline')]
    assert dict((scope_of(item), item) for item in stored_by_key(emulator, 'SHARED')) == before

    # A value change reaches the scope's own variable, none of the others.
    tasks[2][VARIABLE_MODULE]['value'] = 'pipeline-2'
    log.again()
    changed = run_playbook(play(*tasks[:4]))
    assert changed.changed_tasks() == ['APP_ENV for the pipeline']
    [patch] = log.writes()
    assert patch['path'] == '%s/%d' % (VARIABLES_PATH, before[('pipeline', PIPELINE)]['id'])


def test_a_pipeline_given_by_name(emulator, run_playbook):
    """pipeline_name is looked up in the project's pipelines (one list), then works as pipeline_id."""
    playbook = play(task('Release variable', project_name=PROJECT, pipeline_name='Release', key='CHANNEL',
                         value='stable'),
                    task('Release variables', module=INFO_MODULE, project_name=PROJECT, pipeline_name='Release'))
    log = Log(emulator)
    created = run_playbook(playbook)
    assert created.changed_tasks() == ['Release variable']
    assert [scope_of(item) for item in stored_by_key(emulator, 'CHANNEL')] == [('pipeline', 2)]
    assert [item['key'] for item in created.task('Release variables')['variables']] == ['CHANNEL']
    log.again()
    again = run_playbook(playbook)
    assert again.changed_tasks() == [] and log.writes() == []
    pipelines_path = '/workspaces/%s/projects/%s/pipelines' % (WS, PROJECT)
    # Per task: the project's pipeline list (as many pages as the list paging takes), then one variables list.
    paths = [entry['path'] for entry in log.entries()]
    assert paths.count(VARIABLES_PATH) == 2 and set(paths) == {pipelines_path, VARIABLES_PATH}, log.summary()
    assert paths[0] == pipelines_path and paths[-1] == VARIABLES_PATH, log.summary()


def test_a_create_that_commits_and_never_answers_is_found_not_sent_again(emulator, run_playbook):
    emulator.add_fault(kind='hang_after_commit', method='POST', path=r'/variables$', delay=5)
    playbook = play(task('Create with a hang', project_name=PROJECT, key='ONCE', value=SECRET, encrypted=True,
                         request_timeout=2))
    log = Log(emulator)
    run = run_playbook(playbook, verbosity=4)
    assert run.task('Create with a hang')['changed'] is True
    assert [(entry['status'], entry['fault']) for entry in log.entries('POST')] == [(201, 'hang_after_commit')]
    assert len(stored_by_key(emulator, 'ONCE')) == 1
    assert 'found the variable it added' in ' '.join(run.output.split())  # 2.16-2.18 wrap long warnings
    assert_absent_from(SECRET, run.output, results_text(run))
