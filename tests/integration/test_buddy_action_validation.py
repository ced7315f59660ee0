# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action input errors: each fails with a message naming the option, before any request."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

from buddy_helpers import LOCATION, Log, action_task, assert_absent_from, info_task, merged, play, seed, stored_actions

# Passed as an extra var: ansible-core shows the playbook lines around a failed task, and a
# literal in the playbook would show up there whatever the module does.
SECRET_VARS = {'fields_secret': 'Fields-Pass-0c1e'}
BLACKFIRE = {'type': 'BLACKFIRE_PYTHON', 'execute_commands': ['blackfire run python app.py'], 'version': '3.12',
             'integration': 'blackfire-main'}

# (title, options, words the message must hold). Each case gets its own pipeline id (100 + index),
# so a request that slips out names the case that sent it.
CASES = [
    ('missing required options of BLACKFIRE_PYTHON',
     {'name': 'Profile', 'type': 'BLACKFIRE_PYTHON', 'execute_commands': ['x']}, ['version', 'integration']),
    ('missing targets of SANDBOX_MANAGE', {'name': 'Stop', 'type': 'SANDBOX_MANAGE', 'operation': 'STOP'}, ['targets']),
    ('SANDBOX_CREATE from SCRATCH without spec', {'name': 'Sandbox', 'type': 'SANDBOX_CREATE', 'from': 'SCRATCH'}, ['spec']),
    ('SANDBOX_CREATE from SNAPSHOT without snapshot_name', {'name': 'Sandbox', 'type': 'SANDBOX_CREATE',
                                                            'from': 'SNAPSHOT'}, ['snapshot_name']),
    ('option foreign to the type', {'name': 'Stop', 'type': 'SANDBOX_MANAGE', 'operation': 'STOP',
                                    'targets': [{'identifier': 'a'}], 'docker_image_name': 'python'},
     ['docker_image_name', 'SANDBOX_MANAGE']),
    ('option of another type on BLACKFIRE_PYTHON', merged(BLACKFIRE, name='Profile', operation='START'),
     ['operation', 'BLACKFIRE_PYTHON']),
    ('bad enum value', {'name': 'Stop', 'type': 'SANDBOX_MANAGE', 'operation': 'REBOOT',
                        'targets': [{'identifier': 'a'}]}, ['operation', 'REBOOT']),
    ('enum value the type does not allow', merged(BLACKFIRE, name='Profile', shell='POWERSHELL'), ['shell', 'POWERSHELL']),
    ('bad nested enum value', {'name': 'Sandbox', 'type': 'SANDBOX_CREATE', 'from': 'SCRATCH',
                               'spec': {'name': 'x', 'os': 'debian:12'}}, ['os', 'debian:12']),
    ('bad enum of a common option', merged(BLACKFIRE, name='Profile', trigger_time='SOMETIMES'), ['trigger_time', 'SOMETIMES']),
    ('fields repeating a modelled option', merged(BLACKFIRE, name='Profile', fields={'execute_commands': ['y']}),
     ['execute_commands', 'fields']),
    ('fields holding the password', {'name': 'Run', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python',
                                     'fields': {'password': '{{ fields_secret }}'}}, ['password', 'fields']),
    ('fields holding the type', {'name': 'Wait', 'type': 'SLEEP', 'fields': {'type': 'BUILD'}}, ['type', 'fields']),
    ('present without a name', {'type': 'SLEEP', 'action_id': 5}, ['name']),
    ('run_only_on_first_failure without ON_FAILURE',
     merged(BLACKFIRE, name='Profile', trigger_time='ON_SUCCESS', run_only_on_first_failure=True),
     ['run_only_on_first_failure', 'ON_FAILURE']),
    ('spec identifier with a bad character', {'name': 'Sandbox', 'type': 'SANDBOX_CREATE', 'from': 'SCRATCH',
                                              'spec': {'name': 'x', 'identifier': 'bad id!'}}, ['identifier']),
    ('project_name made of dots', {'name': 'Wait', 'type': 'SLEEP', 'project_name': '..'}, ['project_name']),
    # fields holding what an option owns: it would skip the option's checks, or reach the server as a field.
    ('fields holding an option of the type', {'name': 'Stop', 'type': 'SANDBOX_MANAGE', 'targets': [{'identifier': 'a'}],
                                              'fields': {'operation': 'REBOOT'}}, ['fields', 'operation', 'SANDBOX_MANAGE']),
    ('fields holding a common field', {'name': 'Wait', 'type': 'SLEEP', 'fields': {'trigger_time': 'SOMETIMES'}},
     ['fields', 'trigger_time', 'option']),
    ('fields holding a module option', {'name': 'Wait', 'type': 'SLEEP', 'fields': {'action_id': 5}},
     ['fields', 'action_id', 'option']),
    # what the server refuses (400) must fail before it is sent
    ('SANDBOX_CREATE without from', {'name': 'Sandbox', 'type': 'SANDBOX_CREATE', 'spec': {'name': 'x'}}, ['from']),
    ('RUN_DOCKER_CONTAINER without an image', {'name': 'Run', 'type': 'RUN_DOCKER_CONTAINER', 'execute_commands': ['ls']},
     ['docker_image_name', 'image_location']),
    ('RUN_DOCKER_CONTAINER image from an action without the action', {'name': 'Run', 'type': 'RUN_DOCKER_CONTAINER',
                                                                      'image_location': 'ACTION'},
     ['docker_build_action_id', 'docker_build_action_name']),
    ('RUN_DOCKER_CONTAINER image from the package registry without the package',
     {'name': 'Run', 'type': 'RUN_DOCKER_CONTAINER', 'image_location': 'PACKAGE_REGISTRY'}, ['package']),
    ('pipeline_id zero', {'name': 'Wait', 'type': 'SLEEP', 'pipeline_id': 0}, ['pipeline_id', '0']),
    ('pipeline_id negative', {'name': 'Wait', 'type': 'SLEEP', 'pipeline_id': -1, 'state': 'absent'},
     ['pipeline_id', '-1']),
]


def test_each_input_error_fails_naming_the_option_before_any_request(emulator, run_playbook):
    tasks = []
    for index, (title, options, _words) in enumerate(CASES):
        args = merged(options)
        args.setdefault('pipeline_id', 100 + index)
        tasks.append(action_task(title, register=None, keywords={'ignore_errors': True}, **args))
    log = Log(emulator)
    run = run_playbook(play(*tasks), extra_vars=SECRET_VARS)
    assert log.entries() == [], 'requests were sent (pipeline 100+N is case N):\n' + log.summary()
    for title, _options, words in CASES:
        assert run.status(title) == 'failed', '%s did not fail: %r' % (title, run.task(title))
        message = run.task(title)['msg']
        for word in words:
            assert word in message, '%s: %r not in message %r' % (title, word, message)
    assert_absent_from(SECRET_VARS['fields_secret'], run.output, json.dumps(run.results))


def test_input_errors_fail_before_any_request_in_check_mode_too(emulator, run_playbook):
    tasks = [action_task(title, register=None, keywords={'ignore_errors': True}, **merged({'pipeline_id': 100 + index}, **options))
             for index, (title, options, _words) in enumerate(CASES)]
    log = Log(emulator)
    run = run_playbook(play(*tasks), check=True, extra_vars=SECRET_VARS)
    assert log.entries() == [], log.summary()
    assert all(run.status(title) == 'failed' for title, _o, _w in CASES)


def test_missing_type_on_create_fails_after_the_look_up_only(emulator, run_playbook):
    seeded = seed(emulator, [{'name': 'Checkout', 'type': 'GIT_CHECKOUT'}])
    log = Log(emulator)
    run = run_playbook(play(action_task('No type', name='Brand new', fields={'sleep_in_sec': 3})), expect=2)
    message = run.task('No type')['msg']
    assert 'type' in message and 'Brand new' in message, message
    # Whether the action is new can only be known by looking: reads, and nothing else.
    assert log.entries() and all(entry['method'] == 'GET' for entry in log.entries()), log.summary()
    assert stored_actions(emulator) == seeded


def test_duplicate_names_of_different_types_fail_listing_their_ids(emulator, run_playbook):
    # (Twins of one type converge instead: test_client_trust.py.)
    seeded = seed(emulator, [{'name': 'Deploy', 'type': 'BUILD'}, {'name': 'Other', 'type': 'BUILD'},
                             {'name': 'Deploy', 'type': 'SLACK'}])
    for state in ('present', 'absent'):
        log = Log(emulator)
        run = run_playbook(play(action_task('Ambiguous', name='Deploy', type='BUILD', state=state,
                                            fields={'comment': 'x'})), expect=2)
        message = run.task('Ambiguous')['msg']
        for action in (seeded[0], seeded[2]):
            assert re.search(r'\b%d\b' % action['id'], message), message
        assert 'action_id' in message, message
        assert all(entry['method'] == 'GET' for entry in log.entries()), log.summary()
        assert stored_actions(emulator) == seeded


def test_info_with_a_pipeline_id_below_one_fails_before_any_request(emulator, run_playbook):
    tasks = [info_task('Info of pipeline %d' % pipeline_id, register=None, keywords={'ignore_errors': True},
                       **merged(LOCATION, pipeline_id=pipeline_id)) for pipeline_id in (0, -2)]
    log = Log(emulator)
    run = run_playbook(play(*tasks))
    assert log.entries() == [], log.summary()
    for pipeline_id in (0, -2):
        title = 'Info of pipeline %d' % pipeline_id
        assert run.status(title) == 'failed'
        assert 'pipeline_id' in run.task(title)['msg'] and str(pipeline_id) in run.task(title)['msg']


def test_fields_holding_an_option_of_the_existing_type_fail_after_the_look_up_only(emulator, run_playbook):
    seeded = seed(emulator, [{'name': 'Stop', 'type': 'SANDBOX_MANAGE', 'operation': 'STOP', 'targets': [{'identifier': 'a'}]}])
    playbook = play(action_task('Sneak an operation in', name='Stop', fields={'operation': 'REBOOT'}))
    for check in (True, False):
        log = Log(emulator)
        run = run_playbook(playbook, check=check, expect=2)
        message = run.task('Sneak an operation in')['msg']
        assert 'fields' in message and 'operation' in message and 'SANDBOX_MANAGE' in message, message
        assert log.entries() and log.writes() == [], log.summary()
        assert stored_actions(emulator) == seeded
