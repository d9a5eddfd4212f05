"""Alembic environment of the state store.

``server.store.db.migrate`` passes an open connection in ``config.attributes["connection"]``;
offline mode (``--sql``) needs the ``sqlalchemy.url`` option and only prints the SQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from server.store.db import StoreError
from server.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    """Write the migration SQL for the URL's dialect instead of running it."""
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise StoreError("offline migration needs the sqlalchemy.url option")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    """Run the migrations on the given connection, in its transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    connection = config.attributes.get("connection")
    if connection is None:
        raise StoreError("migrations run through server.store.db.migrate(engine)")
    if isinstance(connection, Connection):
        run_online(connection)
    else:
        with connection.begin() as conn:
            run_online(conn)
