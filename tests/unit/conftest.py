# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit-test isolation: every test starts with ansible's process-wide warnings and deprecations empty.

AnsibleModule.warn() records into module-level collections of ansible.module_utils.common.warnings
that live as long as the process; a module's exit hands back whatever they hold. In a test process
that runs many modules, a warning from one test would otherwise appear in (or, with 2.19's
de-duplication, be missing from) the next test's result, so results would depend on test order.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.module_utils.common import warnings as ansible_warnings


@pytest.fixture(autouse=True)
def _empty_ansible_warnings():
    for name in ("_global_warnings", "_global_deprecations"):
        collected = getattr(ansible_warnings, name, None)
        if collected is not None:
            collected.clear()
    yield
