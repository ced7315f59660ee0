# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action, per action type: check mode -> real run -> re-run changes nothing.

Every modelled type (with the options the server enriches or fills in) and one pass-through
type via ``fields``. Effects are read from the emulator: its stored actions and request log.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from buddy_helpers import ACTIONS_PATH, Log, action_task, assert_holds, merged, play, seed, stored_actions, stored_by_name

REGISTRY_PASSWORD = 'Reg-Pass-7f3c9a51'

CASES = {
    'BLACKFIRE_PYTHON': {
        'name': 'Profile app',
        'type': 'BLACKFIRE_PYTHON',
        'execute_commands': ['blackfire run python app.py'],
        'setup_commands': ['pip install -r requirements.txt'],
        'version': '3.12',
        'integration': 'blackfire-main',
        'shell': 'BASH',
        'timeout': 600,
        'variables': [{'key': 'PROFILE', 'value': 'on'}],
    },
    'SANDBOX_MANAGE': {
        'name': 'Stop previews',
        'type': 'SANDBOX_MANAGE',
        'operation': 'STOP',
        'targets': [{'identifier': 'preview-1'}, {'type': 'TAG', 'tags': ['preview']}],
        'run_next': 'IN_SOFT_PARALLEL',
        'trigger_time': 'ON_SUCCESS',
    },
    'RUN_DOCKER_CONTAINER': {
        'name': 'Run tests',
        'type': 'RUN_DOCKER_CONTAINER',
        'docker_image_name': 'library/python',
        'docker_image_tag': '3.12',
        'execute_commands': ['pip install -r requirements.txt', 'pytest -q'],
        'setup_commands': ['apt-get update'],
        'shell': 'BASH',
        'volume_mappings': ['/:/buddy/website'],
        'cached_dirs': ['/root/.cache/pip'],
        'services': [{'type': 'POSTGRE_SQL', 'version': '16'}],
        'image_location': 'PRIVATE_REGISTRY',
        'docker_registry': 'OTHER',
        'registry': 'registry.example.test',
        'login': 'ci-bot',
        'password': REGISTRY_PASSWORD,
        'ignore_errors': True,
        'retry_count': 2,
        'retry_interval': 10,
    },
    'SANDBOX_CREATE': {
        'name': 'Preview sandbox',
        'type': 'SANDBOX_CREATE',
        'from': 'SCRATCH',
        'spec': {
            'name': 'Preview',
            'identifier': 'preview-1',
            'os': 'ubuntu:22.04',
            'resources': '2x4',
            'first_boot_commands': 'apt-get update',
            'app_dir': '/app',
            'apps': ['npm start'],
            'tags': ['preview'],
            'timeout': 3600,
            'variables': [{'key': 'APP_ENV', 'value': 'preview'}],
            'endpoints': [{'name': 'web', 'endpoint': '80', 'type': 'HTTP', 'region': 'EU',
                           'whitelist': ['10.0.0.0/8'], 'timeout': 30}],
        },
        'update_if_exists': True,
        'start': True,
    },
    'pass-through SLEEP': {
        'name': 'Wait a bit',
        'type': 'SLEEP',
        'fields': {'sleep_in_sec': 30, 'comment': {'reason': 'let caches settle', 'owner': 'ops'}},
        'disabled': False,
    },
}

# Server-side extras the emulator adds to what was sent (proof that enrichment really happens,
# so a re-run without a change is a real idempotency check).
ENRICHED = {
    'BLACKFIRE_PYTHON': lambda stored: stored['integration'].get('type') == 'BLACKFIRE' and 'id' in stored['variables'][0],
    'SANDBOX_MANAGE': lambda stored: stored['targets'][0].get('scope') == 'ANY',
    'RUN_DOCKER_CONTAINER': lambda stored: stored.get('working_directory') == '/buddy/website' and 'password' not in stored,
    'SANDBOX_CREATE': lambda stored: stored['spec']['endpoints'][0].get('domain') is not None,
    'pass-through SLEEP': lambda stored: stored.get('trigger_time') == 'ON_EVERY_EXECUTION',
}


def expected_fields(args):
    """What the stored action must hold after the task (secrets are checked separately)."""
    expected = copy.deepcopy(args)
    expected.update(expected.pop('fields', {}))
    expected.pop('password', None)
    if isinstance(expected.get('integration'), str):
        expected['integration'] = {'identifier': expected['integration']}
    return expected


@pytest.mark.parametrize('case', sorted(CASES))
def test_check_then_apply_then_rerun_changes_nothing(emulator, run_playbook, case):
    args = CASES[case]
    others = seed(emulator, [{'name': 'Checkout', 'type': 'GIT_CHECKOUT'}, {'name': 'Build', 'type': 'BUILD'}])
    playbook = play(action_task('Ensure %s' % case, **args))

    log = Log(emulator)
    checked = run_playbook(playbook, check=True)
    assert checked.task('Ensure %s' % case)['changed'] is True
    assert log.writes() == [], 'check mode wrote:\n' + log.summary()
    assert log.entries(), 'check mode made no look-up at all'
    assert stored_actions(emulator) == others

    log.again()
    applied = run_playbook(playbook)
    assert applied.task('Ensure %s' % case)['changed'] is True
    posts = log.entries('POST')
    assert [entry['path'] for entry in posts] == [ACTIONS_PATH], log.summary()
    assert len(log.writes()) == 1, log.summary()
    actions = stored_actions(emulator)
    assert actions[:2] == others
    assert len(actions) == 3
    stored = stored_by_name(emulator, args['name'])
    assert actions[2] == stored, 'added action is not last'
    assert_holds(stored, expected_fields(args))
    assert ENRICHED[case](stored), 'the emulator did not enrich the action: %r' % stored
    if 'password' in args:
        assert emulator.action_secrets(stored['id']) == {'password': REGISTRY_PASSWORD}
    assert applied.task('Ensure %s' % case)['action']['id'] == stored['id']
    state_after_add = emulator.state()

    log.again()
    rechecked = run_playbook(playbook, check=True)
    assert rechecked.task('Ensure %s' % case)['changed'] is False, log.summary()
    assert log.writes() == [], log.summary()

    log.again()
    rerun = run_playbook(playbook)
    assert rerun.task('Ensure %s' % case)['changed'] is False, log.summary()
    assert log.writes() == [], log.summary()
    assert emulator.state() == state_after_add


@pytest.mark.parametrize('case', sorted(CASES))
def test_check_mode_reports_the_same_change_as_the_real_update(emulator, run_playbook, case):
    """An existing action that differs: check mode predicts changed and writes nothing, the real run patches."""
    args = CASES[case]
    seeded = expected_fields(args)
    seeded['disabled'] = True
    if 'password' in args:
        seeded['password'] = args['password']
    stored_before = seed(emulator, [seeded])[0]
    playbook = play(action_task('Update %s' % case, **merged(args, disabled=False)))

    log = Log(emulator)
    checked = run_playbook(playbook, check=True)
    assert checked.task('Update %s' % case)['changed'] is True
    assert log.writes() == [], log.summary()
    assert stored_actions(emulator) == [stored_before]

    log.again()
    applied = run_playbook(playbook)
    assert applied.task('Update %s' % case)['changed'] is True
    patches = log.entries('PATCH')
    assert len(log.writes()) == 1 and len(patches) == 1, log.summary()
    assert patches[0]['path'] == '%s/%d' % (ACTIONS_PATH, stored_before['id'])
    assert patches[0]['body'] == {'disabled': False}, log.summary()
    stored = stored_actions(emulator)
    assert len(stored) == 1 and stored[0]['id'] == stored_before['id'] and stored[0]['disabled'] is False
