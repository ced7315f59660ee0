# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the buddy_action / buddy_action_info integration tests.

Playbooks are built from plain dicts (``play``/``action_task``/``info_task``) so that each
test shows the exact task it runs; effects are read back from the emulator's own state and
request log (``Log``, ``stored_actions``), never from the module's output alone.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import re
import time

import yaml

from emulator.control import actions_path

WS = 'acme'
PROJECT = 'website'
PIPELINE = 1
ACTIONS_PATH = actions_path(WS, PROJECT, PIPELINE)
ACTION_MODULE = 'opsflow.pipelines.buddy_action'
INFO_MODULE = 'opsflow.pipelines.buddy_action_info'
WRITE_METHODS = ('POST', 'PATCH', 'PUT', 'DELETE')
LOCATION = {'workspace': WS, 'project_name': PROJECT, 'pipeline_id': PIPELINE}


def action_task(title, register='result', module=ACTION_MODULE, location=True, keywords=None, **args):
    """One task of ``module`` (buddy_action by default) with module options ``args``.

    The default pipeline's location is added unless ``location`` is False; ``keywords`` are task
    keywords (``ignore_errors``, ``check_mode``, ...), kept apart because some share a name
    with a module option (``ignore_errors``).
    """
    params = dict(LOCATION) if location else {}
    params.update(args)
    task = {'name': title, module: params}
    if register:
        task['register'] = register
    task.update(keywords or {})
    return task


def merged(base, **changes):
    """A copy of ``base`` with ``changes`` applied (keys of ``changes`` set to None are dropped)."""
    result = copy.deepcopy(base)
    result.update(changes)
    return dict((key, value) for key, value in result.items() if value is not None)


def info_task(title, register='result', **args):
    return action_task(title, register=register, module=INFO_MODULE, **args)


def play(*tasks, **play_keys):
    """YAML text of one play on localhost running ``tasks`` (``module_defaults`` etc. via keywords)."""
    body = {'name': 'buddy_action integration', 'hosts': 'localhost', 'gather_facts': False}
    body.update(play_keys)
    body['tasks'] = list(tasks)
    return yaml.safe_dump([body], sort_keys=False, default_flow_style=False)


class Log:
    """The emulator's request log since a mark (the log is emptied before every test)."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.mark = emulator.last_seq()

    def again(self):
        """Start a new window: later calls only see requests made from now on."""
        self.mark = self.emulator.last_seq()
        return self

    def entries(self, method=None, path=None):
        found = []
        for entry in self.emulator.requests(self.mark):
            if method is not None and entry['method'] != method:
                continue
            if path is not None and not re.search(path, entry['path']):
                continue
            found.append(entry)
        return found

    def settled(self, timeout=60.0):
        """Wait (bounded) until the server has finished every logged request, e.g. a slow one
        the client already gave up on; the log records status and fault only when it ends."""
        deadline = time.monotonic() + timeout
        while any(entry['status'] is None for entry in self.entries()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def writes(self):
        return [entry for entry in self.entries() if entry['method'] in WRITE_METHODS]

    def calls(self):
        """``METHOD path`` of every request, in order (for assertion messages and exact checks)."""
        return ['%s %s' % (entry['method'], entry['path']) for entry in self.entries()]

    def summary(self):
        return '\n'.join('%s %s %s status=%s fault=%s body=%s' % (
            entry['seq'], entry['method'], entry['path'] + ('?' + '&'.join('%s=%s' % kv for kv in sorted(entry['query'].items()))
                                                            if entry['query'] else ''),
            entry['status'], entry['fault'], entry['body']) for entry in self.entries())


def stored_actions(emulator, ws=WS, project=PROJECT, pipeline=PIPELINE):
    """The pipeline's actions as the emulator stores them, in pipeline order."""
    return emulator.actions(ws, project, pipeline)


def stored_by_name(emulator, name, **where):
    matches = [action for action in stored_actions(emulator, **where) if action['name'] == name]
    assert len(matches) == 1, 'expected exactly one stored action named %r, found %d: %r' % (name, len(matches), matches)
    return matches[0]


def ids_in_order(emulator, **where):
    return [action['id'] for action in stored_actions(emulator, **where)]


def seed(emulator, actions, ws=WS, project=PROJECT, pipeline=PIPELINE):
    """Seed ``actions`` (appended in order) and return them as stored, with their ids."""
    before = len(stored_actions(emulator, ws, project, pipeline))
    emulator.seed_actions(ws, project, pipeline, copy.deepcopy(actions))
    return stored_actions(emulator, ws, project, pipeline)[before:]


def check_then_apply(emulator, run_playbook, playbook, title, seeded):
    """Run ``playbook`` in check mode (task ``title`` changed, nothing written, the actions as
    ``seeded``), then for real (changed again); the log (reset before the real run) and that run."""
    log = Log(emulator)
    checked = run_playbook(playbook, check=True)
    assert checked.task(title)['changed'] is True
    assert log.writes() == [], log.summary()
    assert stored_actions(emulator) == seeded
    log.again()
    applied = run_playbook(playbook)
    assert applied.task(title)['changed'] is True
    return log, applied


def is_subset(want, have):
    """Every value of ``want`` is held by ``have`` (dicts by key, lists item by item, same length)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(key in have and is_subset(value, have[key]) for key, value in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(is_subset(w, h) for w, h in zip(want, have))
    if isinstance(want, bool) or isinstance(have, bool):
        return isinstance(want, bool) and isinstance(have, bool) and want == have
    return want == have


def assert_holds(stored, expected):
    """The stored action holds every expected field (server defaults and extra keys allowed)."""
    missing = dict((key, value) for key, value in expected.items() if not is_subset(value, stored.get(key)))
    assert not missing, 'stored action differs on %r\nstored: %r' % (missing, stored)


def assert_absent_from(secret, *texts):
    for text in texts:
        assert secret not in text, 'secret %r leaked:\n%s' % (secret, text)
