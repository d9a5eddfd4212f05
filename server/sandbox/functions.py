"""The functions a formula may call, and the money rules they follow.

Money is ``Decimal``: a float read from the database becomes the decimal it prints as
(``19.99``, not ``19.989999...``), number literals in formulas are decimals, and
``round`` rounds half up (commercial rounding), the one rule used everywhere.
"""

from __future__ import annotations

import datetime
import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_DECIMAL_CACHE: dict[int, Decimal] = {}
_FLOATS: dict[float, Decimal] = {}  # prices repeat: converting each distinct float once
_FLOATS_MAX = 65_536


def to_decimal(value: Any) -> Any:
    """Return floats as the Decimal they print as; leave everything else alone."""
    if type(value) is float:
        decimal = _FLOATS.get(value)
        if decimal is not None:
            return decimal
        if not math.isfinite(value) or value == 0:  # keep -0.0 apart from 0.0
            return Decimal(repr(value)) if value == 0 else value
        if len(_FLOATS) >= _FLOATS_MAX:
            _FLOATS.clear()
        decimal = _FLOATS[value] = Decimal(repr(value))
        return decimal
    return value


def _quantum(digits: int) -> Decimal:
    quantum = _DECIMAL_CACHE.get(digits)
    if quantum is None:
        quantum = _DECIMAL_CACHE[digits] = Decimal(1).scaleb(-digits)
    return quantum


def round_half_up(value: Any, digits: int | None = None) -> Any:
    """Round like a merchant: 0.125 -> 0.13, 2.5 -> 3 (Python's own round gives 2).

    Without ``digits`` the result is an int, like Python's ``round``.
    """
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else _number(value)
    if digits is None:
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return number.quantize(_quantum(int(digits)), rounding=ROUND_HALF_UP)


def ceil(value: Any, digits: int = 0) -> Any:
    """Round up (towards positive infinity) to ``digits`` places."""
    number = _number(value)
    result = number.quantize(_quantum(int(digits)), rounding=ROUND_CEILING)
    return int(result) if digits == 0 else result


def floor(value: Any, digits: int = 0) -> Any:
    """Round down (towards negative infinity) to ``digits`` places."""
    number = _number(value)
    result = number.quantize(_quantum(int(digits)), rounding=ROUND_FLOOR)
    return int(result) if digits == 0 else result


def num(value: Any, default: Any = None) -> Any:
    """Read a number from text: ``"19,99"``, ``"1.234,50"``, ``" 7 "``; empty -> default."""
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        return to_decimal(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return default
    if "," in text:
        # German notation: '.' groups thousands, ',' separates decimals.
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    return int(number) if number == number.to_integral_value() and "." not in text else number


def coalesce(*values: Any) -> Any:
    """Return the first value that is neither ``None`` nor an empty string, else the last
    value: ``coalesce(A.COLOUR, "")`` gives ``""`` for an empty colour."""
    for value in values:
        if value is not None and value != "":
            return value
    return values[-1] if values else None


def concat(*values: Any, sep: str = "") -> str:
    """Join the values that are not empty as text: ``concat(A.BRAND, A.TITLE, sep=" ")``."""
    return sep.join(_text(v) for v in values if v is not None and v != "")


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def text(value: Any) -> str:
    """Return a value as text; decimals in plain notation, ``None`` as ``""``."""
    return "" if value is None else _text(value)


def today() -> datetime.date:
    """Return today's date."""
    return datetime.date.today()


def _number(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        converted = num(value)
        if converted is None:
            raise ValueError("an empty text is not a number")
        return Decimal(converted)
    raise TypeError(f"{type(value).__name__} {value!r} is not a number")


SAFE_FUNCTIONS: dict[str, Any] = {
    "abs": abs,
    "all": all,
    "any": any,
    "bool": bool,
    "ceil": ceil,
    "coalesce": coalesce,
    "concat": concat,
    "date": datetime.date,
    "Decimal": Decimal,
    "floor": floor,
    "int": int,
    "len": len,
    "max": max,
    "min": min,
    "num": num,
    "round": round_half_up,
    "str": text,
    "sum": sum,
    "text": text,
    "today": today,
    "True": True,
    "False": False,
    "None": None,
}
"""Everything a formula may name besides ``A``, the record."""
