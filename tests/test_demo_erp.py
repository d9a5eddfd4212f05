"""The demo ERP generator: schema contract, determinism, consistency, file handling."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from server.demo import erp
from server.demo.erp import ean_check_digit, generate_erp, number_width

TODAY = dt.date(2026, 3, 15)
ORDER_TABLES = ("customer", "sales_order", "order_line", "shipment", "invoice")


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(path)) as con:
        yield con


def dump(path: Path) -> list[str]:
    with connect(path) as con:
        return list(con.iterdump())


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """300 articles with four months of orders, shared by the read-only tests."""
    path = tmp_path_factory.mktemp("erp") / "erp.db"
    return path, generate_erp(path, articles=300, seed=7, today=TODAY)


def test_counts_match_tables(small: tuple[Path, dict[str, int]]) -> None:
    path, counts = small
    with connect(path) as con:
        for table, count in counts.items():
            assert con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count
        meta = dict(con.execute("SELECT key, value FROM meta"))
    assert counts["article"] == counts["stock"] == 300
    assert all(counts[table] > 0 for table in ORDER_TABLES)
    assert meta["schema_version"] == "1"
    assert (meta["seed"], meta["articles"], meta["generated_for"]) == ("7", "300", "2026-03-15")


def test_schema_columns(small: tuple[Path, dict[str, int]]) -> None:
    path, _ = small
    with connect(path) as con:
        columns = [row[1] for row in con.execute("PRAGMA table_info(article)")]
        indexes = {row[0] for row in con.execute(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    assert columns == [
        "article_no", "ean", "title", "brand", "description", "bullet1", "bullet2", "bullet3",
        "bullet4", "bullet5", "colour", "size", "weight_kg", "purchase_price", "vk1", "vk2",
        "vat_rate", "category", "image_main", "image_other", "active", "created_at",
        "updated_at"]
    assert indexes == {"order_line", "sales_order", "shipment", "invoice"}


def test_same_seed_same_data(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    assert generate_erp(first, 120, seed=3, months=2, today=TODAY) == generate_erp(
        second, 120, seed=3, months=2, today=TODAY)
    assert dump(first) == dump(second)


def test_other_seed_other_data(tmp_path: Path) -> None:
    generate_erp(tmp_path / "a.db", 120, seed=3, months=2, today=TODAY)
    generate_erp(tmp_path / "b.db", 120, seed=4, months=2, today=TODAY)
    assert dump(tmp_path / "a.db") != dump(tmp_path / "b.db")


def test_articles_do_not_depend_on_orders(tmp_path: Path) -> None:
    generate_erp(tmp_path / "a.db", 150, seed=5, today=TODAY)
    generate_erp(tmp_path / "b.db", 150, seed=5, today=TODAY, with_orders=False)
    for table in ("article", "stock"):
        query = f"SELECT * FROM {table} ORDER BY 1"
        with connect(tmp_path / "a.db") as a, connect(tmp_path / "b.db") as b:
            assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_eans_valid_and_unique(small: tuple[Path, dict[str, int]]) -> None:
    path, _ = small
    with connect(path) as con:
        eans = [row[0] for row in con.execute("SELECT ean FROM article")]
    assert len(set(eans)) == len(eans)
    for ean in eans:
        assert len(ean) == 13 and ean.isdigit()
        assert 400 <= int(ean[:3]) <= 440
        assert int(ean[12]) == ean_check_digit(ean[:12])


def test_check_digit_known_value() -> None:
    assert ean_check_digit("400638133393") == 1  # 4006381333931


MONEY = {
    "article": ("purchase_price", "vk1", "vk2"),
    "sales_order": ("total_net", "total_gross", "shipping_cost"),
    "order_line": ("unit_price",),
    "invoice": ("total_net", "total_gross"),
}


def test_money_has_at_most_two_decimals(small: tuple[Path, dict[str, int]]) -> None:
    path, _ = small
    with connect(path) as con:
        for table, columns in MONEY.items():
            for row in con.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                for value in row:
                    assert isinstance(value, float), (table, row)
                    assert len(repr(value).split(".")[1]) <= 2, (table, row)


def test_prices_are_plausible(small: tuple[Path, dict[str, int]]) -> None:
    path, _ = small
    with connect(path) as con:
        rows = con.execute(
            "SELECT purchase_price, vk1, vk2, vat_rate, category FROM article").fetchall()
    for purchase, vk1, vk2, vat, category in rows:
        assert 0 < purchase < vk1
        assert 0.89 * vk1 <= vk2 <= vk1
        assert round(vk1 * 100) % 100 in (0, 49, 99)
        assert vat == (7.0 if category.startswith(("Bücher", "Lebensmittel")) else 19.0)


def test_order_totals_match_lines(small: tuple[Path, dict[str, int]]) -> None:
    path, _ = small
    with connect(path) as con:
        lines: dict[str, list[tuple[int, int, float]]] = {}
        for order_no, quantity, unit, vat in con.execute(
                "SELECT order_no, quantity, unit_price, vat_rate FROM order_line"):
            lines.setdefault(order_no, []).append((quantity, round(unit * 100), int(vat)))
        orders = con.execute(
            "SELECT order_no, total_net, total_gross, shipping_cost FROM sales_order").fetchall()
        invoices = con.execute(
            "SELECT i.total_net, i.total_gross, o.total_net, o.total_gross"
            " FROM invoice i JOIN sales_order o USING (order_no)").fetchall()
    assert len(orders) == len(lines)

    def net(cents: int, vat: int) -> int:
        value = Decimal(cents) * 100 / (100 + vat)
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    for order_no, total_net, total_gross, shipping in orders:
        shipping_cents = round(shipping * 100)
        gross = sum(q * unit for q, unit, _ in lines[order_no]) + shipping_cents
        expected_net = sum(net(q * unit, vat) for q, unit, vat in lines[order_no])
        assert round(total_gross * 100) == gross, order_no
        assert round(total_net * 100) == expected_net + net(shipping_cents, 19), order_no
    for invoice_net, invoice_gross, order_net, order_gross in invoices:
        assert (invoice_net, invoice_gross) == (order_net, order_gross)


def test_shipments_and_invoices_follow_status(small: tuple[Path, dict[str, int]]) -> None:
    path, _ = small
    with connect(path) as con:
        status = dict(con.execute("SELECT order_no, status FROM sales_order"))
        ordered = dict(con.execute("SELECT order_no, order_date FROM sales_order"))
        shipments = con.execute("SELECT order_no, carrier, shipped_at FROM shipment").fetchall()
        invoiced = [row[0] for row in con.execute("SELECT order_no FROM invoice")]
        lines = con.execute("SELECT COUNT(*) FROM order_line l LEFT JOIN article a"
                            " USING (article_no) WHERE a.article_no IS NULL").fetchone()[0]
    shipped = {order_no for order_no, _, _ in shipments}
    assert shipped == {o for o, s in status.items() if s in ("shipped", "invoiced")}
    assert sorted(invoiced) == sorted(o for o, s in status.items() if s == "invoiced")
    assert set(status.values()) == {"open", "shipped", "invoiced", "cancelled"}
    assert lines == 0
    for order_no, carrier, shipped_at in shipments:
        assert carrier in ("DHL", "DPD", "Hermes", "GLS", "UPS")
        assert ordered[order_no] < shipped_at < "2026-03-15"
    assert max(ordered.values()) < "2026-03-15 08:00:00"
    assert min(ordered.values()) >= "2025-11-15"


@pytest.mark.parametrize("table, number, when", [
    ("sales_order", "order_no", "order_date"),
    ("shipment", "shipment_no", "shipped_at"),
    ("invoice", "invoice_no", "invoice_date"),
])
def test_document_numbers_ascend_with_time(small: tuple[Path, dict[str, int]], table: str,
                                           number: str, when: str) -> None:
    path, _ = small
    with connect(path) as con:
        rows = con.execute(f"SELECT {number}, {when} FROM {table} ORDER BY 1").fetchall()
    years = {no[-11:-7] for no, _ in rows}
    assert years == {"2025", "2026"}
    for year in years:
        dates = [date for no, date in rows if no[-11:-7] == year]
        assert dates == sorted(dates) and all(d.startswith(year) for d in dates)


def test_orders_look_like_a_shop(small: tuple[Path, dict[str, int]]) -> None:
    path, _ = small
    with connect(path) as con:
        channels = dict(con.execute("SELECT channel, COUNT(*) FROM sales_order GROUP BY 1"))
        external = con.execute("SELECT channel, external_order_id FROM sales_order").fetchall()
        emails = [row[0] for row in con.execute("SELECT email FROM customer")]
        countries = {row[0] for row in con.execute("SELECT country FROM customer")}
    assert set(channels) == {"amazon-de", "shop"}
    assert 0.5 < channels["amazon-de"] / sum(channels.values()) < 0.7
    for channel, external_id in external:
        if channel == "shop":
            assert external_id is None
        else:
            parts = external_id.split("-")
            assert [len(p) for p in parts] == [3, 7, 7] and "".join(parts).isdigit()
    assert all(e.endswith(("@example.com", "@example.org")) and e.isascii() for e in emails)
    assert countries == {"DE", "AT", "CH"}


def test_many_articles_without_orders(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    counts = generate_erp(path, articles=20_000, seed=1, today=TODAY, with_orders=False)
    assert counts["article"] == counts["stock"] == 20_000
    assert all(counts[table] == 0 for table in ORDER_TABLES)
    with connect(path) as con:
        numbers = [row[0] for row in con.execute("SELECT article_no FROM article")]
        stats = con.execute(
            "SELECT MIN(LENGTH(title)), MAX(LENGTH(title)),"
            " SUM(brand IS NULL), SUM(description IS NULL OR description = ''),"
            " SUM(active = 0), SUM(size IS NULL), COUNT(DISTINCT brand),"
            " COUNT(DISTINCT category) FROM article").fetchone()
        lengths = con.execute(
            "SELECT MIN(LENGTH(description)), MAX(LENGTH(description)) FROM article"
            " WHERE description <> ''").fetchone()
        bullets = con.execute(
            "SELECT MIN(MIN(LENGTH(bullet1), LENGTH(bullet2), LENGTH(bullet3),"
            " LENGTH(bullet4), LENGTH(bullet5))), MAX(MAX(LENGTH(bullet1), LENGTH(bullet2),"
            " LENGTH(bullet3), LENGTH(bullet4), LENGTH(bullet5))) FROM article").fetchone()
        stock = con.execute("SELECT SUM(quantity = 0), SUM(reserved > quantity),"
                            " SUM(reserved < 0) FROM stock").fetchone()
    assert numbers == [f"A-{100001 + i}" for i in range(20_000)]
    assert 40 <= stats[0] and stats[1] <= 120
    assert 200 < stats[2] < 600  # ~2 % without brand
    assert 100 < stats[3] < 320  # ~1 % without description
    assert 400 < stats[4] < 800  # ~3 % inactive
    assert stats[5] > 0 and stats[6] >= 25 and stats[7] >= 40
    assert 300 <= lengths[0] and lengths[1] <= 1500
    assert 60 <= bullets[0] and bullets[1] <= 200
    assert 1500 < stock[0] < 2500 and 40 < stock[1] < 200 and stock[2] == 0


def test_number_width() -> None:
    assert [number_width(n) for n in (0, 2000, 899_999, 900_000, 1_000_000)] == [6, 6, 6, 7, 7]


def test_replaces_existing_file_and_leaves_no_tmp(tmp_path: Path) -> None:
    path = tmp_path / "erp.db"
    path.write_text("not a database")
    Path(f"{path}.tmp").write_text("left over from a crash")
    generate_erp(str(path), articles=20, seed=2, months=1, today=TODAY)
    assert not Path(f"{path}.tmp").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["erp.db"]
    with connect(path) as con:
        assert con.execute("SELECT COUNT(*) FROM article").fetchone()[0] == 20


def test_failure_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "erp.db"
    path.write_text("old")
    monkeypatch.setattr(erp, "_INDEXES", ("CREATE INDEX broken ON nowhere(x)",))
    with pytest.raises(sqlite3.OperationalError):
        generate_erp(path, articles=10, months=1, today=TODAY)
    assert path.read_text() == "old"
    assert not Path(f"{path}.tmp").exists()


def test_edge_cases(tmp_path: Path) -> None:
    counts = generate_erp(tmp_path / "empty.db", articles=0, today=TODAY)
    assert counts["article"] == 0 and counts["sales_order"] == 0
    counts = generate_erp(tmp_path / "none.db", articles=5, months=0, today=TODAY)
    assert counts["article"] == 5 and counts["sales_order"] == 0
    counts = generate_erp(tmp_path / "one.db", articles=1, months=1)  # today: the clock
    assert counts["article"] == 1 and counts["sales_order"] > 0
    for bad in ({"articles": -1}, {"months": -2}, {"articles": 2.5}):
        with pytest.raises(ValueError):
            generate_erp(tmp_path / "bad.db", **bad)
