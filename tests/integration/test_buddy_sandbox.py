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


def seed_running(emulator, **extra):
    """One settled RUNNING sandbox review-1 (setup done), seeded directly."""
    item = {'workspace': WS, 'project_name': PROJECT, 'identifier': 'review-1', 'name': 'Review 1',
            'os': 'ubuntu:24.04', 'apps': ['serve'], 'first_boot_commands': 'apt-get update'}
    item.update(extra)
    emulator.seed({'sandboxes': [item]})
    return stored(emulator)


def test_stop_start_restart_absent_each_rerun_writes_nothing(emulator, run_playbook):
    box = seed_running(emulator)
    get_box = 'GET /workspaces/acme/sandboxes/%s' % box['id']
    look_up = ['GET /workspaces/acme/identifiers', get_box]
    steps = [
        # (state, first run: writes, re-run: requests)
        ('stopped', ['POST /workspaces/acme/sandboxes/%s/stop' % box['id']], look_up),
        ('started', ['POST /workspaces/acme/sandboxes/%s/start' % box['id']], look_up),
        ('present', [], look_up),
    ]
    for state, writes, rerun_calls in steps:
        log = Log(emulator)
        first = run_playbook(play(task('To %s' % state, identifier='review-1', state=state, poll_interval=0.2)))
        assert ['%s %s' % (entry['method'], entry['path']) for entry in log.writes()] == writes, log.summary()
        assert first.task('To %s' % state)['changed'] is bool(writes)
        expected = {'stopped': 'STOPPED', 'started': 'RUNNING', 'present': 'RUNNING'}[state]
        assert stored(emulator)['status'] == expected and first.task('To %s' % state)['sandbox']['status'] == expected
        log.again()
        again = run_playbook(play(task('Again %s' % state, identifier='review-1', state=state, poll_interval=0.2)))
        assert again.task('Again %s' % state)['changed'] is False
        assert log.calls() == rerun_calls, log.summary()

    log = Log(emulator)
    restarted = run_playbook(play(task('Restart', identifier='review-1', state='restarted', poll_interval=0.2)))
    assert restarted.task('Restart')['changed'] and restarted.task('Restart')['actions'] == ['restart']
    assert [entry['path'] for entry in log.writes()] == ['/workspaces/acme/sandboxes/%s/restart' % box['id']]
    assert restarted.task('Restart')['sandbox']['status'] == 'RUNNING'

    log.again()
    gone = run_playbook(play(task('Remove', identifier='review-1', state='absent')), check=True)
    assert gone.task('Remove')['changed'] and log.writes() == [] and stored(emulator) is not None
    gone = run_playbook(play(task('Remove', identifier='review-1', state='absent')))
    assert gone.task('Remove')['changed'] and stored(emulator) is None
    log.again()
    again = run_playbook(play(task('Remove again', identifier='review-1', state='absent')))
    assert again.task('Remove again')['changed'] is False
    # The identifiers endpoint names no sandbox: the list is read to be sure, nothing written.
    assert log.calls() == ['GET /workspaces/acme/identifiers', 'GET /workspaces/acme/sandboxes']


def test_os_change_fails_naming_recreate_then_recreates(emulator, run_playbook):
    box = seed_running(emulator)
    log = Log(emulator)
    refused = run_playbook(play(task('New OS', identifier='review-1', os='ubuntu:22.04')), expect=2)
    result = refused.task('New OS')
    assert 'recreate' in result['msg'] and 'os' in result['msg'] and result['fields'] == ['os']
    assert log.writes() == [] and stored(emulator)['id'] == box['id']

    log.again()
    checked = run_playbook(play(task('New OS', identifier='review-1', os='ubuntu:22.04', recreate=True)), check=True)
    assert checked.task('New OS')['changed'] and checked.task('New OS')['actions'] == ['delete', 'create']
    assert log.writes() == []

    recreated = run_playbook(play(task('New OS', identifier='review-1', os='ubuntu:22.04', recreate=True,
                                       poll_interval=0.2)))
    result = recreated.task('New OS')
    new = stored(emulator)
    assert result['changed'] and result['actions'] == ['delete', 'create']
    assert new['id'] != box['id'] and new['os'] == 'ubuntu:22.04' and new['status'] == 'RUNNING'
    assert [entry['method'] for entry in log.writes()] == ['DELETE', 'POST']
    # The settings the task does not set come from the sandbox it replaces.
    assert log.writes()[1]['body'] == {'name': 'Review 1', 'identifier': 'review-1', 'os': 'ubuntu:22.04',
                                       'first_boot_commands': 'apt-get update', 'apps': ['serve'],
                                       'resources': '2x4', 'timeout': 3600}

    log.again()
    again = run_playbook(play(task('New OS', identifier='review-1', os='ubuntu:22.04', recreate=True)))
    assert again.task('New OS')['changed'] is False and log.writes() == []


def test_first_boot_commands_change_needs_recreate_and_setup_failure_carries_the_logs(emulator, run_playbook):
    seed_running(emulator)
    refused = run_playbook(play(task('New setup', identifier='review-1', first_boot_commands='make setup')), expect=2)
    assert 'first_boot_commands' in refused.task('New setup')['msg'] and 'recreate' in refused.task('New setup')['msg']

    log = Log(emulator)
    failed = run_playbook(play(task('Broken setup', **spec(identifier='broken', first_boot_commands='echo one\nexit 4')),
                               ), expect=2)
    result = failed.task('Broken setup')
    assert 'setup FAILED' in result['msg'] and "Command 'exit 4' exited with code 4" in result['msg']
    assert result['boot_logs'][-2:] == ['Setup failed.', 'Sandbox started.'] and result['changed'] is True
    assert stored(emulator, 'broken')['setup_status'] == 'FAILED'
    assert [entry['method'] for entry in log.writes()] == ['POST']
    assert_absent_from(SECRET, failed.output)


def test_a_sandbox_that_fails_to_boot_and_a_wait_that_runs_out(emulator, run_playbook):
    emulator.seed({'sandbox_settings': {'fail_boot': ['dead']}})
    failed = run_playbook(play(task('Dead', identifier='dead', os='ubuntu:24.04', poll_interval=0.2)), expect=2)
    assert 'is FAILED' in failed.task('Dead')['msg'] and 'did not come up' in failed.task('Dead')['msg']
    # A boot that lasts longer than wait_timeout: the task fails saying so, the sandbox stays created.
    emulator.seed({'run_settings': {'sandbox_boot': 3600}})
    slow = run_playbook(play(task('Slow', identifier='slow', os='ubuntu:24.04', wait_timeout=1, poll_interval=0.2)),
                        expect=2)
    result = slow.task('Slow')
    assert 'did not end within wait_timeout (1 s' in result['msg'] and result['changed'] is True
    assert stored(emulator, 'slow')['status'] == 'STARTING'


def test_create_that_commits_and_never_answers_leaves_one_sandbox(emulator, run_playbook):
    emulator.add_fault(kind='hang_after_commit', method='POST', path=r'/sandboxes$', delay=5)
    log = Log(emulator)
    run = run_playbook(play(task('Create with a hang', request_timeout=2, **spec())))
    result = run.task('Create with a hang')
    posts = log.entries('POST', r'/sandboxes$')
    assert [(entry['status'], entry['fault']) for entry in posts] == [(201, 'hang_after_commit')], log.summary()
    assert result['changed'] is True and result['sandbox']['id'] == stored(emulator)['id']
    assert len(emulator.state()['sandboxes']) == 1 and 'WARNING' in run.output
    log.again()
    again = run_playbook(play(task('Create with a hang', **spec())))
    assert again.task('Create with a hang')['changed'] is False and log.writes() == []


def test_snapshot_create_reuse_restore_by_name_delete(emulator, run_playbook):
    box = seed_running(emulator, tags=['golden'])
    emulator.seed({'sandbox_settings': {'snapshot_status': 200}})  # a docs example answers 200, the SDK 201
    snap = dict(sandbox='review-1', name='golden', poll_interval=0.2)
    log = Log(emulator)
    checked = run_playbook(play(task('Snapshot', module=SNAPSHOT_MODULE, **snap)), check=True)
    assert checked.task('Snapshot')['changed'] and log.writes() == []
    first = run_playbook(play(task('Snapshot', module=SNAPSHOT_MODULE, **snap)))
    snapshot = first.task('Snapshot')['snapshot']
    assert first.task('Snapshot')['changed'] and snapshot['status'] == 'CREATED' and snapshot['name'] == 'golden'
    assert [(entry['method'], entry['body'], entry['status']) for entry in log.writes()] == [
        ('POST', {'name': 'golden'}, 200)]

    log.again()
    reuse = run_playbook(play(task('Snapshot', module=SNAPSHOT_MODULE, **snap)))
    assert reuse.task('Snapshot')['changed'] is False and reuse.task('Snapshot')['snapshot']['id'] == snapshot['id']
    assert log.calls() == ['GET /workspaces/acme/identifiers', 'GET /workspaces/acme/sandboxes/%s' % box['id'],
                           'GET /workspaces/acme/sandboxes/%s/snapshots' % box['id']]

    log.again()
    restored = run_playbook(play(task('Restore', identifier='copy-1', poll_interval=0.2, source_sandbox='review-1',
                                      snapshot_name='golden', keywords=None, **{'from': 'snapshot'})))
    restored_box = stored(emulator, 'copy-1')
    assert restored.task('Restore')['changed'] and restored_box['snapshot_id'] == snapshot['id']
    assert restored_box['tags'] == ['golden'] and restored_box['status'] == 'RUNNING'
    posted = log.entries('POST', r'/sandboxes$')[0]['body']
    assert posted == {'name': 'copy-1', 'identifier': 'copy-1', 'snapshot_id': snapshot['id']}

    log.again()
    clone = run_playbook(play(task('Clone', identifier='clone-1', source_sandbox='review-1', tags=['clone'],
                                   poll_interval=0.2, **{'from': 'sandbox'})))
    assert clone.task('Clone')['changed'] and stored(emulator, 'clone-1')['tags'] == ['clone']
    assert [(entry['method'], entry['body']) for entry in log.writes()] == [
        ('POST', {'name': 'clone-1', 'identifier': 'clone-1', 'source_sandbox_id': box['id']}),
        ('PATCH', {'tags': ['clone']})]

    log.again()
    gone = run_playbook(play(task('Drop', module=SNAPSHOT_MODULE, state='absent', **snap)))
    assert gone.task('Drop')['changed'] and gone.task('Drop')['snapshots_deleted'] == 1
    assert stored(emulator)['snapshots'] == []
    log.again()
    again = run_playbook(play(task('Drop', module=SNAPSHOT_MODULE, state='absent', **snap)))
    assert again.task('Drop')['changed'] is False and log.writes() == []


def test_old_shape_no_identifiers_endpoint_and_urls_inside_http(emulator, run_playbook):
    """The pre-2026 shape, the identifiers endpoint missing, endpoint_url inside http: the same outcome."""
    emulator.seed({'sandbox_settings': {'shape': 'pre2026', 'identifiers': 'missing', 'endpoint_url': 'http',
                                        'action_status': 201}})
    box = seed_running(emulator, endpoints=[{'name': 'web', 'endpoint': '8080'}])
    log = Log(emulator)
    outcome = run_playbook(play(task('Old', identifier='review-1', state='started', apps=['serve'],
                                     first_boot_commands='apt-get update', wait_for=['running', 'configured', 'apps'],
                                     poll_interval=0.2)))
    result = outcome.task('Old')
    assert result['changed'] is False and log.writes() == []
    sandbox = result['sandbox']
    assert sandbox['apps'] == [{'command': 'serve', 'app_status': 'RUNNING'}] and sandbox['setup_status'] == 'SUCCESS'
    assert sandbox['endpoints'][0]['endpoint_url'] == 'https://web-review-1.sandbox.emulator.local'
    # identifiers answered 404, so the list was read and matched; its entries are short (the public record),
    # so the match is read in full.
    assert log.calls() == ['GET /workspaces/acme/identifiers', 'GET /workspaces/acme/sandboxes',
                           'GET /workspaces/acme/sandboxes/%s' % box['id']]

    log.again()
    stopped = run_playbook(play(task('Stop', identifier='review-1', state='stopped', poll_interval=0.2)))
    assert stopped.task('Stop')['changed'] and stored(emulator)['status'] == 'STOPPED'
    assert [entry['status'] for entry in log.writes()] == [201]
    assert box['id'] == stored(emulator)['id']


def test_workspace_level_sandbox_and_bad_input_before_any_request(emulator, run_playbook):
    log = Log(emulator)
    ssh = [{'name': 'ssh', 'endpoint': '22', 'type': 'SSH', 'region': 'AS'}]
    outcome = run_playbook(play(task('Loose', project_name=None, identifier='loose', os='ubuntu:24.04', endpoints=ssh,
                                     poll_interval=0.2)))
    assert outcome.task('Loose')['changed']
    loose = [box for box in emulator.state()['sandboxes'].values() if box['identifier'] == 'loose']
    assert len(loose) == 1 and loose[0]['_project'] is None
    assert (loose[0]['endpoints'][0]['type'], loose[0]['endpoints'][0]['region']) == ('SSH', 'AS')
    assert log.entries('POST', r'/sandboxes$')[0]['query'] == {}
    log.again()
    again = run_playbook(play(task('Loose', project_name=None, identifier='loose', os='ubuntu:24.04', endpoints=ssh)))
    assert again.task('Loose')['changed'] is False and log.writes() == []

    log.again()
    bad = run_playbook(play(
        task('Bad identifier', identifier='-bad', os='ubuntu:24.04', keywords={'ignore_errors': True}),
        task('Snapshot without source', identifier='x', snapshot_name='golden', keywords={'ignore_errors': True},
             **{'from': 'snapshot'}),
        task('No os', identifier='fresh', keywords={'ignore_errors': True}),
        task('Zero timeout', identifier='x', wait_timeout=0, keywords={'ignore_errors': True}),
    ))
    assert 'identifier' in bad.task('Bad identifier')['msg']
    assert 'source_sandbox' in bad.task('Snapshot without source')['msg']
    assert 'os is required' in bad.task('No os')['msg']
    assert 'wait_timeout' in bad.task('Zero timeout')['msg']
    # "No os" is only known once the look-up found no sandbox: two reads, never a write.
    assert log.writes() == [] and len(log.entries()) == 2, log.summary()
