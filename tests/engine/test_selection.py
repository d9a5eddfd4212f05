"""Selections from CSV files: header optional, ';' or ',', BOM or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.engine.selection import read_keys
from server.errors import SelectionError


@pytest.mark.parametrize(("content", "keys", "header"), [
    pytest.param(b"A-1\nA-2\n", {"A-1", "A-2"}, None, id="no-header"),
    pytest.param(b"sku;title\nA-1;Jacke\nA-2;Hose\n", {"A-1", "A-2"}, "sku", id="header-semicolon"),
    pytest.param(b"Artikelnummer,Titel\nA-1,x\n", {"A-1"}, "Artikelnummer", id="header-comma"),
    pytest.param(b"\xef\xbb\xbfA-1;x\r\nA-2;y\r\n", {"A-1", "A-2"}, None, id="bom-crlf"),
    pytest.param(b"\n  A-1  \n\nA-1\n;\n", {"A-1"}, None, id="blank-dup-spaces"),
    pytest.param(b'"A;1",x\n"A-2",y\n', {"A;1", "A-2"}, None, id="quoted"),
    pytest.param("Größe\nA-ü1\n".encode(), {"A-ü1"}, "Größe", id="umlauts"),
])
def test_read_keys(tmp_path: Path, content: bytes, keys: set[str], header: str | None) -> None:
    path = tmp_path / "selection.csv"
    path.write_bytes(content)
    selection = read_keys(path)
    assert selection.keys == keys
    assert selection.header == header


def test_non_utf8_file_names_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "sel.csv"
    path.write_bytes(b"A-1\nGr\xf6\xdfe\n")
    with pytest.raises(SelectionError) as caught:
        read_keys(path)
    assert f"{path}:2:3:" in str(caught.value) and "0xf6" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SelectionError, match="cannot read the selection file"):
        read_keys(tmp_path / "nope.csv")
