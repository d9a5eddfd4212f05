"""Retries: which failures pass, and how long to wait before trying again.

A failure is *transient* when trying again later may help: the network (a refused or reset
connection, a timeout), HTTP 429 or 5xx, a database that is busy, locked or gone for a
moment. Everything else is *permanent* (a validation error, an HTTP 4xx, a formula that
fails, a file that is missing) and fails at once. The whole chain of causes is looked at,
because the engine wraps driver errors in its own (``SourceError`` from an
``OperationalError``).
"""

from __future__ import annotations

import random
import socket
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError, InterfaceError

from server.errors import SyncCenterError

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_BUSY_WORDS = ("database is locked", "database is busy", "deadlock", "lock wait timeout",
               "could not serialize", "too many connections", "server closed the connection",
               "connection refused", "connection reset", "timeout", "timed out",
               "lost connection", "gone away", "terminating connection",
               "could not connect", "connection failed", "connection is closed",
               "server has gone away", "the database system is starting up",
               "the database system is shutting down")


def is_transient(exc: BaseException | None) -> bool:
    """Whether the failure ``exc`` (or one of its causes) may pass if tried again."""
    seen = 0
    while exc is not None and seen < 20:
        if _transient_itself(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _transient_itself(exc: BaseException) -> bool:
    if isinstance(exc, SyncCenterError):
        status = exc.context.get("status")
        if isinstance(status, int):
            return status in TRANSIENT_STATUS
        return exc.retryable
    if isinstance(exc, ConnectionError | TimeoutError | socket.timeout | socket.gaierror):
        return True
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, DBAPIError):  # OperationalError also covers "no such table": look
        return bool(exc.connection_invalidated) or _busy_text(str(exc.orig))
    return False


def _busy_text(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _BUSY_WORDS)


def backoff(attempt: int, base_seconds: float, rng: random.Random | None = None,
            cap_seconds: float = 3600) -> timedelta:
    """The pause before attempt ``attempt + 1`` after attempt ``attempt`` failed.

    Exponential (base, 2 x base, 4 x base ...) up to ``cap_seconds``, with "equal jitter":
    half of it fixed, half random, so runners that failed together do not retry together.
    """
    rng = rng or random
    ceiling = min(cap_seconds, base_seconds * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def retry_at(now: datetime, attempt: int, retries: int, base_seconds: float,
             next_slot: datetime | None, rng: random.Random | None = None
             ) -> tuple[datetime | None, str]:
    """When to try again after attempt ``attempt`` failed transiently, and why (not).

    Returns ``(instant, reason)``; ``instant`` is ``None`` when there is no retry: all
    ``retries`` were used, or the retry would not start before the next slot.
    """
    if attempt > retries:
        return None, f"not retried: all {retries} retries were used"
    due = now + backoff(attempt, base_seconds, rng)
    if next_slot is not None and due >= next_slot:
        return None, (f"not retried: the next start at {next_slot.isoformat(timespec='seconds')}"
                      " comes first")
    return due, (f"retry {attempt} of {retries} at {due.isoformat(timespec='seconds')} "
                 f"(after {(due - now).total_seconds():.0f} s)")
