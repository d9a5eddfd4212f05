"""Fixtures shared by all tests: an instance folder with a small demo ERP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests must not see the developer's own instance or secrets.
    for name in list(os.environ):
        if name.startswith("SYNCCENTER_") and not name.startswith("SYNCCENTER_TEST_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def demo_erp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo ERP with 300 articles, generated once per test session."""
    from server.demo.erp import generate_erp

    path = tmp_path_factory.mktemp("erp") / "erp.db"
    generate_erp(path, articles=300, seed=7)
    return path


@pytest.fixture
def instance(tmp_path: Path, demo_erp: Path):
    """A fresh instance folder whose ERP connection is a copy of the demo ERP."""
    import shutil

    from server.bootstrap import init_instance

    home = tmp_path / "instance"
    instance, _ = init_instance(home)
    shutil.copyfile(demo_erp, home / "erp.db")
    return instance
