"""Selections: the article numbers in the first column of a CSV file.

The file may have a header or not, use ``;``, ``,`` or tabs, and be UTF-8 with or without
a byte order mark. Blank lines are skipped, surrounding spaces removed, duplicates kept
once. A first line that looks like a column title (no digit in it, while the next line
has one, or a well-known title like "sku") is taken as the header.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from server.errors import SelectionError

MAX_BYTES = 64 * 1024 * 1024
_HEADER_WORDS = {
    "sku",
    "seller-sku",
    "seller_sku",
    "key",
    "artikelnummer",
    "artikel",
    "artnr",
    "art-nr",
    "art.-nr.",
    "article",
    "article_no",
    "article-no",
    "item",
    "item_sku",
    "nummer",
    "number",
    "id",
}


@dataclass(frozen=True)
class KeySelection:
    """The keys of a selection file, and where they came from."""

    file: str
    keys: frozenset[str]
    header: str | None

    def describe(self) -> str:
        return f"{Path(self.file).name} ({len(self.keys)} keys)"


def read_keys(path: str | os.PathLike[str]) -> KeySelection:
    """Read the keys in the first column of the CSV file at ``path``."""
    path = Path(path)
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_BYTES else None
    except OSError as exc:
        raise SelectionError(
            f"cannot read the selection file {path}: {exc.strerror or exc}", file=str(path)
        ) from None
    if data is None:
        raise SelectionError(
            f"the selection file {path} is larger than {MAX_BYTES // 2**20} MB", file=str(path)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SelectionError(
            f"{path}:{line}:{column}: the selection file is not UTF-8 (byte "
            f'0x{data[exc.start]:02x}); save it as UTF-8 ("CSV UTF-8" in Excel)',
            file=str(path),
            line=line,
        ) from None
    if "\x00" in text:
        raise SelectionError(
            f"{path}: the selection file contains NUL bytes; is it a text file?", file=str(path)
        )

    rows = [
        row
        for row in csv.reader(io.StringIO(text), delimiter=_delimiter(text))
        if row and row[0].strip()
    ]
    values = [row[0].strip() for row in rows]
    header = None
    if values and _looks_like_header(values):
        header = values.pop(0)
    return KeySelection(str(path), frozenset(values), header)


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    first = re.sub(r'"[^"]*"', "", first)  # a delimiter inside quotes does not count
    positions = {d: first.find(d) for d in (";", ",", "\t") if d in first}
    return min(positions, key=positions.get) if positions else ";"


def _looks_like_header(values: list[str]) -> bool:
    first = values[0]
    if first.lower() in _HEADER_WORDS:
        return True
    has_digit = re.compile(r"\d")
    return len(values) > 1 and not has_digit.search(first) and bool(has_digit.search(values[1]))
