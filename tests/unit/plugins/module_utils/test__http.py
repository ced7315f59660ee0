# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared transport: retries, waits, error mapping, pagination, path quoting."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import ssl

import pytest
import requests
import yaml

import ansible_collections.opsflow.pipelines as collection
from ansible_collections.opsflow.pipelines.plugins.module_utils import _http, _version
from ansible_collections.opsflow.pipelines.tests.unit.http_fakes import (
    FakeRaw,
    ScriptedSession,
    connection_refused,
    dropped_after_send,
    scripted_transport,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    TransportError,
    ValidationError,
)

SECRET = "s3cr3t-token-value-never-shown"


def make_transport(*script, **kwargs):
    sleeps = []
    options = dict(base_url="https://api.example.test/", headers={"Authorization": "Bearer " + SECRET}, max_retries=3,
                   sleep=sleeps.append, clock=lambda: 1000000000.0)
    options.update(kwargs)
    transport, session, warnings = scripted_transport(*script, **options)
    return transport, session, sleeps, warnings


def test_success_returns_response_with_lowercase_headers():
    transport, session, sleeps, _warnings = make_transport(FakeRaw(200, {"ok": True}, {"X-Rate-Limit-Remaining": "9"}))
    response = transport.request("GET", "/x")
    assert response.json == {"ok": True}
    assert response.headers["x-rate-limit-remaining"] == "9"
    assert session.calls[0][1] == "https://api.example.test/x"
    assert sleeps == []


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_is_retried_on_transient_status(status):
    transport, session, sleeps, warnings = make_transport(FakeRaw(status, {"errors": [{"message": "busy"}]}),
                                                          FakeRaw(200, {"ok": 1}))
    assert transport.request("GET", "/x").json == {"ok": 1}
    assert len(session.calls) == 2
    assert len(sleeps) == 1 and len(warnings) == 1
    assert "retry 1 of 3" in warnings[0] and "HTTP %d" % status in warnings[0]


def test_retry_after_header_sets_the_wait():
    transport, _session, sleeps, _warnings = make_transport(FakeRaw(429, headers={"Retry-After": "7"}), FakeRaw(200, {}))
    transport.request("GET", "/x")
    assert sleeps == [7.0]


def test_rate_limit_reset_header_sets_the_wait():
    reset = str(int(1000000000 + 12))
    transport, _session, sleeps, warnings = make_transport(
        FakeRaw(429, headers={"X-Rate-Limit-Reset": reset, "X-Rate-Limit-Remaining": "0"}), FakeRaw(200, {}))
    transport.request("GET", "/x")
    assert sleeps == [12.0]
    assert "as the server asked" in warnings[0]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_rate_limit_reset_is_ignored_on_server_errors(status):
    # Buddy sends X-Rate-Limit-Reset on every answer: it is the end of the rate window, not a hint for a 5xx.
    reset = str(int(1000000000 + 60))
    transport, _session, sleeps, warnings = make_transport(FakeRaw(status, headers={"X-Rate-Limit-Reset": reset}),
                                                           FakeRaw(200, {}))
    transport.request("GET", "/x")
    assert 0.5 <= sleeps[0] <= _http.BACKOFF_BASE
    assert "(backoff)" in warnings[0]


def test_retry_after_counts_on_a_503_too():
    transport, _session, sleeps, _warnings = make_transport(FakeRaw(503, headers={"Retry-After": "3"}), FakeRaw(200, {}))
    transport.request("GET", "/x")
    assert sleeps == [3.0]


def test_wait_is_capped():
    transport, _session, sleeps, _warnings = make_transport(FakeRaw(429, headers={"Retry-After": "86400"}), FakeRaw(200, {}))
    transport.request("GET", "/x")
    assert sleeps == [_http.MAX_WAIT]


def test_backoff_grows_and_has_jitter_without_headers():
    transport, _session, sleeps, _warnings = make_transport(FakeRaw(503), FakeRaw(503), FakeRaw(503), FakeRaw(200, {}))
    transport.request("GET", "/x")
    assert len(sleeps) == 3
    for attempt, delay in enumerate(sleeps, start=1):
        ceiling = _http.BACKOFF_BASE * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_retries_are_bounded_and_the_error_says_so():
    transport, session, sleeps, _warnings = make_transport(*[FakeRaw(503, {"errors": [{"message": "down"}]})] * 4)
    with pytest.raises(ApiError) as caught:
        transport.request("GET", "/x")
    assert len(session.calls) == 4 and len(sleeps) == 3
    assert caught.value.status == 503
    assert "gave up after 3 retries" in caught.value.message
    assert "down" in caught.value.message


def test_max_retries_zero_means_one_attempt():
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(429), max_retries=0)
    with pytest.raises(ApiError):
        transport.request("GET", "/x")
    assert len(session.calls) == 1


@pytest.mark.parametrize("status,error_class", [(401, AuthenticationError), (403, PermissionDeniedError),
                                                (404, NotFoundError), (400, ApiError), (500, ApiError)])
def test_error_status_maps_to_error_class_with_method_path_status_and_message(status, error_class):
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(status, {"errors": [{"message": "nope here"}]}))
    with pytest.raises(error_class) as caught:
        transport.request("PATCH", "/workspaces/a/thing", body={"x": 1})
    message = caught.value.message
    assert message.startswith("PATCH /workspaces/a/thing failed with HTTP %d: nope here" % status)
    assert SECRET not in message and SECRET not in json.dumps(caught.value.to_fail_kwargs())
    assert len(session.calls) == 1


def test_auth_errors_tell_what_to_check():
    transport, _session, _sleeps, _warnings = make_transport(FakeRaw(401, {"errors": [{"message": "Invalid token"}]}))
    with pytest.raises(AuthenticationError) as caught:
        transport.request("GET", "/x")
    assert "check the token" in caught.value.message


@pytest.mark.parametrize("body,expected", [
    ({"errors": [{"message": "a"}, {"message": "b"}]}, "a; b"),
    ({"status": 404, "message": "Workflow not found"}, "Workflow not found"),
    ({"error": "bad thing"}, "bad thing"),
    ({"error": {"message": "nested"}}, "nested"),
])
def test_server_message_shapes(body, expected):
    assert _http.server_message(_http.Response(400, {}, json.dumps(body))) == expected


def test_html_error_page_is_summarised():
    page = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
    transport, _session, _sleeps, _warnings = make_transport(FakeRaw(500, text=page, headers={"Content-Type": "text/html"}))
    with pytest.raises(ApiError) as caught:
        transport.request("GET", "/x")
    assert "HTML page: 502 Bad Gateway" in caught.value.message


def test_get_is_retried_after_connection_errors():
    transport, session, sleeps, warnings = make_transport(dropped_after_send(), FakeRaw(200, {"ok": 1}))
    assert transport.request("GET", "/x").json == {"ok": 1}
    assert len(session.calls) == 2 and len(sleeps) == 1
    assert "connection dropped" in warnings[0]


def test_post_is_not_repeated_after_it_may_have_reached_the_server():
    transport, session, sleeps, _warnings = make_transport(dropped_after_send(), FakeRaw(201, {}))
    with pytest.raises(TransportError) as caught:
        transport.request("POST", "/x", body={}, expected=(201,))
    assert caught.value.may_have_committed is True
    assert len(session.calls) == 1 and sleeps == []


def test_post_read_timeout_is_uncertain():
    transport, session, _sleeps, _warnings = make_transport(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        transport.request("POST", "/x", body={}, expected=(201,))
    assert caught.value.may_have_committed is True
    assert "no answer within 30.0 s" in caught.value.message
    assert len(session.calls) == 1


def test_post_is_retried_when_the_connection_was_refused_before_sending():
    transport, session, sleeps, _warnings = make_transport(connection_refused(), FakeRaw(201, {"id": 1}))
    assert transport.request("POST", "/x", body={}, expected=(201,)).json == {"id": 1}
    assert len(session.calls) == 2 and len(sleeps) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_post_is_retried_when_the_server_refused_it(status):
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(status), FakeRaw(201, {"id": 1}))
    assert transport.request("POST", "/x", body={}, expected=(201,)).json == {"id": 1}
    assert len(session.calls) == 2


@pytest.mark.parametrize("status", [502, 504])
def test_post_gateway_error_is_uncertain(status):
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(status), FakeRaw(201, {"id": 1}))
    with pytest.raises(TransportError) as caught:
        transport.request("POST", "/x", body={}, expected=(201,))
    assert caught.value.may_have_committed is True
    assert len(session.calls) == 1


def test_connection_refused_gives_up_with_a_clear_message():
    transport, session, _sleeps, _warnings = make_transport(*[connection_refused()] * 4)
    with pytest.raises(TransportError) as caught:
        transport.request("GET", "/x")
    assert "could not connect to https://api.example.test" in caught.value.message
    assert caught.value.may_have_committed is False
    assert len(session.calls) == 4


def test_body_is_sent_as_json_and_token_only_in_headers():
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(200, {}))
    transport.request("PATCH", "/x", body={"a": [1, 2]})
    _method, url, kwargs = session.calls[0]
    assert json.loads(kwargs["data"]) == {"a": [1, 2]}
    assert kwargs["headers"]["Content-Type"] == "application/json"
    assert kwargs["allow_redirects"] is False
    assert SECRET not in url


def pages(*sizes, **kwargs):
    start = kwargs.get("start", 1)
    result = []
    for size in sizes:
        result.append(FakeRaw(200, {"actions": [{"id": i} for i in range(start, start + size)]}))
        start += size
    return result


def test_paginate_never_takes_a_lone_short_page_as_the_end():
    # A server may cap pages below per_page without saying so: only an empty page proves the end.
    transport, session, _sleeps, _warnings = make_transport(*pages(3, 0))
    assert [item["id"] for item in transport.paginate("/l", "actions", per_page=50)] == [1, 2, 3]
    assert [call[2]["params"] for call in session.calls] == [{"page": 1, "per_page": 50}, {"page": 2, "per_page": 50}]


def test_paginate_gets_every_item_from_a_server_that_caps_pages_below_per_page():
    transport, session, _sleeps, _warnings = make_transport(*pages(5, 5, 5, 0))
    assert [item["id"] for item in transport.paginate("/l", "actions", per_page=30)] == list(range(1, 16))
    assert [call[2]["params"]["page"] for call in session.calls] == [1, 2, 3, 4]


def test_paginate_stops_at_a_page_shorter_than_an_earlier_one_without_a_probe():
    # The server served 2 a page before, so a page of 1 is the last one.
    transport, session, _sleeps, _warnings = make_transport(*pages(2, 2, 1))
    assert [item["id"] for item in transport.paginate("/l", "actions", per_page=30)] == [1, 2, 3, 4, 5]
    assert [call[2]["params"]["page"] for call in session.calls] == [1, 2, 3]


def test_paginate_stops_at_an_empty_page():
    transport, session, _sleeps, _warnings = make_transport(*pages(2, 0))
    assert len(transport.paginate("/l", "actions", per_page=2)) == 2
    assert len(session.calls) == 2


def test_paginate_an_empty_list_costs_one_request():
    transport, session, _sleeps, _warnings = make_transport(*pages(0))
    assert transport.paginate("/l", "actions") == []
    assert len(session.calls) == 1


def test_paginate_accepts_the_executions_envelope():
    # Buddy's executions list: page, page_size, total_page_count, element_count, total_element_count.
    def envelope(page, ids, total_pages, total):
        return FakeRaw(200, {"page": page, "page_size": 2, "total_page_count": total_pages, "element_count": len(ids),
                             "total_element_count": total, "executions": [{"id": i} for i in ids]})
    transport, session, _sleeps, _warnings = make_transport(envelope(1, [1, 2], 2, 4), envelope(2, [3, 4], 2, 4))
    assert [item["id"] for item in transport.paginate("/e", "executions", per_page=30)] == [1, 2, 3, 4]
    assert len(session.calls) == 2


@pytest.mark.parametrize("body", [
    {"total_page_count": 1, "actions": [{"id": 1}]},
    {"page_size": 2, "actions": [{"id": 1}]},
    {"total_element_count": 1, "actions": [{"id": 1}]},
    {"total": 1, "actions": [{"id": 1}]},
])
def test_paginate_stops_without_a_probe_when_the_server_says_the_list_is_done(body):
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(200, body))
    assert transport.paginate("/l", "actions", per_page=30) == [{"id": 1}]
    assert len(session.calls) == 1


def test_paginate_a_full_page_stated_as_page_size_is_not_the_end():
    first = FakeRaw(200, {"page_size": 2, "actions": [{"id": 1}, {"id": 2}]})
    second = FakeRaw(200, {"page_size": 2, "actions": [{"id": 3}]})
    transport, session, _sleeps, _warnings = make_transport(first, second)
    assert [item["id"] for item in transport.paginate("/l", "actions", per_page=30)] == [1, 2, 3]
    assert len(session.calls) == 2


def test_paginate_survives_a_server_that_ignores_page():
    same = {"actions": [{"id": 1}, {"id": 2}]}
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(200, same), FakeRaw(200, same))
    assert [item["id"] for item in transport.paginate("/l", "actions", per_page=2)] == [1, 2]
    assert len(session.calls) == 2


def test_paginate_accepts_a_bare_list_or_another_single_key():
    transport, _session, _sleeps, _warnings = make_transport(FakeRaw(200, [{"id": 1}]), FakeRaw(200, []))
    assert transport.paginate("/l", "actions") == [{"id": 1}]
    transport, _session, _sleeps, _warnings = make_transport(FakeRaw(200, {"url": "u", "items": [{"id": 1}]}),
                                                             FakeRaw(200, {"url": "u", "items": []}))
    assert transport.paginate("/l", "actions") == [{"id": 1}]


def test_paginate_rejects_an_unexpected_shape():
    transport, _session, _sleeps, _warnings = make_transport(FakeRaw(200, {"a": 1}))
    with pytest.raises(ApiError) as caught:
        transport.paginate("/l", "actions")
    assert "no 'actions' list" in caught.value.message


@pytest.mark.parametrize("value,expected", [("my-project", "my-project"), ("../x", "..%2Fx"), ("a/b", "a%2Fb"),
                                            ("a b?c#d", "a%20b%3Fc%23d"), (12, "12")])
def test_quote_segment_encodes_everything_that_could_escape(value, expected):
    assert _http.quote_segment(value) == expected


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_quote_segment_refuses_dot_names(value):
    with pytest.raises(ValidationError):
        _http.quote_segment(value, "project_name")


@pytest.mark.parametrize("kwargs,fragment", [
    ({"base_url": "ftp://x"}, "api_url must be an http"),
    ({"base_url": "https://x", "max_retries": -1}, "max_retries"),
    ({"base_url": "https://x", "timeout": 0}, "request_timeout"),
])
def test_bad_settings_fail_before_any_request(kwargs, fragment):
    base_url = kwargs.pop("base_url")
    with pytest.raises(ValidationError) as caught:
        _http.Transport(base_url, {}, session=ScriptedSession(), **kwargs)
    assert fragment in caught.value.message


def test_unseen_items_drops_repeats_by_identity_and_keeps_items_without_one():
    seen = {1}
    items = [{"id": 1}, {"id": 2}, {"name": "no id"}, {"id": 2}, {"name": "no id"}]
    fresh = _http.unseen_items(items, seen, lambda item: item.get("id"))
    assert fresh == [{"id": 2}, {"name": "no id"}, {"name": "no id"}]
    assert seen == {1, 2}


def test_from_params_reads_the_shared_connection_options_and_sends_the_user_agent():
    params = {"validate_certs": False, "request_timeout": 12.5, "max_retries": 1, "api_url": "ignored"}
    warnings = []
    transport = _http.Transport.from_params("https://api.example.test", {"X-Key": SECRET}, params, warn=warnings.append)
    assert transport.validate_certs is False and transport.timeout == 12.5 and transport.max_retries == 1
    assert transport.headers == {"X-Key": SECRET, "Accept": "application/json", "User-Agent": _http.USER_AGENT}
    transport.warn("w")
    assert warnings == ["w"]


def test_the_user_agent_carries_the_collection_version_of_galaxy_yml():
    # The version is a Python constant (_version.py), so a module inside an AnsiballZ payload still sends it.
    with open(os.path.join(list(collection.__path__)[0], "galaxy.yml")) as galaxy:
        version = yaml.safe_load(galaxy)["version"]
    assert _version.COLLECTION_VERSION == version, "bump plugins/module_utils/_version.py with galaxy.yml"
    assert _http.USER_AGENT == "opsflow.pipelines/%s (Ansible collection)" % version


def test_no_version_gives_a_generic_user_agent():
    assert _http.user_agent(None) == "opsflow.pipelines (Ansible collection)"
    assert _http.user_agent("2.1.0") == "opsflow.pipelines/2.1.0 (Ansible collection)"


def test_connection_messages_never_show_url_userinfo():
    with pytest.raises(ValidationError) as caught:
        _http.Transport("ftp://user:pw@host.test", {})
    assert "pw" not in caught.value.message and "********@host.test" in caught.value.message
    transport, _session, _sleeps, _warnings = make_transport(connection_refused(), base_url="https://user:pw@host.test",
                                                             max_retries=0)
    with pytest.raises(TransportError) as caught:
        transport.request("GET", "/x")
    assert "could not connect to https://********@host.test" in caught.value.message and "pw" not in caught.value.message


def test_paginate_follows_a_stated_total_past_a_capped_page():
    # A server that caps pages below per_page would look finished after page one; its total says otherwise.
    first = FakeRaw(200, {"total": 3, "actions": [{"id": 1}, {"id": 2}]})
    second = FakeRaw(200, {"total": 3, "actions": [{"id": 3}]})
    transport, session, _sleeps, _warnings = make_transport(first, second)
    assert [item["id"] for item in transport.paginate("/l", "actions", per_page=20)] == [1, 2, 3]
    assert len(session.calls) == 2


def test_paginate_stops_at_the_stated_total_without_an_extra_request():
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(200, {"total": 2, "actions": [{"id": 1}, {"id": 2}]}))
    assert len(transport.paginate("/l", "actions", per_page=2)) == 2
    assert len(session.calls) == 1


def test_paginate_asks_for_the_go_sdk_page_size_by_default():
    transport, session, _sleeps, _warnings = make_transport(*pages(30, 5))
    assert len(transport.paginate("/l", "actions")) == 35
    assert [call[2]["params"] for call in session.calls] == [{"page": 1, "per_page": 30}, {"page": 2, "per_page": 30}]


@pytest.mark.parametrize("raw", ["tok-123\n", "  tok-123", "tok-123\r\n"])
def test_credential_drops_surrounding_white_space(raw):
    assert _http.credential(raw, "token") == "tok-123"


@pytest.mark.parametrize("raw,fragment", [("", "token is empty"), ("  \n", "token is empty"),
                                          ("tok 123", "white space or control"), ("tok\n123", "white space or control"),
                                          ("tok\x00123", "white space or control")])
def test_credential_refuses_what_cannot_be_a_header_without_showing_it(raw, fragment):
    with pytest.raises(ValidationError) as caught:
        _http.credential(raw, "token")
    assert fragment in caught.value.message
    assert "123" not in caught.value.message


def test_a_request_that_cannot_be_built_never_quotes_the_header():
    error = requests.exceptions.InvalidHeader("Invalid leading whitespace in header value: 'Bearer %s\\n'" % SECRET)
    transport, session, sleeps, _warnings = make_transport(error)
    with pytest.raises(TransportError) as caught:
        transport.request("GET", "/x")
    assert "InvalidHeader" in caught.value.message and SECRET not in caught.value.message
    assert len(session.calls) == 1 and sleeps == []


def test_a_cut_off_answer_is_retried_for_a_get():
    transport, session, sleeps, warnings = make_transport(requests.exceptions.ChunkedEncodingError("cut"), FakeRaw(200, {}))
    transport.request("GET", "/x")
    assert len(session.calls) == 2 and len(sleeps) == 1
    assert "ChunkedEncodingError" in warnings[0]


def test_a_cut_off_answer_to_a_post_may_have_committed():
    transport, session, _sleeps, _warnings = make_transport(requests.exceptions.ChunkedEncodingError("cut"))
    with pytest.raises(TransportError) as caught:
        transport.request("POST", "/x", body={}, expected=(201,))
    assert caught.value.may_have_committed is True
    assert len(session.calls) == 1


def test_a_connect_timeout_to_a_post_counts_as_never_sent_so_it_is_retried():
    transport, session, _sleeps, warnings = make_transport(requests.exceptions.ConnectTimeout("connect timed out"),
                                                           FakeRaw(201, {"id": 1}))
    assert transport.request("POST", "/x", body={}, expected=(201,)).json == {"id": 1}
    assert len(session.calls) == 2 and "could not connect" in warnings[0]


def test_an_error_chain_holding_plain_string_reasons_is_walked_without_crashing():
    # ssl.SSLError.reason and some urllib3 reasons are strings, not exceptions.
    inner = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    inner.reason = "WRONG_VERSION_NUMBER"
    outer = requests.exceptions.SSLError(inner)
    outer.reason = "a string reason"
    assert _http._never_sent(outer) is True
    assert _http._tls_failure(outer) == "handshake"


def test_a_self_signed_certificate_gives_the_tls_message_without_retries():
    verify = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                                             "self-signed certificate")
    transport, session, _sleeps, warnings = make_transport(requests.exceptions.SSLError(verify))
    with pytest.raises(TransportError) as caught:
        transport.request("POST", "/x", body={})
    message = caught.value.message
    assert "TLS error: the certificate of https://api.example.test could not be verified" in message
    assert "validate_certs: false only for a server you trust" in message
    assert caught.value.may_have_committed is False and len(session.calls) == 1 and warnings == []


def test_https_to_a_plain_http_port_says_so():
    transport, _session, _sleeps, _warnings = make_transport(
        requests.exceptions.SSLError(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")),
        base_url="https://user:pw@api.example.test")
    with pytest.raises(TransportError) as caught:
        transport.request("GET", "/x")
    assert "no TLS handshake with https://********@api.example.test (is it a plain http:// server" in caught.value.message
    assert "pw" not in caught.value.message


@pytest.mark.parametrize("value", ["tøkén€", "tok\u00e9n"])
def test_a_credential_outside_ascii_fails_without_showing_it(value):
    with pytest.raises(ValidationError) as caught:
        _http.credential(value, "token")
    assert "token contains characters outside ASCII" in caught.value.message
    assert value not in caught.value.message and caught.value.details["options"] == ["token"]


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1.0, 0])
def test_a_request_timeout_that_is_no_finite_positive_number_fails_first(timeout):
    with pytest.raises(ValidationError) as caught:
        _http.Transport("https://x.test", {}, timeout=timeout, session=ScriptedSession())
    assert "request_timeout must be a finite number" in caught.value.message


@pytest.mark.parametrize("url", ["https://x.test/api?x=1", "https://x.test#frag", "https://user:pw@x.test/?a"])
def test_an_api_url_with_a_query_or_fragment_fails_first(url):
    with pytest.raises(ValidationError) as caught:
        _http.Transport(url, {}, session=ScriptedSession())
    assert "may not hold a query" in caught.value.message and "pw" not in caught.value.message


def test_a_plain_text_error_body_is_the_server_message():
    assert _http.server_message(_http.Response(500, {}, "  backend   exploded \n")) == "backend exploded"


def test_the_default_retry_count_is_the_go_sdk_s_and_retries_are_counted():
    transport, _session, _sleeps, _warnings = make_transport(FakeRaw(503, {}), FakeRaw(200, {}))
    assert _http.Transport("https://x.test", {}, session=ScriptedSession()).max_retries == 5
    transport.request("GET", "/x")
    assert transport.retries_made == 1


def test_a_certificate_failure_is_told_by_its_text_where_the_ssl_module_has_no_class_for_it():
    # Python 3.6 has no ssl.SSLCertVerificationError: only the text says what failed.
    error = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:852)")
    assert _http._tls_failure(error) == "certificate"
    assert _http._tls_failure(requests.exceptions.ConnectionError("refused")) is None


def test_retry_after_as_an_http_date_sets_the_wait():
    transport, _session, sleeps, _warnings = make_transport(
        FakeRaw(503, {}, {"Retry-After": "Sun, 09 Sep 2001 01:47:00 GMT"}), FakeRaw(200, {}),
        clock=lambda: 1000000000.0)
    transport.request("GET", "/x")
    assert sleeps == [pytest.approx(20.0)]


def test_transport_defaults_verify_certificates_and_accept_a_short_timeout():
    transport = _http.Transport("https://x.test", {}, timeout=0.5, session=ScriptedSession())
    assert transport.validate_certs is True and transport.timeout == 0.5
    assert _http.HAS_REQUESTS is True and _http.REQUESTS_IMPORT_ERROR is None


def test_long_error_texts_are_cut_to_a_readable_length():
    title = "T" * 300
    html = _http.Response(502, {}, "<html><head><title>%s</title></head></html>" % title)
    assert _http.server_message(html) == "non-JSON answer (HTML page: %s)" % ("T" * 120)
    assert _http.server_message(_http.Response(500, {}, "x" * 300)) == "x" * 200


def test_a_list_answer_without_the_list_names_the_call_and_the_status():
    with pytest.raises(ApiError) as caught:
        _http.items_of({"a": 1}, "actions", "GET", "/l")
    assert (caught.value.method, caught.value.path, caught.value.status) == ("GET", "/l", 200)


class BytesRaw(FakeRaw):
    """A requests answer whose body is bytes (what requests.Response.content holds)."""

    def __init__(self, status, content, headers=None):
        super(BytesRaw, self).__init__(status, headers=headers, text="(not to be read)")
        self.content = content


def test_accept_asks_for_another_answer_type_and_content_holds_its_bytes():
    archive = b"\x1f\x8b\x08\x00 binary \xff"
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(503, {}), BytesRaw(200, archive))
    response = transport.request("GET", "/download/a.tgz", accept="*/*")
    assert response.content == archive and response.json is None
    # Retried like any GET, with the same Accept header; the JSON Accept of other calls is untouched.
    assert [call[2]["headers"]["Accept"] for call in session.calls] == ["*/*", "*/*"]
    assert "Accept" not in transport.headers and "data" not in session.calls[1][2]


def test_a_json_answer_keeps_its_text_and_gains_its_bytes():
    transport, _session, _sleeps, _warnings = make_transport(FakeRaw(200, {"ok": True}))
    response = transport.request("GET", "/x")
    assert response.json == {"ok": True} and response.content == b'{"ok": true}'
    assert _http.Response(200, {}, "caf\u00e9").content == "caf\u00e9".encode("utf-8")


def test_files_send_a_multipart_body_instead_of_json():
    transport, session, _sleeps, _warnings = make_transport(FakeRaw(201, {"path": "/buddy/b.bin"}))
    response = transport.request("POST", "/content/upload/buddy/b.bin", files={"file": ("b.bin", b"\x00\x01")},
                                 expected=(201,))
    kwargs = session.calls[0][2]
    assert kwargs["files"] == {"file": ("b.bin", b"\x00\x01", "application/octet-stream")}
    assert "data" not in kwargs and "Content-Type" not in kwargs["headers"]
    assert response.json == {"path": "/buddy/b.bin"}
