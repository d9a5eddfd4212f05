"""The wire format between the host and the script worker.

Each message is one frame: a 4-byte big-endian length, then an orjson body. JSON has no
type for ``Decimal``, ``date``, ``datetime`` or integers beyond 64 bits: :func:`tag` /
:func:`untag` carry them as one-key objects (``{"$d": "1.5"}``).
"""

from __future__ import annotations

import datetime as dt
import os
import struct
from decimal import Decimal
from typing import Any, BinaryIO

import orjson

HEADER = struct.Struct(">I")
ENCODE_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
                  | orjson.OPT_PASSTHROUGH_DATACLASS)
SEVERITIES = ("info", "warning", "error")
VALUE_TYPES = "None, bool, int, float, str, Decimal, date or datetime"

INT64 = (-(2**63), 2**64 - 1)


def tag(value: Any) -> Any:
    """orjson ``default``: the tagged form of a value JSON has no type for."""
    kind = type(value)
    if kind is Decimal:
        return {"$d": str(value)}
    if kind is dt.datetime:
        return {"$dt": value.isoformat()}
    if kind is dt.date:
        return {"$date": value.isoformat()}
    raise TypeError(f"a {kind.__name__} is not a record value")


UNTAG: dict[str, Any] = {
    "$d": Decimal,
    "$dt": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$i": int,
}


def untag(value: dict[str, Any]) -> Any:
    """Return the value a tagged object stands for; ``ValueError`` if it is not one."""
    if len(value) == 1:
        ((key, text),) = value.items()
        convert = UNTAG.get(key)
        if convert is not None and type(text) is str and len(text) <= 5_000:
            try:
                return convert(text)
            except (ArithmeticError, ValueError):
                pass
    raise ValueError("a dict is not a record value")


def untag_records(records: list[Any]) -> None:
    """Replace the tagged values of decoded records, in place (the host's own data)."""
    for record in records:
        for key, value in record.items():
            if type(value) is dict:
                ((name, text),) = value.items()
                record[key] = UNTAG[name](text)


def untag_deep(value: Any) -> Any:
    """Return ``value`` with tagged objects replaced at any depth (summaries, settings)."""
    if type(value) is dict:
        try:
            return untag(value)
        except ValueError:
            return {k: untag_deep(v) for k, v in value.items()}
    if type(value) is list:
        return [untag_deep(v) for v in value]
    return value


def encode_value(value: Any) -> Any:
    """Return ``value`` ready for orjson when it could not be dumped directly.

    Big integers become tagged text; a value of another type raises ``TypeError``
    whose text says what the value is ("a set").
    """
    kind = type(value)
    if kind is int:
        if INT64[0] <= value <= INT64[1]:
            return value
        try:
            return {"$i": str(value)}
        except ValueError:  # more digits than int <-> str conversions allow
            raise TypeError("an int of more than 4300 digits") from None
    if value is None or kind in (bool, float, str, Decimal, dt.date, dt.datetime):
        return value
    raise TypeError(a_kind(value))


def encode(message: Any) -> bytes:
    """Return one frame: a 4-byte length, then the orjson body."""
    body = orjson.dumps(message, default=tag, option=ENCODE_OPTIONS)
    return HEADER.pack(len(body)) + body


def a_kind(value: object) -> str:
    """``a set``, ``an int``: the type of ``value`` with its article."""
    kind = type(value).__name__
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def encodable(records: list[dict[str, Any]]) -> tuple[list[Any], dict[int, str]]:
    """Split a batch orjson refused: records made encodable, and those that cannot be."""
    out: list[Any] = []
    refused: dict[int, str] = {}
    for index, record in enumerate(records):
        try:
            orjson.dumps(record, default=tag, option=ENCODE_OPTIONS)
            out.append(record)
            continue
        except TypeError:
            pass
        copy = {}
        for key, value in record.items():
            try:
                if type(key) is not str:
                    raise TypeError(f"a key of type {type(key).__name__}")
                copy[key] = encode_value(value)
            except TypeError as exc:
                refused[index] = (f"field {key!r} holds {exc}, which scripts cannot "
                                  f"receive; record values must be {VALUE_TYPES}")
                copy = None
                break
        out.append(copy)
    return out, refused


def encodable_rows(rows: list[tuple[Any, ...]]) -> tuple[list[Any], dict[int, str]]:
    """Split rows orjson refused: those made encodable, and the problems of the others."""
    out: list[Any] = []
    refused: dict[int, str] = {}
    for index, row in enumerate(rows):
        try:
            out.append([encode_value(value) for value in row])
        except TypeError as exc:
            refused[index] = (f"a column holds {exc}, which script functions cannot "
                              f"receive; values must be {VALUE_TYPES}")
    return out, refused


def read_frame(stream: BinaryIO) -> Any:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return orjson.loads(body)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
