"""Orders of the simulated seller, generated from the seed as the clock moves on.

Each hour of simulated time has a plan drawn from ``Random(seed, hour)``: on average
``orders_per_hour`` merchant-fulfilled orders at random minutes, each with one to three
items of buyable listings, buyers with German names and addresses (a few in Austria).
The plan of an hour never depends on when it is looked at, so the same seed gives the
same orders; an order appears once the simulated time reaches its creation time and takes
its quantity off the listing's stock.

Some orders stay PENDING for a few minutes after they are placed (no address yet) and a
few are cancelled by the buyer hours later unless shipped before. ``confirmShipment``
adds packages, which make an order PARTIALLY_SHIPPED or SHIPPED.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from server.demo import words as W

if TYPE_CHECKING:
    from server.amazon.simulator.listings import Listing, Listings

PENDING_SHARE = 0.15
CANCEL_SHARE = 0.04
MAX_GENERATED_PER_CALL = 20_000


@dataclass
class OrderItem:
    item_id: str
    sku: str
    asin: str
    title: str
    quantity: int
    unit_price: float  # gross, with VAT
    currency: str


@dataclass
class Package:
    reference_id: str
    carrier_code: str
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str
    ship_date: datetime
    items: dict[str, int]  # order item id -> quantity
    created: datetime


@dataclass
class Order:
    id: str
    created: datetime
    marketplace_id: str
    items: list[OrderItem]
    buyer_name: str
    buyer_email: str
    address: dict[str, str]
    service_level: str
    pending_until: datetime
    cancel_at: datetime | None
    packages: list[Package] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    updated: datetime | None = None  # last change by the seller (shipments)

    def shipped(self, item_id: str) -> int:
        return sum(package.items.get(item_id, 0) for package in self.packages)

    def cancelled(self, now: datetime) -> bool:
        if self.cancel_at is None or self.cancel_at > now:
            return False
        return not any(package.created <= self.cancel_at for package in self.packages)

    def status(self, now: datetime) -> str:
        if now < self.pending_until:
            return "PENDING"
        if self.cancelled(now):
            return "CANCELLED"
        shipped = [min(self.shipped(item.item_id), item.quantity) for item in self.items]
        if all(count == item.quantity for count, item in zip(shipped, self.items, strict=True)):
            return "SHIPPED"
        return "PARTIALLY_SHIPPED" if any(shipped) else "UNSHIPPED"

    def last_updated(self, now: datetime) -> datetime:
        times = [self.created]
        if self.pending_until <= now:
            times.append(self.pending_until)
        if self.cancelled(now) and self.cancel_at is not None:
            times.append(self.cancel_at)
        if self.updated is not None:
            times.append(self.updated)
        return max(times)

    def total(self) -> float:
        return round(sum(item.unit_price * item.quantity for item in self.items), 2)


class OrderBook:
    def __init__(self, seed: int, orders_per_hour: float, start: datetime) -> None:
        self.seed = seed
        self.orders_per_hour = orders_per_hour
        self.cursor = start.astimezone(UTC)
        self.items: dict[str, Order] = {}

    def generate_until(self, now: datetime, listings: Listings) -> list[Order]:
        """Add the orders placed after the last call and up to ``now``."""
        out: list[Order] = []
        if now <= self.cursor or self.orders_per_hour <= 0:
            self.cursor = max(self.cursor, now)
            return out
        hour = int(self.cursor.timestamp() // 3600)
        while hour * 3600 <= now.timestamp() and len(out) < MAX_GENERATED_PER_CALL:
            for offset, rng in self._plan(hour):
                placed = datetime.fromtimestamp(hour * 3600 + offset, UTC)
                if self.cursor < placed <= now:
                    order = self._order(rng, placed, listings)
                    if order is not None:
                        self.items[order.id] = order
                        out.append(order)
            hour += 1
        self.cursor = now
        return out

    def _plan(self, hour: int) -> list[tuple[float, random.Random]]:
        rng = random.Random(f"orders:{self.seed}:{hour}")
        trials = max(1, round(self.orders_per_hour * 2))
        count = sum(1 for _ in range(trials) if rng.random() < self.orders_per_hour / trials)
        offsets = sorted(rng.random() * 3600 for _ in range(count))
        return [(offset, random.Random(f"order:{self.seed}:{hour}:{index}"))
                for index, offset in enumerate(offsets)]

    def _order(self, rng: random.Random, placed: datetime,
               listings: Listings) -> Order | None:
        candidates = sorted((item for item in listings.items.values()
                             if item.quantity() > 0 and item.marketplace_ids), key=_sku)
        if not candidates:
            return None
        picks: list[Listing] = []
        for _ in range(1 + (rng.random() < 0.25) + (rng.random() < 0.08)):
            pick = rng.choice(candidates)
            if pick not in picks:
                picks.append(pick)
        marketplace = sorted(picks[0].marketplace_ids)[0]
        if len(picks[0].marketplace_ids) > 1 and rng.random() < 0.3:
            marketplace = rng.choice(sorted(picks[0].marketplace_ids))
        items = []
        for listing in picks:
            price = listing.price(marketplace) or listing.price(
                sorted(listing.marketplace_ids)[0]) or (9.99, "EUR")
            quantity = min(listing.quantity(), 1 + (rng.random() < 0.2))
            listing.set_quantity(listing.quantity() - quantity)
            items.append(OrderItem(f"{rng.randrange(10**13, 10**14)}", listing.sku,
                                   listing.asin, str(listing.first("item_name") or listing.sku),
                                   quantity, price[0], price[1]))
        female = rng.random() < 0.5
        first = rng.choice(W.FEMALE_FIRST if female else W.MALE_FIRST)
        last = rng.choice(W.LAST_NAMES)
        austria = rng.random() < 0.08
        postal, city = rng.choice(W.AT_CITIES if austria else W.DE_CITIES)
        address = {"name": f"{first} {last}",
                   "addressLine1": f"{rng.choice(W.STREETS)} {rng.randint(1, 120)}",
                   "city": city, "postalCode": postal, "countryCode": "AT" if austria else "DE",
                   "addressType": "RESIDENTIAL"}
        if rng.random() < 0.2:
            address["addressLine2"] = rng.choice(("Hinterhaus", "2. OG", "bei " + last,
                                                  "Packstation 112"))
        if rng.random() < 0.5:
            address["phone"] = f"+49 {rng.randint(150, 179)} {rng.randint(1000000, 9999999)}"
        pending = timedelta(minutes=rng.randint(5, 40)) if rng.random() < PENDING_SHARE \
            else timedelta(0)
        cancel = placed + timedelta(hours=rng.uniform(1, 6)) if rng.random() < CANCEL_SHARE \
            else None
        letters = "abcdefghijklmnopqrstuvwxyz0123456789"
        email = "".join(rng.choice(letters) for _ in range(16)) + "@marketplace.amazon.de"
        order_id = (f"{rng.choice((302, 303, 304, 305, 306, 28)):03d}-"
                    f"{rng.randrange(10**7):07d}-{rng.randrange(10**7):07d}")
        return Order(order_id, placed.replace(microsecond=0), marketplace, items,
                     f"{first} {last}", email, address,
                     "EXPEDITED" if rng.random() < 0.1 else "STANDARD",
                     placed.replace(microsecond=0) + pending, cancel)


def _sku(listing: Listing) -> str:
    return listing.sku
