# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection: every kind, matching, ``times`` and order of use."""

from __future__ import annotations

import http.client
import time
from urllib.error import URLError

import pytest

from conftest import ACTIONS

DOCKER = {"name": "Run", "type": "RUN_DOCKER_CONTAINER", "docker_image_name": "ubuntu"}
CONNECTION_ERRORS = (URLError, http.client.HTTPException, ConnectionError)


def test_status_fault_leaves_state_untouched(api, control):
    control.add_fault(kind="status", status=503, method="POST", path=r"/actions$")
    status, headers, body = api.post(ACTIONS, DOCKER)
    assert status == 503
    assert body == {"errors": [{"message": "Service Unavailable"}]}
    assert "X-Rate-Limit-Remaining" in headers
    assert control.actions("acme", "website", 1) == []
    assert control.requests()[-1]["fault"] == "status" and control.requests()[-1]["status"] == 503
    assert api.post(ACTIONS, DOCKER)[0] == 201
    assert control.faults() == []


def test_status_fault_custom_message(api, control):
    control.add_fault(kind="status", status=500, message="boom")
    assert api.get(ACTIONS)[2] == {"errors": [{"message": "boom"}]}


def test_fault_matching_by_method_and_path(api, control):
    control.add_fault(kind="status", status=500, method="GET", path=r"/actions/\d+$")
    assert api.get(ACTIONS)[0] == 200
    created = api.post(ACTIONS, DOCKER)[2]
    assert api.get(ACTIONS + "/%d" % created["id"])[0] == 500
    assert api.get(ACTIONS + "/%d" % created["id"])[0] == 200


def test_times_and_order_of_addition(api, control):
    control.add_fault(kind="status", status=502, times=2)
    control.add_fault(kind="status", status=504)
    assert [api.get(ACTIONS)[0] for _attempt in range(4)] == [502, 502, 504, 200]


def test_rate_limit_fault(api, control):
    control.add_fault(kind="rate_limit", reset_in=5)
    before = int(time.time())
    status, headers, body = api.get(ACTIONS)
    assert status == 429
    assert headers["X-Rate-Limit-Remaining"] == "0"
    assert before + 5 <= int(headers["X-Rate-Limit-Reset"]) <= int(time.time()) + 5
    assert "Retry-After" not in headers
    assert body["errors"][0]["message"]
    control.add_fault(kind="rate_limit", retry_after=2)
    assert api.get(ACTIONS)[1]["Retry-After"] == "2"
    assert api.get(ACTIONS)[0] == 200


def test_html_fault(api, control):
    control.add_fault(kind="html")
    status, headers, body = api.get(ACTIONS)
    assert status == 502 and headers["Content-Type"].startswith("text/html")
    assert "<html>" in body and "502 Bad Gateway" in body and "nginx" in body
    control.add_fault(kind="html", status=504)
    assert api.get(ACTIONS)[0] == 504


def test_drop_fault_closes_without_processing(api, control):
    control.add_fault(kind="drop", method="POST")
    with pytest.raises(CONNECTION_ERRORS):
        api.post(ACTIONS, DOCKER)
    assert control.actions("acme", "website", 1) == []
    entry = control.requests()[-1]
    assert entry["fault"] == "drop" and entry["status"] is None and entry["body"] == DOCKER


def test_hang_after_commit_changes_state_then_closes(api, control):
    control.add_fault(kind="hang_after_commit", method="POST", delay=0.2)
    with pytest.raises(CONNECTION_ERRORS):
        api.post(ACTIONS, DOCKER, timeout=10)
    assert [a["name"] for a in control.actions("acme", "website", 1)] == ["Run"]
    entry = control.requests()[-1]
    assert entry["fault"] == "hang_after_commit" and entry["status"] == 201


def test_hang_after_commit_client_timeout(api, control):
    control.add_fault(kind="hang_after_commit", method="POST", delay=5)
    with pytest.raises(CONNECTION_ERRORS + (OSError,)):
        api.post(ACTIONS, DOCKER, timeout=0.3)
    assert len(control.actions("acme", "website", 1)) == 1


def test_slow_fault_processes_normally(api, control):
    control.add_fault(kind="slow", delay=0.1)
    status, _headers, _body = api.post(ACTIONS, DOCKER)
    assert status == 201
    assert len(control.actions("acme", "website", 1)) == 1
    assert control.requests()[-1]["fault"] == "slow"


def test_a_gathering_slow_fault_answers_the_held_requests_together(api, control):
    # Two clients' list calls are both answered before either adds: the state each sees is the one before.
    import threading  # pylint: disable=import-outside-toplevel
    control.add_fault(kind="slow", method="GET", path=r"/actions$", times=2, gather=2, delay=30)
    answers = []
    first = threading.Thread(target=lambda: answers.append(api.get(ACTIONS)))
    first.start()
    while not control.requests():
        time.sleep(0.01)
    assert answers == [] and first.is_alive()  # held until a second list call arrives
    answers.append(api.get(ACTIONS))
    first.join(60)  # a bound only: the held answer comes as soon as the second call arrives
    assert [answer[0] for answer in answers] == [200, 200]
    assert [entry["fault"] for entry in control.requests()] == ["slow", "slow"]
    with pytest.raises(Exception):
        control.add_fault(kind="status", status=500, gather=2)


def test_faults_listed_and_cleared(control):
    control.add_fault(kind="status", status=500, times=3, path="x")
    listed = control.faults()
    assert len(listed) == 1 and listed[0]["times"] == 3 and listed[0]["kind"] == "status"
    control.clear_faults()
    assert control.faults() == []


def test_control_api_is_never_faulted_or_logged(api, control):
    control.add_fault(kind="drop")
    assert control.state()["workspaces"]
    assert control.faults() and control.requests() == []
    with pytest.raises(CONNECTION_ERRORS):
        api.get(ACTIONS)
