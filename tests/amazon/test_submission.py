"""From the ERP to the (simulated) marketplace: the stock-and-prices action in simulator mode.

The shipped action runs unchanged; only the channel's mode says where the feed goes. Every
record is accounted for: taken by Amazon (written) or refused in its processing report
(failed, with Amazon's reason in the logbook), also when 30 % of the requests meet a fault.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from server.actions.repository import ActionRepository
from server.amazon.simulator import Simulator, sample_attributes, serve_simulator
from server.config import Instance
from server.engine import load_plugins
from server.engine.pipeline import run_task
from server.store import Store

load_plugins()
DE = "A1PA6795UKMFR9"


def listed_and_unlisted(instance: Instance, simulator: Simulator, listed: int) -> list[str]:
    """Give the simulated seller listings for the first ``listed`` active articles."""
    with sqlite3.connect(instance.home / "erp.db") as db:
        skus = [row[0] for row in db.execute(
            "SELECT article_no FROM article WHERE active = 1 ORDER BY article_no")]
    for sku in skus[:listed]:
        outcome = simulator.listings.submit(
            sku=sku, marketplace_id=DE, operation="PUT", now=simulator.now(),
            product_type="PRODUCT", attributes=sample_attributes("PRODUCT"))
        assert outcome.status == "ACCEPTED", outcome
    return skus


def simulator_channel(instance: Instance, base_url: str, token_url: str,
                      extra: str = "") -> Instance:
    text = instance.config_file.read_text()
    text = text.replace('mode = "file"', f'mode = "simulator"\napi_url = "{base_url}"\n'
                                         f'token_url = "{token_url}"\n{extra}')
    instance.config_file.write_text(text)
    return Instance.load(instance.home)


# Faults are drawn from the seed in request order. With seed 2 they hit createFeedDocument
# (a timeout), getFeed (500, timeouts) and more, but not createFeed with a 429: that one is
# allowed once per two minutes, so the client would rightly wait two minutes.
@pytest.mark.parametrize(("fault_rate", "seed"), [(0.0, 5), (0.3, 2)])
def test_stock_and_prices_reach_the_marketplace(instance, fault_rate: float, seed: int) -> None:
    simulator = Simulator(seed=seed, fault_rate=fault_rate, fault_delay=1.0,
                          starting_catalog=False, job_step_seconds=1.0)
    with serve_simulator(simulator) as running:
        skus = listed_and_unlisted(instance, simulator, listed=40)
        live = simulator_channel(instance, running.base_url, running.token_url,
                                 "timeout = 0.5\nmax_attempts = 12\n")
        action = ActionRepository(live.actions_dir).load("amazon-stock-prices")
        with Store.open(live.store_url()) as store:
            result = run_task(live, store, action, "export")
            messages = store.messages(result.run_id)
    assert result.state == "succeeded", result.error
    assert result.read == len(skus)
    assert result.written == 40 and result.failed == len(skus) - 40
    assert result.written + result.failed + result.skipped == result.read
    refused = {m.record_key for m in messages if m.severity == "error"}
    assert refused == set(skus[40:])
    assert any("processed" in m.text for m in messages if m.severity == "info")
    with sqlite3.connect(instance.home / "erp.db") as db:
        first = db.execute("SELECT a.vk1, s.quantity - s.reserved FROM article a JOIN stock s "
                           "ON s.article_no = a.article_no WHERE a.article_no = ?",
                           (skus[0],)).fetchone()
    attributes = simulator.listings.get(skus[0], DE).attributes
    [availability] = attributes["fulfillment_availability"]
    assert availability["quantity"] == max(0, first[1])
    [offer] = attributes["purchasable_offer"]
    price = offer["our_price"][0]["schedule"][0]["value_with_tax"]
    assert Decimal(str(price)) == Decimal(str(first[0])).quantize(Decimal("0.01"))
    if fault_rate:
        assert sum(simulator.faults.counts.values()) >= 3  # faults were met and overcome
