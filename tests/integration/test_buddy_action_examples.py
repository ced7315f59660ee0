# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules' EXAMPLES, run in sequence as one playbook by real ansible-playbook against the emulator.

The examples are read from each module's source (``yaml.safe_load`` of its ``EXAMPLES`` string).
Only what points at a real service is changed: the Buddy location (workspace, project, pipeline)
and the Blink workspace and workflow IDs become the emulator's, ``api_url`` its URL, and the
file one example writes a temporary file. The actions and executions the examples refer to by
ID (or that they expect to exist) are seeded first. The effects are read from the emulator.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import yaml

from buddy_helpers import ACTION_MODULE, PIPELINE, PROJECT, WS, Log, seed, stored_actions
from module_examples import examples, localise as localise_keys

BUDDY_EXAMPLES = ('buddy_action', 'buddy_action_info')
BLINK_EXAMPLES = ('blink_workflow_execute', 'blink_execution_info')
EXECUTE_MODULE = 'opsflow.pipelines.blink_workflow_execute'

# Names for the actions the examples refer to by ID (any other ID gets a generic name).
ACTION_NAMES = {321: 'Legacy upload', 456: 'Build', 789: 'Deploy to staging'}
# Actions the examples expect to exist by name: the one they recreate with another type, the one they remove.
EXISTING_BY_NAME = [{'name': 'Start preview', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'buddy/cli',
                     'inline_commands': 'bdy sandbox start preview'},
                    {'name': 'Lint (retired)', 'type': 'BUILD'}]

BLINK_WS = 'ws-emulator'
# The examples' workflow IDs -> workflows of the emulator (its default seed, or SEED_WORKFLOWS).
WORKFLOWS = {
    '6d0c2f3a-61c4-4c56-8d8a-6f2f0c9e1b22': 'wf-notify',
    '2f1e4d3c-7b6a-4e59-8c17-3d2b1a0f9e8d': 'wf-ticket',
    '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d': 'wf-scan',
    '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f': 'wf-host-scan',
    '4c3b2a19-0f8e-4d7c-9b6a-5f4e3d2c1b0a': 'wf-approval-granted',
}
SEED_WORKFLOWS = [
    {'id': 'wf-host-scan', 'name': 'Host scan', 'behaviour': {'kind': 'complete', 'output': {'findings': 0}}},
    # The default seed's wf-approval waits an hour; this one is approved at once.
    {'id': 'wf-approval-granted', 'name': 'Approval', 'behaviour': {'kind': 'complete', 'output': {'approved': True}}},
]
# The execution an example looks at by ID.
SEED_EXECUTIONS = [{'id': 'a22f642a-f4fc-4c66-b978-6f1d1008e6ae', 'playbook_id': 'wf-notify', 'state': 'Completed',
                    'started_ago': 120, 'output': {'notified': True}}]
MOTD = '/etc/motd'

EXTRA_VARS = {'registry_password': 'Reg-Pass-first-5d1e', 'new_registry_password': 'Reg-Pass-rotated-8c2a',
              'hook_token': 'hook-token-77aa'}


def localise(node, url, motd):
    """A copy of ``node`` pointed at the emulator (see the module docstring)."""
    return localise_keys(node, {'workspace': WS, 'project_name': PROJECT, 'pipeline_id': PIPELINE, 'api_url': url,
                                'workspace_id': BLINK_WS, 'workflow_id': workflow,
                                'path': lambda value: motd if value == MOTD else value})


def workflow(value):
    assert value in WORKFLOWS, 'an example runs workflow %r: map it to an emulator workflow' % value
    return WORKFLOWS[value]


def as_play(name, tasks):
    return {'name': name, 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}


def tasks_of(entries):
    """Every task in ``entries`` (plays or tasks), blocks opened, in order."""
    for entry in entries:
        if 'hosts' in entry:
            yield from tasks_of(entry.get('tasks') or [])
        elif 'block' in entry:
            for part in ('block', 'rescue', 'always'):
                yield from tasks_of(entry.get(part) or [])
        else:
            yield entry


def referenced_ids(tasks):
    found = set()
    for task in tasks:
        args = task.get(ACTION_MODULE) or task.get('opsflow.pipelines.buddy_action_info') or {}
        for key in ('action_id', 'after_action_id'):
            if isinstance(args.get(key), int):
                found.add(args[key])
    return sorted(found)


def expected_actions(action_tasks, existing):
    """name -> type (None: no such action) once every buddy_action task has run, in order."""
    by_id = dict((action['id'], dict(action)) for action in existing)
    expected = dict((action['name'], action['type']) for action in existing)
    for args in action_tasks:
        name = args.get('name')
        if isinstance(args.get('action_id'), int):
            old = by_id[args['action_id']]
            if args.get('state') == 'absent':
                expected[old['name']] = None
                continue
            if name is not None and name != old['name']:
                expected[old['name']] = None
                old['name'] = name
            expected[old['name']] = args.get('type', old['type'])
        elif args.get('state') == 'absent':
            expected[name] = None
        else:
            expected[name] = args.get('type') or expected.get(name)
    return expected


def test_every_example_runs_in_sequence_and_leaves_what_it_describes(emulator, run_playbook, ansible_env, tmp_path):
    url = ansible_env['BUDDY_API_URL']
    motd = tmp_path / 'motd'
    motd.write_text('')
    plays = []
    for module in BUDDY_EXAMPLES + BLINK_EXAMPLES:
        parsed = examples(module)
        assert isinstance(parsed, list) and parsed, module
        if all('hosts' in entry for entry in parsed):
            plays.extend(localise(parsed, url, str(motd)))
        else:
            plays.append(as_play('EXAMPLES of %s' % module, localise(parsed, url, str(motd))))
    tasks = list(tasks_of(plays))
    action_tasks = [task[ACTION_MODULE] for task in tasks if ACTION_MODULE in task]
    assert len(action_tasks) >= 10, 'the examples lost their buddy_action tasks'

    existing = seed(emulator, [dict(id=action_id, name=ACTION_NAMES.get(action_id, 'Action %d' % action_id), type='BUILD')
                               for action_id in referenced_ids(tasks)] + EXISTING_BY_NAME)
    expected_first = [args['name'] for args in action_tasks
                      if args.get('recreate') or (args.get('state') == 'absent' and 'action_id' not in args)]
    assert sorted(expected_first) == sorted(action['name'] for action in EXISTING_BY_NAME), expected_first
    emulator.seed({'blink': {'workspaces': {BLINK_WS: {'workflows': SEED_WORKFLOWS, 'executions': SEED_EXECUTIONS}}}})
    playbook = yaml.safe_dump(plays, sort_keys=False, default_flow_style=False)
    extra_vars = dict(EXTRA_VARS, buddy_token=ansible_env['BUDDY_TOKEN'], blink_api_key=ansible_env['BLINK_API_KEY'])

    log = Log(emulator)
    run = run_playbook(playbook, extra_vars=extra_vars)
    statuses = dict((entry['task'], entry['status']) for entry in run.results)
    assert 'skipped' not in statuses.values(), statuses
    # The only failure is the one an example provokes on purpose, and rescues.
    assert [task for task, status in statuses.items() if status == 'failed'] == ['Run the security scan'], statuses
    assert 'ended Failed' in run.task('Report what the scan said')['msg']
    buddy_errors = [entry for entry in log.entries() if entry['path'].startswith('/workspaces/') and entry['status'] >= 400]
    assert not buddy_errors, 'requests the server refused:\n' + log.summary()

    # Every action the examples name exists once, with its type; removed ones are gone.
    stored = stored_actions(emulator)
    for name, action_type in sorted(expected_actions(action_tasks, existing).items()):
        matches = [action for action in stored if action['name'] == name]
        if action_type is None:
            assert not matches, '%r should be gone: %r' % (name, matches)
        else:
            assert [action['type'] for action in matches] == [action_type], '%r: %r' % (name, matches)
    by_name = dict((action['name'], action) for action in stored)
    order = [action['id'] for action in stored]

    def follows(name, after_id):
        return order.index(by_name[name]['id']) == order.index(after_id) + 1

    assert follows('Smoke test', 789) and follows('Run tests', 456)
    assert follows('Wait for caches', by_name['Run tests']['id'])
    assert emulator.action_secrets(by_name['Smoke test']['id']) == {'password': EXTRA_VARS['new_registry_password']}
    assert by_name['Start preview']['id'] != existing[-2]['id']
    assert by_name['Legacy upload (disabled)']['disabled'] is True and by_name['Legacy upload (disabled)']['id'] == 321
    assert by_name['Stop previews']['trigger_time'] == 'ON_FAILURE' and by_name['Stop previews']['run_only_on_first_failure'] is True
    assert by_name['Create preview sandbox']['spec']['identifier'] == 'preview'
    assert by_name['Wait a minute']['sleep_in_sec'] == 60

    # The Blink examples: the ticket's output reached the next task, each workflow ran.
    assert 'Provisioned under SEC-1001' in motd.read_text()
    executions = emulator.state()['blink']['workspaces'][BLINK_WS]['executions'].values()
    ran = sorted(set(execution['playbook_id'] for execution in executions))
    assert ran == sorted(set(WORKFLOWS.values())), ran
    count_before = len(executions)

    # Again: the Buddy examples change nothing but the secrets they send on every run, the host scan
    # is reused (dedupe_window), the workflows without it run again.
    log.again()
    again = run_playbook(playbook, extra_vars=extra_vars)
    action_titles = set(task['name'] for task in tasks if ACTION_MODULE in task)
    changed_actions = sorted(entry['task'] for entry in again.results
                             if entry['task'] in action_titles and entry['result'].get('changed'))
    rotating = [task['name'] for task in tasks if task.get(ACTION_MODULE, {}).get('update_password') == 'always']
    assert changed_actions == sorted(rotating), changed_actions
    assert [entry['body'] for entry in log.writes() if entry['path'].startswith('/workspaces/')] == [
        {'password': EXTRA_VARS['new_registry_password']}], log.summary()
    executions = emulator.state()['blink']['workspaces'][BLINK_WS]['executions'].values()
    assert [execution['playbook_id'] for execution in executions].count('wf-host-scan') == 1
    assert len(executions) == count_before + sum(1 for task in tasks if EXECUTE_MODULE in task) - 1
