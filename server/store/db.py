"""Engines and migrations of the state store.

SQLite (a file in the instance folder) is the default; PostgreSQL and MariaDB are given by
URL. The schema is managed by Alembic, configured here in code (there is no alembic.ini).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from server.errors import SyncCenterError
from server.store import log
from server.textutil import driver_hint

MIGRATIONS = Path(__file__).with_name("migrations")

# How long a SQLite connection waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Connection execution option asking SQLite for ``BEGIN IMMEDIATE`` (take the write lock
# at the start of the transaction instead of at its first write).
SQLITE_IMMEDIATE = "synccenter_sqlite_immediate"

# Drivers used when a URL names only the database ("postgresql://", "mysql://").
_DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


IDLE_IN_TRANSACTION = "30s"
LOCK_TIMEOUT = "10s"


class StoreError(SyncCenterError):
    """The state store cannot be opened, migrated or used as asked."""


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Create an engine for the state store; ``kwargs`` go to ``create_engine``.

    SQLite: the folder of the file is created; each connection uses WAL, enforces foreign
    keys and waits for a busy database. PostgreSQL and MariaDB connections are checked
    before use, so a server restart or idle timeout does not break the store.
    """
    url = make_url(url)
    if url.drivername in _DEFAULT_DRIVERS:
        url = url.set(drivername=_DEFAULT_DRIVERS[url.drivername])
    if url.get_backend_name() == "sqlite":
        _create_sqlite_folder(url)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_recycle", 3600)
    try:
        engine = create_engine(url, **kwargs)
    except ImportError as exc:
        hint = driver_hint(url.get_backend_name())
        raise StoreError(f"the state store {url.render_as_string(hide_password=True)} needs "
                         f"a database driver that is not installed ({exc}){hint}") from None
    if url.get_backend_name() == "postgresql":
        _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    """Bound how long a frozen process can hold the store's locks.

    A runner stopped inside a transaction (SIGSTOP, a paused VM) would otherwise keep its
    row locks for good, and the other runners would wait on them. The server ends such a
    transaction after ``IDLE_IN_TRANSACTION``; a statement waits for a lock at most
    ``LOCK_TIMEOUT`` and then fails (the runner tries again on its next tick).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION}'")
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        finally:
            cursor.close()
        dbapi_connection.commit()


def _create_sqlite_folder(url: URL) -> None:
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    """Set the pragmas of every connection and let SQLAlchemy emit ``BEGIN`` itself.

    The sqlite3 module would otherwise start transactions only at the first write, so a
    read-then-write transaction could see stale data; with ``BEGIN`` emitted here reads
    are consistent and a writer can take the lock up front (``SQLITE_IMMEDIATE``).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(engine_or_connection: Engine | Connection | None = None) -> Config:
    """Return the Alembic configuration of the store (migrations folder, no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if engine_or_connection is not None:
        config.attributes["connection"] = engine_or_connection
    return config


def head_revision() -> str:
    """Return the newest migration this version of Sync-Center knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - there is always a migration
        raise StoreError("no migrations found", folder=str(MIGRATIONS))
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the migration the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest migration; nothing happens when it is there."""
    before = current_revision(engine)
    with engine.begin() as connection:
        try:
            command.upgrade(alembic_config(connection), "head")
        except CommandError as exc:
            raise StoreError(
                f"cannot migrate the state store at revision {before}: {exc} "
                "(was it created by a newer Sync-Center?)",
                url=_safe_url(engine),
                revision=before,
            ) from exc
    after = current_revision(engine)
    if after != before:
        log.info("state store %s migrated from %s to %s", _safe_url(engine), before, after)


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
