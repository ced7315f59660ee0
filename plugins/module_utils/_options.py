# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Connection options declared once per service, as a table.

The same table yields the connection ArgumentSpec (with environment fallbacks) of every
module of a service, so an option can't be declared in one module and
forgotten in another.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Dict, Sequence

from ansible.module_utils.basic import env_fallback

from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec


class ConnectionOption:
    """One row of a service's connection table."""

    def __init__(self, name: str, type: str, default: Any = None, env: Sequence[str] = (),
                 required: bool = False, no_log: bool = False) -> None:
        self.name = name
        self.type = type
        self.default = default
        self.env = tuple(env)
        self.required = required
        self.no_log = no_log

    def spec(self) -> Dict[str, Any]:
        entry: Dict[str, Any] = {"type": self.type, "no_log": self.no_log}
        if self.required:
            entry["required"] = True
        if self.default is not None:
            entry["default"] = self.default
        if self.env:
            entry["fallback"] = (env_fallback, list(self.env))
        return entry


def connection_spec(table: Sequence[ConnectionOption]) -> ArgumentSpec:
    """A service's connection options as an ArgumentSpec, for modules to merge their own options onto."""
    return ArgumentSpec(dict((option.name, option.spec()) for option in table))
