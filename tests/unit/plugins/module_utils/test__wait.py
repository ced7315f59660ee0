# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one wait loop: option check, poll schedule, deadline, timeout message; on a fake clock."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import itertools

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import (
    Deadline,
    check_wait_options,
    poll_delays,
    timeout_message,
    wait_until,
)
from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import FakeClock


def reader(*records):
    """read() handing out ``records`` in turn, and the list of reads made."""
    reads = []
    pending = list(records)

    def read():
        reads.append(pending[0] if len(pending) == 1 else pending.pop(0))
        return reads[-1]
    return read, reads


def done(record):
    return record == "end"


@pytest.mark.parametrize("params", [
    {"wait_timeout": 1, "poll_interval": 0.1},
    {"wait_timeout": 0.5, "poll_interval": 5},
    {"wait": False, "wait_timeout": 0, "poll_interval": 0},  # not waiting: not used, not checked
    {"wait": True, "wait_timeout": None, "poll_interval": None},
])
def test_wait_options_that_pass(params):
    check_wait_options(params)


@pytest.mark.parametrize("params, key", [
    ({"wait_timeout": 0, "poll_interval": 1}, "wait_timeout"),
    ({"wait": True, "wait_timeout": -5, "poll_interval": 1}, "wait_timeout"),
    ({"wait_timeout": 10, "poll_interval": 0}, "poll_interval"),
    ({"wait_timeout": 10, "poll_interval": -0.5}, "poll_interval"),
    ({"wait_timeout": True, "poll_interval": 1}, "wait_timeout"),
    ({"wait_timeout": "10", "poll_interval": 1}, "wait_timeout"),
])
def test_wait_options_that_fail_name_the_option(params, key):
    with pytest.raises(ValidationError) as caught:
        check_wait_options(params)
    assert caught.value.message.startswith("%s must be a number of seconds above 0" % key)


def test_polls_start_short_double_and_stop_at_poll_interval():
    assert list(itertools.islice(poll_delays(5.0), 6)) == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert list(itertools.islice(poll_delays(0.2), 3)) == [0.2, 0.2, 0.2]
    assert list(itertools.islice(poll_delays(1.5), 4)) == [0.5, 1.0, 1.5, 1.5]


def test_first_read_is_at_once_and_an_ended_record_stops_the_loop():
    clock = FakeClock()
    read, reads = reader("running", "running", "end")
    record, ended = wait_until(read, done, Deadline(60, clock.monotonic), 5.0, sleep=clock.sleep)
    assert (record, ended) == ("end", True)
    assert len(reads) == 3 and clock.sleeps == [0.5, 1.0]


def test_a_record_in_hand_is_judged_before_any_read():
    clock = FakeClock()
    read, reads = reader("end")
    assert wait_until(read, done, Deadline(60, clock.monotonic), 5.0, current="end", sleep=clock.sleep) == ("end", True)
    assert reads == [] and clock.sleeps == []
    record, ended = wait_until(read, done, Deadline(60, clock.monotonic), 5.0, current="running", sleep=clock.sleep)
    assert (record, ended, len(reads), clock.sleeps) == ("end", True, 1, [0.5])


def test_first_poll_starts_the_pauses_shorter_and_they_double_up_to_poll_interval():
    clock = FakeClock()
    read, reads = reader("running", "running", "running", "running", "running", "end")
    record, ended = wait_until(read, done, Deadline(60, clock.monotonic), 0.5, sleep=clock.sleep, first_poll=0.05)
    assert (record, ended, len(reads)) == ("end", True, 6)
    assert clock.sleeps == [0.05, 0.1, 0.2, 0.4, 0.5]


def test_the_last_read_lands_on_the_deadline_and_the_reads_are_bounded():
    clock = FakeClock()
    read, reads = reader("running")
    record, ended = wait_until(read, done, Deadline(5, clock.monotonic), 2.0, sleep=clock.sleep)
    assert (record, ended) == ("running", False)
    assert clock.sleeps == [0.5, 1.0, 2.0, 1.5]  # reads at 0, 0.5, 1.5, 3.5 and the deadline (5)
    assert len(reads) == 5 and clock.now == 5


def test_time_spent_before_the_wait_counts_against_the_deadline():
    clock = FakeClock()
    deadline = Deadline(3, clock.monotonic)
    clock.sleep(2.5)  # e.g. a synchronous POST that took 2.5 s
    clock.sleeps.clear()
    read, reads = reader("running")
    assert wait_until(read, done, deadline, 5.0, sleep=clock.sleep) == ("running", False)
    assert clock.sleeps == [0.5] and len(reads) == 2
    assert deadline.passed() and deadline.seconds == 3


def test_the_one_timeout_message():
    assert timeout_message("workflow w execution e", 30, "Running", "it is still running") == (
        "workflow w execution e did not end within wait_timeout (30 s, state Running); it is still running")
    assert timeout_message("pipeline run 5", 2.0, "INPROGRESS") == (
        "pipeline run 5 did not end within wait_timeout (2 s, state INPROGRESS)")
    assert "(0.5 s, state None)" in timeout_message("x", 0.5, None)
