# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_pipeline and buddy_pipeline_info through real ansible-playbook runs against the emulator.

Effects are read from the emulator's own state and request log, never from the module's output alone.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import yaml

from buddy_helpers import PROJECT, WS, Log, assert_absent_from, merged, play
from module_examples import examples, localise

PIPELINE_MODULE = 'opsflow.pipelines.buddy_pipeline'
INFO_MODULE = 'opsflow.pipelines.buddy_pipeline_info'
PIPELINES = '/workspaces/%s/projects/%s/pipelines' % (WS, PROJECT)
SECRET = 'Registry-Pass-5d1c'


def task(title, module=PIPELINE_MODULE, register='result', keywords=None, **args):
    params = {'workspace': WS, 'project_name': PROJECT}
    params.update(args)
    entry = {'name': title, module: params, 'register': register}
    entry.update(keywords or {})
    return entry


def docker(name, **extra):
    item = {'name': name, 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'library/python',
            'docker_image_tag': '3.12', 'execute_commands': ['pytest']}
    item.update(extra)
    return item


def sleep(name, seconds=5):
    return {'name': name, 'type': 'SLEEP', 'fields': {'sleep_in_sec': seconds}}


def pipelines(emulator, project=PROJECT):
    return emulator.state()['workspaces'][WS]['projects'][project]['pipelines']


def by_name(emulator, name, project=PROJECT):
    found = [pipeline for pipeline in pipelines(emulator, project).values() if pipeline['name'] == name]
    assert len(found) == 1, found
    return found[0]


def names(pipeline):
    return [action['name'] for action in pipeline['actions']]


DEPLOY = dict(name='Deploy', refs=['refs/heads/main'], priority='HIGH', tags=['web'],
              actions=[docker('Run tests'), sleep('Settle'), docker('Ship', execute_commands=['make ship'])])


def test_create_from_nothing_check_real_and_exact_rerun(emulator, run_playbook):
    playbook = play(task('Deploy pipeline', **DEPLOY))
    log = Log(emulator)
    checked = run_playbook(playbook, check=True, diff=True)
    result = checked.task('Deploy pipeline')
    assert result['changed'] is True and log.writes() == [], log.summary()
    assert result['changes']['added'] == ['Run tests', 'Settle', 'Ship']
    assert result['diff']['after']['order'] == ['Run tests', 'Settle', 'Ship']
    # By name: the pipeline list's pages only (no totals: a page, then the empty page that ends it).
    assert log.calls() == ['GET ' + PIPELINES] * 2, log.summary()

    log.again()
    created = run_playbook(playbook, diff=True)
    stored = by_name(emulator, 'Deploy')
    assert names(stored) == ['Run tests', 'Settle', 'Ship']
    assert stored['priority'] == 'HIGH' and stored['tags'] == ['web']
    assert [entry['method'] for entry in log.writes()] == ['POST'] * 4, log.summary()
    assert created.task('Deploy pipeline')['pipeline']['id'] == stored['id']
    assert [action['name'] for action in created.task('Deploy pipeline')['actions']] == names(stored)

    # Re-run: the list's page and the action list's page; no write.
    log.again()
    again = run_playbook(playbook, diff=True)
    assert again.changed_tasks() == []
    actions = 'GET %s/%s/actions' % (PIPELINES, stored['id'])
    assert log.calls() == ['GET ' + PIPELINES] * 2 + [actions] * 2, log.summary()

    # By id: one GET of the pipeline + the action list.
    log.again()
    by_id = run_playbook(play(task('Deploy pipeline', pipeline_id=stored['id'], **DEPLOY)))
    assert by_id.changed_tasks() == []
    assert log.calls() == ['GET %s/%s' % (PIPELINES, stored['id'])] + [actions] * 2, log.summary()

    # One field of one action and one setting: one PATCH each, with only that field.
    changed = merged(DEPLOY, priority='LOW', actions=[docker('Run tests', execute_commands=['pytest -x']),
                                                      sleep('Settle'), docker('Ship', execute_commands=['make ship'])])
    log.again()
    patched = run_playbook(play(task('Deploy pipeline', **changed)), diff=True)
    writes = [(entry['method'], entry['path'], entry['body']) for entry in log.writes()]
    action_id = stored['actions'][0]['id']
    assert writes == [('PATCH', '%s/%s' % (PIPELINES, stored['id']), {'priority': 'LOW'}),
                      ('PATCH', '%s/%s/actions/%s' % (PIPELINES, stored['id'], action_id),
                       {'execute_commands': ['pytest -x']})], log.summary()
    diff = patched.task('Deploy pipeline')['diff']
    assert diff['before']['pipeline']['priority'] == 'HIGH' and diff['after']['pipeline']['priority'] == 'LOW'
    assert diff['after']['actions']['Run tests']['execute_commands'] == ['pytest -x']
    assert patched.task('Deploy pipeline')['changes']['updated'] == ['Run tests']


def seed_pipeline(emulator, pipeline_id, name, actions, project=PROJECT, **settings):
    body = dict(settings, name=name, actions=actions)
    emulator.seed({'workspaces': {WS: {'projects': {project: {'pipelines': {str(pipeline_id): body}}}}}})


def test_reorder_purge_and_type_change(emulator, run_playbook):
    seed_pipeline(emulator, 7, 'Flow', [
        {'name': 'A', 'type': 'SLEEP', 'sleep_in_sec': 1}, {'name': 'B', 'type': 'SLEEP', 'sleep_in_sec': 1},
        {'name': 'C', 'type': 'SLEEP', 'sleep_in_sec': 1}, {'name': 'Old', 'type': 'SLEEP', 'sleep_in_sec': 1},
        {'name': 'D', 'type': 'SLEEP', 'sleep_in_sec': 1}])
    flow = [sleep(name, 1) for name in ('D', 'A', 'B', 'C')]
    log = Log(emulator)
    # Reorder: D to the top. The API places an action only *after* another, so the fewest moves are two:
    # D after A, then A after D. Old stays (no purge).
    reordered = run_playbook(play(task('Flow', name='Flow', actions=flow)), diff=True)
    assert names(by_name(emulator, 'Flow')) == ['D', 'A', 'B', 'C', 'Old']
    ids = dict((action['name'], action['id']) for action in by_name(emulator, 'Flow')['actions'])
    assert [(entry['method'], entry['body']) for entry in log.writes()] == [
        ('PATCH', {'after_action_id': ids['A']}), ('PATCH', {'after_action_id': ids['D']})], log.summary()
    assert reordered.task('Flow')['changes']['moved'] == ['D', 'A']
    assert reordered.task('Flow')['diff']['before']['order'] == ['A', 'B', 'C', 'Old', 'D']

    # Purge in check mode: shown, nothing deleted; for real: one DELETE.
    purge = play(task('Flow', name='Flow', actions=flow, purge_actions=True))
    log.again()
    checked = run_playbook(purge, check=True, diff=True)
    assert checked.task('Flow')['changes']['deleted'] == ['Old'] and log.writes() == []
    assert 'Old' in checked.task('Flow')['diff']['before']['actions']
    assert checked.task('Flow')['diff']['after']['order'] == ['D', 'A', 'B', 'C']
    log.again()
    run_playbook(purge)
    assert [entry['method'] for entry in log.writes()] == ['DELETE'], log.summary()
    assert names(by_name(emulator, 'Flow')) == ['D', 'A', 'B', 'C']

    # A type change fails without recreate, before any write; with it, the action is replaced in place.
    changed_type = [sleep('D', 1), docker('A'), sleep('B', 1), sleep('C', 1)]
    log.again()
    refused = run_playbook(play(task('Flow', name='Flow', actions=changed_type)), expect=2)
    assert 'recreate' in refused.task('Flow')['msg'] and log.writes() == [], log.summary()
    old_id = by_name(emulator, 'Flow')['actions'][1]['id']
    log.again()
    recreated = run_playbook(play(task('Flow', name='Flow', actions=changed_type, recreate=True)), diff=True)
    stored = by_name(emulator, 'Flow')
    assert names(stored) == ['D', 'A', 'B', 'C'] and stored['actions'][1]['type'] == 'RUN_DOCKER_CONTAINER'
    assert stored['actions'][1]['id'] != old_id
    assert [entry['method'] for entry in log.writes()] == ['POST', 'DELETE'], log.summary()
    assert recreated.task('Flow')['changes']['recreated'] == ['A']
    log.again()
    assert run_playbook(play(task('Flow', name='Flow', actions=changed_type))).changed_tasks() == []
    assert log.writes() == []


def test_remote_definition_is_refused_and_secrets_never_show(emulator, run_playbook):
    seed_pipeline(emulator, 8, 'From git', [], definition_source='REMOTE')
    log = Log(emulator)
    refused = run_playbook(play(task('Remote', name='From git', actions=[sleep('A')])), expect=2)
    assert 'definition_source: REMOTE' in refused.task('Remote')['msg'] and log.writes() == []
    # Its settings alone can still be managed.
    run_playbook(play(task('Remote', name='From git', priority='LOW')))
    assert by_name(emulator, 'From git')['priority'] == 'LOW'

    secret_item = docker('Push', image_location='PRIVATE_REGISTRY', docker_registry='DOCKER_HUB', login='bot',
                         password=SECRET)
    done = run_playbook(play(task('Secret', name='With secret', actions=[secret_item])), diff=True, verbosity=4)
    assert_absent_from(SECRET, done.output, json.dumps(done.results))
    assert emulator.action_secrets(by_name(emulator, 'With secret')['actions'][0]['id'])['password'] == SECRET


def test_export_round_trip(emulator, run_playbook):
    spec = merged(DEPLOY, events=[{'type': 'PUSH', 'refs': ['refs/heads/main']}], concurrent_pipeline_runs=True,
                  actions=[docker('Run tests', variables=[{'key': 'MODE', 'value': 'ci'}]), sleep('Settle')])
    run_playbook(play(task('Deploy pipeline', **spec)))
    feed = "{{ result.pipelines[0].definition | combine({'workspace': '%s', 'project_name': '%s'}) }}"
    exported = play(task('Export', module=INFO_MODULE, name='Deploy', export=True),
                    {'name': 'Feed back', PIPELINE_MODULE: {}, 'args': feed % (WS, PROJECT), 'register': 'fed'},
                    {'name': 'Into an empty project', PIPELINE_MODULE: {}, 'args': feed % (WS, 'other'),
                     'register': 'copied'})
    log = Log(emulator)
    done = run_playbook(exported)
    definition = done.task('Export')['pipelines'][0]['definition']
    assert definition['name'] == 'Deploy' and definition['priority'] == 'HIGH'
    assert 'fail_on_prepare_env_warning' not in definition and 'id' not in definition
    assert [item['name'] for item in definition['actions']] == ['Run tests', 'Settle']
    assert definition['actions'][1] == {'name': 'Settle', 'type': 'SLEEP', 'fields': {'sleep_in_sec': 5}}
    assert 'trigger_time' not in definition['actions'][0]
    assert done.task('Feed back')['changed'] is False
    assert done.task('Into an empty project')['changed'] is True
    copy = by_name(emulator, 'Deploy', project='other')
    original = by_name(emulator, 'Deploy')
    for key in ('priority', 'tags', 'events', 'concurrent_pipeline_runs', 'refs'):
        assert copy[key] == original[key], key
    assert [(a['name'], a['type']) for a in copy['actions']] == [(a['name'], a['type']) for a in original['actions']]
    assert copy['actions'][0]['variables'][0]['value'] == 'ci'
    assert [entry['method'] for entry in log.writes()] == ['POST'] * 3, log.summary()


def test_pipeline_name_on_every_module_that_takes_a_pipeline(emulator, run_playbook):
    """Resolved by listing the project's pipelines (all pages: here the server caps pages at 2 and gives no
    totals); no pipeline or several of that name fail naming what the project holds; `pipeline_id: true`
    fails before any request."""
    emulator.seed({'pipeline_settings': {'max_per_page': 2}})
    for pipeline_id in (3, 4, 5):
        seed_pipeline(emulator, pipeline_id, 'Filler %d' % pipeline_id, [])
    seed_pipeline(emulator, 6, 'Target', [{'name': 'Build', 'type': 'BUILD'}])
    location = {'pipeline_name': 'Target'}
    tasks = [
        task('action', module='opsflow.pipelines.buddy_action', name='Wait', type='SLEEP',
             fields={'sleep_in_sec': 1}, **location),
        task('action info', module='opsflow.pipelines.buddy_action_info', register='info', **location),
        task('run', module='opsflow.pipelines.buddy_pipeline_run', register='run', keywords={'check_mode': True},
             **location),
        task('variable', module='opsflow.pipelines.buddy_variable', register='variable', key='MODE', value='ci',
             **location),
        task('execution', module='opsflow.pipelines.buddy_pipeline_execution', register='execution', last=True,
             keywords={'ignore_errors': True}, **location),
    ]
    log = Log(emulator)
    done = run_playbook(play(*tasks))
    assert names(by_name(emulator, 'Target')) == ['Build', 'Wait']
    assert [action['name'] for action in done.task('action info')['actions']] == ['Build', 'Wait']
    assert done.task('run')['changed'] is True
    stored_variables = emulator.state()['variables'][WS].values()
    assert [variable['pipeline']['id'] for variable in stored_variables if variable['key'] == 'MODE'] == [6]
    # Each task lists the pipelines once: 6 pipelines in pages of 2, then the empty page.
    pages = [entry['query']['page'] for entry in log.entries('GET', PIPELINES + '$')]
    assert pages == ['1', '2', '3', '4'] * 5, log.summary()
    # The pipeline has no run yet: the last-run look-up asked pipeline 6's executions.
    assert log.entries('GET', PIPELINES + '/6/executions'), log.summary()
    assert all(entry['path'].startswith(PIPELINES + '/6') for entry in log.entries()
               if '/projects/' in entry['path'] and not entry['path'].endswith('/pipelines')), log.summary()

    seed_pipeline(emulator, 9, 'Target', [])
    missing = [task('missing', module='opsflow.pipelines.buddy_action_info', register='missing',
                    keywords={'ignore_errors': True}, pipeline_name='Nope'),
               task('twice', module='opsflow.pipelines.buddy_action_info', register='twice',
                    keywords={'ignore_errors': True}, **location)]
    failed = run_playbook(play(*missing))
    assert "no pipeline named 'Nope'" in failed.task('missing')['msg']
    assert "'Target' (id 6)" in failed.task('missing')['msg']
    assert "2 pipelines named 'Target' (ids 6, 9)" in failed.task('twice')['msg']

    log.again()
    bad = [task('bool id', module=module, register='bad_%d' % index, keywords={'ignore_errors': True},
                pipeline_id=True) for index, module in enumerate(
                    ('opsflow.pipelines.buddy_action_info', 'opsflow.pipelines.buddy_pipeline_run'))]
    bad.append(task('both', module='opsflow.pipelines.buddy_action_info', register='both',
                    keywords={'ignore_errors': True}, pipeline_id=6, pipeline_name='Target'))
    refused = run_playbook(play(*bad))
    assert all(entry['status'] == 'failed' for entry in refused.results), refused.output
    assert 'pipeline_id must be the ID of a pipeline' in refused.task('bool id')['msg']
    assert 'mutually exclusive' in refused.task('both')['msg']
    assert log.entries() == [], log.summary()


def _localise(node, dest):
    return localise(node, {'workspace': WS, 'project_name': PROJECT, 'dest': dest})


def test_module_examples_run(emulator, run_playbook, tmp_path):
    """The EXAMPLES of buddy_pipeline and buddy_pipeline_info, in one playbook: create, read back and export,
    rename by id, delete."""
    dest = str(tmp_path / 'deploy-pipeline.yml')
    pipeline_examples = _localise(examples('buddy_pipeline'), dest)
    info_examples = _localise(examples('buddy_pipeline_info'), dest)
    tasks = pipeline_examples[:2] + info_examples + pipeline_examples[2:]
    log = Log(emulator)
    done = run_playbook(play(*tasks), extra_vars={'buddy_token': 'emulator-buddy-token'})
    assert done.task('Write it down as a start for a playbook')['changed'] is True
    with open(dest) as written:
        definition = yaml.safe_load(written)
    assert definition['name'] == 'Deploy' and [item['name'] for item in definition['actions']] == [
        'Run tests', 'Wait a moment']
    assert [pipeline['name'] for pipeline in pipelines(emulator).values()] == ['Sandbox flow', 'Release']
    assert [entry['method'] for entry in log.writes()] == ['POST', 'POST', 'POST', 'PATCH', 'DELETE'], log.summary()


def test_short_list_entries_and_a_200_create(emulator, run_playbook):
    """Both shapes the record allows: list entries without the settings (then the pipeline is read once), and a
    create answered 200 instead of 201."""
    emulator.seed({'pipeline_settings': {'list_view': 'short', 'create_status': 200}})
    playbook = play(task('Deploy pipeline', **DEPLOY))
    run_playbook(playbook)
    stored = by_name(emulator, 'Deploy')
    assert names(stored) == ['Run tests', 'Settle', 'Ship'] and stored['priority'] == 'HIGH'
    log = Log(emulator)
    assert run_playbook(playbook).changed_tasks() == []
    actions = 'GET %s/%s/actions' % (PIPELINES, stored['id'])
    assert log.calls() == ['GET ' + PIPELINES] * 2 + ['GET %s/%s' % (PIPELINES, stored['id'])] + [actions] * 2, \
        log.summary()
