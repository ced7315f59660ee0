# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Core of the opsflow API emulator: routing, auth, faults, request log, clock, HTTP plumbing.

Test tooling only (not part of the collection's API). Each resource lives in its own module of
this package and exposes ``register(app: Emulator)``; ``server.RESOURCES`` lists them. A route
handler gets ``(state, request)`` and returns ``(status, body, extra_headers)``; it raises
``ApiError`` for vendor-style errors.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from .config import Config

CONTROL_PREFIX = "/_emulator/"
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
FAULT_KINDS = ("status", "rate_limit", "html", "hang_after_commit", "drop", "slow", "body")

Headers = Dict[str, str]
HandlerResult = Tuple[int, Any, Headers]


class ApiError(Exception):
    """A vendor-style error answer: the service turns ``message`` into its own error body."""

    def __init__(self, status: int, message: str, headers: Optional[Headers] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass
class Service:
    """How one vendor API authenticates and shapes its errors.

    ``auth`` is the log label and the scheme: ``bearer`` (``Authorization: Bearer T``) or
    ``blink-key`` (``BLINK-API-KEY: K``). A credential found in the read-only list may only GET.
    """

    name: str
    auth: Optional[str]
    error_body: Callable[[int, str], Any]
    rate_limit_headers: bool = False
    unauthorized_message: str = "Unauthorized"
    forbidden_message: str = "Forbidden"


def buddy_error_body(status: int, message: str) -> Any:
    """Buddy's error shape, parsed by every official SDK."""
    del status
    return {"errors": [{"message": message}]}


def simple_error_body(status: int, message: str) -> Any:
    """Fallback error shape (``{"message": ...}``) for services that do not register their own."""
    del status
    return {"message": message}


@dataclass
class Request:
    """One parsed API request as a handler sees it."""

    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    raw_body: bytes
    body: Any
    body_is_json: bool
    base_url: str
    params: Dict[str, str] = field(default_factory=dict)
    auth: Optional[str] = None
    read_only: bool = False

    def query_value(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """Last value of a query parameter, or ``default``."""
        values = self.query.get(name)
        return values[-1] if values else default

    def query_int(self, name: str, default: int) -> int:
        """An integer query parameter; 400 when it is not one."""
        raw = self.query_value(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ApiError(400, "Query parameter '%s' must be an integer" % name)

    def json_object(self) -> Dict[str, Any]:
        """The body as a JSON object; 400 otherwise."""
        if self.body is None:
            return {}
        if not self.body_is_json or not isinstance(self.body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        return self.body


Handler = Callable[["State", Request], HandlerResult]


@dataclass
class Route:
    method: str
    pattern: "re.Pattern[str]"
    handler: Handler
    service: str
    locked: bool


class RouteTable:
    """Method + anchored regex over the raw (still percent-encoded) path -> handler.

    Named groups should match one segment (``[^/]+``); they are percent-decoded before the
    handler sees them, so ``a%2Fb`` is the literal name ``a/b`` and never a path.
    """

    def __init__(self) -> None:
        self._routes: List[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, service: str = "buddy", locked: bool = True) -> None:
        """Register a route. ``locked`` runs the handler under the state lock."""
        self._routes.append(Route(method.upper(), re.compile("^" + pattern.rstrip("$") + "$"), handler, service, locked))

    def match(self, method: str, path: str) -> Tuple[Optional[Route], Dict[str, str], bool]:
        """Return (route, decoded params, path_known). ``path_known`` is true when another method matches."""
        path_known = False
        for route in self._routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if route.method != method:
                path_known = True
                continue
            params = {key: unquote(value) for key, value in found.groupdict().items() if value is not None}
            return route, params, True
        return None, {}, path_known

    def service_for(self, path: str) -> Optional[str]:
        """The service owning a path, whatever the method."""
        for route in self._routes:
            if route.pattern.match(path):
                return route.service
        return None


Advancer = Callable[["State", float], None]


class State:
    """Mutable emulator data plus the lock guarding it, and the clock timed resources follow.

    ``data`` is plain JSON-able data (what ``GET /_emulator/state`` shows). Keys starting with
    ``_`` are private to the emulator (``_counters``, ``_secrets``) and never served by a vendor route.
    """

    def __init__(self, config: Config, stopping: threading.Event, clock: Callable[[], float] = time.time,
                 tick: float = 0.02) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.stopping = stopping
        self.data: Dict[str, Any] = {}
        self.clock = clock
        self.tick = tick
        self._advancers: List[Advancer] = []
        self._ticker: Optional[threading.Thread] = None

    # --- time: resources whose state changes with the clock (runs, sandboxes, ...) ----------
    def add_advancer(self, advancer: "Advancer") -> None:
        """``advancer(state, now)`` moves a timed resource up to ``now`` (a pure function of both)."""
        self._advancers.append(advancer)

    def advance(self, now: float) -> None:
        for advancer in self._advancers:
            advancer(self, now)

    def now(self) -> float:
        """The clock's time, after every timed resource moved up to it (call under ``lock``).

        The first call also starts a ticker thread that does the same every ``tick`` seconds, so
        that ``GET /_emulator/state`` is current between requests. Nothing else sleeps.
        """
        now = self.clock()
        self.advance(now)
        if self._ticker is None and self._advancers:
            self._ticker = threading.Thread(target=self._tick, name="emulator-clock", daemon=True)
            self._ticker.start()
        return now

    def _tick(self) -> None:
        while not self.stopping.wait(self.tick):
            with self.lock:
                self.advance(self.clock())

    def next_id(self, counter: str, start: int = 1) -> int:
        """Next value of a named integer counter (first value ``start``)."""
        counters = self.data.setdefault("_counters", {})
        value = counters.get(counter, start)
        counters[counter] = value + 1
        return value

    def bump_counter(self, counter: str, used: int, start: int = 1) -> None:
        """Make sure the counter never hands out ``used`` again (for seeded ids)."""
        counters = self.data.setdefault("_counters", {})
        if counters.get(counter, start) <= used:
            counters[counter] = used + 1

    def secrets(self, *path: str) -> Dict[str, Any]:
        """The private secrets dict at ``_secrets/<path...>``, created on demand."""
        node = self.data.setdefault("_secrets", {})
        for key in path:
            node = node.setdefault(key, {})
        return node

    def snapshot(self) -> Dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self.data)


@dataclass
class Fault:
    """One injected fault; see README for the kinds and their parameters."""

    id: int
    kind: str
    times: int
    method: Optional[str] = None
    path: Optional[str] = None
    status: Optional[int] = None
    message: Optional[str] = None
    delay: Optional[float] = None
    reset_in: Optional[int] = None
    retry_after: Optional[Any] = None
    gather: Optional[int] = None
    hits: int = 0
    # ``slow`` with ``gather``: the requests it holds, shared by every copy handed out by FaultQueue.take.
    _gate: Any = field(default=None, repr=False, compare=False)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        if self.path and not re.search(self.path, path):
            return False
        return True

    def as_dict(self) -> Dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None and not key.startswith("_")}

    def hold(self, stopping: threading.Event) -> None:
        """``slow``: wait ``delay`` seconds; with ``gather`` N, wait until N requests are held (``delay`` at most).

        ``gather`` makes concurrent clients meet: their requests are processed together, whatever the speed of
        the machine (two playbooks' list calls both answered before either adds, say).
        """
        if not self.gather:
            stopping.wait(self.delay or 0)
            return
        gate = self._gate
        with gate["lock"]:
            gate["held"] += 1
            gate["lock"].notify_all()
            deadline = time.monotonic() + (self.delay or 0)
            while gate["held"] < self.gather and not stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                gate["lock"].wait(min(remaining, 0.05))


def parse_fault(spec: Dict[str, Any], fault_id: int) -> Fault:
    """Validate a fault spec from the control API; raises ApiError(400)."""
    if not isinstance(spec, dict):
        raise ApiError(400, "fault must be a JSON object")
    known = {"kind", "times", "method", "path", "status", "message", "delay", "reset_in", "retry_after", "gather"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise ApiError(400, "unknown fault fields: %s" % ", ".join(unknown))
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise ApiError(400, "fault kind must be one of %s" % ", ".join(FAULT_KINDS))
    times = spec.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ApiError(400, "times must be a positive integer")
    if spec.get("path") is not None:
        try:
            re.compile(spec["path"])
        except re.error as exc:
            raise ApiError(400, "path is not a valid regex: %s" % exc)
    gather = spec.get("gather")
    if gather is not None and (kind != "slow" or not isinstance(gather, int) or isinstance(gather, bool) or gather < 1):
        raise ApiError(400, "gather (a positive integer) applies to 'slow' faults only")
    status = spec.get("status")
    if kind == "status" and not isinstance(status, int):
        raise ApiError(400, "a 'status' fault needs an integer 'status'")
    defaults = {"html": {"status": 502}, "hang_after_commit": {"delay": 30.0}, "slow": {"delay": 1.0}, "rate_limit": {"reset_in": 1}}
    values = dict(defaults.get(kind, {}))
    values.update({key: value for key, value in spec.items() if value is not None})
    return Fault(
        id=fault_id,
        kind=kind,
        times=times,
        method=values.get("method"),
        path=values.get("path"),
        status=values.get("status"),
        message=values.get("message"),
        delay=float(values["delay"]) if values.get("delay") is not None else None,
        reset_in=int(values["reset_in"]) if values.get("reset_in") is not None else None,
        retry_after=values.get("retry_after"),
        gather=gather,
        _gate={"lock": threading.Condition(), "held": 0} if gather else None,
    )


class FaultQueue:
    """Faults in order of addition; the first one matching a request is used up by it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []
        self._next_id = 1

    def add(self, spec: Dict[str, Any]) -> Fault:
        with self._lock:
            fault = parse_fault(spec, self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, method: str, path: str) -> Optional[Fault]:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return copy.copy(fault)
        return None

    def list(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults = []


class RequestLog:
    """Vendor requests as seen by the server. ``seq`` never restarts, even after a clear."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: List[Dict[str, Any]] = []
        self._seq = 0

    def append(self, entry: Dict[str, Any]) -> Dict[str, Any]:
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
            return entry

    def update(self, entry: Dict[str, Any], **values: Any) -> None:
        with self._lock:
            entry.update(values)

    def since(self, seq: int) -> List[Dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(entry) for entry in self._entries if entry["seq"] > seq]

    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def clear(self) -> None:
        with self._lock:
            self._entries = []


class RateLimiter:
    """Fixed window counter behind the X-Rate-Limit-* headers; answers 429 when used up."""

    def __init__(self, limit: int, window: int) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._window_end = 0.0
        self._used = 0

    def hit(self) -> Tuple[Headers, bool]:
        now = time.time()
        with self._lock:
            if now >= self._window_end:
                self._window_end = now + self.window
                self._used = 0
            self._used += 1
            remaining = max(self.limit - self._used, 0)
            allowed = self._used <= self.limit
            headers = {
                "X-Rate-Limit-Limit": str(self.limit),
                "X-Rate-Limit-Remaining": str(remaining),
                "X-Rate-Limit-Reset": str(int(self._window_end)),
            }
            return headers, allowed

    def reset(self) -> None:
        with self._lock:
            self._window_end = 0.0
            self._used = 0


NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def deep_merge(target: Dict[str, Any], extra: Dict[str, Any]) -> Dict[str, Any]:
    """Merge ``extra`` into ``target`` in place: dicts recursively, everything else replaced."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


# --- seeded switches -------------------------------------------------------------------------------
# A rule for one switch: (accepts the value?, what the value must be, for the 400's message).
SettingRule = Tuple[Callable[[Any], bool], str]


def positive_integer(value: Any) -> bool:
    """An int of 1 or more (True is no number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


POSITIVE_INTEGER: SettingRule = (positive_integer, "a positive integer")


def checked_settings(name: str, values: Any, known: Iterable[str],
                     choices: Optional[Mapping[str, Sequence[Any]]] = None,
                     rules: Optional[Mapping[str, SettingRule]] = None) -> Dict[str, Any]:
    """A seeded switches object (``name``), checked whole before any of it applies: a copy, or a 400.

    One check for every resource's switches, so a typo in a test's seed fails the same way everywhere
    instead of quietly leaving a default: every key must be ``known``; a key in ``choices`` takes one
    of its values, a key in ``rules`` a value its rule accepts; other known keys take any value.
    """
    if not isinstance(values, dict):
        raise ApiError(400, "seed: %s must be an object" % name)
    known = list(known)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ApiError(400, "seed: unknown %s: %s (known: %s)" % (name, ", ".join(unknown), ", ".join(known)))
    for key, value in values.items():
        allowed = (choices or {}).get(key)
        if allowed is not None and value not in allowed:
            raise ApiError(400, "seed: %s.%s must be one of %s" % (name, key, ", ".join(str(item) for item in allowed)))
        rule = (rules or {}).get(key)
        if rule is not None and not rule[0](value):
            raise ApiError(400, "seed: %s.%s must be %s" % (name, key, rule[1]))
    return copy.deepcopy(values)


SeedHandler = Callable[[State, Any], None]
StateInit = Callable[[State], None]


class Emulator:
    """The application: config, state, routes, services, faults, log and seeds."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.stopping = threading.Event()
        self.state = State(config, self.stopping)
        self.routes = RouteTable()
        self.services: Dict[str, Service] = {}
        self.faults = FaultQueue()
        self.log = RequestLog()
        self.rate = RateLimiter(config.rate_limit, config.rate_window)
        self._state_inits: List[StateInit] = []
        self._seed_handlers: Dict[str, SeedHandler] = {}
        self._default_seed: Dict[str, Any] = {}
        self.register_service(Service("control", None, simple_error_body))
        self.register_service(Service(
            "buddy", "bearer", buddy_error_body, rate_limit_headers=True,
            unauthorized_message="Invalid or expired token",
            forbidden_message="You don't have permission to perform this action (missing scope EXECUTION_MANAGE)",
        ))
        self.register_service(Service(
            "blink", "blink-key", simple_error_body,
            unauthorized_message="Invalid or expired API key",
            forbidden_message="Your role in this workspace does not allow this action",
        ))

    # --- registration (called from each resource module's register) ---------------------------------------
    def register_service(self, service: Service) -> None:
        """Add or replace a service (a routes file may refine e.g. Blink's error shape)."""
        self.services[service.name] = service

    def route(self, method: str, pattern: str, handler: Handler, service: str = "buddy", locked: bool = True) -> None:
        self.routes.add(method, pattern, handler, service=service, locked=locked)

    def add_routes(self, routes: "Sequence[Tuple[str, str, Handler]]", service: str = "buddy") -> None:
        """A resource's route table: ``(method, pattern, handler)`` rows, handlers run under the lock."""
        for method, pattern, handler in routes:
            self.routes.add(method, pattern, handler, service=service)

    def add_state_init(self, init: StateInit) -> None:
        """``init(state)`` builds a part of the empty state (runs on every reset)."""
        self._state_inits.append(init)

    def add_seed_handler(self, key: str, handler: SeedHandler) -> None:
        """``handler(state, value)`` merges seed key ``key``; unhandled keys are deep-merged."""
        self._seed_handlers[key] = handler

    def add_default_seed(self, fragment: Dict[str, Any]) -> None:
        """Part of the built-in ``default`` seed."""
        deep_merge(self._default_seed, fragment)

    # --- seeds ------------------------------------------------------------------------------
    def resolve_seed(self, seed: Any) -> Dict[str, Any]:
        if seed is None:
            seed = self.config.seed
        if seed == "default":
            return copy.deepcopy(self._default_seed)
        if seed == "empty":
            return {}
        if isinstance(seed, dict):
            return seed
        raise ApiError(400, "seed must be 'default', 'empty' or a JSON object")

    def apply_seed(self, seed: Dict[str, Any]) -> None:
        with self.state.lock:
            for key, value in seed.items():
                handler = self._seed_handlers.get(key)
                if handler is not None:
                    handler(self.state, value)
                elif isinstance(value, dict) and isinstance(self.state.data.get(key), dict):
                    deep_merge(self.state.data[key], value)
                else:
                    self.state.data[key] = copy.deepcopy(value)

    def reset(self, seed: Any = None) -> None:
        """Fresh state from ``seed`` (None = start-up seed); also clears log, faults, rate window."""
        resolved = self.resolve_seed(seed)
        with self.state.lock:
            self.state.data = {"_counters": {}, "_secrets": {}}
            for init in self._state_inits:
                init(self.state)
            self.apply_seed(resolved)
        self.log.clear()
        self.faults.clear()
        self.rate.reset()

    # --- credentials --------------------------------------------------------------------------
    def authenticate(self, service: Service, headers: Dict[str, str]) -> Tuple[Optional[str], bool, bool]:
        """Return (auth label or None, valid, read_only) for the request's credential."""
        if service.auth == "bearer":
            value = headers.get("authorization", "")
            match = re.match(r"(?i)bearer\s+(\S+)\s*$", value)
            if not match:
                return (None, False, False)
            token = match.group(1)
            if token in self.config.buddy_tokens:
                return ("bearer", True, False)
            return ("bearer", token in self.config.buddy_readonly_tokens, True)
        if service.auth == "blink-key":
            key = headers.get("blink-api-key")
            if not key:
                return (None, False, False)
            if key in self.config.blink_keys:
                return ("blink-key", True, False)
            return ("blink-key", key in self.config.blink_readonly_keys, True)
        return (None, True, False)


class Outcome:
    """What the HTTP layer should do with a request: answer, or close without answering."""

    def __init__(self, status: Optional[int], body: Any = None, headers: Optional[Headers] = None,
                 content_type: Optional[str] = None, close_after: Optional[float] = None) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.content_type = content_type
        self.close_after = close_after  # seconds to wait before closing without an answer


def _reason(status: int) -> str:
    return BaseHTTPRequestHandler.responses.get(status, ("Error",))[0]


def _log_query(query: Dict[str, List[str]]) -> Dict[str, Any]:
    """Query for the log: a string per key, a list only when the key repeats."""
    return {key: values[0] if len(values) == 1 else list(values) for key, values in query.items()}


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: Tuple[str, int], app: Emulator) -> None:
        self.app = app
        super().__init__(address, EmulatorRequestHandler)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive, as the clients under test use it.

    ``disable_nagle_algorithm``: without TCP_NODELAY every request after the first on a kept-alive
    connection waits ~40 ms (Nagle on this side meets delayed ACKs on the client's), which
    distorts anything measured through the emulator. ``wbufsize``: status line, headers and body
    leave in one write (flushed by ``_send``), not as separate small packets.
    """

    protocol_version = "HTTP/1.1"
    server_version = "opsflow-emulator/1.0"
    disable_nagle_algorithm = True
    wbufsize = -1
    server: EmulatorHTTPServer

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle()

    def do_PUT(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        if self.server.app.config.verbose:
            sys.stderr.write("emulator: %s\n" % (format % args))

    # --- plumbing ---------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _build_request(self, raw: bytes) -> Request:
        split = urlsplit(self.path)
        body: Any = None
        is_json = False
        if raw:
            text = raw.decode("utf-8", errors="replace")
            try:
                body = json.loads(text)
                is_json = True
            except ValueError:
                body = text
        app = self.server.app
        return Request(
            method=self.command.upper(),
            path=split.path or "/",
            query=parse_qs(split.query, keep_blank_values=True),
            headers={key.lower(): value for key, value in self.headers.items()},
            raw_body=raw,
            body=body,
            body_is_json=is_json,
            base_url=app.config.base_url,
        )

    def _handle(self) -> None:
        app = self.server.app
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        request = self._build_request(raw)
        if request.path.startswith(CONTROL_PREFIX):
            outcome = self._dispatch(request, "control")
            self._send(outcome)
            return
        service_name = app.routes.service_for(request.path) or ("blink" if request.path.startswith("/api/") else "buddy")
        service = app.services.get(service_name) or app.services["buddy"]
        entry = app.log.append({
            "seq": 0,
            "time": time.time(),
            "method": request.method,
            "path": request.path,
            "query": _log_query(request.query),
            "body": request.body,
            "status": None,
            "fault": None,
            "auth": app.authenticate(service, request.headers)[0],
        })
        fault = app.faults.take(request.method, request.path)
        outcome = self._apply_fault(fault, request, service) if fault else None
        if outcome is None:
            if fault is not None and fault.kind == "slow":
                fault.hold(app.stopping)
            outcome = self._dispatch(request, service_name)
            if fault is not None and fault.kind == "body" and outcome.status is not None and outcome.status < 300:
                # Processed (the state changed), but the answer's body is lost: empty, or the fault's text.
                outcome = Outcome(outcome.status, fault.message or None, outcome.headers, content_type="text/plain")
            if fault is not None and fault.kind == "hang_after_commit":
                app.log.update(entry, status=outcome.status, fault=fault.kind)
                self._hang(fault.delay or 0)
                return
        app.log.update(entry, status=outcome.status, fault=fault.kind if fault else None)
        self._send(outcome)

    def _apply_fault(self, fault: Fault, request: Request, service: Service) -> Optional[Outcome]:
        """Outcome for faults that replace processing; None when the request is processed."""
        del request
        app = self.server.app
        headers: Headers = {}
        if service.rate_limit_headers:
            headers, _allowed = app.rate.hit()
        if fault.kind == "status":
            status = int(fault.status or 500)
            return Outcome(status, service.error_body(status, fault.message or _reason(status)), headers)
        if fault.kind == "rate_limit":
            reset_at = int(time.time()) + int(fault.reset_in or 0)
            headers.update({"X-Rate-Limit-Limit": headers.get("X-Rate-Limit-Limit", str(app.rate.limit)),
                            "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(reset_at)})
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return Outcome(429, service.error_body(429, fault.message or "Rate limit exceeded"), headers)
        if fault.kind == "html":
            status = int(fault.status or 502)
            page = NGINX_PAGE.format(status=status, reason=_reason(status))
            return Outcome(status, page, {}, content_type="text/html")
        if fault.kind == "drop":
            return Outcome(None, close_after=0.0)
        return None

    def _dispatch(self, request: Request, service_name: str) -> Outcome:
        app = self.server.app
        service = app.services[service_name]
        rate_headers: Headers = {}
        try:
            if service.rate_limit_headers:
                rate_headers, allowed = app.rate.hit()
                if not allowed:
                    raise ApiError(429, "Rate limit exceeded")
            route, params, path_known = app.routes.match(request.method, request.path)
            if route is None:
                if path_known:
                    raise ApiError(405, "Method %s is not allowed here" % request.method)
                raise ApiError(404, "Not found: %s" % request.path)
            label, valid, read_only = app.authenticate(service, request.headers)
            if not valid:
                raise ApiError(401, service.unauthorized_message)
            if read_only and request.method in WRITE_METHODS:
                raise ApiError(403, service.forbidden_message)
            request.params = params
            request.auth = label
            request.read_only = read_only
            if route.locked:
                with app.state.lock:
                    status, body, headers = route.handler(app.state, request)
            else:
                status, body, headers = route.handler(app.state, request)
            merged = dict(rate_headers)
            merged.update(headers or {})
            return Outcome(status, body, merged)
        except ApiError as exc:
            merged = dict(rate_headers)
            merged.update(exc.headers)
            return Outcome(exc.status, service.error_body(exc.status, exc.message), merged)
        except Exception as exc:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            return Outcome(500, service.error_body(500, "Emulator error: %s" % exc), rate_headers)

    def _hang(self, delay: float) -> None:
        self.server.app.stopping.wait(delay)
        self.close_connection = True

    def _send(self, outcome: Outcome) -> None:
        if outcome.status is None:
            if outcome.close_after:
                self.server.app.stopping.wait(outcome.close_after)
            self.close_connection = True
            return
        if outcome.body is None:
            payload = b""
            content_type = None
        elif isinstance(outcome.body, (bytes, str)):
            payload = outcome.body.encode("utf-8") if isinstance(outcome.body, str) else outcome.body
            content_type = outcome.content_type or "text/plain; charset=utf-8"
        else:
            payload = json.dumps(outcome.body).encode("utf-8")
            content_type = outcome.content_type or "application/json"
        self.send_response(outcome.status)
        own_type = any(key.lower() == "content-type" for key in outcome.headers)  # e.g. a download, JSON lines
        if content_type and outcome.status != 204 and not own_type:
            self.send_header("Content-Type", content_type)
        for key, value in outcome.headers.items():
            self.send_header(key, value)
        if outcome.status == 204:
            payload = b""
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)
        self.wfile.flush()
