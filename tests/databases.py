"""The database servers tests may use: read from the environment, skipped when unset."""

from __future__ import annotations

import os

import pytest

POSTGRES_ENV = "SYNCCENTER_TEST_POSTGRES_URL"
MARIADB_ENV = "SYNCCENTER_TEST_MARIADB_URL"
EXAMPLES = {
    POSTGRES_ENV: "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    MARIADB_ENV: "mysql+pymysql://root@127.0.0.1:3306/test",
}
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
]


def server_url(env: str) -> str:
    """Return the URL in ``env``, or skip the test saying how to set it."""
    url = os.environ.get(env)
    if not url:
        pytest.skip(f"{env} is not set (e.g. {EXAMPLES[env]})")
    return url
