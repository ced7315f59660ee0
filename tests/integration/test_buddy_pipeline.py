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

from buddy_helpers import PROJECT, WS, Log, assert_absent_from, play

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
    changed = dict(DEPLOY, priority='LOW', actions=[docker('Run tests', execute_commands=['pytest -x']),
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
