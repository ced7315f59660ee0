# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_sandbox_info for real (ansible-playbook against the emulator): look-ups, listing, request counts."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from buddy_helpers import Log

SANDBOXES = r'^/workspaces/acme/sandboxes$'
SNAPSHOTS = r'^/workspaces/acme/sandboxes/[a-z0-9]+/snapshots$'


def seed_sandboxes(emulator, count=3):
    specs = [{'workspace': 'acme', 'project_name': 'website', 'name': 'Sandbox %d' % index,
              'identifier': 'sb-%d' % index, 'tags': ['review'], 'apps': ['serve'],
              'endpoints': [{'name': 'www', 'endpoint': '80'}]} for index in range(count)]
    specs[1].update(status='STOPPED', snapshots=['nightly', 'weekly'])
    specs.append({'workspace': 'acme', 'project_name': 'other', 'name': 'Elsewhere', 'identifier': 'sb-1'})
    emulator.seed({'sandboxes': specs})
    return dict((box['identifier'], box) for box in emulator.state()['sandboxes'].values() if box['_project'] == 'website')


def test_by_identifier_with_snapshots(emulator, run_playbook):
    stored = seed_sandboxes(emulator)
    log = Log(emulator)
    outcome = run_playbook('sandbox_info.yml', extra_vars={'identifier': 'sb-1', 'include_snapshots': True})
    found = outcome.task('Read sandboxes')['sandboxes']
    assert len(found) == 1
    sandbox = found[0]
    assert sandbox['id'] == stored['sb-1']['id'] and sandbox['project']['name'] == 'website'
    assert (sandbox['status'], sandbox['setup_status']) == ('STOPPED', 'SUCCESS')
    assert sandbox['apps'][0]['app_status'] == 'NONE' and 'app_status' not in sandbox  # 2026: per app only
    assert sandbox['endpoints'][0]['endpoint_url'] == 'https://www-sb-1.sandbox.emulator.local'
    assert [(item['name'], item['status']) for item in sandbox['snapshots']] == [('nightly', 'CREATED'), ('weekly', 'CREATED')]
    # The list entries are short (the public record, the emulator's default): the match is read in full.
    assert log.calls() == ['GET /workspaces/acme/sandboxes', 'GET /workspaces/acme/sandboxes/%s' % sandbox['id'],
                           'GET /workspaces/acme/sandboxes/%s/snapshots' % sandbox['id']]
    assert log.entries('GET', SANDBOXES)[0]['query']['project_name'] == 'website'


def test_short_list_entries_are_read_in_full(emulator, run_playbook):
    """Buddy documents list entries as short views (the emulator's default): each match is read with one GET."""
    stored = seed_sandboxes(emulator)
    log = Log(emulator)
    outcome = run_playbook('sandbox_info.yml', extra_vars={'identifier': 'sb-2'})
    calls = log.calls()
    short = run_playbook('sandbox_info.yml', extra_vars={'details': False})
    short_calls = log.calls()[len(calls):]
    found = outcome.task('Read sandboxes')['sandboxes']
    assert [item['identifier'] for item in found] == ['sb-2'] and found[0]['tags'] == ['review']
    assert found[0]['endpoints'][0]['endpoint_url'] == 'https://www-sb-2.sandbox.emulator.local'
    assert calls == ['GET /workspaces/acme/sandboxes', 'GET /workspaces/acme/sandboxes/%s' % stored['sb-2']['id']]
    # details: false keeps the short entries: one request for the whole list.
    listed = short.task('Read sandboxes')['sandboxes']
    assert [item['identifier'] for item in listed] == ['sb-0', 'sb-1', 'sb-2'] and 'endpoints' not in listed[0]
    assert short_calls == ['GET /workspaces/acme/sandboxes']


def test_by_id_is_one_request_and_runs_in_check_mode(emulator, run_playbook):
    stored = seed_sandboxes(emulator)
    log = Log(emulator)
    outcome = run_playbook('sandbox_info.yml', extra_vars={'sandbox_id': stored['sb-0']['id']}, check=True)
    found = outcome.task('Read sandboxes')['sandboxes']
    assert [item['identifier'] for item in found] == ['sb-0'] and found[0]['status'] == 'RUNNING'
    assert log.calls() == ['GET /workspaces/acme/sandboxes/%s' % stored['sb-0']['id']]


def test_listing_returns_every_sandbox_of_the_project(emulator, run_playbook):
    """With whole sandboxes as list entries (``sandbox_settings.list_view: full``) the list is all it takes."""
    seed_sandboxes(emulator, count=7)
    emulator.seed({'sandbox_settings': {'list_view': 'full'}})
    log = Log(emulator)
    outcome = run_playbook('sandbox_info.yml')
    found = outcome.task('Read sandboxes')['sandboxes']
    assert [item['identifier'] for item in found] == ['sb-%d' % index for index in range(7)]
    assert all(item['tags'] == ['review'] and item['endpoints'] for item in found)
    assert log.calls() == ['GET /workspaces/acme/sandboxes']
    assert log.writes() == []


def test_a_run_that_creates_a_sandbox_then_a_look_up(emulator, run_playbook):
    emulator.seed_actions('acme', 'website', 1, [
        {'name': 'Create', 'type': 'SANDBOX_CREATE', 'from': 'SCRATCH',
         'spec': {'name': 'Review', 'identifier': 'review-$PR', 'endpoints': [{'name': 'www', 'endpoint': '80'}]}}])
    outcome = run_playbook('pipeline_run_then_sandbox_info.yml', extra_vars={'pr': '5', 'buddy_token': 'emulator-buddy-token'})
    found = outcome.task('Look the sandbox up')['sandboxes']
    stored = [box for box in emulator.state()['sandboxes'].values() if box['identifier'] == 'review-5']
    assert len(stored) == 1 and found[0]['id'] == stored[0]['id'] and stored[0]['status'] == 'RUNNING'


def test_unknown_identifier_is_an_empty_list(emulator, run_playbook):
    seed_sandboxes(emulator)
    outcome = run_playbook('sandbox_info.yml', extra_vars={'identifier': 'nope'})
    assert outcome.task('Read sandboxes')['sandboxes'] == []


def test_unknown_project_fails_with_the_server_message(emulator, run_playbook):
    outcome = run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: List a missing project
      opsflow.pipelines.buddy_sandbox_info:
        workspace: acme
        project_name: nowhere
""", expect=2)
    result = outcome.task('List a missing project')
    assert 'HTTP 404' in result['msg'] and 'Project not found: nowhere' in result['msg']


def test_encrypted_values_are_masked_in_normal_and_check_mode_and_workspace_level_listing(emulator, run_playbook):
    """An encrypted sandbox variable comes back as ciphertext; neither it nor the plain value is ever returned."""
    emulator.seed({'sandboxes': [
        {'workspace': 'acme', 'project_name': 'website', 'name': 'S', 'identifier': 'sec',
         'variables': [{'key': 'TOKEN', 'value': 'Plain-Secret-5', 'encrypted': True}, {'key': 'MODE', 'value': 'dev'}]},
        {'workspace': 'acme', 'name': 'Loose', 'identifier': 'loose'}]})
    box = [item for item in emulator.state()['sandboxes'].values() if item['identifier'] == 'sec'][0]
    ciphertext = box['variables'][0]['value']
    assert ciphertext.startswith('secure!')
    for check in (False, True):
        outcome = run_playbook('sandbox_info.yml', extra_vars={'identifier': 'sec'}, check=check, verbosity=3)
        found = outcome.task('Read sandboxes')['sandboxes'][0]
        assert [item['value'] for item in found['variables']] == ['********', 'dev']
        assert ciphertext not in outcome.output and 'Plain-Secret-5' not in outcome.output
    log = Log(emulator)
    listing = run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Workspace-level sandboxes
      opsflow.pipelines.buddy_sandbox_info:
        workspace: acme
      register: found
""")
    assert [item['identifier'] for item in listing.task('Workspace-level sandboxes')['sandboxes']] == ['loose']
    assert log.entries('GET', SANDBOXES)[0]['query'] == {}
