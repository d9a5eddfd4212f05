"""CSV and TSV file targets.

Options (attributes of the ``<target>`` element):

``file``
    The file to write (``{outbox}/prices-{date}.csv``); written atomically.
``delimiter``
    One character; ``;`` for ``csv``, tab for ``tsv``. ``tab`` or ``\\t`` mean a tab.
``encoding``
    Any Python codec name, default ``utf-8``. A record with a value the encoding cannot
    hold is refused (reported as failed, naming the field) and left out of the file;
    nothing is replaced silently.
``bom``
    ``true`` writes a byte order mark, which Excel needs to open UTF-8 files correctly.
    Only for UTF encodings.
``header``
    ``true`` (default) writes the field names as the first line.
``decimal``
    ``.`` (default) or ``,``: the decimal separator of numbers with a fraction, ``,`` for a
    file that German Excel opens with numbers as numbers (use it with ``delimiter=";"``).
``line_ending``
    ``lf`` (default: ``\\n``, what Unix tools, Python and Amazon's flat files expect) or
    ``crlf`` (``\\r\\n``, RFC 4180, older Windows software).

Fields are quoted only when they need to be (delimiter, quote or line break inside).
Values become text as :mod:`server.engine.values` describes.
"""

from __future__ import annotations

import codecs
import csv
from decimal import Decimal
from typing import TYPE_CHECKING

from server.engine.base import Row, register_target
from server.engine.targets.atomic import FileTarget, flag_option
from server.engine.values import text_rows, to_text
from server.errors import TargetError
from server.textutil import short

if TYPE_CHECKING:
    from server.actions.model import Target
    from server.engine.base import RunContext

# Codecs that write their own byte order mark.
_SELF_MARKING = {"utf-8-sig", "utf-16", "utf-32"}
_LINE_ENDINGS = {"lf": "\n", "crlf": "\r\n"}
_FRACTIONAL = (Decimal, float)


def _comma(value: Decimal | float) -> str:
    return to_text(value).replace(".", ",")


def _delimiter(target: Target, default: str) -> str:
    text = target.option("delimiter", default)
    if text.lower() in ("tab", "\\t"):
        return "\t"
    if len(text) != 1 or text in ('"', "\r", "\n"):
        raise TargetError(
            f"{target.kind} target: delimiter must be one character other than a quote or "
            f"line break, not {short(text)}",
            line=target.line or None,
        )
    return text


class DelimitedTarget(FileTarget):
    """Writes rows as delimited text with the csv module."""

    def __init__(self, target: Target, ctx: RunContext, default_delimiter: str) -> None:
        super().__init__(target, ctx)
        self.delimiter = _delimiter(target, default_delimiter)
        encoding = target.option("encoding").strip() or "utf-8"
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise TargetError(
                f"{target.kind} target: unknown encoding {short(encoding)}",
                line=target.line or None,
            ) from None
        self.encoding = encoding
        self.bom = flag_option(target, "bom", False)
        if self.bom and not codec.startswith("utf"):
            raise TargetError(
                f'{target.kind} target: bom="true" needs a UTF encoding, not {encoding!r}',
                line=target.line or None,
            )
        self._write_bom = self.bom and codec not in _SELF_MARKING
        self.header = flag_option(target, "header", True)
        self.decimal = target.option("decimal", ".").strip() or "."
        if self.decimal not in (".", ","):
            raise TargetError(f"{target.kind} target: decimal must be '.' or ',', not "
                              f"{short(self.decimal)}", line=target.line or None)
        if self.decimal == self.delimiter:
            raise TargetError(f"{target.kind} target: the decimal separator cannot also be "
                              "the delimiter; use delimiter=\";\" with decimal=\",\"",
                              line=target.line or None)
        ending = target.option("line_ending").strip().lower() or "lf"
        if ending not in _LINE_ENDINGS:
            raise TargetError(
                f"{target.kind} target: line_ending must be lf or crlf, not {short(ending)}",
                line=target.line or None,
            )
        self.line_ending = _LINE_ENDINGS[ending]

    def open(self, columns: list[str]) -> None:
        self._remember_columns(columns)
        file = self._create(encoding=self.encoding, newline="")
        self._writer = csv.writer(file, delimiter=self.delimiter, lineterminator=self.line_ending)
        try:
            if self._write_bom:
                file.write("\ufeff")
            if self.header:
                self._writer.writerow(self.columns)
        except UnicodeEncodeError as exc:
            raise self.error(
                f"a field name cannot be written in {self.encoding}: {exc.reason}"
            ) from exc
        except OSError as exc:
            raise self.error(f"cannot write: {exc.strerror or exc}") from exc

    def write(self, rows: list[Row]) -> list[tuple[int, str]] | None:
        """Write a batch; records the encoding cannot hold are refused, not written."""
        self._check_widths(rows)
        if self.decimal == ",":
            rows = [tuple([_comma(v) if type(v) in _FRACTIONAL else v for v in row])
                    for row in rows]
        texts = text_rows(rows)
        refused: list[tuple[int, str]] = []
        done = 0
        while done < len(texts):
            try:
                self._writer.writerows(texts[done:] if done else texts)
                break
            except UnicodeEncodeError as exc:
                # csv.writer hands each record to the file in one write(), and the text
                # file encodes it before buffering it: the records before the bad one are
                # written, the bad one is not. Refuse it and go on after it.
                bad = self._unencodable(texts, done)
                if bad is None:
                    raise self.error(f"cannot encode a record as {self.encoding}") from exc
                refused.append(bad)
                done = bad[0] + 1
            except csv.Error as exc:
                raise self.error(f"cannot write a record: {exc}") from exc
            except OSError as exc:
                raise self.error(f"cannot write: {exc.strerror or exc}") from exc
        self.rows += len(rows) - len(refused)
        return refused or None

    def _unencodable(self, texts: list[Row], start: int) -> tuple[int, str] | None:
        """Return the index of the first record from ``start`` that cannot be encoded."""
        for index in range(start, len(texts)):
            for name, value in zip(self.columns, texts[index], strict=True):
                text = "" if value is None else str(value)
                try:
                    text.encode(self.encoding)
                except UnicodeEncodeError as exc:
                    bad = text[exc.start : exc.end]
                    return index, (
                        f"field {name!r}: {short(text)} contains {bad!r}, which "
                        f"{self.encoding} cannot hold; the record is not in {self.path.name}"
                    )
        return None


@register_target("csv")
def csv_target(target: Target, ctx: RunContext) -> DelimitedTarget:
    """A CSV file, ``;`` separated unless ``delimiter`` says otherwise."""
    return DelimitedTarget(target, ctx, ";")


@register_target("tsv")
def tsv_target(target: Target, ctx: RunContext) -> DelimitedTarget:
    """A tab separated file."""
    return DelimitedTarget(target, ctx, "\t")
