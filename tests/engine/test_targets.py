"""The targets: files written and read back, atomicity, dry runs, SQL upserts per backend."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.actions.model import Target
from server.engine.base import TARGETS, Artefact
from server.engine.targets import xlsx as xlsx_target
from server.engine.targets.atomic import AtomicFile
from server.engine.values import json_default, text_rows, to_text
from server.errors import TargetError

FakeContext = Any  # tests/engine/conftest.py: a RunContext for tests

COLUMNS = ["sku", "title", "price", "ratio", "stock", "active", "since", "updated", "note"]
ROWS = [
    (
        "A-1",
        'Shirt "Größe XL"; blau',
        Decimal("23.988"),
        19.99,
        5,
        True,
        dt.date(2024, 5, 31),
        dt.datetime(2024, 5, 31, 14, 5, 9),
        None,
    ),
    ("A-2", "zwei\nZeilen", Decimal("1E+2"), 0.1, -3, False, None, None, "=1+2"),
    ("A-3", "", Decimal("0.0000001"), 1e-20, 0, None, None, None, "https://example.com/a"),
]
TEXT_ROWS = [
    [
        "A-1",
        'Shirt "Größe XL"; blau',
        "23.988",
        "19.99",
        "5",
        "true",
        "2024-05-31",
        "2024-05-31T14:05:09",
        "",
    ],
    ["A-2", "zwei\nZeilen", "100", "0.1", "-3", "false", "", "", "=1+2"],
    ["A-3", "", "0.0000001", "1e-20", "0", "", "", "", "https://example.com/a"],
]


def open_target(ctx: FakeContext, kind: str, columns: list[str] = COLUMNS, **options: str):
    writer = TARGETS[kind](Target(kind=kind, options=options), ctx)
    writer.open(columns)
    return writer


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*"))


# -- values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("x", "x"),
        (42, "42"),
        (19.99, "19.99"),
        (0.1 + 0.2, "0.30000000000000004"),
        (Decimal("19.90"), "19.90"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-1.5E-7"), "-0.00000015"),
        (True, "true"),
        (False, "false"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 600), "2024-01-02T03:04:05.000600"),
        (dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC), "2024-01-02T03:04:00+00:00"),
        (b"\x01\xff", "01ff"),
        (dt.timedelta(hours=10, minutes=30), "10:30:00"),
    ],
)
def test_to_text(value: object, expected: str) -> None:
    assert to_text(value) == expected


def test_text_rows_match_to_text() -> None:
    rows = [tuple(ROWS[i % 3]) for i in range(10)]
    converted = text_rows(rows)
    assert [[to_text(v) for v in row] for row in converted] == [
        [to_text(v) for v in row] for row in rows
    ]
    plain = [("a", 1, 2.5, None)] * 3
    assert text_rows(plain) is plain  # nothing to convert: the same list


def test_json_default_keeps_decimal_digits() -> None:
    data = orjson.dumps(
        [Decimal("23.988"), Decimal("1E+2"), Decimal("NaN"), Decimal("0.1")], default=json_default
    )
    assert data == b"[23.988,100,null,0.1]"


# -- CSV / TSV -------------------------------------------------------------------------


def test_csv_round_trip(ctx: FakeContext) -> None:
    writer = open_target(ctx, "csv", file="out/prices.csv")
    assert writer.write(ROWS[:2]) is None
    writer.write(ROWS[2:])
    artefacts = writer.commit()
    path = ctx.root / "out" / "prices.csv"
    assert artefacts == [Artefact(path=str(path), kind="file", rows=3)]
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    with path.open(encoding="utf-8", newline="") as file:
        read = list(csv.reader(file, delimiter=";"))
    assert read == [COLUMNS, *TEXT_ROWS]


def test_tsv_options(ctx: FakeContext) -> None:
    writer = open_target(ctx, "tsv", file="out.tsv", header="false", bom="true", line_ending="crlf")
    writer.write(ROWS)
    writer.commit()
    raw = (ctx.root / "out.tsv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfA-1\t") and raw.endswith(b"\r\n")
    with (ctx.root / "out.tsv").open(encoding="utf-8-sig", newline="") as file:
        assert list(csv.reader(file, delimiter="\t")) == TEXT_ROWS


def test_csv_refuses_records_the_encoding_cannot_hold(ctx: FakeContext) -> None:
    writer = open_target(ctx, "csv", ["sku", "title"], file="out.csv", encoding="cp1252")
    refused = writer.write([("A-1", "Größe"), ("A-2", "Preis 5 €"), ("A-3", "✓ ok"), ("A-4", "x")])
    assert [index for index, _ in refused] == [2]
    assert "field 'title'" in refused[0][1] and "'✓'" in refused[0][1]
    assert writer.commit()[0].rows == 3
    content = (ctx.root / "out.csv").read_text(encoding="cp1252")
    assert content == "sku;title\nA-1;Größe\nA-2;Preis 5 €\nA-4;x\n"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"delimiter": ";;"}, "delimiter must be one character"),
        ({"encoding": "klingon"}, "unknown encoding"),
        ({"bom": "true", "encoding": "latin-1"}, "needs a UTF encoding"),
        ({"header": "maybe"}, "must be true or false"),
        ({"line_ending": "cr"}, "line_ending must be lf or crlf"),
        ({}, "needs a 'file' option"),
    ],
)
def test_csv_bad_options(ctx: FakeContext, options: dict[str, str], message: str) -> None:
    if message != "needs a 'file' option":
        options = {"file": "out.csv", **options}
    with pytest.raises(TargetError, match=message):
        TARGETS["csv"](Target(kind="csv", options=options), ctx)


# -- JSON lines ------------------------------------------------------------------------


def test_jsonl_round_trip(ctx: FakeContext) -> None:
    writer = open_target(ctx, "jsonl", file="out.jsonl")
    writer.write(ROWS)
    writer.write([("A-4", "big", Decimal("-0.5"), 1.5, 2**70, True, None, None, None)])
    assert writer.commit()[0].rows == 4
    lines = (ctx.root / "out.jsonl").read_bytes().splitlines()
    first = orjson.loads(lines[0])
    assert first == {
        "sku": "A-1",
        "title": 'Shirt "Größe XL"; blau',
        "price": 23.988,
        "ratio": 19.99,
        "stock": 5,
        "active": True,
        "since": "2024-05-31",
        "updated": "2024-05-31T14:05:09",
        "note": None,
    }
    assert list(first) == COLUMNS
    assert b'"price":23.988,' in lines[0]
    exact = [json.loads(line, parse_float=Decimal) for line in lines]
    assert [r["price"] for r in exact] == [
        Decimal("23.988"),
        Decimal("100"),
        Decimal("0.0000001"),
        Decimal("-0.5"),
    ]
    assert exact[3]["stock"] == 2**70
    assert exact[1]["note"] == "=1+2"


def test_jsonl_duplicate_field_names(ctx: FakeContext) -> None:
    with pytest.raises(TargetError, match="unique as JSON keys: sku"):
        open_target(ctx, "jsonl", ["sku", "sku"], file="out.jsonl")


# -- XLSX ------------------------------------------------------------------------------


def test_xlsx_round_trip(ctx: FakeContext) -> None:
    writer = open_target(ctx, "xlsx", COLUMNS + ["ean", "long"], file="out.xlsx", sheet="Preise")
    long_text = "x" * 40_000
    rows = [row + (4006381333931, None) for row in ROWS]
    rows.append(("A-4", "t", Decimal("1"), 0.0, 2**60, True, None, None, None, None, long_text))
    writer.write(rows)
    writer.commit()
    book = load_workbook(ctx.root / "out.xlsx")
    assert book.sheetnames == ["Preise"]
    sheet = book["Preise"]
    header = next(sheet.iter_rows(max_row=1))
    assert [c.value for c in header] == COLUMNS + ["ean", "long"]
    assert all(c.font.b for c in header)
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == [
        "A-1",
        'Shirt "Größe XL"; blau',
        23.988,
        19.99,
        5,
        True,
        dt.datetime(2024, 5, 31),
        dt.datetime(2024, 5, 31, 14, 5, 9),
        None,
        4006381333931,
        None,
    ]
    assert values[1][2] == 100 and values[1][8] == "=1+2"
    assert values[2][1] is None  # an empty string is an empty cell
    assert values[2][8] == "https://example.com/a"
    assert values[3][4] == str(2**60)  # too many digits for Excel: kept as text
    assert values[3][10] == "x" * 32_767  # cut to Excel's limit, the rest of the row kept
    cells = list(sheet.iter_rows(min_row=2, max_row=3))
    assert cells[1][8].data_type == "s" and cells[1][8].hyperlink is None
    assert cells[0][6].number_format == "yyyy-mm-dd"
    assert cells[0][7].number_format == "yyyy-mm-dd hh:mm:ss"
    assert type(values[0][4]) is int


def test_xlsx_continues_on_new_sheets(ctx: FakeContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_target, "MAX_ROWS", 4)  # 3 data rows per sheet
    writer = open_target(ctx, "xlsx", ["n"], file="out.xlsx", sheet="Very/long:name [export] 2024")
    writer.write([(i,) for i in range(5)])
    writer.write([(i,) for i in range(5, 8)])
    assert writer.commit()[0].rows == 8
    book = load_workbook(ctx.root / "out.xlsx")
    assert book.sheetnames == [
        "Very_long_name _export_ 2024",
        "Very_long_name _export_ 202 (2)",
        "Very_long_name _export_ 202 (3)",
    ]
    assert [[c.value for c in row] for row in book.worksheets[2].iter_rows()] == [["n"], [6], [7]]


def test_sheet_name_rules() -> None:
    assert xlsx_target.sheet_name("") == "Data"
    assert xlsx_target.sheet_name("'History'") == "History_"
    assert xlsx_target.sheet_name("a" * 40, 12) == "a" * 26 + " (12)"


# -- atomicity and dry runs ------------------------------------------------------------

FILE_KINDS = ["csv", "tsv", "jsonl", "xlsx"]


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_abort_leaves_nothing(ctx: FakeContext, kind: str) -> None:
    writer = open_target(ctx, kind, file=f"new/deeper/out.{kind}")
    writer.write(ROWS)
    assert len(leftovers(ctx.root)) == 3  # the two new folders and the .part file
    writer.abort()
    writer.abort()  # twice is fine
    assert leftovers(ctx.root) == []


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_failure_mid_run_keeps_the_old_file(ctx: FakeContext, kind: str) -> None:
    old = ctx.root / f"out.{kind}"
    old.write_bytes(b"old content")
    writer = open_target(ctx, kind, file=f"out.{kind}")
    try:
        writer.write(ROWS)
        assert old.read_bytes() == b"old content"  # untouched while writing
        raise RuntimeError("the mapping failed")
    except RuntimeError:
        writer.abort()  # what the pipeline does
    assert leftovers(ctx.root) == [f"out.{kind}"]
    assert old.read_bytes() == b"old content"

    writer = open_target(ctx, kind, file=f"out.{kind}")
    writer.write(ROWS)
    writer.commit()
    assert leftovers(ctx.root) == [f"out.{kind}"]
    assert old.read_bytes() != b"old content"


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_dry_run_writes_nothing(ctx: FakeContext, kind: str) -> None:
    ctx.dry_run = True
    (ctx.root / f"out.{kind}").write_bytes(b"old content")
    writer = open_target(ctx, kind, file=f"out.{kind}")
    writer.write(ROWS)
    assert writer.commit() == []
    assert leftovers(ctx.root) == [f"out.{kind}"]
    assert (ctx.root / f"out.{kind}").read_bytes() == b"old content"


def test_atomic_file_context_manager_and_garbage(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    with AtomicFile(target, encoding="utf-8") as atomic:
        atomic.file.write("hello")
        assert not target.exists()
    assert target.read_text() == "hello" and atomic.committed

    with pytest.raises(ValueError), AtomicFile(target, encoding="utf-8") as atomic:
        atomic.file.write("half")
        raise ValueError
    assert target.read_text() == "hello" and leftovers(tmp_path) == ["a.txt"]

    forgotten = AtomicFile(tmp_path / "b.bin")
    forgotten.file.write(b"x")
    del forgotten
    gc.collect()
    assert leftovers(tmp_path) == ["a.txt"]


def test_unwritable_destination(ctx: FakeContext) -> None:
    (ctx.root / "blocker").write_text("a file, not a folder")
    with pytest.raises(TargetError, match="cannot create"):
        open_target(ctx, "csv", file="blocker/out.csv")


# -- SQL upsert ------------------------------------------------------------------------


def make_table(db: Engine, name: str, unique: bool = True) -> None:
    key = "PRIMARY KEY" if unique else ""
    with db.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {name} (sku VARCHAR(40) NOT NULL {key}, title VARCHAR(200), "
                "price NUMERIC(12,3), stock INTEGER, since DATE)"
            )
        )


def table_rows(db: Engine, name: str) -> list[tuple]:
    with db.connect() as conn:
        rows = conn.execute(
            text(f"SELECT sku, title, price, stock, since FROM {name} ORDER BY sku")
        )
        return [
            (sku, title, Decimal(str(price)) if price is not None else None, stock, since)
            for sku, title, price, stock, since in rows
        ]


UPSERT_COLUMNS = ["SKU", "title", "price", "stock", "since"]  # "SKU": matched ignoring case


def upsert(ctx: FakeContext, name: str, rows: list[tuple], **options: str):
    writer = open_target(
        ctx, "sql-upsert", UPSERT_COLUMNS, connection="erp", table=name, key="SKU", **options
    )
    refused = writer.write(rows)
    return writer, refused


@pytest.mark.parametrize("unique", [True, False], ids=["on-conflict", "update-insert"])
def test_sql_upsert_inserts_then_updates(
    db_ctx: FakeContext, db: Engine, table_name: str, unique: bool
) -> None:
    make_table(db, table_name, unique)
    day = dt.date(2024, 5, 31)
    writer, _ = upsert(
        db_ctx,
        table_name,
        [("A-1", "Shirt", Decimal("23.988"), 5, day), ("A-2", "Hose", Decimal("9.5"), 0, None)],
    )
    assert writer.mode == ("upsert" if unique else "update-insert")
    assert writer.commit() == [Artefact(path=f"erp:{table_name}", kind="table", rows=2)]

    writer, _ = upsert(
        db_ctx,
        table_name,
        [("A-2", "Hose lang", Decimal("10"), 7, day), ("A-3", "Müße", None, 1, None)],
        batch_size="1",
    )
    writer.commit()
    stored_day = day if db.dialect.name != "sqlite" else "2024-05-31"  # SQLite: text
    assert table_rows(db, table_name) == [
        ("A-1", "Shirt", Decimal("23.988"), 5, stored_day),
        ("A-2", "Hose lang", Decimal("10"), 7, stored_day),
        ("A-3", "Müße", None, 1, None),
    ]


def test_sql_upsert_abort_and_dry_run_roll_back(
    db_ctx: FakeContext, db: Engine, table_name: str
) -> None:
    make_table(db, table_name)
    writer, _ = upsert(db_ctx, table_name, [("A-1", "Shirt", Decimal("1"), 1, None)])
    writer.abort()
    db_ctx.dry_run = True
    writer, _ = upsert(db_ctx, table_name, [("A-2", "Hose", Decimal("1"), 1, None)])
    assert writer.commit() == []
    assert table_rows(db, table_name) == []


def test_sql_upsert_refuses_rows_without_key(
    db_ctx: FakeContext, db: Engine, table_name: str
) -> None:
    make_table(db, table_name)
    writer, refused = upsert(
        db_ctx, table_name, [(None, "no key", None, 1, None), ("A-1", "ok", None, 1, None)]
    )
    assert refused == [(0, "no value in key column(s) sku")]
    assert writer.commit()[0].rows == 1
    assert [r[0] for r in table_rows(db, table_name)] == ["A-1"]


def test_sql_upsert_unknown_columns(db_ctx: FakeContext, db: Engine, table_name: str) -> None:
    make_table(db, table_name)
    with pytest.raises(TargetError) as info:
        open_target(
            db_ctx,
            "sql-upsert",
            ["sku", "titel", "prise", "stock"],
            connection="erp",
            table=table_name,
            key="sku",
        )
    message = str(info.value)
    assert "has no columns 'titel' (did you mean 'title'?), 'prise' (did you mean 'price'?)" in (
        message
    )
    assert "its columns are: sku, title, price, stock, since" in message


def test_sql_upsert_key_and_table_errors(db_ctx: FakeContext, db: Engine, table_name: str) -> None:
    make_table(db, table_name)
    with pytest.raises(TargetError, match="key column 'sku' is not among the output fields"):
        open_target(db_ctx, "sql-upsert", ["title"], connection="erp", table=table_name, key="sku")
    with pytest.raises(TargetError, match=f"no table '{table_name}x' \\(did you mean"):
        open_target(db_ctx, "sql-upsert", ["sku"], connection="erp", table=table_name + "x")


def test_sql_upsert_database_error(db_ctx: FakeContext, db: Engine, table_name: str) -> None:
    if db.dialect.name == "sqlite":
        pytest.skip("SQLite does not check VARCHAR lengths")
    make_table(db, table_name)
    writer = open_target(
        db_ctx, "sql-upsert", UPSERT_COLUMNS, connection="erp", table=table_name, key="sku"
    )
    try:
        with pytest.raises(TargetError, match="the database refused rows 1-2") as info:
            writer.write([("A-1", "ok", None, 1, None), ("A" * 50, "x", None, 1, None)])
    finally:
        writer.abort()  # as the pipeline does after an error: releases the table
    assert "[SQL:" not in str(info.value)
    assert info.value.table == table_name


def test_sql_upsert_values_into_text_columns(
    db_ctx: FakeContext, db: Engine, table_name: str
) -> None:
    with db.begin() as conn:
        conn.execute(
            text(f"CREATE TABLE {table_name} (sku VARCHAR(40) PRIMARY KEY, note VARCHAR(40))")
        )
    writer = open_target(
        db_ctx, "sql-upsert", ["sku", "note"], connection="erp", table=table_name, key="sku"
    )
    writer.write([("A-1", Decimal("1.50")), ("A-2", dt.date(2024, 5, 31)), ("A-3", "text")])
    writer.commit()
    with db.connect() as conn:
        rows = conn.execute(text(f"SELECT sku, note FROM {table_name} ORDER BY sku")).all()
    assert [tuple(r) for r in rows] == [("A-1", "1.50"), ("A-2", "2024-05-31"), ("A-3", "text")]
