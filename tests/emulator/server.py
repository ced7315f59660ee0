# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the opsflow API emulator (Buddy.works + BlinkOps) on loopback: ``python3 -m emulator.server``.

Prints ``EMULATOR_URL=http://127.0.0.1:PORT`` once listening; stops on SIGTERM / SIGINT.
``RESOURCES`` is the route table: every resource module in it registers its routes, state and
seeds, in this order. Adding a resource = one module with ``register(app)`` + one line here.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import ModuleType
from typing import Any, List, Optional, Tuple

from . import blink_executions, buddy_actions, buddy_executions, buddy_pipelines, buddy_sandboxes, control
from . import buddy_sandbox_commands
from . import buddy_variables
from .config import Config, parse_args
from .core import ApiError, Emulator, EmulatorHTTPServer

RESOURCES: Tuple[ModuleType, ...] = (
    control,            # /_emulator/...: state, request log, faults, seeds (no auth, never logged)
    buddy_pipelines,    # /workspaces/{ws}, projects, pipelines; the workspaces seed
    buddy_actions,      # .../pipelines/{id}/actions
    buddy_executions,   # .../pipelines/{id}/executions: pipeline runs
    buddy_sandboxes,    # /workspaces/{ws}/sandboxes (+ snapshots)
    buddy_sandbox_commands,  # .../sandboxes/{id}/commands, content, download: commands really run (loopback only)
    buddy_variables,    # /workspaces/{ws}/variables: scoped environment variables, encrypted ones as ciphertext
    blink_executions,   # /api/v1/workspace/{ws}/playbooks, executions (BlinkOps)
)


def build_app(config: Config) -> Emulator:
    """The application with every resource of ``RESOURCES`` registered (state still empty)."""
    app = Emulator(config)
    for resource in RESOURCES:
        resource.register(app)
    return app


def main(argv: Optional[List[str]] = None) -> int:
    config = parse_args(argv, description=__doc__)
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
