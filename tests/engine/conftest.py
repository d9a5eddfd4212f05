"""Fixtures of the engine tests: a small run context, and databases on each backend.

SQLite always runs (a file in ``tmp_path``). PostgreSQL and MariaDB run when
``SYNCCENTER_TEST_POSTGRES_URL`` / ``SYNCCENTER_TEST_MARIADB_URL`` name a server; tests make
their tables with unique names and drop them afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from server.actions.model import Action, Field, FileSource, Target, Task
from server.errors import ConfigError
from tests.databases import BACKENDS, MARIADB_ENV, POSTGRES_ENV, server_url


def make_task(key: str = "sku", fields: tuple[str, ...] = ("sku",)) -> Task:
    """A task whose only meaning here is its key field."""
    return Task(
        id="export",
        title="Export",
        key=key,
        source=FileSource(kind="csv", file="in.csv"),
        fields=tuple(Field(name=f, kind="column", value=f) for f in fields),
        target=Target(kind="csv", options={"file": "out.csv"}),
    )


@dataclass
class FakeContext:
    """A ``RunContext`` for tests: paths below ``root``, engines from a dict."""

    root: Path
    task: Task = field(default_factory=make_task)
    dry_run: bool = False
    engines: dict[str, Engine] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    channel_settings: dict[str, Any] = field(default_factory=dict)
    action: Action = field(init=False)

    def __post_init__(self) -> None:
        self.action = Action(id="test", title="Test", channel="amazon-de", tasks=(self.task,))

    def path(self, template: str) -> Path:
        path = Path(template)
        return path if path.is_absolute() else self.root / path

    def connection(self, name: str) -> Engine:
        try:
            return self.engines[name]
        except KeyError:
            raise ConfigError(f"no connection {name!r}", connection=name) from None

    def setting(self, name: str, default: str | None = None) -> str:
        if name in self.settings:
            return self.settings[name]
        if name in self.channel_settings:
            return str(self.channel_settings[name])
        if default is None:
            raise ConfigError(f"setting {name!r} is not set", setting=name)
        return default

    def channel(self) -> dict[str, Any]:
        return self.channel_settings


@pytest.fixture
def ctx(tmp_path: Path) -> FakeContext:
    return FakeContext(tmp_path)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine of the backend (SQLite: a new file; servers: their test database)."""
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'test.db'}")
    elif backend == "postgres":
        engine = create_engine(server_url(POSTGRES_ENV))
    else:
        engine = create_engine(server_url(MARIADB_ENV))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def table_name(db: Engine) -> Iterator[str]:
    """A unique table name, dropped after the test."""
    name = f"sc_test_{uuid.uuid4().hex[:12]}"
    yield name
    with db.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {name}"))


@pytest.fixture
def db_ctx(ctx: FakeContext, db: Engine) -> FakeContext:
    """The run context with the backend's engine as connection ``erp``."""
    ctx.engines["erp"] = db
    return ctx
