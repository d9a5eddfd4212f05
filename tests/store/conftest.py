"""Fixtures of the state store tests: one empty database per test, on each backend.

SQLite always runs (a file in ``tmp_path``). PostgreSQL and MariaDB run when
``SYNCCENTER_TEST_POSTGRES_URL`` / ``SYNCCENTER_TEST_MARIADB_URL`` name a server; each test
gets its own schema (PostgreSQL) or database (MariaDB), dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine, make_url

from server.store import Store, make_engine
from tests.databases import BACKENDS, MARIADB_ENV, POSTGRES_ENV, server_url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def engine(backend: str, tmp_path) -> Iterator[Engine]:
    """An engine on an empty database of the backend."""
    name = f"sc_test_{uuid.uuid4().hex[:16]}"
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'state.db'}")
        yield engine
        engine.dispose()
    elif backend == "postgres":
        url = server_url(POSTGRES_ENV)
        admin = make_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        # A session time zone far from UTC proves the timestamps are normalised.
        options = f"-csearch_path={name} -ctimezone=Asia/Kolkata"
        engine = make_engine(url, connect_args={"options": options})
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
            admin.dispose()
    else:
        url = server_url(MARIADB_ENV)
        admin = make_engine(url)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        engine = make_engine(
            make_url(url).set(database=name),
            connect_args={"init_command": "SET time_zone = '+05:30'"},
        )
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE {name}")
            admin.dispose()


@pytest.fixture
def store(engine: Engine) -> Iterator[Store]:
    """A store on a freshly migrated database."""
    with Store.open(engine) as store:
        yield store
