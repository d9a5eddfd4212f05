"""The built-in targets; importing this package registers them.

``csv`` and ``tsv`` (:mod:`.delimited`), ``xlsx``, ``jsonl`` and ``sql-upsert``.
"""

from server.engine.targets import delimited, jsonl, sqlupsert, xlsx

__all__ = ["delimited", "jsonl", "sqlupsert", "xlsx"]
