"""Per-operation token buckets with Amazon's default usage plans, and injected faults.

Rates and bursts are the defaults the SP-API models state for each operation (requests
per second, bucket size). A request takes one token; an empty bucket answers 429
``QuotaExceeded``. Buckets refill in real time plus whatever ``Simulator.advance`` added.

With a fault rate ``r``, each SP-API request has the chance ``r`` of meeting a fault: 429,
500, 503 or a delay (``fault_delay`` seconds, meant to exceed the client's timeout) after
which the request is served normally.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

# operationId: (rate per second, burst)
RATES: dict[str, tuple[float, int]] = {
    "getMarketplaceParticipations": (0.016, 15),
    "putListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "getListingsItem": (5.0, 10),
    "deleteListingsItem": (5.0, 5),
    "searchListingsItems": (5.0, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeeds": (0.0222, 10),
    "getFeed": (2.0, 15),
    "cancelFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    "createReport": (0.0167, 15),
    "getReports": (0.0222, 10),
    "getReport": (2.0, 15),
    "cancelReport": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "searchDefinitionsProductTypes": (5.0, 10),
    "getDefinitionsProductType": (5.0, 10),
}
FAULTS = ("429", "500", "503", "delay")


@dataclass
class Bucket:
    rate: float
    burst: int
    tokens: float
    stamp: float

    def take(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Throttle:
    """One bucket per operation; ``ticks`` gives the time in seconds."""

    def __init__(self, ticks: Callable[[], float], enabled: bool = True) -> None:
        self.ticks = ticks
        self.enabled = enabled
        self.buckets: dict[str, Bucket] = {}

    def rate_header(self, operation: str) -> str:
        rate = RATES.get(operation, (5.0, 15))[0]
        return f"{rate:g}"

    def take(self, operation: str) -> bool:
        """Whether the request may pass (takes a token if so)."""
        if not self.enabled:
            return True
        now = self.ticks()
        bucket = self.buckets.get(operation)
        if bucket is None:
            rate, burst = RATES.get(operation, (5.0, 15))
            bucket = self.buckets[operation] = Bucket(rate, burst, float(burst), now)
        return bucket.take(now)


class Faults:
    """Draws injected faults for a share ``rate`` of requests, reproducibly from ``seed``."""

    def __init__(self, rate: float, seed: int, delay: float) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {rate}")
        self.rate = rate
        self.delay = delay
        self.random = random.Random(f"faults:{seed}")
        self.counts: dict[str, int] = dict.fromkeys(FAULTS, 0)

    def draw(self) -> str | None:
        """``None`` (serve normally) or one of ``FAULTS``."""
        if self.rate <= 0.0 or self.random.random() >= self.rate:
            return None
        kind = self.random.choice(FAULTS)
        self.counts[kind] += 1
        return kind
