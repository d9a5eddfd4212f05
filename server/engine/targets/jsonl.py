"""JSON lines target: one JSON object per line, the output field names as keys.

Options: ``file`` (written atomically). The file is UTF-8 without a byte order mark, lines
end with ``\\n``. Values: strings, numbers, ``true``/``false``, ``null``; dates and
datetimes as ISO 8601 strings; a ``Decimal`` as a JSON number with exactly its digits
(``Decimal("23.988")`` -> ``23.988``), see :mod:`server.engine.values`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from server.engine.base import Row, register_target
from server.engine.targets.atomic import FileTarget
from server.engine.values import json_default, json_safe_row

if TYPE_CHECKING:
    from server.actions.model import Target
    from server.engine.base import RunContext

_OPTIONS = orjson.OPT_APPEND_NEWLINE


CHUNK = 256  # rows serialised and written at a time


class JsonLinesTarget(FileTarget):
    """Writes each row as one JSON object on its own line."""

    def open(self, columns: list[str]) -> None:
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise self.error(f"field names must be unique as JSON keys: {', '.join(duplicates)}")
        self._remember_columns(columns)
        self._file = self._create()

    def write(self, rows: list[Row]) -> list[tuple[int, str]] | None:
        """Write a batch; a record orjson cannot serialise is refused, not written."""
        self._check_widths(rows)
        columns = self.columns
        dumps = orjson.dumps
        refused: list[tuple[int, str]] = []
        # Chunks keep the bytes held at once small, whatever the batch size.
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            try:
                data = b"".join(
                    [dumps(dict(zip(columns, r, strict=True)), json_default, _OPTIONS)
                     for r in part]
                )
            except orjson.JSONEncodeError:
                lines = []
                for index, row in enumerate(part, start):
                    try:
                        lines.append(self._dump_one(row))
                    except orjson.JSONEncodeError as exc:
                        refused.append((index, f"the record cannot be written as JSON: {exc}"))
                data = b"".join(lines)
            try:
                self._file.write(data)
            except OSError as exc:
                raise self.error(f"cannot write: {exc.strerror or exc}") from exc
        self.rows += len(rows) - len(refused)
        return refused or None

    def _dump_one(self, row: Row) -> bytes:
        """Serialise one row on the slow path (integers beyond 64 bits)."""
        try:
            return orjson.dumps(dict(zip(self.columns, row, strict=True)), json_default, _OPTIONS)
        except orjson.JSONEncodeError:
            safe = json_safe_row(row)
            return orjson.dumps(dict(zip(self.columns, safe, strict=True)), json_default, _OPTIONS)


@register_target("jsonl")
def jsonl_target(target: Target, ctx: RunContext) -> JsonLinesTarget:
    """A JSON lines file (``.jsonl``)."""
    return JsonLinesTarget(target, ctx)
