"""The action model: what an action file says, as plain immutable objects.

The loader builds these from XML (``server.actions.loader``); the engine reads them. They
hold no XML and no state of a run. ``line`` attributes point back into the file so that
later errors (a formula that fails, a column that is missing) can name the place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldKind = Literal["unused", "fixed", "column", "formula"]
OnError = Literal["continue", "stop"]
StartMode = Literal["manual", "automatic", "disabled"]


@dataclass(frozen=True)
class Field:
    """One output field of a task: not used, a fixed value, a column copy or a formula."""

    name: str
    kind: FieldKind
    value: str = ""  # fixed text, column name or formula source; empty when unused
    line: int = 0


@dataclass(frozen=True)
class SqlSource:
    """Rows of a query on a named connection (``[connections.NAME]`` in the config)."""

    connection: str
    query: str
    batch_size: int = 1000
    line: int = 0
    kind: Literal["sql"] = "sql"


@dataclass(frozen=True)
class FileSource:
    """Rows of a CSV or XLSX file; ``file`` is relative to the instance folder."""

    kind: Literal["csv", "xlsx"]
    file: str
    delimiter: str = ""  # CSV: empty means detect ``;``, ``,`` or tab
    encoding: str = "utf-8-sig"
    sheet: str = ""  # XLSX: empty means the first sheet
    header_row: int = 1
    line: int = 0


@dataclass(frozen=True)
class ReportSource:
    """Lines of an Amazon report: requested from Amazon, or read from the inbox."""

    report_type: str
    file: str = ""  # file mode: a path pattern; empty: {inbox}/{channel}/TYPE*
    days: int = 30
    line: int = 0
    kind: Literal["amazon-report"] = "amazon-report"


Source = SqlSource | FileSource | ReportSource


@dataclass(frozen=True)
class Selection:
    """Which source records a task takes: a filter formula and/or a CSV file of keys."""

    filter: str = ""
    csv_file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Target:
    """Where a task writes. ``kind`` names a registered target; ``options`` its attributes.

    Known kinds: ``csv``, ``tsv``, ``xlsx``, ``jsonl``, ``sql-upsert``,
    ``amazon-listings-feed``.
    """

    kind: str
    options: dict[str, str] = field(default_factory=dict)
    line: int = 0

    def option(self, name: str, default: str = "") -> str:
        return self.options.get(name, default)


@dataclass(frozen=True)
class Task:
    """A unit of work: source -> selection -> fields -> target."""

    id: str
    title: str
    key: str  # the output field that identifies a record (article number, SKU)
    source: Source
    fields: tuple[Field, ...]
    target: Target
    selection: Selection | None = None
    line: int = 0

    @property
    def used_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind != "unused")


@dataclass(frozen=True)
class Schedule:
    """When the runner starts the action by itself (``server.runner``)."""

    mode: StartMode = "manual"
    times: str = ""
    cron: str = ""
    timezone: str = ""
    tasks: tuple[str, ...] = ()
    line: int = 0
    grace_minutes: int = 60
    retries: int = 2
    retry_seconds: int = 30

    @property
    def spec(self) -> str:
        """The times or the cron line, whichever is given."""
        return self.times or self.cron


@dataclass(frozen=True)
class ScriptHook:
    """A sandboxed script named by the action, run in a sandbox worker."""

    hook: str
    src: str
    line: int = 0


@dataclass(frozen=True)
class Action:
    """One action file, loaded and checked."""

    id: str
    title: str
    channel: str
    tasks: tuple[Task, ...]
    description: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    on_error: OnError = "continue"
    max_errors: int = 0  # 0: no limit
    schedule: Schedule = field(default_factory=Schedule)
    scripts: tuple[ScriptHook, ...] = ()
    limits: dict[str, str] = field(default_factory=dict)  # cpu-seconds, memory-mb, ...
    file: str = ""

    def task(self, task_id: str | None) -> Task:
        """Return the task with ``task_id``, or the first task when it is ``None``."""
        if task_id is None:
            return self.tasks[0]
        for task in self.tasks:
            if task.id == task_id:
                return task
        from server.errors import ActionError
        from server.textutil import did_you_mean

        known = [t.id for t in self.tasks]
        raise ActionError(
            f"action {self.id!r} has no task {task_id!r}{did_you_mean(task_id, known)}; "
            f"its tasks are: {', '.join(known)}",
            action_id=self.id,
            task_id=task_id,
        )
