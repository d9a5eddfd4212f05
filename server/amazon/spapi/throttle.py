"""Token buckets per (channel, operation), so we rarely meet Amazon's HTTP 429.

Amazon limits each operation with a token bucket: ``rate`` tokens per second flow into a
bucket that holds at most ``burst``; a request takes one token. We keep a bucket of the
same shape per (channel, operation), seeded with the documented defaults below, and let
the ``x-amzn-RateLimit-Limit`` header of each answer correct the rate. When Amazon still
says 429, the bucket is emptied so the next request waits a full token.

A caller *reserves* a token: the bucket may go below zero, and the caller sleeps until its
token would have arrived. Reservations are taken under a lock, so threads queue fairly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from server.amazon.spapi import log


@dataclass(frozen=True)
class Rate:
    """Requests per second and bucket size of one operation."""

    rate: float
    burst: int


# The defaults stated in the usage-plan tables of the API models (per second, burst).
RATES: dict[str, Rate] = {
    # Listings Items 2021-08-01
    "putListingsItem": Rate(5, 10), "patchListingsItem": Rate(5, 5),
    "getListingsItem": Rate(5, 10), "deleteListingsItem": Rate(5, 5),
    "searchListingsItems": Rate(5, 5),
    # Feeds 2021-06-30
    "createFeedDocument": Rate(0.5, 15), "createFeed": Rate(0.0083, 15),
    "getFeed": Rate(2, 15), "cancelFeed": Rate(2, 15), "getFeeds": Rate(0.0222, 10),
    "getFeedDocument": Rate(0.0222, 10),
    # Reports 2021-06-30
    "createReport": Rate(0.0167, 15), "getReport": Rate(2, 15),
    "getReports": Rate(0.0222, 10), "cancelReport": Rate(0.0222, 10),
    "getReportDocument": Rate(0.0167, 15),
    # Orders 2026-01-01 and v0
    "searchOrders": Rate(0.0056, 20), "getOrder": Rate(0.5, 30),
    "confirmShipment": Rate(2, 10),
    # Product Type Definitions 2020-09-01
    "searchDefinitionsProductTypes": Rate(5, 10), "getDefinitionsProductType": Rate(5, 10),
    # Sellers v1
    "getMarketplaceParticipations": Rate(0.016, 15), "getAccount": Rate(0.016, 15),
    # Tokens 2021-03-01, Sales v1
    "createRestrictedDataToken": Rate(1, 10), "getOrderMetrics": Rate(0.5, 15),
}
DEFAULT_RATE = Rate(1, 5)  # an operation missing above: careful, but not slow


class TokenBucket:
    """One bucket: ``rate`` tokens per second, at most ``burst``; starts full."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def reserve(self) -> float:
        """Take one token; return how many seconds to wait until it is really there."""
        self._refill()
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def set_rate(self, rate: float) -> None:
        self._refill()
        self.rate = rate

    def drain(self) -> None:
        """Empty the bucket (Amazon answered 429): the next token comes in 1/rate s."""
        self._refill()
        self.tokens = min(self.tokens, 0.0)

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self.updated)
        self.updated = now
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)


class Throttle:
    """The buckets of all (channel, operation) pairs; thread-safe.

    ``clock`` and ``sleep`` are injectable so tests run on a fake clock.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 rates: dict[str, Rate] | None = None) -> None:
        self.clock = clock
        self.sleep = sleep
        self.rates = RATES if rates is None else rates
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> Throttle:
        """The process-wide throttle on the real clock, shared by all clients."""
        with _SHARED_LOCK:
            global _shared
            if _shared is None:
                _shared = cls()
            return _shared

    def bucket(self, channel: str, operation: str) -> TokenBucket:
        key = (channel, operation)
        with self._lock:
            return self._bucket(key)

    def _bucket(self, key: tuple[str, str]) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            rate = self.rates.get(key[1], DEFAULT_RATE)
            bucket = self._buckets[key] = TokenBucket(rate.rate, rate.burst, self.clock)
        return bucket

    def acquire(self, channel: str, operation: str) -> float:
        """Wait for a token of (channel, operation); return the seconds waited."""
        with self._lock:
            wait = self._bucket((channel, operation)).reserve()
        if wait > 0:
            log.debug("throttle %s %s: waiting %.2f s", channel, operation, wait)
            self.sleep(wait)
        return wait

    def observe(self, channel: str, operation: str, limit_header: str | None) -> None:
        """Take the rate from an ``x-amzn-RateLimit-Limit`` header value, when valid."""
        if not limit_header:
            return
        try:
            rate = float(limit_header.strip())
        except ValueError:
            return
        if not rate > 0 or rate == float("inf"):
            return
        with self._lock:
            bucket = self._bucket((channel, operation))
            if abs(bucket.rate - rate) > 1e-9:
                log.debug("throttle %s %s: rate %s -> %s per second (from Amazon)",
                          channel, operation, bucket.rate, rate)
                bucket.set_rate(rate)

    def throttled(self, channel: str, operation: str) -> None:
        """Amazon answered 429: empty the bucket."""
        with self._lock:
            self._bucket((channel, operation)).drain()


_shared: Throttle | None = None
_SHARED_LOCK = threading.Lock()
