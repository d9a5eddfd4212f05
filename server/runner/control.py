"""Keeping claimed runs alive, and stopping them at a safe point.

A :class:`Heartbeat` thread renews the lease of every claim it holds, a third of the lease
apart, so a run whose batches take long keeps its action. :meth:`Heartbeat.checkpoint`
gives ``run_task`` the check it calls at each safe point: it raises ``StopRequested`` when
the owner shuts down, and ``LeaseLost`` when the claim is gone (this process was frozen
or cut off past its lease and another runner took the run over), so that a run that lost
its claim writes nothing more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from server.errors import StopRequested
from server.runner import log
from server.store.claims import Claim, Claims, LeaseLost
from server.store.db import StoreError


class Heartbeat:
    """Renews the leases of the claims it holds, in a daemon thread."""

    def __init__(self, claims: Claims, stopping: threading.Event | None = None) -> None:
        self.claims = claims
        self.stopping = stopping or threading.Event()
        self.interval = max(claims.lease.total_seconds() / 3, 0.05)
        self._held: dict[int, float] = {}  # run id -> when it was last renewed (claims' clock)
        self._claims: dict[int, Claim] = {}
        self._lost: set[int] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def hold(self, claim: Claim) -> Callable[[], None]:
        """Keep ``claim`` alive; return its checkpoint for ``run_task``."""
        with self._lock:
            self._claims[claim.run_id] = claim
            self._held[claim.run_id] = self._now()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="lease-heartbeat",
                                                daemon=True)
                self._thread.start()
        return lambda: self.checkpoint(claim)

    def release(self, claim: Claim) -> None:
        with self._lock:
            self._claims.pop(claim.run_id, None)
            self._held.pop(claim.run_id, None)
            self._lost.discard(claim.run_id)

    def checkpoint(self, claim: Claim) -> None:
        """A safe point of ``claim``'s run: stop, or go on only while the claim stands."""
        if claim.run_id in self._lost:
            raise LeaseLost(f"run {claim.run_id} lost its claim; it was taken over",
                            run_id=claim.run_id)
        last = self._held.get(claim.run_id, 0.0)
        if self._now() - last > self.interval:  # confirm it now, not on the next beat
            self._renew(claim)
        if self.stopping.is_set():
            raise StopRequested("the run was stopped at a safe point: the runner is shutting "
                                "down", run_id=claim.run_id)

    def _now(self) -> float:
        return self.claims.clock().timestamp()

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    def _renew(self, claim: Claim) -> None:
        try:
            self.claims.renew(claim)
        except LeaseLost:
            self._lost.add(claim.run_id)
            raise
        with self._lock:
            if claim.run_id in self._held:
                self._held[claim.run_id] = self._now()

    def _loop(self) -> None:
        while not self._closed:
            self._wake.wait(self.interval)
            with self._lock:
                due = [c for c in self._claims.values()
                       if self._now() - self._held.get(c.run_id, 0) >= self.interval * 0.9]
            for claim in due:
                try:
                    self._renew(claim)
                except LeaseLost:
                    log.warning("run %d of %s lost its claim (lease expired and taken over)",
                                claim.run_id, claim.action_id)
                except StoreError as exc:  # the database is away: try again on the next beat
                    log.warning("cannot renew the lease of run %d: %s", claim.run_id, exc)
                except Exception:  # noqa: BLE001 - the beat must go on for the others
                    log.exception("cannot renew the lease of run %d", claim.run_id)
