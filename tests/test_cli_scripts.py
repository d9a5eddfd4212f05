"""synccenter script check / test, on the shipped example scripts."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from server.cli import main
from tests.conftest import ROOT

SCRIPTS = ROOT / "scripts"


def test_shipped_scripts_pass_the_check() -> None:
    result = CliRunner().invoke(main, ["script", "check", *map(str, SCRIPTS.glob("*.py"))])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == len(list(SCRIPTS.glob("*.py")))


def test_check_reports_every_violation_with_its_position(tmp_path: Path) -> None:
    evil = tmp_path / "evil.py"
    evil.write_text("import os\n\ndef transform(record, ctx):\n    return record.__class__\n")
    result = CliRunner().invoke(main, ["script", "check", str(evil)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{evil}:1:1: import of 'os' is not allowed")
    assert lines[1].startswith(f"{evil}:4:") and "__class__" in lines[1]


def test_script_test_prints_records_and_logs(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"sku": "A-1", "ean": "4006381333931", "price": 19.42}\n'
                    '{"sku": "A-2", "ean": "123", "price": 5}\n')
    result = CliRunner().invoke(main, ["script", "test", str(SCRIPTS / "skip_without_ean.py"),
                                       "--rows", str(rows)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert out == [{"sku": "A-1", "ean": "4006381333931", "price": 19.42}]
    assert "wrong check digit" in result.stderr and "1 skipped" in result.stderr

    result = CliRunner().invoke(main, ["script", "test", str(SCRIPTS / "round_prices.py"),
                                       "--rows", str(rows)])
    prices = [json.loads(line)["price"] for line in result.stdout.splitlines()
              if line.startswith("{")]
    assert prices == [19.99, 5.99]


def test_script_test_evaluates_a_formula_with_the_script_functions(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"BRAND": "Acme", "TITLE": "Trail shoe", "COLOUR": "blue", "SIZE": 42}\n'
                    '{"BRAND": "Acme", "TITLE": "Acme Trail shoe blue", "COLOUR": "blue"}\n'
                    '{"BRAND": null, "TITLE": "x", "SIZE": 10}\n')
    script = str(SCRIPTS / "listing_title.py")
    formula = "listing_title(A.BRAND, A.TITLE, A.COLOUR, A.SIZE)"
    result = CliRunner().invoke(main, ["script", "test", script, "--rows", str(rows),
                                       "--formula", formula])
    assert result.exit_code == 0, result.output
    values = [json.loads(line)["value"] for line in result.stdout.splitlines()]
    assert values == ["Acme Trail shoe, blue, 42", "Acme Trail shoe blue", "x, 10"]

    result = CliRunner().invoke(main, ["script", "test", script, "--rows", str(rows),
                                       "--formula", "listing_title(A.TITLE) * A.SIZE"])
    assert result.exit_code == 1
    assert "record 2:" in result.stderr and "TypeError" in result.stderr

    result = CliRunner().invoke(main, ["script", "test", script, "--rows", str(rows),
                                       "--formula", "listing_titel(A.TITLE)"])
    assert result.exit_code == 1
    assert "did you mean 'listing_title'" in result.output
