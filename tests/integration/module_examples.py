# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules' EXAMPLES as tasks the emulator can run: one reader, one rewriter for every examples test.

The EXAMPLES are read from the module's source (not imported), so a test runs exactly what
ansible-doc shows; ``localise`` points them at the emulator's workspace, pipelines and IDs.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ast
import os

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = os.path.join(REPO_ROOT, 'plugins', 'modules')


def examples(module):
    """The parsed EXAMPLES of plugins/modules/<module>.py, read from the source without importing it."""
    with open(os.path.join(MODULES, module + '.py')) as source:
        tree = ast.parse(source.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'EXAMPLES' for target in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError('%s has no EXAMPLES' % module)


def localise(node, values, fix=None):
    """A copy of ``node`` with the value of every key in ``values`` replaced, at any depth.

    ``values[key]`` is the new value, or a function of the old one (it may assert that an
    example names something the test seeded). ``fix``, when given, rewrites each dict after that.
    """
    if isinstance(node, list):
        return [localise(item, values, fix) for item in node]
    if not isinstance(node, dict):
        return node
    fixed = {}
    for key, value in node.items():
        if key in values:
            value = values[key](value) if callable(values[key]) else values[key]
        fixed[key] = localise(value, values, fix)
    return fix(fixed) if fix else fixed
