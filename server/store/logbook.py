"""The logbook: runs, their messages and artefacts, kept in the state store.

``Store`` hides the database: it takes and returns plain frozen dataclasses, and each call
is one short transaction, so it may be shared by threads.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.engine import URL, Connection, Engine

from server.engine.base import Artefact
from server.store import log
from server.store import models as m
from server.store.db import SQLITE_IMMEDIATE, StoreError, make_engine, migrate

if TYPE_CHECKING:
    from server.store.claims import Claim


class RunNotFound(StoreError):
    """No run with the requested id exists."""


@dataclass(frozen=True)
class MessageIn:
    """A logbook message to add to a run."""

    severity: str  # debug, info, warning or error
    text: str
    record_key: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class MessageInfo:
    """A logbook message as stored; ``seq`` orders the messages of a run from 1."""

    id: int
    run_id: int
    seq: int
    severity: str
    record_key: str | None
    field: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class RunInfo:
    """A run as stored; times are aware UTC datetimes."""

    id: int
    action_id: str
    task_id: str
    trigger: str
    state: str
    dry_run: bool
    selection: str | None
    started_at: datetime
    ended_at: datetime | None
    read: int
    written: int
    skipped: int
    failed: int
    error: str | None
    host: str | None
    pid: int | None
    slot_at: datetime | None = None  # scheduled runs: the slot, and the attempt (0: none)
    attempt: int | None = None

    @property
    def duration(self) -> float | None:
        """Seconds from start to end; None while the run has not ended."""
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


_RUN_COLUMNS = [getattr(m.Run, name) for name in RunInfo.__dataclass_fields__]
_MESSAGE_COLUMNS = [getattr(m.Message, name) for name in MessageInfo.__dataclass_fields__]


class Store:
    """The runs and logbook of an instance, in a SQLAlchemy database.

    Build it from a URL or an engine; ``Store.open(url)`` also migrates the database.
    """

    def __init__(self, url_or_engine: str | URL | Engine) -> None:
        if isinstance(url_or_engine, Engine):
            self.engine = url_or_engine
            self._owns_engine = False
        else:
            self.engine = make_engine(url_or_engine)
            self._owns_engine = True
        self.host = socket.gethostname()[: m.HOST_LENGTH]

    @classmethod
    def open(cls, url_or_engine: str | URL | Engine) -> Store:
        """Return a store on a database migrated to the newest schema."""
        store = cls(url_or_engine)
        try:
            migrate(store.engine)
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Close the connections of an engine the store created itself."""
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that writes; on SQLite it takes the write lock at once."""
        with self.engine.connect() as connection:
            connection.execution_options(**{SQLITE_IMMEDIATE: True})
            with connection.begin():
                yield connection

    # -- runs ---------------------------------------------------------------------------

    def start_run(
        self,
        action_id: str,
        task_id: str,
        trigger: str,
        *,
        dry_run: bool = False,
        selection: str | None = None,
    ) -> int:
        """Record a run that starts now in this process; return its id."""
        _check(trigger, m.TRIGGERS, "trigger")
        values = {
            "action_id": action_id,
            "task_id": task_id,
            "trigger": trigger,
            "state": "running",
            "dry_run": dry_run,
            "selection": clip(selection, m.SELECTION_LENGTH),
            "started_at": _now(),
            "host": self.host,
            "pid": os.getpid(),
        }
        with self.write() as conn:
            result = conn.execute(insert(m.Run).values(values))
            run_id = int(result.inserted_primary_key[0])
        log.debug("run %d started: %s/%s (%s)", run_id, action_id, task_id, trigger)
        return run_id

    def finish_run(
        self,
        run_id: int,
        state: str,
        *,
        read: int,
        written: int,
        skipped: int,
        failed: int,
        error: str | None = None,
        artefacts: Iterable[Artefact] = (),
        claim: Claim | None = None,
    ) -> None:
        """Record the end of a run: its final state, counts, error and artefacts.

        With ``claim``, the action's claim is released in the same transaction; when it is
        gone (the run was taken over) nothing is written and ``LeaseLost`` is raised.
        """
        _check(state, m.FINAL_STATES, "final state")
        rows = [
            {
                "run_id": run_id,
                "path": clip(a.path, m.PATH_LENGTH),
                "kind": _check(a.kind, m.ARTEFACT_KINDS, "artefact kind"),
                "rows": a.rows,
            }
            for a in artefacts
        ]
        values = {
            "state": state,
            "ended_at": _now(),
            "read": read,
            "written": written,
            "skipped": skipped,
            "failed": failed,
            "error": clip(error, m.TEXT_LENGTH),
        }
        with self.write() as conn:
            if claim is not None:
                released = conn.execute(delete(m.ActiveRun).where(
                    m.ActiveRun.action_id == claim.action_id, m.ActiveRun.run_id == run_id,
                    m.ActiveRun.owner == claim.owner))
                if released.rowcount == 0:
                    from server.store.claims import LeaseLost

                    raise LeaseLost(f"run {run_id} lost its claim before it ended; its end "
                                    "is not recorded", run_id=run_id)
            result = conn.execute(update(m.Run).where(m.Run.id == run_id).values(values))
            if result.rowcount == 0:
                raise RunNotFound(f"run {run_id} does not exist", run_id=run_id)
            if rows:
                conn.execute(insert(m.Artefact), rows)
        log.debug("run %d ended: %s", run_id, state)

    def run(self, run_id: int) -> RunInfo:
        """Return one run; raise ``RunNotFound`` when there is none with that id."""
        with self.engine.connect() as conn:
            row = conn.execute(select(*_RUN_COLUMNS).where(m.Run.id == run_id)).first()
        if row is None:
            raise RunNotFound(f"run {run_id} does not exist", run_id=run_id)
        return _run_info(row)

    def runs(self, action_id: str | None = None, limit: int = 50, offset: int = 0) -> list[RunInfo]:
        """Return runs, the most recently started first, optionally of one action only."""
        query = select(*_RUN_COLUMNS).order_by(m.Run.id.desc()).limit(limit).offset(offset)
        if action_id is not None:
            query = query.where(m.Run.action_id == action_id)
        with self.engine.connect() as conn:
            return [_run_info(row) for row in conn.execute(query)]

    def mark_stale_runs_interrupted(self, older_than: timedelta | None = None) -> int:
        """Mark runs whose process has died as interrupted; return how many.

        A run still ``running`` on this host whose process no longer exists is marked.
        With ``older_than``, so is a ``running`` run whose process cannot be checked (it
        ran on another host, or its pid is unknown) that started longer ago than that. A
        run whose process is alive on this host is never marked. Used at startup.
        """
        now = _now()
        cutoff = None if older_than is None else now - older_than
        query = select(m.Run.id, m.Run.host, m.Run.pid, m.Run.started_at).where(
            m.Run.state == "running"
        )
        with self.write() as conn:
            stale: dict[int, str] = {}
            for run_id, host, pid, started_at in conn.execute(query):
                if host == self.host and pid is not None:
                    if not _pid_alive(pid):
                        stale[run_id] = (
                            f"Interrupted: process {pid} on host {host} ended while the "
                            "run was running."
                        )
                elif cutoff is not None and started_at < cutoff:
                    stale[run_id] = (
                        f"Interrupted: still marked running after {older_than} "
                        f"(process {pid} on host {host})."
                    )
            for run_id, text in stale.items():
                conn.execute(delete(m.ActiveRun).where(m.ActiveRun.run_id == run_id))
                conn.execute(
                    update(m.Run)
                    .where(m.Run.id == run_id, m.Run.state == "running")
                    .values(state="interrupted", ended_at=now, error=text)
                )
                log.warning("run %d: %s", run_id, text)
        return len(stale)

    # -- messages and artefacts ---------------------------------------------------------

    def add_messages(self, run_id: int, messages: Iterable[MessageIn]) -> None:
        """Append messages to a run's logbook, numbered on from its last message."""
        batch = list(messages)
        if not batch:
            return
        for message in batch:
            _check(message.severity, m.SEVERITIES, "severity")
        now = _now()
        with self.write() as conn:
            # Lock the run's row so concurrent writers number their messages in turn.
            locked = conn.execute(
                select(m.Run.id).where(m.Run.id == run_id).with_for_update()
            ).first()
            if locked is None:
                raise RunNotFound(f"run {run_id} does not exist", run_id=run_id)
            last = conn.execute(
                select(func.max(m.Message.seq)).where(m.Message.run_id == run_id)
            ).scalar()
            first = (last or 0) + 1
            rows = [
                {
                    "run_id": run_id,
                    "seq": first + i,
                    "severity": message.severity,
                    "record_key": clip(message.record_key, m.KEY_LENGTH),
                    "field": clip(message.field, m.KEY_LENGTH),
                    "text": clip(message.text, m.TEXT_LENGTH),
                    "created_at": now,
                }
                for i, message in enumerate(batch)
            ]
            conn.execute(insert(m.Message), rows)

    def messages(
        self,
        run_id: int,
        *,
        severity: str | Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[MessageInfo]:
        """Return a run's messages in order, optionally of the given severity or severities."""
        query = (
            select(*_MESSAGE_COLUMNS)
            .where(m.Message.run_id == run_id)
            .order_by(m.Message.seq)
            .limit(limit)
            .offset(offset)
        )
        if isinstance(severity, str):
            query = query.where(m.Message.severity == severity)
        elif severity is not None:
            query = query.where(m.Message.severity.in_(list(severity)))
        with self.engine.connect() as conn:
            return [MessageInfo(**row._asdict()) for row in conn.execute(query)]

    def artefacts(self, run_id: int) -> list[Artefact]:
        """Return the files and tables a run produced, in the order they were recorded."""
        query = (
            select(m.Artefact.path, m.Artefact.kind, m.Artefact.rows)
            .where(m.Artefact.run_id == run_id)
            .order_by(m.Artefact.id)
        )
        with self.engine.connect() as conn:
            return [Artefact(path, kind, rows) for path, kind, rows in conn.execute(query)]


def _now() -> datetime:
    return datetime.now(UTC)


def _run_info(row: Row[Any]) -> RunInfo:
    return RunInfo(**row._asdict())


def _check(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise StoreError(f"unknown {what} {value!r}: expected one of {', '.join(allowed)}")
    return value


def clip(text: str | None, length: int) -> str | None:
    """Cut a text to a column's length, saying so at its end."""
    if text is None or len(text) <= length:
        return text
    marker = " [...]"
    return text[: length - len(marker)] + marker


def _pid_alive(pid: int) -> bool:
    """Tell whether a process with this id exists on this machine."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists but belongs to another user
    except OSError:
        return False
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    # os.kill(pid, 0) would send CTRL_C_EVENT on Windows: ask the process table instead.
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
