# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_variable's and buddy_variable_info's EXAMPLES, run in sequence by real ansible-playbook against the emulator.

The examples are read from each module's source. Only what points at a real service changes: the
location (workspace, project, pipeline, action) becomes the emulator's, and the action the examples
name is seeded first. The effects are read from the emulator's state.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import yaml

from buddy_helpers import PROJECT, WS, Log, assert_absent_from
from module_examples import examples, localise as localise_keys

PIPELINE = 1
ACTION = 456
SECRETS = {'database_password': 'Db-Pass-first-7a1c', 'new_database_password': 'Db-Pass-rotated-2f9e',
           'deploy_private_key': '-----BEGIN OPENSSH PRIVATE KEY----- example-3e8d'}


def localise(node):
    return localise_keys(node, {'workspace': WS, 'project_name': PROJECT, 'pipeline_id': PIPELINE, 'action_id': seeded})


def seeded(action_id):
    assert action_id == ACTION, 'an example names action %r: seed it' % action_id
    return action_id


def stored(emulator):
    return list(emulator.state()['variables'].get(WS, {}).values())


def test_the_examples_run_and_leave_what_they_describe(emulator, run_playbook, ansible_env):
    emulator.seed_actions(WS, PROJECT, PIPELINE, [{'id': ACTION, 'name': 'Deploy', 'type': 'BUILD'}])
    tasks = localise(examples('buddy_variable')) + localise(examples('buddy_variable_info'))
    playbook = yaml.safe_dump([{'name': 'EXAMPLES', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}],
                              sort_keys=False)
    log = Log(emulator)
    run = run_playbook(playbook, extra_vars=dict(SECRETS, buddy_token=ansible_env['BUDDY_TOKEN']), diff=True,
                       verbosity=3)
    statuses = dict((entry['task'], entry['status']) for entry in run.results)
    assert set(statuses.values()) <= {'ok', 'changed'}, statuses
    refused = [entry for entry in log.entries() if entry['status'] >= 400]
    assert not refused, log.summary()
    for secret in SECRETS.values():
        assert_absent_from(secret, run.output, json.dumps(run.results))

    found = dict(((item['key'], 'action' if 'action' in item else 'pipeline' if 'pipeline' in item
                   else 'project' if 'project' in item else 'workspace'), item) for item in stored(emulator))
    assert sorted(found) == [('DEPLOY_KEY', 'action'), ('DEPLOY_TARGET_REGION', 'workspace'),
                             ('LOG_LEVEL', 'project')]
    assert found[('DEPLOY_TARGET_REGION', 'workspace')]['value'] == 'eu-central-1'
    assert found[('DEPLOY_TARGET_REGION', 'workspace')]['description'] == 'Region the pipelines deploy to'
    assert (found[('LOG_LEVEL', 'project')]['value'], found[('LOG_LEVEL', 'project')]['settable']) == ('info', True)
    key = found[('DEPLOY_KEY', 'action')]
    assert key['action'] == {'id': ACTION} and key['file_path'] == '~/.ssh/id_deploy'
    assert emulator.state()['_secrets']['variables'][str(key['id'])] == SECRETS['deploy_private_key']
    # The rotation sent the new password before the last example removed it.
    patches = [entry['body'] for entry in log.entries('PATCH')]
    assert patches == [{'key': 'DATABASE_PASSWORD', 'value': SECRETS['new_database_password']}]
    assert run.task('Say so')['msg'] == 'DATABASE_PASSWORD is missing'
    assert [item['key'] for item in run.task('The variables of one action')['variables']] == ['DEPLOY_KEY']
