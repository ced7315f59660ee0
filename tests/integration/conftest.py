# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures for integration tests: one emulator per session, real ansible-playbook runs.

Every test starts from the emulator's default seed with an empty request log, runs
playbooks with ``run_playbook`` and checks effects through ``emulator`` (the
emulator's own state and request log), never through the module under test.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from emulator.control import EmulatorControl, EmulatorProcess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(HERE, 'playbooks')

BUDDY_TOKEN = 'emulator-buddy-token'
BLINK_KEY = 'emulator-blink-key'


def pytest_addoption(parser):
    parser.addoption('--shard', metavar='K/N', default=None,
                     help='run only the K-th of N shares of the collected tests (sorted by test id, every N-th '
                          'from the K-th); tests marked every_core run in every share. The Makefile splits the '
                          'middle ansible-core versions\' integration suites this way.')


def shard_of(value):
    """``'2/3'`` -> ``(2, 3)``; anything else is a usage error naming the option."""
    try:
        share, shares = (int(part) for part in value.split('/'))
    except ValueError:
        share = shares = 0
    if not 1 <= share <= shares:
        raise pytest.UsageError('--shard must be K/N with 1 <= K <= N, got %r' % value)
    return share, shares


def in_share(node_ids, share, shares):
    """The ids, of those given, that share ``share`` of ``shares`` runs: sorted, every N-th from the K-th."""
    return set(sorted(node_ids)[share - 1::shares])


def pytest_collection_modifyitems(config, items):
    value = config.getoption('--shard')
    if not value:
        return
    share, shares = shard_of(value)
    everywhere = {item.nodeid for item in items if item.get_closest_marker('every_core')}
    kept = everywhere | in_share([item.nodeid for item in items if item.nodeid not in everywhere], share, shares)
    selected = [item for item in items if item.nodeid in kept]
    deselected = [item for item in items if item.nodeid not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


class PlaybookRun:
    """What one ansible-playbook run left behind: exit code, output and per-task results."""

    def __init__(self, rc, stdout, stderr, results):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.results = results

    @property
    def output(self):
        return self.stdout + self.stderr

    def task(self, name):
        """The result of the one task named ``name`` (the last one, if it ran more than once)."""
        matches = [entry for entry in self.results if entry['task'] == name]
        assert matches, 'no task named %r ran; ran: %r\n%s' % (name, [e['task'] for e in self.results], self.output)
        return matches[-1]['result']

    def status(self, name):
        matches = [entry for entry in self.results if entry['task'] == name]
        assert matches, 'no task named %r ran\n%s' % (name, self.output)
        return matches[-1]['status']

    def changed_tasks(self):
        return [entry['task'] for entry in self.results if entry['result'].get('changed')]


@pytest.fixture(scope='session')
def emulator_process():
    with EmulatorProcess() as process:
        yield process


@pytest.fixture
def emulator(emulator_process):
    """The emulator's control interface, reset to the default seed, with no faults and an empty log."""
    control = EmulatorControl(emulator_process.url)
    control.reset()
    control.clear_faults()
    control.clear_requests()
    yield control
    control.clear_faults()


@pytest.fixture
def ansible_env(emulator_process, tmp_path):
    # TMPDIR too: a module stopped by a test (SIGTERM, a timeout) leaves its AnsiballZ payload directory
    # behind, and that belongs in the test's own directory, not in the machine's /tmp.
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    env = dict(os.environ)
    env.update({
        'TMPDIR': str(scratch),
        'BUDDY_API_URL': emulator_process.url,
        'BUDDY_TOKEN': BUDDY_TOKEN,
        'BLINK_API_URL': emulator_process.url,
        'BLINK_API_KEY': BLINK_KEY,
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'callback_plugins'),
        'ANSIBLE_CALLBACKS_ENABLED': 'record_results',
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-local'),
        'ANSIBLE_REMOTE_TEMP': str(tmp_path / 'ansible-remote'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_HOST_KEY_CHECKING': '0',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
    })
    return env


@pytest.fixture
def run_playbook(ansible_env, tmp_path):
    """Run a playbook (a path, a name under tests/integration/playbooks, or YAML text) for real.

    ``expect`` is the exit code the run must end with (default 0); pass None to accept any.
    ``env`` adds or overrides environment variables; a value of None removes the variable.
    """
    counter = [0]

    def run(playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None, expect=0, args=()):
        counter[0] += 1
        if '\n' in playbook:
            path = tmp_path / ('inline-%d.yml' % counter[0])
            path.write_text(playbook)
            playbook = str(path)
        elif not os.path.isabs(playbook):
            playbook = os.path.join(PLAYBOOKS, playbook)
        results_file = tmp_path / ('results-%d.jsonl' % counter[0])
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                   '-c', 'local', playbook]
        if extra_vars:
            vars_file = tmp_path / ('vars-%d.json' % counter[0])
            vars_file.write_text(json.dumps(extra_vars))
            command += ['-e', '@%s' % vars_file]
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        if verbosity:
            command.append('-' + 'v' * verbosity)
        command += list(args)
        run_env = dict(ansible_env)
        for name, value in (env or {}).items():
            if value is None:
                run_env.pop(name, None)
            else:
                run_env[name] = value
        run_env['OPSFLOW_RESULTS_FILE'] = str(results_file)
        completed = subprocess.run(command, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   universal_newlines=True, timeout=600, check=False)
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines() if line]
        outcome = PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results)
        if expect is not None:
            assert completed.returncode == expect, 'ansible-playbook exited %d, expected %d\n%s' % (
                completed.returncode, expect, outcome.output)
        return outcome

    return run
