"""XLSX file target, streamed with xlsxwriter (flat memory, whatever the number of rows).

Options:

``file``
    The workbook to write; written atomically.
``sheet``
    Sheet name, default ``Data``. Characters Excel forbids (``[]:*?/\\``) become ``_``,
    the name is cut to 31 characters. After 1,048,575 data rows (Excel's limit) the rows
    continue on ``Data (2)``, ``Data (3)`` ... each with the header again.
``header``
    ``true`` (default): the field names in bold as the first row, frozen when scrolling.

Cells keep their type: ``int``, ``float`` and ``Decimal`` are numbers, ``bool`` is a
boolean, ``date`` is a date (``yyyy-mm-dd``) and ``datetime`` a date and time
(``yyyy-mm-dd hh:mm:ss``, the time zone dropped), strings are text exactly as given (a
string starting with ``=`` is text, not a formula; URLs are not turned into links), ``None``
is an empty cell. Integers beyond 2**53, which Excel would round, are written as text. A
string over Excel's 32,767 characters is cut, with a warning in the log. A float NaN or
infinity becomes Excel's error value ``#NUM!`` or ``#DIV/0!``.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from server.engine import log
from server.engine.base import Row, register_target
from server.engine.targets.atomic import FileTarget, flag_option

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

    from server.actions.model import Target
    from server.engine.base import RunContext

MAX_ROWS = 1_048_576  # rows of a sheet, header included
MAX_COLUMNS = 16_384
MAX_SHEET_NAME = 31
BIG_INT = 2**53  # beyond this Excel's doubles lose digits

WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,  # rows go to a temporary file as they are written
    "strings_to_formulas": False,  # "=SUM(A1)" from the ERP is text, not a formula
    "strings_to_urls": False,  # no hyperlinks: slow, and limited to 65,530 per sheet
    "strings_to_numbers": False,  # "00123" stays text
    "nan_inf_to_errors": True,  # NaN/inf become #NUM!/#DIV/0! instead of an exception
    "remove_timezone": True,  # Excel has no time zones
    "default_date_format": "yyyy-mm-dd",
    # ZIP64 records are written only for members over 4 GiB (a sheet of ~1M rows x 60
    # fields); without it such a workbook cannot be closed.
    "use_zip64": True,
}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(text: str, number: int = 1) -> str:
    """Return a valid Excel sheet name for ``text``; ``number`` > 1 adds `` (n)``."""
    name = _FORBIDDEN.sub("_", text).strip().strip("'") or "Data"
    if name.lower() == "history":  # reserved by Excel
        name = "History_"
    suffix = f" ({number})" if number > 1 else ""
    return name[: MAX_SHEET_NAME - len(suffix)].rstrip().strip("'") + suffix


def _write_int(
    sheet: Worksheet, row: int, col: int, value: int, fmt: Format | None = None
) -> int | None:
    if -BIG_INT <= value <= BIG_INT:
        return None  # xlsxwriter's own number path
    return sheet.write_string(row, col, str(value))


class XlsxTarget(FileTarget):
    """Writes rows to an XLSX workbook, one sheet per 1,048,575 rows."""

    def __init__(self, target: Target, ctx: RunContext) -> None:
        super().__init__(target, ctx)
        self.sheet = sheet_name(target.option("sheet").strip() or "Data")
        self.header = flag_option(target, "header", True)
        self._book: xlsxwriter.Workbook | None = None
        self._sheets: list[Worksheet] = []
        self._tmpdir: str | None = None
        self._truncated = 0

    def open(self, columns: list[str]) -> None:
        if len(columns) > MAX_COLUMNS:
            raise self.error(f"{len(columns)} fields, Excel allows at most {MAX_COLUMNS}")
        self._remember_columns(columns)
        file = self._create()
        # The sheet's temporary rows can be several GB (1M rows x 60 fields: 4.5 GB); they
        # go to the system's temporary folder, so set TMPDIR where /tmp is small.
        self._tmpdir = tempfile.mkdtemp(prefix="synccenter-xlsx-")
        self._book = xlsxwriter.Workbook(file, {**WORKBOOK_OPTIONS, "tmpdir": self._tmpdir})
        self._bold = self._book.add_format({"bold": True})
        self._datetime_format = self._book.add_format({"num_format": DATETIME_FORMAT})
        self._per_sheet = MAX_ROWS - 1 if self.header else MAX_ROWS
        self._new_sheet()

    def _new_sheet(self) -> None:
        assert self._book is not None
        sheet = self._book.add_worksheet(sheet_name(self.sheet, len(self._sheets) + 1))
        sheet.add_write_handler(dt.datetime, self._write_datetime)
        sheet.add_write_handler(int, _write_int)
        if self.header:
            sheet.write_row(0, 0, self.columns, self._bold)
            sheet.freeze_panes(1, 0)
        self._sheets.append(sheet)
        self._sheet = sheet
        self._next = 1 if self.header else 0  # next row index on this sheet
        self._left = self._per_sheet  # rows this sheet can still take

    def _write_datetime(
        self, sheet: Worksheet, row: int, col: int, value: dt.datetime, fmt: Format | None
    ) -> int:
        return sheet.write_datetime(row, col, value, self._datetime_format)

    def write(self, rows: list[Row]) -> None:
        self._check_widths(rows)
        start = 0
        while start < len(rows):
            if not self._left:
                self._new_sheet()
            chunk = rows[start : start + self._left]
            self._write_chunk(chunk)
            start += len(chunk)
        self.rows += len(rows)

    def _write_chunk(self, rows: list[Row]) -> None:
        write_row = self._sheet.write_row
        index = self._next
        try:
            for row in rows:
                if write_row(index, 0, row):
                    self._write_cells(index, row)
                index += 1
        except (XlsxWriterException, TypeError, ValueError) as exc:
            raise self.error(f"cannot write row {index + 1}: {exc}", row) from exc
        except OSError as exc:
            raise self.error(f"cannot write: {exc.strerror or exc}") from exc
        self._left -= len(rows)
        self._next = index

    def _write_cells(self, index: int, row: Row) -> None:
        """Write a row cell by cell after ``write_row`` stopped early (a string cut)."""
        write = self._sheet.write
        for col, value in enumerate(row):
            if write(index, col, value) == -2:
                self._truncated += 1
                if self._truncated == 1:
                    log.warning(
                        "%s: a text in field %r, row %d, is longer than Excel's 32,767 "
                        "characters and was cut",
                        self.path,
                        self.columns[col],
                        index + 1,
                    )

    def _finish(self) -> None:
        if self._book is None:
            return
        book, self._book = self._book, None
        try:
            book.close()
        except (XlsxWriterException, OSError) as exc:
            raise self.error(f"cannot write the workbook: {exc}") from exc
        finally:
            self._remove_tmpdir()
        if self._truncated > 1:
            log.warning("%s: %d texts were cut to 32,767 characters", self.path, self._truncated)

    def _discard(self) -> None:
        self._book = None
        for sheet in self._sheets:
            handle = getattr(sheet, "row_data_fh", None)  # constant_memory row file
            if handle is not None and not handle.closed:
                handle.close()
        self._sheets.clear()
        self._remove_tmpdir()

    def _remove_tmpdir(self) -> None:
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None


@register_target("xlsx")
def xlsx_target(target: Target, ctx: RunContext) -> XlsxTarget:
    """An Excel workbook."""
    return XlsxTarget(target, ctx)
