# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox's and buddy_sandbox_snapshot's EXAMPLES, run as one playbook by real ansible-playbook.

The examples are read from the modules' sources; only the workspace and project become the emulator's. They run
interleaved in the order a reader would: create the sandbox, snapshot it, restore another sandbox from that
snapshot, stop, recreate with another OS, remove, drop the snapshot. Effects are read from the emulator.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import yaml

from buddy_helpers import Log, assert_absent_from
from module_examples import examples, localise as localise_keys

SECRET = 'Vault-Api-Key-61d0'


def localise(node):
    return localise_keys(node, {'workspace': 'acme', 'project_name': 'website', 'poll_interval': 0.2})


def test_the_examples_run_and_leave_what_they_describe(emulator, run_playbook):
    sandbox = localise(examples('buddy_sandbox'))
    snapshot = localise(examples('buddy_sandbox_snapshot'))
    assert len(sandbox) == 6 and len(snapshot) == 3
    tasks = sandbox[:2] + snapshot[:2] + sandbox[2:4]
    playbook = yaml.safe_dump([{'name': 'EXAMPLES', 'hosts': 'localhost', 'gather_facts': False,
                                'tasks': tasks}], sort_keys=False)
    log = Log(emulator)
    run = run_playbook(playbook, extra_vars={'vault_api_key': SECRET}, diff=True)
    statuses = dict((entry['task'], entry['status']) for entry in run.results)
    assert set(statuses.values()) == {'ok'}, statuses
    assert not [entry for entry in log.entries() if entry['status'] >= 400], log.summary()
    assert_absent_from(SECRET, run.output, json.dumps(run.results))
    boxes = dict((box['identifier'], box) for box in emulator.state()['sandboxes'].values())
    assert boxes['review-42']['status'] == 'STOPPED' and boxes['review-42']['variables'][0]['_plain'] == SECRET
    golden = boxes['review-42']['snapshots'][0]
    assert golden['name'] == 'golden' and boxes['review-43']['snapshot_id'] == golden['id']
    assert boxes['review-43']['status'] == 'RUNNING'
    assert run.task('Its address')['msg'] == 'https://www-review-42.sandbox.emulator.local'

    # The last examples: a new OS (recreate), remove, drop the snapshot (gone with its sandbox: no change).
    playbook = yaml.safe_dump([{'name': 'EXAMPLES', 'hosts': 'localhost', 'gather_facts': False,
                                'tasks': sandbox[4:] + snapshot[2:]}], sort_keys=False)
    run = run_playbook(playbook)
    assert [(entry['status'], entry['result']['changed']) for entry in run.results] == [
        ('ok', True), ('ok', True), ('ok', False)]
    assert sorted(box['identifier'] for box in emulator.state()['sandboxes'].values()) == ['review-43']
