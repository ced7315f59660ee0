# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit-test isolation: every test starts with ansible's process-wide warnings and deprecations empty.

AnsibleModule.warn() records into module-level collections of ansible.module_utils.common.warnings
that live as long as the process; a module's exit hands back whatever they hold. In a test process
that runs many modules, a warning from one test would otherwise appear in (or, with 2.19's
de-duplication, be missing from) the next test's result, so results would depend on test order.

From ansible-core 2.19 on, module_utils' warn() also sends warnings to the controller's display
instead of the module result once anything in the process has imported the controller (the
connection and inventory plugin tests do); the modules under test run as on a target host, so
every test starts on the module side.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.module_utils.common import warnings as ansible_warnings


@pytest.fixture(autouse=True)
def _module_side_of_ansible(monkeypatch):
    """Warnings collected for the result, as on a target host (2.19+), and none left from an earlier test."""
    try:
        from ansible.module_utils import _internal  # pylint: disable=import-outside-toplevel
    except ImportError:  # ansible-core before 2.19
        _internal = None
    if _internal is not None and hasattr(_internal, "is_controller"):
        monkeypatch.setattr(_internal, "is_controller", False)
    for name in ("_global_warnings", "_global_deprecations"):
        collected = getattr(ansible_warnings, name, None)
        if collected is not None:
            collected.clear()
    yield
