"""The amazon-report source: a report from the inbox (file mode) or from Amazon."""

from __future__ import annotations

import os

import orjson

from server.actions.loader import load_action_bytes
from server.amazon.simulator import Simulator, serve_simulator
from server.engine import load_plugins
from server.engine.pipeline import run_task
from server.store import Store
from tests.amazon.test_submission import simulator_channel

load_plugins()

ACTION = """<?xml version="1.0"?>
<action xmlns="urn:synccenter:action:1" id="offers" channel="amazon-de">
  <title>offers</title>
  <task id="import" title="import" key="sku">
    <source><amazon-report type="GET_MERCHANT_LISTINGS_ALL_DATA" {file}/></source>
    <fields>
      <field name="sku"><formula>A["seller-sku"]</formula></field>
      <field name="title"><formula>A["item-name"]</formula></field>
      <field name="price"><formula>num(A.price)</formula></field>
    </fields>
    <target><jsonl file="{{outbox}}/offers.jsonl"/></target>
  </task>
</action>
"""
HEADER = "item-name\titem-description\tlisting-id\tseller-sku\tprice\tquantity\n"


def run(instance, file: str = ""):
    action = load_action_bytes(ACTION.format(file=file).encode(), "offers.xml")
    with Store.open(instance.store_url()) as store:
        return run_task(instance, store, action, "import")


def rows(instance) -> list[dict]:
    data = (instance.folder("outbox") / "offers.jsonl").read_bytes()
    return [orjson.loads(line) for line in data.splitlines()]


def test_file_mode_reads_the_newest_report_in_the_inbox(instance) -> None:
    folder = instance.folder("inbox") / "amazon-de"
    folder.mkdir(parents=True)
    old = folder / "GET_MERCHANT_LISTINGS_ALL_DATA-1.txt"
    old.write_text(HEADER + "Alt\t\t1\tOLD-1\t1,00\t1\n", encoding="utf-8")
    os.utime(old, (1_000_000, 1_000_000))
    new = folder / "GET_MERCHANT_LISTINGS_ALL_DATA-2.txt"
    new.write_bytes((HEADER + "Wanderschuh Größe 42\t\t2\tA-1\t89.90\t3\n"
                     "Jacke für Damen\t\t3\tA-2\t129.00\t0\n").encode("cp1252"))
    result = run(instance)
    assert result.state == "succeeded", result.error
    assert rows(instance) == [
        {"sku": "A-1", "title": "Wanderschuh Größe 42", "price": 89.9},
        {"sku": "A-2", "title": "Jacke für Damen", "price": 129},
    ]


def test_file_mode_without_a_report_says_where_to_put_it(instance) -> None:
    result = run(instance, 'file="{inbox}/listings-*.txt"')
    assert result.state == "failed"
    assert "no GET_MERCHANT_LISTINGS_ALL_DATA report in the inbox" in result.error
    assert "listings-*.txt" in result.error and "Seller Central" in result.error


def test_simulator_mode_requests_the_report(instance) -> None:
    simulator = Simulator(seed=4, job_step_seconds=1.0)
    with serve_simulator(simulator) as running:
        live = simulator_channel(instance, running.base_url, running.token_url)
        result = run(live)
    assert result.state == "succeeded", result.error
    listed = {sku for sku in simulator.listings.items}
    assert {row["sku"] for row in rows(live)} == listed and listed
    [copy] = (live.folder("inbox") / "amazon-de").glob("GET_MERCHANT_LISTINGS_ALL_DATA-*.txt")
    assert copy.read_bytes().startswith(b"item-name\t")
