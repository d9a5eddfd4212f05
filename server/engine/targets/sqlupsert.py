"""SQL upsert target: insert or update rows of an existing table, by key.

Options:

``connection``
    A connection named in the configuration.
``table``
    The table (``schema.table`` for another schema). It must exist; its columns are read
    from the database.
``key``
    Comma-separated key columns; default: the task's key field.
``batch_size``
    Rows per ``executemany``, default 1000.

Every output field must be a column of the table (matched exactly, else ignoring case); the
key fields must be among the output fields. When the key columns carry a primary key or a
unique constraint or index, the dialect's own upsert is used (``INSERT .. ON CONFLICT DO
UPDATE`` on SQLite and PostgreSQL, ``INSERT .. ON DUPLICATE KEY UPDATE`` on MySQL and
MariaDB); otherwise, and on other databases, each row is an ``UPDATE`` followed by an
``INSERT`` when no row matched. The whole run is one transaction: ``commit`` commits it,
``abort`` (and a dry run) roll it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    DateTime,
    MetaData,
    Numeric,
    Table,
    Time,
    and_,
    bindparam,
    exists,
    inspect,
    select,
    update,
)
from sqlalchemy import insert as generic_insert
from sqlalchemy.exc import DBAPIError, NoSuchTableError, SQLAlchemyError

from server.engine import log
from server.engine.base import Artefact, Row, register_target
from server.engine.sources.sql import database_message
from server.engine.values import to_text
from server.errors import TargetError
from server.textutil import did_you_mean, short

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.sql.dml import Insert, Update

    from server.actions.model import Target
    from server.engine.base import RunContext

DEFAULT_BATCH = 1000
_AS_TEXT = (Decimal, dt.date, dt.time)


def _split_table(name: str) -> tuple[str | None, str]:
    schema, dot, table = name.rpartition(".")
    return (schema or None, table) if dot else (None, name)


def _match(name: str, choices: Sequence[str]) -> str | None:
    """Return the choice equal to ``name``, else the single one equal ignoring case."""
    if name in choices:
        return name
    folded = [c for c in choices if c.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


class SqlUpsertTarget:
    """Upserts rows into a table in one transaction."""

    def __init__(self, target: Target, ctx: RunContext) -> None:
        self.target = target
        self.ctx = ctx
        self.connection_name = target.option("connection").strip()
        self.table_name = target.option("table").strip()
        for option, value in (("connection", self.connection_name), ("table", self.table_name)):
            if not value:
                raise TargetError(
                    f"sql-upsert target needs a {option!r} option", line=target.line or None
                )
        keys = [k.strip() for k in target.option("key").split(",") if k.strip()]
        if not keys:
            task_key = getattr(getattr(ctx, "task", None), "key", "")
            keys = [task_key] if task_key else []
        if not keys:
            raise TargetError(
                "sql-upsert target needs a 'key' option (the key columns)",
                line=target.line or None,
            )
        self.keys = keys
        try:
            self.batch_size = int(target.option("batch_size") or DEFAULT_BATCH)
            if self.batch_size < 1:
                raise ValueError
        except ValueError:
            raise TargetError(
                "sql-upsert target: batch_size must be a positive whole number, not "
                f"{short(target.option('batch_size'))}",
                line=target.line or None,
            ) from None
        self.engine: Engine = ctx.connection(self.connection_name)
        self.rows = 0
        self.mode = ""  # "upsert" or "update-insert", known after open
        self._conn: Connection | None = None
        self._key_positions: list[int] = []

    # -- errors -----------------------------------------------------------------------

    @property
    def where(self) -> str:
        return f"{self.connection_name}:{self.table_name}"

    def error(self, message: str, row: Row | None = None) -> TargetError:
        key = None
        if row is not None and self._key_positions:
            values = [row[i] for i in self._key_positions]
            key = ", ".join(str(v) for v in values)
        return TargetError(
            f"{self.where}: {message}",
            connection=self.connection_name,
            table=self.table_name,
            line=self.target.line or None,
            record_key=key,
        )

    # -- TargetWriter -----------------------------------------------------------------

    def open(self, columns: list[str]) -> None:
        try:
            self._conn = self.engine.connect()
            self._conn.begin()
            table = self._reflect(self._conn)
        except SQLAlchemyError as exc:
            self._close()
            raise self.error(
                f"cannot open the table: {database_message(exc, self.engine)}"
            ) from exc
        except TargetError:
            self._close()
            raise
        try:
            self._prepare(table, columns)
        except TargetError:
            self._close()
            raise

    def _reflect(self, conn: Connection) -> Table:
        schema, name = _split_table(self.table_name)
        try:
            return Table(name, MetaData(), schema=schema, autoload_with=conn)
        except NoSuchTableError:
            tables = inspect(conn).get_table_names(schema=schema)
            raise self.error(
                f"there is no table {self.table_name!r}{did_you_mean(name, tables)}"
            ) from None

    def _prepare(self, table: Table, columns: list[str]) -> None:
        table_columns = [c.name for c in table.columns]
        mapped: list[str] = []
        missing: list[str] = []
        for name in columns:
            found = _match(name, table_columns)
            if found is None:
                missing.append(f"{name!r}{did_you_mean(name, table_columns)}")
            else:
                mapped.append(found)
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise self.error(
                f"table {self.table_name!r} has no column{plural} {', '.join(missing)}; "
                f"its columns are: {', '.join(table_columns)}"
            )
        duplicates = sorted({c for c in mapped if mapped.count(c) > 1})
        if duplicates:
            raise self.error(f"several output fields go to column(s) {', '.join(duplicates)}")
        key_positions = []
        for key in self.keys:
            found = _match(key, columns)
            if found is None:
                raise self.error(
                    f"key column {key!r} is not among the output fields"
                    f"{did_you_mean(key, columns)}; the output fields are: {', '.join(columns)}"
                )
            key_positions.append(columns.index(found))
        self.columns = list(columns)
        self._table = table
        self._names = mapped  # table column of each output field, in output order
        self._key_positions = key_positions
        self._key_names = [mapped[i] for i in key_positions]
        self._update_names = [c for c in mapped if c not in self._key_names]
        self._adapt = self._sqlite_adaptations(table)
        dialect = self.engine.dialect.name
        unique = self._has_unique_key(table)
        if unique and dialect in ("sqlite", "postgresql", "mysql", "mariadb"):
            self.mode = "upsert"
            self._upsert = self._upsert_statement(table, dialect)
        else:
            self.mode = "update-insert"
            if not unique:
                log.info(
                    "%s: no unique key on %s, updating then inserting row by row",
                    self.where,
                    ", ".join(self._key_names),
                )
            self._prepare_fallback(table)

    def _has_unique_key(self, table: Table) -> bool:
        wanted = set(self._key_names)
        if wanted and {c.name for c in table.primary_key.columns} == wanted:
            return True
        assert self._conn is not None
        inspector = inspect(self._conn)
        try:
            for constraint in inspector.get_unique_constraints(table.name, schema=table.schema):
                if set(constraint["column_names"]) == wanted:
                    return True
        except NotImplementedError:
            pass
        for index in inspector.get_indexes(table.name, schema=table.schema):
            if index.get("unique") and set(index["column_names"]) == wanted:
                return True
        return False

    def _upsert_statement(self, table: Table, dialect: str) -> Insert:
        if dialect in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import insert as mysql_insert

            stmt = mysql_insert(table)
            names = self._update_names or self._key_names[:1]  # all keys: a no-op update
            return stmt.on_duplicate_key_update({n: stmt.inserted[n] for n in names})
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt = pg_insert(table)
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(table)
        index = [table.c[n] for n in self._key_names]
        if not self._update_names:
            return stmt.on_conflict_do_nothing(index_elements=index)
        return stmt.on_conflict_do_update(
            index_elements=index, set_={n: stmt.excluded[n] for n in self._update_names}
        )

    def _prepare_fallback(self, table: Table) -> None:
        where = and_(*(table.c[n] == bindparam(f"k_{i}") for i, n in enumerate(self._key_names)))
        self._update: Update | None = None
        if self._update_names:
            self._update = (
                update(table)
                .where(where)
                .values({n: bindparam(f"v_{i}") for i, n in enumerate(self._update_names)})
            )
        self._exists = select(exists().where(where))
        self._insert = generic_insert(table)

    def _sqlite_adaptations(self, table: Table) -> frozenset[int]:
        """Positions whose Decimal and date values SQLite must get as text.

        SQLite's driver binds no ``Decimal`` (and, from Python 3.12 on, no dates) by itself.
        SQLAlchemy converts them for NUMERIC and DATE columns; other columns (SQLite lets
        any column hold any value) get the value's text, which type affinity may turn
        into a number again.
        """
        if self.engine.dialect.name != "sqlite":
            return frozenset()
        handled = (Numeric, Date, DateTime, Time)
        return frozenset(
            i for i, name in enumerate(self._names) if not isinstance(table.c[name].type, handled)
        )

    def write(self, rows: list[Row]) -> list[tuple[int, str]] | None:
        """Upsert a batch; records without a key value are refused, not written."""
        if self._conn is None:
            raise TargetError(f"{self.where}: write before open")
        width = len(self._names)
        keys = self._key_positions
        refused: list[tuple[int, str]] = []
        for number, row in enumerate(rows, self.rows + 1):
            if len(row) != width:
                raise self.error(f"row {number} has {len(row)} values for {width} fields")
        if any(row[i] is None for row in rows for i in keys):
            good = []
            for index, row in enumerate(rows):
                empty = [self._key_names[n] for n, i in enumerate(keys) if row[i] is None]
                if empty:
                    refused.append((index, f"no value in key column(s) {', '.join(empty)}"))
                else:
                    good.append(row)
            rows = good
        for start in range(0, len(rows), self.batch_size):
            batch = rows[start : start + self.batch_size]
            if self._adapt:
                batch = self._adapted(batch)
            try:
                if self.mode == "upsert":
                    names = self._names
                    params = [dict(zip(names, r, strict=True)) for r in batch]
                    self._conn.execute(self._upsert, params)
                else:
                    self._write_fallback(batch)
            except DBAPIError as exc:
                first = self.rows + start + 1
                raise self.error(
                    f"the database refused rows {first}-{first + len(batch) - 1}: "
                    f"{database_message(exc, self.engine)}",
                    batch[0] if len(batch) == 1 else None,
                ) from exc
            except SQLAlchemyError as exc:
                raise self.error(database_message(exc, self.engine)) from exc
        self.rows += len(rows)
        return refused or None

    def _adapted(self, batch: list[Row]) -> list[Row]:
        """Return ``batch`` with Decimal and date values of SQLite text columns as text."""
        columns: list[Sequence[object]] = list(zip(*batch, strict=True))
        changed = False
        for index in self._adapt:
            column = columns[index]
            if any(issubclass(t, _AS_TEXT) for t in set(map(type, column))):
                columns[index] = [to_text(v) if isinstance(v, _AS_TEXT) else v for v in column]
                changed = True
        return list(zip(*columns, strict=True)) if changed else batch

    def _write_fallback(self, batch: list[Row]) -> None:
        assert self._conn is not None
        conn = self._conn
        keys = self._key_positions
        updates = [self._names.index(n) for n in self._update_names]
        for row in batch:
            key_params = {f"k_{i}": row[p] for i, p in enumerate(keys)}
            if self._update is not None:
                params = {**key_params, **{f"v_{i}": row[p] for i, p in enumerate(updates)}}
                if conn.execute(self._update, params).rowcount:
                    continue
            elif conn.execute(self._exists, key_params).scalar():
                continue
            conn.execute(self._insert, dict(zip(self._names, row, strict=True)))

    def commit(self) -> list[Artefact]:
        if self._conn is None:
            return []
        conn = self._conn
        if self.ctx.dry_run:
            self._close()
            log.info("dry run: %s rolled back (%d rows)", self.where, self.rows)
            return []
        try:
            conn.commit()
        except SQLAlchemyError as exc:
            self._close()
            raise self.error(f"commit failed: {database_message(exc, self.engine)}") from exc
        self._close()
        return [Artefact(path=self.where, kind="table", rows=self.rows)]

    def abort(self) -> None:
        self._close()

    def _close(self) -> None:
        """Roll back what is not committed and give the connection back."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.rollback()
        except SQLAlchemyError as exc:
            log.warning("%s: rollback failed: %s", self.where, database_message(exc, self.engine))
        finally:
            try:
                conn.close()
            except SQLAlchemyError:
                pass


@register_target("sql-upsert")
def sql_upsert_target(target: Target, ctx: RunContext) -> SqlUpsertTarget:
    """Rows upserted into a table of a configured connection."""
    return SqlUpsertTarget(target, ctx)
