# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The opsflow API emulator (Buddy.works + BlinkOps) as a package: test tooling, standard library only.

Import it with the directory that holds it (``tests``) on the import path, e.g. pytest's
``pythonpath = tests``: ``from emulator.control import EmulatorControl, EmulatorProcess``.
Run it with ``python3 tests/emulator/with_emulator.py -- CMD`` or, from ``tests``,
``python3 -m emulator.server``. Layout and how to add a resource: README.md.
"""
