"""Claims: one active run per action, one decision per schedule slot, runner leases.

The database is the coordinator; no runner trusts its own memory about another. An action
has at most one row in ``active_runs`` (its primary key): whoever inserts it owns the
action's run, under a lease it renews while the run goes on. A run whose lease expired
(its process was killed or froze) is *reaped*: marked ``abandoned`` and its claim removed.
Every later write of the old owner is fenced: renewing or releasing a claim checks the
``(action, run)`` pair still stands, and raises :class:`LeaseLost` when it does not.

A schedule is decided under a row lock on its ``schedule_state`` row (``SELECT ... FOR
UPDATE SKIP LOCKED`` on PostgreSQL and MariaDB; SQLite's write lock serialises anyway): one
runner decides an action's due slots at a time, and the unique index on ``runs (action_id,
slot_at, attempt)`` makes a second decision for the same slot impossible.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from server.store import log
from server.store import models as m
from server.store.db import StoreError
from server.store.logbook import Store, clip

Clock = Callable[[], datetime]


class ActionBusy(StoreError):
    """The action already has a run in progress (context: ``action_id``, ``run_id``)."""


class LeaseLost(StoreError):
    """Our claim is gone: the lease expired and the run was taken over. Write nothing."""


class RunnerBusy(StoreError):
    """Another runner holds the instance's runner lease (SQLite allows one runner)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_owner() -> str:
    """A name for this process as a claim owner: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Claim:
    """An action's run that we own."""

    action_id: str
    run_id: int
    owner: str


@dataclass(frozen=True)
class ActiveInfo:
    """The run in progress of an action, as another process sees it."""

    action_id: str
    run_id: int
    owner: str
    lease_until: datetime
    started_at: datetime
    trigger: str

    def describe(self) -> str:
        return (f"run {self.run_id} ({self.trigger}, started "
                f"{self.started_at.isoformat(timespec='seconds')})")


class Claims:
    """Claims of one owner (a runner, or a command-line run) on a store."""

    def __init__(self, store: Store, owner: str | None = None,
                 lease: timedelta = timedelta(seconds=60), clock: Clock = utc_now) -> None:
        self.store = store
        self.owner = owner or make_owner()
        self.lease = lease
        self.clock = clock

    # -- runs ------------------------------------------------------------------------

    def start(self, action_id: str, task_id: str, trigger: str, *, dry_run: bool = False,
              selection: str | None = None, slot_at: datetime | None = None,
              attempt: int | None = None) -> Claim:
        """Record a run that starts now and claim the action for it.

        Raises :class:`ActionBusy` (naming the active run) when the action has a run in
        progress, and ``IntegrityError`` when this attempt of the slot already exists.
        """
        with self.store.write() as conn:
            busy = self.active_in(conn, action_id)
            if busy is not None:
                raise _busy(busy)
            run_id = self.insert_run(conn, action_id, task_id, trigger, "running",
                                     dry_run=dry_run, selection=selection, slot_at=slot_at,
                                     attempt=attempt)
            try:
                with conn.begin_nested():
                    conn.execute(insert(m.ActiveRun).values(
                        action_id=action_id, run_id=run_id, owner=self.owner,
                        lease_until=self.clock() + self.lease))
            except IntegrityError:
                busy = self.active_in(conn, action_id)
                raise _busy(busy) from None
        return Claim(action_id, run_id, self.owner)

    def insert_run(self, conn: Connection, action_id: str, task_id: str, trigger: str,
                   state: str, *, dry_run: bool = False, selection: str | None = None,
                   slot_at: datetime | None = None, attempt: int | None = None,
                   error: str | None = None) -> int:
        now = self.clock()
        values: dict[str, Any] = {
            "action_id": action_id, "task_id": task_id, "trigger": trigger, "state": state,
            "dry_run": dry_run, "selection": clip(selection, m.SELECTION_LENGTH),
            "started_at": now, "host": self.store.host, "pid": os.getpid(),
            "slot_at": slot_at, "attempt": attempt, "error": clip(error, m.TEXT_LENGTH),
            "ended_at": None if state == "running" else now,
        }
        result = conn.execute(insert(m.Run).values(values))
        return int(result.inserted_primary_key[0])

    def renew(self, claim: Claim) -> None:
        """Extend the lease of ``claim``; :class:`LeaseLost` when it was taken over."""
        with self.store.write() as conn:
            result = conn.execute(
                update(m.ActiveRun)
                .where(m.ActiveRun.action_id == claim.action_id,
                       m.ActiveRun.run_id == claim.run_id, m.ActiveRun.owner == claim.owner)
                .values(lease_until=self.clock() + self.lease))
            if result.rowcount == 0:
                raise LeaseLost(f"run {claim.run_id} of {claim.action_id!r} lost its claim: "
                                "it was ended elsewhere (its lease expired and another "
                                "process marked it abandoned, or its runner shut down)",
                                run_id=claim.run_id, action_id=claim.action_id)

    def active(self, action_id: str) -> ActiveInfo | None:
        with self.store.engine.connect() as conn:
            return self.active_in(conn, action_id)

    @staticmethod
    def active_in(conn: Connection, action_id: str) -> ActiveInfo | None:
        row = conn.execute(
            select(m.ActiveRun.action_id, m.ActiveRun.run_id, m.ActiveRun.owner,
                   m.ActiveRun.lease_until, m.Run.started_at, m.Run.trigger)
            .join(m.Run, m.Run.id == m.ActiveRun.run_id)
            .where(m.ActiveRun.action_id == action_id)).first()
        return None if row is None else ActiveInfo(*row)

    def reap(self) -> list[int]:
        """Mark the runs whose lease expired as abandoned and free their actions.

        Rows another process holds locked right now (it is renewing them) are left alone.
        """
        now = self.clock()
        reaped = []
        with self.store.write() as conn:
            expired = conn.execute(
                select(m.ActiveRun.action_id, m.ActiveRun.run_id, m.ActiveRun.owner,
                       m.ActiveRun.lease_until)
                .where(m.ActiveRun.lease_until < now)
                .with_for_update(skip_locked=True)).all()
            for action_id, run_id, owner, until in expired:
                conn.execute(delete(m.ActiveRun).where(m.ActiveRun.action_id == action_id,
                                                       m.ActiveRun.run_id == run_id))
                text = (f"Abandoned: its lease (held by {owner}) expired at "
                        f"{until.isoformat(timespec='seconds')}; the process was killed or "
                        "stopped. Nothing it writes from now on is accepted.")
                conn.execute(update(m.Run).where(m.Run.id == run_id, m.Run.state == "running")
                             .values(state="abandoned", ended_at=now, error=text))
                log.warning("run %d of %s: %s", run_id, action_id, text)
                reaped.append(run_id)
        return reaped

    # -- schedules -------------------------------------------------------------------

    @contextmanager
    def schedule(self, action_id: str) -> Iterator[ScheduleLock | None]:
        """Lock the schedule state of ``action_id`` for deciding its slots.

        Yields ``None`` when another runner is deciding it right now (skip it this tick).
        The decisions made through the lock commit together when the block ends.
        """
        with self.store.write() as conn:
            row = conn.execute(
                select(m.ScheduleState.spec, m.ScheduleState.checked_until,
                       m.ScheduleState.next_at)
                .where(m.ScheduleState.action_id == action_id)
                .with_for_update(skip_locked=True)).first()
            if row is None:
                exists = conn.execute(select(m.ScheduleState.action_id).where(
                    m.ScheduleState.action_id == action_id)).first()
                if exists is not None:  # locked by another runner
                    yield None
                    return
                try:
                    with conn.begin_nested():
                        conn.execute(insert(m.ScheduleState).values(
                            action_id=action_id, spec="", checked_until=self.clock(),
                            next_at=None))
                except IntegrityError:  # another runner created it just now
                    yield None
                    return
                row = ("", None, None)
            yield ScheduleLock(self, conn, action_id, row[0], row[1], row[2])

    # -- the runner lease (SQLite) ----------------------------------------------------

    def hold_runner_lease(self, name: str = "runner") -> None:
        """Take or renew the lease ``name``; :class:`RunnerBusy` when another holds it."""
        now = self.clock()
        with self.store.write() as conn:
            row = conn.execute(select(m.RunnerLease.owner, m.RunnerLease.until)
                               .where(m.RunnerLease.name == name)).first()
            if row is not None and row.owner != self.owner and row.until > now:
                raise RunnerBusy(
                    f"another runner ({row.owner}) holds this instance's runner lease until "
                    f"{row.until.isoformat(timespec='seconds')}; with a SQLite state store "
                    "only one runner may run. Stop the other one, or use PostgreSQL or "
                    "MariaDB for several runners", owner=row.owner)
            values = {"owner": self.owner, "until": now + self.lease}
            if row is None:
                conn.execute(insert(m.RunnerLease).values(name=name, **values))
            else:
                conn.execute(update(m.RunnerLease).where(m.RunnerLease.name == name)
                             .values(values))

    def release_runner_lease(self, name: str = "runner") -> None:
        with self.store.write() as conn:
            conn.execute(delete(m.RunnerLease).where(m.RunnerLease.name == name,
                                                     m.RunnerLease.owner == self.owner))


class ScheduleLock:
    """The locked schedule state of one action, inside the deciding transaction."""

    def __init__(self, claims: Claims, conn: Connection, action_id: str, spec: str,
                 checked_until: datetime | None, next_at: datetime | None) -> None:
        self.claims = claims
        self.conn = conn
        self.action_id = action_id
        self.spec = spec
        self.checked_until = checked_until
        self.next_at = next_at

    def save(self, spec: str, checked_until: datetime, next_at: datetime | None) -> None:
        self.conn.execute(update(m.ScheduleState)
                          .where(m.ScheduleState.action_id == self.action_id)
                          .values(spec=spec[:m.SELECTION_LENGTH], checked_until=checked_until,
                                  next_at=next_at))
        self.spec, self.checked_until, self.next_at = spec, checked_until, next_at

    def record(self, task_id: str, slot_at: datetime, state: str, text: str) -> int:
        """Record a slot that does not run (``skipped`` or ``missed``) in the logbook."""
        return self.claims.insert_run(self.conn, self.action_id, task_id, "schedule", state,
                                      slot_at=slot_at, attempt=0, error=text)

    def start(self, task_id: str, slot_at: datetime) -> Claim | ActiveInfo:
        """Start the slot's first attempt; the active run instead when there is one."""
        busy = self.claims.active_in(self.conn, self.action_id)
        if busy is not None:
            return busy
        try:
            with self.conn.begin_nested():
                run_id = self.claims.insert_run(self.conn, self.action_id, task_id,
                                                "schedule", "running", slot_at=slot_at,
                                                attempt=1)
                self.conn.execute(insert(m.ActiveRun).values(
                    action_id=self.action_id, run_id=run_id, owner=self.claims.owner,
                    lease_until=self.claims.clock() + self.claims.lease))
        except IntegrityError:  # a manual run was claimed a moment ago
            busy = self.claims.active_in(self.conn, self.action_id)
            if busy is None:
                raise
            return busy
        return Claim(self.action_id, run_id, self.claims.owner)


def _busy(info: ActiveInfo | None) -> ActionBusy:
    if info is None:
        return ActionBusy("the action has a run in progress")
    return ActionBusy(f"action {info.action_id!r} is already running: {info.describe()}; "
                      "a second run is refused until it ends", action_id=info.action_id,
                      run_id=info.run_id)
