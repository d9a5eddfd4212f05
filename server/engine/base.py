"""The contracts between the pipeline and its sources and targets.

A source yields rows in batches: each row a tuple in the order of ``columns``. A target
receives batches of output rows, each a tuple in the order of the task's used fields.
Values are ``None``, ``str``, ``int``, ``float``, ``decimal.Decimal``, ``bool``,
``datetime.date`` or ``datetime.datetime``.

Writing is all-or-nothing: a file target writes to a temporary name in the destination
folder and renames it in ``commit``; ``abort`` removes what was written. A SQL target
commits its transaction in ``commit`` and rolls back in ``abort``. After any exception
from ``open``, ``write`` or ``commit`` the pipeline calls ``abort`` (so a transaction never
keeps a table locked); records a target refuses are not counted in ``Artefact.rows``.
A target that hands its output on after commit (a feed sent to a marketplace) may offer
``issues()``: ``(key, severity, message)`` tuples the pipeline logs; a key with an
``error`` counts as failed instead of written.

Drivers may also hand sources ``time``, ``timedelta``, ``bytes``, ``UUID`` and JSON values;
``server.engine.values`` turns all of them into text or JSON. ``SourceReader.count`` may be
an estimate (an XLSX sheet counts its blank rows): it only feeds the progress bar.

With SQLAlchemy 2.x a ``text()`` query ignores the ``yield_per`` execution option: call
``result.yield_per(n)`` and ``partitions(n)`` on the result to really stream
(``sources/sql.py`` does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from server.actions.model import Action, Source, Target, Task

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Artefact:
    """A file (or table) a run produced, for the logbook."""

    path: str
    kind: str  # "file" or "table"
    rows: int


class RunContext(Protocol):
    """What sources and targets may ask of the run that uses them."""

    action: Action
    task: Task
    dry_run: bool

    def path(self, template: str) -> Path:
        """Expand ``{outbox}``, ``{inbox}``, ``{action}``, ``{task}``, ``{run}``,
        ``{timestamp}``, ``{date}`` and ``{channel}``; relative paths are taken from the
        instance folder."""

    def connection(self, name: str) -> Engine:
        """Return the SQLAlchemy engine of the named connection."""

    def setting(self, name: str, default: str | None = None) -> str:
        """Return an action setting, then a channel setting, then ``default``."""

    def channel(self) -> dict[str, Any]:
        """Return the settings of the action's channel (seller id, marketplace...)."""


class SourceReader(Protocol):
    """An open source. ``columns`` is known once it is constructed."""

    columns: list[str]

    def count(self) -> int | None:
        """Return the number of rows if it is cheap to know (for a progress bar)."""

    def batches(self) -> Iterator[list[Row]]:
        """Yield the rows in lists of at most the source's batch size."""

    def close(self) -> None: ...


class TargetWriter(Protocol):
    """An open target; ``open`` is called once with the output field names."""

    def open(self, columns: list[str]) -> None: ...

    def write(self, rows: list[Row]) -> list[tuple[int, str]] | None:
        """Write a batch. A target that checks records may refuse some: it returns their
        indexes in ``rows`` with a message each; they count as failed, not written."""

    def commit(self) -> list[Artefact]:
        """Make what was written visible (rename the file, commit the transaction)."""

    def abort(self) -> None:
        """Discard what was written; leave nothing half-written behind."""


SourceFactory = Callable[["Source", RunContext], SourceReader]
TargetFactory = Callable[["Target", RunContext], TargetWriter]

SOURCES: dict[str, SourceFactory] = {}
TARGETS: dict[str, TargetFactory] = {}


def register_source(kind: str) -> Callable[[SourceFactory], SourceFactory]:
    def decorate(factory: SourceFactory) -> SourceFactory:
        SOURCES[kind] = factory
        return factory

    return decorate


def register_target(kind: str) -> Callable[[TargetFactory], TargetFactory]:
    def decorate(factory: TargetFactory) -> TargetFactory:
        TARGETS[kind] = factory
        return factory

    return decorate
