"""A deterministic demo ERP database on SQLite, for a German shop.

``generate_erp`` writes articles with stock and, unless ``with_orders=False``, customers,
sales orders with lines, shipments and invoices for the last ``months`` months. The same
arguments (``seed`` and ``today`` included) give the same table contents.

Conventions that action SQL may rely on:

* Money is EUR with at most 2 decimals. ``vk1``, ``vk2`` and ``order_line.unit_price``
  are gross (VAT included); ``purchase_price`` is net; ``vat_rate`` is a percentage.
  ``total_gross`` = sum of ``quantity * unit_price`` + ``shipping_cost``; ``total_net``
  = sum of each line's net (rounded to the cent) + net shipping (19 %).
* Timestamps are shop-local ``YYYY-MM-DD HH:MM:SS`` (SQLite's own format);
  ``invoice_date`` is ``YYYY-MM-DD``. Nothing is later than ``today`` 08:00.
* Article numbers share one width per database (``A-100001`` for up to 899,999 articles,
  ``A-1000001`` beyond), so they sort like numbers. Variants of one model (sizes,
  colours) have consecutive numbers and share description and bullets.
* Deliberate data-quality gaps: ~2 % of articles without brand, ~1 % with an empty or
  NULL description, ~1 % without weight, ~0.5 % without images, ~0.5 % of stock rows
  with more reserved than in stock.
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import datetime as dt
import os
import random
import sqlite3
import time
import unicodedata
from array import array
from collections.abc import Iterator
from math import gcd

from server.demo import log
from server.demo import words as W

SCHEMA_VERSION = "1"
BATCH_SIZE = 5000
MAX_ORDERS = 50_000
ORDERS_PER_DAY = 45.0  # mean for 2,000 articles; grows with the square root of articles

_DDL = (
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE article(article_no TEXT PRIMARY KEY, ean TEXT NOT NULL, title TEXT NOT NULL,"
    " brand TEXT, description TEXT, bullet1 TEXT, bullet2 TEXT, bullet3 TEXT, bullet4 TEXT,"
    " bullet5 TEXT, colour TEXT, size TEXT, weight_kg REAL, purchase_price REAL, vk1 REAL,"
    " vk2 REAL, vat_rate REAL, category TEXT, image_main TEXT, image_other TEXT,"
    " active INTEGER NOT NULL DEFAULT 1, created_at TEXT, updated_at TEXT)",
    "CREATE TABLE stock(article_no TEXT PRIMARY KEY REFERENCES article,"
    " quantity INTEGER NOT NULL, reserved INTEGER NOT NULL, warehouse TEXT, updated_at TEXT)",
    "CREATE TABLE customer(customer_no TEXT PRIMARY KEY, salutation TEXT, first_name TEXT,"
    " last_name TEXT, company TEXT, street TEXT, zip TEXT, city TEXT, country TEXT,"
    " email TEXT, phone TEXT)",
    "CREATE TABLE sales_order(order_no TEXT PRIMARY KEY,"
    " customer_no TEXT REFERENCES customer, order_date TEXT, channel TEXT,"
    " external_order_id TEXT, status TEXT, currency TEXT, total_net REAL, total_gross REAL,"
    " shipping_cost REAL)",
    "CREATE TABLE order_line(order_no TEXT REFERENCES sales_order, line_no INTEGER,"
    " article_no TEXT REFERENCES article, quantity INTEGER, unit_price REAL, vat_rate REAL,"
    " PRIMARY KEY(order_no, line_no))",
    "CREATE TABLE shipment(shipment_no TEXT PRIMARY KEY, order_no TEXT REFERENCES sales_order,"
    " carrier TEXT, tracking_no TEXT, shipped_at TEXT)",
    "CREATE TABLE invoice(invoice_no TEXT PRIMARY KEY, order_no TEXT REFERENCES sales_order,"
    " invoice_date TEXT, total_net REAL, total_gross REAL, pdf_file TEXT)",
)
_INDEXES = (
    "CREATE INDEX ix_order_line_article_no ON order_line(article_no)",
    "CREATE INDEX ix_sales_order_order_date ON sales_order(order_date)",
    "CREATE INDEX ix_shipment_order_no ON shipment(order_no)",
    "CREATE INDEX ix_invoice_order_no ON invoice(order_no)",
)
_INSERT = {
    "article": "INSERT INTO article VALUES (" + ",".join("?" * 23) + ")",
    "stock": "INSERT INTO stock VALUES (?,?,?,?,?)",
    "customer": "INSERT INTO customer VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "sales_order": "INSERT INTO sales_order VALUES (?,?,?,?,?,?,?,?,?,?)",
    "order_line": "INSERT INTO order_line VALUES (?,?,?,?,?,?)",
    "shipment": "INSERT INTO shipment VALUES (?,?,?,?,?)",
    "invoice": "INSERT INTO invoice VALUES (?,?,?,?,?,?)",
}
TABLES = ("article", "stock", "customer", "sales_order", "order_line", "shipment", "invoice",
          "meta")

_CLOTHING_SIZES = frozenset({"alpha", "kids", "shoes", "socks", "caps", "gloves", "jeans"})
# Share of orders per hour of the day (people shop in the evening).
_HOURS = (2, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 8, 9, 8, 7, 7, 8, 9, 11, 13, 14, 12, 8, 4)
_HOUR_CUM = tuple(sum(_HOURS[: i + 1]) for i in range(24))
_WEEKDAY = (1.15, 1.0, 0.95, 0.95, 0.9, 0.85, 1.2)  # Monday .. Sunday
_CARRIERS = ("DHL", "DPD", "Hermes", "GLS", "UPS")
_CARRIER_CUM = (50, 65, 80, 92)  # DHL 50 %, DPD 15 %, Hermes 15 %, GLS 12 %, UPS 8 %


def generate_erp(path: str | os.PathLike, articles: int = 2000, seed: int = 42,
                 months: int = 4, today: dt.date | None = None,
                 with_orders: bool = True) -> dict[str, int]:
    """Write a demo ERP database to ``path`` (replacing it) and return rows per table."""
    if isinstance(articles, bool) or not isinstance(articles, int) or articles < 0:
        raise ValueError(f"articles must be a whole number >= 0, not {articles!r}")
    if isinstance(months, bool) or not isinstance(months, int) or months < 0:
        raise ValueError(f"months must be a whole number >= 0, not {months!r}")
    if today is None:
        today = dt.date.today()
    elif isinstance(today, dt.datetime):
        today = today.date()
    target = os.fspath(path)
    tmp = target + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    started = time.perf_counter()
    counts = dict.fromkeys(TABLES, 0)
    con = sqlite3.connect(tmp, isolation_level=None)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "locking_mode=EXCLUSIVE",
                       "temp_store=MEMORY"):
            con.execute("PRAGMA " + pragma)
        con.execute("BEGIN")
        for statement in _DDL:
            con.execute(statement)
        prices = _Prices(articles) if with_orders else None
        _write_articles(con, random.Random(seed), articles, today, counts, prices)
        if prices is not None and articles:
            orders = _Orders(con, random.Random(f"{seed}/orders"), today, months, prices,
                             counts)
            orders.run()
        for statement in _INDEXES:
            con.execute(statement)
        meta = {"schema_version": SCHEMA_VERSION, "seed": str(seed),
                "articles": str(articles), "months": str(months),
                "with_orders": "1" if with_orders else "0",
                "generated_for": today.isoformat()}
        con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        counts["meta"] = len(meta)
        con.execute("COMMIT")
    except BaseException:
        con.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    con.close()
    os.replace(tmp, target)
    log.info("demo ERP %s written in %.1f s: %s", target, time.perf_counter() - started,
             ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def ean_check_digit(first12: str) -> int:
    """Return the EAN-13 check digit for the first 12 digits."""
    odd = sum(map(int, first12[0::2]))
    even = sum(map(int, first12[1::2]))
    return (10 - (odd + 3 * even) % 10) % 10


def number_width(count: int) -> int:
    """Digits of the numbers ``10**(w-1) + 1 .. 10**(w-1) + count`` (at least 6)."""
    width = 6
    while 10 ** (width - 1) + count >= 10**width:
        width += 1
    return width


# --- small helpers ----------------------------------------------------------------------


def _bijection(rng: random.Random, modulus: int) -> tuple[int, int]:
    """Return (a, b) so that ``i -> (a*i + b) % modulus`` is a permutation."""
    a = rng.randrange(modulus // 10, modulus)
    while gcd(a, modulus) != 1:
        a += 1
    return a, rng.randrange(modulus)


def _charm(cents: int) -> int:
    """Round a gross price to a shop price: 4.49, 19.99, 149.00, 149.99."""
    euros, rest = divmod(cents, 100)
    if cents < 1000:
        return euros * 100 + (49 if rest < 50 else 99)
    if cents < 10000:
        return euros * 100 + (49 if rest < 25 else 99)
    tens = (cents + 500) // 1000
    return tens * 1000 - (100 if rest % 2 else 1)


def _net(gross_cents: int, vat: int) -> int:
    """Net cents of a gross amount, rounded half up."""
    return (gross_cents * 200 + 100 + vat) // (200 + 2 * vat)


_CLOCK = tuple(f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SECONDS = tuple(f"{s:02d}" for s in range(60))


def _stamp(day: dt.date, seconds: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` for a day and the seconds since midnight."""
    return f"{day.isoformat()} {_CLOCK[seconds // 60]}{_SECONDS[seconds % 60]}"


def _months_back(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _fit(text: str, low: int, high: int, filler: str) -> str:
    """Pad ``text`` with ``filler`` up to ``low`` characters, cut it at a word to ``high``."""
    while len(text) < low:
        text = f"{text} – {filler}"
    if len(text) > high:
        text = text[: high + 1].rsplit(" ", 1)[0].rstrip(" –,;:")
    return text


def _content_kg(size: str) -> float | None:
    """Kilograms in a size like '500 g', '1 kg' or '12 x 40 g'; None for other sizes."""
    number, _, unit = size.rpartition(" ")
    if unit not in ("g", "kg"):
        return None
    count, _, each = number.rpartition(" x ")
    grams = float(each) * (1000 if unit == "kg" else 1) * (int(count) if count else 1)
    return grams / 1000


# Shipping weight of food by pack size: contents plus packaging.
_PACKED = {size: round(kg * 1.08 + 0.01, 3) for sizes in W.SIZES.values() for size in sizes
           if (kg := _content_kg(size))}


class _Prices:
    """Per-article prices and flags the order generator needs (compact arrays)."""

    def __init__(self, count: int) -> None:
        self.vk1 = array("l", bytes(array("l").itemsize * count))
        self.vk2 = array("l", bytes(array("l").itemsize * count))
        self.vat = bytearray(count)
        self.active = bytearray(count)
        self.width = number_width(count)


# --- articles -------------------------------------------------------------------------


def _write_articles(con: sqlite3.Connection, rng: random.Random, count: int, today: dt.date,
                    counts: dict[str, int], prices: _Prices | None) -> None:
    batch_a: list[tuple] = []
    batch_s: list[tuple] = []
    for index, art, stock in _articles(rng, count, today):
        batch_a.append(art)
        batch_s.append(stock)
        if prices is not None:
            prices.vk1[index] = round(art[14] * 100)
            prices.vk2[index] = round(art[15] * 100)
            prices.vat[index] = int(art[16])
            prices.active[index] = art[20]
        if len(batch_a) >= BATCH_SIZE:
            _flush(con, "article", batch_a, counts)
            _flush(con, "stock", batch_s, counts)
    _flush(con, "article", batch_a, counts)
    _flush(con, "stock", batch_s, counts)


def _flush(con: sqlite3.Connection, table: str, rows: list[tuple],
           counts: dict[str, int]) -> None:
    if rows:
        con.executemany(_INSERT[table], rows)
        counts[table] += len(rows)
        rows.clear()


def _articles(rng: random.Random, count: int,
              today: dt.date) -> Iterator[tuple[int, tuple, tuple]]:
    """Yield (index, article row, stock row), model by model, variants consecutive."""
    rnd = rng.random
    width = number_width(count)
    base = 10 ** (width - 1)
    ean_a, ean_b = _bijection(rng, 10**9)
    index = 0
    while index < count:
        model = _model(rng, today)
        for colour in model["colours"]:
            for size_no, size in enumerate(model["sizes"]):
                if index >= count:
                    return
                no = f"A-{base + index + 1}"
                body = f"{400 + int(rnd() * 41)}{(index * ean_a + ean_b) % 10**9:09d}"
                weight = _PACKED.get(size) or model["weight"] * (
                    1 + model["weight_step"] * size_no)
                roll = rnd()
                description = model["description"]
                if roll < 0.005:
                    description = ""
                elif roll < 0.01:
                    description = None
                extra = int(rnd() * 5)
                images = (f"{no}_1.jpg", ";".join(f"{no}_{k}.jpg" for k in range(2, extra + 2))
                          or None)
                if rnd() < 0.005:
                    images = (None, None)
                cost, vk1, vk2 = model["prices"][size_no]
                created, created_time = model["created"], model["created_time"]
                updated = created + dt.timedelta(days=int(rnd() * (today - created).days))
                updated_time = 28800 + int(rnd() * 36000)
                if updated == created:
                    updated_time = max(updated_time, created_time + 60)
                yield index, (
                    no, body + str(ean_check_digit(body)), _title(model, colour, size),
                    None if rnd() < 0.02 else model["brand"], description, *model["bullets"],
                    colour, size, None if rnd() < 0.01 else round(max(weight, 0.01), 3),
                    cost / 100, vk1 / 100, vk2 / 100,
                    float(model["vat"]), model["path"], images[0], images[1],
                    0 if rnd() < 0.03 else 1, _stamp(created, created_time),
                    _stamp(updated, updated_time),
                ), (no, *_stock(rng), "Hauptlager" if rnd() < 0.85 else "Außenlager Süd",
                    _stamp(today - dt.timedelta(days=int(rnd() * 30)), int(rnd() * 28800)))
                index += 1


def _stock(rng: random.Random) -> tuple[int, int]:
    rnd = rng.random
    quantity = 0 if rnd() < 0.1 else min(999, 1 + int(rng.expovariate(1 / 40)))
    roll = rnd()
    if roll < 0.005:
        return quantity, quantity + 1 + int(rnd() * 5)
    if roll < 0.3 and quantity:
        return quantity, 1 + int(rnd() * min(quantity, 5))
    return quantity, 0


def _model(rng: random.Random, today: dt.date) -> dict:
    """Pick one product model: texts, prices and the list of variants."""
    rnd = rng.random
    choice = rng.choice
    path, kind_key, nouns, sizes_key, models_key, weights, costs = choice(W.CATEGORIES)
    kind = W.KINDS[kind_key]
    noun = choice(nouns)
    gender = choice(kind["genders"]) if kind["genders"] else None
    if "|" in noun:
        noun, tag = noun.split("|")
        gender = "Herren" if tag == "H" else "Damen"
    fill = {"noun": noun, "model": choice(W.MODELS[models_key]),
            "brand": choice(kind["brands"]), "material": choice(kind["materials"]),
            "feature": choice(kind["features"])}
    suffix = choice(kind["suffixes"])
    sizes: tuple = (None,)
    if sizes_key:
        all_sizes = W.SIZES[sizes_key]
        span = 1 + min(len(all_sizes) - 1, int(len(all_sizes) * rnd() ** 0.6))
        start = int(rnd() * (len(all_sizes) - span + 1))
        sizes = all_sizes[start:start + span]
    # (purchase, vk1, vk2) in cents per size; books have one fixed price (Buchpreisbindung)
    purchase = 100 * costs[0] * (costs[1] / costs[0]) ** rnd()
    markup = 1.6 + 0.9 * rnd()
    discount = 1.0 if kind_key in ("guide", "cookbook") else 0.90 + 0.05 * rnd()
    prices = []
    for size_no, size in enumerate(sizes):
        factor = 1.0
        if size in _PACKED:
            factor = (_PACKED[size] / _PACKED[sizes[0]]) ** 0.85
        elif sizes_key not in _CLOTHING_SIZES:
            factor = 1 + 0.3 * size_no
        cost = round(purchase * factor)
        vk1 = _charm(round(cost * markup))
        prices.append((cost, vk1, round(vk1 * discount)))
    colours: tuple = (None,)
    if kind["colours"]:
        colours = tuple(rng.sample(kind["colours"], 1 + int(rnd() ** 1.5 * 3)))
    bullets = [_fit(b.format(**fill), 60, 200, "Qualität, die überzeugt")
               for b in rng.sample(kind["bullets"], 5)]
    return {
        "path": path, "kind": kind_key, "kind_data": kind, "gender": gender,
        "suffix": suffix, "brand": fill["brand"], "fill": fill,
        "description": _description(rng, kind, fill), "bullets": bullets,
        "prices": prices, "vat": kind["vat"],
        "weight": weights[0] + (weights[1] - weights[0]) * rnd(),
        # clothes get a little heavier per size, litres, grams and persons a lot
        "weight_step": 0.04 if sizes_key in _CLOTHING_SIZES else 0.25,
        "created": today - dt.timedelta(days=20 + int(rnd() * 1500)),
        "created_time": 28800 + int(rnd() * 36000), "sizes": sizes, "colours": colours,
        "brand_first": rnd() < 0.4, "with_feature": rnd() < 0.5,
    }


def _description(rng: random.Random, kind: dict, fill: dict) -> str:
    """German product text of 300-1500 characters, in two or three paragraphs."""
    target = 305 + int(1095 * rng.random() ** 1.7)  # the count below errs by up to 2
    own = kind["sentences"]
    rest = own[1:] + W.GENERAL_SENTENCES
    # Walk the sentences from a random start with a random step coprime to their count:
    # a cheap way to visit each sentence once, in one of many orders.
    start, step = int(rng.random() * len(rest)), 1 + int(rng.random() * (len(rest) - 1))
    while gcd(step, len(rest)) != 1:
        step += 1
    pool = [own[0]] + [rest[(start + k * step) % len(rest)] for k in range(len(rest))]
    closing = rng.choice(W.CLOSING_SENTENCES).format(**fill)
    parts: list[str] = []
    length = len(closing) + 3
    for sentence in pool:
        text = sentence.format(**fill)
        if length + len(text) + 1 > 1500:
            continue
        parts.append(text)
        length += len(text) + 1
        if length >= target:
            break
    breaks = {len(parts) // 3, 2 * len(parts) // 3} if len(parts) >= 4 else {len(parts) - 1}
    text = "".join(("\n\n" if i in breaks else " ") + p if i else p
                   for i, p in enumerate(parts))
    return f"{text}\n\n{closing}"


def _title(model: dict, colour: str | None, size: str | None) -> str:
    """Shop title like 'Trekkingjacke Alpin Pro, Herren, Blau, Gr. L' (40-120 chars)."""
    fill = model["fill"]
    kind_key = model["kind"]
    brand = fill["brand"]
    if kind_key in ("guide", "cookbook"):
        head, parts = f"{fill['noun']} {fill['model']} – {fill['feature']}", []
    elif kind_key == "food":
        head, parts = f"{brand} {fill['noun']} {fill['model']}", [size]
    else:
        head = f"{fill['noun']} {fill['model']}{model['suffix']}"
        if model["brand_first"]:
            head = f"{brand} {head}"
        label = model["kind_data"]["size_label"]
        parts = [fill["feature"] if model["with_feature"] else None, model["gender"], colour,
                 f"{label}{size}" if size else None]
    title = ", ".join([head] + [p for p in parts if p])
    if len(title) < 40 and fill["feature"] not in title:
        title = f"{head}, {fill['feature']}" + title[len(head):]
    if len(title) < 40 and not title.startswith(brand):
        title = f"{brand} {title}"
    return _fit(title, 40, 120, W.TITLE_FILLERS[len(title) % len(W.TITLE_FILLERS)])


# --- customers and orders ---------------------------------------------------------------

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


class _Orders:
    """Customers, sales orders with lines, shipments and invoices."""

    def __init__(self, con: sqlite3.Connection, rng: random.Random, today: dt.date,
                 months: int, prices: _Prices, counts: dict[str, int]) -> None:
        self.con, self.rng, self.today, self.prices, self.counts = (
            con, rng, today, prices, counts)
        self.plan = self._plan(months) if months else []
        self.last_ship_day = today - dt.timedelta(days=1)
        self.perm = _bijection(rng, len(prices.vat))
        self.amazon = _bijection(rng, 10**14)
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

    def _plan(self, months: int) -> list[tuple[dt.date, int]]:
        """Orders per day from ``months`` ago until today (today only until 08:00)."""
        rnd = self.rng.random
        start = _months_back(self.today, months)
        days = (self.today - start).days
        mean = ORDERS_PER_DAY * (len(self.prices.vat) / 2000) ** 0.5
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
            age = (self.today - day).days
            limit = _HOUR_CUM[7] if age == 0 else _HOUR_CUM[-1]
            seconds = sorted(bisect.bisect_right(_HOUR_CUM, int(rnd() * limit)) * 3600
                             + int(rnd() * 3600) for _ in range(count))
            for second in seconds:
                self._order(day, second, age)
            if len(self.rows["sales_order"]) >= BATCH_SIZE:
                self._flush()
        self._flush()

    def _flush(self) -> None:
        for table, rows in self.rows.items():
            _flush(self.con, table, rows, self.counts)

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
                _flush(self.con, "customer", rows, self.counts)
        _flush(self.con, "customer", rows, self.counts)
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
                index = (int(count * rnd() ** 2.2) * a + b) % count
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
        customer = int(self.customer_count * rnd() ** 1.5)
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
                number = self.invoice_no(shipped[0])
                self.rows["invoice"].append((number, order_no, shipped[0].isoformat(),
                                             net / 100, (goods + shipping) / 100,
                                             f"invoices/{number}.pdf"))
        self.rows["sales_order"].append((
            order_no, f"K-{self.customer_base + customer + 1}", _stamp(day, second),
            "amazon-de" if amazon else "shop", external, status, "EUR", net / 100,
            (goods + shipping) / 100, shipping / 100))

    def _ship_time(self, day: dt.date, second: int) -> tuple[dt.date, int] | None:
        """When the parcel left (warehouse hours, never after yesterday), or None."""
        rnd = self.rng.random
        roll = rnd()
        shipped = day + dt.timedelta(days=0 if roll < 0.55 else 1 if roll < 0.9 else 2)
        if shipped.weekday() == 6:
            shipped += dt.timedelta(days=1)
        shipped = min(shipped, self.last_ship_day)
        at = 32400 + int(rnd() * 32400)
        if shipped == day:
            if second > 61200:
                shipped += dt.timedelta(days=1)
            else:
                at = max(at, second + 1800 + int(rnd() * 3600))
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
            self.rows["shipment"].append((self.shipment_no(day), order_no, carrier,
                                          self._tracking(carrier), _stamp(day, at)))

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
