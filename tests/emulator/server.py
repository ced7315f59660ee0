#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the opsflow API emulator (Buddy.works + BlinkOps) on loopback.

Prints ``EMULATOR_URL=http://127.0.0.1:PORT`` once listening; stops on SIGTERM / SIGINT.
Every ``routes_*.py`` file next to this one is loaded and its ``register(app)`` called.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import threading
from typing import Any, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from emulator_core import (  # noqa: E402  pylint: disable=wrong-import-position
    DEFAULT_BLINK_KEY,
    DEFAULT_BLINK_READONLY_KEY,
    DEFAULT_BUDDY_READONLY_TOKEN,
    DEFAULT_BUDDY_TOKEN,
    ApiError,
    Config,
    Emulator,
    EmulatorHTTPServer,
)


def route_modules() -> List[str]:
    """Names of the routes_*.py files beside this one, in a stable order (control first)."""
    names = sorted(name[:-3] for name in os.listdir(HERE) if name.startswith("routes_") and name.endswith(".py"))
    if "routes_control" in names:
        names.remove("routes_control")
        names.insert(0, "routes_control")
    return names


def build_app(config: Config) -> Emulator:
    app = Emulator(config)
    for name in route_modules():
        module = importlib.import_module(name)
        module.register(app)
    return app


def load_seed(value: str) -> Any:
    if value in ("default", "empty"):
        return value
    with open(value, "r", encoding="utf-8") as handle:
        return json.load(handle)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="listen address (loopback only; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port, 0 picks a free one (default)")
    parser.add_argument("--buddy-token", action="append", dest="buddy_tokens", metavar="T",
                        help="accepted Buddy token (repeatable; default %s)" % DEFAULT_BUDDY_TOKEN)
    parser.add_argument("--buddy-readonly-token", action="append", dest="buddy_readonly_tokens", metavar="T",
                        help="Buddy token that may only GET (repeatable; default %s)" % DEFAULT_BUDDY_READONLY_TOKEN)
    parser.add_argument("--blink-key", action="append", dest="blink_keys", metavar="K",
                        help="accepted Blink API key (repeatable; default %s)" % DEFAULT_BLINK_KEY)
    parser.add_argument("--blink-readonly-key", action="append", dest="blink_readonly_keys", metavar="K",
                        help="Blink key with a Viewer role (repeatable; default %s)" % DEFAULT_BLINK_READONLY_KEY)
    parser.add_argument("--page-size", type=int, default=5, help="default per_page of lists (default 5)")
    parser.add_argument("--max-per-page", type=int, default=100, help="cap on per_page (default 100)")
    parser.add_argument("--rate-limit", type=int, default=1000, help="Buddy requests per window before 429 (default 1000)")
    parser.add_argument("--rate-window", type=int, default=60, help="rate limit window in seconds (default 60)")
    parser.add_argument("--list-view", choices=("short", "full"), default="full",
                        help="actions in list answers: full objects (default) or short entries")
    parser.add_argument("--seed", default="default", help="default | empty | PATH.json (default: default)")
    parser.add_argument("--verbose", action="store_true", help="access log on stderr")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--host must be a loopback address")
    if args.page_size < 1 or args.max_per_page < 1:
        parser.error("--page-size and --max-per-page must be positive")
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    config = Config(
        host=args.host,
        port=args.port,
        buddy_tokens=args.buddy_tokens or [DEFAULT_BUDDY_TOKEN],
        buddy_readonly_tokens=args.buddy_readonly_tokens or [DEFAULT_BUDDY_READONLY_TOKEN],
        blink_keys=args.blink_keys or [DEFAULT_BLINK_KEY],
        blink_readonly_keys=args.blink_readonly_keys or [DEFAULT_BLINK_READONLY_KEY],
        page_size=args.page_size,
        max_per_page=args.max_per_page,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        list_view=args.list_view,
        seed=load_seed(args.seed),
        verbose=args.verbose,
    )
    app = build_app(config)
    try:
        app.reset()
    except ApiError as exc:
        sys.stderr.write("emulator: bad seed: %s\n" % exc.message)
        return 2
    server = EmulatorHTTPServer((config.host, config.port), app)
    host, port = server.server_address[:2]
    display_host = "[%s]" % host if ":" in host else host
    config.base_url = "http://%s:%d" % (display_host, port)

    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    sys.stdout.write("EMULATOR_URL=%s\n" % config.base_url)
    sys.stdout.flush()
    while not stop.wait(0.1):
        pass
    app.stopping.set()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
