# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Install tools/get_pip_standin.py wherever the installed ansible-test looks for its pip bootstrap script.

Run it with the Python that has ansible-core installed. It asks ansible-test itself which pip
version it bootstraps for each Python version it supports, and writes
``~/.ansible/test/cache/get_pip_<version>.py`` for each one. A real script already in the cache
(one without the stand-in marker) is left alone.
"""

from __future__ import annotations

import os
import sys
import types

MARKER = 'OPSFLOW-GET-PIP-STANDIN'
STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'get_pip_standin.py')
CACHE_DIR = os.path.expanduser('~/.ansible/test/cache')


def wanted_pip_versions() -> set[str]:
    """Return every pip version the installed ansible-test bootstraps, across its Python versions."""
    # pylint: disable=import-outside-toplevel
    from ansible_test._internal.python_requirements import get_venv_packages
    from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS, REMOTE_ONLY_PYTHON_VERSIONS

    versions = CONTROLLER_PYTHON_VERSIONS + REMOTE_ONLY_PYTHON_VERSIONS
    return {get_venv_packages(types.SimpleNamespace(version=version))['pip'] for version in versions}


def install(pip_version: str, content: str) -> str:
    """Write the stand-in for one pip version; return what was done."""
    path = os.path.join(CACHE_DIR, 'get_pip_%s.py' % pip_version.replace('.', '_'))
    if os.path.exists(path):
        with open(path, encoding='utf-8', errors='replace') as existing:
            current = existing.read()
        if MARKER not in current:
            return 'kept the real bootstrap script at %s' % path
        if current == content:
            return 'up to date: %s' % path
    os.makedirs(CACHE_DIR, exist_ok=True)
    temp_path = path + '.tmp'
    with open(temp_path, 'w', encoding='utf-8') as target:
        target.write(content)
    os.replace(temp_path, path)
    return 'installed %s' % path


def main() -> int:
    """Install the stand-in for every wanted pip version."""
    with open(STANDIN, encoding='utf-8') as source:
        content = source.read()
    for pip_version in sorted(wanted_pip_versions()):
        print('get-pip stand-in for pip %s: %s' % (pip_version, install(pip_version, content)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
