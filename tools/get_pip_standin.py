# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test bootstraps pip into each fresh sanity virtual environment by running a
``get-pip-<version>.py`` script that it fetches from a host this machine cannot reach.
It looks in ``~/.ansible/test/cache/get_pip_<version>.py`` first, so ``tools/install_get_pip.py``
copies this file there. It bootstraps the pip bundled with Python (``ensurepip``) and then lets
that pip install what ansible-test asked for (for example ``pip==24.2``) from the package index.

Marker used by tools/install_get_pip.py to recognise (and refresh) installed copies:
OPSFLOW-GET-PIP-STANDIN
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys

# get-pip.py options that mean "don't install setuptools / wheel"; pip's install has no such options.
BOOTSTRAP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def main() -> int:
    """Bootstrap pip with ensurepip, then run ``pip install`` with the caller's arguments."""
    saved_environ = dict(os.environ)
    try:
        # ensurepip blanks every PIP_* setting and sets ENSUREPIP_OPTIONS in os.environ.
        ensurepip.bootstrap()
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)

    pip_args = [arg for arg in sys.argv[1:] if arg not in BOOTSTRAP_ONLY_OPTIONS]
    if not any(not arg.startswith('-') for arg in pip_args):
        return 0  # nothing to install beyond the bundled pip

    return subprocess.call([sys.executable, '-m', 'pip', 'install'] + pip_args)


if __name__ == '__main__':
    sys.exit(main())
