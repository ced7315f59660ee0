# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_defaults with the action groups set the connection of buddy_action and buddy_action_info."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from buddy_helpers import Log, stored_actions
from emulator.control import BUDDY_TOKEN


def test_module_defaults_group_sets_the_connection(emulator, emulator_process, ansible_env, run_playbook):
    for variable in [name for name in ansible_env if name.startswith('BUDDY_')]:
        del ansible_env[variable]
    log = Log(emulator)
    run = run_playbook('buddy_action_module_defaults.yml',
                       extra_vars={'buddy_api_url': emulator_process.url, 'buddy_token': BUDDY_TOKEN})
    assert run.task('Add an action')['changed'] is True
    added = stored_actions(emulator)
    assert [(action['name'], action['type'], action['sleep_in_sec']) for action in added] == [('Wait a bit', 'SLEEP', 7)]
    assert [action['id'] for action in run.task('Find it')['actions']] == [added[0]['id']]
    assert run.task('Change it through the all group')['changed'] is True
    assert [(entry['method'], entry['auth'], entry['status']) for entry in log.writes()] == [
        ('POST', 'bearer', 201), ('PATCH', 'bearer', 200)], log.summary()
    # The last play has no module_defaults: it can only fail, for want of a token.
    assert run.status('No connection at all') == 'failed'
    assert 'token' in run.task('No connection at all')['msg']
    assert BUDDY_TOKEN not in run.output
