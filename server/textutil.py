"""Small helpers for messages meant for people."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """Return the choice closest to ``word`` (case-insensitive), or ``None``."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the nearest choice, or an empty string."""
    guess = nearest(word, choices)
    return f" (did you mean {guess!r}?)" if guess and guess != word else ""


def short(value: object, limit: int = 60) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters, for quoting bad input."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_DRIVER_EXTRAS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}


def driver_hint(backend: str) -> str:
    """Return how to install the missing driver of a database backend, or ``""``."""
    extra = _DRIVER_EXTRAS.get(backend)
    return f"; install it with pip install 'synccenter[{extra}]'" if extra else ""
