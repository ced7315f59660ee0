# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sandboxes as Ansible hosts, for real: ansible-inventory, ansible and ansible-playbook against the emulator.

The inventory plugin lists the emulator's sandboxes; the connection plugin runs Ansible's modules
inside them (the emulator really runs the commands in each sandbox's directory). Effects are
checked on disk in that directory and in the emulator's request log.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from buddy_helpers import Log
from conftest import BUDDY_TOKEN, REPO_ROOT

WS = 'acme'
PROJECT = 'website'
BIN = os.path.dirname(sys.executable)
INVENTORY = {'plugin': 'opsflow.pipelines.buddy_sandboxes', 'workspace': WS, 'project_name': PROJECT,
             'keyed_groups': [{'key': 'buddy_sandbox.tags', 'prefix': 'tag'}]}


def seed(emulator):
    """Two RUNNING sandboxes (one with an encrypted variable), a STOPPED one, one in another project."""
    specs = [
        {'workspace': WS, 'project_name': PROJECT, 'name': 'Web', 'identifier': 'web', 'tags': ['app', 'review'],
         'variables': [{'key': 'DB_PASSWORD', 'value': 'hunter2-secret', 'encrypted': True},
                       {'key': 'MODE', 'value': 'review'}]},
        {'workspace': WS, 'project_name': PROJECT, 'name': 'Api', 'identifier': 'api', 'tags': ['app']},
        {'workspace': WS, 'project_name': PROJECT, 'name': 'Off', 'identifier': 'off', 'tags': ['app'],
         'status': 'STOPPED'},
        {'workspace': WS, 'project_name': 'other', 'name': 'Elsewhere', 'identifier': 'elsewhere'},
    ]
    emulator.seed({'sandboxes': specs})
    return dict((box['identifier'], box['id']) for box in emulator.state()['sandboxes'].values())


def home_of(emulator, sandbox_id):
    return emulator.state()['sandbox_workdirs'][sandbox_id]


@pytest.fixture
def hosts_env(ansible_env):
    env = dict(ansible_env)
    # Ansible's remote temporary directory lives inside the sandbox (its HOME), where the content API reaches.
    env['ANSIBLE_REMOTE_TEMP'] = '~/.ansible/tmp'
    return env


@pytest.fixture
def ansible(hosts_env, tmp_path):
    """Run ``ansible``, ``ansible-inventory`` or ``ansible-playbook`` with these arguments; (rc, output)."""

    def run(tool, *args, **kwargs):
        env = dict(hosts_env)
        for name, value in (kwargs.get('env') or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        completed = subprocess.run([os.path.join(BIN, tool)] + list(args), env=env, cwd=str(tmp_path),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                   timeout=600, check=False)
        return completed.returncode, completed.stdout, completed.stderr

    return run


def write_inventory(tmp_path, **changes):
    config = dict(INVENTORY)
    config.update(changes)
    path = tmp_path / 'inv.buddy_sandboxes.yml'
    path.write_text(yaml.safe_dump(config))
    return str(path)


def plain(value):
    """JSON from ``ansible-inventory --list`` without the ``__ansible_unsafe`` wrappers some versions write."""
    if isinstance(value, dict):
        if list(value) == ['__ansible_unsafe']:
            return value['__ansible_unsafe']
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def recap(output, host):
    found = re.search(r'^%s\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)' % re.escape(host),
                      output, re.MULTILINE)
    assert found, output
    return dict(zip(('ok', 'changed', 'unreachable', 'failed'), (int(value) for value in found.groups())))


def test_inventory_lists_running_sandboxes_grouped_by_tags(emulator, ansible, tmp_path):
    ids = seed(emulator)
    inventory = write_inventory(tmp_path)
    log = Log(emulator)
    rc, graph, err = ansible('ansible-inventory', '-i', inventory, '--graph')
    assert rc == 0, err
    assert re.search(r'@tag_app:\n[ |]*--web\n[ |]*--api\n', graph), graph
    assert re.search(r'@tag_review:\n[ |]*--web\n', graph), graph
    assert 'off' not in graph and 'elsewhere' not in graph
    # The project's list, then each RUNNING sandbox in full: list entries are short (the public record, the
    # emulator's default) and the tag filter needs the whole record; the STOPPED one is never read.
    assert sorted(log.calls()) == sorted(['GET /workspaces/acme/sandboxes'] + [
        'GET /workspaces/acme/sandboxes/%s' % ids[name] for name in ('web', 'api')])
    rc, listing, err = ansible('ansible-inventory', '-i', inventory, '--list')
    assert rc == 0, err
    hostvars = plain(json.loads(listing))['_meta']['hostvars']
    web = hostvars['web']
    assert web['ansible_connection'] == 'opsflow.pipelines.buddy_sandbox'
    assert (web['ansible_buddy_workspace'], web['ansible_buddy_project_name']) == (WS, PROJECT)
    assert web['buddy_sandbox']['identifier'] == 'web' and web['buddy_sandbox']['status'] == 'RUNNING'
    variables = dict((item['key'], item['value']) for item in web['buddy_sandbox']['variables'])
    assert variables['DB_PASSWORD'] == '********' and variables['MODE'] == 'review'
    assert 'hunter2-secret' not in listing and BUDDY_TOKEN not in listing + err


def test_inventory_filters_constructed_vars_and_cache(emulator, ansible, tmp_path):
    ids = seed(emulator)
    inventory = write_inventory(
        tmp_path, status=[], tags=['app'], project_name=[PROJECT, 'other'], connection='',
        compose={'sandbox_status': 'buddy_sandbox.status'}, groups={'stopped': "buddy_sandbox.status == 'STOPPED'"},
        cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(tmp_path / 'cache'))
    log = Log(emulator)
    rc, listing, err = ansible('ansible-inventory', '-i', inventory, '--list')
    assert rc == 0, err
    data = plain(json.loads(listing))
    assert sorted(data['_meta']['hostvars']) == ['api', 'off', 'web']  # every status, tag app, both projects
    assert data['stopped']['hosts'] == ['off']
    assert data['_meta']['hostvars']['off']['sandbox_status'] == 'STOPPED'
    assert 'ansible_connection' not in data['_meta']['hostvars']['web']
    # Both projects' lists, then every sandbox in full (no status filter; the tag filter needs whole records).
    assert sorted(log.calls()) == sorted(['GET /workspaces/acme/sandboxes'] * 2 + [
        'GET /workspaces/acme/sandboxes/%s' % sandbox_id for sandbox_id in ids.values()])
    assert set(entry['query']['project_name'] for entry in log.entries('GET', r'/sandboxes$')) == {PROJECT, 'other'}
    # The second run reads the cache: no request at all.
    log.again()
    rc, again, err = ansible('ansible-inventory', '-i', inventory, '--list')
    assert rc == 0, err
    assert json.loads(again)['_meta']['hostvars'].keys() == data['_meta']['hostvars'].keys()
    assert log.calls() == []


def test_setup_returns_facts_from_inside_the_sandboxes(emulator, ansible, tmp_path):
    ids = seed(emulator)
    inventory = write_inventory(tmp_path)
    rc, out, err = ansible('ansible', '-i', inventory, 'all', '-m', 'ansible.builtin.setup')
    assert rc == 0, out + err
    # ad-hoc output: 'HOST | SUCCESS => {...}' with the JSON closing at the start of a line.
    results = dict((host, json.loads(body)) for host, body in
                   re.findall(r'^(\S+) \| SUCCESS => (\{.*?^\})$', out, re.MULTILINE | re.DOTALL))
    assert sorted(results) == ['api', 'web']
    for name in ('api', 'web'):
        facts = results[name]['ansible_facts']
        assert facts['ansible_env']['HOME'] == home_of(emulator, ids[name])
        assert facts['ansible_system'] == 'Linux' and facts['ansible_python']['executable']


PLAYBOOK = '''
- hosts: web
  gather_facts: false
  vars:
    app_dir: ~/app
  tasks:
    - name: Directory
      ansible.builtin.file:
        path: "{{ app_dir }}"
        state: directory
        mode: "0755"
    - name: Copy text
      ansible.builtin.copy:
        content: "hello\\n"
        dest: "{{ app_dir }}/hello.txt"
        mode: "0644"
    - name: Copy binary
      ansible.builtin.copy:
        src: "{{ playbook_dir }}/blob.bin"
        dest: "{{ app_dir }}/blob.bin"
        mode: "0644"
    - name: Template
      ansible.builtin.template:
        src: "{{ playbook_dir }}/app.conf.j2"
        dest: "{{ app_dir }}/app.conf"
        mode: "0600"
    - name: Command
      ansible.builtin.command: cat app.conf
      args:
        chdir: "{{ app_dir }}"
      register: shown
      changed_when: false
    - name: Exit code
      ansible.builtin.command: sh -c 'echo out; echo err >&2; exit 7'
      register: seven
      failed_when: seven.rc != 7
      changed_when: false
    - name: Large output
      ansible.builtin.command: seq 1 200000
      register: counted
      changed_when: false
      failed_when: counted.stdout_lines | length != 200000 or counted.stdout_lines[-1] != '200000'
    - name: Stat
      ansible.builtin.stat:
        path: "{{ app_dir }}/app.conf"
      register: conf
      failed_when: not conf.stat.exists or conf.stat.mode != '0600'
    - name: Fetch binary
      ansible.builtin.fetch:
        src: "{{ app_dir }}/blob.bin"
        dest: "{{ playbook_dir }}/fetched/"
        flat: true
    - name: Show
      ansible.builtin.debug:
        msg: "{{ shown.stdout_lines + seven.stdout_lines + seven.stderr_lines }}"
'''


def test_playbook_runs_inside_a_sandbox_twice_and_never_shows_the_token(emulator, ansible, tmp_path):
    ids = seed(emulator)
    inventory = write_inventory(tmp_path)
    blob = bytes(bytearray(range(256))) * 64 + b'\r\n\x00end'
    (tmp_path / 'blob.bin').write_bytes(blob)
    (tmp_path / 'app.conf.j2').write_text('name={{ inventory_hostname }}\nport=8080\n')
    (tmp_path / 'site.yml').write_text(PLAYBOOK)
    rc, first, err = ansible('ansible-playbook', '-i', inventory, 'site.yml')
    assert rc == 0, first + err
    assert recap(first, 'web')['changed'] == 5  # directory, two copies, template, fetch
    assert '"name=web", "port=8080", "out", "err"' in first.replace('\n', '').replace('        ', ' ').replace('  ', ' ')
    home = home_of(emulator, ids['web'])
    with open(os.path.join(home, 'app', 'app.conf')) as handle:
        assert handle.read() == 'name=web\nport=8080\n'
    with open(os.path.join(home, 'app', 'blob.bin'), 'rb') as handle:
        assert handle.read() == blob
    assert (tmp_path / 'fetched' / 'blob.bin').read_bytes() == blob
    assert oct(os.stat(os.path.join(home, 'app', 'app.conf')).st_mode & 0o777) == '0o600'

    log = Log(emulator)
    rc, second, err = ansible('ansible-playbook', '-i', inventory, 'site.yml', '-vvvv')
    assert rc == 0, second + err
    assert recap(second, 'web') == {'ok': 10, 'changed': 0, 'unreachable': 0, 'failed': 0}
    assert BUDDY_TOKEN not in second + err
    assert 'BUDDY SANDBOX EXEC' in second  # the -vvvv output is there, without the token
    # The second run wrote no file of the app: only Ansible's own temporary files went up.
    uploads = [entry['path'] for entry in log.entries('POST', r'/content/upload/')]
    assert uploads and all('/.ansible/tmp/' in path for path in uploads)
    assert all(entry['auth'] == 'bearer' for entry in log.entries())


def test_stopped_and_missing_sandboxes_fail_clearly(emulator, ansible, tmp_path):
    seed(emulator)
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {
        'hosts': {'off': {}, 'nope': {}},
        'vars': {'ansible_connection': 'opsflow.pipelines.buddy_sandbox', 'ansible_buddy_workspace': WS,
                 'ansible_buddy_project_name': PROJECT}}}))
    log = Log(emulator)
    rc, out, err = ansible('ansible', '-i', str(inventory), 'all', '-m', 'ansible.builtin.ping')
    assert rc == 4, out + err  # every host unreachable
    assert "sandbox 'off' is STOPPED, not RUNNING: start it first" in out
    assert "no sandbox with identifier 'nope' in project 'website' of workspace 'acme'" in out
    assert len(log.entries('POST')) == 0


def test_become_through_passwordless_sudo(emulator, ansible, tmp_path):
    """The emulator runs commands as the local user; a stand-in ``sudo`` in ``~/bin`` (first on the
    sandbox's PATH) records how it was called and runs the command, as a passwordless sudo would."""
    ids = seed(emulator)
    inventory = write_inventory(tmp_path)
    fake_sudo = '#!/bin/sh\necho "$@" >> "$HOME/sudo.log"\n' \
                'while [ $# -gt 0 ]; do case "$1" in -u) shift 2;; -*) shift;; *) break;; esac; done\nexec "$@"\n'
    (tmp_path / 'sudo').write_text(fake_sudo)
    (tmp_path / 'become.yml').write_text('''
- hosts: web
  gather_facts: false
  tasks:
    - name: The sandbox user's bin directory
      ansible.builtin.file:
        path: ~/bin
        state: directory
        mode: "0755"
    - name: Install the stand-in sudo
      ansible.builtin.copy:
        src: "{{ playbook_dir }}/sudo"
        dest: ~/bin/sudo
        mode: "0755"
    - name: As root
      become: true
      ansible.builtin.command: echo privileged
      register: privileged
      failed_when: privileged.stdout != 'privileged'
''')
    rc, out, err = ansible('ansible-playbook', '-i', inventory, 'become.yml')
    assert rc == 0, out + err
    with open(os.path.join(home_of(emulator, ids['web']), 'sudo.log')) as handle:
        calls = handle.read()
    assert '-u root /bin/sh -c' in calls and '-n' in calls.split()


def test_configure_playbook_is_idempotent(emulator, ansible, tmp_path):
    ids = seed(emulator)
    playbook = os.path.join(REPO_ROOT, 'playbooks', 'sandbox_configure.yml')
    extra = ['-e', 'sandbox_configure_workspace=%s' % WS, '-e', 'sandbox_configure_project_name=%s' % PROJECT,
             '-e', 'sandbox_configure_identifier=api']
    rc, first, err = ansible('ansible-playbook', '-i', 'localhost,', playbook, *extra)
    assert rc == 0, first + err
    assert recap(first, 'api')['changed'] == 2
    rc, second, err = ansible('ansible-playbook', '-i', 'localhost,', playbook, *extra)
    assert rc == 0, second + err
    assert recap(second, 'api')['changed'] == 0 and recap(second, 'localhost')['changed'] == 0
    with open(os.path.join(home_of(emulator, ids['api']), 'app', 'app.env')) as handle:
        written = handle.read()
    assert 'APP_SANDBOX=api\n' in written and 'APP_PROJECT=website\n' in written and 'APP_PORT=8080\n' in written
    assert 'check said: APP_SANDBOX=api' in second


def test_connection_retries_as_the_modules_do_and_hides_a_token_set_as_a_variable(emulator, ansible, tmp_path):
    """A 503 on a status read is retried by the modules' transport (with its warning); a token given as
    ``ansible_buddy_token`` instead of the environment stays out of -vvvv output too."""
    seed(emulator)
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {
        'hosts': {'web': {}},
        'vars': {'ansible_connection': 'opsflow.pipelines.buddy_sandbox', 'ansible_buddy_workspace': WS,
                 'ansible_buddy_project_name': PROJECT, 'ansible_buddy_token': BUDDY_TOKEN}}}))
    emulator.add_fault(kind='status', status=503, method='GET', path=r'/commands/[^/]+$', times=1)
    log = Log(emulator)
    rc, out, err = ansible('ansible', '-i', str(inventory), 'web', '-m', 'ansible.builtin.ping', '-vvvv',
                           env={'BUDDY_TOKEN': None})
    assert rc == 0, out + err
    assert '"ping": "pong"' in out
    # ansible-core before 2.19 wraps a long warning over several lines.
    assert re.search(r'GET /workspaces/acme/sandboxes/\S+/commands/\S+: HTTP 503; retry 1 of 5',
                     ' '.join((out + err).split())), out + err
    assert len(log.entries('GET', r'/commands/[^/]+$')) >= 2 and emulator.faults() == []
    assert BUDDY_TOKEN not in out + err
