"""The runner's rules, with an injected clock (no sleeping): starts, skips, downtime,
retries, edits, leases, shutdown, and manual runs while a scheduled one is active."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from server.actions.loader import load_action
from server.cli import main
from server.engine import load_plugins
from server.engine.pipeline import run_task
from server.errors import ConfigError
from server.runner.control import Heartbeat
from server.runner.retry import backoff, is_transient, retry_at
from server.runner.runner import Runner, RunnerConfig
from server.store import Store
from server.store.claims import ActionBusy, Claims, LeaseLost, RunnerBusy

load_plugins()

ACTION = """<?xml version="1.0"?>
<action xmlns="urn:synccenter:action:1" id="sched" channel="amazon-de">
  <title>scheduled</title>
  <task id="main" title="main" key="sku">
    <source><sql connection="{connection}" batch-size="100">SELECT article_no AS SKU
      FROM article ORDER BY article_no</sql></source>
    <fields><field name="sku"><column>SKU</column></field></fields>
    <target><jsonl file="{{outbox}}/sched-{{run}}.jsonl"/></target>
  </task>
  <schedule mode="{mode}" {when} timezone="Europe/Berlin" task="main" {extra}/>
</action>
"""


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, text: str) -> None:
        self.now = datetime.fromisoformat(text)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 6, 1, 6, 59, 50, tzinfo=UTC))  # 08:59:50 in Berlin


@pytest.fixture
def store(instance):
    with Store.open(instance.store_url()) as opened:
        yield opened


def write_action(instance, *, mode: str = "automatic", when: str = 'times="9:00; 11:00"',
                 extra: str = "", connection: str = "erp") -> None:
    text = ACTION.format(mode=mode, when=when, extra=extra, connection=connection)
    (instance.actions_dir / "sched.xml").write_text(text)


def make_runner(instance, store, clock, **config) -> Runner:
    settings = {"tick_seconds": 1, "lease_seconds": 60, "shutdown_seconds": 5, **config}
    return Runner(instance, store, RunnerConfig(**settings), clock=clock,
                  rng=random.Random(1))


def runs(store: Store) -> list[tuple]:
    return sorted(((r.state, r.trigger, r.slot_at, r.attempt) for r in store.runs("sched")),
                  key=lambda r: (r[2] or datetime.min.replace(tzinfo=UTC), r[3] or 0))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_due_slot_starts_once(instance, store, clock) -> None:
    write_action(instance)
    runner = make_runner(instance, store, clock)
    assert runner.tick().started == []  # the first look only records the schedule
    clock.set("2026-06-01T07:00:02+00:00")
    [claim] = runner.tick().started
    runner.wait_idle()
    assert runner.tick().started == []  # the same slot again: nothing
    assert runs(store) == [("succeeded", "schedule", at("2026-06-01T07:00:00+00:00"), 1)]
    assert (instance.folder("outbox") / f"sched-{claim.run_id}.jsonl").exists()


def test_a_slot_that_comes_due_while_the_action_runs_is_skipped(instance, store, clock) -> None:
    write_action(instance)
    runner = make_runner(instance, store, clock)
    runner.tick()
    manual = Claims(store, clock=clock).start("sched", "main", "cli")
    clock.set("2026-06-01T07:00:01+00:00")
    report = runner.tick()
    assert report.started == [] and report.skipped == ["sched"]
    [skipped] = [r for r in store.runs("sched") if r.state == "skipped"]
    assert skipped.slot_at == at("2026-06-01T07:00:00+00:00") and skipped.attempt == 0
    assert f"run {manual.run_id} (cli" in skipped.error
    assert "09:00+02:00" in skipped.error  # the slot as the shop's clock shows it


def test_downtime_runs_the_last_slot_within_grace_once_and_logs_the_rest(
        instance, store, clock) -> None:
    write_action(instance, when='cron="*/15 * * * *"', extra='grace-minutes="30"')
    runner = make_runner(instance, store, clock)
    runner.tick()
    clock.set("2026-06-01T09:20:00+00:00")  # down from 06:59:50 to 09:20 UTC
    report = runner.tick()
    runner.wait_idle()
    assert len(report.started) == 1 and report.missed == ["sched"]
    rows = runs(store)
    assert rows[-1] == ("succeeded", "schedule", at("2026-06-01T09:15:00+00:00"), 1)
    [missed] = [r for r in store.runs("sched") if r.state == "missed"]
    assert missed.slot_at == at("2026-06-01T09:00:00+00:00")
    assert "Missed 9 starts from 2026-06-01T09:00+02:00 to 2026-06-01T11:00+02:00" \
        in missed.error
    assert len(rows) == 2  # never replayed one by one


def test_slots_older_than_grace_are_only_logged(instance, store, clock) -> None:
    write_action(instance)
    runner = make_runner(instance, store, clock)
    runner.tick()
    clock.set("2026-06-01T12:30:00+00:00")  # 09:00 and 11:00 Berlin passed hours ago
    report = runner.tick()
    assert report.started == []
    [missed] = store.runs("sched")
    assert missed.state == "missed" and "Missed 2 starts" in missed.error


def test_an_edited_or_disabled_schedule_counts_from_the_next_tick(
        instance, store, clock) -> None:
    write_action(instance)
    runner = make_runner(instance, store, clock)
    runner.tick()
    write_action(instance, when='times="10:00"')  # edited before 09:00 came
    clock.set("2026-06-01T07:00:05+00:00")
    assert runner.tick().started == []  # the new schedule has nothing due yet
    clock.set("2026-06-01T08:00:05+00:00")
    assert len(runner.tick().started) == 1
    runner.wait_idle()
    write_action(instance, mode="disabled")
    clock.set("2026-06-02T08:00:05+00:00")
    assert runner.tick().started == []
    write_action(instance, when='times="10:00"')  # enabled again: no replay of the pause
    clock.set("2026-06-02T08:00:06+00:00")
    assert runner.tick().started == [] and not runner.tick().missed
    assert [r.state for r in store.runs("sched")] == ["succeeded"]


def test_transient_failures_retry_with_backoff_never_past_the_next_slot(
        instance, store, clock) -> None:
    config = instance.config_file.read_text()
    instance.config_file.write_text(
        config + '\n[connections.away]\nurl = "postgresql+psycopg://u@127.0.0.1:1/x"\n')
    instance = type(instance).load(instance.home)
    write_action(instance, when='cron="0 * * * *"', connection="away",
                 extra='retries="2" retry-seconds="60"')
    runner = make_runner(instance, store, clock)
    runner.tick()
    clock.set("2026-06-01T07:00:01+00:00")
    runner.tick()
    runner.wait_idle()
    [retry] = runner.retries
    assert retry.attempt == 2
    assert 30 <= (retry.due - clock.now).total_seconds() <= 60
    clock.now = retry.due
    [second] = runner.tick().started
    runner.wait_idle()
    [retry] = runner.retries
    assert retry.attempt == 3 and 60 <= (retry.due - clock.now).total_seconds() <= 120
    clock.now = retry.due
    runner.tick()
    runner.wait_idle()
    assert runner.retries == []  # all retries used
    states = [(r.state, r.attempt) for r in reversed(store.runs("sched"))]
    assert states == [("failed", 1), ("failed", 2), ("failed", 3)]
    texts = [m.text for m in store.messages(second.run_id)]
    assert any("retry 2 of 2" in t for t in texts)
    last = store.runs("sched")[0]
    assert any("all 2 retries were used" in m.text for m in store.messages(last.id))


def test_a_permanent_failure_is_not_retried(instance, store, clock) -> None:
    text = ACTION.format(mode="automatic", when='cron="0 * * * *"', extra="", connection="erp")
    (instance.actions_dir / "sched.xml").write_text(text.replace("FROM article", "FROM nope"))
    runner = make_runner(instance, store, clock)
    runner.tick()
    clock.set("2026-06-01T07:00:01+00:00")
    runner.tick()
    runner.wait_idle()
    assert runner.retries == []
    assert [r.state for r in store.runs("sched")] == ["failed"]


def test_retry_rules() -> None:
    rng = random.Random(3)
    now = at("2026-06-01T07:00:00+00:00")
    pauses = [backoff(n, 30, rng).total_seconds() for n in (1, 2, 3, 4)]
    for number, pause in enumerate(pauses, 1):
        ceiling = 30 * 2 ** (number - 1)
        assert ceiling / 2 <= pause <= ceiling
    due, reason = retry_at(now, 1, 3, 30, now + timedelta(seconds=10), rng)
    assert due is None and "next start" in reason
    due, reason = retry_at(now, 3, 2, 30, None, rng)
    assert due is None and "all 2 retries" in reason
    assert is_transient(ConnectionResetError()) and is_transient(TimeoutError())
    assert not is_transient(ValueError("bad value"))
    assert not is_transient(ConfigError("no such connection"))


def test_a_manual_run_while_the_action_runs_is_refused(instance, store, clock) -> None:
    write_action(instance, mode="manual")
    busy = Claims(store).start("sched", "main", "schedule")
    with pytest.raises(ActionBusy) as caught:
        Claims(store).start("sched", "main", "cli")
    assert f"run {busy.run_id} (schedule, started" in caught.value.message
    result = CliRunner().invoke(main, ["--instance", str(instance.home), "run", "sched"])
    assert result.exit_code == 1
    assert f"already running: run {busy.run_id}" in result.output
    state = store.run(busy.run_id).state
    assert state == "running"  # the refused run changed nothing


def test_an_expired_lease_is_reaped_and_the_old_owner_writes_nothing(
        instance, store, clock) -> None:
    write_action(instance, mode="manual")
    action = load_action(instance.actions_dir / "sched.xml")
    frozen = Claims(store, lease=timedelta(seconds=30), clock=clock)
    claim = frozen.start("sched", "main", "schedule")
    heartbeat = Heartbeat(frozen)
    checkpoint = heartbeat.hold(claim)
    clock.now += timedelta(seconds=31)  # the process is frozen past its lease
    other = Claims(store, clock=clock)
    assert other.reap() == [claim.run_id]
    info = store.run(claim.run_id)
    assert info.state == "abandoned" and "lease" in info.error
    with pytest.raises(LeaseLost):
        frozen.renew(claim)
    # the frozen process wakes up and runs on: it writes no file and no end of run
    result = run_task(instance, store, action, "main", claim=claim, checkpoint=checkpoint)
    heartbeat.close()
    assert result.state == "abandoned"
    assert not list(instance.folder("outbox").glob("sched-*"))
    assert store.run(claim.run_id).state == "abandoned"
    assert store.messages(claim.run_id) == []
    assert Claims(store).start("sched", "main", "cli").run_id > claim.run_id  # action free


def test_shutdown_stops_a_run_at_a_safe_point(instance, store, clock) -> None:
    write_action(instance, mode="manual")
    action = load_action(instance.actions_dir / "sched.xml")
    claims = Claims(store, clock=clock)
    claim = claims.start("sched", "main", "schedule")
    heartbeat = Heartbeat(claims)
    heartbeat.stopping.set()  # SIGTERM arrived
    result = run_task(instance, store, action, "main", claim=claim,
                      checkpoint=heartbeat.hold(claim))
    heartbeat.close()
    assert result.state == "interrupted" and "safe point" in result.error
    assert store.run(claim.run_id).state == "interrupted"
    assert claims.active("sched") is None
    assert not list(instance.folder("outbox").glob("sched-*"))


def test_one_runner_per_sqlite_store(instance, store, clock) -> None:
    first = Claims(store, lease=timedelta(seconds=60), clock=clock)
    first.hold_runner_lease()
    with pytest.raises(RunnerBusy, match="only one runner may run"):
        Claims(store, clock=clock).hold_runner_lease()
    clock.now += timedelta(seconds=61)  # the first one died: its lease runs out
    Claims(store, clock=clock).hold_runner_lease()


def test_runner_settings_are_checked(instance) -> None:
    from server.cli.runner import runner_config

    instance.config_file.write_text(instance.config_file.read_text()
                                    + "\n[runner]\ntick-seconds = 2\nlease-seconds = 0\n")
    with pytest.raises(ConfigError, match="lease-seconds = 0 must be a positive number"):
        runner_config(type(instance).load(instance.home))


@pytest.mark.parametrize(("when", "start", "end", "expected"), [
    # a fixed time in the spring gap runs once, at 03:00 CEST
    ('times="2:30"', "2026-03-28T23:00:00+00:00", "2026-03-29T03:00:00+00:00",
     ["2026-03-29T01:00:00+00:00"]),
    # a fixed time in the autumn repeat runs once, on its first occurrence
    ('times="2:30"', "2026-10-24T23:00:00+00:00", "2026-10-25T03:00:00+00:00",
     ["2026-10-25T00:30:00+00:00"]),
    # a cron line that names its hour is fixed: the first half only
    ('cron="*/30 2 * * *"', "2026-10-24T23:00:00+00:00", "2026-10-25T03:00:00+00:00",
     ["2026-10-25T00:00:00+00:00", "2026-10-25T00:30:00+00:00"]),
    # an interval (hour *) fires in both repeated halves
    ('cron="0 * * * *"', "2026-10-24T23:30:00+00:00", "2026-10-25T02:10:00+00:00",
     ["2026-10-25T00:00:00+00:00", "2026-10-25T01:00:00+00:00",
      "2026-10-25T02:00:00+00:00"]),
])
def test_the_runner_keeps_the_daylight_saving_rules(instance, store, clock, when, start, end,
                                                    expected) -> None:
    write_action(instance, when=when)
    clock.set(start)
    runner = make_runner(instance, store, clock)
    runner.tick()
    stop = datetime.fromisoformat(end)
    while clock.now < stop:  # a tick every five minutes through the night
        clock.now += timedelta(minutes=5)
        runner.tick()
        runner.wait_idle()
    slots = sorted(r.slot_at for r in store.runs("sched") if r.state == "succeeded")
    assert slots == [datetime.fromisoformat(e) for e in expected]
    assert not [r for r in store.runs("sched") if r.state in ("missed", "skipped")]


def test_the_pause_follows_the_loaded_schedules_only(instance, store, clock) -> None:
    write_action(instance, when='cron="0 * * * *"')
    runner = make_runner(instance, store, clock, tick_seconds=600)
    runner.tick()
    assert runner._pause() == 10  # until 07:00:00 UTC, ten seconds away
    (instance.actions_dir / "sched.xml").unlink()  # a deleted action is not waited for
    clock.set("2026-06-01T07:30:00+00:00")
    runner.tick()
    assert runner._pause() == 600
