"""Turning output values into text (CSV, TSV) and JSON, the same way for every target.

Text rules (:func:`to_text`):

* ``None`` -> ``""``
* ``str`` unchanged, ``int`` in decimal digits
* ``float`` -> shortest ``repr`` that reads back to the same float (``19.99``);
  ``nan``, ``inf`` and ``-inf`` as Python writes them
* ``Decimal`` -> plain notation, never an exponent (``Decimal("1E+2")`` -> ``"100"``);
  the digits it has are kept (``Decimal("19.90")`` -> ``"19.90"``)
* ``bool`` -> ``"true"`` / ``"false"`` (lower case, as in JSON and most feed formats)
* ``date`` -> ``2024-05-31``, ``datetime`` -> ``2024-05-31T14:05:00`` (ISO 8601,
  ``isoformat()``: microseconds and UTC offset only when the value has them)
* anything else a driver may hand over: ``bytes`` as hex, ``time`` as ISO 8601, else
  ``str()`` (a MySQL ``TIME`` arrives as ``timedelta`` and reads ``10:30:00``)

JSON (:func:`json_default`, for ``orjson.dumps(default=...)``): a ``Decimal`` becomes a JSON
number with exactly its decimal digits. orjson cannot write a ``Decimal`` itself, and going
through ``float`` would turn ``Decimal("0.1") + Decimal("0.2")`` style values into binary
approximations for readers that parse numbers exactly, so the digits are handed to orjson
as a pre-serialised :class:`orjson.Fragment`. A ``NaN`` or infinite ``Decimal`` has no JSON
number and becomes ``null`` (as orjson does for such floats). ``bytes`` become hex text and
other unknown types ``str()``, as for text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import orjson

Row = tuple[Any, ...]

NoneType = type(None)

# Types the csv module already writes the way to_text would: None -> "", str as is,
# int via str(), float via repr() (str and repr of a float are the same in Python 3).
CSV_NATIVE: frozenset[type] = frozenset({str, int, float, NoneType})


def decimal_text(value: Decimal) -> str:
    """Return a ``Decimal`` in plain notation, keeping its digits (no exponent)."""
    text = str(value)
    if "E" in text:
        return format(value, "f")
    return text


def _bytes_text(value: bytes | bytearray | memoryview) -> str:
    return bytes(value).hex()


_TEXT: dict[type, Callable[[Any], str]] = {
    str: str,
    int: int.__repr__,
    float: float.__repr__,
    bool: lambda value: "true" if value else "false",
    Decimal: decimal_text,
    dt.datetime: dt.datetime.isoformat,  # before date: a datetime is also a date
    dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat,
    bytes: _bytes_text,
    bytearray: _bytes_text,
    memoryview: _bytes_text,
    NoneType: lambda value: "",
}


def to_text(value: Any) -> str:
    """Return the text of one value for CSV, TSV and other text formats."""
    convert = _TEXT.get(type(value))
    if convert is not None:
        return convert(value)
    # Subclasses (an IntEnum, a str subclass, pendulum's datetime ...): the nearest base.
    for base, convert in _TEXT.items():
        if base is not NoneType and isinstance(value, base):
            return convert(value)
    return str(value)


def _decimal_column(column: Sequence[Any], types: set[type]) -> list[Any]:
    strings = (
        list(map(str, column))
        if NoneType not in types
        else [None if value is None else str(value) for value in column]
    )
    # One C-level scan decides whether any value needs the slower plain-notation path.
    if "E" in "".join(filter(None, strings)):
        strings = [None if value is None else decimal_text(value) for value in column]
    return strings


def text_column(column: Sequence[Any], types: set[type] | None = None) -> list[Any]:
    """Return a column with every value the csv module would write differently converted.

    ``types`` is the set of value types in the column, if the caller already knows it.
    Values the csv module writes correctly (``None``, ``str``, ``int``, ``float``) are
    left as they are, so the writer does not pay for them twice.
    """
    if types is None:
        types = set(map(type, column))
    if types <= {Decimal, NoneType}:
        return _decimal_column(column, types)
    return [value if type(value) in CSV_NATIVE else to_text(value) for value in column]


def text_rows(rows: list[Row]) -> list[Row]:
    """Return ``rows`` ready for ``csv.writer.writerows``: the same text as :func:`to_text`.

    Works column by column: a column whose values are all of types the csv module writes
    itself is not touched; only batches with other types pay for a transposition. All rows
    must have the same length (the caller checks).
    """
    if not rows:
        return rows
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    changed = False
    for index, column in enumerate(columns):
        types = set(map(type, column))
        if types <= CSV_NATIVE:
            continue
        columns[index] = text_column(column, types)
        changed = True
    if not changed:
        return rows
    return list(zip(*columns, strict=True))


def _json_int(value: int) -> orjson.Fragment:
    return orjson.Fragment(str(value))


def json_default(value: Any) -> Any:
    """``default=`` for ``orjson.dumps``: Decimal as an exact number, the rest as text."""
    if type(value) is Decimal:
        text = str(value)
        # Fast path: plain notation ("19.99"); exponents, NaN and Infinity go the long way.
        if "E" not in text and text[-1].isdigit():
            return orjson.Fragment(text)
    if isinstance(value, Decimal):
        if value.is_finite():
            return orjson.Fragment(decimal_text(value))
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _bytes_text(value)
    return str(value)


def json_safe_row(row: Row) -> Row:
    """Return ``row`` with integers orjson cannot write (beyond 64 bits) as exact numbers.

    Only used after orjson refused a row, so the common path pays nothing for it.
    """
    return tuple(
        _json_int(value) if type(value) is int and not -(2**63) <= value < 2**64 else value
        for value in row
    )
