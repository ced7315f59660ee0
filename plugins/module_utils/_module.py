# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The one module base: what every module's main() does, written once.

A module is its documentation, a ``run(module, client)`` that returns the
result dict (and raises OpsflowError subclasses, never calls exit_json or
fail_json), and a main() of a few lines::

    from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, PIPELINE_SPEC
    from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
    from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main

    SPEC = BUDDY_CONNECTION_SPEC.merge(PIPELINE_SPEC, ArgumentSpec(
        dict(action_id=dict(type="int"), name=dict(type="str")),
        mutually_exclusive=[("action_id", "name")],
    ))

    def run(module, client):
        return dict(changed=False, actions=client.actions.list_actions(...))

    def main():
        module_main(SPEC, run, BuddyClient.from_module)

The pieces:

- ``ArgumentSpec``: the options together with their constraints
  (mutually_exclusive, required_together, required_one_of, required_if,
  required_by). ``a.merge(b, c)`` returns a new spec holding all of them;
  an option defined twice is a programming error (ValueError), so a module
  can't silently redefine a connection or location option. Each service
  publishes its connection spec built from its ConnectionOption table
  (``_options.connection_spec``), e.g. ``_buddy.BUDDY_CONNECTION_SPEC``;
  location specs (``_buddy.WORKSPACE_SPEC``, ``_buddy.PIPELINE_SPEC``) and a
  module's own spec merge onto it.
- ``module_main(spec, run, client_factory, secret_finder=None,
  supports_check_mode=True)``: builds the OpsflowModule, fails with
  missing_required_lib when ``requests`` is absent, builds the client with
  ``client_factory(module)`` (so bad connection options fail before any
  request, as a normal task failure), calls ``run(module, client)``, maps
  OpsflowError to fail_json and exits with the result.
- ``secret_finder(params) -> iterable of str``: values no argument spec can
  mark no_log (an encrypted variable's ``value``); they are hidden from the
  logged invocation and from every output.
- Unit tests patch ``<ClientClass>.from_module`` (tests/unit/module_runner.py
  ``run_main``): pass the factory as ``Class.from_module`` inside main() so
  that the patch is seen.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import scrub, userinfo_values

SecretFinder = Callable[[Dict[str, Any]], Iterable[str]]
RunFunction = Callable[[Any, Any], Dict[str, Any]]

# The AnsibleModule keyword arguments an ArgumentSpec carries, besides argument_spec itself.
_CONSTRAINT_LISTS = ("mutually_exclusive", "required_together", "required_one_of", "required_if")


class ArgumentSpec:
    """Options and the constraints between them, kept together so that they merge as one."""

    def __init__(self, argument_spec: Optional[Dict[str, Any]] = None,
                 mutually_exclusive: Sequence[Sequence[str]] = (),
                 required_together: Sequence[Sequence[str]] = (),
                 required_one_of: Sequence[Sequence[str]] = (),
                 required_if: Sequence[Sequence[Any]] = (),
                 required_by: Optional[Dict[str, Any]] = None) -> None:
        self.argument_spec: Dict[str, Any] = copy.deepcopy(argument_spec or {})
        self.mutually_exclusive: List[Sequence[str]] = list(mutually_exclusive)
        self.required_together: List[Sequence[str]] = list(required_together)
        self.required_one_of: List[Sequence[str]] = list(required_one_of)
        self.required_if: List[Sequence[Any]] = list(required_if)
        # AnsibleModule takes a single name or a list; keep lists, so that merging can extend them.
        self.required_by: Dict[str, List[str]] = dict(
            (key, [value] if isinstance(value, str) else list(value)) for key, value in (required_by or {}).items())

    def merge(self, *others: "ArgumentSpec") -> "ArgumentSpec":
        """A new spec with this one's options and constraints plus the others'.

        An option defined twice raises ValueError: a module may not redefine
        a connection or location option by accident.
        """
        merged = ArgumentSpec(self.argument_spec, self.mutually_exclusive, self.required_together,
                              self.required_one_of, self.required_if, self.required_by)
        for other in others:
            twice = sorted(set(merged.argument_spec) & set(other.argument_spec))
            if twice:
                raise ValueError("option(s) %s defined twice" % ", ".join(twice))
            merged.argument_spec.update(copy.deepcopy(other.argument_spec))
            for name in _CONSTRAINT_LISTS:
                getattr(merged, name).extend(getattr(other, name))
            for key, value in other.required_by.items():
                merged.required_by.setdefault(key, []).extend(value)
        return merged

    def module_kwargs(self) -> Dict[str, Any]:
        """The AnsibleModule keyword arguments; empty constraints are left out."""
        kwargs: Dict[str, Any] = {"argument_spec": copy.deepcopy(self.argument_spec)}
        for name in _CONSTRAINT_LISTS:
            if getattr(self, name):
                kwargs[name] = [list(entry) for entry in getattr(self, name)]
        if self.required_by:
            kwargs["required_by"] = dict((key, list(value)) for key, value in self.required_by.items())
        return kwargs


class OpsflowModule(AnsibleModule):
    """AnsibleModule that also hides secrets no argument spec can mark ``no_log``.

    Credentials written into a URL option (``https://user:pw@host``) are hidden in every module.

    An encrypted variable's ``value`` is a secret only because of its sibling
    ``encrypted: true``; ``secret_finder`` names such values, and they join
    ``no_log_values`` before the invocation is logged, so they reach neither
    the target's syslog nor any output.

    Ansible does not scrub warnings, and a warning may quote a server answer
    (an action's name holding an encrypted value, a URL with userinfo), so
    ``warn`` masks ``no_log_values`` and URL userinfo for every module.
    """

    def __init__(self, *args: Any, secret_finder: Optional[SecretFinder] = None, **kwargs: Any) -> None:
        self._secret_finder = secret_finder
        super().__init__(*args, **kwargs)
        self._hide_found_secrets()

    def _hide_found_secrets(self) -> None:
        # A URL option (api_url, ...) is no secret, but a user:password@ written into it is, in every module.
        self.no_log_values.update(userinfo_values(*(value for value in (self.params or {}).values()
                                                    if isinstance(value, str))))
        if self._secret_finder is not None:
            self.no_log_values.update(self._secret_finder(self.params))

    def warn(self, warning: Any) -> None:
        super().warn(scrub(warning, self.no_log_values))

    def _log_invocation(self) -> None:
        # Called from AnsibleModule.__init__, before the constructor above returns.
        self._hide_found_secrets()
        super()._log_invocation()


def build_module(spec: ArgumentSpec, secret_finder: Optional[SecretFinder] = None,
                 supports_check_mode: bool = True) -> OpsflowModule:
    """The module object for ``spec``; parses and checks the task's arguments."""
    return OpsflowModule(supports_check_mode=supports_check_mode, secret_finder=secret_finder,
                         **spec.module_kwargs())


def run_module(module: Any, run: RunFunction, client_factory: Callable[[Any], Any]) -> None:
    """Check ``requests``, build the client, call ``run(module, client)`` and exit with its result.

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


def module_main(spec: ArgumentSpec, run: RunFunction, client_factory: Callable[[Any], Any],
                secret_finder: Optional[SecretFinder] = None, supports_check_mode: bool = True) -> None:
    """A module's whole main(): see this file's docstring."""
    run_module(build_module(spec, secret_finder, supports_check_mode), run, client_factory)
