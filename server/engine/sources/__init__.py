"""The built-in sources; importing this package registers them (``sql``, ``csv``, ``xlsx``)."""

from server.engine.sources import csvfile, sql, xlsx

__all__ = ["csvfile", "sql", "xlsx"]
