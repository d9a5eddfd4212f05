"""Creating an instance folder, and the demo instance.

``init_instance`` writes a commented configuration, copies the shipped actions and scripts
(never over the instance's own edited copies), creates the outbox and inbox, and migrates
the state store. ``ensure_demo`` does the same and generates the demo ERP database.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from server import log, resources
from server.config import CONFIG_FILE, DEFAULT_CONFIG, Instance, resolve_home

DEMO_ARTICLES = 2000


def init_instance(home: str | os.PathLike[str] | None = None) -> tuple[Instance, list[str]]:
    """Create (or complete) the instance folder; return it and what was created."""
    path = resolve_home(home)
    created: list[str] = []
    path.mkdir(parents=True, exist_ok=True)
    config = path / CONFIG_FILE
    if not config.exists():
        config.write_text(DEFAULT_CONFIG, encoding="utf-8")
        created.append(str(config))
    for folder in ("actions", "scripts", "outbox", "inbox", "selections"):
        (path / folder).mkdir(exist_ok=True)
    created += _copy_missing(resources.shipped_actions(), path / "actions", "*.xml")
    created += _copy_missing(resources.shipped_scripts(), path / "scripts", "*.py")

    instance = Instance.load(path)
    from server.store import Store

    Store.open(instance.store_url()).close()
    return instance, created


def ensure_demo(home: str | os.PathLike[str] | None = None,
                articles: int = DEMO_ARTICLES) -> tuple[Instance, Path, bool]:
    """Create the demo instance if needed; return it, the ERP file and whether it is new."""
    from server.demo.erp import generate_erp

    instance, _created = init_instance(home)
    erp = instance.home / "erp.db"
    fresh = not erp.exists()
    if fresh:
        counts = generate_erp(erp, articles=articles)
        log.info("generated the demo ERP %s: %s", erp, counts)
    return instance, erp, fresh


def _copy_missing(source: Path, destination: Path, pattern: str) -> list[str]:
    copied = []
    if not source.is_dir():
        return copied
    for file in sorted(source.glob(pattern)):
        target = destination / file.name
        if not target.exists():
            shutil.copyfile(file, target)
            copied.append(str(target))
    return copied
