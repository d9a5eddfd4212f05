"""Helpers for the SP-API client tests: a real HTTP server on a loopback port, a fake clock.

``LocalServer`` answers ``/auth/o2/token`` like Login with Amazon and hands every other
request to ``app(seen) -> (status, headers, body)``; it records what it received.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from server.amazon.spapi.channel import ChannelConfig
from server.amazon.spapi.marketplaces import MARKETPLACES
from tests.amazon import models

CLIENT_ID = "amzn1.application-oa2-client.test"
CLIENT_SECRET = "client-secret-Zq81"
REFRESH_TOKEN = "Atzr|refresh-token-Kp27"


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Answer = tuple[int, dict[str, str], bytes]
App = Callable[[Seen], Answer]


def reply(status: int = 200, data: Any = None, **headers: str) -> Answer:
    body = b"" if data is None else json.dumps(data).encode()
    base = {"content-type": "application/json", "x-amzn-RequestId": "req-1"} if body else {}
    return status, {**base, **{k.replace("_", "-"): v for k, v in headers.items()}}, body


def amazon_error(status: int, code: str, message: str, details: str = "") -> Answer:
    return reply(status, {"errors": [{"code": code, "message": message, "details": details}]})


@dataclass
class LocalServer:
    """A threaded HTTP server on 127.0.0.1; use as a context manager."""

    app: App = field(default=lambda seen: reply(404, {"errors": []}))
    token_answers: list[Answer] = field(default_factory=list)  # next token replies, in order
    expires_in: int = 3600
    requests: list[Seen] = field(default_factory=list)
    token_requests: list[Seen] = field(default_factory=list)
    delay: Callable[[Seen], float] = field(default=lambda seen: 0.0)

    def __enter__(self) -> LocalServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(self.command, parts.path,
                            {k: v[-1] for k, v in parse_qs(parts.query).items()},
                            {k.lower(): v for k, v in self.headers.items()}, body)
                status, headers, data = server.answer(seen)
                pause = server.delay(seen) if seen.path != "/auth/o2/token" else 0.0
                if pause:
                    time.sleep(pause)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (a timeout test)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()
        self.tokens_issued = 0
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_url(self) -> str:
        return self.base_url + "/auth/o2/token"

    def answer(self, seen: Seen) -> Answer:
        if seen.path == "/auth/o2/token":
            self.token_requests.append(seen)
            if self.token_answers:
                return self.token_answers.pop(0)
            self.tokens_issued += 1
            return reply(200, {"access_token": f"Atza|access-{self.tokens_issued}",
                               "token_type": "bearer", "expires_in": self.expires_in,
                               "refresh_token": REFRESH_TOKEN})
        self.requests.append(seen)
        return self.app(seen)


def make_config(server: LocalServer | None = None, **overrides: Any) -> ChannelConfig:
    base = server.base_url if server else "http://127.0.0.1:9"
    values: dict[str, Any] = dict(
        name="amazon-test", mode="sp-api", marketplace=MARKETPLACES["DE"], region="eu",
        api_url=base, token_url=base + "/auth/o2/token", client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN, seller_id="A2DEMOSELLER1",
        currency="EUR", config_file="synccenter.toml")
    values.update(overrides)
    return ChannelConfig(**values)


class FakeClock:
    """A clock that moves only when someone sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


# ----- Amazon's models: check the requests the client sent ------------------------------
# The models are read by tests/amazon/models.py; here: which operation a concrete request
# is (by matching the path templates), and what is wrong with it.

_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@dataclass
class ModelOperation:
    model: str
    operation: models.Operation
    pattern: re.Pattern[str]
    names: list[str]  # the path parameters, in order


@functools.cache
def model_operations() -> list[ModelOperation]:
    """Every operation of every model, the most literal paths first."""
    found = []
    for name in models.model_names():
        for op in models.operations(models.load_model(name)):
            names = re.findall(r"\{([^}]+)\}", op.path)
            regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(op.path))
            found.append(ModelOperation(name, op, re.compile(f"^{regex}$"), names))
    return sorted(found, key=lambda o: len(o.names))


def find_operation(method: str, path: str) -> tuple[ModelOperation, dict[str, str]] | None:
    for entry in model_operations():
        match = entry.pattern.match(path)
        if entry.operation.verb == method.lower() and match:
            return entry, dict(zip(entry.names, match.groups(), strict=True))
    return None


def request_violations(seen: Seen) -> list[str]:
    """What is wrong with one request, measured against Amazon's model of it."""
    where = f"{seen.method} {seen.path}"
    found = find_operation(seen.method, seen.path)
    if found is None:
        return [f"{where}: no such operation in Amazon's models"]
    entry, path_params = found
    op = entry.operation
    problems = models.validate_request(
        models.load_model(entry.model), op.operation_id, path_params=path_params,
        query=seen.query, body=seen.json() if seen.body else None)
    for name, param in op.params("query").items():
        value = seen.query.get(name)
        if value is not None and param.get("format") == "date-time" and \
                not _DATE_TIME.match(value):
            problems.append(f"{op.operation_id}: {name}: {value!r} is not ISO 8601")
    return [f"{where}: {problem}" for problem in problems]
