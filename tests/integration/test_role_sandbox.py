# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sandbox roles and playbooks, run for real with ansible-playbook against the emulator.

Effects are read back from the emulator's own state (actions, sandboxes, runs, BlinkOps
executions) and request log, never from the roles' output alone.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json
import os
import re
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROVISION = os.path.join(REPO_ROOT, 'playbooks', 'sandbox_provision.yml')
TEARDOWN = os.path.join(REPO_ROOT, 'playbooks', 'sandbox_teardown.yml')
PIPELINE_ROLE = 'role_sandbox_pipeline.yml'
PIPELINE_REMOVE = 'role_sandbox_pipeline_remove.yml'

WS = 'acme'
PROJECT = 'website'
PREFIX = '[opsflow] '
ACTIONS = r'/workspaces/acme/projects/website/pipelines/1/actions'
PIPELINE_PATH = r'/workspaces/acme/projects/website/pipelines/1'
EXECUTIONS = r'/workspaces/acme/projects/website/pipelines/1/executions$'
BLINK_EXECUTE = r'/api/v1/workspace/ws-emulator/playbooks/wf-notify/execute'
REGISTRY_PASSWORD = 'Reg-Pass-7f3c91'

CREATE = PREFIX + 'Create sandbox'
APP_START = PREFIX + 'Start apps'
TESTS = PREFIX + 'Run tests'
BLACKFIRE = PREFIX + 'Profile with Blackfire'
SNAPSHOT = PREFIX + 'Create snapshot'
STOP = PREFIX + 'Stop sandbox'
TEARDOWN_ACTION = PREFIX + 'Tear down sandbox'

# Tasks of the sandbox_pipeline role that write pipeline configuration.
FLOW_TASK = 'Sandbox flow of the pipeline'
PRUNE_TASK = 'Remove managed actions that are not part of the flow'

UNMANAGED = [
    {'name': 'Checkout', 'type': 'GIT_CHECKOUT'},
    {'name': 'Notify team', 'type': 'SLACK', 'content': 'done'},
]

BASE_VARS = {
    'sandbox_provision_workspace': WS,
    'sandbox_provision_project_name': PROJECT,
    'sandbox_provision_pipeline_id': 1,
    'sandbox_provision_branch': 'main',
    'sandbox_provision_sandbox_identifier': 'review-main',
    'sandbox_provision_poll_interval': 0.2,
    'sandbox_provision_blink_workspace_id': 'ws-emulator',
    'sandbox_provision_blink_workflow_id': 'wf-notify',
    'sandbox_provision_blink_poll_interval': 0.2,
    'sandbox_pipeline_spec': {
        'os': 'ubuntu:24.04',
        'apps': ['python3 -m http.server 8080'],
        'endpoints': [{'name': 'web', 'endpoint': '8080', 'type': 'HTTP'}],
    },
    'sandbox_pipeline_test_image': 'library/python',
    'sandbox_pipeline_test_image_tag': '3.12',
    'sandbox_pipeline_test_commands': ['python3 -m pytest -q'],
    'sandbox_pipeline_blackfire_integration': 'blackfire-1',
    'sandbox_pipeline_blackfire_commands': ['blackfire run python3 app.py'],
}


def provision_vars(**overrides):
    values = copy.deepcopy(BASE_VARS)
    values.update(overrides)
    return values


def pipeline_vars(**overrides):
    values = {
        'sandbox_pipeline_workspace': WS,
        'sandbox_pipeline_project_name': PROJECT,
        'sandbox_pipeline_pipeline_id': 1,
        'sandbox_pipeline_sandbox_identifier': 'review-main',
        'sandbox_pipeline_spec': {'apps': ['./serve']},
        'sandbox_pipeline_test_image': 'library/python',
        'sandbox_pipeline_test_commands': ['pytest'],
    }
    values.update(overrides)
    return values


def stored(emulator, pipeline_id=1):
    return emulator.actions(WS, PROJECT, pipeline_id)


def names(emulator, pipeline_id=1):
    return [action['name'] for action in stored(emulator, pipeline_id)]


def by_name(emulator, name, pipeline_id=1):
    matches = [action for action in stored(emulator, pipeline_id) if action['name'] == name]
    assert len(matches) == 1, (name, names(emulator, pipeline_id))
    return matches[0]


def sandboxes(emulator):
    return dict((box['identifier'], box) for box in emulator.state().get('sandboxes', {}).values()
                if box['_project'] == PROJECT)


def runs(emulator, pipeline_id=1):
    records = [record for record in emulator.state().get('executions', {}).values()
               if record['_project'] == PROJECT and record['_pipeline_id'] == pipeline_id]
    return sorted(records, key=lambda record: record['id'])


def blink_executions(emulator):
    workspace = emulator.state()['blink']['workspaces']['ws-emulator']
    return sorted(workspace['executions'].values(), key=lambda execution: execution['id'])


def changed_config_tasks(run):
    """Names of the managed actions the run changed (or would change): the one flow task's, and removed ones."""
    names = []
    for entry in run.results:
        task = entry['task'].split(' : ')[-1]
        if task == FLOW_TASK and entry['result'].get('changed'):
            changes = entry['result']['changes']
            names.extend(changes['added'] + changes['updated'] + changes['moved'] + changes['recreated'])
        elif task == PRUNE_TASK:
            names.extend(item['item']['name'] for item in entry['result'].get('results', []) if item.get('changed'))
    return names


def result_fact(run, task, fact):
    return run.task(task)['ansible_facts'][fact]


def seed_unmanaged(emulator, pipeline_id=1):
    emulator.seed_actions(WS, PROJECT, pipeline_id, copy.deepcopy(UNMANAGED))
    return copy.deepcopy(stored(emulator, pipeline_id))


# --- provision -------------------------------------------------------------------------------------------


def test_provision_from_scratch(emulator, run_playbook):
    before = seed_unmanaged(emulator)
    run = run_playbook(PROVISION, extra_vars=provision_vars(sandbox_pipeline_create_snapshot=True))

    # The flow sits after the existing actions, in order; the actions the role does not manage are untouched.
    assert names(emulator) == ['Checkout', 'Notify team', CREATE, APP_START, TESTS, BLACKFIRE, SNAPSHOT]
    assert [action for action in stored(emulator) if not action['name'].startswith(PREFIX)] == [
        dict(action, last_execution_status='SUCCESSFUL') for action in before]
    create = by_name(emulator, CREATE)
    assert create['type'] == 'SANDBOX_CREATE' and create['from'] == 'SCRATCH'
    assert create['spec']['identifier'] == 'review-main' and create['update_if_exists'] is True
    app_start = by_name(emulator, APP_START)
    assert app_start['operation'] == 'APP_START'
    assert app_start['targets'] == [{'identifier': 'review-main', 'scope': 'PROJECT', 'type': 'MATCH'}]
    assert by_name(emulator, TESTS)['docker_image_name'] == 'library/python'
    assert by_name(emulator, BLACKFIRE)['integration']['identifier'] == 'blackfire-1'
    snapshot = by_name(emulator, SNAPSHOT)
    assert snapshot['operation'] == 'CREATE_SNAPSHOT' and snapshot['snapshot_name'] == 'review-main-$BUDDY_RUN_ID'

    # One run, on the branch, that succeeded; the sandbox is up with its endpoint; BlinkOps was told.
    assert emulator.count('POST', EXECUTIONS) == 1
    (record,) = runs(emulator)
    assert record['status'] == 'SUCCESSFUL' and record['branch']['name'] == 'main'
    box = sandboxes(emulator)['review-main']
    assert box['status'] == 'RUNNING' and box['snapshots'][0]['name'] == 'review-main-%s' % record['id']
    (execution,) = blink_executions(emulator)
    inputs = execution['inputs']
    assert inputs['sandbox_identifier'] == 'review-main' and inputs['sandbox_id'] == box['id']
    assert inputs['sandbox_status'] == 'RUNNING' and inputs['run_status'] == 'SUCCESSFUL'
    assert inputs['run_url'].endswith('/pipelines/pipeline/1/execution/%s' % record['id'])
    assert inputs['endpoints'] == {'web': 'https://web-review-main.sandbox.emulator.local'}

    result = result_fact(run, 'opsflow.pipelines.sandbox_provision : Record the result', 'sandbox_provision_result')
    assert result['sandbox']['id'] == box['id'] and result['sandbox']['status'] == 'RUNNING'
    assert result['run']['ran'] is True and result['run']['status'] == 'SUCCESSFUL'
    assert result['endpoints'] == [{'name': 'web', 'type': 'HTTP', 'url': inputs['endpoints']['web']}]
    assert result['blink']['state'] == 'Completed'
    summary = '\n'.join(run.task('opsflow.pipelines.sandbox_provision : Summary')['msg'])
    assert 'Sandbox review-main: RUNNING' in summary and inputs['endpoints']['web'] in summary
    assert 'Run: #%s SUCCESSFUL' % record['id'] in summary
    assert inputs['endpoints']['web'] in run.stdout


def test_rerun_changes_nothing(emulator, run_playbook):
    seed_unmanaged(emulator)
    values = provision_vars(sandbox_pipeline_create_snapshot=True)
    run_playbook(PROVISION, extra_vars=values)
    state_after_first = stored(emulator)
    emulator.clear_requests()

    again = run_playbook(PROVISION, extra_vars=values)
    assert again.changed_tasks() == []
    assert emulator.writes() == []
    assert stored(emulator) == state_after_first
    assert len(runs(emulator)) == 1 and len(blink_executions(emulator)) == 1
    # Reads only. The pipeline part is one buddy_pipeline task: the pipeline (by id) and its action list
    # (7 actions: one page, then the empty page that ends a list without totals) = 3 requests; then the
    # sandbox: one listing, whose entries are short (the public record, the emulator's default), and one
    # full read. Action lists with short entries (--list-view short) cost one full read per compared action.
    managed = 5
    short = emulator.config()['list_view'] == 'short'
    assert emulator.count('GET', PIPELINE_PATH + r'$') == 1
    assert emulator.count('GET', ACTIONS + r'$') == 2
    assert emulator.count('GET', ACTIONS + r'/\d+$') == (managed if short else 0)
    assert emulator.count('GET', r'^/workspaces/acme/sandboxes$') == 1
    assert emulator.count('GET', r'^/workspaces/acme/sandboxes/') == 1
    pipeline_part = [entry for entry in emulator.requests()
                     if re.match(PIPELINE_PATH + r'(/actions(/\d+)?)?$', entry['path'])]
    assert len(pipeline_part) == 3 + (managed if short else 0)
    assert all(entry['method'] == 'GET' for entry in emulator.requests())
    summary = '\n'.join(again.task('opsflow.pipelines.sandbox_provision : Summary')['msg'])
    assert 'flow unchanged' in summary and 'Run: not needed' in summary


def test_run_always_reruns_without_changing_configuration(emulator, run_playbook):
    values = provision_vars(sandbox_provision_run='always')
    run_playbook(PROVISION, extra_vars=values)
    emulator.clear_requests()
    again = run_playbook(PROVISION, extra_vars=values)
    assert changed_config_tasks(again) == []
    assert emulator.writes(path=ACTIONS) == []
    assert emulator.count('POST', EXECUTIONS) == 1 and len(runs(emulator)) == 2
    assert emulator.count('POST', BLINK_EXECUTE) == 1


def test_changing_the_test_image_updates_only_that_action(emulator, run_playbook):
    seed_unmanaged(emulator)
    run_playbook(PROVISION, extra_vars=provision_vars())
    before = dict((action['id'], action) for action in stored(emulator))
    tests_id = by_name(emulator, TESTS)['id']
    emulator.clear_requests()

    changed = run_playbook(PROVISION, extra_vars=provision_vars(sandbox_pipeline_test_image='library/pypy'))
    assert changed_config_tasks(changed) == [TESTS]
    action_writes = emulator.writes(path=ACTIONS)
    assert [(entry['method'], entry['path']) for entry in action_writes] == [
        ('PATCH', '/workspaces/acme/projects/website/pipelines/1/actions/%d' % tests_id)]
    assert action_writes[0]['body'] == {'docker_image_name': 'library/pypy'}
    after = dict((action['id'], action) for action in stored(emulator))
    assert sorted(after) == sorted(before)
    for action_id, action in after.items():
        if action_id != tests_id:
            assert action == dict(before[action_id], last_execution_status=action['last_execution_status'])
    assert after[tests_id]['docker_image_name'] == 'library/pypy'
    # The flow changed, so the pipeline ran again and BlinkOps heard of it.
    assert len(runs(emulator)) == 2 and len(blink_executions(emulator)) == 2
    summary = '\n'.join(changed.task('opsflow.pipelines.sandbox_provision : Summary')['msg'])
    assert 'flow changed (set %s)' % TESTS in summary


def test_failing_test_command_fails_naming_the_action(emulator, run_playbook):
    values = provision_vars(sandbox_pipeline_test_commands=['python3 -m pytest -q', 'exit 1'])
    failed = run_playbook(PROVISION, extra_vars=values, expect=2)
    message = failed.task('opsflow.pipelines.sandbox_provision : Fail, naming the action that failed')['msg']
    (record,) = runs(emulator)
    tests_id = by_name(emulator, TESTS)['id']
    assert record['status'] == 'FAILED'
    assert message.startswith('Provisioning sandbox review-main failed: pipeline run %s ended FAILED at action %r'
                              % (record['id'], TESTS)), message
    assert '(RUN_DOCKER_CONTAINER, id %d)' % tests_id in message and "exit 1" in message
    assert message in failed.stdout
    # Nothing after the failed action ran, and BlinkOps was not told.
    assert blink_executions(emulator) == []
    assert by_name(emulator, TESTS)['last_execution_status'] == 'FAILED'
    result = failed.task('opsflow.pipelines.sandbox_provision : Record the failed run')['ansible_facts']
    assert result['sandbox_provision_result']['run']['failed_action']['name'] == TESTS

    # The next provisioning sees the failed action and runs again (the configuration is the same).
    emulator.clear_requests()
    again = run_playbook(PROVISION, extra_vars=values, expect=2)
    assert changed_config_tasks(again) == [] and emulator.writes(path=ACTIONS) == []
    assert len(runs(emulator)) == 2
    reasons = again.task('opsflow.pipelines.sandbox_provision : Record the failed run')['ansible_facts'][
        'sandbox_provision_result']['run']['reasons']
    assert 'the last run of action %s did not succeed' % TESTS in reasons, reasons
    assert not [reason for reason in reasons if 'flow changed' in reason], reasons


def test_provision_from_a_snapshot(emulator, run_playbook):
    run_playbook(PROVISION, extra_vars=provision_vars(sandbox_provision_sandbox_identifier='golden',
                                                      sandbox_pipeline_create_snapshot=True,
                                                      sandbox_pipeline_create_snapshot_name='golden-base',
                                                      sandbox_provision_blink_workflow_id=None))
    golden = sandboxes(emulator)['golden']
    assert [snapshot['name'] for snapshot in golden['snapshots']] == ['golden-base']

    values = provision_vars(sandbox_provision_pipeline_id=2, sandbox_provision_sandbox_identifier='from-golden',
                            sandbox_pipeline_from='SNAPSHOT', sandbox_pipeline_source_snapshot='golden-base',
                            sandbox_pipeline_spec={})
    run = run_playbook(PROVISION, extra_vars=values)
    create = by_name(emulator, CREATE, pipeline_id=2)
    assert create['from'] == 'SNAPSHOT' and create['snapshot_name'] == 'golden-base'
    assert create['spec']['identifier'] == 'from-golden'
    box = sandboxes(emulator)['from-golden']
    assert box['snapshot_id'] == golden['snapshots'][0]['id'] and box['status'] == 'RUNNING'
    # Restored from the snapshot: the golden sandbox's apps and endpoints came with it.
    assert [app['command'] for app in box['apps']] == ['python3 -m http.server 8080']
    assert [endpoint['name'] for endpoint in box['endpoints']] == ['web']
    result = result_fact(run, 'opsflow.pipelines.sandbox_provision : Record the result', 'sandbox_provision_result')
    assert result['sandbox']['id'] == box['id'] and result['run']['status'] == 'SUCCESSFUL'
    assert len(runs(emulator, pipeline_id=2)) == 1 and len(runs(emulator, pipeline_id=1)) == 1


def test_check_mode_writes_nothing(emulator, run_playbook):
    seed_unmanaged(emulator)
    seeded = stored(emulator)
    checked = run_playbook(PROVISION, extra_vars=provision_vars(), check=True, diff=True)
    assert emulator.writes() == []
    assert stored(emulator) == seeded and sandboxes(emulator) == {} and runs(emulator) == []
    assert blink_executions(emulator) == []
    assert sorted(changed_config_tasks(checked)) == sorted([CREATE, APP_START, TESTS, BLACKFIRE])
    summary = '\n'.join(checked.task('opsflow.pipelines.sandbox_provision : Summary')['msg'])
    assert 'Run: would start (check mode)' in summary and 'does not exist (check mode' in summary
    assert 'BlinkOps: would execute workflow wf-notify (check mode)' in summary

    # After a real run, check mode of a changed input reports that one action and still writes nothing.
    run_playbook(PROVISION, extra_vars=provision_vars())
    emulator.clear_requests()
    configured = stored(emulator)
    checked = run_playbook(PROVISION, extra_vars=provision_vars(sandbox_pipeline_test_image_tag='3.13'), check=True)
    assert emulator.writes() == [] and stored(emulator) == configured and len(runs(emulator)) == 1
    assert changed_config_tasks(checked) == [TESTS]


def test_registry_password_is_sent_but_never_shown(emulator, run_playbook):
    values = provision_vars(sandbox_pipeline_test_image_location='PRIVATE_REGISTRY',
                            sandbox_pipeline_test_docker_registry='OTHER',
                            sandbox_pipeline_test_registry='registry.example.test',
                            sandbox_pipeline_test_registry_login='ci',
                            sandbox_pipeline_test_registry_password=REGISTRY_PASSWORD)
    run = run_playbook(PROVISION, extra_vars=values, verbosity=3)
    assert emulator.action_secrets(by_name(emulator, TESTS)['id']) == {'password': REGISTRY_PASSWORD}
    assert REGISTRY_PASSWORD not in run.output
    assert REGISTRY_PASSWORD not in json.dumps(run.results)


# --- sandbox_pipeline on its own ----------------------------------------------------------------------


def test_pipeline_role_restores_order_removes_unwanted_and_keeps_unmanaged(emulator, run_playbook):
    emulator.seed_actions(WS, PROJECT, 1, [
        {'name': 'Checkout', 'type': 'GIT_CHECKOUT'},
        {'name': TESTS, 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'library/python',
         'execute_commands': ['pytest']},
        {'name': 'Build', 'type': 'BUILD'},
        {'name': STOP, 'type': 'SANDBOX_MANAGE', 'operation': 'STOP',
         'targets': [{'identifier': 'review-main'}]},
        {'name': CREATE, 'type': 'SANDBOX_CREATE', 'from': 'SCRATCH',
         'spec': {'identifier': 'review-main', 'apps': ['./serve']}},
        {'name': 'Notify', 'type': 'SLACK'},
    ])
    unmanaged = dict((action['name'], action) for action in stored(emulator) if not action['name'].startswith(PREFIX))
    tests_id = by_name(emulator, TESTS)['id']
    create_id = by_name(emulator, CREATE)['id']

    run = run_playbook(PIPELINE_ROLE, extra_vars=pipeline_vars())
    # The stop action is no longer wanted; the flow is create -> start apps -> tests, one after the other,
    # starting where the create action already was; the other actions keep their relative order.
    assert names(emulator) == ['Checkout', 'Build', CREATE, APP_START, TESTS, 'Notify']
    assert by_name(emulator, TESTS)['id'] == tests_id and by_name(emulator, CREATE)['id'] == create_id
    for name, action in unmanaged.items():
        assert by_name(emulator, name) == action
    result = result_fact(run, 'opsflow.pipelines.sandbox_pipeline : Record the flow\'s actions',
                         'sandbox_pipeline_result')
    assert result['removed_actions'] == [STOP] and result['changed'] is True
    assert [action['name'] for action in result['actions']] == [CREATE, APP_START, TESTS]

    emulator.clear_requests()
    again = run_playbook(PIPELINE_ROLE, extra_vars=pipeline_vars())
    assert again.changed_tasks() == [] and emulator.writes() == []

    # Dropping the tests removes exactly that action; placing the flow after Checkout moves it there.
    checkout_id = by_name(emulator, 'Checkout')['id']
    run_playbook(PIPELINE_ROLE, extra_vars=pipeline_vars(sandbox_pipeline_test_image=None,
                                                         sandbox_pipeline_after_action_id=checkout_id))
    assert names(emulator) == ['Checkout', CREATE, APP_START, 'Build', 'Notify']
    assert emulator.count('DELETE', ACTIONS + r'/%d$' % tests_id) == 1


def test_pipeline_role_custom_prefix_leaves_default_prefixed_actions_alone(emulator, run_playbook):
    emulator.seed_actions(WS, PROJECT, 1, [{'name': STOP, 'type': 'SANDBOX_MANAGE', 'operation': 'STOP',
                                            'targets': [{'identifier': 'other'}]}])
    run_playbook(PIPELINE_ROLE, extra_vars=pipeline_vars(sandbox_pipeline_name_prefix='[team-a] '))
    assert names(emulator) == [STOP, '[team-a] Create sandbox', '[team-a] Start apps', '[team-a] Run tests']

    run_playbook(PIPELINE_REMOVE, extra_vars={'sandbox_pipeline_workspace': WS, 'sandbox_pipeline_project_name': PROJECT,
                                              'sandbox_pipeline_pipeline_id': 1,
                                              'sandbox_pipeline_name_prefix': '[team-a] '})
    assert names(emulator) == [STOP]


# --- teardown ----------------------------------------------------------------------------------------------


def test_teardown_deletes_the_sandbox_and_removes_the_flow(emulator, run_playbook):
    seed_unmanaged(emulator)
    values = provision_vars()
    run_playbook(PROVISION, extra_vars=values)
    assert 'review-main' in sandboxes(emulator)
    emulator.clear_requests()

    teardown_vars = dict(values, sandbox_teardown_remove_actions=True, sandbox_teardown_poll_interval=0.2)
    run = run_playbook(TEARDOWN, extra_vars=teardown_vars)
    assert 'review-main' not in sandboxes(emulator)
    # The sandbox went through a run of one transient SANDBOX_MANAGE DELETE action, which is gone again.
    (added,) = emulator.find('POST', ACTIONS + r'$')
    assert added['body']['name'] == TEARDOWN_ACTION and added['body']['operation'] == 'DELETE'
    assert added['body']['targets'] == [{'identifier': 'review-main', 'scope': 'PROJECT', 'type': 'MATCH'}]
    assert len(runs(emulator)) == 2
    record = runs(emulator)[-1]
    (ran,) = [entry for entry in record['action_executions'] if entry['status'] != 'SKIPPED']
    assert ran['status'] == 'SUCCESSFUL' and ran['action']['name'] == TEARDOWN_ACTION
    assert record['status'] == 'SUCCESSFUL' and record['actions_to_run'] == [ran['action']['id']]
    assert emulator.count('DELETE', ACTIONS + r'/%d$' % ran['action']['id']) == 1
    assert names(emulator) == ['Checkout', 'Notify team']
    result = result_fact(run, 'opsflow.pipelines.sandbox_teardown : Record the result', 'sandbox_teardown_result')
    assert result['status_before'] == 'RUNNING' and result['status_after'] is None
    assert sorted(result['removed_actions']) == sorted([CREATE, APP_START, TESTS, BLACKFIRE])

    emulator.clear_requests()
    again = run_playbook(TEARDOWN, extra_vars=teardown_vars)
    assert again.changed_tasks() == [] and emulator.writes() == [] and len(runs(emulator)) == 2


def test_teardown_stop_keeps_the_flow_and_check_mode_writes_nothing(emulator, run_playbook):
    values = provision_vars(sandbox_provision_blink_workflow_id=None)
    run_playbook(PROVISION, extra_vars=values)
    flow = stored(emulator)
    teardown_vars = dict(values, sandbox_teardown_operation='STOP', sandbox_teardown_poll_interval=0.2)
    emulator.clear_requests()

    run_playbook(TEARDOWN, extra_vars=teardown_vars, check=True)
    assert emulator.writes() == [] and sandboxes(emulator)['review-main']['status'] == 'RUNNING'

    run_playbook(TEARDOWN, extra_vars=teardown_vars)
    assert sandboxes(emulator)['review-main']['status'] == 'STOPPED'
    assert [action['name'] for action in stored(emulator)] == [action['name'] for action in flow]
    record = runs(emulator)[-1]
    assert len(record['actions_to_run']) == 1
    assert [entry['status'] for entry in record['action_executions'] if entry['status'] != 'SKIPPED'] == ['SUCCESSFUL']

    # A stopped sandbox is "not RUNNING": provisioning again runs the flow, which starts it.
    run_playbook(PROVISION, extra_vars=values)
    assert sandboxes(emulator)['review-main']['status'] == 'RUNNING'


# --- input checks and lint ---------------------------------------------------------------------------------


def test_argument_specs_reject_bad_input_before_any_request(emulator, run_playbook):
    cases = [
        (provision_vars(sandbox_provision_pipeline_id='first'),
         "sandbox_provision_pipeline_id"),
        (dict((key, value) for key, value in provision_vars().items() if key != 'sandbox_provision_workspace'),
         'missing required arguments: sandbox_provision_workspace'),
        (provision_vars(sandbox_provision_run='sometimes'),
         'value of sandbox_provision_run must be one of: auto, always, never, got: sometimes'),
        (provision_vars(sandbox_pipeline_from='CLOUD'),
         'value of sandbox_pipeline_from must be one of: SCRATCH, SNAPSHOT, SANDBOX, got: CLOUD'),
        (provision_vars(sandbox_pipeline_from='SNAPSHOT'),
         'sandbox_pipeline_source_snapshot is required when sandbox_pipeline_from is SNAPSHOT'),
        (provision_vars(sandbox_pipeline_test_commands=[]),
         'sandbox_pipeline_test_commands may not be empty when sandbox_pipeline_test_image is set'),
        (provision_vars(sandbox_provision_sandbox_identifier='review main'),
         "sandbox_provision_sandbox_identifier may contain only letters, digits, _ and - (got 'review main')"),
    ]
    for values, expected in cases:
        emulator.clear_requests()
        run = run_playbook(PROVISION, extra_vars=values, expect=2)
        assert expected in run.output, (expected, run.output)
        # The argument specs and the roles' own checks run before any API call.
        assert emulator.requests() == [], (expected, emulator.requests())


def test_roles_and_playbooks_pass_ansible_lint_production_profile():
    lint = os.path.join(os.path.dirname(sys.executable), 'ansible-lint')
    targets = ['roles/sandbox_pipeline', 'roles/sandbox_provision', 'roles/sandbox_teardown',
               'playbooks/sandbox_provision.yml', 'playbooks/sandbox_teardown.yml', 'playbooks/demo.yml']
    completed = subprocess.run([lint, '--profile', 'production', '--nocolor', '-p'] + targets, cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                               timeout=600, check=False)
    assert completed.returncode == 0, completed.stdout
