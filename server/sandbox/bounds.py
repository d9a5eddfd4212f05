"""Bounds for formulas, which run in the server process for speed.

RestrictedPython keeps a formula away from imports and internals, but not from work that
is merely enormous: ``"x" * 10**10``, ``10**10**10``, ``1 << 10**9``, ``A.NAME.ljust(10**10)``.
The formula compiler routes those operations through the checked versions here whenever
it cannot prove them small, so such a formula fails its record with a clear message
instead of taking the server's memory or time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from RestrictedPython.Guards import safer_getattr

MAX_SIZE = 10_000_000  # items of a text or list a formula may build
MAX_EXPONENT = 10_000
MAX_SHIFT = 100_000
_SEQUENCES = (str, bytes, list, tuple)
_PADDING = {"ljust", "rjust", "center", "zfill", "expandtabs"}


class FormulaLimitError(ValueError):
    """A formula asked for more than a formula may build."""


def checked_mul(left: Any, right: Any) -> Any:
    if isinstance(left, _SEQUENCES) and isinstance(right, int):
        _check_size(len(left) * right)
    elif isinstance(right, _SEQUENCES) and isinstance(left, int):
        _check_size(len(right) * left)
    return left * right


def checked_pow(base: Any, exponent: Any) -> Any:
    if (isinstance(exponent, int | Decimal) and abs(exponent) > MAX_EXPONENT
            and isinstance(base, int | float | Decimal) and abs(base) not in (0, 1)):
        raise FormulaLimitError(f"the exponent {exponent} is larger than {MAX_EXPONENT}")
    return base**exponent


def checked_lshift(value: Any, shift: Any) -> Any:
    if isinstance(shift, int) and shift > MAX_SHIFT:
        raise FormulaLimitError(f"a shift by {shift} bits is more than {MAX_SHIFT}")
    return value << shift


def bounded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's ``safer_getattr``, with string padding bounded in size."""
    value = safer_getattr(obj, name, default) if default is not None else safer_getattr(obj,
                                                                                       name)
    if isinstance(obj, str | bytes) and name in _PADDING:
        return _bounded_padding(obj, value, name)
    return value


def _bounded_padding(text: str | bytes, method: Any, name: str) -> Any:
    def padded(width: Any = 8, *args: Any) -> Any:
        if isinstance(width, int):
            tabs = text.count("\t" if isinstance(text, str) else b"\t")
            _check_size(len(text) + tabs * width if name == "expandtabs" else width)
        return method(width, *args)

    return padded


def _check_size(size: int) -> None:
    if size > MAX_SIZE:
        raise FormulaLimitError(f"the result would have {size:,} items, more than the "
                                f"{MAX_SIZE:,} a formula may build")
