"""The price guard of the stock-and-prices action: a price outside floor and ceiling is
refused with the reason, and never reaches the feed."""

from __future__ import annotations

import sqlite3

import orjson

from server.actions.repository import ActionRepository
from server.engine import load_plugins
from server.engine.pipeline import run_task
from server.store import Store

load_plugins()


def test_a_price_below_the_floor_or_above_the_ceiling_is_not_sent(instance) -> None:
    with sqlite3.connect(instance.home / "erp.db") as db:
        low, high = [row[0] for row in db.execute(
            "SELECT article_no FROM article WHERE active = 1 ORDER BY article_no LIMIT 2")]
        db.execute("UPDATE article SET purchase_price = 50, vk1 = 40 WHERE article_no = ?",
                   (low,))
        db.execute("UPDATE article SET purchase_price = 5, vk1 = 80 WHERE article_no = ?",
                   (high,))
    action = ActionRepository(instance.actions_dir).load("amazon-stock-prices")
    with Store.open(instance.store_url()) as store:
        result = run_task(instance, store, action, "export")
        errors = {m.record_key: m.text for m in store.messages(result.run_id)
                  if m.severity == "error"}
    assert result.state == "succeeded" and result.failed == 2
    assert "price 40.00 is below the price-floor 52.50" in errors[low]
    assert "price 80.00 is above the price-ceiling 50" in errors[high]
    [feed] = (instance.folder("outbox") / "amazon-de").glob("stock-prices-*.json")
    skus = {m["sku"] for m in orjson.loads(feed.read_bytes())["messages"]}
    assert low not in skus and high not in skus and len(skus) == result.written
