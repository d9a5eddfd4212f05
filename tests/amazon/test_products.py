"""The product data action against the simulator: preview, validate, upload, and on the
next upload only what changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
from openpyxl import load_workbook

from server.actions.loader import load_action
from server.amazon.simulator import Simulator, serve_simulator
from server.engine import load_plugins
from server.engine.pipeline import run_task
from server.engine.selection import read_keys
from server.store import Store
from tests.amazon.test_submission import simulator_channel
from tests.conftest import ROOT

load_plugins()
DE = "A1PA6795UKMFR9"


def test_preview_validate_upload_and_send_only_changes(instance, tmp_path: Path) -> None:
    with sqlite3.connect(instance.home / "erp.db") as db:
        skus = [row[0] for row in db.execute(
            "SELECT article_no FROM article WHERE active = 1 ORDER BY article_no LIMIT 6")]
        db.execute("UPDATE article SET description = NULL WHERE article_no = ?", (skus[0],))
    selection = tmp_path / "some.csv"
    selection.write_text("sku\n" + "\n".join(skus) + "\n")
    keys = read_keys(selection)
    action = load_action(ROOT / "actions" / "xml" / "amazon-products.xml")
    simulator = Simulator(seed=3, starting_catalog=False, job_step_seconds=1.0)
    with serve_simulator(simulator) as running:
        live = simulator_channel(instance, running.base_url, running.token_url)
        with Store.open(live.store_url()) as store:
            def run(task: str):
                result = run_task(live, store, action, task, select=keys)
                errors = {m.record_key: m.text for m in store.messages(result.run_id)
                          if m.severity == "error"}
                return result, errors, store.messages(result.run_id)

            preview, errors, _ = run("preview")
            assert preview.state == "succeeded", preview.error
            assert (preview.written, preview.failed) == (5, 1)
            assert "required attribute 'product_description' is missing" in errors[skus[0]]
            [workbook] = (live.folder("outbox") / "amazon-de").glob("products-preview-*.xlsx")
            book = load_workbook(workbook, read_only=True)
            rows = list(book["Template"].iter_rows(values_only=True))
            book.close()
            assert rows[4][0] == "contribution_sku#1.value"
            assert sorted(r[0] for r in rows[6:]) == skus[1:]

            validated, errors, _ = run("validate")
            assert validated.state == "succeeded" and set(errors) == {skus[0]}
            assert simulator.listings.get(skus[1], DE) is None  # validation changes nothing

            uploaded, errors, _ = run("upload")
            assert uploaded.state == "succeeded" and uploaded.written == 5
            assert all(simulator.listings.get(sku, DE) for sku in skus[1:])

            with sqlite3.connect(live.home / "erp.db") as db:
                db.execute("UPDATE article SET vk1 = 123.45 WHERE article_no = ?", (skus[2],))
            again, errors, messages = run("upload")
            assert again.state == "succeeded"
    [feed] = sorted((live.folder("outbox") / "amazon-de").glob("products-2*.json"))[-1:]
    sent = orjson.loads(feed.read_bytes())["messages"]
    assert [m["sku"] for m in sent] == [skus[2]]
    assert sent[0]["operationType"] == "PATCH"
    assert [p["path"] for p in sent[0]["patches"]] == ["/attributes/purchasable_offer"]
    assert any("our_price" in m.text and "123.45" in m.text for m in messages
               if m.record_key == skus[2])
    offer = simulator.listings.get(skus[2], DE).attributes["purchasable_offer"][0]
    assert offer["our_price"][0]["schedule"][0]["value_with_tax"] == 123.45


def test_quality_prints_dq1_and_dq2_with_reasons(instance) -> None:
    from click.testing import CliRunner

    from server.cli import main

    with sqlite3.connect(instance.home / "erp.db") as db:
        first = db.execute("SELECT min(article_no) FROM article WHERE active = 1").fetchone()[0]
        db.execute("UPDATE article SET description = NULL WHERE article_no = ?", (first,))
        active = db.execute("SELECT count(*) FROM article WHERE active = 1").fetchone()[0]
    (instance.actions_dir / "amazon-products.xml").write_bytes(
        (ROOT / "actions" / "xml" / "amazon-products.xml").read_bytes())
    schema = ROOT / "server" / "amazon" / "simulator" / "product_types" / "PRODUCT.json"
    home = ["--instance", str(instance.home)]
    result = CliRunner().invoke(main, [*home, "product-types", "import", str(schema)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, [*home, "quality", "amazon-products"])
    assert result.exit_code == 0, result.output
    assert f" of {active} articles have every required attribute" in result.output, \
        result.output.splitlines()[-1]
    line = next(x for x in result.output.splitlines() if x.startswith(first))
    assert "89%" in line and "product_description" in line
