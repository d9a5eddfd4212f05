"""The tables of the state store: runs, their messages and artefacts, and the runner's.

``active_runs``, ``schedule_state`` and ``runner_leases`` coordinate runners (see
``server.store.claims``): one active run per action, one decision per schedule slot.

The schema is created and changed only by the Alembic migrations in ``migrations/``; these
models must match them (a test compares both). Only portable column types are used, so one
schema serves SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

Trigger = Literal["manual", "schedule", "web", "cli"]
RunState = Literal["queued", "running", "succeeded", "failed", "interrupted", "abandoned",
                   "skipped", "missed"]
Severity = Literal["debug", "info", "warning", "error"]
ArtefactKind = Literal["file", "table"]

TRIGGERS: tuple[str, ...] = get_args(Trigger)
RUN_STATES: tuple[str, ...] = get_args(RunState)
FINAL_STATES: tuple[str, ...] = ("succeeded", "failed", "interrupted", "abandoned",
                                  "skipped", "missed")
SEVERITIES: tuple[str, ...] = get_args(Severity)
ARTEFACT_KINDS: tuple[str, ...] = get_args(ArtefactKind)

# Lengths of the string columns; the logbook clips longer values to these.
KEY_LENGTH = 200
SELECTION_LENGTH = 1000
HOST_LENGTH = 255
PATH_LENGTH = 1000
ENUM_LENGTH = 20
# Long texts are clipped so they fit a MariaDB TEXT column (64 KiB) in UTF-8.
TEXT_LENGTH = 16000

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, stored as UTC and returned as an aware UTC ``datetime``.

    PostgreSQL keeps the offset (``TIMESTAMP WITH TIME ZONE``); SQLite and MariaDB store
    a naive UTC value, which is made aware again when read. MariaDB keeps microseconds.
    Naive values are refused: they would be ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone")
        value = value.astimezone(UTC)
        if dialect.name != "postgresql":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of the state store; its metadata names every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_MYSQL_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


class Run(Base):
    """One run of an action's task, from start to end."""

    __tablename__ = "runs"
    __table_args__ = (
        Index(None, "action_id", "slot_at", "attempt", unique=True),
        _MYSQL_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(String(KEY_LENGTH), index=True)
    task_id: Mapped[str] = mapped_column(String(KEY_LENGTH))
    trigger: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    state: Mapped[str] = mapped_column(String(ENUM_LENGTH), index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    selection: Mapped[str | None] = mapped_column(String(SELECTION_LENGTH))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read: Mapped[int] = mapped_column(Integer, default=0)
    written: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(HOST_LENGTH))
    pid: Mapped[int | None] = mapped_column(Integer)
    # A scheduled run: the slot it belongs to and its attempt (1, 2, ... ; 0 for a slot
    # that was skipped or missed). One row per (action, slot, attempt).
    slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempt: Mapped[int | None] = mapped_column(Integer)


class Message(Base):
    """One logbook line of a run; ``seq`` orders the lines within the run (from 1)."""

    __tablename__ = "messages"
    __table_args__ = (
        Index(None, "run_id", "seq", unique=True),
        _MYSQL_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    record_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    field: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Artefact(Base):
    """A file or table a run produced."""

    __tablename__ = "artefacts"
    __table_args__ = (_MYSQL_OPTIONS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(PATH_LENGTH))
    kind: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    rows: Mapped[int] = mapped_column(Integer, default=0)


class ActiveRun(Base):
    """The one run of an action in progress, held under a lease by its owner."""

    __tablename__ = "active_runs"
    __table_args__ = (_MYSQL_OPTIONS,)

    action_id: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    owner: Mapped[str] = mapped_column(String(HOST_LENGTH))
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime)


class ScheduleState(Base):
    """How far the schedule of an action has been decided, and its next slot (UTC)."""

    __tablename__ = "schedule_state"
    __table_args__ = (_MYSQL_OPTIONS,)

    action_id: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    spec: Mapped[str] = mapped_column(String(SELECTION_LENGTH))
    checked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RunnerLease(Base):
    """A lease a runner holds by name (on SQLite: the one runner of the instance)."""

    __tablename__ = "runner_leases"
    __table_args__ = (_MYSQL_OPTIONS,)

    name: Mapped[str] = mapped_column(String(ENUM_LENGTH), primary_key=True)
    owner: Mapped[str] = mapped_column(String(HOST_LENGTH))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
