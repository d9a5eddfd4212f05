"""Named connections as SQLAlchemy engines, one per URL per process."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from server.errors import SourceError
from server.textutil import driver_hint

_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def engine_for(name: str, url: str) -> Engine:
    """Return the engine of connection ``name`` at ``url`` (created once per process).

    A SQLite file that does not exist is an error here, not an empty new database.
    """
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is not None:
            return engine
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise SourceError(
                f"connection {name!r}: the URL is not a valid SQLAlchemy URL ({exc})",
                connection=name,
            ) from None
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            if not Path(parsed.database).is_file():
                raise SourceError(
                    f"connection {name!r}: the SQLite database {parsed.database} does not exist",
                    connection=name,
                )
        try:
            engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
        except (NoSuchModuleError, ImportError) as exc:
            raise SourceError(
                f"connection {name!r} ({shown}): the database driver is not installed: {exc}"
                f"{driver_hint(parsed.get_backend_name())}",
                connection=name,
            ) from None
        _ENGINES[url] = engine
        return engine


def dispose_all() -> None:
    """Close every pooled connection (at shutdown, and between tests)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
