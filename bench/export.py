#!/usr/bin/env python3
"""Export benchmark: the engine against the fastest plain Python doing the same work.

    python bench/export.py --articles 100000 [--formats jsonl,tsv,xlsx] [--workdir DIR]

For N articles (a demo ERP without orders, created once per N in the work dir, default
``bench/out/``) it runs one task per format, 60 output fields from ``article`` joined with
``stock`` (35 column copies, 12 fixed values, 13 formulas), and compares, each case in a
fresh subprocess so that its peak memory is its own:

* engine: ``run_task`` end to end (SQL source, selection, mapping, target, logbook);
* floor: the same rows read with ``sqlite3`` (``fetchmany``), the same 60 values computed
  by hand-written Python (Decimal money, rounded half up, as the engine does), written
  with the same library and options as the target (orjson, csv, xlsxwriter);
* writer alone: the same cells written by the library alone, precomputed and held in
  memory (all rows up to 200,000; beyond that it cycles through the first 200,000).

Both sides write through a 256 KiB buffer and ``fsync`` the file, as the engine's targets
do. After the runs, the engine's and the floor's outputs are compared (JSON lines and TSV
byte for byte, XLSX by the worksheet XML): the floor must produce exactly the same file.

Other options: ``--batch-size 1000,5000`` (several: one engine run per size),
``--repeat R`` (best of R, interleaved), ``--cases engine`` (skip floor and writer),
``--breakdown`` (time reading and mapping without writing), ``--profile`` (cProfile of
the engine runs, top functions), ``--keep`` (keep the output files).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable from a checkout without installing
    sys.path.insert(0, str(ROOT))

from measure import memory_mib  # noqa: E402 - bench/ is the script's folder

SEED = 42
ACTION_ID = "bench-export"
DEFAULT_BATCH = 1000  # fastest of 100-5000 measured, and the least memory
SAMPLE_ROWS = 200_000  # all rows up to this N (about 4 KiB each in memory)
FORMATS = ("jsonl", "tsv", "xlsx")
BUFFER_SIZE = 1 << 18  # as the engine's file targets
MIB = 1024 * 1024
# The options the XLSX target gives xlsxwriter; checked against the target in --check.
XLSX_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
    "remove_timezone": True,
    "default_date_format": "yyyy-mm-dd",
}
TARGETS = {"jsonl": 1.5, "tsv": 1.5, "xlsx": 1.2}  # allowed engine time / reference time

SQL = """
SELECT a.article_no AS ARTICLE_NO, a.ean AS EAN, a.title AS TITLE, a.brand AS BRAND,
       a.description AS DESCRIPTION, a.bullet1 AS BULLET1, a.bullet2 AS BULLET2,
       a.bullet3 AS BULLET3, a.bullet4 AS BULLET4, a.bullet5 AS BULLET5,
       a.colour AS COLOUR, a.size AS SIZE, a.weight_kg AS WEIGHT_KG,
       a.purchase_price AS PURCHASE_PRICE, a.vk1 AS VK1, a.vk2 AS VK2,
       a.vat_rate AS VAT_RATE, a.category AS CATEGORY, a.image_main AS IMAGE_MAIN,
       a.image_other AS IMAGE_OTHER, a.active AS ACTIVE, a.created_at AS CREATED_AT,
       a.updated_at AS UPDATED_AT, s.quantity AS QUANTITY, s.reserved AS RESERVED,
       s.warehouse AS WAREHOUSE, s.updated_at AS STOCK_UPDATED_AT
  FROM article a
  JOIN stock s ON s.article_no = a.article_no
 ORDER BY a.article_no
"""

# (name, kind, value): 35 column copies, 12 fixed values, 13 formulas, in output order.
# compute() below hand-writes the same fields in the same order.
FIELDS: list[tuple[str, str, str]] = [
    ("sku", "column", "ARTICLE_NO"),
    ("product_type", "fixed", "PRODUCT"),
    ("update_delete", "fixed", "Update"),
    ("item_name", "column", "TITLE"),
    ("full_title", "formula", 'A.TITLE + " " + (A.COLOUR or "")'),
    ("brand", "column", "BRAND"),
    ("brand_name", "formula", 'A.BRAND or "Generic"'),
    ("manufacturer", "column", "BRAND"),
    ("external_product_id", "column", "EAN"),
    ("external_product_id_type", "fixed", "EAN"),
    ("ean", "column", "EAN"),
    ("part_number", "column", "ARTICLE_NO"),
    ("article_no", "column", "ARTICLE_NO"),
    ("condition_type", "fixed", "new"),
    ("product_description", "column", "DESCRIPTION"),
    ("description_length", "formula", 'len(A.DESCRIPTION or "")'),
    ("bullet_point1", "column", "BULLET1"),
    ("bullet_point2", "column", "BULLET2"),
    ("bullet_point3", "column", "BULLET3"),
    ("bullet_point4", "column", "BULLET4"),
    ("bullet_point5", "column", "BULLET5"),
    ("color_name", "column", "COLOUR"),
    ("colour", "column", "COLOUR"),
    ("size_name", "column", "SIZE"),
    ("size", "column", "SIZE"),
    ("item_weight", "column", "WEIGHT_KG"),
    ("item_weight_g", "formula", "coalesce(A.WEIGHT_KG, 0) * 1000"),
    ("item_weight_unit", "fixed", "g"),
    ("recommended_browse_node", "column", "CATEGORY"),
    ("category", "column", "CATEGORY"),
    ("main_category", "formula", 'A.CATEGORY.split(" > ")[0]'),
    ("search_terms", "formula", 'concat(A.BRAND, A.CATEGORY, sep=" ")'),
    ("main_image_url", "column", "IMAGE_MAIN"),
    ("image_main", "column", "IMAGE_MAIN"),
    ("other_image_urls", "column", "IMAGE_OTHER"),
    ("currency", "fixed", "EUR"),
    ("standard_price", "formula", "round(A.VK1 * 1.2, 2)"),
    ("list_price", "formula", "round(A.VK1, 2)"),
    ("sale_price", "formula", "round(A.VK2 * 0.9, 2)"),
    ("net_price", "formula", "round(A.VK1 / (1 + A.VAT_RATE / 100), 2)"),
    ("margin", "formula", "round(A.VK1 - A.PURCHASE_PRICE, 2)"),
    ("erp_vk1", "column", "VK1"),
    ("erp_vk2", "column", "VK2"),
    ("purchase_price", "column", "PURCHASE_PRICE"),
    ("vat_rate", "column", "VAT_RATE"),
    ("quantity", "formula", "max(0, A.QUANTITY - A.RESERVED)"),
    ("in_stock", "formula", "A.QUANTITY > A.RESERVED"),
    ("stock_quantity", "column", "QUANTITY"),
    ("stock_reserved", "column", "RESERVED"),
    ("warehouse", "column", "WAREHOUSE"),
    ("fulfillment_channel", "fixed", "DEFAULT"),
    ("handling_time", "fixed", "2"),
    ("merchant_shipping_group", "fixed", "Standardvorlage"),
    ("country_of_origin", "fixed", "DE"),
    ("batteries_required", "fixed", "false"),
    ("language", "fixed", "de_DE"),
    ("is_active", "column", "ACTIVE"),
    ("created_at", "column", "CREATED_AT"),
    ("updated_at", "column", "UPDATED_AT"),
    ("stock_updated_at", "column", "STOCK_UPDATED_AT"),
]
NAMES = [name for name, _kind, _value in FIELDS]


# ----- work dir: ERP, instance, action ------------------------------------------------


def erp_path(work: Path, n: int) -> Path:
    return work / f"erp-{n}.db"


def instance_dir(work: Path, n: int) -> Path:
    return work / f"instance-{n}"


def ensure_erp(work: Path, n: int) -> Path:
    """Return the demo ERP of ``n`` articles without orders, generating it if needed."""
    path = erp_path(work, n)
    if path.exists():
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            con.close()
        except sqlite3.Error:
            meta = {}
        if meta.get("articles") == str(n) and meta.get("with_orders") == "0" and (
            meta.get("seed") == str(SEED)
        ):
            return path
    from server.demo.erp import generate_erp

    note(f"generating the demo ERP of {n:,} articles: {path}")
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    generate_erp(path, articles=n, seed=SEED, with_orders=False)
    note(f"  done in {time.perf_counter() - started:.1f} s")
    return path


def ensure_instance(work: Path, n: int) -> Path:
    """Create the instance of ``n`` (its ERP connection pointing at the ERP of ``n``)."""
    from server.bootstrap import init_instance
    from server.config import CONFIG_FILE, DEFAULT_CONFIG

    home = instance_dir(work, n)
    home.mkdir(parents=True, exist_ok=True)
    default_url = 'url = "sqlite:///erp.db"'
    if default_url not in DEFAULT_CONFIG:
        raise SystemExit("bench: the default configuration no longer has the ERP url line")
    url = f'url = "sqlite:///{erp_path(work, n).resolve().as_posix()}"'
    (home / CONFIG_FILE).write_text(DEFAULT_CONFIG.replace(default_url, url), encoding="utf-8")
    init_instance(home)
    return home


def action_xml(batch: int, formats: Sequence[str]) -> str:
    """Return the benchmark action: one task per format, the same source and fields."""
    fields = "\n".join(
        f'      <field name="{name}"><{kind}>{escape(value)}</{kind}></field>'
        for name, kind, value in FIELDS
    )
    sql = "\n".join("        " + line for line in SQL.strip().splitlines())
    tasks = []
    for fmt in formats:
        tasks.append(
            f"""  <task id="{fmt}" title="Export 60 fields as {fmt}" key="sku">
    <source>
      <sql connection="erp" batch-size="{batch}">
{sql}
      </sql>
    </source>
    <fields>
{fields}
    </fields>
    <target>
      <{fmt} file="{{outbox}}/bench/export.{fmt}"/>
    </target>
  </task>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by bench/export.py: 60 fields per article (35 columns, 12 fixed, 13 formulas). -->
<action xmlns="urn:synccenter:action:1" id="{ACTION_ID}" channel="amazon-de">
  <title>Export benchmark</title>
  <description>The same 60 fields of every article, once per file format.</description>
{chr(10).join(tasks)}
</action>
"""


def write_action(home: Path, batch: int) -> Path:
    """Write the benchmark action into the instance's actions folder."""
    path = home / "actions" / f"{ACTION_ID}.xml"
    path.write_text(action_xml(batch, FORMATS), encoding="utf-8")
    return path


# ----- measuring ---------------------------------------------------------------------




def note(text: str) -> None:
    """Print progress to stderr (the table goes to stdout)."""
    print(text, file=sys.stderr, flush=True)


# ----- the floor: plain Python, no engine ---------------------------------------------


def read_rows(db: Path, batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """Yield the rows of SQL from ``db`` with sqlite3, ``batch`` at a time."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        cursor = con.execute(SQL)
        fetch = cursor.fetchmany
        while rows := fetch(batch):
            yield rows
    finally:
        con.close()


def compute(rows: list[tuple[Any, ...]], text: bool = False) -> list[tuple[Any, ...]]:
    """Return the 60 output values of each row, the formulas written out by hand.

    Money as the engine computes it: floats become ``Decimal(repr(x))``, literals are
    decimals, ``round`` is ``quantize(..., ROUND_HALF_UP)``. With ``text`` the decimals and
    booleans come as the TSV target writes them (``str``, ``true``/``false``).
    """
    dec, cents, half_up = Decimal, Decimal("0.01"), ROUND_HALF_UP
    markup, discount = Decimal("1.2"), Decimal("0.9")
    out: list[tuple[Any, ...]] = []
    append = out.append
    for (no, ean, title, brand, desc, b1, b2, b3, b4, b5, colour, size, weight, purchase,
         vk1, vk2, vat, cat, image, images, active, created, updated, qty, reserved,
         warehouse, stock_updated) in rows:
        d_vk1 = dec(repr(vk1)) if type(vk1) is float else vk1
        d_vk2 = dec(repr(vk2)) if type(vk2) is float else vk2
        d_vat = dec(repr(vat)) if type(vat) is float else vat
        d_buy = dec(repr(purchase)) if type(purchase) is float else purchase
        grams = (dec(repr(weight)) if type(weight) is float else 0) * 1000
        standard = (d_vk1 * markup).quantize(cents, half_up)
        listed = d_vk1.quantize(cents, half_up)
        sale = (d_vk2 * discount).quantize(cents, half_up)
        net = (d_vk1 / (1 + d_vat / 100)).quantize(cents, half_up)
        margin = (d_vk1 - d_buy).quantize(cents, half_up)
        in_stock: Any = qty > reserved
        if text:
            grams, standard, listed, sale, net, margin = (
                str(grams), str(standard), str(listed), str(sale), str(net), str(margin))
            in_stock = "true" if in_stock else "false"
        append((
            no, "PRODUCT", "Update", title, title + " " + (colour or ""), brand,
            brand or "Generic", brand, ean, "EAN", ean, no, no, "new", desc,
            len(desc or ""), b1, b2, b3, b4, b5, colour, colour, size, size, weight, grams,
            "g", cat, cat, cat.split(" > ")[0], brand + " " + cat if brand else cat,
            image, image, images, "EUR", standard, listed, sale, net, margin, vk1, vk2,
            purchase, vat, max(0, qty - reserved), in_stock, qty, reserved, warehouse,
            "DEFAULT", "2", "Standardvorlage", "DE", "false", "de_DE", active, created,
            updated, stock_updated,
        ))
    return out


def _json_decimal(value: Any) -> Any:
    """orjson ``default``: a Decimal as a JSON number with exactly its digits."""
    import orjson

    if type(value) is Decimal:
        return orjson.Fragment(str(value).encode())
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class Writer:
    """The fastest way this benchmark knows to write rows with the target's library."""

    def __init__(self, fmt: str, path: Path) -> None:
        self.fmt = fmt
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "wb", buffering=BUFFER_SIZE)  # noqa: SIM115
        self.write: Callable[[list[tuple[Any, ...]]], None]
        if fmt == "jsonl":
            import orjson

            dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE

            def write_jsonl(rows: list[tuple[Any, ...]]) -> None:
                self.file.write(b"".join(
                    [dumps(dict(zip(NAMES, r, strict=True)), _json_decimal, option) for r in rows]))

            self.write = write_jsonl
        elif fmt == "tsv":
            import io

            self.text = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
            writer = csv.writer(self.text, delimiter="\t", lineterminator="\n")
            writer.writerow(NAMES)
            self.write = writer.writerows
        elif fmt == "xlsx":
            import tempfile

            import xlsxwriter

            self.tmpdir = tempfile.TemporaryDirectory(prefix="bench-xlsx-")
            self.book = xlsxwriter.Workbook(self.file, {**XLSX_OPTIONS,
                                                        "tmpdir": self.tmpdir.name})
            sheet = self.book.add_worksheet("Data")
            sheet.write_row(0, 0, NAMES, self.book.add_format({"bold": True}))
            sheet.freeze_panes(1, 0)
            write_row = sheet.write_row
            self.next_row = 1

            def write_xlsx(rows: list[tuple[Any, ...]]) -> None:
                index = self.next_row
                for row in rows:
                    write_row(index, 0, row)
                    index += 1
                self.next_row = index

            self.write = write_xlsx
        else:
            raise ValueError(fmt)

    def close(self) -> None:
        """Finish the file and ``fsync`` it, as the engine's commit does."""
        if self.fmt == "tsv":
            self.text.flush()
        elif self.fmt == "xlsx":
            self.book.close()
            self.tmpdir.cleanup()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()


# ----- the cases, each run in its own subprocess --------------------------------------


def case_engine(args: argparse.Namespace, profiler: Any = None) -> dict[str, Any]:
    """Run the task with ``run_task``; ``profiler`` (cProfile) watches only that call."""
    from server.actions.loader import load_action
    from server.config import Instance
    from server.engine import load_plugins
    from server.engine.pipeline import run_task
    from server.store import Store

    load_plugins()
    home = instance_dir(args.workdir, args.articles)
    instance = Instance.load(home)
    action = load_action(home / "actions" / f"{ACTION_ID}.xml")
    store = Store.open(instance.store_url())
    base = memory_mib("VmRSS")
    if profiler is not None:
        profiler.enable()
    started = time.perf_counter()
    result = run_task(instance, store, action, args.format, trigger="manual")
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
    store.close()
    measured = {"seconds": seconds, "rows": result.written, "peak": memory_mib("VmHWM"),
                "base": base}
    if result.state != "succeeded" or result.failed or result.written != args.articles:
        # Reported, not raised: how long a run took to fail, and its memory, are results too.
        return {**measured, "error": f"{result.summary()}; {result.error}"}
    path = Path(result.artefacts[0].path)
    return {**measured, "bytes": path.stat().st_size, "file": str(path)}


def case_floor(args: argparse.Namespace) -> dict[str, Any]:
    """Read with sqlite3, compute by hand, write with the target's library."""
    db = erp_path(args.workdir, args.articles)
    path = Path(args.output)
    base = memory_mib("VmRSS")
    text = args.format == "tsv"
    rows = 0
    started = time.perf_counter()
    writer = Writer(args.format, path)
    for batch in read_rows(db, args.batch_size):
        writer.write(compute(batch, text))
        rows += len(batch)
    writer.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "peak": memory_mib("VmHWM"), "base": base,
            "bytes": path.stat().st_size, "file": str(path)}


def case_writer(args: argparse.Namespace) -> dict[str, Any]:
    """Write ``articles`` rows precomputed in memory (cycled when there are more than
    ``--sample``)."""
    db = erp_path(args.workdir, args.articles)
    path = Path(args.output)
    sample: list[tuple[Any, ...]] = []
    for batch in read_rows(db, args.batch_size):
        sample += compute(batch, args.format == "tsv")
        if len(sample) >= args.sample:
            break
    del sample[args.sample:]
    base = memory_mib("VmRSS")
    size, total = args.batch_size, args.articles
    chunks = [sample[i:i + size] for i in range(0, len(sample), size)]
    started = time.perf_counter()
    writer = Writer(args.format, path)
    done = 0
    while done < total:
        for chunk in chunks:
            chunk = chunk[: total - done]
            writer.write(chunk)
            done += len(chunk)
            if done >= total:
                break
    writer.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": done, "peak": memory_mib("VmHWM"), "base": base,
            "bytes": path.stat().st_size, "file": str(path)}


def case_breakdown(args: argparse.Namespace) -> dict[str, Any]:
    """Time the reading and mapping stages alone (no writing), engine and plain."""
    from sqlalchemy import create_engine, text

    from server.actions.loader import load_action
    from server.engine.mapping import Mapping

    db = erp_path(args.workdir, args.articles)
    home = instance_dir(args.workdir, args.articles)
    task = load_action(home / "actions" / f"{ACTION_ID}.xml").task(args.format)
    size = args.batch_size
    times: dict[str, float] = {}

    def sqlalchemy_batches() -> Iterator[list[tuple[Any, ...]]]:
        engine = create_engine(f"sqlite:///{db}")
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=size).execute(
                text(SQL)).yield_per(size)
            columns = list(result.keys())
            sqlalchemy_batches.columns = columns  # type: ignore[attr-defined]
            for part in result.partitions(size):
                yield list(map(tuple, part))
        engine.dispose()

    def timed(label: str, work: Callable[[], None]) -> None:
        started = time.perf_counter()
        work()
        times[label] = time.perf_counter() - started

    def read_sqlite() -> None:
        for _batch in read_rows(db, size):
            pass

    def read_sqlalchemy() -> None:
        for _batch in sqlalchemy_batches():
            pass

    def compute_plain() -> None:
        for batch in read_rows(db, size):
            compute(batch)

    def map_engine() -> None:
        mapping: Mapping | None = None
        for batch in sqlalchemy_batches():
            if mapping is None:
                mapping = Mapping(task, sqlalchemy_batches.columns)  # type: ignore[attr-defined]
            map_row = mapping.map
            [map_row(row) for row in batch]

    read_sqlite()  # once untimed, so that the first stage does not pay for a cold cache
    timed("read sqlite3", read_sqlite)
    timed("read SQLAlchemy (as the SQL source)", read_sqlalchemy)
    timed("read sqlite3 + compute by hand", compute_plain)
    timed("read SQLAlchemy + engine mapping", map_engine)
    return {"times": times, "rows": args.articles}


def case_profile(args: argparse.Namespace) -> dict[str, Any]:
    """Run the engine case under cProfile; return its top functions by own time."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    result = case_engine(args, profiler)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(args.top)
    result["profile"] = out.getvalue()
    return result


CASES = {"engine": case_engine, "floor": case_floor, "writer": case_writer,
         "breakdown": case_breakdown, "profile": case_profile}


def run_child(args: argparse.Namespace, case: str, fmt: str, batch: int,
              output: Path | None = None) -> dict[str, Any]:
    """Run one case in a fresh Python process and return what it measured."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", case,
               "--format", fmt, "--articles", str(args.articles),
               "--workdir", str(args.workdir), "--batch-size", str(batch),
               "--sample", str(args.sample), "--top", str(args.top)]
    if output is not None:
        command += ["--output", str(output)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {case} {fmt} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def once(args: argparse.Namespace, case: str, fmt: str, batch: int,
         output: Path | None = None) -> dict[str, Any]:
    """Run a case once in its own process and print what it measured."""
    run = run_child(args, case, fmt, batch, output)
    rate = run["rows"] / run["seconds"]
    note(f"  {case:<6} {fmt:<5} batch {batch:>5}: {run['seconds']:7.2f} s "
         f"{rate:>9,.0f} rows/s  peak {run['peak']:6.1f} MiB "
         f"(before the run {run['base']:.1f})")
    if "error" in run:
        note(f"  FAILED: {run['error']}")
    return run


def fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the fastest of ``runs``, with the highest peak memory of them all."""
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["peak"] = max(r["peak"] for r in runs)
    return best


# ----- comparing outputs ---------------------------------------------------------------


def digest(path: Path, fmt: str) -> str:
    """Return a hash of a file's content; for XLSX, of its worksheet XML."""
    sha = hashlib.sha256()
    if fmt == "xlsx":
        with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as xml:
            while chunk := xml.read(1 << 20):
                sha.update(chunk)
    else:
        with open(path, "rb") as file:
            while chunk := file.read(1 << 20):
                sha.update(chunk)
    return sha.hexdigest()


def first_difference(a: Path, b: Path) -> str:
    """Return the first line where two text files differ."""
    with open(a, "rb") as left, open(b, "rb") as right:
        for number, (x, y) in enumerate(zip(left, right, strict=False), 1):
            if x != y:
                return f"line {number}:\n  engine {x[:300]!r}\n  floor  {y[:300]!r}"
    return "lengths differ"


def check_options() -> None:
    """Stop if the XLSX target's workbook options are no longer the floor's."""
    from server.engine.targets.xlsx import WORKBOOK_OPTIONS

    if WORKBOOK_OPTIONS != XLSX_OPTIONS:
        raise SystemExit(f"bench: the XLSX target's options changed: {WORKBOOK_OPTIONS}")


# ----- the report ------------------------------------------------------------------------


def rate(run: dict[str, Any]) -> str:
    """Return a run's rows per second, formatted."""
    return f"{run['rows'] / run['seconds']:,.0f}"


def report(n: int, results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Return the result table (Markdown); cases not run show as ``-``."""
    lines = [
        f"N = {n:,} articles, 60 fields",
        "",
        "| format | engine rows/s | floor rows/s | engine/floor | writer alone rows/s "
        "| engine/writer | target | met | engine peak MiB | floor peak MiB | output MiB |",
        "|---|--:|--:|--:|--:|--:|---|---|--:|--:|--:|",
    ]
    for fmt, runs in results.items():
        engine, floor, writer = runs["engine"], runs.get("floor"), runs.get("writer")
        if "error" in engine:
            error = engine["error"].replace("|", "/")
            lines.append(f"| {fmt} | failed after {engine['seconds']:.0f} s, peak "
                         f"{engine['peak']:.0f} MiB: {error} |")
            continue
        ratio = engine["seconds"] / floor["seconds"] if floor else None
        versus = engine["seconds"] / writer["seconds"] if writer else None
        limit = TARGETS[fmt]
        measured = versus if fmt == "xlsx" else ratio
        target = f"{limit}x {'writer' if fmt == 'xlsx' else 'floor'}"
        met = "-" if measured is None else ("yes" if measured <= limit else "no")
        cells = [
            fmt, rate(engine), rate(floor) if floor else "-",
            f"{ratio:.2f}" if ratio else "-", rate(writer) if writer else "-",
            f"{versus:.2f}" if versus else "-", target, met, f"{engine['peak']:.0f}",
            f"{floor['peak']:.0f}" if floor else "-", f"{engine['bytes'] / MIB:,.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ----- main ---------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000,
                        help="articles in the demo ERP (N) [default 100000]")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help="formats to measure [default jsonl,tsv,xlsx]")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out",
                        help="where the ERPs, instances and outputs go [default bench/out]")
    parser.add_argument("--batch-size", default=str(DEFAULT_BATCH),
                        help="rows per batch; several (1000,5000) run the engine with each, "
                             f"the floor with the first [default {DEFAULT_BATCH}]")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per case, interleaved, the fastest counts [default 1]")
    parser.add_argument("--sample", type=int, default=SAMPLE_ROWS,
                        help="rows the writer-alone case precomputes (and cycles through "
                             f"when N is larger) [default {SAMPLE_ROWS:,}]")
    parser.add_argument("--cases", default="engine,floor,writer",
                        help="which of engine,floor,writer to run (engine always runs)")
    parser.add_argument("--no-check", action="store_true",
                        help="do not compare engine and floor outputs")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time reading and mapping alone")
    parser.add_argument("--profile", action="store_true",
                        help="only profile the engine runs (cProfile) and print the top")
    parser.add_argument("--top", type=int, default=15, help="functions shown by --profile")
    parser.add_argument("--keep", action="store_true", help="keep the output files")
    parser.add_argument("--child", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.workdir = args.workdir.resolve()
    if args.child:
        args.batch_size = int(args.batch_size)
        return args
    args.batches = [int(b) for b in args.batch_size.split(",") if b.strip()]
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if set(args.formats) - set(FORMATS) or not args.formats:
        parser.error(f"--formats: choose from {', '.join(FORMATS)}")
    args.cases = {c.strip() for c in args.cases.split(",") if c.strip()} | {"engine"}
    if args.cases - {"engine", "floor", "writer"}:
        parser.error("--cases: choose from engine, floor, writer")
    if args.articles < 1 or args.repeat < 1 or not args.batches or min(args.batches) < 1:
        parser.error("--articles, --repeat and --batch-size must be at least 1")
    return args


def warm(path: Path) -> None:
    """Read a file once so that every case finds it in the page cache."""
    with open(path, "rb") as file:
        while file.read(1 << 24):
            pass


def measure(args: argparse.Namespace, home: Path, fmt: str) -> dict[str, dict[str, Any]]:
    """Run the cases of one format; check that the floor wrote what the engine wrote.

    The repeats are interleaved (engine, floor, writer, engine, floor, writer ...) so that a
    slow spell of a shared machine does not fall on one case only.
    """
    n, work = args.articles, args.workdir
    floor_file = work / "floor" / f"floor-{n}.{fmt}"
    writer_file = work / "floor" / f"writer-{n}.{fmt}"
    batch = args.batches[0]  # the floor's and the writer's
    runs: dict[str, list[dict[str, Any]]] = {}
    engine_file: Path | None = None
    for round_no in range(args.repeat):
        for size in args.batches:
            write_action(home, size)
            run = once(args, "engine", fmt, size)
            if "error" in run:
                return {"engine": run}
            run["batch"] = size
            runs.setdefault("engine", []).append(run)
            engine_file = Path(run["file"])
        assert engine_file is not None
        if "floor" in args.cases:
            runs.setdefault("floor", []).append(once(args, "floor", fmt, batch, floor_file))
            if round_no == 0 and not args.no_check:
                check_same(engine_file, floor_file, fmt)
        if "writer" in args.cases:
            runs.setdefault("writer", []).append(once(args, "writer", fmt, batch, writer_file))
            writer_file.unlink(missing_ok=True)
    if len(args.batches) > 1:
        for size in args.batches:
            seconds = min(r["seconds"] for r in runs["engine"] if r["batch"] == size)
            note(f"  engine, batch {size:>5}: best {seconds:.2f} s")
    if not args.keep:
        floor_file.unlink(missing_ok=True)
        if engine_file is not None:
            engine_file.unlink(missing_ok=True)
    return {case: fastest(case_runs) for case, case_runs in runs.items()}


def check_same(engine_file: Path, floor_file: Path, fmt: str) -> None:
    """Stop unless the floor wrote the same content as the engine."""
    if fmt == "xlsx":
        check_options()
    same = digest(engine_file, fmt) == digest(floor_file, fmt)
    note(f"  engine and floor outputs identical: {'yes' if same else 'NO'}")
    if not same:
        if fmt != "xlsx":
            note("  " + first_difference(engine_file, floor_file))
        raise SystemExit(f"bench: the floor's {fmt} differs from the engine's")


def best_breakdown(args: argparse.Namespace) -> dict[str, Any]:
    """Run the stage timings ``--repeat`` times; the fastest of each stage counts."""
    runs = [run_child(args, "breakdown", "jsonl", args.batches[0]) for _ in range(args.repeat)]
    return {"times": {label: min(r["times"][label] for r in runs) for label in runs[0]["times"]}}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with ``--child``, one case of it); return the exit code."""
    args = parse(argv)
    if args.child:
        print(json.dumps(CASES[args.child](args)))
        return 0
    n, work = args.articles, args.workdir
    work.mkdir(parents=True, exist_ok=True)
    db = ensure_erp(work, n)
    home = ensure_instance(work, n)
    warm(db)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    if args.profile:
        for fmt in args.formats:
            write_action(home, args.batches[0])
            run = run_child(args, "profile", fmt, args.batches[0])
            print(f"## {fmt}, N = {n:,}: {run['seconds']:.2f} s with the profiler on\n")
            print(run["profile"])
            if "file" in run and not args.keep:
                Path(run["file"]).unlink(missing_ok=True)
        return 0
    for fmt in args.formats:
        note(f"{fmt}, N = {n:,}")
        results[fmt] = measure(args, home, fmt)
    print(report(n, results))
    if args.breakdown:
        write_action(home, args.batches[0])
        run = best_breakdown(args)
        print(f"\nStages alone (no writing), N = {n:,}, batch {args.batches[0]}:\n")
        print("| stage | seconds | rows/s |")
        print("|---|--:|--:|")
        for label, seconds in run["times"].items():
            print(f"| {label} | {seconds:.2f} | {n / seconds:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
