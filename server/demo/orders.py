"""Customers, sales orders with lines, shipments and invoices for the demo ERP.

``server.demo.erp`` writes the articles, fills a ``Prices`` with what orders need of them
and runs ``Orders``; its docstring lists the conventions of the data. As there, only
IEEE-exact float operations shape the random numbers.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import random
import sqlite3
import unicodedata
from array import array
from math import sqrt

from server.demo import words as W
from server.demo.common import BATCH_SIZE, bijection, flush, number_width, stamp

MAX_ORDERS = 50_000
ORDERS_PER_DAY = 45.0  # mean for 2,000 articles; grows with the square root of articles

# Share of orders per hour of the day (people shop in the evening).
_HOURS = (2, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 8, 9, 8, 7, 7, 8, 9, 11, 13, 14, 12, 8, 4)
_HOUR_CUM = tuple(sum(_HOURS[: i + 1]) for i in range(24))
_WEEKDAY = (1.15, 1.0, 0.95, 0.95, 0.9, 0.85, 1.2)  # Monday .. Sunday
_CARRIERS = ("DHL", "DPD", "Hermes", "GLS", "UPS")
_CARRIER_CUM = (50, 65, 80, 92)  # DHL 50 %, DPD 15 %, Hermes 15 %, GLS 12 %, UPS 8 %


class Prices:
    """Per-article prices and flags the order generator needs (compact arrays)."""

    def __init__(self, count: int) -> None:
        self.vk1 = array("l", bytes(array("l").itemsize * count))
        self.vk2 = array("l", bytes(array("l").itemsize * count))
        self.vat = bytearray(count)
        self.active = bytearray(count)
        self.width = number_width(count)


def _net(gross_cents: int, vat: int) -> int:
    """Net cents of a gross amount, rounded half up."""
    return (gross_cents * 200 + 100 + vat) // (200 + 2 * vat)


def _months_back(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", " ": ""})


def _ascii(name: str) -> str:
    """Lower-case ASCII form of a name for e-mail addresses."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_ASCII))
    return text.encode("ascii", "ignore").decode()


class _Numbers:
    """Document numbers per year like ``RE-2026-000123``.

    The first year seen starts where a shop of this size would be by that day.
    """

    def __init__(self, prefix: str, per_day: float) -> None:
        self.prefix = prefix
        self.per_day = per_day
        self.next_no: dict[int, int] = {}

    def __call__(self, day: dt.date) -> str:
        number = self.next_no.get(day.year)
        if number is None:
            earlier = 0 if self.next_no else (day.timetuple().tm_yday - 1) * self.per_day
            number = 1 + int(earlier)
        self.next_no[day.year] = number + 1
        return f"{self.prefix}-{day.year}-{number:06d}"


class Orders:
    """Customers, sales orders with lines, shipments and invoices."""

    def __init__(self, con: sqlite3.Connection, rng: random.Random, today: dt.date,
                 months: int, prices: Prices, counts: dict[str, int]) -> None:
        self.con, self.rng, self.today, self.prices, self.counts = (
            con, rng, today, prices, counts)
        self.plan = self._plan(months) if months else []
        self.last_ship_day = today - dt.timedelta(days=1)
        self.perm = bijection(rng, len(prices.vat))
        self.amazon = bijection(rng, 10**14)
        self.amazon_count = 0
        self.tracking = {"DHL": rng.randrange(10**11, 4 * 10**11),
                         "DPD": rng.randrange(10**12, 5 * 10**12),
                         "Hermes": rng.randrange(10**15, 9 * 10**15),
                         "GLS": rng.randrange(10**10, 8 * 10**10),
                         "UPS": rng.randrange(10**7, 5 * 10**7)}
        self.ups_account = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ")
                                   for _ in range(6))
        self.rows: dict[str, list[tuple]] = {
            name: [] for name in ("sales_order", "order_line", "shipment", "invoice")}
        self.pending: list[tuple] = []
        self.sequence = 0

    def _plan(self, months: int) -> list[tuple[dt.date, int]]:
        """Orders per day from ``months`` ago until today (today only until 08:00)."""
        rnd = self.rng.random
        start = _months_back(self.today, months)
        days = (self.today - start).days
        mean = ORDERS_PER_DAY * sqrt(len(self.prices.vat) / 2000)
        plan = []
        for offset in range(days + 1):
            day = start + dt.timedelta(days=offset)
            wanted = mean * _WEEKDAY[day.weekday()] * (0.9 + 0.2 * offset / max(days, 1))
            wanted *= (0.7 + 0.6 * rnd()) * (0.12 if day == self.today else 1.0)
            plan.append((day, int(wanted + rnd())))
        total = sum(n for _, n in plan)
        if total > MAX_ORDERS:
            plan = [(day, n * MAX_ORDERS // total) for day, n in plan]
        return plan

    def run(self) -> None:
        total = sum(n for _, n in self.plan)
        self._customers((total * 13 + 19) // 20)
        per_day = total / max(len(self.plan), 1)
        self.order_no = _Numbers("AU", per_day)
        self.shipment_no = _Numbers("LS", per_day)
        self.invoice_no = _Numbers("RE", per_day * 0.95)
        rnd = self.rng.random
        for day, count in self.plan:
            self._number_documents(before=day)
            age = (self.today - day).days
            limit = _HOUR_CUM[7] if age == 0 else _HOUR_CUM[-1]
            seconds = sorted(bisect.bisect_right(_HOUR_CUM, int(rnd() * limit)) * 3600
                             + int(rnd() * 3600) for _ in range(count))
            for second in seconds:
                self._order(day, second, age)
            if len(self.rows["sales_order"]) >= BATCH_SIZE:
                self._flush()
        self._number_documents(before=self.today + dt.timedelta(days=1))
        self._flush()

    def _number_documents(self, before: dt.date) -> None:
        """Number the pending shipments and invoices dated before ``before``, in time order.

        They are dated up to three days after their order, so they wait here until no
        earlier document can come: then their numbers ascend with their dates, as in a
        real ERP.
        """
        pending = sorted(self.pending)
        ready = [doc for doc in pending if doc[0] < before]
        self.pending = pending[len(ready):]
        for day, at, _, order_no, carrier, net, gross in ready:
            if carrier:
                self.rows["shipment"].append((self.shipment_no(day), order_no, carrier,
                                              self._tracking(carrier), stamp(day, at)))
            else:
                number = self.invoice_no(day)
                self.rows["invoice"].append((number, order_no, day.isoformat(), net, gross,
                                             f"invoices/{number}.pdf"))

    def _flush(self) -> None:
        for table, rows in self.rows.items():
            flush(self.con, table, rows, self.counts)

    def _customers(self, count: int) -> None:
        rng = self.rng
        rnd, choice = rng.random, rng.choice
        base = 10 ** (number_width(count) - 1)
        self.customer_count = count
        self.customer_country = bytearray(count)
        rows: list[tuple] = []
        for i in range(count):
            female = rnd() < 0.5
            first = choice(W.FEMALE_FIRST if female else W.MALE_FIRST)
            last = choice(W.LAST_NAMES)
            roll = rnd()
            country, cities = ("DE", W.DE_CITIES) if roll < 0.94 else (
                ("AT", W.AT_CITIES) if roll < 0.98 else ("CH", W.CH_CITIES))
            self.customer_country[i] = ("DE", "AT", "CH").index(country)
            zip_code, city = choice(cities)
            pattern = int(rnd() * 4)
            f, la = _ascii(first), _ascii(last)
            local = (f"{f}.{la}", f"{f[0]}.{la}", f"{f}{la}{60 + int(rnd() * 40)}",
                     f"{la}.{f}")[pattern]
            phone = None
            if country == "DE" and rnd() < 0.6:
                area, block = choice(W.DE_PHONE_BLOCKS)
                phone = f"+49 {area} {block}{int(rnd() * 1000):03d}"
            rows.append((
                f"K-{base + i + 1}",
                None if rnd() < 0.03 else ("Frau" if female else "Herr"), first, last,
                choice(W.COMPANY_PATTERNS).format(last=last) if rnd() < 0.06 else None,
                f"{choice(W.STREETS)} {1 + int(rnd() * 120)}{'a' if rnd() < 0.05 else ''}",
                zip_code, city, country,
                f"{local}@{'example.com' if rnd() < 0.7 else 'example.org'}", phone))
            if len(rows) >= BATCH_SIZE:
                flush(self.con, "customer", rows, self.counts)
        flush(self.con, "customer", rows, self.counts)
        self.customer_base = base

    def _status(self, age: int) -> str:
        rnd = self.rng.random
        if rnd() < 0.03:
            return "cancelled"
        roll = rnd()
        open_, shipped = ((1.0, 0.0) if age == 0 else (0.6, 0.3) if age == 1 else
                          (0.15, 0.45) if age <= 3 else (0.02, 0.08) if age <= 14 else
                          (0.003, 0.01))
        return "open" if roll < open_ else "shipped" if roll < open_ + shipped else "invoiced"

    def _lines(self, shop: bool) -> list[tuple[int, int, int, int]]:
        """(article index, quantity, gross unit cents, VAT %) for 1-4 distinct articles."""
        rnd = self.rng.random
        prices = self.prices
        count = len(prices.vat)
        a, b = self.perm
        roll = rnd()
        wanted = 1 if roll < 0.55 else 2 if roll < 0.83 else 3 if roll < 0.95 else 4
        chosen: list[int] = []
        lines = []
        for _ in range(wanted):
            for _attempt in range(5):
                roll = rnd()
                index = (int(count * roll * roll) * a + b) % count
                if prices.active[index] and index not in chosen:
                    break
            if index in chosen:
                continue
            chosen.append(index)
            roll = rnd()
            unit = prices.vk2[index] if shop and rnd() < 0.15 else prices.vk1[index]
            quantity = 1 if roll < 0.8 or unit > 10000 else (
                2 if roll < 0.94 else 3 if roll < 0.98 else 5)
            lines.append((index, quantity, unit, prices.vat[index]))
        return lines

    def _order(self, day: dt.date, second: int, age: int) -> None:
        rng = self.rng
        rnd = rng.random
        roll = rnd()
        customer = int(self.customer_count * roll * sqrt(roll))
        amazon = rnd() < 0.6
        external = None
        if amazon:
            self.amazon_count += 1
            value = (self.amazon_count * self.amazon[0] + self.amazon[1]) % 10**14
            prefix = ("302", "303", "304", "305", "306", "028")[int(rnd() * 6)]
            external = f"{prefix}-{value // 10**7:07d}-{value % 10**7:07d}"
        status = self._status(age)
        lines = self._lines(shop=not amazon)
        goods = sum(quantity * unit for _, quantity, unit, _ in lines)
        country = self.customer_country[customer]
        if amazon:
            shipping = 0 if goods >= 2900 else 399
        elif country == 0:
            shipping = 0 if goods >= 5000 else 495
        else:
            shipping = 995 if country == 1 else 1495
        net = _net(shipping, 19) + sum(_net(q * u, vat) for _, q, u, vat in lines)
        order_no = self.order_no(day)
        width = self.prices.width
        for line_no, (index, quantity, unit, vat) in enumerate(lines, 1):
            self.rows["order_line"].append((order_no, line_no,
                                            f"A-{10 ** (width - 1) + index + 1}", quantity,
                                            unit / 100, float(vat)))
        if status in ("shipped", "invoiced"):
            shipped = self._ship_time(day, second)
            if shipped is None:
                status = "open"
            else:
                self._shipments(order_no, shipped, split=len(lines) > 1 and rnd() < 0.03)
            if shipped is not None and status == "invoiced":
                self._pend(shipped[0], shipped[1] + 1, order_no, None, net / 100,
                           (goods + shipping) / 100)
        self.rows["sales_order"].append((
            order_no, f"K-{self.customer_base + customer + 1}", stamp(day, second),
            "amazon-de" if amazon else "shop", external, status, "EUR", net / 100,
            (goods + shipping) / 100, shipping / 100))

    def _ship_time(self, day: dt.date, second: int) -> tuple[dt.date, int] | None:
        """When the parcel left (warehouse hours, never after yesterday), or None."""
        rnd = self.rng.random
        roll = rnd()
        shipped = min(day + dt.timedelta(days=0 if roll < 0.55 else 1 if roll < 0.9 else 2),
                      self.last_ship_day)
        at = 32400 + int(rnd() * 32400)
        if shipped == day:
            if second > 61200:
                shipped += dt.timedelta(days=1)
            else:
                at = max(at, second + 1800 + int(rnd() * 3600))
        if shipped.weekday() == 6:  # no parcels on Sundays
            shipped += dt.timedelta(days=1)
        if shipped < day or shipped > self.last_ship_day:
            return None
        return shipped, at

    def _shipments(self, order_no: str, shipped: tuple[dt.date, int], split: bool) -> None:
        rnd = self.rng.random
        parcels = [shipped]
        if split:
            later = min(shipped[0] + dt.timedelta(days=1 + int(rnd() * 3)), self.last_ship_day)
            parcels.append((later, min(shipped[1] + 3600, 86399) if later == shipped[0]
                            else 32400 + int(rnd() * 32400)))
        for day, at in parcels:
            carrier = _CARRIERS[bisect.bisect_right(_CARRIER_CUM, int(rnd() * 100))]
            self._pend(day, at, order_no, carrier, None, None)

    def _pend(self, day: dt.date, at: int, order_no: str, carrier: str | None,
              net: float | None, gross: float | None) -> None:
        """Queue a shipment (with ``carrier``) or an invoice for ``_number_documents``."""
        self.sequence += 1
        self.pending.append((day, at, self.sequence, order_no, carrier, net, gross))

    def _tracking(self, carrier: str) -> str:
        """A carrier-plausible tracking number (ascending per carrier, so unique)."""
        self.tracking[carrier] += 1 + int(self.rng.random() * 37)
        n = self.tracking[carrier]
        if carrier == "DHL":
            return f"{n:012d}"
        if carrier == "DPD":
            return f"0{n:013d}"
        if carrier == "Hermes":
            return f"H10{n:017d}"
        if carrier == "GLS":
            return f"{n:011d}"
        return f"1Z{self.ups_account}68{n:08d}"
