"""``SpApiClient``: one channel's door to the SP-API, with retries and throttling.

``request(operation, method, path, params=..., json=...)`` waits for a token of the
operation's bucket, sends the LWA access token in ``x-amz-access-token``, and:

* retries 429, 500, 502, 503, 504, timeouts and network failures with exponential
  back-off and jitter, up to ``max_attempts`` attempts in all;
* never retries 400, 404 or other client errors; a 401/403 that blames the access token
  fetches a new token once and repeats the request, then fails;
* turns Amazon's ``{"errors": [...]}`` body into an ``SpApiError`` that quotes Amazon's
  code and message, with ``status``, ``code`` and ``request_id`` in its context;
* logs each request (method, path, status, ``x-amzn-RequestId``, duration), never a token.

``transfer()`` sends to or fetches from a presigned document URL with the same retries,
but without the access token (the URL carries its own signature).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from server import __version__
from server.amazon.spapi import log
from server.amazon.spapi.auth import LwaAuth
from server.amazon.spapi.channel import ChannelConfig
from server.amazon.spapi.errors import SpApiError, SpApiTransientError
from server.amazon.spapi.throttle import Throttle
from server.errors import ConfigError

USER_AGENT = f"Sync-Center/{__version__} (Language=Python)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_TOKEN_WORDS = ("token", "expired", "unauthenticated")


@dataclass
class SpApiResponse:
    """A successful answer: status, parsed JSON (None when empty) and the request id."""

    status: int
    data: Any
    headers: httpx.Headers
    request_id: str | None
    content: bytes = b""


def segment(value: str) -> str:
    """Quote one path segment (a SKU may hold ``/``, spaces or ``#``)."""
    return quote(str(value), safe="")


class SpApiClient:
    """The SP-API for one channel. Thread-safe; reuse one per channel, then ``close()``."""

    def __init__(self, config: ChannelConfig, *, transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 max_attempts: int | None = None, backoff: float = 1.0,
                 backoff_cap: float = 60.0, timeout: float | None = None,
                 throttle: Throttle | None = None, rng: random.Random | None = None) -> None:
        if not config.remote:
            raise ConfigError(
                f"channel {config.name!r} is in file mode and does not talk to the SP-API; "
                f"set mode = \"sp-api\" (or \"simulator\") under [channels.{config.name}] "
                f"in {config.config_file}", channel=config.name, file=config.config_file)
        self.config = config
        self.clock = clock
        self.sleep = sleep
        self.max_attempts = max(1, max_attempts or config.max_attempts)
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.timeout = timeout or config.timeout
        self.rng = rng or random.Random()
        if throttle is None:  # on the real clock all clients share the buckets
            real = clock is time.monotonic and sleep is time.sleep
            throttle = Throttle.shared() if real else Throttle(clock=clock, sleep=sleep)
        self.throttle = throttle
        # Amazon counts per seller and app: the same channel on another host is another.
        self.key = f"{config.name} {config.api_url}"
        self.transport = transport or httpx.HTTPTransport()
        self.http = httpx.Client(base_url=config.api_url, transport=self.transport,
                                 timeout=self.timeout, headers={"user-agent": USER_AGENT})
        self.auth = LwaAuth(config, self.http, clock=clock)

    def __enter__(self) -> SpApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # ----- SP-API operations ----------------------------------------------------------

    def request(self, operation: str, method: str, path: str, *,
                params: Mapping[str, Any] | None = None, json: Any = None) -> SpApiResponse:
        """Call one SP-API operation; return its answer or raise ``SpApiError``."""
        query = encode_params(params or {})
        failures = 0
        refreshed = False
        while True:
            self.throttle.acquire(self.key, operation)
            try:
                token = self.auth.token()
                response = self._send(operation, method, path, query, json, token)
            except SpApiTransientError as exc:
                failures += 1
                if failures >= self.max_attempts:
                    raise
                self._pause(failures, operation, str(exc))
                continue
            status = response.status_code
            self.throttle.observe(self.key, operation,
                                  response.headers.get("x-amzn-RateLimit-Limit"))
            if 200 <= status < 300:
                return _answer(response)
            if status in (401, 403) and not refreshed and _blames_token(response):
                log.info("%s: Amazon refused the access token (HTTP %s); fetching a new one",
                         operation, status)
                self.auth.invalidate(token)
                refreshed = True
                continue
            if status == 429:
                self.throttle.throttled(self.key, operation)
            failures += 1
            if status in RETRY_STATUS and failures < self.max_attempts:
                self._pause(failures, operation, f"HTTP {status}")
                continue
            raise api_error(operation, response, channel=self.config.name,
                            attempts=failures)

    def _send(self, operation: str, method: str, path: str, query: dict[str, str],
              body: Any, token: str) -> httpx.Response:
        headers = {"x-amz-access-token": token, "accept": "application/json"}
        started = time.monotonic()
        try:
            response = self.http.request(method, path, params=query, json=body,
                                         headers=headers)
        except httpx.TimeoutException as exc:
            raise SpApiTransientError(
                f"{operation}: {method} {path} got no answer within {self.timeout:g} s",
                operation=operation, channel=self.config.name) from exc
        except httpx.TransportError as exc:
            raise SpApiTransientError(
                f"{operation}: cannot reach the SP-API at {self.config.api_url}: "
                f"{str(exc) or type(exc).__name__}; check region/api_url and the network",
                operation=operation, channel=self.config.name) from exc
        millis = (time.monotonic() - started) * 1000
        level = 10 if response.is_success else 20  # DEBUG when fine, INFO when not
        log.log(level, "%s %s -> HTTP %s (%s, request id %s, %.0f ms)", method, path,
                response.status_code, operation, response.headers.get("x-amzn-RequestId"),
                millis)
        return response

    def _pause(self, failures: int, operation: str, reason: str) -> None:
        delay = min(self.backoff_cap, self.backoff * 2 ** (failures - 1))
        delay = delay / 2 + self.rng.uniform(0, delay / 2)
        log.info("%s: %s; attempt %d of %d failed, trying again in %.1f s", operation,
                 reason, failures, self.max_attempts, delay)
        self.sleep(delay)

    # ----- presigned document URLs ----------------------------------------------------

    def transfer(self, method: str, url: str, *, content: bytes | None = None,
                 content_type: str | None = None, what: str = "document") -> httpx.Response:
        """PUT to or GET from a presigned URL, with retries; no access token is sent."""
        headers = {"content-type": content_type} if content_type else {}
        shown = _without_query(url)
        failures = 0
        while True:
            started = time.monotonic()
            try:
                response = self._presigned(method, url, content, headers)
            except httpx.TransportError as exc:
                failures += 1
                if failures >= self.max_attempts:
                    raise SpApiTransientError(
                        f"{what}: {method} {shown} failed: {str(exc) or type(exc).__name__}",
                        url=shown, channel=self.config.name) from exc
                self._pause(failures, what, type(exc).__name__)
                continue
            log.debug("%s %s -> HTTP %s (%s, %.0f ms)", method, shown, response.status_code,
                      what, (time.monotonic() - started) * 1000)
            if response.is_success:
                return response
            failures += 1
            if response.status_code in RETRY_STATUS and failures < self.max_attempts:
                self._pause(failures, what, f"HTTP {response.status_code}")
                continue
            cls = SpApiTransientError if response.status_code in RETRY_STATUS else SpApiError
            raise cls(f"{what}: {method} {shown} answered HTTP {response.status_code}: "
                      f"{response.text[:200]}", status=response.status_code, url=shown,
                      channel=self.config.name)

    def _presigned(self, method: str, url: str, content: bytes | None,
                   headers: dict[str, str]) -> httpx.Response:
        # Straight to the transport: httpx's own log line would show the URL's signature.
        request = self.http.build_request(method, url, content=content, headers=headers)
        response = self.transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response


def encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters as Amazon wants them: lists comma-separated, times in ISO 8601."""
    query: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            if not value:
                continue
            query[name] = ",".join(query_value(v) for v in value)
        else:
            query[name] = query_value(value)
    return query


def query_value(value: Any) -> str:
    """One value as text: booleans lower-case, datetimes in ISO 8601 UTC with ``Z``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _answer(response: httpx.Response) -> SpApiResponse:
    data = None
    if response.content:
        try:
            data = response.json()
        except ValueError:
            data = None
    return SpApiResponse(response.status_code, data, response.headers,
                         response.headers.get("x-amzn-RequestId"), response.content)


def amazon_errors(response: httpx.Response) -> list[dict[str, Any]]:
    """The ``errors`` list of Amazon's error body, or an empty list."""
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _blames_token(response: httpx.Response) -> bool:
    if response.status_code == 401:
        return True
    text = " ".join(f"{e.get('code', '')} {e.get('message', '')} {e.get('details', '')}"
                    for e in amazon_errors(response)).lower()
    return any(word in text for word in _TOKEN_WORDS)


def api_error(operation: str, response: httpx.Response, **context: object) -> SpApiError:
    """An ``SpApiError`` for Amazon's error answer, quoting Amazon's codes and messages."""
    status = response.status_code
    errors = amazon_errors(response)
    parts = []
    for error in errors:
        text = f"{error.get('code', '?')}: {error.get('message', '')}".rstrip(": ")
        if error.get("details"):
            text += f" ({error['details']})"
        parts.append(text)
    request_id = response.headers.get("x-amzn-RequestId")
    said = "; ".join(parts) or (response.text[:200].strip() or response.reason_phrase)
    message = f"{operation} failed with HTTP {status}: {said}"
    if status == 403:
        message += (" (the app may lack the role for this operation, or the token belongs "
                    "to another region)")
    if request_id:
        message += f" [request id {request_id}]"
    cls = SpApiTransientError if status in RETRY_STATUS else SpApiError
    error = cls(message, status=status, operation=operation,
                code=str(errors[0].get("code")) if errors else None, request_id=request_id,
                **context)
    error.errors = errors
    return error


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
