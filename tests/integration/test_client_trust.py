# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 15 through real ansible-playbook runs: races, interruptions, odd answers, bad input, TLS, URL credentials.

- Two playbooks adding the same action at once (their list calls answered together by the emulator's
  gathering slow fault) leave one action; a run that finds same-typed twins converges.
- A recreate interrupted after its add is finished by the next run.
- A 2xx answer without the action in its body is read back, never reported as an empty success.
- TLS failures (self-signed certificate, https to a plain-HTTP port) give the designed message, both services.
- ``user:password@`` in ``api_url`` shows nowhere, retry warnings included; bad input fails before any request.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import json
import os
import socket
import ssl
import subprocess
import sys
import threading

import pytest

from buddy_helpers import (  # pylint: disable=import-error
    ACTIONS_PATH,
    Log,
    action_task,
    assert_absent_from,
    merged,
    play,
    seed,
    stored_actions,
)

RUN_TESTS = {'name': 'Run tests', 'type': 'RUN_DOCKER_CONTAINER', 'docker_image_name': 'library/python',
             'docker_image_tag': '3.12', 'execute_commands': ['pytest']}
URL_PASSWORD = 'Url-Pass-5e1f'


def start_playbook(ansible_env, tmp_path, text, name):
    """Start ansible-playbook on ``text`` without waiting: (process, results file)."""
    path = tmp_path / ('%s.yml' % name)
    path.write_text(text)
    results = tmp_path / ('%s-results.jsonl' % name)
    env = dict(ansible_env, OPSFLOW_RESULTS_FILE=str(results))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               str(path)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                               universal_newlines=True)
    return process, results


def task_result(results, task):
    entries = [json.loads(line) for line in results.read_text().splitlines() if line]
    return [entry for entry in entries if entry['task'] == task][-1]['result']


# --- 4: two playbooks add the same action at once ------------------------------------------------------------


def test_two_playbooks_adding_the_same_action_at_once_leave_one(emulator, ansible_env, tmp_path, run_playbook):
    seed(emulator, [{'name': 'Checkout', 'type': 'GIT_CHECKOUT'}])
    # Both playbooks' first list call is held until the other one's arrives: both see no "Run tests", both add.
    emulator.add_fault(kind='slow', method='GET', path=r'/actions$', times=2, gather=2, delay=60)
    text = play(action_task('Add tests', **RUN_TESTS))
    started = [start_playbook(ansible_env, tmp_path, text, 'racer-%d' % index) for index in (1, 2)]
    outputs = [process.communicate(timeout=300)[0] for process, _results in started]
    assert [process.returncode for process, _results in started] == [0, 0], outputs
    assert emulator.count(method='POST', path=ACTIONS_PATH + '$') == 2  # the race really happened
    results = [task_result(path, 'Add tests') for _process, path in started]
    names = [action['name'] for action in stored_actions(emulator)]
    assert names == ['Checkout', 'Run tests'], names
    kept = stored_actions(emulator)[1]
    assert all(result['changed'] is True and result['action']['id'] == kept['id'] for result in results)
    warned = [result for result in results if result.get('warnings')]
    assert len(warned) == 1 and 'deleted the one this task added' in warned[0]['warnings'][0]
    deletes = emulator.find(method='DELETE')
    assert len(deletes) == 1 and not deletes[0]['path'].endswith('/%d' % kept['id'])

    log = Log(emulator)
    again = run_playbook(text)
    assert again.task('Add tests')['changed'] is False and log.writes() == []


def test_a_run_that_finds_twins_of_one_type_keeps_the_oldest(emulator, run_playbook):
    older, other, newer = seed(emulator, [RUN_TESTS, {'name': 'Checkout', 'type': 'GIT_CHECKOUT'}, RUN_TESTS])
    text = play(action_task('Ensure tests', **RUN_TESTS))
    check = run_playbook(text, check=True)
    assert check.task('Ensure tests')['changed'] is True and emulator.writes() == []
    run = run_playbook(text)
    result = run.task('Ensure tests')
    assert result['changed'] is True and result['removed_action_ids'] == [newer['id']]
    assert 'kept the oldest, id %d, and deleted id %d' % (older['id'], newer['id']) in result['warnings'][0]
    assert [action['id'] for action in stored_actions(emulator)] == [older['id'], other['id']]
    assert run_playbook(text).task('Ensure tests')['changed'] is False


# --- 5: a recreate interrupted after its add ------------------------------------------------------------------


def test_a_recreate_interrupted_after_its_add_is_finished_by_the_rerun(emulator, run_playbook):
    old = seed(emulator, [{'name': 'Run tests', 'type': 'BUILD'}])[0]
    text = play(action_task('Recreate tests', recreate=True, max_retries=0, **RUN_TESTS))
    # The add commits; the delete of the old action never gets through (as if the run was stopped there).
    emulator.add_fault(kind='drop', method='DELETE', path=r'/actions/%d$' % old['id'])
    first = run_playbook(text, expect=2)
    assert 'deleting the old BUILD action (id %d) failed' % old['id'] in first.task('Recreate tests')['msg']
    assert sorted(action['type'] for action in stored_actions(emulator)) == ['BUILD', 'RUN_DOCKER_CONTAINER']

    log = Log(emulator)
    rerun = run_playbook(text)
    result = rerun.task('Recreate tests')
    assert result['changed'] is True and result['removed_action_ids'] == [old['id']]
    assert 'finishing it' in result['warnings'][0]
    assert [(entry['method'], entry['path']) for entry in log.writes()] == [
        ('DELETE', '%s/%d' % (ACTIONS_PATH, old['id']))], log.summary()
    assert [action['type'] for action in stored_actions(emulator)] == ['RUN_DOCKER_CONTAINER']
    assert run_playbook(text).task('Recreate tests')['changed'] is False


# --- 6: 2xx answers without the action -----------------------------------------------------------------------


@pytest.mark.parametrize('text', ['', 'not json'])
def test_an_add_answered_without_the_action_is_read_back(emulator, run_playbook, text):
    emulator.add_fault(kind='body', method='POST', path=r'/actions$', message=text)
    run = run_playbook(play(action_task('Add tests', **RUN_TESTS)))
    result = run.task('Add tests')
    stored = stored_actions(emulator)
    assert len(stored) == 1 and result['changed'] is True
    assert result['action']['id'] == stored[0]['id'] and result['action']['docker_image_tag'] == '3.12'
    assert any('read the added action back' in warning for warning in result['warnings'])


def test_an_edit_answered_without_the_action_is_read_back_and_a_get_without_one_fails(emulator, run_playbook):
    target = seed(emulator, [RUN_TESTS])[0]
    emulator.add_fault(kind='body', method='PATCH')
    run = run_playbook(play(action_task('Update tests', **merged(RUN_TESTS, docker_image_tag='3.13'))))
    result = run.task('Update tests')
    assert result['changed'] is True and result['action']['docker_image_tag'] == '3.13'
    assert any('read the action back' in warning for warning in result['warnings'])

    emulator.add_fault(kind='body', method='GET', path=r'/actions/\d+$')
    failed = run_playbook(play(action_task('By id', action_id=target['id'], **RUN_TESTS)), expect=2)
    message = failed.task('By id')['msg']
    assert 'an empty body instead of the action' in message and 'does not' not in message
    assert emulator.count(method='POST') == 0


# --- 8: TLS -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def tls_port(tmp_path_factory):
    """A loopback TLS server with a self-signed certificate (it only shakes hands, then closes)."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    import ipaddress  # pylint: disable=import-outside-toplevel

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'127.0.0.1')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(u'127.0.0.1'))]), False)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp('tls')
    (folder / 'cert.pem').write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / 'key.pem').write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(folder / 'cert.pem'), str(folder / 'key.pem'))
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except socket.timeout:
                continue
            try:
                conn.settimeout(5)
                context.wrap_socket(conn, server_side=True).close()
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


TLS_TASKS = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Buddy
      opsflow.pipelines.buddy_action:
        api_url: "{{ url }}"
        workspace: acme
        project_name: website
        pipeline_id: 1
        name: x
        type: BUILD
      ignore_errors: true
    - name: Blink
      opsflow.pipelines.blink_workflow_execute:
        api_url: "{{ url }}"
        workspace_id: ws-1
        workflow_id: wf-1
      ignore_errors: true
'''


def test_a_self_signed_certificate_gives_the_tls_message_for_both_services(tls_port, run_playbook):
    run = run_playbook(TLS_TASKS, extra_vars={'url': 'https://127.0.0.1:%d' % tls_port})
    for task in ('Buddy', 'Blink'):
        message = run.task(task)['msg']
        assert 'TLS error: the certificate of https://127.0.0.1:%d' % tls_port in message, message
        assert 'validate_certs: false only for a server you trust' in message
        assert '__cause__' not in message and not run.task(task).get('warnings')  # no retries


def test_https_to_a_plain_http_port_gives_the_tls_message_for_both_services(emulator, emulator_process, run_playbook):
    url = emulator_process.url.replace('http://', 'https://')
    run = run_playbook(TLS_TASKS, extra_vars={'url': url})
    for task in ('Buddy', 'Blink'):
        message = run.task(task)['msg']
        assert 'TLS error: no TLS handshake with %s' % url in message, message
        assert '__cause__' not in message


# --- 3: URL credentials -------------------------------------------------------------------------------------------


def test_url_userinfo_shows_nowhere_errors_and_retry_warnings_included(emulator, emulator_process, run_playbook):
    url = emulator_process.url.replace('http://', 'http://deploy:%s@' % URL_PASSWORD)
    emulator.add_fault(kind='status', status=503, method='GET', path=r'/actions$', times=1)
    text = play(action_task('Buddy', api_url=url, max_retries=1, **RUN_TESTS, keywords={'ignore_errors': True}),
                action_task('Unreachable', api_url='http://deploy:%s@127.0.0.1:9' % URL_PASSWORD, max_retries=1,
                            keywords={'ignore_errors': True}, **RUN_TESTS))
    run = run_playbook(text, verbosity=4)
    assert any('retry 1 of 1' in warning for warning in run.task('Buddy').get('warnings', [])), run.task('Buddy')
    assert 'could not connect to http://********@127.0.0.1:9' in run.task('Unreachable')['msg']
    assert any('retry 1 of 1' in warning for warning in run.task('Unreachable').get('warnings', []))
    assert_absent_from(URL_PASSWORD, run.output, json.dumps(run.results))


# --- 9, 10: bad input fails before any request, naming the option --------------------------------------------------


BAD_INPUT = [
    ('empty name', dict(RUN_TESTS, name=''), 'name may not be empty'),
    ('blank name', dict(RUN_TESTS, name='  '), 'name may not be empty'),
    ('empty type', dict(RUN_TESTS, type=''), 'type must be an action type'),
    ('negative timeout', dict(RUN_TESTS, timeout=-5), 'timeout may not be negative'),
    ('negative retry_count', dict(RUN_TESTS, retry_count=-1), 'retry_count may not be negative'),
    ('unknown trigger condition', dict(RUN_TESTS, trigger_conditions=[{'trigger_condition': 'SOMETIMES'}]),
     "trigger_condition is unknown ('SOMETIMES')"),
    ('empty variable key', dict(RUN_TESTS, variables=[{'key': '', 'value': 'v'}]), 'variables[].key may not be empty'),
    ('repeated variable key', dict(RUN_TESTS, variables=[{'key': 'A', 'value': '1'}, {'key': 'A', 'value': '2'}]),
     'the key A more than once'),
    ('lower-case modelled type missing its options', {'name': 'Profile', 'type': 'blackfire_python'},
     'type BLACKFIRE_PYTHON requires these options'),
    ('api_url with a query', dict(RUN_TESTS, api_url='https://api.buddy.works/?region=eu'), 'may not hold a query'),
    ('api_url with a fragment', dict(RUN_TESTS, api_url='https://api.buddy.works#x'), 'may not hold a query'),
    ('request_timeout nan', dict(RUN_TESTS, request_timeout='nan'), 'request_timeout must be a finite number'),
    ('request_timeout inf', dict(RUN_TESTS, request_timeout='inf'), 'request_timeout must be a finite number'),
    ('token outside ASCII', dict(RUN_TESTS, token=u't\u00f8k\u00e9n\u20ac'), 'token contains characters outside ASCII'),
]


def test_bad_input_fails_before_any_request(emulator, run_playbook):
    tasks = [action_task(title, keywords={'ignore_errors': True}, **args) for title, args, _fragment in BAD_INPUT]
    run = run_playbook(play(*tasks), verbosity=4)
    for title, _args, fragment in BAD_INPUT:
        result = run.task(title)
        assert run.status(title) == 'failed' and fragment in result['msg'], (title, result.get('msg'))
    assert u't\u00f8k\u00e9n' not in run.output
    assert emulator.requests() == []


def test_a_lower_case_modelled_type_is_sent_in_upper_case(emulator, run_playbook):
    text = play(action_task('Profile', name='Profile', type='blackfire_python', version='3.12', integration='bf-1',
                            execute_commands=['blackfire run python app.py']))
    assert run_playbook(text).task('Profile')['changed'] is True
    assert [action['type'] for action in stored_actions(emulator)] == ['BLACKFIRE_PYTHON']
    assert run_playbook(text).task('Profile')['changed'] is False
