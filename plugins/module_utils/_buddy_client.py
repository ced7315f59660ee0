# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""One object handing a Buddy module every resource client, all over one transport.

A module's main() passes ``BuddyClient.from_module`` to ``_module.module_main``;
run() then calls ``client.actions.list_actions(location)``,
``client.executions.get_execution(location, 12)`` and so on. Code that needs
one resource only (the action model, say) takes that resource's client
(``client.actions``, a ``_buddy_actions.BuddyActionsClient``), which is what its
tests fake.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Callable, Dict, Optional

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import buddy_transport
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_actions import BuddyActionsClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_executions import BuddyExecutionsClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_pipelines import BuddyPipelinesClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandbox_commands import BuddySandboxCommandsClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandboxes import BuddySandboxesClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_variables import BuddyVariablesClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport


class BuddyClient:
    """The Buddy resource clients, sharing one transport (and so its retry count and warnings)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.actions = BuddyActionsClient(transport)
        self.pipelines = BuddyPipelinesClient(transport)
        self.executions = BuddyExecutionsClient(transport)
        self.sandboxes = BuddySandboxesClient(transport)
        self.commands = BuddySandboxCommandsClient(transport)  # commands and files inside a sandbox
        self.variables = BuddyVariablesClient(transport)

    @classmethod
    def from_params(cls, params: Dict[str, Any], warn: Optional[Callable[[str], None]] = None) -> "BuddyClient":
        return cls(buddy_transport(params, warn=warn))

    @classmethod
    def from_module(cls, module: Any) -> "BuddyClient":
        return cls.from_params(module.params, warn=module.warn)
