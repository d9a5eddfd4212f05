"""Fixtures of the catalogue tests: a migrated store per test, on each backend.

SQLite always; PostgreSQL and MariaDB when ``SYNCCENTER_TEST_POSTGRES_URL`` /
``SYNCCENTER_TEST_MARIADB_URL`` are set (a schema or database of its own per test, as in
the store tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from server.catalogue.catalogue import Catalogue
from server.cli import main
from server.store import Store
from tests.store.conftest import backend, engine, store  # noqa: F401 - the fixtures


@pytest.fixture
def catalogue(store: Store) -> Catalogue:  # noqa: F811 - the store fixture
    return Catalogue(store)


@pytest.fixture
def sqlite_catalogue(tmp_path) -> Iterator[Catalogue]:
    """A catalogue on SQLite only, for tests about files rather than databases."""
    with Store.open(f"sqlite:///{tmp_path / 'state' / 'state.db'}") as sqlite_store:
        yield Catalogue(sqlite_store)


class Cli:
    """Runs ``synccenter`` commands on a small instance with channels amazon-de and
    amazon-fr (file mode, unless ``configure`` says otherwise)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.configure()

    def configure(self, channel: str = 'mode = "file"\n') -> None:
        """Write the instance's settings; ``channel`` ends the amazon-de table."""
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "synccenter.toml").write_text(
            f'[channels.amazon-de]\nmarketplace = "DE"\n{channel}\n'
            f'[channels.amazon-fr]\nmarketplace = "FR"\nmode = "file"\n', encoding="utf-8")

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["--instance", str(self.home), *args])


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "instance")
