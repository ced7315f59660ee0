# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module tests run the modules as on a target host, whatever ran before them in this process.

From ansible-core 2.19 on, module_utils' warn() sends warnings to the controller's display instead of
the module result once anything has imported the controller (the connection and inventory plugin
tests do). A module's result must then still carry its warnings, as it does on a real host.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest


@pytest.fixture(autouse=True)
def _module_side_of_ansible(monkeypatch):
    try:
        from ansible.module_utils import _internal  # ansible-core 2.19+
    except ImportError:
        return
    if hasattr(_internal, "is_controller"):
        monkeypatch.setattr(_internal, "is_controller", False)
