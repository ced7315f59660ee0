# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A module's main() run as Ansible runs it, and its documentation read as ansible-doc reads it."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import importlib
import json
from unittest import mock

import pytest
import yaml

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    @contextlib.contextmanager
    def patch_module_args(args):
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")):
            yield

COLLECTION = "opsflow.pipelines"


def run_main(module, client_class, client, capsys, args):
    """module.main() with ``args``, ``client`` standing in for what client_class.from_module builds.

    AnsibleModule parses the arguments for real. Returns the parsed JSON result and the raw output,
    so that a test can also check what never appears in it.
    """
    with patch_module_args(args), mock.patch.object(client_class, "from_module", return_value=client):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    return json.loads(out), out


def buddy_client(**resources):
    """A stand-in for _buddy_client.BuddyClient holding only the given resource fakes (actions=..., ...).

    A module that reaches for any other resource fails with AttributeError.
    """
    class FakeBuddyClient(object):
        __slots__ = tuple(resources)

    client = FakeBuddyClient()
    for name, fake in resources.items():
        setattr(client, name, fake)
    return client


def fragment_text(slug):
    """The YAML an ``extends_documentation_fragment`` entry names: DOCUMENTATION, or the section after the last dot."""
    prefix = COLLECTION + "."
    assert slug.startswith(prefix), "%s is not a fragment of this collection" % slug
    name, section = slug[len(prefix):], "DOCUMENTATION"
    if "." in name:
        name, section = name.split(".", 1)
        section = section.upper()
    fragments = importlib.import_module("ansible_collections.%s.plugins.doc_fragments.%s" % (COLLECTION, name))
    text = getattr(fragments.ModuleDocFragment, section, None)
    assert text is not None, "unknown doc fragment %s" % slug
    return text


def _merge(target, source, where):
    """ansible.utils.plugin_docs.merge_fragment: what the module says wins, lists are joined."""
    for key, value in source.items():
        if key in target:
            if isinstance(target[key], dict):
                value = dict(value, **target[key])
            elif isinstance(target[key], list):
                value = sorted(set(value + target[key]))
            else:
                raise AssertionError("%s: %s is set by the module and by the fragment" % (where, key))
        target[key] = value


def module_doc(module):
    """DOCUMENTATION with its fragments merged in, by the rules of ansible's add_fragments.

    ansible.utils.plugin_docs itself can't be imported here: loading controller code switches
    module_utils into controller mode (module warnings then go to the display, not the result).
    test_documentation.py checks that the outcome equals what ansible-doc shows.

    A module option that a fragment also documents would silently replace the fragment's entry,
    so that fails here.
    """
    doc = yaml.safe_load(module.DOCUMENTATION)
    for slug in doc.pop("extends_documentation_fragment", []):
        fragment = yaml.safe_load(fragment_text(slug))
        shadowed = set(doc.get("options") or {}) & set(fragment.get("options") or {})
        assert not shadowed, "%s documents %s again" % (slug, sorted(shadowed))
        for key in ("notes", "seealso"):
            extra = fragment.pop(key, None)
            if extra:
                doc.setdefault(key, []).extend(extra)
        for key in ("options", "attributes"):
            if key in fragment:
                _merge(doc.setdefault(key, {}), fragment.pop(key), slug)
        _merge(doc, fragment, slug)
    return doc


def compare_spec(spec, docs, path=""):
    """The argument spec and the documented options agree, suboptions included."""
    assert sorted(spec) == sorted(docs), "options differ at %s" % path
    for name, entry in spec.items():
        documented = docs[name]
        where = "%s.%s" % (path, name) if path else name
        assert documented.get("description"), "%s has no description" % where
        for key, default in (("type", "str"), ("elements", None), ("choices", None), ("default", None)):
            assert documented.get(key, default) == entry.get(key, default), "%s: %s" % (where, key)
        assert bool(documented.get("required")) == bool(entry.get("required")), where
        if entry.get("options") or documented.get("suboptions"):
            compare_spec(entry.get("options") or {}, documented.get("suboptions") or {}, where)


def check_module_docs(module, *fragments):
    """The module's documented options match its argument spec, its own DOCUMENTATION extends
    ``fragments`` and its EXAMPLES parse; its own and its merged documentation."""
    own = yaml.safe_load(module.DOCUMENTATION)
    doc = module_doc(module)
    compare_spec(module.SPEC.argument_spec, doc["options"])
    for fragment in fragments:
        assert fragment in own["extends_documentation_fragment"], fragment
    assert yaml.safe_load(module.EXAMPLES)
    return own, doc
