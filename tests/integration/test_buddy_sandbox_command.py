# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox_command for real: commands really run in the emulated sandbox's directory.

Effects are checked on disk (the emulator's per-sandbox directory, from its state) and in its
request log; the command's output is compared with what the process really wrote.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ast
import os
import re

import pytest
import yaml

from buddy_helpers import Log, action_task

WS = 'acme'
PROJECT = 'website'
MODULE = 'opsflow.pipelines.buddy_sandbox_command'


def seed(emulator, **settings):
    specs = [{'workspace': WS, 'project_name': PROJECT, 'name': 'Web', 'identifier': 'web', 'tags': ['app']},
             {'workspace': WS, 'project_name': PROJECT, 'name': 'Off', 'identifier': 'off', 'status': 'STOPPED'}]
    emulator.seed({'sandboxes': specs})
    if settings:
        emulator.seed({'sandbox_command_settings': settings})
    return dict((box['identifier'], box['id']) for box in emulator.state()['sandboxes'].values())


def home_of(emulator, sandbox_id):
    """The sandbox user's HOME on disk (the emulator creates it on first use)."""
    return emulator.state()['sandbox_workdirs'][sandbox_id]


def task(title, register=None, keywords=None, **args):
    params = dict({'workspace': WS, 'project_name': PROJECT, 'sandbox': 'web'}, **args)
    return action_task(title, register, MODULE, location=False, keywords=keywords, **params)


def play(*tasks):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': list(tasks)}], sort_keys=False)


def test_success_failure_and_output(emulator, run_playbook):
    ids = seed(emulator)
    log = Log(emulator)
    outcome = run_playbook(play(
        task('Write', command='printf "one\\ntwo\\n"; echo oops >&2; echo data > marker.txt'),
        task('Python', runtime='PYTHON', command='import os\nprint(os.environ["HOME"])'),
        task('Fail', command='echo before; exit 3', keywords={'ignore_errors': True}),
        task('Count', command='seq 1 100000; echo done >&2'),
    ))
    home = home_of(emulator, ids['web'])
    written = outcome.task('Write')
    assert (written['rc'], written['status'], written['changed']) == (0, 'SUCCESSFUL', True)
    assert written['stdout'] == 'one\ntwo\n' and written['stdout_lines'] == ['one', 'two']
    assert written['stderr_lines'] == ['oops']
    with open(os.path.join(home, 'marker.txt')) as handle:
        assert handle.read() == 'data\n'
    assert outcome.task('Python')['stdout_lines'] == [home]
    failed = outcome.task('Fail')
    assert outcome.status('Fail') == 'failed' and failed['rc'] == 3 and failed['stdout_lines'] == ['before']
    assert 'exit code 3' in failed['msg'] and failed['status'] == 'FAILED'
    # The default logs shape (a JSON line per output line) gives back a large output complete.
    counted = outcome.task('Count')
    assert counted['stdout'] == ''.join('%d\n' % number for number in range(1, 100001))
    assert len(counted['stdout_lines']) == 100000 and counted['stderr'] == 'done\n'
    # One POST per command; the output is read once per command, after it ended.
    assert len(log.entries('POST', r'/commands$')) == 4
    assert len(log.entries('GET', r'/commands/[^/]+/logs$')) == 4
    # The sandbox is looked up once per task (identifiers endpoint or list: the sandboxes client's choice).
    assert not log.entries('GET', r'/sandboxes/[^/]+/content')


def test_creates_removes_and_check_mode(emulator, run_playbook):
    ids = seed(emulator)
    log = Log(emulator)
    emulator_home = None
    first = run_playbook(play(task('Touch', command='touch made.txt')))
    emulator_home = home_of(emulator, ids['web'])
    made = os.path.join(emulator_home, 'made.txt')
    assert os.path.exists(made) and first.task('Touch')['changed']
    log.again()
    tasks = play(
        task('Creates', command='echo ran > creates-ran.txt', creates=made),
        task('Removes', command='echo ran > removes-ran.txt', removes=made + '.missing'),
        task('Would run', command='echo ran > check-ran.txt', creates=made + '.missing',
             keywords={'check_mode': True}),
    )
    outcome = run_playbook(tasks)
    assert [outcome.task(name)['changed'] for name in ('Creates', 'Removes', 'Would run')] == [False, False, True]
    assert outcome.task('Creates')['status'] == 'SKIPPED'
    assert not any(os.path.exists(os.path.join(emulator_home, name))
                   for name in ('creates-ran.txt', 'removes-ran.txt', 'check-ran.txt'))
    assert len(log.entries('POST', r'/commands$')) == 0
    assert len(log.entries('GET', r'/content/')) == 3


@pytest.mark.parametrize('logs_format', ['chunks', 'array'])
def test_large_output_in_the_other_log_shapes(emulator, run_playbook, logs_format):
    """The other output shapes facts-v2 allows for the logs endpoint give back the same, complete output."""
    seed(emulator, logs_format=logs_format)
    outcome = run_playbook(play(task('Count', register='count', command='seq 1 100000; echo done >&2')))
    result = outcome.task('Count')
    assert result['stdout_lines'] == [str(number) for number in range(1, 100001)]
    assert result['stdout'] == ''.join('%d\n' % number for number in range(1, 100001))
    assert result['stderr'] == 'done\n'


def test_stopped_and_missing_sandboxes_fail_clearly(emulator, run_playbook):
    seed(emulator)
    log = Log(emulator)
    outcome = run_playbook(play(
        task('Stopped', sandbox='off', command='true', keywords={'ignore_errors': True}),
        task('Missing', sandbox='nope', command='true', keywords={'ignore_errors': True}),
        task('Relative', command='true', creates='relative/path', keywords={'ignore_errors': True}),
    ))
    stopped = outcome.task('Stopped')
    assert outcome.status('Stopped') == 'failed' and "'off' is STOPPED, not RUNNING" in stopped['msg'] and 'state: started' in stopped['msg']
    missing = outcome.task('Missing')
    assert outcome.status('Missing') == 'failed' and "no sandbox with identifier 'nope' in project 'website'" in missing['msg']
    relative = outcome.task('Relative')
    assert outcome.status('Relative') == 'failed' and 'must be absolute' in relative['msg']
    assert len(log.entries('POST')) == 0
    # Nothing reached a sandbox: only look-ups.
    assert not log.entries(path=r'/sandboxes/[^/]+/(commands|content)')


def test_examples_run_against_the_emulator(emulator, run_playbook):
    """The module's EXAMPLES as one playbook (the first again at the end: skipped by ``creates``); only where the
    sandbox is changes: the workspace, and paths under /buddy go to the emulated sandbox's home."""
    source = open(os.path.join(os.path.dirname(__file__), '..', '..', 'plugins', 'modules',
                               'buddy_sandbox_command.py')).read()
    examples_text = ast.literal_eval(re.search(r"EXAMPLES = (r'''.*?''')", source, re.DOTALL).group(1))
    emulator.seed({'sandboxes': [{'workspace': WS, 'project_name': PROJECT, 'name': 'Review', 'identifier': 'review-123'}]})
    state = emulator.state()
    sandbox_id = [box['id'] for box in state['sandboxes'].values()][0]
    home = os.path.join(state['sandbox_root'], sandbox_id, 'buddy')
    tasks = yaml.safe_load(examples_text.replace('my-company', WS).replace('/buddy/', home + '/'))
    tasks.append(dict(tasks[0], name='Again'))
    outcome = run_playbook(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}],
                                          sort_keys=False))
    with open(os.path.join(home, 'app', '.secret-key')) as handle:
        assert re.match(r'^[0-9a-f]{64}$', handle.read().strip())
    assert re.match(r'^3\.\d+', outcome.task('Show it')['msg'])
    assert outcome.task('Report it')['msg'].startswith('health check exit code ')
    assert outcome.task('Again')['changed'] is False and outcome.task('Again')['status'] == 'SKIPPED'
