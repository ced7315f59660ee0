# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one check of seeded switches (core.checked_settings) and every seed key that goes through it."""

from __future__ import annotations

import pytest

from emulator.control import EmulatorControl
from emulator.core import POSITIVE_INTEGER, ApiError, checked_settings

CHOICES = {"mode": ("a", "b")}
RULES = {"cap": POSITIVE_INTEGER}


def refused(values, **kwargs) -> str:
    with pytest.raises(ApiError) as caught:
        checked_settings("demo_settings", values, ("mode", "cap", "free"), CHOICES, RULES, **kwargs)
    assert caught.value.status == 400
    return caught.value.message


def test_a_good_object_comes_back_as_a_copy():
    values = {"mode": "b", "cap": 3, "free": ["x"]}
    checked = checked_settings("demo_settings", values, ("mode", "cap", "free"), CHOICES, RULES)
    assert checked == values
    checked["free"].append("y")
    assert values["free"] == ["x"]


def test_not_an_object_is_refused():
    assert refused(["mode"]) == "seed: demo_settings must be an object"


def test_unknown_keys_are_named_with_the_known_ones():
    assert refused({"zeta": 1, "alpha": 2, "mode": "a"}) == (
        "seed: unknown demo_settings: alpha, zeta (known: mode, cap, free)")


def test_a_choice_outside_its_values_is_refused():
    assert refused({"mode": "c"}) == "seed: demo_settings.mode must be one of a, b"


@pytest.mark.parametrize("cap", [0, -1, True, 1.5, "2", None])
def test_a_rule_refuses_what_it_does_not_accept(cap):
    assert refused({"cap": cap}) == "seed: demo_settings.cap must be a positive integer"


# Every seed key built on checked_settings, with one bad value each; the state must not change at all.
BAD_SEEDS = [
    ({"run_settings": {"action_duration": -1}}, "run_settings"),
    ({"run_settings": {"action_duration": 1, "nap": 1}}, "run_settings"),
    ({"list_settings": {"view": "long"}}, "list_settings"),
    ({"list_settings": {"page_size": 5, "max_per_page": 0}}, "list_settings"),
    ({"variable_settings": {"list_filters": "docs", "scoped_list": "all"}}, "variable_settings"),
    ({"execution_settings": {"log_page_cap": 0}}, "execution_settings"),
    ({"execution_settings": {"list_order": "oldest_first", "order": "x"}}, "execution_settings"),
    ({"pipeline_settings": {"max_per_page": 0}}, "pipeline_settings"),
    ({"pipeline_settings": {"create_status": 200, "unique_names": "no"}}, "pipeline_settings"),
    ({"sandbox_command_settings": {"logs_format": "xml"}}, "sandbox_command_settings"),
    ({"sandbox_settings": {"shape": "2027"}}, "sandbox_settings"),
    ({"blink": {"settings": {"cancel_status": 200, "output_data": "xml"}}}, "blink"),
]


@pytest.mark.parametrize("seed, key", BAD_SEEDS, ids=[str(seed) for seed, _key in BAD_SEEDS])
def test_a_bad_seed_is_refused_whole(api, control: EmulatorControl, seed, key):
    before = control.state().get(key)
    status, _headers, body = api.post("/_emulator/seed", seed)
    assert status == 400 and "seed: " in str(body)
    assert control.state().get(key) == before


def test_good_seeds_apply(control: EmulatorControl):
    control.seed({"run_settings": {"queue_delay": 1}, "list_settings": {"page_size": 7},
                  "pipeline_settings": {"max_per_page": None, "create_status": 200},
                  "execution_settings": {"log_page_cap": 5}, "sandbox_command_settings": {"logs_format": "array"},
                  "blink": {"settings": {"cancel_status": 202}}})
    state = control.state()
    assert state["run_settings"]["queue_delay"] == 1.0 and isinstance(state["run_settings"]["queue_delay"], float)
    assert state["list_settings"]["page_size"] == 7
    assert state["pipeline_settings"]["create_status"] == 200 and state["pipeline_settings"]["max_per_page"] is None
    assert state["execution_settings"]["log_page_cap"] == 5
    assert state["sandbox_command_settings"]["logs_format"] == "array"
    assert state["blink"]["settings"]["cancel_status"] == 202
