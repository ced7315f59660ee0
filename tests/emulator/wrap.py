# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a command against a fresh emulator, e.g. ``with_emulator.py -- ansible-playbook site.yml``.

Starts the emulator on a free loopback port, exports BUDDY_API_URL, BUDDY_TOKEN, BLINK_API_URL,
BLINK_API_KEY and OPSFLOW_EMULATOR_URL into the command's environment, runs it, stops the
emulator and exits with the command's exit code. Entry points: ``python3 with_emulator.py``
(the file beside this one, from any directory) or ``python3 -m emulator.wrap``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from typing import Any, List, Optional

from .control import BLINK_API_KEY, BUDDY_TOKEN, EmulatorControl, EmulatorError, EmulatorProcess


def parse_args(argv: List[str]) -> argparse.Namespace:
    if "--" not in argv:
        own, command = argv, []
    else:
        split = argv.index("--")
        own, command = argv[:split], argv[split + 1:]
    parser = argparse.ArgumentParser(prog="with_emulator.py", usage="%(prog)s [options] -- CMD [ARGS...]", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", default="default", help="default | empty | PATH.json")
    parser.add_argument("--keep-log", metavar="FILE", help="write the request log (JSON list) to FILE at the end")
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                        help="extra server argument, repeatable (e.g. --server-arg=--page-size=2)")
    args = parser.parse_args(own)
    if not command:
        parser.error("give the command to run after --")
    args.command = command
    return args


def child_env(url: str) -> dict:
    env = dict(os.environ)
    env.update({
        "BUDDY_API_URL": url,
        "BUDDY_TOKEN": BUDDY_TOKEN,
        "BLINK_API_URL": url,
        "BLINK_API_KEY": BLINK_API_KEY,
        "OPSFLOW_EMULATOR_URL": url,
    })
    return env


class Terminated(Exception):
    """SIGTERM arrived: stop the command and the emulator, then exit 143."""


def _on_sigterm(signum: int, frame: Any) -> None:
    del signum, frame
    raise Terminated()


def write_log(url: str, path: str) -> None:
    try:
        entries = EmulatorControl(url).requests()
    except (EmulatorError, OSError) as exc:
        sys.stderr.write("with_emulator: could not read the request log: %s\n" % exc)
        return
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(entries, handle, indent=2)
        handle.write("\n")


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    seed = args.seed if args.seed in ("default", "empty") else os.path.abspath(args.seed)
    emulator = EmulatorProcess(["--seed", seed] + args.server_arg)
    try:
        emulator.start()
    except EmulatorError as exc:
        sys.stderr.write("with_emulator: %s\n" % exc)
        return 125
    code = 1
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            code = subprocess.call(args.command, env=child_env(emulator.url))
        except OSError as exc:
            sys.stderr.write("with_emulator: can't run %s: %s\n" % (args.command[0], exc))
            code = 127
        except KeyboardInterrupt:
            code = 130
        except Terminated:
            code = 143
        if code < 0:
            code = 128 - code
        if args.keep_log:
            write_log(emulator.url, args.keep_log)
    finally:
        emulator.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
