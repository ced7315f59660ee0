# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/vars/example.yml works as shipped against the emulator seeded with tests/emulator/seeds/example.json.

The playbooks run by their collection names, the way the README and the guides tell a new user to:
``ansible-playbook opsflow.pipelines.sandbox_provision -e @playbooks/vars/example.yml``. Effects are read
from the emulator's own state and request log.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_VARS = os.path.join(REPO_ROOT, 'playbooks', 'vars', 'example.yml')
SEED = os.path.join(REPO_ROOT, 'tests', 'emulator', 'seeds', 'example.json')
WITH_EMULATOR = os.path.join(REPO_ROOT, 'tests', 'emulator', 'with_emulator.py')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
PREFIX = '[opsflow] '


def example():
    with open(EXAMPLE_VARS, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def seed():
    with open(SEED, encoding='utf-8') as handle:
        return json.load(handle)


def run_fqcn(ansible_env, playbook):
    """ansible-playbook <collection playbook> -e @playbooks/vars/example.yml, from the repository root."""
    completed = subprocess.run([ANSIBLE_PLAYBOOK, playbook, '-e', '@' + EXAMPLE_VARS], cwd=REPO_ROOT,
                               env=ansible_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stdout
    return completed.stdout


def sandboxes(emulator, project):
    return dict((box['identifier'], box) for box in emulator.state().get('sandboxes', {}).values()
                if box['_project'] == project)


def runs(emulator, project, pipeline_id):
    records = [record for record in emulator.state().get('executions', {}).values()
               if record['_project'] == project and record['_pipeline_id'] == pipeline_id]
    return sorted(records, key=lambda record: record['id'])


def refused(requests):
    return [(entry['method'], entry['path'], entry['status']) for entry in requests
            if entry['status'] is None or entry['status'] >= 400]


def test_seed_holds_what_the_example_names():
    values, data = example(), seed()
    workspace = data['workspaces'][values['sandbox_provision_workspace']]
    project = workspace['projects'][values['sandbox_provision_project_name']]
    assert str(values['sandbox_provision_pipeline_id']) in project['pipelines']
    assert values['sandbox_pipeline_blackfire_integration'] in workspace['integrations']
    blink = data['blink']['workspaces'][values['sandbox_provision_blink_workspace_id']]
    assert values['sandbox_provision_blink_workflow_id'] in [workflow['id'] for workflow in blink['workflows']]


def test_example_vars_provision_rerun_and_teardown(emulator, ansible_env):
    values = example()
    workspace = values['sandbox_provision_workspace']
    project = values['sandbox_provision_project_name']
    pipeline_id = values['sandbox_provision_pipeline_id']
    identifier = values['sandbox_provision_sandbox_identifier']
    emulator.reset(seed())

    output = run_fqcn(ansible_env, 'opsflow.pipelines.sandbox_provision')
    assert refused(emulator.requests()) == []

    actions = emulator.actions(workspace, project, pipeline_id)
    assert [action['name'] for action in actions] == [
        PREFIX + 'Create sandbox', PREFIX + 'Start apps', PREFIX + 'Run tests', PREFIX + 'Profile with Blackfire',
        PREFIX + 'Create snapshot']
    spec = actions[0]['spec']
    assert spec['identifier'] == identifier and spec['name'] == values['sandbox_pipeline_spec']['name']
    assert [endpoint['region'] for endpoint in spec['endpoints']] == ['EU']
    assert actions[2]['execute_commands'] == values['sandbox_pipeline_test_commands']
    assert actions[3]['integration']['identifier'] == values['sandbox_pipeline_blackfire_integration']

    (record,) = runs(emulator, project, pipeline_id)
    assert record['status'] == 'SUCCESSFUL' and record['branch']['name'] == values['sandbox_provision_branch']
    box = sandboxes(emulator, project)[identifier]
    assert box['status'] == 'RUNNING' and box['tags'] == ['review'] and box['app_dir'] == '/app'
    assert [snapshot['status'] for snapshot in box['snapshots']] == ['CREATED']

    blink = emulator.state()['blink']['workspaces'][values['sandbox_provision_blink_workspace_id']]
    (execution,) = blink['executions'].values()
    assert execution['playbook_id'] == values['sandbox_provision_blink_workflow_id']
    assert execution['state'] == 'Completed'
    assert execution['inputs']['team'] == 'web' and execution['inputs']['sandbox_identifier'] == identifier
    assert 'Sandbox %s: RUNNING' % identifier in output

    # The same command again: reads only, nothing runs, BlinkOps is not told again.
    emulator.clear_requests()
    again = run_fqcn(ansible_env, 'opsflow.pipelines.sandbox_provision')
    assert emulator.writes() == [] and refused(emulator.requests()) == []
    assert len(runs(emulator, project, pipeline_id)) == 1 and len(blink['executions']) == 1
    assert 'changed=0' in again

    # The teardown playbook takes the same file: DELETE, and the flow's actions are kept.
    emulator.clear_requests()
    run_fqcn(ansible_env, 'opsflow.pipelines.sandbox_teardown')
    assert identifier not in sandboxes(emulator, project)
    assert [action['name'] for action in emulator.actions(workspace, project, pipeline_id)] == [
        action['name'] for action in actions]
    assert [record['status'] for record in runs(emulator, project, pipeline_id)] == ['SUCCESSFUL', 'SUCCESSFUL']


def test_with_emulator_command_of_the_docs(tmp_path):
    """The README's command, as written: with_emulator.py starts its own emulator with the example seed."""
    log_file = tmp_path / 'requests.json'
    env = dict((name, value) for name, value in os.environ.items()
               if not name.startswith(('BUDDY_', 'BLINK_', 'OPSFLOW_')))
    env.update({'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-local')})
    completed = subprocess.run(
        [sys.executable, WITH_EMULATOR, '--seed', SEED, '--keep-log', str(log_file), '--',
         'ansible-playbook', 'opsflow.pipelines.sandbox_provision', '-e', '@playbooks/vars/example.yml'],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
        timeout=600, check=False)
    assert completed.returncode == 0, completed.stdout
    requests = json.loads(log_file.read_text())
    assert refused(requests) == []
    runs_started = [entry for entry in requests if entry['method'] == 'POST'
                    and entry['path'] == '/workspaces/my-company/projects/website/pipelines/42/executions']
    assert len(runs_started) == 1 and runs_started[0]['body']['branch'] == {'name': 'feature-login'}
    executed = [entry for entry in requests if entry['method'] == 'POST' and entry['path'].startswith(
        '/api/v1/workspace/7f0c1d2e-0000-4000-8000-000000000001/playbooks/9a8b7c6d-0000-4000-8000-000000000002/')]
    assert len(executed) == 1
    assert 'Sandbox review-feature-login: RUNNING' in completed.stdout
