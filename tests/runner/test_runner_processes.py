"""The runner across real processes: racing runners, a frozen runner, SIGTERM, SQLite.

The PostgreSQL tests (``SYNCCENTER_TEST_POSTGRES_URL``) give the state store its own schema,
dropped afterwards, and run ``synccenter runner`` (or ``tests.runner.race_harness``) in
subprocesses. The slow action reads ``pg_sleep`` rows from the test server in batches of
ten, so a run is in progress for half a minute and reaches a safe point five times a
second. Its schedule is a daily cron at the current minute, and a tick in the test process
with a clock one second before that minute records the schedule state: the runner process
then starts the slot at its first tick, without waiting for a minute to come.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url

from server.config import Instance
from server.runner.runner import Runner
from server.store import RunInfo, Store, make_engine
from server.store import models as m
from server.store.claims import Claims
from tests.conftest import ROOT
from tests.databases import POSTGRES_ENV, server_url
from tests.runner.race_harness import write_atomic

CLI = [sys.executable, "-c", "from server.cli import main; main()"]
SLOTS = 30  # slots the racing runners decide
LEASE = 2.0  # seconds, the [runner] lease of the slow runner processes
SHUTDOWN = 5.0  # seconds, the [runner] shutdown of the slow runner processes
SLOW_QUERY = ('SELECT g AS "SKU", pg_sleep(0.02) AS "X" '
              "FROM generate_series(1, 1500) AS g")

ACTION = """<?xml version="1.0" encoding="UTF-8"?>
<action xmlns="urn:synccenter:action:1" id="{id}" channel="amazon-de">
  <title>{id}</title>
  <task id="export" title="Export" key="sku">
    <source><sql connection="{connection}" batch-size="{batch}">{query}</sql></source>
    <fields><field name="sku"><column>SKU</column></field></fields>
    <target><jsonl file="{{outbox}}/{id}-{{run}}.jsonl"/></target>
  </task>
  <schedule mode="automatic" cron="{cron}" timezone="UTC" task="export"/>
</action>
"""


# -- processes -----------------------------------------------------------------------------


@dataclass
class Child:
    """A subprocess whose output goes to files (read while it runs)."""

    proc: subprocess.Popen[bytes]
    out: Path
    err: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"process {self.pid} did not exit within {timeout:g} s; stderr:\n"
                        + self.stderr()[-3000:])


Spawn = Callable[..., Child]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """Start subprocesses; the ones still alive at the end are continued and killed."""
    children: list[Child] = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(args: list[str], name: str, env: dict[str, str]) -> Child:
        out, err = logs / f"{name}.out", logs / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
        child = Child(proc, out, err)
        children.append(child)
        return child

    yield start
    for child in children:
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGCONT)
            child.proc.kill()
            child.proc.wait(10)


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCCENTER_")}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def runner_command(home: Path) -> list[str]:
    return [*CLI, "--instance", str(home), "-v", "runner"]


def wait_for(condition: Callable[[], object], timeout: float, what: str,
             child: Child | None = None, interval: float = 0.05) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if child is not None and child.proc.poll() is not None:
            pytest.fail(f"{what}: process {child.pid} exited with {child.proc.returncode}; "
                        f"stderr:\n{child.stderr()[-3000:]}")
        if time.monotonic() > deadline:
            detail = f"; stderr:\n{child.stderr()[-3000:]}" if child is not None else ""
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}{detail}")
        time.sleep(interval)


# -- PostgreSQL ----------------------------------------------------------------------------


@dataclass
class Postgres:
    """A schema of its own on the test server, and URLs that use it."""

    schema: str
    url: str  # the state store, for subprocesses: search_path and application_name set
    source_url: str  # the slow source's connection (application_name set, no schema)
    engine: Engine  # the test process's engine on the schema (with a lock timeout)
    admin: Engine

    def store(self) -> Store:
        return Store.open(self.engine)


@pytest.fixture
def pg() -> Iterator[Postgres]:
    base = server_url(POSTGRES_ENV)
    schema = f"sc_test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(base).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema})
    source = make_url(base).update_query_dict({"application_name": f"{schema}_src"})
    engine = make_engine(url, connect_args={
        "options": f"-csearch_path={schema} -clock_timeout=10s",
        "application_name": f"{schema}_test"})
    try:
        yield Postgres(schema, url.render_as_string(hide_password=False),
                       source.render_as_string(hide_password=False), engine, admin)
    finally:
        engine.dispose()
        _drop_schema(admin, schema)
        admin.dispose()


def _drop_schema(admin: Engine, schema: str) -> None:
    """Drop the schema, ending the sessions a killed or frozen runner may have left."""
    for attempt in range(5):
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE :name AND pid <> pg_backend_pid()"),
                {"name": f"{schema}%"})
            conn.exec_driver_sql("SET lock_timeout = '5s'")
            try:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                return
            except Exception:
                if attempt == 4:
                    raise
            time.sleep(0.5)


def busy_store_sessions(pg: Postgres) -> list[tuple[int, str]]:
    """The store sessions of the runner processes that are inside a transaction."""
    with pg.admin.connect() as conn:
        rows = conn.execute(text(
            "SELECT pid, state FROM pg_stat_activity WHERE application_name = :name "
            "AND state <> 'idle' AND pid <> pg_backend_pid()"), {"name": pg.schema}).all()
    return [(pid, state) for pid, state in rows]


# -- actions and runs ----------------------------------------------------------------------


def write_action(instance: Instance, action_id: str, *, connection: str, query: str,
                 batch: int, cron: str) -> None:
    text_ = ACTION.format(id=action_id, connection=connection, query=query, batch=batch,
                          cron=cron)
    (instance.actions_dir / f"{action_id}.xml").write_text(text_, encoding="utf-8")


def prepare_slow_action(instance: Instance, pg: Postgres) -> datetime:
    """Write the slow action and the [runner] settings; make its slot due; return the slot.

    The schedule starts once a day, at the current minute (UTC). A tick in this process,
    with a clock one second before that minute, records the schedule state; the runner
    process then finds the slot due at its first tick.
    """
    slot = datetime.now(UTC).replace(second=0, microsecond=0)
    write_action(instance, "slow", connection="slow", query=SLOW_QUERY, batch=10,
                 cron=f"{slot.minute} {slot.hour} * * *")
    with instance.config_file.open("a", encoding="utf-8") as config:
        config.write(f"\n[runner]\nlease-seconds = {LEASE}\ntick-seconds = 0.5\n"
                     f"shutdown-seconds = {SHUTDOWN}\n")
    with pg.store() as store:
        seeder = Runner(Instance.load(instance.home), store,
                        clock=lambda: slot - timedelta(seconds=1))
        try:
            assert seeder.tick().started == []
        finally:
            seeder.shutdown()
        with store.engine.connect() as conn:
            state = conn.execute(select(m.ScheduleState.next_at)
                                 .where(m.ScheduleState.action_id == "slow")).scalar_one()
        assert state == slot
    return slot


def start_slow_runner(instance: Instance, pg: Postgres, spawn: Spawn, name: str) -> Child:
    env = child_env(SYNCCENTER_STORE_URL=pg.url, SYNCCENTER_CONNECTION_SLOW_URL=pg.source_url)
    return spawn(runner_command(instance.home), name, env)


def slow_runs(store: Store) -> list[RunInfo]:
    return sorted(store.runs("slow", limit=1000), key=lambda run: run.id)


def scalar(store: Store, query) -> object:
    with store.engine.connect() as conn:
        return conn.execute(query).scalar()


def message_count(store: Store, run_id: int) -> int:
    return int(scalar(store, select(func.count()).select_from(m.Message)
                      .where(m.Message.run_id == run_id)))


def outbox_files(instance: Instance) -> list[str]:
    """Everything in the outbox, temporary ``.part`` files included."""
    outbox = instance.folder("outbox")
    return sorted(str(p.relative_to(outbox)) for p in outbox.rglob("*"))


def wait_running(store: Store, instance: Instance, child: Child) -> int:
    """Wait until the slow run is reading its batches (its temporary file exists)."""
    def running() -> int | None:
        runs = [r for r in slow_runs(store) if r.state == "running" and r.attempt == 1]
        parts = [f for f in outbox_files(instance) if f.endswith(".part")]
        return runs[0].id if runs and parts else None

    run_id = wait_for(running, 30, "the slow run to be in progress", child)
    assert isinstance(run_id, int)
    return run_id


# -- 1. racing runners ---------------------------------------------------------------------


@pytest.mark.postgres
def test_three_runners_racing_on_the_same_slots_start_each_slot_once(
        pg: Postgres, instance: Instance, spawn: Spawn, tmp_path: Path) -> None:
    write_action(instance, "race", connection="erp", batch=100, cron="* * * * *",
                 query="SELECT article_no AS SKU FROM article ORDER BY article_no LIMIT 5")
    store = pg.store()  # migrated here, once, before the racers open it
    control = tmp_path / "control"
    control.mkdir()
    t0 = datetime(2030, 6, 3, 12, 0, 5, tzinfo=UTC)
    write_atomic(control / "clock.txt", t0.isoformat())
    write_atomic(control / "step.txt", "0")
    names = ["A", "B", "C"]
    env = child_env()
    racers = {name: spawn([sys.executable, "-m", "tests.runner.race_harness",
                           "--home", str(instance.home), "--url", pg.url,
                           "--control", str(control), "--name", name], f"racer-{name}", env)
              for name in names}

    def acked(step: int) -> bool:
        for name, child in racers.items():
            if child.proc.poll() is not None:
                pytest.fail(f"racer {name} exited with {child.proc.returncode} before step "
                            f"{step}; stderr:\n{child.stderr()[-3000:]}")
            try:
                if int((control / f"ack-{name}.txt").read_text() or -1) < step:
                    return False
            except (FileNotFoundError, ValueError):
                return False
        return True

    began = time.monotonic()
    wait_for(lambda: acked(0), 60, "the racers to start")
    # Step 1 records the schedule state (it counts from then); steps 2.. each have one slot.
    for step in range(1, SLOTS + 2):
        write_atomic(control / "clock.txt", (t0 + timedelta(minutes=step - 1)).isoformat())
        write_atomic(control / "step.txt", str(step))
        wait_for(lambda step=step: acked(step), 30, f"the racers to ack step {step}",
                 interval=0.002)
    raced = time.monotonic() - began
    (control / "stop").touch()
    reports = {}
    for name, child in racers.items():
        assert child.wait(30) == 0, child.stderr()
        assert child.stderr().strip() == "", f"racer {name} stderr:\n{child.stderr()}"
        reports[name] = json.loads(child.stdout().strip().splitlines()[-1])

    runs = sorted(store.runs(limit=1000), key=lambda run: run.id)
    active = scalar(store, select(func.count()).select_from(m.ActiveRun))
    store.close()
    slots = [t0.replace(second=0) + timedelta(minutes=k) for k in range(1, SLOTS + 1)]
    assert {r.action_id for r in runs} == {"race"}
    assert [r.state for r in runs if r.state in ("skipped", "missed")] == []
    firsts = Counter(r.slot_at for r in runs if r.attempt == 1)
    assert [slot for slot, count in firsts.items() if count > 1] == []
    assert sorted(firsts) == slots
    assert len(runs) == SLOTS
    assert all(r.state == "succeeded" and r.trigger == "schedule" and r.written == 5
               for r in runs), [(r.id, r.state, r.error) for r in runs]
    assert active == 0
    # Each run was started by exactly one racer, and wrote its own file.
    started = {name: report["started"] for name, report in reports.items()}
    assert sorted(sum(started.values(), [])) == sorted(r.id for r in runs)
    by_pid = Counter(r.pid for r in runs)
    assert {report["pid"]: len(report["started"]) for report in reports.values()} == {
        pid: by_pid.get(pid, 0) for pid in (report["pid"] for report in reports.values())}
    assert outbox_files(instance) == sorted(f"race-{r.id}.jsonl" for r in runs)
    distribution = {name: len(ids) for name, ids in started.items()}
    print(f"\nrace: {SLOTS} slots in {raced:.1f} s; runs started per runner: {distribution}")
    # Which racer wins a slot is up to the scheduler: (2/3)**30 is the chance that a
    # given racer never wins, if the wins were evenly spread.
    assert all(count >= 1 for count in distribution.values()), distribution


# -- 2. a frozen runner ----------------------------------------------------------------------


@pytest.mark.postgres
def test_a_runner_frozen_past_its_lease_is_taken_over_and_writes_nothing_after(
        pg: Postgres, instance: Instance, spawn: Spawn) -> None:
    slot = prepare_slow_action(instance, pg)
    store = pg.store()
    frozen = start_slow_runner(instance, pg, spawn, "frozen")
    try:
        run_id = wait_running(store, instance, frozen)
        # Freeze it outside a store transaction: a frozen transaction would hold its row
        # locks, and the reap below would wait for them (see the report of this test).
        for _ in range(50):
            frozen.proc.send_signal(signal.SIGSTOP)
            time.sleep(0.05)
            if not busy_store_sessions(pg):
                break
            frozen.proc.send_signal(signal.SIGCONT)
            time.sleep(0.013)
        else:
            pytest.fail(f"the runner is always inside a transaction: {busy_store_sessions(pg)}")
        time.sleep(LEASE + 2)

        assert Claims(store, owner="test-reaper").reap() == [run_id]
        [taken] = slow_runs(store)
        assert (taken.id, taken.state, taken.slot_at, taken.attempt) == (
            run_id, "abandoned", slot, 1)
        assert taken.error.startswith("Abandoned: its lease") and taken.ended_at is not None
        messages = message_count(store, run_id)
        assert scalar(store, select(func.count()).select_from(m.ActiveRun)) == 0

        frozen.proc.send_signal(signal.SIGCONT)
        # At its next safe point the run finds its claim gone and drops its file.
        wait_for(lambda: "lost its claim" in frozen.stderr()
                 and not outbox_files(instance), 15, "the continued run to give up", frozen)
        time.sleep(1.5)  # a few more ticks and heartbeats of the continued runner
        frozen.proc.send_signal(signal.SIGTERM)
        assert frozen.wait(SHUTDOWN + 10) == 0, frozen.stderr()
    finally:
        if frozen.proc.poll() is None:
            frozen.proc.send_signal(signal.SIGCONT)
            frozen.proc.kill()
            frozen.proc.wait(10)

    [after] = slow_runs(store)
    assert (after.state, after.ended_at, after.error, after.read, after.written) == (
        "abandoned", taken.ended_at, taken.error, taken.read, taken.written)
    assert message_count(store, run_id) == messages
    assert scalar(store, select(func.count()).select_from(m.Artefact)) == 0
    assert scalar(store, select(func.count()).select_from(m.ActiveRun)) == 0
    assert outbox_files(instance) == []
    store.close()


# -- 3. SIGTERM ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_sigterm_stops_the_run_at_a_safe_point_and_the_runner_exits(
        pg: Postgres, instance: Instance, spawn: Spawn) -> None:
    slot = prepare_slow_action(instance, pg)
    store = pg.store()
    runner = start_slow_runner(instance, pg, spawn, "runner")
    run_id = wait_running(store, instance, runner)
    time.sleep(0.5)
    began = time.monotonic()
    runner.proc.send_signal(signal.SIGTERM)
    code = runner.wait(SHUTDOWN + 5)
    took = time.monotonic() - began
    assert code == 0, runner.stderr()
    assert took < SHUTDOWN + 2, took
    assert "SIGTERM: stopping" in runner.stderr()

    [run] = slow_runs(store)
    assert (run.id, run.state, run.slot_at, run.attempt) == (run_id, "interrupted", slot, 1)
    assert "stopped at a safe point" in run.error, run.error
    assert 0 < run.read < 1500 and run.written == run.read
    texts = [msg.text for msg in store.messages(run_id)]
    assert any("stopped at a safe point" in t for t in texts), texts
    assert scalar(store, select(func.count()).select_from(m.ActiveRun)) == 0
    assert scalar(store, select(func.count()).select_from(m.Artefact)) == 0
    assert outbox_files(instance) == []
    store.close()
    print(f"\nSIGTERM: the runner exited {took:.2f} s later, after {run.read} records")


# -- 4. SQLite: one runner ---------------------------------------------------------------------


def test_sqlite_a_second_runner_refuses_to_start(instance: Instance, spawn: Spawn) -> None:
    state_db = instance.home / "state.db"
    env = child_env()

    def lease_owner() -> str | None:
        with sqlite3.connect(state_db) as db:
            row = db.execute("SELECT owner FROM runner_leases WHERE name = 'runner'").fetchone()
        return row[0] if row else None

    first = spawn(runner_command(instance.home), "first", env)
    try:
        owner = wait_for(lease_owner, 30, "the first runner to take the lease", first)
        began = time.monotonic()
        second = spawn(runner_command(instance.home), "second", env)
        code = second.wait(20)
        took = time.monotonic() - began
        message = second.stderr()
        assert code != 0, message
        assert took < 10, took
        assert f"another runner ({owner})" in message, message
        assert "only one runner may run" in message, message
        assert first.proc.poll() is None and lease_owner() == owner
    finally:
        first.proc.send_signal(signal.SIGTERM)
    assert first.wait(15) == 0, first.stderr()
    assert lease_owner() is None
