# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The EXAMPLES of buddy_pipeline_run and buddy_pipeline_execution, run by real ansible-playbook against the emulator.

Read from each module's source as test_buddy_action_examples.py does. Only what points at a real service
changes: the workspace and project become the emulator's, the examples' pipeline IDs become seeded pipelines
(42: a build pipeline, 7: tests that fail, 43: a deploy behind an approval) and the run IDs the examples name
(17, 18) become runs the test started. The effects are read from the emulator.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import yaml

from buddy_helpers import Log
from module_examples import examples, localise as localise_keys

PIPELINES = {42: 1, 7: 2, 43: 3}
BUILD_PIPELINE = [
    {'id': 1001, 'name': 'Create sandbox', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python',
     'execute_commands': ['echo $SANDBOX_ID']},
    {'id': 1002, 'name': 'Run tests', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python',
     'execute_commands': ['pytest -q']},
]
TESTS_PIPELINE = [{'name': 'Run tests', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python',
                   'execute_commands': ['pytest -q', 'exit 1']}]
DEPLOY_PIPELINE = [{'name': 'Approve the deploy', 'type': 'WAIT_FOR_APPLY', 'comment': 'Deploy?'},
                   {'name': 'Deploy', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'python',
                    'execute_commands': ['./deploy']}]


def localise(node, runs):
    return localise_keys(node, {'workspace': 'acme', 'project_name': 'website', 'pipeline_id': PIPELINES.__getitem__,
                                'execution_id': runs.__getitem__}, fix=fast_polls)


def fast_polls(task):
    """The run modules' tasks poll every 0.2 s (the examples' own intervals are for real runs)."""
    for module in [key for key in task if key.startswith('opsflow.pipelines.buddy_pipeline_')][:1]:
        task[module] = dict(task[module], poll_interval=0.2)
    return task


def play(tasks, **play_vars):
    return yaml.safe_dump([{'name': 'examples', 'hosts': 'localhost', 'gather_facts': False,
                            'vars': dict(vault_api_token='Vault-Token-9d1c', **play_vars), 'tasks': tasks}],
                          sort_keys=False)


def runs_of(emulator, pipeline_id):
    return sorted((record for record in emulator.state()['executions'].values() if record['_pipeline_id'] == pipeline_id),
                  key=lambda record: record['id'])


def test_the_run_and_execution_examples_run_against_the_emulator(emulator, run_playbook):
    emulator.seed({'workspaces': {'acme': {'projects': {'website': {'pipelines': {
        '1': {'actions': copy.deepcopy(BUILD_PIPELINE)},
        '2': {'actions': copy.deepcopy(TESTS_PIPELINE)},
        '3': {'name': 'Deploy', 'concurrent_pipeline_runs': True, 'actions': copy.deepcopy(DEPLOY_PIPELINE)}}}}}}})
    log = Log(emulator)
    outcome = run_playbook(play(localise(examples('buddy_pipeline_run'), {})))
    assert outcome.task('Show where to look')['msg'].startswith('Run ')
    assert "Run tests ended FAILED:" in outcome.task('Report')['msg'] and 'exit 1' in outcome.task('Report')['msg']
    assert outcome.task('Run a pipeline with an approval step, approving it here')['approved'] == ['Approve the deploy']
    assert 'Vault-Token-9d1c' not in outcome.output
    assert [entry['body']['operation'] for entry in log.entries('PATCH')] == ['APPLY']
    build_runs = runs_of(emulator, 1)
    assert [record['actions_to_run'] for record in build_runs] == [None, [1001, 1002], None]
    (failed,) = runs_of(emulator, 2)
    assert failed['status'] == 'FAILED'

    # The runs the execution examples name: 17 waits for approval, 18 failed (and its action is fixed now).
    waiting = run_playbook(play([{'name': 'Start a deploy', 'register': 'started', 'opsflow.pipelines.buddy_pipeline_run': {
        'workspace': 'acme', 'project_name': 'website', 'pipeline_id': 3, 'wait': False}}])).task('Start a deploy')
    tests = list(emulator.actions('acme', 'website', 2))[0]
    emulator.seed_actions('acme', 'website', 2, [dict(tests, execute_commands=['pytest -q'])])
    log.again()
    outcome = run_playbook(play(localise(examples('buddy_pipeline_execution'),
                                         {17: waiting['execution_id'], 18: failed['id']})))
    assert outcome.task('Approve the deploy step of a run and wait for the run to end')['operations'] == ['APPLY']
    assert outcome.task('Retry a failed run (nothing is sent when it did not fail)')['status'] == 'SUCCESSFUL'
    assert outcome.task('Wait for the newest run of the pipeline, whoever started it')['execution_id'] == build_runs[-1]['id']
    assert outcome.task('Cancel the newest run if it is still going')['changed'] is False
    assert outcome.task("Only look at a run's status")['status'] == 'SUCCESSFUL'
    assert [entry['body']['operation'] for entry in log.writes()] == ['APPLY', 'RETRY']
    assert runs_of(emulator, 2)[0]['status'] == 'SUCCESSFUL'
