# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's execution-environment metadata and the example EE definition.

No container engine here, so the image is not built. Instead the test runs what the build
would run, up to the point where packages get installed: ``ansible-builder create`` on
docs/examples/execution-environment.yml with a freshly built collection tarball, then, from the
build context it produced, the galaxy stage's ``ansible-galaxy collection install -r
requirements.yml`` and the builder stage's ``introspect.py`` (ansible-builder's own script, the
copy in the context). What introspect finds is what the image's pip and dnf would install.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ast
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
EXAMPLE_EE = os.path.join(REPO_ROOT, 'docs', 'examples', 'execution-environment.yml')
META_EE = os.path.join(REPO_ROOT, 'meta', 'execution-environment.yml')
COLLECTION_MARK = '# from collection opsflow.pipelines'


def run(command, cwd=None, env=None):
    completed = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=300, check=False)
    assert completed.returncode == 0, '%s exited %d:\n%s' % (' '.join(command), completed.returncode, completed.stdout)
    return completed.stdout


def read_lines(path):
    """Non-blank, non-comment lines of a requirements or bindep file."""
    with open(path, encoding='utf-8') as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith('#')]


def meta_dependency_files():
    with open(META_EE, encoding='utf-8') as handle:
        meta = yaml.safe_load(handle)
    return meta, os.path.join(REPO_ROOT, meta['dependencies']['python']), os.path.join(REPO_ROOT, meta['dependencies']['system'])


def canonical(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def third_party_imports():
    """Top-level names imported anywhere under plugins/ that are neither stdlib nor ansible."""
    names = set()
    for directory, dummy, files in os.walk(os.path.join(REPO_ROOT, 'plugins')):
        for filename in files:
            if not filename.endswith('.py'):
                continue
            with open(os.path.join(directory, filename), encoding='utf-8') as handle:
                tree = ast.parse(handle.read(), filename)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split('.')[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names.add(node.module.split('.')[0])
    return set(name for name in names
               if name not in sys.stdlib_module_names and name not in ('ansible', 'ansible_collections', '__future__'))


def test_meta_names_requirement_files_with_runtime_needs_only():
    from importlib.metadata import packages_distributions
    from packaging.requirements import Requirement

    meta, python_file, system_file = meta_dependency_files()
    assert meta['version'] == 1
    # ansible-builder only accepts paths relative to the collection root.
    assert not os.path.isabs(meta['dependencies']['python']) and not os.path.isabs(meta['dependencies']['system'])

    requirements = [Requirement(line) for line in read_lines(python_file)]
    names = set(canonical(requirement.name) for requirement in requirements)
    assert requirements, 'no Python requirements at all'
    assert not names & {'ansible', 'ansible-core', 'ansible-base'}, 'the EE brings its own ansible-core'
    for requirement in requirements:
        bad = [str(spec) for spec in requirement.specifier if spec.operator not in ('>=', '>')]
        assert not bad, '%s: no pins or upper bounds in an EE requirement (%s)' % (requirement.name, ', '.join(bad))

    # Every third-party import of the modules is declared, and nothing else is.
    distributions = packages_distributions()
    imported = set()
    for module_name in third_party_imports():
        assert module_name in distributions, 'plugins/ imports %r, which no installed distribution provides' % module_name
        imported.update(canonical(name) for name in distributions[module_name])
    assert imported == names, 'imported by plugins/: %s; declared in %s: %s' % (
        sorted(imported), os.path.relpath(python_file, REPO_ROOT), sorted(names))

    from bindep.depends import Depends
    system_lines = read_lines(system_file)
    Depends('\n'.join(system_lines) + '\n')  # raises on a syntax error
    assert all(re.match(r'^[A-Za-z0-9][A-Za-z0-9+._-]*( \[[^]]+\])?$', line) for line in system_lines), system_lines


@pytest.fixture(scope='module')
def collection_tarball(tmp_path_factory):
    """The collection as `ansible-galaxy collection build` packs it (build_ignore applied)."""
    output = tmp_path_factory.mktemp('dist')
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', str(output), REPO_ROOT])
    [tarball] = [name for name in os.listdir(str(output)) if name.endswith('.tar.gz')]
    return os.path.join(str(output), tarball)


@pytest.fixture(scope='module')
def build_context(collection_tarball, tmp_path_factory):
    """ansible-builder create, run the way the example's own instructions say."""
    ee_dir = tmp_path_factory.mktemp('ee')
    shutil.copy(EXAMPLE_EE, str(ee_dir / 'execution-environment.yml'))
    shutil.copy(collection_tarball, str(ee_dir / 'opsflow-pipelines.tar.gz'))
    run([os.path.join(BIN, 'ansible-builder'), 'create', '--file', 'execution-environment.yml', '--context', 'context',
         '--output-filename', 'Containerfile'], cwd=str(ee_dir))
    return ee_dir / 'context'


def test_tarball_carries_the_ee_metadata(collection_tarball):
    meta, python_file, system_file = meta_dependency_files()
    with tarfile.open(collection_tarball) as archive:
        members = set(archive.getnames())
    for path in ('meta/execution-environment.yml', meta['dependencies']['python'], meta['dependencies']['system']):
        assert path in members, '%s is missing from the built collection (build_ignore?)' % path
    assert os.path.exists(python_file) and os.path.exists(system_file)


def test_builder_context_installs_the_collection_and_its_requirements(build_context, collection_tarball, tmp_path):
    build = build_context / '_build'
    with open(str(build_context / 'Containerfile'), encoding='utf-8') as handle:
        containerfile = handle.read()
    # The stages this test replays are the ones the Containerfile runs.
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    assert '/output/scripts/introspect.py introspect' in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.16 ansible-runner"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.11"' in containerfile

    with open(str(build / 'requirements.yml'), encoding='utf-8') as handle:
        galaxy_requirements = yaml.safe_load(handle)
    assert galaxy_requirements == {'collections': [{'name': 'collections/opsflow-pipelines.tar.gz', 'type': 'file'}]}
    with open(str(build / 'collections' / 'opsflow-pipelines.tar.gz'), 'rb') as copied, open(collection_tarball, 'rb') as built:
        assert copied.read() == built.read(), 'the build context holds another tarball than the one built'

    # Galaxy stage: WORKDIR /build, install into what is /usr/share/ansible/collections in the image,
    # the only collections path there (here the live tree is on ANSIBLE_COLLECTIONS_PATH: take it off,
    # or ansible-galaxy finds the collection already installed and does nothing).
    collections = tmp_path / 'usr-share-ansible-collections'
    env = dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY='1', ANSIBLE_COLLECTIONS_PATH=str(collections))
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml',
         '--collections-path', str(collections)], cwd=str(build), env=env)
    installed = collections / 'ansible_collections' / 'opsflow' / 'pipelines'
    assert (installed / 'MANIFEST.json').exists()

    # Builder stage: introspect every installed collection, as the image build does.
    pip_out, bindep_out = tmp_path / 'requirements.txt', tmp_path / 'bindep.txt'
    run([sys.executable, str(build / 'scripts' / 'introspect.py'), 'introspect', str(collections),
         '--write-pip', str(pip_out), '--write-bindep', str(bindep_out)])

    dummy, python_file, system_file = meta_dependency_files()
    expected_pip = ['%s  %s' % (line, COLLECTION_MARK) for line in read_lines(python_file)]
    expected_bindep = ['%s  %s' % (line, COLLECTION_MARK) for line in read_lines(system_file)]
    with open(str(pip_out), encoding='utf-8') as handle:
        assert [line.rstrip('\n') for line in handle if line.strip()] == expected_pip
    with open(str(bindep_out), encoding='utf-8') as handle:
        assert [line.rstrip('\n') for line in handle if line.strip()] == expected_bindep


def shown_files():
    """{path: text} of the files the guides show verbatim, each after a `.. opsflow-file: PATH` comment."""
    guides = os.path.join(REPO_ROOT, 'docs', 'docsite', 'rst')
    marker = re.compile(r'^\.\. opsflow-file: (\S+)\n\n\.\. code-block:: \S+\n\n((?:(?: {4}.*)?\n)+)', re.M)
    shown = {}
    for name in sorted(os.listdir(guides)):
        with open(os.path.join(guides, name), encoding='utf-8') as handle:
            for match in marker.finditer(handle.read()):
                lines = match.group(2).rstrip('\n').split('\n')
                shown[match.group(1)] = '\n'.join(line[4:] for line in lines) + '\n'
    return shown


def test_guides_show_the_files_as_they_are():
    shown = shown_files()
    assert {'meta/execution-environment.yml', 'meta/ee-requirements.txt', 'meta/ee-bindep.txt',
            'docs/examples/execution-environment.yml', 'extensions/awx/credential_types/buddy_works_api.yml',
            'extensions/awx/credential_types/blinkops_api.yml'} <= set(shown)
    for path, text in shown.items():
        with open(os.path.join(REPO_ROOT, path), encoding='utf-8') as handle:
            assert handle.read() == text, '%s differs from its copy in docs/docsite/rst: copy it again' % path
