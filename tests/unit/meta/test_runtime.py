# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""meta/runtime.yml: every module is in its service's action group and in `all`, as its docs say."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if name.endswith('.py'))

with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
    RUNTIME = yaml.safe_load(handle)


def test_requires_ansible_admits_2_16():
    assert RUNTIME['requires_ansible'] == '>=2.16.0'


@pytest.mark.parametrize('module', MODULES)
def test_every_module_is_in_its_services_group(module):
    group = module.split('_', 1)[0]
    assert group in ('buddy', 'blink'), module
    assert module in RUNTIME['action_groups'][group]


def test_all_extends_both_groups_and_nothing_else_is_listed():
    groups = RUNTIME['action_groups']
    assert groups['all'] == [{'metadata': {'extend_group': ['buddy', 'blink']}}]
    listed = sorted(groups['buddy'] + groups['blink'])
    assert listed == MODULES


@pytest.mark.parametrize('module', MODULES)
def test_every_modules_docs_name_the_groups_it_is_in(module):
    with open(os.path.join(ROOT, 'plugins', 'modules', module + '.py')) as handle:
        source = handle.read()
    group = module.split('_', 1)[0]
    assert 'opsflow.pipelines._attributes.%s' % group.upper() in source
