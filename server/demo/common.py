"""Helpers shared by the article (``erp``) and order (``orders``) parts of the demo ERP."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from math import gcd

BATCH_SIZE = 5000  # rows collected per table before they are inserted
INSERT = {
    "article": "INSERT INTO article VALUES (" + ",".join("?" * 23) + ")",
    "stock": "INSERT INTO stock VALUES (?,?,?,?,?)",
    "customer": "INSERT INTO customer VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "sales_order": "INSERT INTO sales_order VALUES (?,?,?,?,?,?,?,?,?,?)",
    "order_line": "INSERT INTO order_line VALUES (?,?,?,?,?,?)",
    "shipment": "INSERT INTO shipment VALUES (?,?,?,?,?)",
    "invoice": "INSERT INTO invoice VALUES (?,?,?,?,?,?)",
}


def number_width(count: int) -> int:
    """Digits of the numbers ``10**(w-1) + 1 .. 10**(w-1) + count`` (at least 6)."""
    width = 6
    while 10 ** (width - 1) + count >= 10**width:
        width += 1
    return width


def bijection(rng: random.Random, modulus: int) -> tuple[int, int]:
    """Return (a, b) so that ``i -> (a*i + b) % modulus`` is a permutation."""
    a = rng.randrange(modulus // 10, modulus)
    while gcd(a, modulus) != 1:
        a += 1
    return a, rng.randrange(modulus)


_CLOCK = tuple(f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SECONDS = tuple(f"{s:02d}" for s in range(60))


def stamp(day: dt.date, seconds: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` for a day and the seconds since midnight."""
    return f"{day.isoformat()} {_CLOCK[seconds // 60]}{_SECONDS[seconds % 60]}"


def flush(con: sqlite3.Connection, table: str, rows: list[tuple],
          counts: dict[str, int]) -> None:
    """Insert ``rows`` into ``table``, count them and empty the list."""
    if rows:
        con.executemany(INSERT[table], rows)
        counts[table] += len(rows)
        rows.clear()
