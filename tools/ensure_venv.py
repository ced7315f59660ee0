# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Create or re-use the project's tool environments under .work/ (called by `make venv`, `make venv-2.16`).

Usage: python tools/ensure_venv.py [NAME]       make environment NAME ready (default: dev)
       python tools/ensure_venv.py --lock NAME   re-pin NAME's constraints file (`make lock`)

Environments (see ENVIRONMENTS):

* ``dev``: ``.work/venv``, requirements-dev.txt constrained by tools/constraints-dev.txt: every
  tool, on the newest ansible-core.
* ``2.16``: ``.work/venv-2.16``, tools/requirements-2.16.txt constrained by
  tools/constraints-2.16.txt: the oldest ansible-core the collection supports, with what the
  integration tests need.

Each environment holds a stamp file with a hash of its two files and of the Python version; while
it matches, the environment is re-used as it is. When it does not, and the environment is on the
same Python, the requirements are installed into it in place; if it then holds exactly what the
constraints file pins, that's it (quick, and tests running from it meanwhile keep working).
Otherwise it is rebuilt from scratch.

Every call also makes sure of:

* ``.work/collections/ansible_collections/opsflow/pipelines``: a symlink to the repository root,
  so ``ANSIBLE_COLLECTIONS_PATH=.work/collections`` (and pytest) find the live tree.
* ansible-test's pip bootstrap script for that environment's ansible-test: see tools/install_get_pip.py.

Runs on the machine's python3 (3.11+), with nothing else installed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, '.work')
COLLECTION_LINK = os.path.join(WORK, 'collections', 'ansible_collections', 'opsflow', 'pipelines')
MIN_PYTHON = (3, 11)
STAMP_NAME = '.requirements.sha256'

# name: (environment directory, requirements file, constraints file), paths relative to ROOT.
ENVIRONMENTS = {
    'dev': ('.work/venv', 'requirements-dev.txt', 'tools/constraints-dev.txt'),
    '2.16': ('.work/venv-2.16', 'tools/requirements-2.16.txt', 'tools/constraints-2.16.txt'),
}

PIP_INSTALL = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet']


class Environment:
    """One tool environment: where it lives and what it is built from."""

    def __init__(self, name: str) -> None:
        directory, requirements, constraints = ENVIRONMENTS[name]
        self.name = name
        self.path = os.path.join(ROOT, directory)
        self.python = os.path.join(self.path, 'bin', 'python')
        self.stamp = os.path.join(self.path, STAMP_NAME)
        self.requirements = os.path.join(ROOT, requirements)
        self.constraints = os.path.join(ROOT, constraints)

    def wanted_hash(self) -> str:
        """Hash what decides the environment's content: its requirement files and the Python version."""
        digest = hashlib.sha256(sys.version.encode('utf-8'))
        # Absolute paths: a venv does not survive a move (its scripts name their interpreter by path).
        for path in (self.requirements, self.constraints):
            digest.update(path.encode('utf-8'))
            if os.path.exists(path):
                with open(path, 'rb') as handle:
                    digest.update(handle.read())
        return digest.hexdigest()

    def current_hash(self) -> str:
        """Return the hash the environment was built from, or '' when there is none."""
        try:
            with open(self.stamp, encoding='utf-8') as handle:
                return handle.read().strip()
        except FileNotFoundError:
            return ''

    def install_command(self) -> list[str]:
        command = [self.python] + PIP_INSTALL + ['-r', self.requirements]
        if os.path.exists(self.constraints):
            command += ['-c', self.constraints]
        return command

    def write_stamp(self, wanted: str) -> None:
        with open(self.stamp, 'w', encoding='utf-8') as handle:
            handle.write(wanted + '\n')

    def update_in_place(self, wanted: str) -> bool:
        """Install the requirements into the existing environment; True when it then holds exactly the pins."""
        if not os.path.exists(self.python) or not os.path.exists(self.constraints):
            return False
        same_python = subprocess.run([self.python, '-c', 'import sys; print(sys.version)'], check=False,
                                     stdout=subprocess.PIPE, universal_newlines=True).stdout.strip() == sys.version
        if not same_python:
            return False
        print('updating %s in place' % os.path.relpath(self.path, ROOT), flush=True)
        if subprocess.run(self.install_command(), check=False).returncode != 0:
            return False
        frozen = subprocess.run([self.python, '-m', 'pip', 'freeze', '--all', '--exclude', 'pip', '--exclude', 'setuptools'],
                                check=False, stdout=subprocess.PIPE, universal_newlines=True).stdout
        with open(self.constraints, encoding='utf-8') as handle:
            pinned = pins(handle.read())
        if pins(frozen) != pinned:
            print('%s does not match %s after the update: rebuilding it' % (
                os.path.relpath(self.path, ROOT), os.path.relpath(self.constraints, ROOT)), flush=True)
            return False
        self.write_stamp(wanted)
        return True

    def build(self, wanted: str) -> None:
        """Build the environment from scratch and stamp it (the stamp is written last)."""
        shutil.rmtree(self.path, ignore_errors=True)
        print('creating %s (Python %s)' % (os.path.relpath(self.path, ROOT), sys.version.split()[0]), flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(self.path)
        subprocess.run(self.install_command(), check=True)
        self.write_stamp(wanted)

    def ensure(self) -> None:
        """Re-use the environment while its stamp matches, else update it in place, else rebuild it."""
        wanted = self.wanted_hash()
        if self.current_hash() == wanted and os.path.exists(self.python):
            print('re-using %s (requirements unchanged)' % os.path.relpath(self.path, ROOT))
        elif not self.update_in_place(wanted):
            self.build(wanted)

    def lock(self) -> None:
        """Install the requirements alone into a scratch environment; pin all it holds in the constraints file."""
        scratch = tempfile.mkdtemp(prefix='lock-%s-' % self.name, dir=WORK)
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(scratch)
            python = os.path.join(scratch, 'bin', 'python')
            subprocess.run([python] + PIP_INSTALL + ['-r', self.requirements], check=True)
            frozen = subprocess.run([python, '-m', 'pip', 'freeze', '--all', '--exclude', 'pip', '--exclude', 'setuptools'],
                                    check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        header = ('# Generated by `make lock` from %s: every package %s holds, pinned.\n'
                  '# Do not edit by hand.\n' % (os.path.relpath(self.requirements, ROOT), os.path.relpath(self.path, ROOT)))
        with open(self.constraints, 'w', encoding='utf-8') as handle:
            handle.write(header + frozen)
        print('wrote %s' % os.path.relpath(self.constraints, ROOT))


def pins(text: str) -> set[tuple[str, str]]:
    """(normalised name, version) of each ``name==version`` line of a freeze or constraints text."""
    found = set()
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if '==' in line:
            name, version = line.split('==', 1)
            found.add((re.sub(r'[-_.]+', '-', name).lower(), version.strip()))
    return found


def link_collection() -> None:
    """Point .work/collections/ansible_collections/opsflow/pipelines at the repository root."""
    if os.path.islink(COLLECTION_LINK) and os.path.realpath(COLLECTION_LINK) == os.path.realpath(ROOT):
        return
    os.makedirs(os.path.dirname(COLLECTION_LINK), exist_ok=True)
    if os.path.lexists(COLLECTION_LINK):
        os.unlink(COLLECTION_LINK)
    os.symlink(os.path.relpath(ROOT, os.path.dirname(COLLECTION_LINK)), COLLECTION_LINK)


def main(argv: list[str]) -> int:
    """Make .work/ ready (or re-pin with --lock); say what was done."""
    if sys.version_info[:2] < MIN_PYTHON:
        print('Python %d.%d+ is needed, this is %s' % (MIN_PYTHON + (sys.version.split()[0],)), file=sys.stderr)
        return 1
    lock = argv[:1] == ['--lock']
    names = argv[1:] if lock else argv
    if len(names) > 1 or any(name not in ENVIRONMENTS for name in names):
        print('usage: python tools/ensure_venv.py [--lock] [%s]' % '|'.join(ENVIRONMENTS), file=sys.stderr)
        return 2
    environment = Environment(names[0] if names else 'dev')
    os.makedirs(WORK, exist_ok=True)
    if lock:
        environment.lock()
        return 0
    environment.ensure()
    link_collection()
    subprocess.run([environment.python, os.path.join(ROOT, 'tools', 'install_get_pip.py')], check=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
