"""Saving an action from code changes only the edited nodes."""

from __future__ import annotations

import difflib
from pathlib import Path

from server.actions.editor import ActionDocument
from server.actions.loader import load_action
from tests.conftest import ROOT

ORIGINAL = (ROOT / "actions" / "xml" / "amazon-stock-prices.xml").read_bytes()


def changed_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines(),
                                lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_unedited_document_is_byte_identical() -> None:
    assert ActionDocument(ORIGINAL).serialize() == ORIGINAL


def test_edit_changes_only_its_line_and_keeps_comments(tmp_path: Path) -> None:
    source = ORIGINAL.replace(b"max(0, A.STOCK - A.RESERVED)</formula>",
                              b"max(0, A.STOCK - A.RESERVED) if A.STOCK > 0 else 0</formula>", 1)
    document = ActionDocument(source)
    document.set_attribute("/a:action/a:schedule", "mode", "automatic")
    document.set_text("/a:action/a:task[@id='export']/a:fields/a:field[@name='price']/a:formula",
                      "round(A.VK1 * 1.05, 2)")
    path = tmp_path / "amazon-stock-prices.xml"
    document.save(path)
    saved = path.read_bytes()

    changes = changed_lines(source, saved)
    assert len(changes) == 4, changes
    assert any("round(A.VK1 * 1.05, 2)" in line for line in changes)
    assert any('mode="automatic"' in line for line in changes)
    assert b"<!-- Reserved stock is promised" in saved
    assert b"if A.STOCK > 0 else 0" in saved  # not re-escaped to &gt;
    assert load_action(path).schedule.mode == "automatic"
