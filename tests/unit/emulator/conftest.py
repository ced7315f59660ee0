# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the emulator's own tests: the real server on a free loopback port, plain urllib."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Tuple
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from emulator.control import BUDDY_TOKEN, EmulatorControl, EmulatorProcess

EMULATOR_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "emulator"))

PIPELINE = "/workspaces/acme/projects/website/pipelines/1"
ACTIONS = PIPELINE + "/actions"


class Api:
    """Plain urllib calls against the emulator; answers (status, headers, parsed body)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, path: str, body: Any = None, token: Optional[str] = BUDDY_TOKEN,
             headers: Optional[Dict[str, str]] = None, raw: Optional[bytes] = None,
             timeout: float = 10.0) -> Tuple[int, Dict[str, str], Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
        request = Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", "Bearer " + token)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers.items()), _parse(response.read(), response.headers)
        except HTTPError as exc:
            return exc.code, dict(exc.headers.items()), _parse(exc.read(), exc.headers)

    def get(self, path: str, **kwargs: Any) -> Tuple[int, Dict[str, str], Any]:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Tuple[int, Dict[str, str], Any]:
        return self.call("POST", path, body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Tuple[int, Dict[str, str], Any]:
        return self.call("PATCH", path, body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Tuple[int, Dict[str, str], Any]:
        return self.call("DELETE", path, **kwargs)


def _parse(raw: bytes, headers: Any) -> Any:
    if not raw:
        return None
    if "json" in (headers.get("Content-Type") or ""):
        return json.loads(raw.decode("utf-8"))
    return raw.decode("utf-8")


@pytest.fixture(scope="session")
def emulator_process():
    with EmulatorProcess() as process:
        yield process


@pytest.fixture
def control(emulator_process) -> EmulatorControl:
    """Control client, state reset to the default seed (which also empties the log and faults)."""
    client = EmulatorControl(emulator_process.url)
    client.reset()
    return client


@pytest.fixture
def api(emulator_process, control) -> Api:
    del control
    return Api(emulator_process.url)
