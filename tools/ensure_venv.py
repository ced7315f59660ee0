# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Create or re-use the project's tool environment under .work/ (called by `make venv`).

* ``.work/venv``: a virtual environment with requirements-dev.txt (constrained by
  tools/constraints-dev.txt). A stamp file holds a hash of those files and of the Python
  version; while it matches, the environment is re-used as it is, otherwise it is rebuilt.
* ``.work/collections/ansible_collections/opsflow/pipelines``: a symlink to the repository root,
  so ``ANSIBLE_COLLECTIONS_PATH=.work/collections`` (and pytest) find the live tree.
* ansible-test's pip bootstrap script: see tools/install_get_pip.py.

Runs on the machine's python3 (3.11+), with nothing else installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, '.work')
VENV = os.path.join(WORK, 'venv')
VENV_PYTHON = os.path.join(VENV, 'bin', 'python')
STAMP = os.path.join(VENV, '.requirements.sha256')
REQUIREMENTS = os.path.join(ROOT, 'requirements-dev.txt')
CONSTRAINTS = os.path.join(ROOT, 'tools', 'constraints-dev.txt')
COLLECTION_LINK = os.path.join(WORK, 'collections', 'ansible_collections', 'opsflow', 'pipelines')
MIN_PYTHON = (3, 11)


def requirements_hash() -> str:
    """Hash what decides the environment's content: the requirement files and the Python version."""
    digest = hashlib.sha256(sys.version.encode('utf-8'))
    for path in (REQUIREMENTS, CONSTRAINTS):
        digest.update(path.encode('utf-8'))
        if os.path.exists(path):
            with open(path, 'rb') as handle:
                digest.update(handle.read())
    return digest.hexdigest()


def read_stamp() -> str:
    """Return the hash the current environment was built from, or '' when there is none."""
    try:
        with open(STAMP, encoding='utf-8') as handle:
            return handle.read().strip()
    except FileNotFoundError:
        return ''


def build_venv(wanted: str) -> None:
    """Build the environment from scratch and stamp it."""
    shutil.rmtree(VENV, ignore_errors=True)
    print('creating %s (Python %s)' % (os.path.relpath(VENV, ROOT), sys.version.split()[0]), flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    command = [VENV_PYTHON, '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet',
               '-r', REQUIREMENTS]
    if os.path.exists(CONSTRAINTS):
        command += ['-c', CONSTRAINTS]
    subprocess.run(command, check=True)
    with open(STAMP, 'w', encoding='utf-8') as handle:
        handle.write(wanted + '\n')


def link_collection() -> None:
    """Point .work/collections/ansible_collections/opsflow/pipelines at the repository root."""
    if os.path.islink(COLLECTION_LINK) and os.path.realpath(COLLECTION_LINK) == os.path.realpath(ROOT):
        return
    os.makedirs(os.path.dirname(COLLECTION_LINK), exist_ok=True)
    if os.path.lexists(COLLECTION_LINK):
        os.unlink(COLLECTION_LINK)
    os.symlink(os.path.relpath(ROOT, os.path.dirname(COLLECTION_LINK)), COLLECTION_LINK)


def main() -> int:
    """Make .work/ ready; say what was done."""
    if sys.version_info[:2] < MIN_PYTHON:
        print('Python %d.%d+ is needed, this is %s' % (MIN_PYTHON + (sys.version.split()[0],)), file=sys.stderr)
        return 1
    wanted = requirements_hash()
    if read_stamp() == wanted and os.path.exists(VENV_PYTHON):
        print('re-using %s (requirements unchanged)' % os.path.relpath(VENV, ROOT))
    else:
        build_venv(wanted)
    link_collection()
    subprocess.run([VENV_PYTHON, os.path.join(ROOT, 'tools', 'install_get_pip.py')], check=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
