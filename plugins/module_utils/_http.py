# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The one HTTP transport both API clients share.

It owns retries, so that every caller gets the same rules: idempotent calls
are repeated on 429 / 502 / 503 / 504 and on connection failures, waiting as
the server asks (``Retry-After``, ``X-Rate-Limit-Reset``) or with jittered
backoff; a call that is not idempotent (POST) is only repeated when the
server certainly did not act on it, and otherwise surfaces a TransportError
with ``may_have_committed`` so that the client can look before it adds again.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import email.utils
import json
import math
import random
import re
import ssl
import time
import traceback
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    TransportError,
    ValidationError,
    api_error_for,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import redact_userinfo
from ansible_collections.opsflow.pipelines.plugins.module_utils._version import COLLECTION_VERSION

REQUESTS_IMPORT_ERROR: Optional[str]
try:
    import requests
    from requests import exceptions as requests_exceptions
except ImportError:  # pragma: no cover - exercised through missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

COLLECTION_NAME = "opsflow.pipelines"
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# A server that answers these did not act on the request, so even a POST may be repeated.
REFUSED_STATUSES = frozenset((429, 503))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"))
MAX_WAIT = 120.0
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0


def user_agent(version: Optional[str] = COLLECTION_VERSION) -> str:
    """``opsflow.pipelines/1.2.3 (Ansible collection)``, or without the version when it is unknown."""
    return "%s%s (Ansible collection)" % (COLLECTION_NAME, "/" + version if version else "")


USER_AGENT = user_agent()


class Response:
    """A finished HTTP exchange: status, lower-case headers, text and its JSON, and the body's bytes."""

    def __init__(self, status: int, headers: Mapping[str, str], text: str, content: Optional[bytes] = None) -> None:
        self.status = status
        self.headers = dict((key.lower(), value) for key, value in headers.items())
        self.text = text
        # The body as JSON; None when it is empty or not JSON.
        self.json: Any = _parse_json(text)
        # The body as received (a download, JSON lines); the text's UTF-8 bytes when only the text is known.
        self.content: bytes = content if content is not None else text.encode("utf-8")


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def quote_segment(value: Any, what: str = "path segment") -> str:
    """Percent-encode one path segment so that no value can climb out of its place.

    ``/`` is encoded, and names made only of dots are refused because proxies
    normalise them away even when encoded.
    """
    text = str(value)
    if not text or text.strip(".") == "":
        raise ValidationError("%s may not be empty or made only of dots, got %r" % (what, text))
    return quote(text, safe="")


def server_message(response: Response) -> Optional[str]:
    """The server's own explanation, whatever error shape it used."""
    body = response.json
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            messages = [item.get("message") if isinstance(item, dict) else str(item) for item in errors]
            messages = [message for message in messages if message]
            if messages:
                return "; ".join(messages)
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if value:
                return str(value)
        return None
    text = (response.text or "").strip()
    if not text:
        return None
    if "<" in text:
        title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        summary = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
        summary = " ".join(summary.split())
        return "non-JSON answer (HTML page: %s)" % summary[:120]
    return " ".join(text.split())[:200]


def _chain(error: BaseException) -> List[BaseException]:
    """``error`` and every exception behind it (``reason``, cause, context, exception arguments).

    Only exceptions are followed: ``ssl.SSLError.reason`` and some urllib3
    ``reason`` values are plain strings.
    """
    found: List[BaseException] = []
    pending: List[Any] = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or any(current is known for known in found):
            continue
        found.append(current)
        pending.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        pending.extend(getattr(current, "args", ()))
    return found


def _never_sent(error: BaseException) -> bool:
    """True when the connection failed before any byte of the request left.

    A connect timeout, a refused connection and a failed name look-up qualify;
    so does a failed TLS handshake (the request is only written once it succeeded).
    """
    if isinstance(error, requests_exceptions.ConnectTimeout) or _tls_failure(error) is not None:
        return True
    return any(type(current).__name__ in ("NewConnectionError", "NameResolutionError", "ConnectionRefusedError")
               for current in _chain(error))


# ssl.SSLCertVerificationError is Python 3.7+; on 3.6 the message text still tells.
_CERT_ERRORS = tuple(getattr(ssl, name) for name in ("SSLCertVerificationError",) if hasattr(ssl, name))


def _tls_failure(error: BaseException) -> Optional[str]:
    """``"certificate"`` when the server's certificate was not trusted, ``"handshake"`` for any other
    TLS failure (say, https sent to a plain-HTTP port), None when TLS is not the cause."""
    chain = _chain(error)
    if not any(isinstance(current, (requests_exceptions.SSLError, ssl.SSLError)) for current in chain):
        return None
    for current in chain:
        if isinstance(current, _CERT_ERRORS) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return "certificate"
    return "handshake"


def _wait_from_headers(status: int, headers: Mapping[str, str], now: float) -> Optional[float]:
    """The wait the server asked for, if it asked.

    ``Retry-After`` counts on any answer; ``X-Rate-Limit-Reset`` only on a 429,
    because Buddy sends it on every answer as the end of the current rate
    window, which says nothing about when a 503 will be over.
    """
    headers = headers or {}
    retry_after = headers.get("retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            parsed = email.utils.parsedate_tz(retry_after)
            if parsed:
                return max(0.0, email.utils.mktime_tz(parsed) - now)
    reset = headers.get("x-rate-limit-reset") if status == 429 else None
    if reset:
        try:
            value = float(reset)
        except ValueError:
            return None
        # Unix seconds as the Go SDK reads it; a small number is a delay in seconds.
        return max(0.0, value - now) if value > 1e9 else max(0.0, value)
    return None


def credential(value: Any, option: str) -> str:
    """A token or key fit for a header, checked before anything is sent.

    Surrounding white space (a trailing newline from a file lookup or a YAML
    block scalar) is dropped; anything else that can't be in a header fails
    here, with a message that never shows the value.
    """
    text = str(value or "").strip()
    if not text:
        raise ValidationError("%s is empty" % option, options=[option])
    if any(character.isspace() or not character.isprintable() for character in text):
        raise ValidationError("%s contains white space or control characters inside it; check how it is stored"
                              % option, options=[option])
    try:
        text.encode("ascii")
    except UnicodeEncodeError:
        # Tokens and keys are ASCII; anything else can't be sent in a header (and is a copy-paste slip).
        raise ValidationError("%s contains characters outside ASCII; check how it is stored" % option,
                              options=[option])
    return text


def check_api_url(url: Any) -> None:
    """Refuse, before any request, an API root that is no plain http(s) base URL.

    A query or fragment would be cut off or end up in the middle of every path
    built on it; the message never shows a ``user:password@`` in the URL.
    """
    text = url if isinstance(url, str) else ""
    if not re.match(r"^https?://[^/?#\s]", text):
        raise ValidationError("api_url must be an http:// or https:// URL, got %r" % redact_userinfo(url),
                              options=["api_url"])
    if "?" in text or "#" in text:
        raise ValidationError("api_url may not hold a query (?...) or fragment (#...), got %r: give the API root only"
                              % redact_userinfo(text), options=["api_url"])


class Transport:
    """HTTP calls against one API root with the collection's retry rules."""

    def __init__(self, base_url: str, headers: Mapping[str, str], validate_certs: bool = True,
                 timeout: float = 30.0, max_retries: int = 5,
                 warn: Optional[Callable[[str], None]] = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time,
                 session: Any = None) -> None:
        check_api_url(base_url)
        if max_retries < 0:
            raise ValidationError("max_retries must be 0 or more, got %s" % max_retries, options=["max_retries"])
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise ValidationError("request_timeout must be a finite number of seconds more than 0, got %s" % timeout,
                                  options=["request_timeout"])
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.max_retries = max_retries
        self.warn = warn or (lambda message: None)
        self._sleep = sleep
        self._clock = clock
        self._session = session if session is not None else requests.Session()
        self.retries_made = 0

    @classmethod
    def from_params(cls, base_url: str, auth_headers: Mapping[str, str], params: Mapping[str, Any],
                    warn: Optional[Callable[[str], None]] = None) -> "Transport":
        """A transport set up from the connection options every service's table has, and the collection's User-Agent."""
        headers = dict(auth_headers)
        headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        return cls(base_url, headers, validate_certs=params["validate_certs"], timeout=params["request_timeout"],
                   max_retries=params["max_retries"], warn=warn)

    def request(self, method: str, path: str, query: Optional[Mapping[str, Any]] = None,
                body: Any = None, expected: Sequence[int] = (200,),
                refused_statuses: Optional[Sequence[int]] = None, accept: Optional[str] = None,
                files: Optional[Mapping[str, Tuple[str, bytes]]] = None) -> Response:
        """Send one call, repeating it only where that is safe; raise on anything unexpected.

        ``refused_statuses`` narrows which answers prove a POST was not acted on
        (default 429 and 503), for calls where even that is not certain.
        ``accept`` replaces the JSON Accept header for this call (a download, JSON
        lines: read ``Response.content``); ``files`` sends a multipart body instead
        of JSON, ``{field: (filename, bytes)}`` (the sandbox content API's upload).
        """
        method = method.upper()
        refused = REFUSED_STATUSES if refused_statuses is None else frozenset(refused_statuses)
        safe_to_repeat = method in IDEMPOTENT_METHODS
        attempt = 0
        while True:
            try:
                response = self._send(method, path, query, body, accept, files)
            except (requests_exceptions.InvalidHeader, requests_exceptions.InvalidURL,
                    requests_exceptions.MissingSchema, requests_exceptions.InvalidSchema) as error:
                # requests' own text quotes the offending header or URL, which may hold a credential.
                raise TransportError(method, path, "the request could not be built (%s); check api_url and the"
                                     " credential options" % type(error).__name__)
            except (requests_exceptions.ConnectionError, requests_exceptions.Timeout,
                    requests_exceptions.RequestException) as error:
                never_sent = _never_sent(error)
                reason = self._describe(error)
                if _tls_failure(error) is not None:
                    # Asking again meets the same certificate or the same plain-HTTP port.
                    raise TransportError(method, path, reason)
                if not (safe_to_repeat or never_sent):
                    raise TransportError(method, path, reason + "; the request may have reached the server,"
                                         " so it was not repeated", may_have_committed=True)
                if attempt >= self.max_retries:
                    raise TransportError(method, path, "%s (gave up after %d retries)" % (reason, attempt),
                                         may_have_committed=not never_sent)
                attempt += 1
                self.wait_before_retry(method, path, attempt, reason, None)
                continue

            if response.status in expected:
                return response
            message = server_message(response)
            if response.status in RETRY_STATUSES:
                if not safe_to_repeat and response.status not in refused:
                    # A gateway error: the backend may have acted on the POST before it failed.
                    raise TransportError(method, path, "HTTP %s%s" % (response.status, ": " + message if message else ""),
                                         may_have_committed=True, http_status=response.status)
                if attempt < self.max_retries:
                    attempt += 1
                    self.wait_before_retry(method, path, attempt, "HTTP %s" % response.status, response)
                    continue
                error = api_error_for(method, path, response.status, message)
                error.message += " (gave up after %d retries)" % attempt
                raise error
            raise api_error_for(method, path, response.status, message)

    def wait_before_retry(self, method: str, path: str, attempt: int, reason: str,
                          response: Optional[Response]) -> None:
        """Warn, then sleep as the server asked or with jittered exponential backoff."""
        delay = _wait_from_headers(response.status, response.headers, self._clock()) if response is not None else None
        source = "as the server asked"
        if delay is None:
            delay = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1))) * random.uniform(0.5, 1.0)
            source = "backoff"
        delay = min(delay, MAX_WAIT)
        self.retries_made += 1
        self.warn("%s %s: %s; retry %d of %d in %.1f s (%s)"
                  % (method, path, reason, attempt, self.max_retries, delay, source))
        self._sleep(delay)

    def paginate(self, path: str, key: str, per_page: int = 30,
                 query: Optional[Mapping[str, Any]] = None,
                 identity: Callable[[Any], Any] = lambda item: item.get("id") if isinstance(item, dict) else None
                 ) -> List[Any]:
        """Every item of a paged list (``page`` from 1, ``per_page``).

        A server may cap pages below ``per_page`` without saying so, so a short
        page alone never ends the list (the rule of the official Go SDK: page
        until a page comes back empty). What does end it, with no extra request:

        - a stated total (``total_element_count``, ``total``) reached, or the
          last of ``total_page_count`` pages read;
        - a page shorter than the ``page_size`` the server says it used;
        - a page shorter than an earlier page of the same list (the server then
          served more per page than this one holds, so the list is done).

        Otherwise one more page is asked for, and an empty one ends the list:
        a list that fits in one page costs two requests unless the server
        states a total or a page size. A server that ignores ``page`` hands
        back the same items again; those are recognised by id, and the loop ends.
        """
        items: List[Any] = []
        seen: set = set()
        longest = 0
        page = 1
        while page <= 10000:
            params = dict(query or {})
            params.update(page=page, per_page=per_page)
            body = self.request("GET", path, query=params).json
            batch = items_of(body, key, "GET", path)
            fresh = unseen_items(batch, seen, identity)
            items.extend(fresh)
            if not fresh or last_page(body, page, len(items), len(batch), longest):
                return items
            longest = max(longest, len(batch))
            page += 1
        return items

    def _send(self, method: str, path: str, query: Optional[Mapping[str, Any]], body: Any,
              accept: Optional[str] = None, files: Optional[Mapping[str, Tuple[str, bytes]]] = None) -> Response:
        headers = dict(self.headers)
        kwargs: Dict[str, Any] = {}
        if accept:
            headers["Accept"] = accept
        if files:
            # requests writes the multipart body and its Content-Type (with the boundary).
            kwargs["files"] = dict((field, (filename, data, "application/octet-stream"))
                                   for field, (filename, data) in files.items())
        elif body is not None:
            headers["Content-Type"] = "application/json"
            kwargs["data"] = json.dumps(body)
        raw = self._session.request(method, self.base_url + path, params=query, headers=headers,
                                    timeout=self.timeout, verify=self.validate_certs, allow_redirects=False,
                                    **kwargs)
        content = getattr(raw, "content", None)
        if accept and isinstance(content, bytes):
            # Not JSON by request: the bytes are the answer, and its text is their UTF-8 reading (no charset guess).
            return Response(raw.status_code, raw.headers, content.decode("utf-8", "replace"), content)
        return Response(raw.status_code, raw.headers, raw.text, content if isinstance(content, bytes) else None)

    def _describe(self, error: Exception) -> str:
        tls = _tls_failure(error)
        if tls == "certificate":
            return ("TLS error: the certificate of %s could not be verified (self-signed, expired, for another"
                    " name, or from a CA this host does not trust); point REQUESTS_CA_BUNDLE at its CA, or set"
                    " validate_certs: false only for a server you trust" % redact_userinfo(self.base_url))
        if tls == "handshake":
            return ("TLS error: no TLS handshake with %s (is it a plain http:// server, or a port that speaks"
                    " something else?)" % redact_userinfo(self.base_url))
        if _never_sent(error):
            return "could not connect to %s" % redact_userinfo(self.base_url)
        if isinstance(error, requests_exceptions.Timeout):
            return "no answer within %s s" % self.timeout
        if isinstance(error, requests_exceptions.ConnectionError):
            return "connection dropped before an answer came"
        return "the answer was cut off or unreadable (%s)" % type(error).__name__


def _count(body: Any, *keys: str) -> Optional[int]:
    """The first of ``keys`` in ``body`` that holds a whole number (never a boolean)."""
    if isinstance(body, dict):
        for key in keys:
            value = body.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return value
    return None


def last_page(body: Any, page: int, count: int, batch: int, longest: int) -> bool:
    """True when the list is known to end with this page (see ``Transport.paginate``).

    ``count``: items gathered so far; ``batch``: items on this page; ``longest``:
    the most items an earlier page held. A stated total wins over every other sign.
    """
    total = _count(body, "total_element_count", "total")
    if total is not None:
        return count >= total
    pages = _count(body, "total_page_count")
    if pages is not None:
        return page >= pages
    page_size = _count(body, "page_size")
    if page_size:
        return batch < page_size
    return batch < longest


def items_of(body: Any, key: str, method: str = "GET", path: str = "") -> List[Any]:
    """The list in a list answer: under ``key``, the body itself, or the body's only list."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        if isinstance(body.get(key), list):
            return body[key]
        lists = [value for value in body.values() if isinstance(value, list)]
        if len(lists) == 1:
            return lists[0]
    raise ApiError(method, path, 200, "unexpected answer: no %r list in the body" % key)


def join_path(*segments: Any) -> str:
    """'/a/b' from already-quoted segments."""
    return "/" + "/".join(str(segment) for segment in segments)


def unseen_items(items: Sequence[Any], seen: set, identity: Callable[[Any], Any]) -> List[Any]:
    """The items not met on an earlier page, by ``identity``; records theirs in ``seen``.

    A server that ignores the page or offset hands back the same items again; items without an
    identity always count.
    """
    fresh = []
    for item in items:
        ident = identity(item)
        if ident is not None:
            if ident in seen:
                continue
            seen.add(ident)
        fresh.append(item)
    return fresh
