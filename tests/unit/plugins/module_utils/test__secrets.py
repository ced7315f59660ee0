# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What counts as a secret, how it is collected and masked, and URL userinfo redaction."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import (
    MASK,
    has_write_only,
    mask_secrets,
    redact_userinfo,
    scrub,
    secret_values,
    userinfo_values,
    without_write_only,
)
from ansible_collections.opsflow.pipelines.tests.unit.plugins.module_utils.test__compare import SERVER_ACTION


def test_without_write_only_removes_password_and_encrypted_values_at_any_depth():
    desired = {
        "password": "pw",
        "login": "ci",
        "variables": [{"key": "A", "value": "1"}, {"key": "S", "value": "s3", "encrypted": True}],
        "services": [{"type": "MYSQL", "password": "db"}],
        "spec": {"variables": [{"key": "T", "value": "t", "encrypted": True}]},
    }
    assert without_write_only(desired) == {
        "login": "ci",
        "variables": [{"key": "A", "value": "1"}, {"key": "S", "encrypted": True}],
        "services": [{"type": "MYSQL"}],
        "spec": {"variables": [{"key": "T", "encrypted": True}]},
    }
    assert desired["password"] == "pw"  # a copy


@pytest.mark.parametrize("value, expected", [
    ({"password": "pw"}, True),
    ({"password": None}, False),
    ({"variables": [{"key": "S", "value": "v", "encrypted": True}]}, True),
    ({"variables": [{"key": "S", "value": "v", "encrypted": False}]}, False),
    ({"variables": [{"key": "S", "encrypted": True}]}, False),
    ({"services": [{"password": "db"}]}, True),
    ({"login": "ci"}, False),
    ("password", False),
])
def test_has_write_only(value, expected):
    assert has_write_only(value) is expected


def test_secret_values_collects_every_secret_string():
    params = {
        "token": "not-mine",  # a no_log option, handled by Ansible itself
        "password": "pw1",
        "variables": [{"key": "A", "value": "open"}, {"key": "S", "value": "sv", "encrypted": True}],
        "fields": {"services": [{"password": "db"}]},
        "spec": {"variables": [{"key": "T", "value": "tv", "encrypted": True}]},
    }
    assert secret_values(params) == {"pw1", "sv", "db", "tv"}


def test_mask_secrets_masks_but_keeps_the_shape():
    masked = mask_secrets(SERVER_ACTION)
    assert masked["variables"][1]["value"] == MASK
    assert masked["variables"][0]["value"] == "1"
    assert mask_secrets({"password": "pw", "x": [{"password": None}]}) == {"password": MASK, "x": [{"password": None}]}
    assert SERVER_ACTION["variables"][1]["value"] == "secure!x9"


def test_encrypted_numbers_are_secrets_too_and_booleans_and_empty_values_are_not():
    params = {"variables": [{"key": "N", "value": 4711, "encrypted": True},
                            {"key": "E", "value": "", "encrypted": True},
                            {"key": "B", "value": True, "encrypted": True},
                            {"key": "P", "value": 5, "encrypted": False}]}
    assert secret_values(params) == {"4711"}


def test_mask_secrets_masks_encrypted_values_wherever_they_sit():
    run = {"variables": [{"key": "S", "value": "s", "encrypted": True}, {"key": "P", "value": "p"}],
           "action_executions": [{"variables": [{"key": "T", "value": "t", "encrypted": True}]}]}
    masked = mask_secrets(run)
    assert masked["variables"] == [{"key": "S", "value": MASK, "encrypted": True}, {"key": "P", "value": "p"}]
    assert masked["action_executions"][0]["variables"][0]["value"] == MASK
    assert run["variables"][0]["value"] == "s"  # a copy


@pytest.mark.parametrize("text, expected", [
    ("https://user:pw@git.example.test/repo.git", "https://%s@git.example.test/repo.git" % MASK),
    ("cloning http://tok@host:8080/x failed", "cloning http://%s@host:8080/x failed" % MASK),
    ("two: https://a:b@one.test and ssh://c@two.test/", "two: https://%s@one.test and ssh://%s@two.test/" % (MASK, MASK)),
    ("https://host.test/path?mail=a@b.test", "https://host.test/path?mail=a@b.test"),
    ("no url here, mail@example.test", "no url here, mail@example.test"),
])
def test_redact_userinfo(text, expected):
    assert redact_userinfo(text) == expected


def test_scrub_masks_known_secrets_and_userinfo():
    text = "failed: token s3cret-long rejected by https://u:p@h.test/ (s3cret)"
    assert scrub(text, {"s3cret", "s3cret-long", ""}) == (
        "failed: token %s rejected by https://%s@h.test/ (%s)" % (MASK, MASK, MASK))


def test_userinfo_values_finds_the_credentials_written_into_urls():
    assert userinfo_values("https://bot:pa55@hook.test/x", None, "ssh://git@host/", "https://plain.test") == {
        "bot:pa55", "pa55", "git"}
    assert userinfo_values(42, "no url") == set()
