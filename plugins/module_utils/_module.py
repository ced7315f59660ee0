# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""What every module's main() does, written once: client, run(), errors, exit."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Callable, Dict, Iterable, Optional

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR


class OpsflowModule(AnsibleModule):
    """AnsibleModule that also hides secrets no argument spec can mark ``no_log``.

    An encrypted variable's ``value`` is a secret only because of its sibling
    ``encrypted: true``; ``secret_finder`` names such values, and they join
    ``no_log_values`` before the invocation is logged, so they reach neither
    the target's syslog nor any output.
    """

    def __init__(self, *args: Any, secret_finder: Optional[Callable[[Dict[str, Any]], Iterable[str]]] = None,
                 **kwargs: Any) -> None:
        self._secret_finder = secret_finder
        super().__init__(*args, **kwargs)
        self._hide_found_secrets()

    def _hide_found_secrets(self) -> None:
        if self._secret_finder is not None:
            self.no_log_values.update(self._secret_finder(self.params))

    def _log_invocation(self) -> None:
        # Called from AnsibleModule.__init__, before the constructor above returns.
        self._hide_found_secrets()
        super()._log_invocation()


def run_module(module: Any, run: Callable[[Any, Any], Dict[str, Any]],
               client_factory: Callable[[Any], Any]) -> None:
    """Build the client, call ``run(module, client)`` and exit with its result.

    ``run`` returns the result dict and raises OpsflowError subclasses; it never
    calls exit_json or fail_json itself, which keeps it testable.
    """
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    try:
        result = run(module, client_factory(module))
    except OpsflowError as error:
        module.fail_json(**error.to_fail_kwargs())
    module.exit_json(**result)
