"""The command line, end to end, on an instance with the demo ERP."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import main
from tests.conftest import ROOT

SHARED_FEED_SCHEMA = (ROOT.parent / "shared" / "amazon" / "spapi-models" / "schemas" / "feeds"
                      / "listings-feed-schema-v2.json")


def cli(instance_home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--instance", str(instance_home), *args])
    return result.exit_code, result.output


def active_articles(erp: Path) -> dict[str, tuple[float, int, int]]:
    with sqlite3.connect(erp) as db:
        rows = db.execute("SELECT a.article_no, a.vk1, s.quantity, s.reserved FROM article a "
                          "JOIN stock s USING (article_no) WHERE a.active = 1").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_demo_creates_instance_and_writes_the_amazon_feed(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    code, output = cli(home, "demo", "--articles", "250")
    assert code == 0, output
    assert "(generated)" in output
    feed = Path(next(line.split()[-1] for line in output.splitlines()
                     if line.startswith("written:")))
    assert feed.parent == home / "outbox" / "amazon-de" and feed.suffix == ".json"
    summary = next(line for line in output.splitlines() if line.startswith("run "))
    assert "succeeded: read" in summary and "failed 0" in summary and " s" in summary

    document = json.loads(feed.read_bytes())
    articles = active_articles(home / "erp.db")
    assert document["header"] == {"sellerId": "A2DEMOSELLER1", "version": "2.0",
                                  "issueLocale": "en_US"}
    messages = document["messages"]
    assert [m["messageId"] for m in messages] == list(range(1, len(articles) + 1))
    for message in messages:
        price, quantity, reserved = articles[message["sku"]]
        patches = {p["path"]: p["value"][0] for p in message["patches"]}
        availability = patches["/attributes/fulfillment_availability"]
        assert availability["quantity"] == max(0, quantity - reserved)
        assert availability["lead_time_to_ship_max_days"] == 2
        offer = patches["/attributes/purchasable_offer"]
        assert offer["our_price"][0]["schedule"][0]["value_with_tax"] == round(price, 2)
        assert offer["marketplace_id"] == "A1PA6795UKMFR9" and offer["currency"] == "EUR"

    # The second time, the instance and its ERP are kept.
    code, output = cli(home, "demo")
    assert code == 0 and "(kept)" in output


def test_feed_validates_against_amazons_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SHARED_FEED_SCHEMA.is_file():
        pytest.skip(f"Amazon's feed schema is not at {SHARED_FEED_SCHEMA} (../shared absent)")
    home = tmp_path / "demo"
    code, output = cli(home, "demo", "--articles", "60")
    assert code == 0, output
    [feed] = (home / "outbox" / "amazon-de").glob("*.json")
    schema = json.loads(SHARED_FEED_SCHEMA.read_bytes())
    jsonschema.validate(json.loads(feed.read_bytes()), schema)


def test_run_with_selection_dry_run_and_log(instance, tmp_path: Path) -> None:
    home = instance.home
    keys = sorted(active_articles(home / "erp.db"))[:3]
    selection = tmp_path / "selection.csv"
    selection.write_bytes(("\ufeffArtikelnummer;Titel\n" + "".join(f"{k};x\n" for k in keys)
                           + "NOPE-1;y\n").encode())

    code, output = cli(home, "run", "amazon-stock-prices", "--select", str(selection),
                       "--dry-run")
    assert code == 0, output
    assert "written 3," in output and "(dry run: nothing written)" in output
    assert not list((home / "outbox").rglob("*.json"))

    code, output = cli(home, "run", "amazon-stock-prices", "--task", "preview",
                       "--select", str(selection))
    assert code == 0, output
    [workbook] = (home / "outbox" / "amazon-de").glob("*.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(workbook, read_only=True)
    rows = list(book["Template"].iter_rows(values_only=True))
    book.close()
    # Amazon's category-workbook layout: settings, labels in row 4, paths in row 5
    assert rows[0][0].startswith("settings=TemplateType=unified&")
    assert rows[3] == ("SKU", "External Product ID", "Item Name", "Your Price EUR", "Quantity")
    assert rows[4][0] == "contribution_sku#1.value"
    assert rows[4][4] == "fulfillment_availability#1.quantity"
    assert rows[4][3] == ("purchasable_offer[marketplace_id=A1PA6795UKMFR9][audience=ALL]"
                          "#1.our_price#1.schedule#1.value_with_tax")
    assert sorted(r[0] for r in rows[6:]) == keys

    code, output = cli(home, "log")
    assert code == 0
    lines = output.splitlines()
    assert lines[0].split()[:3] == ["RUN", "ACTION/TASK", "STATE"]
    assert "amazon-stock-prices/preview" in lines[1] and "succeeded" in lines[1]
    assert "succeeded (dry)" in lines[2]

    run_id = lines[1].split()[0]
    code, output = cli(home, "log", "--run", run_id)
    assert "selection: selection.csv (4 keys)" in output
    assert "1 of 4 selected keys" in output and "NOPE-1" in output
    assert str(workbook) in output


def test_record_errors_are_logged_against_the_record(instance) -> None:
    home = instance.home
    with sqlite3.connect(home / "erp.db") as db:
        db.execute("UPDATE article SET vk1 = NULL WHERE article_no = "
                   "(SELECT min(article_no) FROM article WHERE active = 1)")
        broken = db.execute("SELECT article_no FROM article WHERE vk1 IS NULL").fetchone()[0]
    action = home / "actions" / "amazon-stock-prices.xml"
    action.write_text(action.read_text().replace("round(A.VK1, 2)", "round(A.VK1 * 1.2, 2)", 1))

    code, output = cli(home, "run", "amazon-stock-prices")
    assert code == 3, output
    assert "failed 1" in output
    run_id = output.split("run ", 1)[1].split()[0]
    code, output = cli(home, "log", "--run", run_id, "--errors")
    assert broken in output
    assert "field 'price'" in output and "A.VK1 = None" in output


def test_setup_errors_fail_the_run_clearly(instance) -> None:
    home = instance.home
    action = home / "actions" / "amazon-stock-prices.xml"
    action.write_text(action.read_text().replace("FROM article a", "FROM artikel a", 1))
    code, output = cli(home, "run", "amazon-stock-prices")
    assert code == 1
    assert "no such table: artikel" in output
    assert not list((home / "outbox").rglob("*.json"))
    code, output = cli(home, "log", "amazon-stock-prices")
    assert "failed" in output.splitlines()[1]


def test_missing_connection_names_where_it_looked(instance) -> None:
    config = instance.config_file
    config.write_text(config.read_text().replace("[connections.erp]", "[connections.shop]"))
    code, output = cli(instance.home, "run", "amazon-stock-prices")
    assert code == 1
    assert "connection 'erp' is not configured" in output
    assert str(config) in output and "SYNCCENTER_CONNECTION_ERP_URL" in output


def test_validate_prints_every_problem_and_fails(tmp_path: Path) -> None:
    good = ROOT / "actions" / "xml" / "amazon-stock-prices.xml"
    bad = tmp_path / "bad.xml"
    bad.write_text(good.read_text().replace("<fields>", "<feilds>", 1)
                   .replace("</fields>", "</feilds>", 1).replace('mode="manual"', 'mode="auto"'))
    result = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{good}: ok" in lines
    problems = [line for line in lines if line.startswith(f"{bad}:")]
    assert len(problems) == 2
    assert "unexpected element <feilds>" in problems[0] and "<fields>" in problems[0]
    assert "mode='auto'" in problems[1] and "did you mean 'automatic'" in problems[1]


def test_actions_lists_title_channel_tasks_and_start_mode(instance) -> None:
    code, output = cli(instance.home, "actions")
    assert code == 0
    header, *rows = output.splitlines()
    assert header.split() == ["ID", "TITLE", "CHANNEL", "TASKS", "START"]
    cells = [[c.strip() for c in row.split("  ") if c.strip()] for row in rows]
    assert ["amazon-stock-prices", "Amazon stock and prices", "amazon-de",
            "export, preview", "manual"] in cells
    assert ["erp-article-export", "Export articles", "amazon-de", "jsonl, csv, xlsx",
            "manual"] in cells
    assert ["erp-price-list", "Reseller price list", "amazon-de", "csv", "manual"] in cells


def test_export_has_no_secret_and_import_duplicates(instance, tmp_path: Path) -> None:
    home = instance.home
    secrets = home / "secrets.toml"
    secrets.write_text('[secrets]\nerp_password = "Very-Secret-42"\n')
    secrets.chmod(0o600)
    action = home / "actions" / "amazon-stock-prices.xml"
    action.write_text(action.read_text().replace(
        "<title>", "<!-- erp login: sync / Very-Secret-42, "
        "postgresql://sync:hunter2@db/erp -->\n  <title>", 1))

    exported = tmp_path / "copy.xml"
    code, output = cli(home, "export", "amazon-stock-prices", "-o", str(exported))
    assert code == 0, output
    text = exported.read_text()
    assert "Very-Secret-42" not in text and "hunter2" not in text
    assert "sync / ***" in text and "postgresql://sync:***@db/erp" in text

    code, output = cli(home, "import", str(exported))
    assert code == 1 and "exists already" in output and "--id" in output

    code, output = cli(home, "import", str(exported), "--id", "amazon-fr-stock")
    assert code == 0, output
    copy = home / "actions" / "amazon-fr-stock.xml"
    assert copy.read_text() == text.replace('id="amazon-stock-prices"', 'id="amazon-fr-stock"')
    code, output = cli(home, "actions")
    assert "amazon-fr-stock" in output


def test_import_validates_first(instance, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text((ROOT / "actions/xml/amazon-stock-prices.xml").read_text()
                   .replace('channel="amazon-de"', 'chanel="amazon-de"'))
    code, output = cli(instance.home, "import", str(bad), "--id", "other")
    assert code == 1
    assert "has no attribute 'chanel' (did you mean 'channel'?)" in output
    assert not (instance.home / "actions" / "other.xml").exists()


def test_secrets_file_readable_by_others_is_refused(instance) -> None:
    secrets = instance.home / "secrets.toml"
    secrets.write_text('[secrets]\nx = "1"\n')
    os.chmod(secrets, stat.S_IRUSR | stat.S_IWUSR | stat.S_IROTH)
    code, output = cli(instance.home, "export", "amazon-stock-prices", "-o",
                       str(instance.home / "x.xml"))
    assert code == 1 and "chmod 600" in output


def test_unknown_action_suggests_the_nearest(instance) -> None:
    code, output = cli(instance.home, "run", "amazon-stock-price")
    assert code == 1 and "did you mean 'amazon-stock-prices'" in output


def test_missing_instance_says_how_to_create_one(tmp_path: Path) -> None:
    code, output = cli(tmp_path / "nowhere", "actions")
    assert code == 1 and "synccenter init" in output


def test_article_export_writes_each_file_format(instance) -> None:
    home = instance.home
    articles = active_articles(home / "erp.db")
    sellable = {k for k, (price, stock, reserved) in articles.items()
                if stock - reserved > 0 and price > 0}
    for task in ("jsonl", "csv", "xlsx"):
        code, output = cli(home, "run", "erp-article-export", "--task", task)
        assert code == 0, output

    [jsonl] = (home / "outbox").glob("articles-*.jsonl")
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert {r["sku"] for r in records} == sellable
    first = records[0]
    price = articles[first["sku"]][0]
    assert first["price_gross"] == round(price, 2) and first["currency"] == "EUR"

    [csv_file] = (home / "outbox").glob("articles-*.csv")
    text = csv_file.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "sku;ean;title;price;available"
    assert len(text.splitlines()) == len(articles) + 1


def test_price_list_runs_the_shipped_scripts(instance) -> None:
    home = instance.home
    with sqlite3.connect(home / "erp.db") as db:
        first = db.execute("SELECT min(article_no) FROM article WHERE active = 1").fetchone()[0]
        db.execute("UPDATE article SET ean = '4006381333932' WHERE article_no = ?", (first,))
    code, output = cli(home, "run", "erp-price-list")
    assert code == 0, output
    assert "skipped 1," in output
    [price_list] = (home / "outbox").glob("price-list-*.csv")
    lines = price_list.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert len(lines) == len(active_articles(home / "erp.db")) - 1
    assert all(line.split(";")[3].endswith(",99") for line in lines)
    run_id = output.split("run ", 1)[1].split()[0]
    code, output = cli(home, "log", "--run", run_id)
    assert first in output and "wrong check digit" in output
