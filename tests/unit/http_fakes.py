# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-ins for a requests session, and real connection failures made on loopback."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import socket
import threading

import requests


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
