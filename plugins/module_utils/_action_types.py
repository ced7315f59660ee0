# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The registry of modelled Buddy action types: the one place that knows them all.

buddy_action (through _buddy_action.py), buddy_pipeline and the tests read
the types from here: their options (argument spec and documentation), which
ones each type requires, and each type's own validation. No code outside a
type's own file branches on a type's name.

Reading it::

    from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
    registry.type_names()                  # ('BLACKFIRE_PYTHON', ...), in registry order
    registry.get_type("SANDBOX_CREATE")    # the ActionType, or None for a type that is not modelled
    registry.type_options_spec()           # argument spec entries of every type option (a union)
    registry.common_fields_spec()          # argument spec entries of the fields every type has
    registry.owners("shell")               # ['BLACKFIRE_PYTHON', 'RUN_DOCKER_CONTAINER']
    registry.check_options(type_name, fields, full=True, free=())   # raises ValidationError
    registry.documentation()               # DOCUMENTATION entries of the common fields and type options
    registry.description_lines()           # one line per type for the module's description

Adding a modelled type (say ``SLEEP``):

1. Create ``plugins/module_utils/_action_type_sleep.py`` with a subclass of
   ``_action_type_base.ActionType``: ``name``, ``summary`` (one sentence),
   ``options`` declared with ``option()`` (or ``shared()`` for an option
   another type has too; the same name must have the same type, elements and
   suboptions everywhere), ``required_for_type=True`` on the options the type
   needs, and ``validate()`` / ``check_values()`` for rules beyond that.
2. Import it below and add it to ``TYPES`` (AnsiballZ ships only the
   module_utils a module imports by name, so the registry names each file).
3. Run ``python tests/unit/plugins/modules/test_buddy_action_docs.py`` to
   rewrite the generated part of buddy_action's DOCUMENTATION (the unit test
   of that file fails until it agrees with the registry), and add an example.
4. Add ``tests/unit/plugins/module_utils/test__action_type_sleep.py`` (its
   required options, choices and own rules), and a changelog fragment.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._action_common import COMMON_FIELDS
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_base import (
    ActionType,
    Problem,
    doc_entry,
    shape,
    spec_entry,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_blackfire_python import BlackfirePython
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_run_docker_container import (
    RunDockerContainer,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_sandbox_create import SandboxCreate
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_sandbox_manage import SandboxManage
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError

TYPES: Tuple[ActionType, ...] = (
    BlackfirePython(),
    SandboxManage(),
    SandboxCreate(),
    RunDockerContainer(),
)


def type_names() -> Tuple[str, ...]:
    return tuple(action_type.name for action_type in TYPES)


def get_type(name: Optional[str]) -> Optional[ActionType]:
    """The modelled type of that name; None for any other type (passed through unchecked)."""
    for action_type in TYPES:
        if action_type.name == name:
            return action_type
    return None


def owners(name: str) -> List[str]:
    """The types that have the option ``name``, in registry order."""
    return [action_type.name for action_type in TYPES if name in action_type.options]


def type_option_names() -> Tuple[str, ...]:
    """Every type option once, in registry order (each type's options in its own order)."""
    names: List[str] = []
    for action_type in TYPES:
        names.extend(name for name in action_type.options if name not in names)
    return tuple(names)


def declared_type_options() -> Dict[str, Dict[str, Any]]:
    """Each type option declared once: the first owner's declaration, with the union of the owners' choices.

    Types that share an option must agree on everything but the words and the
    choices; a disagreement is a programming error (ValueError).
    """
    merged: Dict[str, Dict[str, Any]] = {}
    for name in type_option_names():
        declarations = [action_type.options[name] for action_type in TYPES if name in action_type.options]
        first = copy.deepcopy(declarations[0])
        for other in declarations[1:]:
            if shape(other) != shape(first):
                raise ValueError("the types %s declare option %s differently" % (", ".join(owners(name)), name))
            if "choices" in first:
                first["choices"].extend(value for value in other["choices"] if value not in first["choices"])
        merged[name] = first
    return merged


def type_options_spec() -> Dict[str, Dict[str, Any]]:
    """Argument spec entries of every type option (any option fits any type in the spec; check_options sorts them)."""
    return dict((name, spec_entry(declared)) for name, declared in declared_type_options().items())


def common_fields_spec() -> Dict[str, Dict[str, Any]]:
    return dict((name, spec_entry(declared)) for name, declared in COMMON_FIELDS.items())


def check_options(type_name: Optional[str], fields: Mapping[str, Any], full: bool, free: Sequence[str] = ()) -> None:
    """Fail, naming every offending option, when ``fields`` don't fit the modelled type ``type_name``.

    ``full`` also checks the required options and the type's own rules: done
    when the task names the type (it then describes the whole action), not
    when the type is only learnt from an action that already exists. ``free``
    are the keys that came from the ``fields`` option: an option of the type
    may not come that way. A type that is not modelled takes anything.
    """
    action_type = get_type(type_name)
    if action_type is None:
        return
    problems: List[Problem] = action_type.misplaced(free)
    foreign = [name for name in type_option_names() if name in fields and name not in action_type.options]
    if foreign:
        problems.append(("%s not apply to type %s: %s" % (
            "option does" if len(foreign) == 1 else "options do", action_type.name,
            ", ".join("%s (an option of %s)" % (name, ", ".join(owners(name))) for name in foreign)), foreign))
    skip = [name for problem in problems for name in problem[1]]
    problems.extend(action_type.check(fields, full, skip))
    _raise(problems)


def check_values(fields: Mapping[str, Any]) -> None:
    """The value rules of every type whose options ``fields`` holds, whatever the action's type."""
    problems: List[Problem] = []
    for action_type in TYPES:
        if any(name in fields for name in action_type.options):
            problems.extend(action_type.check_values(fields))
    _raise(problems)


def normalise(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """``fields`` with each type option that has a ``normalise`` function turned into the API's shape."""
    result = dict(fields)
    for name, declared in declared_type_options().items():
        if name in result and declared.get("normalise") is not None:
            result[name] = declared["normalise"](result[name])
    return result


def _raise(problems: Sequence[Problem]) -> None:
    if problems:
        raise ValidationError("; ".join(problem[0] for problem in problems),
                              options=[name for problem in problems for name in problem[1]])


# ---------------------------------------------------------------------------
# Documentation: what buddy_action's DOCUMENTATION must say (checked by a unit test)
# ---------------------------------------------------------------------------

def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else "%s and %s" % (", ".join(words[:-1]), words[-1])


def _type_option_description(name: str) -> List[str]:
    holders = [action_type for action_type in TYPES if name in action_type.options]
    marked = ["C(%s)%s" % (action_type.name, " (required for it)" if name in action_type.required else "")
              for action_type in holders]
    if len(holders) == 1:
        lines = ["Only for type %s." % marked[0].replace(" (required for it)", "; required for it")]
    else:
        lines = ["Only for types %s." % _join(marked)]
    texts = [list(action_type.options[name]["description"]) for action_type in holders]
    shared = 0
    while all(len(text) > shared and text[shared] == texts[0][shared] for text in texts):
        shared += 1
    lines.extend(texts[0][:shared])
    for action_type, text in zip(holders, texts):
        if len(holders) > 1 and text[shared:]:
            rest = " ".join(text[shared:])
            lines.append("For C(%s), %s" % (action_type.name, rest[:1].lower() + rest[1:]))
        elif len(holders) == 1:
            lines.extend(text[shared:])
    union = declared_type_options()[name].get("choices")
    for action_type in holders:
        allowed = action_type.choices(name)
        if allowed is not None and list(allowed) != list(union):
            lines.append("C(%s) takes only %s." % (action_type.name, _join(["V(%s)" % value for value in allowed])))
    return lines


def documentation() -> Dict[str, Dict[str, Any]]:
    """The DOCUMENTATION ``options`` entries of the common fields and of every type option."""
    docs = dict((name, doc_entry(declared)) for name, declared in COMMON_FIELDS.items())
    for name, declared in declared_type_options().items():
        entry = doc_entry(declared)
        entry["description"] = _type_option_description(name)
        docs[name] = entry
    return docs


def description_lines() -> List[str]:
    """One DOCUMENTATION ``description`` line per modelled type: what it does and which options are its own."""
    lines = []
    for action_type in TYPES:
        taken = ", ".join("O(%s)%s" % (name, " (required)" if name in action_type.required else "")
                          for name in action_type.options)
        lines.append("Type C(%s) %s It takes %s." % (action_type.name, action_type.summary, taken))
    return lines
