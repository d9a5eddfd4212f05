"""A deterministic demo ERP database on SQLite, for a German shop.

``generate_erp`` writes articles with stock and, unless ``with_orders=False``, customers,
sales orders with lines, shipments and invoices for the last ``months`` months. The same
arguments (``seed`` and ``today`` included) give the same table contents. Articles and
stock are made here, customers and everything order-related in ``server.demo.orders``.

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

Only IEEE-exact float operations (+ - * / sqrt) shape the random numbers, no ``pow`` or
``log`` from the C library, so the data are the same on every platform.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from math import gcd, sqrt

from server.demo import log
from server.demo import words as W
from server.demo.common import BATCH_SIZE, bijection, flush, number_width, stamp
from server.demo.orders import Orders, Prices

SCHEMA_VERSION = "1"

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
TABLES = ("article", "stock", "customer", "sales_order", "order_line", "shipment", "invoice",
          "meta")

_CLOTHING_SIZES = frozenset({"alpha", "kids", "shoes", "socks", "caps", "gloves", "jeans"})


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
        prices = Prices(articles) if with_orders else None
        _write_articles(con, random.Random(seed), articles, today, counts, prices)
        if prices is not None and articles:
            Orders(con, random.Random(f"{seed}/orders"), today, months, prices, counts).run()
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


# --- small helpers ----------------------------------------------------------------------


def _charm(cents: int) -> int:
    """Round a gross price to a shop price: 4.49, 19.99, 149.00, 149.99."""
    euros, rest = divmod(cents, 100)
    if cents < 1000:
        return euros * 100 + (49 if rest < 50 else 99)
    if cents < 10000:
        return euros * 100 + (49 if rest < 25 else 99)
    tens = (cents + 500) // 1000
    return tens * 1000 - (100 if rest % 2 else 1)


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


# --- articles -------------------------------------------------------------------------


def _write_articles(con: sqlite3.Connection, rng: random.Random, count: int, today: dt.date,
                    counts: dict[str, int], prices: Prices | None) -> None:
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
            flush(con, "article", batch_a, counts)
            flush(con, "stock", batch_s, counts)
    flush(con, "article", batch_a, counts)
    flush(con, "stock", batch_s, counts)


def _articles(rng: random.Random, count: int,
              today: dt.date) -> Iterator[tuple[int, tuple, tuple]]:
    """Yield (index, article row, stock row), model by model, variants consecutive."""
    rnd = rng.random
    width = number_width(count)
    base = 10 ** (width - 1)
    ean_a, ean_b = bijection(rng, 10**9)
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
                    0 if rnd() < 0.03 else 1, stamp(created, created_time),
                    stamp(updated, updated_time),
                ), (no, *_stock(rng), "Hauptlager" if rnd() < 0.85 else "Außenlager Süd",
                    stamp(today - dt.timedelta(days=int(rnd() * 30)), int(rnd() * 28800)))
                index += 1


def _stock(rng: random.Random) -> tuple[int, int]:
    rnd = rng.random
    roll = rnd()
    roll *= roll
    quantity = 0 if rnd() < 0.1 else 1 + int(250 * roll * roll)  # median 16, mean 50
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
        span = 1 + min(len(all_sizes) - 1, int(len(all_sizes) * sqrt(rnd())))
        start = int(rnd() * (len(all_sizes) - span + 1))
        sizes = all_sizes[start:start + span]
    # (purchase, vk1, vk2) in cents per size; books have one fixed price (Buchpreisbindung)
    roll = rnd()
    purchase = 100 * (costs[0] + (costs[1] - costs[0]) * roll * roll)
    markup = 1.6 + 0.9 * rnd()
    discount = 1.0 if kind_key in ("guide", "cookbook") else 0.90 + 0.05 * rnd()
    prices = []
    for size_no, size in enumerate(sizes):
        factor = 1.0
        if size in _PACKED:
            factor = 0.15 + 0.85 * _PACKED[size] / _PACKED[sizes[0]]  # bulk is cheaper
        elif sizes_key not in _CLOTHING_SIZES:
            factor = 1 + 0.3 * size_no
        cost = round(purchase * factor)
        vk1 = _charm(round(cost * markup))
        prices.append((cost, vk1, round(vk1 * discount)))
    colours: tuple = (None,)
    if kind["colours"]:
        roll = rnd()
        colours = tuple(rng.sample(kind["colours"], 1 + int(roll * sqrt(roll) * 3)))
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
    roll = rng.random()
    target = 305 + int(1095 * roll * sqrt(roll))  # the count below errs by up to 2
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
