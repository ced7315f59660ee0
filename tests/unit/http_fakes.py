# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-ins for a requests session and the clock, a real Transport over them, and real connection failures."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import socket
import threading
from urllib.parse import urlsplit

import requests

from ansible_collections.opsflow.pipelines.plugins.module_utils import _http

API_URL = "https://api.example.test"


class FakeRaw:
    def __init__(self, status, body=None, headers=None, text=None):
        self.status_code = status
        self.headers = headers or {}
        if text is None:
            text = json.dumps(body) if body is not None else ""
        self.text = text


class ScriptedSession:
    """Answers requests from a script: FakeRaw objects or exceptions to raise."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


class FakeClock:
    """Stands in for time.time, time.monotonic and time.sleep: sleeping moves the clock on."""

    def __init__(self, start=0.0):
        self.now = start
        self.sleeps = []

    def time(self):
        return self.now

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def scripted_transport(*script, **options):
    """The real Transport over a ScriptedSession: the transport, the session and the warnings it gave.

    Retries do not sleep unless ``sleep`` is given; ``base_url`` (default API_URL), ``headers`` and
    any other Transport argument may be given too.
    """
    session = ScriptedSession(*script)
    warnings = []
    settings = dict(base_url=API_URL, headers={}, max_retries=2, warn=warnings.append, sleep=lambda delay: None,
                    session=session)
    settings.update(options)
    return _http.Transport(**settings), session, warnings


def request_paths(session):
    """(method, path) of every request the session saw, the path without scheme and host."""
    paths = []
    for method, url, _kwargs in session.calls:
        parts = urlsplit(url)
        paths.append((method, parts.path + ("?" + parts.query if parts.query else "")))
    return paths


def connection_refused():
    """A real 'connection refused' error from requests, with its real exception chain."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    try:
        requests.get("http://127.0.0.1:%d/" % port, timeout=2)
    except requests.exceptions.ConnectionError as error:
        return error
    raise AssertionError("expected the closed port to refuse")


def dropped_after_send():
    """A real 'connection dropped after the request was sent' error."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        conn, _addr = listener.accept()
        conn.recv(65536)
        conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        requests.post("http://127.0.0.1:%d/" % port, json={}, timeout=5)
    except requests.exceptions.ConnectionError as error:
        return error
    finally:
        thread.join(5)
        listener.close()
    raise AssertionError("expected the connection to drop")
