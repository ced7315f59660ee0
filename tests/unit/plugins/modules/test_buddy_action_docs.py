# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""buddy_action's and buddy_pipeline's DOCUMENTATION agree with the action-type registry; the tool that makes them.

ansible-doc and validate-modules read DOCUMENTATION as a literal string, so the per-type part of
it (the common fields, every type option, one description line per type) is written into
buddy_action between ``# BEGIN generated`` / ``# END generated`` markers, and the same options,
as the suboptions of one item of ``actions``, into buddy_pipeline. After changing the registry, run

    .work/venv/bin/python tests/unit/plugins/modules/test_buddy_action_docs.py

to rewrite those blocks; the tests below fail until the modules say what the registry says
(descriptions included), and fail on a hand edit of a generated block.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import os
import re
import sys

import pytest
import yaml

if __name__ == "__main__":  # pragma: no cover - run as the rewrite tool, outside pytest
    _HERE = os.path.realpath(__file__)
    _ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(_HERE)))))
    sys.path.insert(0, os.path.join(_ROOT, ".work", "collections"))

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry  # noqa: E402
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_action import CONTROL_OPTIONS  # noqa: E402

MODULES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))), "plugins", "modules")
MODULE_PATH = os.path.join(MODULES, "buddy_action.py")
PIPELINE_PATH = os.path.join(MODULES, "buddy_pipeline.py")
BEGIN = "# BEGIN generated from the action-type registry"
END = "# END generated"
MARKED = re.compile(r"^( *)%s[^\n]*\n(.*?)^ *%s[^\n]*\n" % (re.escape(BEGIN), re.escape(END)), re.M | re.S)


class _IndentedDumper(yaml.SafeDumper):
    """Lists indented under their key, as the hand-written part of DOCUMENTATION has them."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _dump(data, indent):
    text = yaml.dump(data, Dumper=_IndentedDumper, sort_keys=False, width=100 - indent, allow_unicode=True,
                     default_flow_style=False)
    return "".join(" " * indent + line + "\n" if line else "\n" for line in text.splitlines())


def generated_blocks():
    """buddy_action's two generated blocks, in file order: the description lines, then the options."""
    return [registry.description_lines(), registry.documentation()]


def within_item(node, names):
    """``node`` with each O(...) reference to one of ``names`` pointed inside the item: O(actions[].name...)."""
    if isinstance(node, dict):
        return dict((key, within_item(value, names)) for key, value in node.items())
    if isinstance(node, list):
        return [within_item(item, names) for item in node]
    if isinstance(node, str):
        return re.sub(r"O\((%s)\b" % "|".join(re.escape(name) for name in names), r"O(actions[].\1", node)
    return node


def pipeline_actions_documentation():
    """The registry's options as buddy_pipeline's ``actions`` suboptions (those after name, type and fields)."""
    documentation = registry.documentation()
    return within_item(documentation, sorted(documentation, key=len, reverse=True))


def rewrite(text, blocks=None, expected=2, name="buddy_action.py"):
    """``text`` (buddy_action.py, or another module's with ``blocks``) with its generated blocks rewritten."""
    blocks = iter(generated_blocks() if blocks is None else blocks)

    def replace(match):
        indent = match.group(1)
        return "%s%s: run %s\n%s%s%s\n" % (
            indent, BEGIN, "tests/unit/plugins/modules/test_buddy_action_docs.py", _dump(next(blocks), len(indent)),
            indent, END)
    result, count = MARKED.subn(replace, text)
    assert count == expected, "%s must hold exactly %d generated block(s), found %d" % (name, expected, count)
    return result


def rewrite_pipeline(text):
    """``text`` (buddy_pipeline.py) with the ``actions`` suboptions written from the registry."""
    return rewrite(text, [pipeline_actions_documentation()], expected=1, name="buddy_pipeline.py")


def documentation_problems(doc):
    """Where the parsed DOCUMENTATION ``doc`` and the registry disagree (empty when they agree)."""
    problems = []
    expected = registry.documentation()
    options = doc.get("options") or {}
    for name, entry in expected.items():
        if name not in options:
            problems.append("%s: not documented" % name)
        elif options[name] != entry:
            problems.append("%s: documented as %r, the registry says %r" % (name, options[name], entry))
    extra = set(options) - set(expected) - set(CONTROL_OPTIONS)
    if extra:
        problems.append("documented but neither a control option nor in the registry: %s" % ", ".join(sorted(extra)))
    description = doc.get("description") or []
    for line in registry.description_lines():
        if line not in description:
            problems.append("description lacks: %s" % line)
    return problems


def _module_source(path=MODULE_PATH):
    with open(path) as handle:
        return handle.read()


def _module_doc():
    from ansible_collections.opsflow.pipelines.plugins.modules import buddy_action
    return yaml.safe_load(buddy_action.DOCUMENTATION)


def test_documentation_agrees_with_the_registry():
    assert documentation_problems(_module_doc()) == []


def test_generated_blocks_are_up_to_date():
    source = _module_source()
    assert rewrite(source) == source, "run tests/unit/plugins/modules/test_buddy_action_docs.py to rewrite them"


def test_buddy_pipeline_actions_document_what_the_registry_says():
    from ansible_collections.opsflow.pipelines.plugins.modules import buddy_pipeline
    suboptions = yaml.safe_load(buddy_pipeline.DOCUMENTATION)["options"]["actions"]["suboptions"]
    expected = pipeline_actions_documentation()
    assert list(suboptions) == ["name", "type", "fields"] + list(expected)
    for name, entry in expected.items():
        assert suboptions[name] == entry, name
    # A reference to a module-level option stays one; references to the item's options point inside it.
    assert "see O(update_password)" in suboptions["password"]["description"][1]
    assert "O(actions[].variables[].encrypted=true)" in suboptions["variables"]["description"][1]


def test_buddy_pipeline_generated_block_is_up_to_date():
    source = _module_source(PIPELINE_PATH)
    assert rewrite_pipeline(source) == source, "run tests/unit/plugins/modules/test_buddy_action_docs.py to rewrite it"


@pytest.mark.parametrize("change", [
    lambda options: options["operation"]["description"].append("A hand-written line."),
    lambda options: options["shell"].__setitem__("choices", ["SH", "BASH"]),
    lambda options: options["targets"]["suboptions"].pop("tags"),
    lambda options: options["execute_commands"].__setitem__("elements", "raw"),
    lambda options: options["spec"]["suboptions"]["os"]["choices"].append("debian:12"),
    lambda options: options.pop("vt_suite"),
    lambda options: options.__setitem__("sleep_in_sec", {"description": ["x"], "type": "int"}),
    lambda options: options["trigger_time"].__setitem__("description", []),
])
def test_a_documentation_change_the_registry_does_not_make_fails(change):
    doc = copy.deepcopy(_module_doc())
    change(doc["options"])
    assert documentation_problems(doc) != []


def test_a_registry_change_the_documentation_does_not_follow_fails(monkeypatch):
    shell = dict(registry.TYPES[0].options["shell"], choices=["SH"])
    monkeypatch.setitem(registry.TYPES[0].options, "shell", shell)
    assert any(problem.startswith("shell:") for problem in documentation_problems(_module_doc()))
    monkeypatch.setattr(type(registry.TYPES[1]), "summary", "does something else.")
    assert any("does something else" in problem for problem in documentation_problems(_module_doc()))


def test_every_type_option_says_which_types_it_belongs_to():
    for name, entry in registry.documentation().items():
        holders = registry.owners(name)
        if holders:
            assert entry["description"][0].startswith("Only for type")
            assert all("C(%s)" % holder in entry["description"][0] for holder in holders)


if __name__ == "__main__":  # pragma: no cover
    for _path, _rewrite in ((MODULE_PATH, rewrite), (PIPELINE_PATH, rewrite_pipeline)):
        _old = _module_source(_path)
        _new = _rewrite(_old)
        if _new != _old:
            with open(_path, "w") as _handle:
                _handle.write(_new)
            print("rewrote the generated blocks of %s" % _path)
        else:
            print("%s is up to date" % _path)
