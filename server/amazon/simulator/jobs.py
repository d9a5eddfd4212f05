"""Feeds and reports as jobs: IN_QUEUE, then IN_PROGRESS, then DONE (or FATAL/CANCELLED).

A job moves one state further with each poll after the first (``getFeed``/``getReport``)
and, without polls, every ``job_step_seconds`` of simulated time. When it leaves
IN_PROGRESS its ``process`` function runs once and decides the final state (DONE,
FATAL, or CANCELLED when a report has no data) and the result document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from server.amazon.simulator.params import iso

if TYPE_CHECKING:
    from server.amazon.simulator.state import Simulator

STAGES = ("IN_QUEUE", "IN_PROGRESS")
FINAL = ("DONE", "FATAL", "CANCELLED")


@dataclass
class Job:
    id: str
    kind: str  # feedType or reportType
    marketplace_ids: list[str]
    created: datetime
    process: Callable[[Simulator, Job], None]
    options: dict[str, str] = field(default_factory=dict)
    input_document_id: str | None = None
    data_start: datetime | None = None
    data_end: datetime | None = None
    polls: int = 0
    status: str = "IN_QUEUE"
    started: datetime | None = None
    ended: datetime | None = None
    result_document_id: str | None = None

    def stage(self, simulator: Simulator) -> int:
        elapsed = (simulator.now() - self.created).total_seconds()
        by_time = int(elapsed // simulator.job_step_seconds) if elapsed > 0 else 0
        return min(2, max(self.polls - 1, 0) + by_time)

    def refresh(self, simulator: Simulator) -> None:
        """Bring the status up to date; runs ``process`` when the job completes."""
        if self.status in FINAL:
            return
        stage = self.stage(simulator)
        if stage >= 1 and self.started is None:
            self.started = min(simulator.now(),
                               self.created + timedelta(seconds=simulator.job_step_seconds))
        if stage < 2:
            self.status = STAGES[stage]
            return
        self.started = self.started or simulator.now()
        self.status = "DONE"
        self.process(simulator, self)
        self.ended = simulator.now()

    def cancel(self) -> bool:
        """Cancel the job if it has not started; whether it was cancelled."""
        if self.status != "IN_QUEUE":
            return False
        self.status = "CANCELLED"
        return True

    def times(self) -> dict[str, Any]:
        out: dict[str, Any] = {"createdTime": iso(self.created)}
        if self.started is not None:
            out["processingStartTime"] = iso(self.started)
        if self.ended is not None:
            out["processingEndTime"] = iso(self.ended)
        return out
