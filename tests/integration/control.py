# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TRANSITIONAL: lets integration tests that still say ``from control import ...`` run.

The emulator is the package ``emulator`` now (``pytest.ini``: ``pythonpath = tests``); write
``from emulator.control import ...``. Delete this file once no test imports ``control``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from emulator.control import (  # noqa: F401  pylint: disable=unused-import
    BLINK_API_KEY,
    BUDDY_READONLY_TOKEN,
    BUDDY_TOKEN,
    EmulatorControl,
    EmulatorError,
    EmulatorProcess,
    actions_path,
    filler_actions,
)
