"""The first days with a new Amazon account, end to end through the command line and the
simulator: import the category tree and product types, assign a category, check the data
quality, preview, upload, and find the listings in Amazon's all-listings report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
from click.testing import CliRunner

from server.amazon.simulator import Simulator, serve_simulator
from server.cli import main
from tests.amazon.test_submission import simulator_channel
from tests.catalogue.workbooks import write_guide
from tests.conftest import ROOT

REPORT = """<?xml version="1.0"?>
<action xmlns="urn:synccenter:action:1" id="listings-report" channel="amazon-de">
  <title>listings report</title>
  <task id="read" title="read" key="sku">
    <source><amazon-report type="GET_MERCHANT_LISTINGS_ALL_DATA"/></source>
    <fields><field name="sku"><formula>A["seller-sku"]</formula></field></fields>
    <target><jsonl file="{outbox}/listed.jsonl"/></target>
  </task>
</action>
"""


def test_categories_assignment_quality_upload_and_report(instance, tmp_path: Path) -> None:
    with sqlite3.connect(instance.home / "erp.db") as db:
        skus = [row[0] for row in db.execute(
            "SELECT article_no FROM article WHERE active = 1 ORDER BY article_no LIMIT 4")]
    selection = tmp_path / "some.csv"
    selection.write_text("sku\n" + "\n".join(skus) + "\n")
    jackets = tmp_path / "jackets.csv"
    jackets.write_text(f"sku\n{skus[0]}\n")
    guide = write_guide(tmp_path / "guide.xlsx")
    (instance.actions_dir / "amazon-products.xml").write_bytes(
        (ROOT / "actions" / "xml" / "amazon-products.xml").read_bytes())
    (instance.actions_dir / "listings-report.xml").write_text(REPORT)
    simulator = Simulator(seed=9, starting_catalog=False, job_step_seconds=1.0)
    with serve_simulator(simulator) as running:
        live = simulator_channel(instance, running.base_url, running.token_url)

        def cli(*args: str) -> str:
            result = CliRunner().invoke(main, ["--instance", str(live.home), *args])
            assert result.exit_code in (0, 3), result.output
            return result.output

        assert "8 new, 0 updated" in cli("categories", "import", str(guide))
        assert "9111" in cli("categories", "search", "Jacken")
        cli("product-types", "import", "--api", "PRODUCT", "--api", "SHIRT")
        cli("assign", "--product-type", "SHIRT", "--select", str(jackets))
        quality = cli("quality", "amazon-products", "--select", str(selection))
        line = next(x for x in quality.splitlines() if x.startswith(skus[0]))
        assert "SHIRT" in line and "color" in line  # a shirt needs more than the ERP gives
        assert "3 of 4 articles" in quality
        cli("run", "amazon-products", "--task", "preview", "--select", str(selection))
        cli("run", "amazon-products", "--task", "upload", "--select", str(selection))
        cli("run", "listings-report")
    listed = [orjson.loads(x)["sku"] for x in
              (live.folder("outbox") / "listed.jsonl").read_bytes().splitlines()]
    assert sorted(listed) == skus[1:]  # the shirt lacks required attributes: not sent
