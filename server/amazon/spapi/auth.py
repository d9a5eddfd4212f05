"""Login with Amazon (LWA): trade the refresh token for an access token, and cache it.

An access token lives an hour (``expires_in``). ``LwaAuth.token()`` returns the cached one
until ``margin`` seconds before it expires, then asks LWA for a new one; several threads
asking at once cause one request. The cache is per channel credentials (token URL, client
id, refresh token) and clock, so every client of a channel shares one token. Neither the
token nor the secrets are ever logged.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from server.amazon.spapi import log
from server.amazon.spapi.channel import ChannelConfig
from server.amazon.spapi.errors import SpApiAuthError, SpApiTransientError

REFUSED_GRANT = ("the refresh token was refused: expired or revoked; authorise the app "
                 "again in Seller Central")
REFUSED_CLIENT = ("the client id or client secret was refused; check client_id and "
                  "client_secret of the app in Seller Central (the secret may have been "
                  "rotated)")
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(eq=False)
class _Cached:
    """The token of one set of credentials; its lock serialises refreshes."""

    lock: threading.Lock
    token: str | None = None
    expires_at: float = 0.0


_CACHE: dict[tuple[object, ...], _Cached] = {}
_CACHE_LOCK = threading.Lock()


def _cached(config: ChannelConfig, clock: Callable[[], float]) -> _Cached:
    secret = hashlib.sha256(f"{config.refresh_token}\0{config.client_secret}".encode())
    key = (clock, config.token_url, config.client_id, secret.hexdigest())
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is None:
            entry = _CACHE[key] = _Cached(threading.Lock())
        return entry


class LwaAuth:
    """Access tokens for one channel, fetched from ``config.token_url`` and cached."""

    def __init__(self, config: ChannelConfig, http: httpx.Client, *,
                 clock: Callable[[], float] = time.monotonic, margin: float = 60.0) -> None:
        self.config = config
        self.http = http
        self.clock = clock
        self.margin = margin
        self._cache = _cached(config, clock)
        self.refreshes = 0  # how many tokens this object fetched, for tests

    def token(self) -> str:
        """Return a valid access token, fetching a new one when needed."""
        cache = self._cache
        with cache.lock:
            if cache.token is None or self.clock() >= cache.expires_at - self.margin:
                cache.token, lifetime = self._fetch()
                cache.expires_at = self.clock() + lifetime
            return cache.token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (Amazon said it expired), unless another thread replaced it."""
        with self._cache.lock:
            if self._cache.token == token:
                self._cache.token = None

    def _fetch(self) -> tuple[str, float]:
        form = {"grant_type": "refresh_token", "refresh_token": self.config.refresh_token,
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret}
        url = self.config.token_url
        started = time.monotonic()
        try:
            response = self.http.post(url, data=form, headers={"accept": "application/json"})
        except httpx.TimeoutException as exc:
            raise SpApiTransientError(f"the token service at {url} did not answer in time",
                                      channel=self.config.name, url=url) from exc
        except httpx.TransportError as exc:
            raise SpApiTransientError(
                f"cannot reach the token service at {url}: {_reason(exc)}; check token_url "
                "and the network", channel=self.config.name, url=url) from exc
        log.info("LWA token for channel %s: HTTP %s (%.0f ms)", self.config.name,
                 response.status_code, (time.monotonic() - started) * 1000)
        self.refreshes += 1
        return self._read(response)

    def _read(self, response: httpx.Response) -> tuple[str, float]:
        url = self.config.token_url
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if status == 200 and isinstance(body.get("access_token"), str):
            lifetime = body.get("expires_in", 3600)
            if not isinstance(lifetime, int | float) or lifetime <= 0:
                lifetime = 3600
            return body["access_token"], float(lifetime)
        error = str(body.get("error", ""))
        context = {"channel": self.config.name, "url": url, "status": status,
                   "code": error or None}
        if status in TRANSIENT_STATUS:
            raise SpApiTransientError(f"the token service at {url} answered HTTP {status}; "
                                      "try again later", **context)
        if error == "invalid_grant":
            raise SpApiAuthError(REFUSED_GRANT, **context)
        if error in ("invalid_client", "unauthorized_client"):
            raise SpApiAuthError(REFUSED_CLIENT, **context)
        detail = str(body.get("error_description", "")) or response.text[:200]
        raise SpApiAuthError(
            f"the token service at {url} refused the request (HTTP {status}"
            f"{', ' + error if error else ''}): {_scrub(detail, self.config)}", **context)


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _scrub(text: str, config: ChannelConfig) -> str:
    for secret in config.secrets():
        text = text.replace(secret, "***")
    return text
