"""What the commands share: the instance, the store, tables and the progress bar."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from server.config import Instance

if TYPE_CHECKING:
    from server.store import Store


def load_instance(ctx: click.Context) -> Instance:
    return Instance.load(ctx.obj["instance"])


def open_store(instance: Instance) -> Store:
    from server.store import Store  # imported on use: alembic takes a while to load
    from server.store.claims import Claims

    store = Store.open(instance.store_url())
    store.mark_stale_runs_interrupted()
    Claims(store).reap()  # runs whose process was killed or froze past its lease
    return store


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], width: int = 60) -> str:
    """Format rows as a plain text table; cells longer than ``width`` are cut."""
    cells = [[_cell(v, width) for v in row] for row in rows]
    sizes = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
             for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(sizes[i]) for i, h in enumerate(headers)).rstrip()]
    lines += ["  ".join(c.ljust(sizes[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    return "\n".join(lines)


def _cell(value: object, width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


class ProgressBar:
    """A progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.1:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6)
        if total:
            share = min(done / total, 1.0)
            bar = "#" * int(share * 30)
            text = f"{self.label} [{bar:<30}] {done}/{total} {share:4.0%} {rate:,.0f}/s"
        else:
            text = f"{self.label} {done} records {rate:,.0f}/s"
        sys.stderr.write("\r" + text[:120])
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 120 + "\r")
            sys.stderr.flush()
