"""XLSX source, read with python-calamine (also reads .xlsm, .xls and .ods by extension).

* ``sheet`` names the sheet; empty means the first. An unknown name is an error listing
  the sheets.
* ``header_row`` is the 1-based row of the sheet holding the field names (empty rows
  above the data count). Names are stripped of surrounding spaces; numbers in the header
  become text (``2024``). An empty or repeated name within the header is an error.
* Cells keep their type: text as ``str``, whole numbers as ``int`` (Excel stores every
  number as a float; ``20.0`` becomes ``20``), other numbers as ``float``, dates as
  ``date``, date and time as ``datetime``, booleans as ``bool``. Empty cells are ``None``.
  Formulas give their last computed value (none if the file was never opened in Excel).
* A cell right of the last header column must be empty (else: error naming the cell).
  Rows with no value at all are skipped.
* The sheet is loaded by calamine (in compact native memory); rows are converted to Python
  one batch at a time. ``count()`` is the number of rows below the header, blank rows
  included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from python_calamine import CalamineError, CalamineWorkbook

from server.engine.base import Row, register_source
from server.errors import SourceError
from server.textutil import did_you_mean, short

if TYPE_CHECKING:
    from server.actions.model import FileSource
    from server.engine.base import RunContext

BATCH_SIZE = 1000


def column_letter(index: int) -> str:
    """Return the Excel letters of a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


class XlsxReader:
    """An open sheet; rows are tuples of typed cell values in batches of ``BATCH_SIZE``."""

    def __init__(self, source: FileSource, path: Path) -> None:
        self.source = source
        self.path = path
        if not path.is_file():
            raise self._error("the file does not exist")
        try:
            self._book = CalamineWorkbook.from_path(str(path))
        except (CalamineError, OSError, ValueError) as exc:
            raise self._error(f"cannot read the workbook: {exc}") from None
        try:
            self._open_sheet()
        except BaseException:
            self.close()
            raise

    def _error(self, message: str, **context: object) -> SourceError:
        return SourceError(f"{self.path}: {message}", file=str(self.path), **context)

    def _open_sheet(self) -> None:
        names = self._book.sheet_names
        name = self.source.sheet or (names[0] if names else "")
        if name not in names:
            raise self._error(
                f"there is no sheet {name!r}{did_you_mean(name, names)}; "
                f"the sheets are: {', '.join(names)}",
                sheet=name,
            )
        self.sheet = name
        try:
            sheet = self._book.get_sheet_by_name(name)
        except CalamineError as exc:
            raise self._error(f"cannot read sheet {name!r}: {exc}", sheet=name) from None
        start = sheet.start
        self._first_col = start[1] if start else 0
        self._last_row = sheet.end[0] if sheet.end else -1
        rows = iter(sheet.iter_rows())
        header_index = max(1, self.source.header_row) - 1
        first = next(rows, None)
        # calamine yields rows from the top of the sheet (empty ones included); should a
        # version start at the first row with data instead, take that offset into account.
        index = 0
        if start and start[0] > 0 and first is not None and any(v != "" for v in first):
            index = start[0]
        while index < header_index and first is not None:
            first = next(rows, None)
            index += 1
        if first is None or index != header_index:
            raise self._error(
                f"sheet {name!r} ends before the header row {header_index + 1}", sheet=name
            )
        self._header_row = header_index + 1
        self.columns: list[str] = self._header(first)
        self._rows = rows
        self._row_number = self._header_row  # sheet row of the last row read

    def _header(self, cells: list[Any]) -> list[str]:
        names = [_header_text(v) if v != "" else "" for v in cells]
        while names and not names[-1]:
            names.pop()
        if not names:
            raise self._error(
                f"row {self._header_row} of sheet {self.sheet!r} (the header) is empty",
                sheet=self.sheet,
                line=self._header_row,
            )
        seen: dict[str, int] = {}
        for index, name in enumerate(names):
            cell = f"{column_letter(self._first_col + index)}{self._header_row}"
            if not name:
                raise self._error(
                    f"header cell {cell} of sheet {self.sheet!r} is empty",
                    sheet=self.sheet,
                    line=self._header_row,
                    column=cell,
                )
            if name in seen:
                first = f"{column_letter(self._first_col + seen[name])}{self._header_row}"
                raise self._error(
                    f"the header names column {name!r} twice ({first} and {cell}) in "
                    f"sheet {self.sheet!r}",
                    sheet=self.sheet,
                    line=self._header_row,
                    column=cell,
                )
            seen[name] = index
        return names

    def count(self) -> int | None:
        return max(0, self._last_row + 1 - self._header_row)

    def batches(self) -> Iterator[list[Row]]:
        width = len(self.columns)
        batch: list[Row] = []
        try:
            for cells in self._rows:
                self._row_number += 1
                if len(cells) > width and any(v != "" for v in cells[width:]):
                    self._beyond_header(cells, width)
                row = tuple(
                    [
                        None if v == "" else int(v) if type(v) is float and v.is_integer() else v
                        for v in cells[:width]
                    ]
                )
                if row.count(None) == width:
                    continue  # an empty row
                if len(row) < width:
                    row += (None,) * (width - len(row))
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    yield batch
                    batch = []
        except CalamineError as exc:
            raise self._error(
                f"cannot read row {self._row_number + 1} of sheet {self.sheet!r}: {exc}",
                sheet=self.sheet,
                line=self._row_number + 1,
            ) from None
        if batch:
            yield batch

    def _beyond_header(self, cells: list[Any], width: int) -> None:
        index = next(i for i in range(width, len(cells)) if cells[i] != "")
        cell = f"{column_letter(self._first_col + index)}{self._row_number}"
        raise self._error(
            f"cell {cell} of sheet {self.sheet!r} ({short(cells[index])}) is right of the "
            f"last header column {column_letter(self._first_col + width - 1)}",
            sheet=self.sheet,
            line=self._row_number,
            column=cell,
        )

    def close(self) -> None:
        book, self._book = getattr(self, "_book", None), None
        if book is not None:
            try:
                book.close()
            except CalamineError:
                pass


@register_source("xlsx")
def xlsx_source(source: FileSource, ctx: RunContext) -> XlsxReader:
    """Open the sheet of ``source``."""
    return XlsxReader(source, ctx.path(source.file))
