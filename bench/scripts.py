"""Benchmark of formulas and script hooks.

    python bench/scripts.py [--records 100000] [--workdir bench/out]

Prints, in one run:
- formulas: evaluations per second of simple formulas through the engine's generated
  mapping function, next to plain ``eval`` of the same expression compiled by Python and a
  plain Python function doing the same (targets: >= 1,000,000/s, within 1.5x of eval);
- scripts: records per second of a task run end to end (demo ERP -> JSON lines) with no
  script, with a trivial ``transform`` hook (target: >= 100,000 records/s through the
  hook), and with a formula that calls a function of a ``functions`` script (the whole
  mapping then runs in the script worker).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.actions.loader import load_action_bytes  # noqa: E402
from server.actions.model import Field, SqlSource, Target, Task  # noqa: E402
from server.bootstrap import init_instance  # noqa: E402
from server.demo.erp import generate_erp  # noqa: E402
from server.engine import load_plugins  # noqa: E402
from server.engine.mapping import Mapping  # noqa: E402
from server.engine.pipeline import run_task  # noqa: E402
from server.sandbox.scripts import ScriptHost  # noqa: E402
from server.store import Store  # noqa: E402

FORMULAS = {
    "A.VK1 * 1.2": ("r[1] * k", lambda r, k: r[1] * k),
    "A.STOCK - A.RESERVED": ("r[2] - r[3]", lambda r, k: r[2] - r[3]),
    "A.VK1 > 10": ("r[1] > k", lambda r, k: r[1] > k),
}

ACTION = """<action xmlns="urn:synccenter:action:1" id="bench-scripts" channel="amazon-de">
  <title>bench</title>
  <task id="main" title="main" key="sku">
    <source><sql connection="erp" batch-size="1000">
      SELECT a.article_no AS SKU, a.ean AS EAN, a.title AS TITLE, a.brand AS BRAND,
             a.colour AS COLOUR, a.size AS SIZE, a.category AS CATEGORY, a.vk1 AS VK1,
             a.vk2 AS VK2, a.vat_rate AS VAT, a.weight_kg AS WEIGHT, s.quantity AS STOCK,
             s.reserved AS RESERVED, a.image_main AS IMAGE, a.created_at AS CREATED
        FROM article a JOIN stock s ON s.article_no = a.article_no
    </sql></source>
    <fields>
{fields}
    </fields>
    <target><jsonl file="{{outbox}}/bench-scripts.jsonl"/></target>
  </task>
  {script}
</action>
"""
COPIES = ["SKU", "EAN", "TITLE", "BRAND", "COLOUR", "SIZE", "CATEGORY", "VK1", "VK2", "VAT",
          "WEIGHT", "STOCK", "RESERVED", "IMAGE", "CREATED"]


def bench_formulas(count: int) -> list[tuple[str, float, float, float]]:
    rows = [(f"A-{i}", 10.0 + i % 500 + 0.99, i % 97, i % 5) for i in range(count)]
    results = []
    for formula, (plain, function) in FORMULAS.items():
        task = Task("t", "t", "f", SqlSource("erp", "x"), (Field("f", "formula", formula),),
                    Target("jsonl"))
        mapping = Mapping(task, ["SKU", "VK1", "STOCK", "RESERVED"])
        engine = _rate(lambda m=mapping.map: [m(r) for r in rows], count)
        # The engine reads floats as exact decimals; give eval the same values.
        decimal_rows = [(r[0], Decimal(repr(r[1])), r[2], r[3]) for r in rows]
        code = compile(plain, "<formula>", "eval")
        k = Decimal("1.2") if "1.2" in formula else Decimal(10)
        evaluated = _rate(lambda c=code, k=k, d=decimal_rows: [eval(c, {"r": r, "k": k})
                                                                for r in d], count)
        called = _rate(lambda f=function, k=k, d=decimal_rows: [f(r, k) for r in d], count)
        results.append((formula, engine, evaluated, called))
    return results


def bench_scripts(records: int, workdir: Path) -> tuple[float, float, float, float]:
    erp = workdir / f"erp-{records}.db"
    if not erp.exists():
        generate_erp(erp, articles=records, with_orders=False)
    home = Path(tempfile.mkdtemp(prefix="instance-", dir=workdir))
    try:
        instance, _ = init_instance(home)
        shutil.copyfile(erp, home / "erp.db")
        (instance.scripts_dir / "noop.py").write_text("def transform(record, ctx):\n"
                                                      "    return record\n")
        (instance.scripts_dir / "same.py").write_text("def same(value):\n    return value\n")
        fields = "\n".join(f'      <field name="{c.lower()}"><column>{c}</column></field>'
                           for c in COPIES)
        fields += '\n      <field name="price"><formula>round(A.VK1 * 1.2, 2)</formula></field>'
        load_plugins()
        rates = []
        with Store.open(instance.store_url()) as store:
            variants = (("", fields), ('<script hook="transform" src="noop.py"/>', fields),
                        ('<script hook="functions" src="same.py"/>',
                         fields.replace("round(A.VK1 * 1.2, 2)", "round(same(A.VK1) * 1.2, 2)")))
            for script, variant_fields in variants:
                text = ACTION.format(fields=variant_fields, script=script)
                action = load_action_bytes(text.encode(), "bench.xml")
                started = time.perf_counter()
                result = run_task(instance, store, action)
                assert result.state == "succeeded", result.error
                rates.append(result.written / (time.perf_counter() - started))
        sample = [dict(zip([c.lower() for c in COPIES], range(len(COPIES)), strict=True))
                  for _ in range(1000)]
        with ScriptHost([("noop.py", "def transform(record, ctx):\n    return record\n")],
                        {}) as host:
            started = time.perf_counter()
            for _ in range(records // 1000):
                host.transform(sample)
            hook_alone = records / (time.perf_counter() - started)
        return rates[0], rates[1], hook_alone, rates[2]
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _rate(work, count: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    print(f"formulas, {args.records:,} evaluations each (best of 3)")
    print(f"{'formula':24} {'engine/s':>12} {'eval/s':>12} {'function/s':>12} {'eval/engine':>12}")
    for formula, engine, evaluated, called in bench_formulas(args.records):
        print(f"{formula:24} {engine:12,.0f} {evaluated:12,.0f} {called:12,.0f} "
              f"{evaluated / engine:12.2f}")

    without, with_hook, alone, functions = bench_scripts(args.records, args.workdir)
    print(f"\nscripts, {args.records:,} records of 16 fields, demo ERP -> JSON lines")
    print(f"{'run without a script':32} {without:12,.0f} records/s")
    print(f"{'run with a trivial transform':32} {with_hook:12,.0f} records/s")
    print(f"{'the transform hook alone':32} {alone:12,.0f} records/s")
    print(f"{'run with a script function':32} {functions:12,.0f} records/s")


if __name__ == "__main__":
    main()
