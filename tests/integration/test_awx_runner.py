# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A job template run the way AWX / Automation Controller launches it, with the custom credentials.

AWX renders each attached credential's ``injectors`` into the job's environment, writes the
job's extra vars to ``env/extravars`` and its options to ``env/cmdline`` in a fresh private
data directory, and hands that to ansible-runner's Python API. This test does the same with
the credential types in extensions/awx/credential_types/ (rendered as AWX renders them, see
``render_injectors``), the collection installed from its built tarball (as in an execution
environment), and the emulator as the API, started with a random token and key that it alone
accepts.

What AWX keeps and shows of a job is its events (stdout is built from them), the stdout, and
``job_env``: the runner's environment with every credential variable replaced by its "safe"
rendering (secret inputs as ``**********``). All three must be free of the token and the key.
The private data directory itself is deleted when the job ends (AWX_CLEANUP_PATHS); inside it,
ansible-runner always writes ``artifacts/<ident>/command`` (the command line, cwd and the
full environment, mode 0600), and without ``suppress_env_files`` also ``env/envvars``. The
test pins that exact set: the secrets may be in ``command`` and nowhere else on disk.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import secrets
import stat
import subprocess
import sys

import pytest
import yaml

from ansible.module_utils.parsing.convert_bool import boolean
from jinja2.sandbox import ImmutableSandboxedEnvironment

from emulator.control import EmulatorControl, EmulatorProcess, actions_path

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
CREDENTIAL_TYPES = os.path.join(REPO_ROOT, 'extensions', 'awx', 'credential_types')

# The job template under test: a collection playbook, imported by a one-line project playbook the
# way an AWX project uses a collection's playbooks.
JOB_PLAYBOOK = 'opsflow.pipelines.sandbox_provision'
# The job template's extra variables: the emulator's default seed (Buddy workspace acme, project
# website, pipeline 1; BlinkOps workspace ws-emulator, workflow wf-notify), no connection settings.
JOB_EXTRA_VARS = {
    'sandbox_provision_workspace': 'acme',
    'sandbox_provision_project_name': 'website',
    'sandbox_provision_pipeline_id': 1,
    'sandbox_provision_branch': 'main',
    'sandbox_provision_sandbox_identifier': 'awx-job',
    'sandbox_provision_poll_interval': 0.5,
    'sandbox_pipeline_name_prefix': '[awx] ',
    'sandbox_pipeline_spec': {'os': 'ubuntu:24.04', 'apps': ['./run.sh'],
                              'endpoints': [{'name': 'web', 'endpoint': '8080', 'type': 'HTTP'}]},
    'sandbox_pipeline_test_image': 'library/python',
    'sandbox_pipeline_test_image_tag': '3.12',
    'sandbox_pipeline_test_commands': ['pytest'],
    'sandbox_provision_blink_workspace_id': 'ws-emulator',
    'sandbox_provision_blink_workflow_id': 'wf-notify',
    'sandbox_provision_blink_poll_interval': 0.5,
}
EXPECTED_ACTIONS = [('[awx] Create sandbox', 'SANDBOX_CREATE'), ('[awx] Start apps', 'SANDBOX_MANAGE'),
                    ('[awx] Run tests', 'RUN_DOCKER_CONTAINER')]
JOB_ID = '4242'
HIDDEN = '**********'  # what AWX puts in the safe environment for a secret input


def load_credential_type(filename):
    with open(os.path.join(CREDENTIAL_TYPES, filename), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def render_injectors(credential_type, inputs):
    """The (env, safe_env) AWX injects for a credential with ``inputs``, rendered as AWX renders them.

    Only inputs the credential holds enter the template namespace (a field's ``default`` only
    pre-fills the form); empty strings are left out; a boolean field the credential doesn't
    hold is false; a secret field is ``**********`` in the safe namespace. Templates run in
    Jinja's immutable sandbox with the default (lenient) undefined.
    """
    fields = credential_type['inputs']['fields']
    secret_fields = set(field['id'] for field in fields if field.get('secret'))
    namespace, safe_namespace = {}, {}
    for name, value in inputs.items():
        if isinstance(value, bool):
            namespace[name] = safe_namespace[name] = value
            continue
        if value:
            namespace[name] = value
            safe_namespace[name] = HIDDEN if name in secret_fields else value
        elif name in secret_fields:
            safe_namespace[name] = HIDDEN
    for field in fields:
        if field['type'] == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = safe_namespace[field['id']] = False
    sandbox = ImmutableSandboxedEnvironment()
    env, safe_env = {}, {}
    for variable, template in credential_type['injectors'].get('env', {}).items():
        env[variable] = sandbox.from_string(template).render(**namespace)
        safe_env[variable] = sandbox.from_string(template).render(**safe_namespace)
    return env, safe_env


# --- the credential types themselves ------------------------------------------------------------

@pytest.mark.parametrize('filename, prefix', [('buddy_works_api.yml', 'BUDDY_'), ('blinkops_api.yml', 'BLINK_')])
def test_credential_type_definition_is_well_formed(filename, prefix):
    credential_type = load_credential_type(filename)
    assert set(credential_type) == {'name', 'description', 'kind', 'inputs', 'injectors'}
    assert credential_type['kind'] == 'cloud'  # custom types may only be cloud or net
    fields = credential_type['inputs']['fields']
    ids = [field['id'] for field in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert set(field) <= {'id', 'label', 'type', 'secret', 'default', 'help_text', 'multiline', 'choices', 'format'}
        assert field['label'] and field['type'] in ('string', 'boolean')
        assert not (field.get('secret') and field['type'] != 'string')
    assert set(credential_type['inputs']['required']) <= set(ids)
    assert set(credential_type['injectors']) == {'env'}, 'only environment variables: never extra vars (they show in the job)'
    sandbox = ImmutableSandboxedEnvironment()
    from jinja2 import meta
    for variable, template in credential_type['injectors']['env'].items():
        assert variable.startswith(prefix) and variable == variable.upper()
        assert meta.find_undeclared_variables(sandbox.parse(template)) <= set(ids), template


def test_buddy_credential_injects_what_the_buddy_modules_read():
    from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_OPTIONS

    read = dict((env, option.name) for option in BUDDY_CONNECTION_OPTIONS for env in option.env)
    credential_type = load_credential_type('buddy_works_api.yml')

    # Only the required input: the rest falls back to the modules' own defaults.
    env, safe_env = render_injectors(credential_type, {'token': 'tok-1'})
    assert env == {'BUDDY_TOKEN': 'tok-1', 'BUDDY_API_URL': 'https://api.buddy.works', 'BUDDY_VALIDATE_CERTS': 'true'}
    assert safe_env == dict(env, BUDDY_TOKEN=HIDDEN)
    assert dict((read[name], name) for name in env) == {
        'token': 'BUDDY_TOKEN', 'api_url': 'BUDDY_API_URL', 'validate_certs': 'BUDDY_VALIDATE_CERTS'}
    assert boolean(env['BUDDY_VALIDATE_CERTS']) is True

    # As the form saves it, with the defaults filled in; and an empty URL.
    env, dummy = render_injectors(credential_type, {'token': 'tok-1', 'api_url': 'https://api.eu.buddy.works',
                                                    'skip_tls_verify': False})
    assert env['BUDDY_API_URL'] == 'https://api.eu.buddy.works' and boolean(env['BUDDY_VALIDATE_CERTS']) is True
    env, dummy = render_injectors(credential_type, {'token': 'tok-1', 'api_url': '', 'skip_tls_verify': True})
    assert env['BUDDY_API_URL'] == 'https://api.buddy.works' and boolean(env['BUDDY_VALIDATE_CERTS']) is False


def test_blink_credential_injects_what_the_blink_modules_read():
    from ansible_collections.opsflow.pipelines.plugins.module_utils._blink import BLINK_CONNECTION_OPTIONS

    read = dict((env, option.name) for option in BLINK_CONNECTION_OPTIONS for env in option.env)
    credential_type = load_credential_type('blinkops_api.yml')
    env, safe_env = render_injectors(credential_type, {'api_key': 'key-1'})
    assert env == {'BLINK_API_KEY': 'key-1', 'BLINK_API_URL': 'https://app.blinkops.com'}
    assert safe_env == dict(env, BLINK_API_KEY=HIDDEN)
    assert dict((read[name], name) for name in env) == {'api_key': 'BLINK_API_KEY', 'api_url': 'BLINK_API_URL'}
    env, dummy = render_injectors(credential_type, {'api_key': 'key-1', 'api_url': 'https://us2.blinkops.com'})
    assert env['BLINK_API_URL'] == 'https://us2.blinkops.com'


# --- a job run through ansible-runner -----------------------------------------------------------

@pytest.fixture(scope='module')
def secrets_in_use():
    """A token and a key nobody else uses: found anywhere, they can only have come from this run."""
    return {'token': 'buddy-%s' % secrets.token_hex(16), 'api_key': 'blink-%s' % secrets.token_hex(16)}


@pytest.fixture(scope='module')
def private_emulator(secrets_in_use):
    """An emulator that accepts only this test's token and key (not the emulator defaults)."""
    args = ['--buddy-token', secrets_in_use['token'], '--blink-key', secrets_in_use['api_key']]
    with EmulatorProcess(args) as process:
        yield process


@pytest.fixture(scope='module')
def ee_collections(tmp_path_factory):
    """The collection built and installed as in an execution environment (not the live tree)."""
    work = tmp_path_factory.mktemp('ee-collections')
    dist = work / 'dist'
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(dist), REPO_ROOT])
    [tarball] = list(dist.glob('*.tar.gz'))
    collections = work / 'collections'
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '--collections-path', str(collections),
         str(tarball)], env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)))
    return str(collections)


def run(command, env=None):
    completed = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                               timeout=300, check=False)
    assert completed.returncode == 0, '%s exited %d:\n%s' % (' '.join(command), completed.returncode, completed.stdout)


def build_private_data_dir(root):
    """project/, inventory/ and env/ as AWX lays them out, with the job's playbook, inventory and options."""
    for folder in ('project', 'inventory', 'env'):
        os.makedirs(os.path.join(root, folder))
    os.chmod(root, stat.S_IRWXU)
    with open(os.path.join(root, 'project', 'job.yml'), 'w', encoding='utf-8') as handle:
        handle.write('---\n- name: Run %s\n  ansible.builtin.import_playbook: %s\n' % (JOB_PLAYBOOK, JOB_PLAYBOOK))
    # AWX's "Demo Inventory": localhost on the local connection, with the EE's Python.
    inventory = {'all': {'hosts': {'localhost': {'ansible_connection': 'local',
                                                 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}}}
    with open(os.path.join(root, 'inventory', 'hosts.yml'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory, handle)
    with open(os.path.join(root, 'env', 'extravars'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(JOB_EXTRA_VARS, handle)
    # The job template's "Show changes" and "4 (Connection Debug)" verbosity: the most output a job can have.
    with open(os.path.join(root, 'env', 'cmdline'), 'w', encoding='utf-8') as handle:
        handle.write('--diff -vvvv')


def files_containing(root, needles):
    """{relative path: [needle labels]} of the files under root whose bytes hold a needle.

    ``needles`` maps a label to a secret; only labels are returned, so a failure never prints a secret.
    """
    found = {}
    for directory, dummy, files in os.walk(root):
        for filename in files:
            path = os.path.join(directory, filename)
            if not os.path.isfile(path):
                continue  # fifos, sockets
            with open(path, 'rb') as handle:
                data = handle.read()
            hits = sorted(label for label, needle in needles.items() if needle.encode('utf-8') in data)
            if hits:
                found[os.path.relpath(path, root)] = hits
    return found


def test_job_template_run_with_injected_credentials_keeps_secrets_out(private_emulator, secrets_in_use, ee_collections,
                                                                      tmp_path, monkeypatch):
    import ansible_runner

    control = EmulatorControl(private_emulator.url)
    control.reset()
    token, api_key = secrets_in_use['token'], secrets_in_use['api_key']

    # The control node's environment must not lend the run any credential of its own.
    for name in list(os.environ):
        if name.startswith(('BUDDY_', 'BLINK_')):
            monkeypatch.delenv(name)

    buddy_env, buddy_safe = render_injectors(load_credential_type('buddy_works_api.yml'),
                                             {'token': token, 'api_url': private_emulator.url, 'skip_tls_verify': False})
    blink_env, blink_safe = render_injectors(load_credential_type('blinkops_api.yml'),
                                             {'api_key': api_key, 'api_url': private_emulator.url})
    env = {
        'ANSIBLE_COLLECTIONS_PATH': ee_collections,
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-local-tmp'),
        'ANSIBLE_REMOTE_TEMP': str(tmp_path / 'ansible-remote-tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'JOB_ID': JOB_ID,
    }
    env.update(buddy_env)
    env.update(blink_env)
    safe_cred_env = dict(buddy_safe, **blink_safe)

    private_data_dir = str(tmp_path / ('awx_%s_job' % JOB_ID))
    build_private_data_dir(private_data_dir)
    events, statuses = [], []

    def status_handler(status_data, runner_config):
        statuses.append(json.loads(json.dumps(status_data)))
        del runner_config

    result = ansible_runner.interface.run(
        ident=JOB_ID, private_data_dir=private_data_dir, playbook='job.yml',
        inventory=os.path.join(private_data_dir, 'inventory', 'hosts.yml'),
        envvars=env, suppress_env_files=True, quiet=True,
        settings={'suppress_ansible_output': True, 'job_timeout': 300},
        event_handler=lambda event: events.append(event) or True, status_handler=status_handler)

    artifacts = os.path.join(private_data_dir, 'artifacts', JOB_ID)
    with open(os.path.join(artifacts, 'stdout'), encoding='utf-8') as handle:
        stdout = handle.read()
    assert (result.status, result.rc) == ('successful', 0), stdout

    # It did the job with the token and the key the credentials injected (the emulator accepts no
    # others): the flow is in the pipeline, one run succeeded, the sandbox is up, BlinkOps was told.
    state = control.state()
    stored = [(action['name'], action['type']) for action in control.actions('acme', 'website', 1)]
    assert stored == EXPECTED_ACTIONS
    posts = control.find(method='POST', path=actions_path('acme', 'website', 1) + '$')
    assert [entry['status'] for entry in posts] == [201] * len(EXPECTED_ACTIONS)
    assert [run['status'] for run in state['executions'].values()] == ['SUCCESSFUL']
    assert [(box['identifier'], box['status']) for box in state['sandboxes'].values()] == [('awx-job', 'RUNNING')]
    blink_runs = list(state['blink']['workspaces']['ws-emulator']['executions'].values())
    assert [(run['playbook_id'], run['state'], run['inputs']['sandbox_identifier']) for run in blink_runs] == [
        ('wf-notify', 'Completed', 'awx-job')]
    log = control.requests()
    assert set(entry['auth'] for entry in log if entry['path'].startswith('/api/v1/')) == {'blink-key'}
    assert set(entry['auth'] for entry in log if not entry['path'].startswith('/api/v1/')) == {'bearer'}
    refused = [(entry['method'], entry['path'], entry['status']) for entry in log if entry['status'] in (401, 403)]
    assert not refused and log, refused
    assert any(event.get('event') == 'runner_on_ok' and event['event_data'].get('res', {}).get('changed')
               for event in events)

    # What AWX keeps: events (as handed over and as written), stdout, and the masked job_env.
    needles = {'token': token, 'api_key': api_key}
    [starting] = [status for status in statuses if status['status'] == 'starting']
    # The runner's environment held both (so the checks below mean something).
    assert starting['env']['BUDDY_TOKEN'] == token and starting['env']['BLINK_API_KEY'] == api_key, 'credential not injected'

    job_env = dict(starting['env'])
    job_env.update((name, value) for name, value in safe_cred_env.items() if name in job_env)
    kept = {'events (handler)': json.dumps(events), 'stdout': stdout, 'job_env': json.dumps(job_env),
            'job_args': json.dumps(starting['command'])}
    leaked = [(where, label) for where, text in kept.items() for label, needle in needles.items() if needle in text]
    assert not leaked, 'secrets leaked (where, which): %s' % leaked
    assert len(os.listdir(os.path.join(artifacts, 'job_events'))) == len(events) > 0

    # On disk: only ansible-runner's own record of the environment, private to the job's user.
    leaks = files_containing(private_data_dir, needles)
    command_file = os.path.join('artifacts', JOB_ID, 'command')
    assert leaks == {command_file: ['api_key', 'token']}, leaks
    assert stat.S_IMODE(os.stat(os.path.join(private_data_dir, command_file)).st_mode) == 0o600
    assert not os.path.exists(os.path.join(private_data_dir, 'env', 'envvars'))
