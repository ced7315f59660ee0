# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared client against awkward servers and credentials, through real ansible-playbook runs.

- A server that caps page sizes at Buddy's default (20), below the 30 asked, still has every action found, never a
  duplicate added.
- A token with a trailing newline (a file lookup, a YAML block scalar) works; one with white space inside
  fails before any request, and never shows up in the output.
- The environment fallbacks reach the modules: BUDDY_BASE_URL (the Terraform provider's name) when
  BUDDY_API_URL is unset, BUDDY_REQUEST_TIMEOUT, BUDDY_VALIDATE_CERTS.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


from emulator.control import filler_actions  # pylint: disable=import-error

WS, PROJECT, PIPELINE = 'acme', 'website', 1

ENSURE_TARGET = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Ensure target
      opsflow.pipelines.buddy_action:
        workspace: acme
        project_name: website
        pipeline_id: 1
        name: target
        type: BUILD
    - name: Find target
      opsflow.pipelines.buddy_action_info:
        workspace: acme
        project_name: website
        pipeline_id: 1
        name: target
'''


def test_a_server_that_caps_pages_at_twenty_still_has_page_two_found(emulator, run_playbook):
    # The client asks for 30 a page; the server hands out 20 and states no total.
    control = emulator
    control.list_settings(max_per_page=20)
    control.seed_actions(WS, PROJECT, PIPELINE, filler_actions(25) + [{'name': 'target', 'type': 'BUILD'}])
    control.clear_requests()
    run = run_playbook(ENSURE_TARGET)
    assert run.task('Ensure target')['changed'] is False
    assert len(run.task('Find target')['actions']) == 1
    names = [action['name'] for action in control.actions(WS, PROJECT, PIPELINE)]
    assert names.count('target') == 1 and len(names) == 26
    assert control.writes() == []
    # Two pages for each module: 20 + 6 (shorter than page one, so the last: no probe).
    assert control.count(method='GET', path=r'/actions$') == 4
    assert all(entry['query']['per_page'] == '30' for entry in control.find(method='GET', path=r'/actions$'))


def test_a_token_with_a_trailing_newline_works(emulator, run_playbook):
    run = run_playbook(ENSURE_TARGET, env={'BUDDY_TOKEN': 'emulator-buddy-token\n'})
    assert run.task('Ensure target')['changed'] is True
    assert [action['name'] for action in emulator.actions(WS, PROJECT, PIPELINE)] == ['target']


def test_a_token_with_white_space_inside_fails_before_any_request_and_is_never_shown(emulator, run_playbook):
    token = 'emulator-buddy token-Zq81'
    run = run_playbook(ENSURE_TARGET, env={'BUDDY_TOKEN': token}, verbosity=4, expect=2)
    assert 'token contains white space or control characters' in run.task('Ensure target')['msg']
    assert 'Zq81' not in run.output
    assert emulator.requests() == []


def test_buddy_base_url_is_the_fallback_when_buddy_api_url_is_unset(emulator_process, emulator, run_playbook):
    run = run_playbook(ENSURE_TARGET, env={'BUDDY_API_URL': None, 'BUDDY_BASE_URL': emulator_process.url})
    assert run.task('Ensure target')['changed'] is True
    assert emulator.count(method='POST') == 1


def test_buddy_api_url_wins_over_buddy_base_url(emulator_process, emulator, run_playbook):
    run_playbook(ENSURE_TARGET, env={'BUDDY_BASE_URL': 'http://127.0.0.1:9/never-used'})
    assert emulator.count(method='POST') == 1


def test_buddy_request_timeout_from_the_environment_is_used(emulator, run_playbook):
    # One answer 3 s late: with BUDDY_REQUEST_TIMEOUT=1 the module gives up on it after 1 s and asks again.
    emulator.add_fault(kind='slow', method='GET', path=r'/actions$', delay=3, times=1)
    run = run_playbook(ENSURE_TARGET, env={'BUDDY_REQUEST_TIMEOUT': '1'})
    result = run.task('Ensure target')
    assert result['changed'] is True
    assert any('no answer within 1.0 s' in warning for warning in result.get('warnings', []))
    assert emulator.count(method='POST') == 1


def test_buddy_validate_certs_from_the_environment_is_read(emulator, run_playbook):
    # Only an https URL is checked, and the emulator speaks plain http: a value that is not a boolean
    # proves the variable reaches the module's option parsing.
    run = run_playbook(ENSURE_TARGET, env={'BUDDY_VALIDATE_CERTS': 'maybe'}, expect=2)
    assert 'validate_certs' in run.task('Ensure target')['msg']
    assert emulator.requests() == []
