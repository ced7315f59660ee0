# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The one wait loop every module uses (Blink executions, Buddy runs, sandboxes, ...).

Rules, written once:

- ``wait_timeout`` and ``poll_interval`` are numbers above 0 (``check_wait_options``),
  checked before any request.
- Time is measured with a monotonic clock (a clock step on the host can't end or stretch
  a wait); ``clock`` and ``sleep`` are injectable so unit tests run on a fake clock.
- Polls start short and back off: 0.5 s, 1 s, 2 s, ... up to ``poll_interval``. Most runs
  end soon after the first answer, and a fixed long interval made a 3 s workflow return
  4.5 s late; a long run still costs few requests.
- The last poll lands on the deadline, so the number of reads is bounded.
- A wait that runs out is reported with ``timeout_message``, one format for all.

Usage::

    check_wait_options(module.params)           # before any request
    deadline = Deadline(params["wait_timeout"])  # start counting (e.g. before the POST)
    record, ended = wait_until(lambda: client.get_execution(ws, ident), is_done, deadline,
                               params["poll_interval"], current=record_from_post)
    if not ended:
        raise SomeError(timeout_message("execution %s" % ident, params["wait_timeout"], state,
                                        "it is still running"))
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import time
from typing import Any, Callable, Iterator, Mapping, Optional, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError

# The first pause between two reads; each later one doubles, up to poll_interval.
FIRST_POLL = 0.5
# ``wait_until(current=NOT_READ)``: no record in hand yet, read one at once.
NOT_READ = object()


def check_wait_options(params: Mapping[str, Any], timeout_key: str = "wait_timeout",
                       interval_key: str = "poll_interval") -> None:
    """Fail on a wait option that is not a number above 0, before any request.

    A module without a ``wait`` option always waits; with ``wait: false`` the
    options are not used, so they are not checked.
    """
    if not params.get("wait", True):
        return
    for key in (timeout_key, interval_key):
        value = params.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValidationError("%s must be a number of seconds above 0, got %r" % (key, value))


def seconds_text(value: Any) -> str:
    """3 -> '3', 2.0 -> '2', 0.5 -> '0.5': how a number of seconds reads in a message."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def timeout_message(subject: str, wait_timeout: Any, state: Any, consequence: Optional[str] = None) -> str:
    """The one way every module says that a wait ran out.

    ``timeout_message("workflow w execution e", 30, "Running", "it is still running")`` ->
    ``workflow w execution e did not end within wait_timeout (30 s, state Running); it is still running``
    """
    message = "%s did not end within wait_timeout (%s s, state %s)" % (subject, seconds_text(wait_timeout), state)
    if consequence:
        message += "; %s" % consequence
    return message


class Deadline:
    """The end of a wait on a monotonic clock; start it when the waiting starts (before a POST, say)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.end = clock() + seconds

    def remaining(self) -> float:
        return self.end - self.clock()

    def passed(self) -> bool:
        return self.remaining() <= 0


def poll_delays(poll_interval: float, first: float = FIRST_POLL) -> Iterator[float]:
    """The pauses between reads: ``first``, doubling, then ``poll_interval`` for ever."""
    delay = min(first, poll_interval)
    while True:
        yield delay
        delay = min(delay * 2, poll_interval)


def wait_until(read: Callable[[], Any], done: Callable[[Any], bool], deadline: Deadline, poll_interval: float,
               current: Any = NOT_READ, sleep: Callable[[float], None] = time.sleep,
               first_poll: float = FIRST_POLL) -> Tuple[Any, bool]:
    """Read until ``done(record)`` or the deadline: (last record read, ended?).

    Without ``current`` the first read happens at once; with it (a record the
    caller already has, e.g. from a POST answer) the loop starts by judging it.
    Each pause comes from ``poll_delays`` (from ``first_poll``, doubling up to
    ``poll_interval``: a caller whose waits mostly last milliseconds, like a
    sandbox command, starts shorter) and is cut to what is left of the
    deadline, so the final read happens at the deadline and the loop stops.
    """
    record = read() if current is NOT_READ else current
    delays = poll_delays(poll_interval, first_poll)
    while not done(record):
        remaining = deadline.remaining()
        if remaining <= 0:
            return record, False
        sleep(min(next(delays), remaining))
        record = read()
    return record, True
