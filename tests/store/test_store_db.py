"""Engines, migrations and the schema of the state store."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from server.store import Store, StoreError, current_revision, head_revision, make_engine, migrate
from server.store.db import alembic_config
from server.store.models import Base

TABLES = {"runs", "messages", "artefacts", "active_runs", "schedule_state", "runner_leases",
          "categories", "product_types", "article_categories", "article_overrides",
          "listing_snapshots", "image_uploads"}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_sqlite_engine_creates_its_folder_and_sets_pragmas(tmp_path: Path) -> None:
    file = tmp_path / "a" / "b" / "state.db"
    engine = make_engine(f"sqlite:///{file}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert file.exists()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@localhost/db", "postgresql+psycopg"),
        ("mysql://u@localhost/db", "mysql+pymysql"),
        ("mariadb://u@localhost/db", "mariadb+pymysql"),
        ("postgresql+psycopg://u@localhost/db", "postgresql+psycopg"),
    ],
)
def test_urls_without_driver_get_the_shipped_driver(url: str, driver: str) -> None:
    engine = make_engine(url)
    assert engine.url.drivername == driver
    engine.dispose()


def test_migrate_from_empty(engine: Engine) -> None:
    assert current_revision(engine) is None
    assert not _tables(engine) & TABLES
    migrate(engine)
    assert current_revision(engine) == head_revision() == "0003"
    assert _tables(engine) >= TABLES


def test_migrate_twice_is_a_no_op(engine: Engine) -> None:
    migrate(engine)
    run_id = Store(engine).start_run("act", "task", "cli")
    migrate(engine)
    assert current_revision(engine) == head_revision()
    assert Store(engine).run(run_id).action_id == "act"


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_schema_comparison_sees_differences(engine: Engine) -> None:
    # Guards the test above: an unmigrated database must differ from the models.
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert {d[1].name for d in diff if d[0] == "add_table"} == TABLES


def test_downgrade_removes_the_tables(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert not _tables(engine) & TABLES
    assert current_revision(engine) is None


def test_deleting_a_run_deletes_its_messages_and_artefacts(engine: Engine) -> None:
    from server.engine.base import Artefact
    from server.store import MessageIn

    store = Store.open(engine)
    run_id = store.start_run("act", "task", "cli")
    store.add_messages(run_id, [MessageIn("info", "hello")])
    store.finish_run(
        run_id, "succeeded", read=1, written=1, skipped=0, failed=0,
        artefacts=[Artefact("out.csv", "file", 1)],
    )  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM runs WHERE id = :id"), {"id": run_id})
    assert store.messages(run_id) == []
    assert store.artefacts(run_id) == []


def test_migrate_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(StoreError, match="revision 9999"):
            migrate(engine)
    finally:
        engine.dispose()
