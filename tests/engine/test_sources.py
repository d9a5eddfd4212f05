"""The sources: CSV and XLSX files written here, SQL on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import gc
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from server.actions.model import FileSource, SqlSource
from server.engine.base import SOURCES
from server.engine.sources import csvfile
from server.engine.sources.csvfile import sniff_delimiter
from server.errors import SourceError

FakeContext = Any  # tests/engine/conftest.py: a RunContext for tests


def read_all(reader) -> list[tuple]:
    try:
        return [row for batch in reader.batches() for row in batch]
    finally:
        reader.close()


def csv_reader(ctx: FakeContext, content: bytes, **options):
    (ctx.root / "in.csv").write_bytes(content)
    return SOURCES["csv"](FileSource(kind="csv", file="in.csv", **options), ctx)


# -- CSV ------------------------------------------------------------------------------


def test_csv_bom_semicolon_umlauts_and_quoted_newlines(ctx: FakeContext) -> None:
    content = (
        "\ufeffArtikel;Bezeichnung;Preis\r\n"
        'A-1;"Größe ""XL""; blau";19,99\r\n'
        'A-2;"zwei\r\nZeilen";\r\n'
        "Ä-3;Übergröße;5\r\n"
    ).encode()
    reader = csv_reader(ctx, content)
    assert reader.columns == ["Artikel", "Bezeichnung", "Preis"]
    assert reader.count() is None
    assert read_all(reader) == [
        ("A-1", 'Größe "XL"; blau', "19,99"),
        ("A-2", "zwei\r\nZeilen", ""),
        ("Ä-3", "Übergröße", "5"),
    ]


def test_csv_comma_sniffing_header_row_and_ragged_rows(ctx: FakeContext) -> None:
    content = (
        b"Price list; exported 2024-05-31\n"
        b"\n"
        b'sku,title,price,"a;b"\n'
        b"A-1,Shirt,19.99,x\n"
        b"\n"
        b"A-2,Short\n"
        b"A-3,Trailing,1,y,,\n"
    )
    reader = csv_reader(ctx, content, header_row=3)
    assert reader.delimiter == ","
    assert reader.columns == ["sku", "title", "price", "a;b"]
    assert read_all(reader) == [
        ("A-1", "Shirt", "19.99", "x"),
        ("A-2", "Short", None, None),
        ("A-3", "Trailing", "1", "y"),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a;b;c", ";"),
        ("a,b,c", ","),
        ("a\tb\tc", "\t"),
        ("a|b|c", "|"),
        ('"x,y";b;c', ";"),
        ("a,b;c", ";"),  # a tie goes to the semicolon
        ("only", csvfile.ONE_COLUMN),
    ],
)
def test_sniff_delimiter(line: str, expected: str) -> None:
    assert sniff_delimiter(line) == expected


def test_csv_explicit_delimiter_and_encoding(ctx: FakeContext) -> None:
    content = "sku\tname\nA-1\tMüller, Hans\n".encode("cp1252")
    reader = csv_reader(ctx, content, delimiter="tab", encoding="cp1252")
    assert read_all(reader) == [("A-1", "Müller, Hans")]


def test_csv_single_column_keeps_commas(ctx: FakeContext) -> None:
    reader = csv_reader(ctx, b"description\nred, blue; green\n")
    assert reader.columns == ["description"]
    assert read_all(reader) == [("red, blue; green",)]


def test_csv_batches(ctx: FakeContext) -> None:
    content = "sku;n\n" + "".join(f"A-{i};{i}\n" for i in range(2500))
    reader = csv_reader(ctx, content.encode())
    sizes = [len(batch) for batch in reader.batches()]
    reader.close()
    assert sizes == [1000, 1000, 500]


def test_csv_too_many_fields_names_file_and_line(ctx: FakeContext) -> None:
    reader = csv_reader(ctx, b'sku;price\nA-1;1\n"A\n2";2;lost\n')
    with pytest.raises(SourceError) as info:
        read_all(reader)
    assert info.value.line == 3
    assert info.value.file == str(ctx.root / "in.csv")
    assert "line 3" in str(info.value) and "'lost'" in str(info.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"sku;price;sku\n", "names column 'sku' twice (columns 1 and 3)"),
        (b"sku;;price\n", "column 2 of the header has no name"),
        (b"sku;price;\n", "a delimiter at the end of the header?"),
    ],
)
def test_csv_bad_header(ctx: FakeContext, header: bytes, expected: str) -> None:
    with pytest.raises(SourceError) as info:
        csv_reader(ctx, header + b"1;2;3\n")
    assert expected in str(info.value)
    assert "in.csv, line 1" in str(info.value)


def test_csv_decode_error_names_line_and_byte_offset(ctx: FakeContext) -> None:
    content = b"sku;name\n" + b"A-1;ok\n" * 5000 + b"A-2;M\xfcller\n"
    reader = csv_reader(ctx, content)
    with pytest.raises(SourceError) as info:
        read_all(reader)
    offset = content.index(b"\xfc")
    assert info.value.line == 5002
    assert info.value.offset == offset
    assert f"byte offset {offset}" in str(info.value) and "fc" in str(info.value)


def test_csv_missing_file_and_short_file(ctx: FakeContext) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        SOURCES["csv"](FileSource(kind="csv", file="nope.csv"), ctx)
    with pytest.raises(SourceError, match="ends before the header"):
        csv_reader(ctx, b"a;b\n", header_row=4)


# -- XLSX ------------------------------------------------------------------------------


def write_workbook(path: Path) -> None:
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "not the data"
    sheet = book.create_sheet("Prices")
    # Data starts in row 3; rows 1-2 are empty, so calamine's used range starts lower.
    sheet.append([])
    sheet.append([])
    sheet.append(["sku", "price", "stock", "since", "updated", 2024, "active"])
    sheet.append(
        ["A-1", 19.99, 5, dt.date(2024, 5, 31), dt.datetime(2024, 5, 31, 14, 5), "x", True]
    )
    sheet.append([])
    sheet.append(["A-2", None, 0, None, None, None, False])
    sheet.append(["A-3", 1e20, -3, None, None, 1.5, None])
    book.save(path)


def test_xlsx_types_header_row_and_sheet(ctx: FakeContext) -> None:
    write_workbook(ctx.root / "in.xlsx")
    reader = SOURCES["xlsx"](
        FileSource(kind="xlsx", file="in.xlsx", sheet="Prices", header_row=3), ctx
    )
    assert reader.columns == ["sku", "price", "stock", "since", "updated", "2024", "active"]
    assert reader.count() == 4
    rows = read_all(reader)
    assert rows == [
        ("A-1", 19.99, 5, dt.date(2024, 5, 31), dt.datetime(2024, 5, 31, 14, 5), "x", True),
        ("A-2", None, 0, None, None, None, False),
        ("A-3", 10**20, -3, None, None, 1.5, None),
    ]
    assert type(rows[0][2]) is int and type(rows[0][1]) is float


def test_xlsx_first_sheet_by_default(ctx: FakeContext) -> None:
    write_workbook(ctx.root / "in.xlsx")
    reader = SOURCES["xlsx"](FileSource(kind="xlsx", file="in.xlsx"), ctx)
    assert reader.columns == ["not the data"]
    assert read_all(reader) == []


def test_xlsx_unknown_sheet_lists_sheets(ctx: FakeContext) -> None:
    write_workbook(ctx.root / "in.xlsx")
    with pytest.raises(SourceError) as info:
        SOURCES["xlsx"](FileSource(kind="xlsx", file="in.xlsx", sheet="prices"), ctx)
    assert "no sheet 'prices' (did you mean 'Prices'?)" in str(info.value)
    assert "the sheets are: Notes, Prices" in str(info.value)


def test_xlsx_errors_name_the_cell(ctx: FakeContext) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["sku", "price", None, "sku"])
    book.save(ctx.root / "dup.xlsx")
    with pytest.raises(SourceError, match="header cell C1 of sheet 'Sheet' is empty"):
        SOURCES["xlsx"](FileSource(kind="xlsx", file="dup.xlsx"), ctx)

    book = Workbook()
    sheet = book.active
    sheet.append(["sku", "price"])
    sheet.append(["A-1", 1, None, "stray"])
    book.save(ctx.root / "wide.xlsx")
    reader = SOURCES["xlsx"](FileSource(kind="xlsx", file="wide.xlsx"), ctx)
    with pytest.raises(SourceError, match="cell D2 of sheet 'Sheet' .*'stray'"):
        read_all(reader)

    (ctx.root / "bad.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(SourceError, match="cannot read the workbook"):
        SOURCES["xlsx"](FileSource(kind="xlsx", file="bad.xlsx"), ctx)


# -- SQL -------------------------------------------------------------------------------


def make_items(db: Engine, name: str, rows: int) -> None:
    with db.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, sku VARCHAR(20), "
                "price NUMERIC(10,3), since DATE)"
            )
        )
        conn.execute(
            text(f"INSERT INTO {name} (id, sku, price, since) VALUES (:id, :sku, :p, :d)"),
            [
                {"id": i, "sku": f"A-{i}", "p": f"{i}.125", "d": dt.date(2024, 1, 1)}
                for i in range(rows)
            ],
        )


def test_sql_streams_in_batches(db_ctx: FakeContext, db: Engine, table_name: str) -> None:
    make_items(db, table_name, 2345)
    source = SqlSource(
        connection="erp",
        query=f"SELECT id, sku, price, since FROM {table_name} ORDER BY id;",
        batch_size=500,
    )
    reader = SOURCES["sql"](source, db_ctx)
    try:
        assert reader.columns == ["id", "sku", "price", "since"]
        assert reader.count() == 2345
        sizes = []
        rows = []
        for batch in reader.batches():
            sizes.append(len(batch))
            rows.extend(batch)
    finally:
        reader.close()
    assert max(sizes) <= 500 and sum(sizes) == 2345
    assert all(type(row) is tuple for row in rows)
    assert rows[3][:2] == (3, "A-3")
    if db.dialect.name != "sqlite":  # SQLite has no decimal or date type of its own
        assert rows[3][2:] == (Decimal("3.125"), dt.date(2024, 1, 1))


GENERATORS = {
    "sqlite": "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {n}) "
    "SELECT n, printf('%.200d', n) AS filler FROM g",
    "postgresql": "SELECT n, lpad(n::text, 200, '0') AS filler FROM generate_series(1, {n}) n",
    "mysql": "SELECT seq AS n, LPAD(seq, 200, '0') AS filler FROM seq_1_to_{n}",
}


def test_sql_memory_stays_flat(db_ctx: FakeContext, db: Engine) -> None:
    rows = 40_000  # about 10 MB as Python objects if held at once
    query = GENERATORS[db.dialect.name].format(n=rows)
    gc.collect()
    tracemalloc.start()
    try:
        reader = SOURCES["sql"](SqlSource(connection="erp", query=query, batch_size=500), db_ctx)
        total = 0
        for batch in reader.batches():
            total += len(batch)
        reader.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == rows
    assert peak < 3_000_000, f"peak {peak} bytes"


def test_sql_close_before_the_end(db_ctx: FakeContext, db: Engine) -> None:
    query = GENERATORS[db.dialect.name].format(n=20_000)
    reader = SOURCES["sql"](SqlSource(connection="erp", query=query, batch_size=100), db_ctx)
    assert len(next(iter(reader.batches()))) == 100
    reader.close()
    reader.close()  # twice is fine
    with db.connect() as conn:  # the pool is still usable
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_sql_bad_query_quotes_the_database(db_ctx: FakeContext, db: Engine) -> None:
    source = SqlSource(connection="erp", query="SELECT nope FROM sc_no_such_table", line=12)
    with pytest.raises(SourceError) as info:
        SOURCES["sql"](source, db_ctx)
    message = str(info.value)
    assert message.startswith("connection 'erp' (")
    assert "sc_no_such_table" in message
    assert "[SQL:" not in message
    assert info.value.connection == "erp" and info.value.line == 12


def test_sql_count_is_none_when_it_cannot_count(
    db_ctx: FakeContext, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.engine.sources import sql

    monkeypatch.setattr(sql, "count_query", lambda query: "SELECT COUNT(*) FROM (nonsense")
    reader = SOURCES["sql"](SqlSource(connection="erp", query="SELECT 1 AS a"), db_ctx)
    assert reader.count() is None
    assert read_all(reader) == [(1,)]


def test_sql_count_with_trailing_comment(db_ctx: FakeContext, db: Engine) -> None:
    query = "SELECT 1 AS a UNION ALL SELECT 2 AS a -- two rows\n;"
    reader = SOURCES["sql"](SqlSource(connection="erp", query=query), db_ctx)
    assert reader.count() == 2
    assert read_all(reader) == [(1,), (2,)]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://scuser:s3cret-pw@127.0.0.1:9/db",
        "mysql+pymysql://scuser:s3cret-pw@127.0.0.1:9/db",
    ],
)
def test_sql_unreachable_database_hides_the_password(ctx: FakeContext, url: str) -> None:
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    ctx.engines["erp"] = engine
    with pytest.raises(SourceError) as info:
        SOURCES["sql"](SqlSource(connection="erp", query="SELECT 1"), ctx)
    engine.dispose()
    message = str(info.value)
    assert "s3cret-pw" not in message
    assert "connection 'erp'" in message and "scuser:***@127.0.0.1:9" in message
