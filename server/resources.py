"""Where the shipped files are: the schema, the actions, the scripts and the web assets.

From a checkout (editable install) they sit beside the ``server`` package; from a wheel
they are installed as data files under ``<prefix>/share/synccenter``.
"""

from __future__ import annotations

import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

from server.errors import ConfigError


def _candidates() -> list[Path]:
    checkout = Path(__file__).resolve().parent.parent
    roots = [checkout]
    for prefix in (sys.prefix, sysconfig.get_paths().get("data", ""), sys.base_prefix):
        if prefix:
            roots.append(Path(prefix) / "share" / "synccenter")
    return roots


@lru_cache(maxsize=1)
def root() -> Path:
    """Return the folder that holds ``schemas/``, ``actions/``, ``scripts/``."""
    tried = _candidates()
    for candidate in tried:
        if (candidate / "schemas" / "action.xsd").is_file():
            return candidate
    raise ConfigError(
        "cannot find the shipped schemas (schemas/action.xsd); looked in: "
        + ", ".join(str(p) for p in tried)
        + ". Reinstall the package (pip install .) or run from a checkout."
    )


def schema_path() -> Path:
    return root() / "schemas" / "action.xsd"


def shipped_actions() -> Path:
    return root() / "actions" / "xml"


def shipped_scripts() -> Path:
    return root() / "scripts"
