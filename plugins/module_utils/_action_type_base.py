# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""What a modelled Buddy action type is made of; each type is one ``_action_type_<name>.py``.

An option is declared once, in the shape of its documentation (``option()``):
the argument spec entry and the documentation entry are both derived from
that one dict, so they can't disagree. The registry (``_action_types.py``)
puts the types together.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError

# A problem found in a task: the message and the options it names.
Problem = Tuple[str, List[str]]

# Keys of an option declaration that only the argument spec or only this code uses, never the docs.
_NOT_DOCUMENTED = ("no_log", "required_for_type", "normalise")
# Keys of an option declaration that only the docs use, never the argument spec.
_NOT_IN_SPEC = ("description", "suboptions", "required_for_type", "normalise")


def option(type: str, *description: str, **extra: Any) -> Dict[str, Any]:
    """One option, documentation-shaped: ``option("str", "What it is.", choices=[...])``.

    Besides the documentation keys (``elements``, ``choices``, ``required``,
    ``suboptions``) it may carry ``no_log`` (argument spec only),
    ``required_for_type`` (a type option the type can't do without) and
    ``normalise`` (a function that turns the value into the API's shape, or
    raises ValidationError).
    """
    declared: Dict[str, Any] = {"description": list(description), "type": type}
    for key, value in extra.items():
        declared[key] = list(value) if key == "choices" else value
    return declared


def spec_entry(declared: Mapping[str, Any]) -> Dict[str, Any]:
    """The argument spec entry of a declared option (suboptions become ``options``)."""
    entry = dict((key, copy.deepcopy(value)) for key, value in declared.items() if key not in _NOT_IN_SPEC)
    if declared.get("suboptions"):
        entry["options"] = dict((name, spec_entry(sub)) for name, sub in declared["suboptions"].items())
    return entry


def doc_entry(declared: Mapping[str, Any]) -> Dict[str, Any]:
    """The DOCUMENTATION entry of a declared option, as ``yaml.safe_load`` reads it back."""
    entry = dict((key, copy.deepcopy(value)) for key, value in declared.items()
                 if key not in _NOT_DOCUMENTED and key != "suboptions")
    if declared.get("suboptions"):
        entry["suboptions"] = dict((name, doc_entry(sub)) for name, sub in declared["suboptions"].items())
    return entry


def shape(declared: Mapping[str, Any]) -> Dict[str, Any]:
    """What must be equal when several types declare one option: all but the words and the choices."""
    entry = spec_entry(declared)
    entry.pop("choices", None)
    return entry


def normalise_integration(value: Any) -> Dict[str, Any]:
    """An integration given as its identifier becomes the API's ``{"identifier": ...}``."""
    if isinstance(value, str):
        if not value:
            raise ValidationError("integration may not be empty")
        return {"identifier": value}
    if isinstance(value, Mapping):
        identifier = value.get("identifier")
        if not isinstance(identifier, str) or not identifier:
            raise ValidationError("integration must be the integration's identifier, or a dict with an "
                                  "'identifier' string; got a dict with keys %s" % ", ".join(sorted(value)))
        return dict(value)
    raise ValidationError("integration must be the integration's identifier (a string) or a dict with "
                          "'identifier', got %s" % type(value).__name__)


# Suboptions of a Buddy environment variable: the common `variables` field and SANDBOX_CREATE's spec share them.
VARIABLE_SUBOPTIONS = {
    "key": option("str", "The variable's name.", required=True, no_log=False),
    "value": option("str", "The variable's value. With O(variables[].encrypted=true) it is write-only, masked in "
                    "output."),
    "type": option("str", "The variable's type, for example V(VAR) (the server's default), V(FILE) or V(SSH_KEY)."),
    "encrypted": option("bool", "Whether the value is stored encrypted."),
    "settable": option("bool", "Whether the value can be changed when a run starts."),
    "description": option("str", "A description of the variable."),
}

SHELLS = ("SH", "BASH", "POWERSHELL")

# Options several types declare alike; a type takes one with shared(name, **changes).
SHARED_OPTIONS = {
    "execute_commands": option("list", "Commands the action runs.", elements="str"),
    "setup_commands": option("list", "Commands run only on the first run, to prepare the environment.",
                             elements="str"),
    "integration": option("raw", "The integration the action uses, as its identifier (a string) or a dict with "
                          "C(identifier).", "A string is sent as a dict with that C(identifier); only the keys "
                          "given are compared.", normalise=normalise_integration),
    "shell": option("str", "The shell that runs the commands. The server's default is V(SH).", choices=SHELLS),
}


def shared(name: str, *description: str, **changes: Any) -> Dict[str, Any]:
    """A copy of a shared option; ``description`` lines are added after the shared ones."""
    declared = copy.deepcopy(SHARED_OPTIONS[name])
    declared["description"].extend(description)
    for key, value in changes.items():
        declared[key] = list(value) if key == "choices" else value
    return declared


class ActionType:
    """One modelled action type: subclass it in its own file and add it to the registry.

    ``options`` holds the type's own API fields, declared with ``option()``
    (those marked ``required_for_type=True`` are required when a task
    describes a whole action of this type). Narrower ``choices`` than another
    type's for a shared option are checked here. ``summary`` is the type's
    line in the module description.
    """

    name = ""
    summary = ""
    options: Dict[str, Dict[str, Any]] = {}

    @property
    def required(self) -> Tuple[str, ...]:
        return tuple(name for name, declared in self.options.items() if declared.get("required_for_type"))

    def choices(self, name: str) -> Optional[Sequence[Any]]:
        return self.options[name].get("choices")

    def misplaced(self, free: Sequence[str]) -> List[Problem]:
        """Keys that came from the ``fields`` option but are options of this type (their checks would be skipped)."""
        keys = [key for key in free if key in self.options]
        if not keys:
            return []
        one = len(keys) == 1
        return [("fields may not hold %s (%s of type %s); set %s as the option%s of that name instead" % (
            ", ".join(keys), "an option" if one else "options", self.name, "it" if one else "them",
            "" if one else "s"), keys)]

    def check(self, fields: Mapping[str, Any], full: bool, skip: Sequence[str] = ()) -> List[Problem]:
        """The problems of ``fields`` for this type: required options, allowed values, the type's own rules.

        ``full``: the task names the type, so it describes the whole action;
        only then are required options and ``validate()`` checked. ``skip``:
        options already reported (their values are not checked again).
        """
        problems: List[Problem] = []
        if full:
            missing = [name for name in self.required if name not in fields]
            if missing:
                problems.append(("type %s requires %s: %s" % (
                    self.name, "this option" if len(missing) == 1 else "these options", ", ".join(missing)), missing))
        for name in self.options:
            allowed = self.choices(name)
            if allowed is not None and name in fields and name not in skip and fields[name] not in allowed:
                problems.append(("value of %s must be one of %s for type %s, got %s" % (
                    name, ", ".join(allowed), self.name, fields[name]), [name]))
        if full:
            problems.extend(self.validate(fields))
        return problems

    def validate(self, fields: Mapping[str, Any]) -> List[Problem]:
        """The type's own rules on a whole action (one option needing another, ...); none by default."""
        return []

    def check_values(self, fields: Mapping[str, Any]) -> List[Problem]:
        """Rules on the values of this type's options, checked whatever the action's type; none by default."""
        return []
