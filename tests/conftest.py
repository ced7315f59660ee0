# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Root pytest configuration: make the live tree importable and runnable as opsflow.pipelines.

``make venv`` links ``.work/collections/ansible_collections/opsflow/pipelines`` to the repository
root. ``pytest.ini`` puts ``.work/collections`` on the import path, so tests import
``ansible_collections.opsflow.pipelines...``; putting it first in ``ANSIBLE_COLLECTIONS_PATH``
makes the ``ansible-playbook`` runs of the integration tests use this tree; putting the running
interpreter's bin directory first on ``PATH`` makes them use the venv's ansible.
"""

from __future__ import annotations

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, '.work', 'collections')
COLLECTION_LINK = os.path.join(COLLECTIONS_ROOT, 'ansible_collections', 'opsflow', 'pipelines')


def _prepend(variable: str, entry: str) -> None:
    """Put entry first in an os.pathsep-separated environment variable, once."""
    entries = [item for item in os.environ.get(variable, '').split(os.pathsep) if item and item != entry]
    os.environ[variable] = os.pathsep.join([entry] + entries)


def pytest_configure(config):  # pylint: disable=unused-argument
    """Check the collection link and set up the import path and the environment for the tests."""
    if os.path.realpath(COLLECTION_LINK) != os.path.realpath(REPO_ROOT):
        raise RuntimeError('%s does not point at %s: run `make venv` first' % (COLLECTION_LINK, REPO_ROOT))
    _prepend('ANSIBLE_COLLECTIONS_PATH', COLLECTIONS_ROOT)
    _prepend('PATH', os.path.dirname(sys.executable))


def pytest_report_header(config):  # pylint: disable=unused-argument
    """Say which ansible-core (and whose bin directory) the tests and their ansible-playbook runs use."""
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel
    return 'ansible-core %s, ansible-playbook from %s' % (__version__, os.path.dirname(sys.executable))
