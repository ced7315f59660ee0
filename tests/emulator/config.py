# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's settings fixed at start-up, the default credentials and the command line.

Test tooling only. The credentials live here once: the server accepts them, and the test-side
client (``control.py``) and the wrapper (``wrap.py``) hand them to the programs under test.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

DEFAULT_BUDDY_TOKEN = "emulator-buddy-token"
DEFAULT_BUDDY_READONLY_TOKEN = "emulator-readonly-token"
DEFAULT_BLINK_KEY = "emulator-blink-key"
DEFAULT_BLINK_READONLY_KEY = "emulator-blink-viewer-key"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class Config:
    """Server settings fixed at start-up (command line)."""

    host: str = "127.0.0.1"
    port: int = 0
    buddy_tokens: List[str] = field(default_factory=lambda: [DEFAULT_BUDDY_TOKEN])
    buddy_readonly_tokens: List[str] = field(default_factory=lambda: [DEFAULT_BUDDY_READONLY_TOKEN])
    blink_keys: List[str] = field(default_factory=lambda: [DEFAULT_BLINK_KEY])
    blink_readonly_keys: List[str] = field(default_factory=lambda: [DEFAULT_BLINK_READONLY_KEY])
    page_size: int = 20
    max_per_page: int = 100
    rate_limit: int = 1000
    rate_window: int = 60
    list_view: str = "full"
    seed: Any = "default"
    base_url: str = ""
    verbose: bool = False

    def public(self) -> Dict[str, Any]:
        """Config as shown by the control API (credentials left out)."""
        return {
            "base_url": self.base_url,
            "page_size": self.page_size,
            "max_per_page": self.max_per_page,
            "rate_limit": self.rate_limit,
            "rate_window": self.rate_window,
            "list_view": self.list_view,
        }


def load_seed(value: str) -> Any:
    """``default`` / ``empty`` as they are, anything else is a JSON file."""
    if value in ("default", "empty"):
        return value
    with open(value, "r", encoding="utf-8") as handle:
        return json.load(handle)


def build_parser(description: Optional[str] = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 -m emulator.server", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
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
    parser.add_argument("--page-size", type=int, default=20, help="default per_page of lists (default 20, as Buddy documents)")
    parser.add_argument("--max-per-page", type=int, default=100, help="cap on per_page, whatever the client asks (default 100; lists state no total)")
    parser.add_argument("--rate-limit", type=int, default=1000, help="Buddy requests per window before 429 (default 1000)")
    parser.add_argument("--rate-window", type=int, default=60, help="rate limit window in seconds (default 60)")
    parser.add_argument("--list-view", choices=("short", "full"), default="full",
                        help="actions in list answers: full objects (default) or short entries")
    parser.add_argument("--seed", default="default", help="default | empty | PATH.json (default: default)")
    parser.add_argument("--verbose", action="store_true", help="access log on stderr")
    return parser


def parse_args(argv: Optional[List[str]], description: Optional[str] = None) -> Config:
    """The command line as a Config (exits 2 on a bad option, a non-loopback host or an unreadable seed)."""
    parser = build_parser(description)
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK_HOSTS:
        parser.error("--host must be a loopback address")
    if args.page_size < 1 or args.max_per_page < 1:
        parser.error("--page-size and --max-per-page must be positive")
    try:
        seed = load_seed(args.seed)
    except (OSError, ValueError) as exc:
        parser.error("--seed %s: %s" % (args.seed, exc))
    return Config(
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
        seed=seed,
        verbose=args.verbose,
    )
