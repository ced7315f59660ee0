# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action_info: by name, by id, all (across pages); check mode; never writes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json

import pytest

from buddy_helpers import ACTIONS_PATH, Log, info_task, is_subset, play, seed, stored_actions
from emulator.control import filler_actions

REGISTRY_PASSWORD = 'Info-Reg-Pass-77aa'
VARIABLE_SECRET = 'Info-Var-Secret-31cc'
SEEDED = [
    {'name': 'Checkout', 'type': 'GIT_CHECKOUT'},
    {'name': 'Run tests', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'private/python',
     'execute_commands': ['pytest -q'], 'image_location': 'PRIVATE_REGISTRY', 'docker_registry': 'OTHER',
     'login': 'ci-bot', 'password': REGISTRY_PASSWORD,
     'variables': [{'key': 'API_KEY', 'value': VARIABLE_SECRET, 'encrypted': True}, {'key': 'MODE', 'value': 'ci'}]},
    {'name': 'Stop previews', 'type': 'SANDBOX_MANAGE', 'operation': 'STOP', 'targets': [{'identifier': 'preview-1'}]},
]


def comparable(stored):
    """A stored action without the values the module must mask (encrypted variable values)."""
    action = copy.deepcopy(stored)
    for variable in action.get('variables') or []:
        if variable.get('encrypted'):
            variable.pop('value', None)
    return action


def assert_whole_actions(returned, stored):
    assert [action['id'] for action in returned] == [action['id'] for action in stored]
    for got, want in zip(returned, stored):
        assert is_subset(comparable(want), got), 'returned %r\nstored %r' % (got, want)


def assert_no_secret(run):
    text = run.output + json.dumps(run.results)
    for secret in (REGISTRY_PASSWORD, VARIABLE_SECRET):
        assert secret not in text, 'secret %r leaked' % secret


@pytest.mark.parametrize('check', [False, True], ids=['run', 'check_mode'])
def test_info_by_name_by_id_and_all(emulator, run_playbook, check):
    stored = seed(emulator, SEEDED)
    playbook = play(
        info_task('By name', register='by_name', name='Run tests'),
        info_task('By id', register='by_id', action_id=stored[2]['id']),
        info_task('All', register='everything'),
        info_task('Unknown name', register='unknown_name', name='Nope'),
        info_task('Unknown id', register='unknown_id', action_id=999999),
    )
    log = Log(emulator)
    run = run_playbook(playbook, check=check)
    assert log.writes() == [], log.summary()
    assert stored_actions(emulator) == stored
    for title in ('By name', 'By id', 'All', 'Unknown name', 'Unknown id'):
        assert run.task(title)['changed'] is False
        assert run.status(title) == 'ok'
    assert_whole_actions(run.task('By name')['actions'], [stored[1]])
    assert_whole_actions(run.task('By id')['actions'], [stored[2]])
    assert_whole_actions(run.task('All')['actions'], stored)
    assert run.task('Unknown name')['actions'] == []
    assert run.task('Unknown id')['actions'] == []
    encrypted = run.task('By name')['actions'][0]['variables'][0]
    assert encrypted['key'] == 'API_KEY' and encrypted['value'] == '********'
    assert 'password' not in run.task('By name')['actions'][0] or \
        run.task('By name')['actions'][0]['password'] == '********'
    assert_no_secret(run)


def test_info_by_id_makes_exactly_one_get(emulator, run_playbook):
    stored = seed(emulator, SEEDED)
    log = Log(emulator)
    run = run_playbook(play(info_task('By id', action_id=stored[1]['id'])))
    assert_whole_actions(run.task('By id')['actions'], [stored[1]])
    assert log.calls() == ['GET %s/%d' % (ACTIONS_PATH, stored[1]['id'])], log.summary()


def test_info_all_follows_every_page(emulator, run_playbook):
    stored = seed(emulator, filler_actions(103) + SEEDED)
    log = Log(emulator)
    run = run_playbook(play(info_task('All', register='everything'),
                            info_task('Last by name', name='Stop previews')))
    assert_whole_actions(run.task('All')['actions'], stored)
    assert_whole_actions(run.task('Last by name')['actions'], [stored[-1]])
    pages = [entry['query'].get('page') for entry in log.entries('GET', path=r'/actions$')]
    assert '2' in pages, log.summary()
    assert log.writes() == []


def test_info_by_name_returns_every_action_of_that_name(emulator, run_playbook):
    stored = seed(emulator, [{'name': 'Deploy', 'type': 'BUILD'}, {'name': 'Other', 'type': 'BUILD'},
                             {'name': 'Deploy', 'type': 'SLEEP', 'sleep_in_sec': 3}])
    run = run_playbook(play(info_task('Twins', name='Deploy')))
    assert_whole_actions(run.task('Twins')['actions'], [stored[0], stored[2]])


def test_info_unknown_pipeline_fails_with_the_server_message(emulator, run_playbook):
    run = run_playbook(play(info_task('Missing pipeline', pipeline_id=4242)), expect=2)
    message = run.task('Missing pipeline')['msg']
    for part in ('GET', '/workspaces/acme/projects/website/pipelines/4242/actions', '404', 'Pipeline not found: 4242'):
        assert part in message, '%r not in %r' % (part, message)
