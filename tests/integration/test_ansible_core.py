# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The suite runs on the ansible-core it is meant to run on.

``make test-integration`` and ``make test-integration-2.16`` run this suite from two environments
and set ``OPSFLOW_EXPECT_ANSIBLE_CORE`` to the ansible-core version each one pins. The playbooks
must then really run on that version: the one the controller reports inside a play, the one
``ansible-playbook --version`` reports, and the one this Python imports must all be that version.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest

from ansible.release import __version__ as imported_version

PLAYBOOK = '''
- name: Report the controller's version
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Report ansible_version
      ansible.builtin.set_fact:
        reported: "{{ ansible_version.full }}"
'''


@pytest.mark.every_core
def test_playbooks_run_on_the_expected_ansible_core(run_playbook):
    run = run_playbook(PLAYBOOK)
    in_play = run.task('Report ansible_version')['ansible_facts']['reported']

    completed = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '--version'],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout
    match = re.search(r'\[core ([^\]\s]+)\]', completed.stdout)
    assert match, completed.stdout
    cli_version = match.group(1)

    assert in_play == cli_version == imported_version, (in_play, cli_version, imported_version)
    expected = os.environ.get('OPSFLOW_EXPECT_ANSIBLE_CORE')
    if expected:
        assert imported_version == expected, 'this run is meant for ansible-core %s, it runs %s' % (expected, imported_version)


SUITE = os.path.dirname(os.path.abspath(__file__))


def collected(path, *args):
    """(exit code, test ids, output) of collecting ``path`` (a test directory or file) with ``args``."""
    completed = subprocess.run([sys.executable, '-m', 'pytest', path, '--collect-only', '-q', '-p', 'no:cacheprovider']
                               + list(args),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                               timeout=300, check=False)
    return completed.returncode, {line for line in completed.stdout.splitlines() if '::' in line}, completed.stdout


def test_the_shares_of_a_split_suite_cover_it_once_and_the_version_check_in_each():
    # The middle ansible-core versions each run one share of this suite (Makefile middle_shard).
    rc, whole, output = collected(SUITE)
    assert rc == 0 and len(whole) > 100, output
    shares = []
    for share in ('1/2', '2/2'):
        rc, ids, output = collected(SUITE, '--shard', share)
        assert rc == 0, output
        shares.append(ids)
    version_check = {test for test in whole if test.endswith('::test_playbooks_run_on_the_expected_ansible_core')}
    assert len(version_check) == 1
    assert shares[0] | shares[1] == whole
    assert shares[0] & shares[1] == version_check
    assert abs(len(shares[0]) - len(shares[1])) <= 1
    for bad in ('3/2', '0/2', 'half'):
        rc, _ids, output = collected(os.path.abspath(__file__), '--shard', bad)
        assert rc != 0 and '--shard must be K/N' in output, output
