"""SQL source: the rows of a query on a named connection, streamed in batches.

The query runs with a server-side cursor (``stream_results``), so memory stays flat however
many rows it returns. It is SQLAlchemy ``text()``: ``:name`` after a space or bracket is a
bind parameter, so write ``\\:name`` if the query needs those characters literally
(``'12:00'`` is fine). Values are what the driver returns (``Decimal`` for NUMERIC, ``date``
and ``datetime`` where the database has them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.engine import log
from server.engine.base import Row, register_source
from server.errors import SourceError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, CursorResult, Engine

    from server.actions.model import SqlSource
    from server.engine.base import RunContext


def database_message(exc: BaseException, engine: Engine | None = None, limit: int = 400) -> str:
    """Return the database's own message of ``exc`` on one line, without any password."""
    orig = getattr(exc, "orig", None)
    message = str(orig if orig is not None else exc).strip()
    message = message.split("\n[SQL:")[0].split("\n(Background")[0]
    message = " ".join(message.split())
    password = engine.url.password if engine is not None else None
    if password:
        message = message.replace(str(password), "***")
    return message if len(message) <= limit else message[: limit - 3] + "..."


def count_query(query: str) -> str:
    """Return the query counting the rows of ``query``."""
    inner = query.strip().rstrip(";").rstrip()
    # Line breaks keep a trailing "-- comment" from swallowing the closing bracket.
    return f"SELECT COUNT(*) FROM (\n{inner}\n) AS sc_count"


class SqlReader:
    """An open query; the rows arrive as tuples in batches of ``batch_size``."""

    def __init__(self, source: SqlSource, engine: Engine) -> None:
        self.source = source
        self.engine = engine
        self.batch_size = max(1, source.batch_size)
        self._conn: Connection | None = None
        self._result: CursorResult | None = None
        try:
            self._conn = engine.connect()
            result = self._conn.execution_options(
                stream_results=True, yield_per=self.batch_size
            ).execute(text(source.query))
            # SQLAlchemy ignores the yield_per execution option for text() statements
            # (partitions() would then fetch everything at once): set it on the result.
            self._result = result.yield_per(self.batch_size) if result.returns_rows else result
            if not self._result.returns_rows:
                raise SourceError(
                    f"connection {source.connection!r}: the query returns no rows "
                    "(is it a SELECT?)",
                    connection=source.connection,
                    line=source.line or None,
                )
            self.columns: list[str] = list(self._result.keys())
        except SQLAlchemyError as exc:
            self.close()
            raise self._error("the query failed", exc) from exc
        except BaseException:
            self.close()
            raise

    def _error(self, what: str, exc: BaseException) -> SourceError:
        shown = self.engine.url.render_as_string(hide_password=True)
        return SourceError(
            f"connection {self.source.connection!r} ({shown}): {what}: "
            f"{database_message(exc, self.engine)}",
            connection=self.source.connection,
            line=self.source.line or None,
        )

    def count(self) -> int | None:
        """Count the rows with ``SELECT COUNT(*)`` on a second connection, else ``None``."""
        try:
            with self.engine.connect() as conn:
                value = conn.execute(text(count_query(self.source.query))).scalar()
        except SQLAlchemyError as exc:
            log.debug("cannot count the rows of the query: %s", database_message(exc, self.engine))
            return None
        return int(value) if value is not None else None

    def batches(self) -> Iterator[list[Row]]:
        if self._result is None:
            return
        try:
            for part in self._result.partitions(self.batch_size):
                # SQLAlchemy's Row is not a tuple; converting costs ~0.3 us per row.
                yield list(map(tuple, part))
        except SQLAlchemyError as exc:
            raise self._error("reading the rows failed", exc) from exc

    def close(self) -> None:
        """Close the cursor and give the connection back (idempotent).

        Closing before the last row costs nothing on PostgreSQL and SQLite; MySQL and
        MariaDB have no way to stop a streamed result, so their driver reads the rest.
        """
        result, self._result = self._result, None
        conn, self._conn = self._conn, None
        try:
            if result is not None:
                result.close()
        except SQLAlchemyError as exc:
            log.debug("closing the query: %s", database_message(exc, self.engine))
        finally:
            if conn is not None:
                try:
                    conn.close()
                except SQLAlchemyError as exc:
                    log.debug("closing the connection: %s", database_message(exc, self.engine))


@register_source("sql")
def sql_source(source: SqlSource, ctx: RunContext) -> SqlReader:
    """Open the query of ``source`` on its connection."""
    return SqlReader(source, ctx.connection(source.connection))
