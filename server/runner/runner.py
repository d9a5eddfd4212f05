"""The runner: starts due actions on their schedules, one run at a time per action.

Each :meth:`Runner.tick` re-reads the action files (an edited or disabled schedule counts
from the next tick), reaps runs whose lease expired, decides the due slots of every
automatic action, and starts the retries that are due. A slot is decided under a lock on
the action's schedule state (``server.store.claims``), so with several runners on one
PostgreSQL or MariaDB store each slot is decided once:

* the most recent due slot within the action's grace window starts, unless the action
  has a run in progress: then the slot is recorded as *skipped*;
* older due slots (the runner was down) are recorded as *missed*, in one line, never
  replayed one by one.

Runs execute in a thread pool; a :class:`~server.runner.control.Heartbeat` keeps their
leases. A run that fails for a transient reason is retried with backoff
(``server.runner.retry``), never past the next slot. :meth:`Runner.stop` stops claiming,
lets the runs reach a safe point within a deadline, and records them as interrupted.
Every decision goes to the logbook as a run row (states ``skipped`` and ``missed``
included) and to the log.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from server.actions.loader import action_files, load_action
from server.actions.model import Action
from server.config import Instance
from server.engine.pipeline import RunResult, run_task
from server.errors import SyncCenterError
from server.runner import log
from server.runner.control import Heartbeat
from server.runner.retry import is_transient, retry_at
from server.runner.schedule import ScheduleError, ScheduleRule, parse_schedule
from server.store import MessageIn, Store
from server.store.claims import (
    ActionBusy,
    ActiveInfo,
    Claim,
    Claims,
    LeaseLost,
    ScheduleLock,
    utc_now,
)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class RunnerConfig:
    """How the runner works; the defaults suit one shop."""

    tick_seconds: float = 10.0  # the longest pause between two looks at the actions
    lease_seconds: float = 60.0
    shutdown_seconds: float = 30.0
    max_parallel: int = 4


@dataclass
class Retry:
    """A failed scheduled run that is tried again at ``due``."""

    action_id: str
    task_id: str
    slot_at: datetime
    attempt: int  # the attempt to start
    due: datetime
    previous_run: int


@dataclass
class Tick:
    """What one tick decided (for tests and the log)."""

    started: list[Claim] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    reaped: list[int] = field(default_factory=list)


class Runner:
    """One runner process's scheduler (use :meth:`serve`, or :meth:`tick` in tests)."""

    def __init__(self, instance: Instance, store: Store, config: RunnerConfig = RunnerConfig(),
                 *, clock: Clock = utc_now, owner: str | None = None,
                 rng: random.Random | None = None) -> None:
        self.instance = instance
        self.store = store
        self.config = config
        self.clock = clock
        self.claims = Claims(store, owner, timedelta(seconds=config.lease_seconds), clock)
        self.stopping = threading.Event()
        self.heartbeat = Heartbeat(self.claims, self.stopping)
        self.pool = ThreadPoolExecutor(config.max_parallel, thread_name_prefix="run")
        self.rng = rng or random.Random()
        self.running: dict[str, tuple[Claim, Future[RunResult]]] = {}
        self.retries: list[Retry] = []
        self._rules: dict[tuple[str, str], ScheduleRule] = {}
        self._bad: dict[Path, float] = {}  # action files that failed to load, by mtime
        self._lock = threading.Lock()
        self._next: dict[str, datetime] = {}  # next start of each scheduled action
        self.single = store.engine.dialect.name == "sqlite"

    # -- the loop --------------------------------------------------------------------

    def serve(self, sleep: Callable[[float], object] | None = None) -> bool:
        """Tick until :meth:`stop` is called (from a signal handler or another thread).

        Returns what :meth:`shutdown` returns: whether every run ended in time.
        """
        if self.single:
            self.claims.hold_runner_lease()
        log.info("runner %s started on %s", self.claims.owner, self.instance.home)
        wait = sleep or self.stopping.wait
        try:
            while not self.stopping.is_set():
                if self.single:
                    self.claims.hold_runner_lease()
                try:
                    self.tick()
                except SyncCenterError as exc:
                    log.error("runner tick failed: %s", exc)
                except Exception:  # noqa: BLE001 - a bad tick must not end the runner
                    log.exception("runner tick failed")
                wait(self._pause())
        except BaseException:
            self.shutdown()
            raise
        return self.shutdown()

    def _pause(self) -> float:
        now = self.clock()
        upcoming = [r.due for r in self.retries] + list(self._next.values())
        pause = self.config.tick_seconds
        for instant in upcoming:
            pause = min(pause, max((instant - now).total_seconds(), 0.0))
        return max(pause, 0.05)

    def stop(self) -> None:
        """Stop claiming; the runs stop at their next safe point (see :meth:`shutdown`)."""
        self.stopping.set()

    def shutdown(self) -> bool:
        """Wait for the runs (at most ``shutdown_seconds``), then let go of everything.

        Returns whether every run ended; when not, the runs still going were recorded as
        interrupted, and the caller should end the process (their threads cannot be
        stopped from outside).
        """
        self.stopping.set()
        clean = True
        deadline = time.monotonic() + self.config.shutdown_seconds
        for action_id, (claim, future) in list(self.running.items()):
            remaining = max(deadline - time.monotonic(), 0)
            try:
                future.result(timeout=remaining)
            except TimeoutError:
                clean = False
                self._interrupt(claim, "the runner shut down before the run reached a safe "
                                       f"point within {self.config.shutdown_seconds:g} s")
            except Exception:  # noqa: BLE001 - already recorded by the run itself
                log.debug("run of %s ended with an error during shutdown", action_id)
        self.heartbeat.close()
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self.single:
            self.claims.release_runner_lease()
        log.info("runner %s stopped", self.claims.owner)
        return clean

    def _interrupt(self, claim: Claim, text: str) -> None:
        try:
            self.store.finish_run(claim.run_id, "interrupted", read=0, written=0, skipped=0,
                                  failed=0, error=f"Interrupted: {text}.", claim=claim)
        except LeaseLost:
            pass

    # -- one tick --------------------------------------------------------------------

    def tick(self) -> Tick:
        """Look at every action once: reap, decide due slots, start due retries."""
        report = Tick()
        report.reaped = self.claims.reap()
        self._collect()
        now = self.clock()
        self._next = {}
        for action in self._actions():
            if self.stopping.is_set():
                break
            self._decide(action, now, report)
        self._start_retries(now, report)
        return report

    def _actions(self) -> list[Action]:
        actions = []
        for path in action_files(self.instance.actions_dir):
            try:
                mtime = path.stat().st_mtime
                if self._bad.get(path) == mtime:
                    continue
                actions.append(load_action(path))
                self._bad.pop(path, None)
            except SyncCenterError as exc:
                self._bad[path] = mtime
                log.error("action file %s cannot be used, its schedule is not run: %s",
                          path, exc)
            except OSError as exc:
                log.error("action file %s cannot be read: %s", path, exc)
        return actions

    def _rule(self, action: Action) -> ScheduleRule | None:
        schedule = action.schedule
        zone = schedule.timezone or self.instance.timezone
        key = (schedule.spec, zone)
        if key not in self._rules:
            try:
                self._rules[key] = parse_schedule(schedule.spec, zone)
            except ScheduleError as exc:
                log.error("action %s: %s", action.id, exc)
                return None
        return self._rules[key]

    def _decide(self, action: Action, now: datetime, report: Tick) -> None:
        schedule = action.schedule
        automatic = schedule.mode == "automatic" and bool(schedule.spec)
        rule = self._rule(action) if automatic else None
        task_id = schedule.tasks[0] if schedule.tasks else action.tasks[0].id
        key = (f"{schedule.spec}|{rule.timezone}|{task_id}|{schedule.grace_minutes}"
               if rule is not None else "")
        if rule is not None:
            self._next[action.id] = rule.next_after(now)
        claim: Claim | None = None
        with self.claims.schedule(action.id) as lock:
            if lock is None:
                return  # another runner is deciding this action right now
            if rule is None:
                if lock.spec:
                    lock.save("", now, None)
                    log.info("action %s: not scheduled any more", action.id)
                return
            if lock.spec != key or lock.checked_until is None:
                # New or edited: count from now, do not replay what the old one had due.
                lock.save(key, now, rule.next_after(now))
                log.info("action %s: scheduled %s; next start %s", action.id, rule.describe(),
                         lock.next_at.isoformat() if lock.next_at else "never")
                return
            due = rule.between(lock.checked_until, now)
            if due:
                claim = self._slots(action, rule, task_id, due, now, lock, report)
            lock.save(key, now, rule.next_after(now))
        if claim is not None:
            self._launch(action, task_id, claim, 1)

    def _slots(self, action: Action, rule: ScheduleRule, task_id: str, due: list[datetime],
               now: datetime, lock: ScheduleLock, report: Tick) -> Claim | None:
        grace = timedelta(minutes=action.schedule.grace_minutes)
        recent = [slot for slot in due if now - slot <= grace]
        old = [slot for slot in due if now - slot > grace]
        if recent[:-1]:
            old += recent[:-1]
            old.sort()
        if old:
            text = (f"Missed {len(old)} start{'s' if len(old) > 1 else ''} from "
                    f"{_local(old[0], rule)} to {_local(old[-1], rule)}: no runner was "
                    "running then; they are not replayed")
            if recent:
                text += f" (the start at {_local(recent[-1], rule)} runs instead)"
            lock.record(task_id, old[-1], "missed", text + ".")
            report.missed.append(action.id)
            log.warning("action %s: %s", action.id, text)
        if not recent:
            return None
        slot = recent[-1]
        outcome = lock.start(task_id, slot)
        if isinstance(outcome, ActiveInfo):
            text = (f"Skipped the start at {_local(slot, rule)}: {outcome.describe()} was "
                    "still in progress.")
            lock.record(task_id, slot, "skipped", text)
            report.skipped.append(action.id)
            log.info("action %s: %s", action.id, text)
            return None
        report.started.append(outcome)
        log.info("action %s: started run %d for the start at %s", action.id, outcome.run_id,
                 slot.isoformat())
        return outcome

    # -- running ---------------------------------------------------------------------

    def _launch(self, action: Action, task_id: str, claim: Claim, attempt: int) -> None:
        checkpoint = self.heartbeat.hold(claim)
        future = self.pool.submit(self._execute, action, task_id, claim, attempt, checkpoint)
        with self._lock:
            self.running[action.id] = (claim, future)

    def _execute(self, action: Action, task_id: str, claim: Claim, attempt: int,
                 checkpoint: Callable[[], None]) -> RunResult:
        try:
            result = run_task(self.instance, self.store, action, task_id, trigger="schedule",
                              claim=claim, checkpoint=checkpoint)
        finally:
            self.heartbeat.release(claim)
        if result.state == "failed" and is_transient(result.cause):
            self._plan_retry(action, task_id, claim, attempt, result)
        return result

    def _plan_retry(self, action: Action, task_id: str, claim: Claim, attempt: int,
                    result: RunResult) -> None:
        schedule = action.schedule
        rule = self._rule(action)
        now = self.clock()
        next_slot = rule.next_after(now) if rule is not None else None
        due, reason = retry_at(now, attempt, schedule.retries, schedule.retry_seconds,
                               next_slot, self.rng)
        self.store.add_messages(claim.run_id, [MessageIn("warning", f"The failure may pass "
                                                         f"({result.error}); {reason}.")])
        log.warning("run %d of %s failed transiently; %s", claim.run_id, action.id, reason)
        if due is not None:
            slot = self._slot_of(claim.run_id)
            with self._lock:
                self.retries.append(Retry(action.id, task_id, slot, attempt + 1, due,
                                          claim.run_id))

    def _slot_of(self, run_id: int) -> datetime:
        info = self.store.run(run_id)
        assert info.slot_at is not None
        return info.slot_at

    def _start_retries(self, now: datetime, report: Tick) -> None:
        with self._lock:
            due = [r for r in self.retries if r.due <= now]
            self.retries = [r for r in self.retries if r.due > now]
        actions = {a.id: a for a in self._actions()} if due else {}
        for retry in due:
            action = actions.get(retry.action_id)
            if action is None or action.schedule.mode != "automatic":
                self._note(retry.previous_run, "not retried: the action is no longer "
                                               "scheduled")
                continue
            rule = self._rule(action)
            if rule is not None and rule.next_after(retry.slot_at) <= now:
                self._note(retry.previous_run, "not retried: the next start is due")
                continue
            try:
                claim = self.claims.start(action.id, retry.task_id, "schedule",
                                          slot_at=retry.slot_at, attempt=retry.attempt)
            except ActionBusy as exc:
                self._note(retry.previous_run, f"not retried: {exc.message}")
                continue
            report.started.append(claim)
            self._note(retry.previous_run, f"retried as run {claim.run_id} (attempt "
                                           f"{retry.attempt})")
            self._launch(action, retry.task_id, claim, retry.attempt)

    def _note(self, run_id: int, text: str) -> None:
        self.store.add_messages(run_id, [MessageIn("info", text[:1].upper() + text[1:] + ".")])
        log.info("run %d: %s", run_id, text)

    def _collect(self) -> None:
        with self._lock:
            for action_id, (_claim, future) in list(self.running.items()):
                if future.done():
                    del self.running[action_id]

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until the runs started so far have ended (tests)."""
        deadline = time.monotonic() + timeout
        for _claim, future in list(self.running.values()):
            future.result(timeout=max(deadline - time.monotonic(), 0))
        self._collect()


def _local(instant: datetime, rule: ScheduleRule) -> str:
    """An instant as the schedule's wall clock shows it, with its offset."""
    return instant.astimezone(rule.zone).isoformat(timespec="minutes")
