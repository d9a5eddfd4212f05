"""Running a task: source -> selection -> fields -> target, in batches, into the logbook.

``run_task`` is the one way a task runs, whoever starts it (CLI, web, schedule). Records
stream through in the source's batches; nothing holds the whole source. A record that
fails is logged against its key and the run goes on (unless the action says
``on-error="stop"`` or ``max-errors`` is reached); a failure of the set-up (connection,
SQL, formula, target) fails the run with one clear message. The target's file appears
only when the run succeeded.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from server.actions.model import Action, Task
from server.config import Instance
from server.engine import log
from server.engine.base import SOURCES, TARGETS, Artefact, Row, SourceReader, TargetWriter
from server.engine.context import TaskContext
from server.engine.hooks import ScriptStage
from server.engine.mapping import Mapping
from server.engine.selection import KeySelection, read_keys
from server.errors import RunError, StopRequested, SyncCenterError
from server.store import MessageIn, Store
from server.store.claims import Claim, LeaseLost

MAX_MESSAGES = 10_000  # per run; counts stay exact beyond it
Progress = Callable[[int, int | None], None]
Checkpoint = Callable[[], None]
"""Called at the run's safe points: after each batch, before the target commits and before
the end is recorded. It may raise ``StopRequested`` (the run ends as interrupted) or
``LeaseLost`` (the run was taken over: nothing more is written)."""


@dataclass
class RunResult:
    """What a run did; ``state`` is succeeded, failed, interrupted or abandoned (its claim
    was taken over, so its end is not recorded by this process)."""

    run_id: int
    action_id: str
    task_id: str
    state: str
    read: int = 0
    written: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    error: str | None = None
    artefacts: list[Artefact] = field(default_factory=list)
    dry_run: bool = False
    cause: BaseException | None = field(default=None, repr=False)  # what failed the run

    def summary(self) -> str:
        text = (
            f"{self.state}: read {self.read}, written {self.written}, skipped "
            f"{self.skipped}, failed {self.failed}, time {self.seconds:.2f} s"
        )
        return text + (" (dry run: nothing written)" if self.dry_run else "")


class _Logbook:
    """Collects a run's messages and writes them to the store in batches."""

    def __init__(self, store: Store, run_id: int, checkpoint: Checkpoint | None = None) -> None:
        self.store = store
        self.run_id = run_id
        self.checkpoint = checkpoint  # fences the writes of a run that lost its claim
        self.pending: list[MessageIn] = []
        self.count = 0
        self.suppressed = 0

    def add(
        self, severity: str, text: str, key: str | None = None, field_name: str | None = None
    ) -> None:
        if self.count >= MAX_MESSAGES:
            self.suppressed += 1
            return
        self.count += 1
        self.pending.append(MessageIn(severity, text, key, field_name or None))

    def flush(self) -> None:
        if self.pending:
            if self.checkpoint is not None:
                try:
                    self.checkpoint()  # a run that lost its claim writes no message
                except StopRequested:
                    pass  # stopping: what was logged so far is still written
            self.store.add_messages(self.run_id, self.pending)
            self.pending = []

    def close(self) -> None:
        if self.suppressed:
            self.pending.append(
                MessageIn(
                    "warning",
                    f"{self.suppressed} further messages were "
                    f"not stored (limit {MAX_MESSAGES} per run)",
                )
            )
        self.flush()


def run_task(
    instance: Instance,
    store: Store,
    action: Action,
    task_id: str | None = None,
    *,
    trigger: str = "cli",
    select: str | Path | KeySelection | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    claim: Claim | None = None,
    checkpoint: Checkpoint | None = None,
) -> RunResult:
    """Run one task of ``action`` and record it in the logbook of ``store``.

    ``select`` names a CSV file whose first column restricts the run to those keys.
    ``progress(done, total)`` is called after each batch (``total`` may be ``None``).
    ``claim``: the run was already recorded and the action claimed for it
    (``server.store.claims``); the claim is released when the run ends. ``checkpoint``:
    see ``Checkpoint``. Returns the ``RunResult``; raises only ``KeyboardInterrupt``
    (after recording the run as interrupted).
    """
    task = action.task(task_id)
    selection = select if isinstance(select, KeySelection) else read_keys(select) if select \
        else None
    if claim is not None:
        run_id = claim.run_id
    else:
        run_id = store.start_run(action.id, task.id, trigger, dry_run=dry_run,
                                 selection=selection.describe() if selection else None)
    result = RunResult(run_id, action.id, task.id, "running", dry_run=dry_run)
    book = _Logbook(store, run_id, checkpoint)
    started = time.monotonic()
    try:
        _execute(instance, action, task, result, book, selection, progress, checkpoint)
        result.state = "succeeded"
    except KeyboardInterrupt:
        result.state, result.error = "interrupted", "the run was interrupted (Ctrl-C)"
        _finish(store, book, result, started, claim)
        raise
    except LeaseLost as exc:
        return _abandoned(result, exc, started)
    except StopRequested as exc:
        result.state, result.error, result.cause = "interrupted", exc.message, exc
        book.add("warning", exc.message)
    except SyncCenterError as exc:
        result.state, result.error, result.cause = "failed", exc.message, exc
        book.add("error", exc.message)
    except Exception as exc:  # a defect: fail the run, keep the server, keep the trace
        result.state, result.cause = "failed", exc
        result.error = f"internal error: {type(exc).__name__}: {exc}"
        book.add("error", result.error + "\n" + traceback.format_exc(limit=8))
        log.exception("run %s of %s/%s failed unexpectedly", run_id, action.id, task.id)
    try:
        _finish(store, book, result, started, claim)
    except LeaseLost as exc:
        return _abandoned(result, exc, started)
    return result


def _abandoned(result: RunResult, exc: LeaseLost, started: float) -> RunResult:
    """The run lost its claim: another runner marked it abandoned; write nothing."""
    result.state, result.error, result.cause = "abandoned", exc.message, exc
    result.artefacts = []
    result.seconds = time.monotonic() - started
    log.warning("run %s %s/%s: %s", result.run_id, result.action_id, result.task_id,
                exc.message)
    return result


def _finish(store: Store, book: _Logbook, result: RunResult, started: float,
            claim: Claim | None) -> None:
    result.seconds = time.monotonic() - started
    book.close()
    store.finish_run(
        result.run_id,
        result.state,
        read=result.read,
        written=result.written,
        skipped=result.skipped,
        failed=result.failed,
        error=result.error,
        artefacts=result.artefacts,
        claim=claim,
    )
    level = logging.INFO if result.state == "succeeded" else logging.WARNING
    log.log(
        level, "run %s %s/%s %s", result.run_id, result.action_id, result.task_id, result.summary()
    )


def _execute(
    instance: Instance,
    action: Action,
    task: Task,
    result: RunResult,
    book: _Logbook,
    selection: KeySelection | None,
    progress: Progress | None,
    checkpoint: Checkpoint | None = None,
) -> None:
    ctx = TaskContext(instance, action, task, run_id=result.run_id, dry_run=result.dry_run)
    source = _open_source(task, ctx)
    try:
        total = source.count() if progress else None
        keys = _static_keys(task, ctx, selection)
        stage = ScriptStage(instance, action, task.key, book.add) if action.scripts else None
        mapping = Mapping(task, source.columns, task.selection.filter if task.selection else "",
                          helpers=stage.helper_names if stage is not None else ())
        if stage is not None:
            stage.bind(mapping)
        target = _open_target(task, ctx)
        try:
            target.open(mapping.names)
            with stage or nullcontext():
                _stream(action, source, mapping, target, keys, result, book, progress, total,
                        stage, checkpoint)
                if stage is not None:
                    stage.finish({"read": result.read, "written": result.written,
                                  "skipped": result.skipped, "failed": result.failed})
            if checkpoint is not None:
                checkpoint()
            result.artefacts = target.commit()
            _late_issues(target, result, book)
        except BaseException:
            target.abort()
            raise
    finally:
        source.close()
    for artefact in result.artefacts:
        book.add("info", f"wrote {artefact.rows} records to {artefact.path}")
    if keys is not None and result.read:
        _report_unmatched(keys, result, book)


def _open_source(task: Task, ctx: TaskContext) -> SourceReader:
    factory = SOURCES.get(task.source.kind)
    if factory is None:
        raise RunError(f"task {task.id!r}: no source of kind {task.source.kind!r} is installed")
    return factory(task.source, ctx)


def _open_target(task: Task, ctx: TaskContext) -> TargetWriter:
    factory = TARGETS.get(task.target.kind)
    if factory is None:
        raise RunError(
            f"task {task.id!r}: no target of kind {task.target.kind!r} is "
            f"installed; installed: {', '.join(sorted(TARGETS))}"
        )
    return factory(task.target, ctx)


class _Keys:
    """The keys a run is restricted to, and which of them were met."""

    def __init__(self, keys: frozenset[str], origin: str) -> None:
        self.keys = keys
        self.origin = origin
        self.seen: set[str] = set()


def _static_keys(task: Task, ctx: TaskContext, cli: KeySelection | None) -> _Keys | None:
    sets = []
    if task.selection and task.selection.csv_file:
        sets.append(read_keys(ctx.path(task.selection.csv_file)))
    if cli is not None:
        sets.append(cli)
    if not sets:
        return None
    keys = sets[0].keys
    for other in sets[1:]:
        keys = keys & other.keys
    return _Keys(keys, " and ".join(s.describe() for s in sets))


def _stream(
    action: Action,
    source: SourceReader,
    mapping: Mapping,
    target: TargetWriter,
    keys: _Keys | None,
    result: RunResult,
    book: _Logbook,
    progress: Progress | None,
    total: int | None,
    stage: ScriptStage | None = None,
    checkpoint: Checkpoint | None = None,
) -> None:
    scripted = stage is not None and stage.has_transform
    stop = action.on_error == "stop"
    for batch in source.batches():
        result.read += len(batch)
        if mapping.remote:
            assert stage is not None
            out = _map_remote(action, stage, mapping, batch, keys, result, book, stop)
        else:
            out = _map_local(action, mapping, batch, keys, result, book, stop)
        if out and scripted:
            out, skipped, failed = stage.transform(out)
            result.skipped += skipped
            for _key in failed:
                result.failed += 1
                _check_limits(action, result, stop)
        if out:
            rejected = target.write(out) or []
            for index, message in rejected:
                result.failed += 1
                book.add("error", message, mapping.key_of_output(out[index]))
                _check_limits(action, result, stop)
            result.written += len(out) - len(rejected)
        if checkpoint is not None:
            checkpoint()
        book.flush()
        if progress:
            progress(result.read, total)


def _selected(mapping: Mapping, row: Row, keys: _Keys | None, result: RunResult) -> bool:
    """Whether the run's key selection keeps ``row`` (counted as skipped when not)."""
    if keys is None:
        return True
    key = mapping.key_of(row)
    if key not in keys.keys:
        result.skipped += 1
        return False
    keys.seen.add(key)
    return True


def _map_local(action: Action, mapping: Mapping, batch: list[Row], keys: _Keys | None,
               result: RunResult, book: _Logbook, stop: bool) -> list[Row]:
    map_row, keep = mapping.map, mapping.filter
    assert map_row is not None
    out: list[Row] = []
    for row in batch:
        if keys is not None and not _selected(mapping, row, keys, result):
            continue
        try:
            if keep is not None and not keep(row):
                result.skipped += 1
                continue
            out.append(map_row(row))
        except Exception as exc:  # noqa: BLE001 - logged against the record below
            result.failed += 1
            key = mapping.key_of(row)
            _log_failures(book, key, [(f.field, f.message) for f in mapping.failures(row, exc)])
            _check_limits(action, result, stop)
    return out


def _map_remote(action: Action, stage: ScriptStage, mapping: Mapping, batch: list[Row],
                keys: _Keys | None, result: RunResult, book: _Logbook, stop: bool) -> list[Row]:
    """Map a batch in the script worker: formulas that call the scripts' functions."""
    early = keys is not None and mapping.keys_before_mapping
    rows = [row for row in batch if _selected(mapping, row, keys, result)] if early else batch
    mapped = stage.map(rows)
    out: list[Row] = []
    for index, entry in enumerate(mapped.rows):
        if entry is None:
            result.skipped += 1
        elif entry is False or entry is True:
            result.failed += 1
            key, failures = mapped.failures[index]
            _log_failures(book, key if key is not None else mapping.key_of(rows[index]),
                          failures)
            _check_limits(action, result, stop)
        elif keys is not None and not early:
            key = mapping.key_of_output(entry)
            if key not in keys.keys:
                result.skipped += 1
                continue
            keys.seen.add(key)
            out.append(entry)
        else:
            out.append(entry)
    return out


def _log_failures(book: _Logbook, key: str | None, failures: list[tuple[str, str]]) -> None:
    for field_name, message in failures:
        prefix = f"field {field_name!r}: " if field_name else ""
        book.add("error", f"record {key or '?'}: {prefix}{message}", key, field_name)


def _check_limits(action: Action, result: RunResult, stop: bool) -> None:
    if stop:
        raise RunError(
            f'a record failed and action {action.id!r} says on-error="stop"; '
            "the run stops and writes nothing",
            action_id=action.id,
        )
    if action.max_errors and result.failed >= action.max_errors:
        raise RunError(
            f"{result.failed} records failed, the limit of action {action.id!r} "
            f'(max-errors="{action.max_errors}"); the run stops and writes '
            "nothing",
            action_id=action.id,
        )


def _late_issues(target: TargetWriter, result: RunResult, book: _Logbook) -> None:
    """Log what a target learnt after commit (a marketplace's processing report); a record
    with an error there did not arrive, so it counts as failed, not written."""
    issues = getattr(target, "issues", None)
    if issues is None:
        return
    failed: set[str] = set()
    for key, severity, message in issues():
        book.add(severity, message, key)
        if severity == "error" and key is not None:
            failed.add(key)
    result.failed += len(failed)
    result.written -= len(failed)


def _report_unmatched(keys: _Keys, result: RunResult, book: _Logbook) -> None:
    missing = sorted(keys.keys - keys.seen)
    if missing:
        shown = ", ".join(missing[:20]) + (" ..." if len(missing) > 20 else "")
        book.add(
            "warning",
            f"{len(missing)} of {len(keys.keys)} selected keys "
            f"({keys.origin}) are not in the source: {shown}",
        )
