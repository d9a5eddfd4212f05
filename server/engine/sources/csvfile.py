"""CSV file source.

* ``file`` is taken through ``ctx.path`` (relative to the instance folder).
* ``encoding`` defaults to ``utf-8-sig``: UTF-8 with or without a byte order mark.
* ``delimiter`` empty: taken from the header line, the most frequent of ``;`` ``,`` tab
  ``|`` outside quotes (ties in that order). A header line with none of them is one column.
* ``header_row`` is the 1-based record holding the field names; records before it are
  skipped unread. Names are stripped of surrounding spaces; an empty or repeated name is an
  error naming the column.
* Values are strings exactly as in the file. An empty field stays ``""`` (CSV cannot tell
  "empty" from "missing", so the formulas decide). Quoted fields may contain delimiters,
  quotes (doubled) and line breaks.
* A record with fewer fields than the header is padded with ``None`` (the fields it does
  not have). A record with more fields is an error naming the line, unless the extra
  fields are all empty (a trailing delimiter), which are dropped. Blank lines are skipped.
* ``count()`` is ``None``: knowing it would mean reading the whole file twice.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from server.engine import log
from server.engine.base import Row, register_source
from server.errors import SourceError
from server.textutil import short

if TYPE_CHECKING:
    from server.actions.model import FileSource
    from server.engine.base import RunContext

BATCH_SIZE = 1000
CANDIDATES = (";", ",", "\t", "|")
ONE_COLUMN = "\x1f"  # ASCII unit separator: never in text, so a line is one field
_QUOTED = re.compile(r'"[^"]*"')

csv.field_size_limit(64 * 1024 * 1024)  # long descriptions; the default is 128 KiB


def sniff_delimiter(line: str) -> str:
    """Return the delimiter of a header line: the most frequent candidate outside quotes."""
    bare = _QUOTED.sub("", line)
    counts = [(bare.count(c), -i, c) for i, c in enumerate(CANDIDATES)]
    best = max(counts)
    return best[2] if best[0] else ONE_COLUMN


def locate_decode_error(path: Path, encoding: str) -> tuple[int, int, bytes]:
    """Return (line, byte offset, bad bytes) of the first byte ``encoding`` cannot decode."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    lines = 1
    with open(path, "rb") as file:
        while chunk := file.read(1 << 16):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                buffered = max(0, len(exc.object) - len(chunk))  # bytes held from before
                position = offset - buffered + exc.start
                lines += chunk[: max(0, position - offset)].count(b"\n")
                return lines, position, bytes(exc.object[exc.start : exc.end])
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return lines, offset - (len(exc.object) - exc.start), bytes(exc.object[exc.start :])
    return lines, offset, b""


class CsvReader:
    """An open CSV file; rows are tuples of strings in batches of ``BATCH_SIZE``."""

    def __init__(self, source: FileSource, path: Path) -> None:
        self.source = source
        self.path = path
        self.encoding = source.encoding or "utf-8-sig"
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise self._error(f"unknown encoding {short(self.encoding)}") from None
        try:
            self._file = open(path, encoding=self.encoding, newline="")  # noqa: SIM115
        except FileNotFoundError:
            raise self._error("the file does not exist") from None
        except OSError as exc:
            raise self._error(f"cannot open the file: {exc.strerror or exc}") from None
        try:
            self.delimiter = self._delimiter()
            self._reader = csv.reader(self._file, delimiter=self.delimiter, strict=False)
            self._line = 0  # physical line where the last record read ended
            self.columns: list[str] = self._header()
        except BaseException:
            self._file.close()
            raise

    def _error(self, message: str, line: int | None = None, **context: object) -> SourceError:
        where = f"{self.path}, line {line}" if line else f"{self.path}"
        return SourceError(f"{where}: {message}", file=str(self.path), line=line, **context)

    def _decode_error(self, exc: UnicodeDecodeError) -> SourceError:
        line, offset, bad = locate_decode_error(self.path, self.encoding)
        hint = ""
        if codecs.lookup(self.encoding).name.startswith("utf-8"):
            hint = ' (is it a Windows file? try encoding="cp1252")'
        return self._error(
            f"byte{'s' if len(bad) > 1 else ''} {bad.hex(' ')} at byte offset {offset} "
            f"cannot be decoded as {self.encoding}{hint}",
            line,
            offset=offset,
        )

    def _delimiter(self) -> str:
        if self.source.delimiter:
            text = self.source.delimiter
            text = "\t" if text.lower() in ("tab", "\\t") else text
            if len(text) != 1 or text in ('"', "\r", "\n"):
                raise self._error(f"the delimiter must be one character, not {short(text)}")
            return text
        try:
            line = ""
            for _ in range(max(1, self.source.header_row)):
                line = self._file.readline()
            self._file.seek(0)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from None
        delimiter = sniff_delimiter(line)
        if delimiter == ONE_COLUMN:
            log.info("%s: no delimiter in the header line, reading one column", self.path)
        return delimiter

    def _next_record(self) -> list[str] | None:
        try:
            record = next(self._reader, None)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from None
        except csv.Error as exc:
            raise self._error(f"not valid CSV: {exc}", self._reader.line_num + 1) from None
        return record

    def _header(self) -> list[str]:
        row = self.source.header_row
        record: list[str] | None = None
        for _ in range(max(1, row)):
            record = self._next_record()
            if record is None:
                raise self._error(
                    f"the file ends before the header (header_row={row})", self._reader.line_num
                )
        assert record is not None
        line = self._reader.line_num
        names = [name.strip() for name in record]
        seen: dict[str, int] = {}
        for number, name in enumerate(names, 1):
            if not name:
                raise self._error(
                    f"column {number} of the header has no name"
                    + (" (a delimiter at the end of the header?)" if number == len(names) else ""),
                    line,
                    column=number,
                )
            if name in seen:
                raise self._error(
                    f"the header names column {name!r} twice (columns {seen[name]} and {number})",
                    line,
                    column=number,
                )
            seen[name] = number
        self._line = line
        return names

    def count(self) -> int | None:
        return None

    def batches(self) -> Iterator[list[Row]]:
        width = len(self.columns)
        reader = self._reader
        batch: list[Row] = []
        append = batch.append
        while True:
            start = self._line + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise self._decode_error(exc) from None
            except csv.Error as exc:
                raise self._error(f"not valid CSV: {exc}", start) from None
            self._line = reader.line_num
            size = len(fields)
            if size == width:
                append(tuple(fields))
            elif size == 0:
                continue  # blank line
            elif size < width:
                append((*fields, *(None,) * (width - size)))
            elif any(fields[width:]):
                extra = next(i for i in range(width, size) if fields[i])
                raise self._error(
                    f"the record has {size} fields, the header {width}; field {extra + 1} "
                    f"({short(fields[extra])}) has no column",
                    start,
                )
            else:
                append(tuple(fields[:width]))
            if len(batch) >= BATCH_SIZE:
                yield batch
                batch = []
                append = batch.append
        if batch:
            yield batch

    def close(self) -> None:
        self._file.close()


@register_source("csv")
def csv_source(source: FileSource, ctx: RunContext) -> CsvReader:
    """Open the CSV file of ``source``."""
    return CsvReader(source, ctx.path(source.file))
