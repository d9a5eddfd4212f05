"""``Simulator``: everything the simulated Amazon account holds, and its clock.

One lock guards the state; the Flask views run under it. The clock is ``clock()`` (real
time by default) plus what ``advance`` added, so tests can move time forward: access
tokens expire, feeds and reports progress, throttle buckets refill and new orders arrive.
All random choices come from generators seeded with ``seed``; the same seed and the same
requests give the same orders, ids and documents.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import request

from server.amazon.simulator.catalog import starting_listings
from server.amazon.simulator.documents import Documents
from server.amazon.simulator.errors import StorageError
from server.amazon.simulator.jobs import Job
from server.amazon.simulator.listings import Listings
from server.amazon.simulator.marketplaces import DE, DEFAULT_PARTICIPATIONS
from server.amazon.simulator.orders import Order, OrderBook
from server.amazon.simulator.throttle import Faults, Throttle

CLIENT_ID = "amzn1.application-oa2-client.sim"
CLIENT_SECRET = "sim-secret"
REFRESH_TOKEN = "Atzr|sim-refresh"
SELLER_ID = "A2DEMOSELLER1"
URL_SECONDS = 300  # presigned document links are valid for five minutes


class Simulator:
    """State and settings of one simulated seller account in the EU region.

    ``clock`` returns the current time as an aware datetime (default: real time).
    ``fault_rate`` is the share of SP-API requests that meet an injected fault; a delay
    fault waits ``fault_delay`` seconds. ``gzip_share`` is the share of result documents
    delivered GZIP-compressed (documents over 64 KiB always are). ``job_step_seconds``
    is how long a feed or report stays in each state when nobody polls.
    """

    def __init__(self, seed: int = 1, fault_rate: float = 0.0,
                 clock: Callable[[], datetime] | None = None, *,
                 client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET,
                 refresh_token: str = REFRESH_TOKEN, seller_id: str = SELLER_ID,
                 store_name: str = "Gipfelwerk Outdoor (Demo)",
                 marketplace_ids: Iterable[str] = DEFAULT_PARTICIPATIONS,
                 token_ttl: int = 3600, fault_delay: float = 30.0, throttle: bool = True,
                 gzip_share: float = 0.3, orders_per_hour: float = 3.0,
                 history_hours: int = 24, starting_catalog: bool = True,
                 listings_report_quirks: bool = False, job_step_seconds: float = 30.0) -> None:
        self.seed = seed
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_token, self.seller_id = refresh_token, seller_id
        self.store_name = store_name
        self.marketplace_ids = list(marketplace_ids)
        self.token_ttl = token_ttl
        self.gzip_share = gzip_share
        self.listings_report_quirks = listings_report_quirks
        self.job_step_seconds = job_step_seconds
        self.lock = threading.RLock()
        self.rng = random.Random(f"state:{seed}")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._offset = timedelta(0)
        self._key = hashlib.sha256(f"simulator-key:{seed}".encode()).digest()
        self.tokens: dict[str, datetime] = {}
        self.throttle = Throttle(self.ticks, enabled=throttle)
        self.faults = Faults(fault_rate, seed, fault_delay)
        self.listings = Listings(seed)
        self.documents = Documents(self)
        self.feeds: dict[str, Job] = {}
        self.reports: dict[str, Job] = {}
        self.started = self.now()
        self.orders = OrderBook(seed, orders_per_hour,
                                self.started - timedelta(hours=history_hours))
        self._counter = 0
        if starting_catalog:
            start = self.started - timedelta(hours=history_hours + 24)
            for sku, product_type, attributes in starting_listings():
                self.listings.submit(sku=sku, marketplace_id=DE, operation="PUT", now=start,
                                     product_type=product_type, attributes=attributes)
        self.tick()

    # --- time -------------------------------------------------------------------------

    def now(self) -> datetime:
        """The simulated time (aware, UTC)."""
        return (self._clock() + self._offset).astimezone(UTC)

    def ticks(self) -> float:
        """Seconds for the throttle: a monotonic clock plus what ``advance`` added."""
        return time.monotonic() + self._offset.total_seconds()

    def advance(self, minutes: float) -> None:
        """Move the simulated time forward: orders arrive, tokens and links expire."""
        with self.lock:
            self._offset += timedelta(minutes=minutes)
            self.tick()

    def tick(self) -> None:
        """Bring time-driven state up to now (new orders)."""
        with self.lock:
            self.orders.generate_until(self.now(), self.listings)

    # --- helpers for tests and the demo ----------------------------------------------

    def expire_tokens(self) -> None:
        """Let every access token handed out so far expire now."""
        with self.lock:
            past = self.now() - timedelta(seconds=1)
            for token in self.tokens:
                self.tokens[token] = past

    def issue_token(self) -> str:
        """A valid access token without going through the LWA endpoint."""
        with self.lock:
            token = f"Atza|direct-{len(self.tokens) + 1}-{self.rng.getrandbits(64):x}"
            self.tokens[token] = self.now() + timedelta(seconds=self.token_ttl)
            return token

    def order(self, order_id: str) -> Order | None:
        with self.lock:
            return self.orders.items.get(order_id)

    def settle(self) -> None:
        """Finish every feed and report still queued or in progress."""
        with self.lock:
            for job in [*self.feeds.values(), *self.reports.values()]:
                job.polls = max(job.polls, 99)
                job.refresh(self)

    # --- ids and signed links ---------------------------------------------------------

    def next_number(self) -> int:
        with self.lock:
            self._counter += 1
            return self._counter

    def new_uuid(self) -> str:
        bits = f"{self.rng.getrandbits(128):032x}"
        return f"{bits[:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}"

    def signed(self, path: str, seconds: int = URL_SECONDS) -> str:
        """``path`` with an expiry and a signature, like an S3 presigned URL's query."""
        parts = urlsplit(path)
        query = [*parse_qsl(parts.query), ("expires", str(int(self.now().timestamp())
                                                          + seconds))]
        signature = self._signature(parts.path, query)
        return f"{parts.path}?{urlencode([*query, ('sig', signature)])}"

    def _signature(self, path: str, query: list[tuple[str, str]]) -> str:
        text = path + "?" + urlencode(sorted(query))
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def check_signature(self) -> None:
        """Refuse (403, S3-style) a link whose signature is wrong or which has expired."""
        query = [(key, value) for key, value in request.args.items(multi=True)
                 if key != "sig"]
        expected = self._signature(request.path, query)
        if not hmac.compare_digest(request.args.get("sig", ""), expected):
            raise StorageError(403, "SignatureDoesNotMatch", "The request signature does "
                               "not match the link the API handed out.")
        try:
            expires = int(request.args.get("expires", "0"))
        except ValueError:
            expires = 0
        if expires < self.now().timestamp():
            raise StorageError(403, "AccessDenied", "Request has expired")

    def describe(self) -> dict[str, Any]:
        """Credentials and ids a client needs, for the CLI banner and the demo."""
        return {"client_id": self.client_id, "client_secret": self.client_secret,
                "refresh_token": self.refresh_token, "seller_id": self.seller_id,
                "marketplace_ids": list(self.marketplace_ids)}
