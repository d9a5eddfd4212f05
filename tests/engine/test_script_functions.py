"""Formulas that call the functions of a ``functions`` script: run in the sandbox worker."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from server.actions.loader import load_action_bytes
from server.engine import load_plugins
from server.engine.pipeline import run_task
from server.errors import ActionXmlError
from server.store import Store

load_plugins()

ACTION = """<?xml version="1.0"?>
<action xmlns="urn:synccenter:action:1" id="f" channel="amazon-de">
  <title>functions</title>
  <task id="main" title="main" key="{key}">
    <source><sql connection="erp" batch-size="40">SELECT article_no AS SKU, vk1 AS VK1,
      title AS TITLE FROM article ORDER BY article_no</sql></source>
    {selection}
    <fields>
      <field name="sku"><column>SKU</column></field>
      <field name="code"><formula>{code}</formula></field>
      <field name="price"><formula>{formula}</formula></field>
    </fields>
    <target><jsonl file="{{outbox}}/f.jsonl"/></target>
  </task>
  {limits}
  <script hook="functions" src="helpers.py"/>
  {more}
</action>
"""

HELPERS = """
from decimal import Decimal

def price_end(value):
    if value is None:
        raise ValueError("no price")
    return (Decimal(value) // 1) + Decimal("0.95")

def lower_code(sku):
    print("code for " + sku)
    return sku.lower()

def is_even(sku):
    return int(sku[-1]) % 2 == 0

def spin(value):
    while True:
        pass

def a_set(value):
    return {1, 2}
"""


@pytest.fixture
def store(instance):
    with Store.open(instance.store_url()) as opened:
        yield opened


def make(instance, *, formula: str = "price_end(A.VK1)", code: str = "lower_code(A.SKU)",
         selection: str = "", limits: str = "", more: str = "", key: str = "sku",
         helpers: str = HELPERS):
    (instance.scripts_dir / "helpers.py").write_text(helpers)
    text = ACTION.format(formula=formula, code=code, selection=selection, limits=limits,
                         more=more, key=key)
    return load_action_bytes(text.encode(), "f.xml")


def output(instance) -> list[dict]:
    path = instance.folder("outbox") / "f.jsonl"
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def prices(erp: Path) -> dict[str, float | None]:
    with sqlite3.connect(erp) as db:
        return dict(db.execute("SELECT article_no, vk1 FROM article"))


def test_formulas_call_the_functions_of_the_script(instance, store) -> None:
    result = run_task(instance, store, make(instance))
    assert result.state == "succeeded", result.error
    rows = output(instance)
    assert len(rows) == result.written == result.read == len(prices(instance.home / "erp.db"))
    expected = prices(instance.home / "erp.db")
    for row in rows:
        assert row["code"] == row["sku"].lower()
        assert row["price"] == int(expected[row["sku"]]) + 0.95
    messages = [(m.severity, m.record_key, m.text) for m in store.messages(result.run_id)]
    first = rows[0]["sku"]
    assert ("info", first, f"helpers.py:10: code for {first}") in messages


def test_a_function_that_raises_fails_its_record_with_file_and_line(instance, store) -> None:
    with sqlite3.connect(instance.home / "erp.db") as db:
        broken = db.execute("SELECT min(article_no) FROM article").fetchone()[0]
        db.execute("UPDATE article SET vk1 = NULL WHERE article_no = ?", (broken,))
    result = run_task(instance, store, make(instance))
    assert result.state == "succeeded", result.error
    assert result.failed == 1 and result.written == result.read - 1
    [error] = [m for m in store.messages(result.run_id) if m.severity == "error"]
    assert error.record_key == broken and error.field == "price"
    assert "ValueError: no price" in error.text and "helpers.py:6" in error.text


def test_a_filter_and_a_key_selection_with_functions(instance, store, tmp_path) -> None:
    selection = "<selection><filter>is_even(A.SKU)</filter></selection>"
    result = run_task(instance, store, make(instance, selection=selection))
    assert result.state == "succeeded", result.error
    assert result.written == result.read - result.skipped > 0
    assert all(int(row["sku"][-1]) % 2 == 0 for row in output(instance))

    # the key is a formula that calls a function: the selection applies after mapping
    keys = tmp_path / "keys.csv"
    keys.write_text("code\na-100001\na-100004\nnone-such\n")
    result = run_task(instance, store, make(instance, key="code"), select=keys)
    assert result.state == "succeeded", result.error
    assert sorted(row["code"] for row in output(instance)) == ["a-100001", "a-100004"]
    assert result.skipped == result.read - 2
    warning = [m.text for m in store.messages(result.run_id) if m.severity == "warning"]
    assert any("none-such" in text for text in warning)


def test_a_function_past_its_cpu_limit_fails_the_run(instance, store) -> None:
    action = make(instance, formula="spin(A.VK1)",
                  limits='<limits cpu-seconds="1" wall-seconds="10"/>')
    result = run_task(instance, store, action)
    assert result.state == "failed"
    assert "CPU time" in result.error and "helpers.py" in result.error
    assert not (instance.folder("outbox") / "f.jsonl").exists()


def test_a_value_that_cannot_cross_fails_the_record(instance, store) -> None:
    result = run_task(instance, store, make(instance, formula="a_set(A.VK1)"))
    assert result.state == "succeeded", result.error
    assert result.failed == result.read and result.written == 0
    error = next(m for m in store.messages(result.run_id) if m.severity == "error")
    assert "a set" in error.text and error.field == "price"


def test_unknown_function_is_refused_with_a_suggestion(instance, store) -> None:
    result = run_task(instance, store, make(instance, formula="price_ends(A.VK1)"))
    assert result.state == "failed"
    assert "unknown name 'price_ends'" in result.error
    assert "did you mean 'price_end'" in result.error


def test_a_function_may_not_replace_a_formula_function(instance, store) -> None:
    helpers = HELPERS + "\ndef round(value, digits=0):\n    return value\n"
    result = run_task(instance, store, make(instance, helpers=helpers))
    assert result.state == "failed"
    assert "helpers.py defines round()" in result.error


def test_functions_are_only_offered_by_functions_scripts(instance, store) -> None:
    text = ACTION.format(formula="price_end(A.VK1)", code="A.SKU", selection="", limits="",
                         more="", key="sku").replace('hook="functions"', 'hook="transform"')
    with pytest.raises(ActionXmlError, match="unknown name 'price_end'"):
        load_action_bytes(text.encode(), "f.xml")


def test_the_same_function_in_two_scripts_is_refused(instance, store) -> None:
    (instance.scripts_dir / "more.py").write_text("def lower_code(sku):\n    return sku\n")
    action = make(instance, more='<script hook="functions" src="more.py"/>')
    result = run_task(instance, store, action)
    assert result.state == "failed"
    assert "lower_code" in result.error and "also defined" in result.error


def test_a_function_cannot_reach_the_host(instance, store) -> None:
    helpers = HELPERS + (
        "\ndef peek(value):\n    return open('/etc/passwd').read()\n"
    )
    result = run_task(instance, store, make(instance, helpers=helpers, formula="peek(A.VK1)"))
    assert result.failed == result.read and result.written == 0
    error = next(m for m in store.messages(result.run_id) if m.severity == "error")
    assert "open" in error.text and "root:" not in error.text
