# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox and buddy_sandbox_snapshot for real (ansible-playbook against the emulator).

Effects are read from the emulator's state and request log. Time: the emulator's clock moves
sandboxes on (boot 0.2 s by default); a test that needs a sandbox to stay put sets a long
``run_settings`` duration instead of sleeping, and no assertion depends on how fast anything runs.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from buddy_helpers import Log, assert_absent_from

WS = 'acme'
PROJECT = 'website'
MODULE = 'opsflow.pipelines.buddy_sandbox'
SNAPSHOT_MODULE = 'opsflow.pipelines.buddy_sandbox_snapshot'
SANDBOXES = r'^/workspaces/acme/sandboxes'
SECRET = 'Sb-Secret-91f2'

SPEC = {
    'identifier': 'review-1',
    'name': 'Review 1',
    'os': 'ubuntu:24.04',
    'resources': '2x4',
    'first_boot_commands': 'apt-get update',
    'apps': ['python3 -m http.server 8080'],
    'tags': ['review'],
    'endpoints': [{'name': 'web', 'endpoint': '8080'}],
    'variables': [{'key': 'API_KEY', 'value': SECRET, 'encrypted': True}, {'key': 'MODE', 'value': 'review'}],
    'poll_interval': 0.2,
}


def task(title, module=MODULE, register='result', keywords=None, **args):
    params = {'workspace': WS, 'project_name': PROJECT}
    params.update(args)
    params = dict((key, value) for key, value in params.items() if value is not None)
    entry = {'name': title, module: params, 'register': register}
    entry.update(keywords or {})
    return entry


def play(*tasks):
    return yaml.safe_dump([{'name': 'sandbox', 'hosts': 'localhost', 'gather_facts': False, 'tasks': list(tasks)}],
                          sort_keys=False)


def spec(**changes):
    values = dict(SPEC)
    values.update(changes)
    return values


def stored(emulator, identifier='review-1'):
    found = [box for box in emulator.state()['sandboxes'].values()
             if box['identifier'] == identifier and box['_project'] == PROJECT]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_create_then_no_change_then_one_patch_in_check_and_diff(emulator, run_playbook):
    log = Log(emulator)
    first = run_playbook(play(task('Create', state='started', **spec())), diff=True)
    created = first.task('Create')
    box = stored(emulator)
    assert created['changed'] and created['actions'] == ['create']
    assert (box['status'], box['setup_status']) == ('RUNNING', 'SUCCESS')
    assert created['sandbox']['status'] == 'RUNNING' and created['sandbox']['setup_status'] == 'SUCCESS'
    assert created['sandbox']['endpoints'][0]['endpoint_url'] == 'https://web-review-1.sandbox.emulator.local'
    assert created['sandbox']['variables'][0]['value'] == '********'
    assert box['variables'][0]['_plain'] == SECRET and box['variables'][0]['value'].startswith('secure!')
    assert [entry['method'] for entry in log.writes()] == ['POST']
    assert log.entries('POST', SANDBOXES)[0]['query'] == {'project_name': PROJECT}
    assert_absent_from(SECRET, first.output)

    log.again()
    again = run_playbook(play(task('Again', state='started', **spec())))
    assert not again.task('Again')['changed'] and again.task('Again')['actions'] == []
    # identifiers endpoint + one GET, nothing written.
    assert log.calls() == ['GET /workspaces/acme/identifiers', 'GET /workspaces/acme/sandboxes/%s' % box['id']]

    log.again()
    checked = run_playbook(play(task('Resize', **spec(resources='4x8'))), check=True, diff=True)
    assert checked.task('Resize')['changed'] and checked.task('Resize')['diff'] == {
        'before': {'resources': '2x4'}, 'after': {'resources': '4x8'}}
    assert log.writes() == [] and stored(emulator)['resources'] == '2x4'

    log.again()
    resized = run_playbook(play(task('Resize', **spec(resources='4x8'))))
    assert resized.task('Resize')['changed'] and resized.task('Resize')['actions'] == ['update']
    patches = log.writes()
    assert [(entry['method'], entry['body']) for entry in patches] == [('PATCH', {'resources': '4x8'})]
    assert stored(emulator)['resources'] == '4x8'
