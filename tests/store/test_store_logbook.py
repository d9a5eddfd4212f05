"""The logbook: runs, messages, artefacts and stale runs, on every backend."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import StatementError

from server.engine.base import Artefact
from server.store import MessageIn, RunNotFound, Store, StoreError
from server.store import models as m

# Larger than any pid a Linux, macOS or Windows system hands out.
DEAD_PID = 2**31 - 1


def _assert_utc(value: datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)


def test_run_lifecycle(store: Store) -> None:
    before = datetime.now(UTC)
    run_id = store.start_run(
        "prices", "upload", "manual", dry_run=True, selection="selection.csv (120 keys)"
    )
    run = store.run(run_id)
    assert (run.state, run.trigger, run.dry_run) == ("running", "manual", True)
    assert run.selection == "selection.csv (120 keys)"
    assert (run.read, run.written, run.skipped, run.failed) == (0, 0, 0, 0)
    assert (run.host, run.pid) == (store.host, os.getpid())
    assert run.ended_at is None and run.duration is None and run.error is None
    assert before - timedelta(seconds=1) <= run.started_at <= datetime.now(UTC)

    store.add_messages(run_id, [MessageIn("info", "start"), MessageIn("debug", "batch 1")])
    store.add_messages(run_id, [])
    store.add_messages(
        run_id, (MessageIn("warning", "no price", record_key="SKU-1", field="price") for _ in "x")
    )
    store.finish_run(
        run_id,
        "failed",
        read=10,
        written=7,
        skipped=2,
        failed=1,
        error="1 record failed",
        artefacts=[Artefact("outbox/prices.csv", "file", 7), Artefact("stock", "table", 3)],
    )

    run = store.run(run_id)
    assert run.state == "failed" and run.error == "1 record failed"
    assert (run.read, run.written, run.skipped, run.failed) == (10, 7, 2, 1)
    assert run.ended_at is not None and run.ended_at >= run.started_at
    assert run.duration == (run.ended_at - run.started_at).total_seconds() >= 0

    messages = store.messages(run_id)
    assert [(x.seq, x.severity, x.text) for x in messages] == [
        (1, "info", "start"),
        (2, "debug", "batch 1"),
        (3, "warning", "no price"),
    ]
    assert (messages[2].record_key, messages[2].field) == ("SKU-1", "price")
    assert messages[0].record_key is None and messages[0].run_id == run_id
    assert store.artefacts(run_id) == [
        Artefact("outbox/prices.csv", "file", 7),
        Artefact("stock", "table", 3),
    ]


def test_messages_filter_and_page(store: Store) -> None:
    run_id = store.start_run("a", "t", "cli")
    other = store.start_run("a", "t", "cli")
    severities = ["info", "error", "warning", "error", "debug"]
    store.add_messages(run_id, [MessageIn(s, f"m{i}") for i, s in enumerate(severities)])
    store.add_messages(other, [MessageIn("error", "other run")])
    assert [x.text for x in store.messages(run_id, severity="error")] == ["m1", "m3"]
    errors_and_warnings = store.messages(run_id, severity=("error", "warning"))
    assert [x.text for x in errors_and_warnings] == ["m1", "m2", "m3"]
    assert [x.seq for x in store.messages(run_id, limit=2, offset=1)] == [2, 3]
    assert [x.seq for x in store.messages(run_id, offset=3)] == [4, 5]
    assert [x.seq for x in store.messages(other)] == [1]


def test_runs_newest_first_filtered_by_action(store: Store) -> None:
    ids = [store.start_run(action, "t", "schedule") for action in ("a", "b", "a", "a")]
    assert [r.id for r in store.runs()] == ids[::-1]
    assert [r.id for r in store.runs(action_id="a")] == [ids[3], ids[2], ids[0]]
    assert [r.id for r in store.runs(action_id="a", limit=1, offset=1)] == [ids[2]]
    assert store.runs(action_id="nothing") == []


def test_unknown_run_is_named(store: Store) -> None:
    with pytest.raises(RunNotFound, match="run 4711 does not exist") as caught:
        store.run(4711)
    assert caught.value.run_id == 4711
    with pytest.raises(RunNotFound, match="4711"):
        store.add_messages(4711, [MessageIn("info", "x")])
    with pytest.raises(RunNotFound, match="4711"):
        store.finish_run(4711, "succeeded", read=0, written=0, skipped=0, failed=0)


def test_unknown_words_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown trigger 'cron'"):
        store.start_run("a", "t", "cron")
    run_id = store.start_run("a", "t", "web")
    with pytest.raises(StoreError, match="unknown severity"):
        store.add_messages(run_id, [MessageIn("fatal", "x")])
    with pytest.raises(StoreError, match="unknown final state 'running'"):
        store.finish_run(run_id, "running", read=0, written=0, skipped=0, failed=0)
    with pytest.raises(StoreError, match="unknown artefact kind"):
        store.finish_run(
            run_id, "succeeded", read=0, written=0, skipped=0, failed=0,
            artefacts=[Artefact("x", "folder", 0)],
        )  # fmt: skip
    assert store.messages(run_id) == [] and store.run(run_id).state == "running"


def test_timestamps_are_aware_utc(store: Store) -> None:
    run_id = store.start_run("a", "t", "cli")
    store.add_messages(run_id, [MessageIn("info", "x")])
    store.finish_run(run_id, "succeeded", read=0, written=0, skipped=0, failed=0)
    run = store.run(run_id)
    _assert_utc(run.started_at)
    _assert_utc(run.ended_at)
    _assert_utc(store.messages(run_id)[0].created_at)
    _assert_utc(store.runs()[0].started_at)

    # A time given in another zone comes back as the same instant in UTC, microseconds kept.
    started = datetime(2024, 3, 31, 2, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    with store.engine.begin() as conn:
        conn.execute(
            update(m.Run).where(m.Run.id == run_id).values(started_at=started, ended_at=None)
        )
    run = store.run(run_id)
    assert run.started_at == datetime(2024, 3, 31, 0, 30, 15, 123456, tzinfo=UTC)
    _assert_utc(run.started_at)


def test_naive_timestamps_are_refused(store: Store) -> None:
    values = {"action_id": "a", "task_id": "t", "trigger": "cli", "state": "running"}
    with pytest.raises(StatementError, match="naive datetime"):
        with store.engine.begin() as conn:
            conn.execute(insert(m.Run).values(**values, started_at=datetime(2024, 1, 1)))


def test_long_texts_are_clipped_to_fit(store: Store) -> None:
    run_id = store.start_run("a", "t", "cli", selection="s" * 5000)
    store.add_messages(run_id, [MessageIn("error", "\N{GRINNING FACE}" * 20000, "k" * 300)])
    store.finish_run(run_id, "failed", read=0, written=0, skipped=0, failed=1, error="e" * 10**5)
    message = store.messages(run_id)[0]
    assert len(message.text) == m.TEXT_LENGTH and message.text.endswith(" [...]")
    assert message.record_key is not None and len(message.record_key) == m.KEY_LENGTH
    run = store.run(run_id)
    assert run.error is not None and len(run.error) == m.TEXT_LENGTH
    assert run.selection is not None and len(run.selection) == m.SELECTION_LENGTH


def test_concurrent_writers_number_messages_in_turn(store: Store) -> None:
    run_id = store.start_run("a", "t", "cli")
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for batch in range(5):
                store.add_messages(
                    run_id, [MessageIn("info", f"{worker}.{batch}.{i}") for i in range(3)]
                )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    messages = store.messages(run_id)
    assert [x.seq for x in messages] == list(range(1, 61))
    # Each batch got consecutive numbers.
    for first in range(0, 60, 3):
        assert len({x.text.rsplit(".", 1)[0] for x in messages[first : first + 3]}) == 1


def _set_process(
    store: Store, run_id: int, host: str, pid: int, started_at: datetime | None = None
) -> None:
    values: dict[str, object] = {"host": host, "pid": pid}
    if started_at is not None:
        values["started_at"] = started_at
    with store.engine.begin() as conn:
        conn.execute(update(m.Run).where(m.Run.id == run_id).values(values))


def test_stale_runs_of_dead_processes_are_interrupted(store: Store) -> None:
    dead = store.start_run("a", "t", "schedule")
    _set_process(store, dead, store.host, DEAD_PID)
    alive_self = store.start_run("a", "t", "schedule")
    alive_parent = store.start_run("a", "t", "schedule")
    _set_process(store, alive_parent, store.host, os.getppid())
    elsewhere = store.start_run("a", "t", "schedule")
    _set_process(store, elsewhere, "another-host", DEAD_PID)
    finished = store.start_run("a", "t", "schedule")
    store.finish_run(finished, "succeeded", read=0, written=0, skipped=0, failed=0)
    _set_process(store, finished, store.host, DEAD_PID)

    assert store.mark_stale_runs_interrupted() == 1
    run = store.run(dead)
    assert run.state == "interrupted"
    assert run.error is not None and str(DEAD_PID) in run.error and "Interrupted" in run.error
    _assert_utc(run.ended_at)
    for run_id in (alive_self, alive_parent, elsewhere):
        assert store.run(run_id).state == "running"
    assert store.run(finished).state == "succeeded"
    assert store.mark_stale_runs_interrupted() == 0


def test_old_runs_of_other_hosts_are_interrupted_with_older_than(store: Store) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=2)
    old_elsewhere = store.start_run("a", "t", "schedule")
    _set_process(store, old_elsewhere, "another-host", 42, long_ago)
    new_elsewhere = store.start_run("a", "t", "schedule")
    _set_process(store, new_elsewhere, "another-host", 42)
    old_alive_here = store.start_run("a", "t", "schedule")
    _set_process(store, old_alive_here, store.host, os.getpid(), long_ago)

    assert store.mark_stale_runs_interrupted(older_than=timedelta(days=1)) == 1
    run = store.run(old_elsewhere)
    assert run.state == "interrupted" and "another-host" in (run.error or "")
    assert store.run(new_elsewhere).state == "running"
    assert store.run(old_alive_here).state == "running"
