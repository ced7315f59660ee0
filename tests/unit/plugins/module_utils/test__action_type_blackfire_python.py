# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""BLACKFIRE_PYTHON: required options, the narrower shells, the integration's shape."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils import _action_types as registry
from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_blackfire_python import BlackfirePython
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError

TYPE = BlackfirePython()
WHOLE = {"execute_commands": ["blackfire run python app.py"], "version": "3.12", "integration": {"identifier": "bf"}}


def test_registered():
    assert isinstance(registry.get_type("BLACKFIRE_PYTHON"), BlackfirePython)


def test_required_options():
    assert TYPE.required == ("execute_commands", "version", "integration")
    assert TYPE.check(WHOLE, full=True) == []
    assert TYPE.check({"version": "3"}, full=True) == [
        ("type BLACKFIRE_PYTHON requires these options: execute_commands, integration",
         ["execute_commands", "integration"])]
    assert TYPE.check({"version": "3"}, full=False) == []


@pytest.mark.parametrize("shell, problems", [("SH", 0), ("BASH", 0), ("POWERSHELL", 1)])
def test_only_sh_and_bash(shell, problems):
    assert len(TYPE.check(dict(WHOLE, shell=shell), full=True)) == problems
    assert len(TYPE.check({"shell": shell}, full=False)) == problems


def test_integration_given_by_identifier_becomes_a_dict():
    normalise = TYPE.options["integration"]["normalise"]
    assert normalise("bf") == {"identifier": "bf"}
    assert normalise({"identifier": "bf", "type": "BLACKFIRE"}) == {"identifier": "bf", "type": "BLACKFIRE"}
    for bad in ("", {"name": "x"}, ["bf"]):
        with pytest.raises(ValidationError):
            normalise(bad)


def test_fields_may_not_hold_its_options():
    assert TYPE.misplaced(("version", "sleep")) == [
        ("fields may not hold version (an option of type BLACKFIRE_PYTHON); set it as the option of that name instead",
         ["version"])]
