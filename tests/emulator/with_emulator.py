#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a command against a fresh emulator: ``python3 tests/emulator/with_emulator.py -- CMD ARGS...``.

The command users type, from any directory, in the repository or an installed collection. This
directory is the Python package ``emulator``; a file run as a script is not part of its package,
so this one loads the package from its own location (importlib with a spec: no ``sys.path``
change, the command's working directory untouched) and hands over to ``emulator.wrap``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType

PACKAGE = "emulator"


def load_package() -> ModuleType:
    """The package this file sits in, imported from here as ``emulator``."""
    if PACKAGE not in sys.modules:
        here = os.path.dirname(os.path.abspath(__file__))
        spec = importlib.util.spec_from_file_location(PACKAGE, os.path.join(here, "__init__.py"),
                                                      submodule_search_locations=[here])
        if spec is None or spec.loader is None:
            raise ImportError("can't load the emulator package from %s" % here)
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    return sys.modules[PACKAGE]


if __name__ == "__main__":
    load_package()
    sys.exit(importlib.import_module(PACKAGE + ".wrap").main())
