# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The BLACKFIRE_PYTHON action type: Python commands profiled with Blackfire."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_base import ActionType, option, shared


class BlackfirePython(ActionType):
    name = "BLACKFIRE_PYTHON"
    summary = "runs Python commands profiled by Blackfire."
    options = {
        "execute_commands": shared("execute_commands", required_for_type=True),
        "version": option("str", "The Python version, such as V(3.12) or V(latest).", required_for_type=True),
        "integration": shared("integration", "The Blackfire integration.", required_for_type=True),
        "shell": shared("shell", choices=("SH", "BASH")),
        "setup_commands": shared("setup_commands"),
    }
