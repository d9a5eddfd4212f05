import logging

log = logging.getLogger(__name__)

from server.store import catalogue_models  # noqa: E402, F401 - registers the tables
from server.store.db import (  # noqa: E402
    StoreError,
    current_revision,
    head_revision,
    make_engine,
    migrate,
)
from server.store.logbook import (  # noqa: E402
    MessageIn,
    MessageInfo,
    RunInfo,
    RunNotFound,
    Store,
)

__all__ = [
    "MessageIn",
    "MessageInfo",
    "RunInfo",
    "RunNotFound",
    "Store",
    "StoreError",
    "current_revision",
    "head_revision",
    "log",
    "make_engine",
    "migrate",
]
