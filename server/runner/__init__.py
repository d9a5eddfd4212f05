"""The runner: starts actions on their schedules.

The runner decides when each scheduled action is due, claims the due runs so that only one
runner starts each of them, and retries runs that failed for a reason that may pass.

This part holds the schedule rules (``server.runner.schedule``): parsing what a user writes
(times of day or a cron line, in a timezone) and working out the instants a schedule starts
at, daylight-saving changes included. Those functions are pure: no database, no sleeping,
and the clock is always passed in.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)
