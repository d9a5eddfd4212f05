"""run_task: the whole pipeline on real files and databases, and the logbook it leaves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from server.actions.loader import load_action_bytes
from server.engine import load_plugins
from server.engine.pipeline import run_task
from server.store import Store

load_plugins()

ACTION = """<?xml version="1.0"?>
<action xmlns="urn:synccenter:action:1" id="t" channel="amazon-de" {attrs}>
  <title>test</title>
  <task id="main" title="main" key="sku">
    <source>{source}</source>
    {selection}
    <fields>
      <field name="sku"><column>SKU</column></field>
      <field name="price"><formula>{formula}</formula></field>
    </fields>
    <target>{target}</target>
  </task>
</action>
"""
SQL = ('<sql connection="erp" batch-size="50">SELECT article_no AS SKU, vk1 AS VK1 '
       "FROM article ORDER BY article_no</sql>")


def action(*, attrs: str = "", source: str = SQL, selection: str = "",
           formula: str = "round(A.VK1 * 1.2, 2)",
           target: str = '<jsonl file="{outbox}/out.jsonl"/>'):
    text = ACTION.format(attrs=attrs, source=source, selection=selection, formula=formula,
                         target=target)
    return load_action_bytes(text.encode(), "t.xml")


@pytest.fixture
def store(instance):
    with Store.open(instance.store_url()) as opened:
        yield opened


def break_prices(erp: Path, count: int) -> list[str]:
    with sqlite3.connect(erp) as db:
        keys = [r[0] for r in db.execute(
            "SELECT article_no FROM article ORDER BY article_no LIMIT ?", (count,))]
        db.executemany("UPDATE article SET vk1 = NULL WHERE article_no = ?",
                       [(k,) for k in keys])
    return keys


def test_records_stream_to_the_target_and_the_logbook(instance, store) -> None:
    result = run_task(instance, store, action(), trigger="web")
    assert result.state == "succeeded" and result.failed == 0
    assert result.read == result.written == 300
    out = instance.folder("outbox") / "out.jsonl"
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(rows) == 300
    run = store.run(result.run_id)
    assert (run.state, run.trigger, run.read, run.written) == ("succeeded", "web", 300, 300)
    assert [a.path for a in store.artefacts(result.run_id)] == [str(out)]


def test_failed_records_do_not_stop_the_run(instance, store) -> None:
    broken = break_prices(instance.home / "erp.db", 3)
    result = run_task(instance, store, action())
    assert (result.state, result.failed, result.written) == ("succeeded", 3, 297)
    errors = store.messages(result.run_id, severity="error")
    assert [m.record_key for m in errors] == broken
    assert all(m.field == "price" and "A.VK1 = None" in m.text for m in errors)


def test_on_error_stop_fails_the_run_and_writes_nothing(instance, store) -> None:
    break_prices(instance.home / "erp.db", 1)
    result = run_task(instance, store, action(attrs='on-error="stop"'))
    assert result.state == "failed" and 'on-error="stop"' in result.error
    assert not (instance.folder("outbox") / "out.jsonl").exists()
    assert not list(instance.folder("outbox").glob(".*.part"))


def test_max_errors_fails_the_run(instance, store) -> None:
    break_prices(instance.home / "erp.db", 5)
    result = run_task(instance, store, action(attrs='max-errors="2"'))
    assert result.state == "failed" and "max-errors" in result.error
    assert result.failed == 2


def test_interrupted_run_is_recorded_and_leaves_no_file(instance, store) -> None:
    def interrupt(done: int, total: int | None) -> None:
        if done >= 100:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_task(instance, store, action(), progress=interrupt)
    [run] = store.runs("t")
    assert run.state == "interrupted" and run.read == 100
    assert not any(instance.folder("outbox").iterdir())


def test_filter_and_keys_file_select_records(instance, store, tmp_path: Path) -> None:
    keys = instance.home / "selections" / "keys.csv"
    keys.write_text("A-100001\nA-100002\nA-100003\n")
    selection = ('<selection><filter>A.VK1 &gt; 0</filter>'
                 '<keys file="selections/keys.csv"/></selection>')
    cli_keys = tmp_path / "cli.csv"
    cli_keys.write_text("A-100002;x\nA-100003;y\n")
    result = run_task(instance, store, action(selection=selection), select=cli_keys)
    assert (result.read, result.written, result.skipped) == (300, 2, 298)


def test_a_path_outside_the_instance_is_refused(instance, store, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.jsonl"
    result = run_task(instance, store, action(target=f'<jsonl file="{outside}"/>'))
    assert result.state == "failed" and "outside the instance folder" in result.error
    assert not outside.exists()


def test_unknown_column_fails_the_set_up_with_a_suggestion(instance, store) -> None:
    result = run_task(instance, store, action(formula="A.VK2 * 2"))
    assert result.state == "failed"
    assert "no column 'VK2' (did you mean 'VK1'?)" in result.error


def test_csv_source_to_sql_upsert(instance, store) -> None:
    with sqlite3.connect(instance.home / "erp.db") as db:
        db.execute("CREATE TABLE amazon_price(sku TEXT PRIMARY KEY, price NUMERIC)")
        db.execute("INSERT INTO amazon_price VALUES ('A-1', 1.00)")
    prices = instance.folder("inbox") / "prices.csv"
    prices.write_text("SKU;PRICE\nA-1;19,99\nA-2;5\n", encoding="utf-8")
    source = '<csv file="{inbox}/prices.csv"/>'
    target = '<sql-upsert connection="erp" table="amazon_price" key="sku"/>'
    result = run_task(instance, store, action(source=source, formula="num(A.PRICE) * 2",
                                              target=target))
    assert result.state == "succeeded", result.error
    with sqlite3.connect(instance.home / "erp.db") as db:
        rows = db.execute("SELECT sku, price FROM amazon_price ORDER BY sku").fetchall()
    assert rows == [("A-1", 39.98), ("A-2", 10)]


def scripted(instance, script: str, limits: str = "", formula: str = "A.VK1"):
    (instance.scripts_dir / "hook.py").write_text(script)
    text = ACTION.format(attrs="", source=SQL, selection="", formula=formula,
                         target='<jsonl file="{outbox}/x.jsonl"/>')
    text = text.replace("</action>", f'{limits}<script hook="transform" src="hook.py"/></action>')
    return load_action_bytes(text.encode(), "t.xml")


def test_a_transform_script_changes_skips_and_fails_records(instance, store) -> None:
    script = """
from decimal import Decimal

def before_run(ctx):
    ctx.lookup["skip"] = "A-100002"

def transform(record, ctx):
    if record["sku"] == ctx.lookup["skip"]:
        ctx.log("skipped on purpose")
        return None
    if record["sku"] == "A-100003":
        raise ValueError("no good")
    record["price"] = Decimal("1.99")
    return record

def after_run(ctx, summary):
    ctx.log("done: " + str(summary["written"]))
"""
    result = run_task(instance, store, scripted(instance, script))
    assert result.state == "succeeded", result.error
    assert (result.read, result.skipped, result.failed, result.written) == (300, 1, 1, 298)
    rows = [orjson.loads(x) for x in (instance.folder("outbox") / "x.jsonl").read_bytes()
            .splitlines()]
    assert {r["price"] for r in rows} == {1.99}
    messages = store.messages(result.run_id)
    texts = [(m.severity, m.record_key, m.text) for m in messages]
    assert ("info", "A-100002", "hook.py:9: skipped on purpose") in texts
    [error] = [t for t in texts if t[0] == "error"]
    assert error[1] == "A-100003" and "hook.py" in error[2] and "no good" in error[2]
    assert any(t[2].startswith("hook.py:") and "done: 298" in t[2] for t in texts)


def test_a_script_past_its_limit_fails_the_run(instance, store) -> None:
    script = "def transform(record, ctx):\n    while True:\n        pass\n"
    action = scripted(instance, script, limits='<limits cpu-seconds="1" wall-seconds="5"/>')
    result = run_task(instance, store, action)
    assert result.state == "failed" and "hook.py" in result.error
    assert not (instance.folder("outbox") / "x.jsonl").exists()


def test_csv_with_decimal_comma_for_german_excel(instance, store) -> None:
    target = '<csv file="{outbox}/p.csv" delimiter=";" decimal=","/>'
    result = run_task(instance, store, action(formula="A.VK1 * 1.2", target=target))
    assert result.state == "succeeded", result.error
    lines = (instance.folder("outbox") / "p.csv").read_text().splitlines()
    with sqlite3.connect(instance.home / "erp.db") as db:
        sku, price = db.execute("SELECT article_no, vk1 FROM article ORDER BY article_no "
                                "LIMIT 1").fetchone()
    from decimal import Decimal

    expected = format(Decimal(repr(price)) * Decimal("1.2"), "f").replace(".", ",")
    assert lines[1] == f"{sku};{expected}"


def test_decimal_comma_cannot_be_the_delimiter(instance, store) -> None:
    target = '<csv file="{outbox}/p.csv" delimiter="," decimal=","/>'
    result = run_task(instance, store, action(target=target))
    assert result.state == "failed" and "cannot also be the delimiter" in result.error
