# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's own control interface under ``/_emulator/`` (no auth, never logged, no faults).

Test tooling only. See README.md for the endpoints.
"""

from __future__ import annotations

from typing import Any

from emulator_core import ApiError, Emulator, HandlerResult, Request, State

PREFIX = "/_emulator"
CONTROL = "control"


def register(app: Emulator) -> None:
    """Control routes close over ``app`` (they reach past the state: log, faults, seeds)."""

    def health(state: State, request: Request) -> HandlerResult:
        del state
        return 200, {"ok": True, "url": request.base_url}, {}

    def config(state: State, request: Request) -> HandlerResult:
        del request
        return 200, state.config.public(), {}

    def get_state(state: State, request: Request) -> HandlerResult:
        del request
        return 200, state.snapshot(), {}

    def get_requests(state: State, request: Request) -> HandlerResult:
        del state
        since = request.query_int("since", 0)
        return 200, {"requests": app.log.since(since), "last_seq": app.log.last_seq()}, {}

    def clear_requests(state: State, request: Request) -> HandlerResult:
        del state, request
        app.log.clear()
        return 204, None, {}

    def reset(state: State, request: Request) -> HandlerResult:
        del state
        body = request.json_object()
        app.reset(body.get("seed"))
        return 200, {"ok": True}, {}

    def seed(state: State, request: Request) -> HandlerResult:
        del state
        app.apply_seed(request.json_object())
        return 200, {"ok": True}, {}

    def add_fault(state: State, request: Request) -> HandlerResult:
        del state
        if not request.body_is_json:
            raise ApiError(400, "fault must be a JSON object")
        fault = app.faults.add(request.body)
        return 201, {"fault": fault.as_dict()}, {}

    def list_faults(state: State, request: Request) -> HandlerResult:
        del state, request
        return 200, {"faults": app.faults.list()}, {}

    def clear_faults(state: State, request: Request) -> HandlerResult:
        del state, request
        app.faults.clear()
        return 204, None, {}

    routes: Any = (
        ("GET", "/health", health, True),
        ("GET", "/config", config, True),
        ("GET", "/state", get_state, False),
        ("GET", "/requests", get_requests, False),
        ("DELETE", "/requests", clear_requests, False),
        ("POST", "/reset", reset, False),
        ("POST", "/seed", seed, False),
        ("POST", "/faults", add_fault, False),
        ("GET", "/faults", list_faults, False),
        ("DELETE", "/faults", clear_faults, False),
    )
    for method, path, handler, locked in routes:
        app.route(method, PREFIX + path, handler, service=CONTROL, locked=locked)
