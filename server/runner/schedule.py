"""Schedule rules: the instants at which an action starts.

A schedule is written either as times of day (``9:00; 11:00; 15:00``) or as a 5-field cron
line (``*/30 6-22 * * 1-5``), and always belongs to a timezone. ``parse_schedule`` turns
the text into a ``ScheduleRule``; the rule answers "when is the next start after this
instant?" in UTC.

Daylight-saving changes are handled here, not by croniter: the rule lists local wall-clock
times on naive datetimes, then maps each one to real instants itself (see ``ScheduleRule``).
Everything is pure: no database, no sleeping, the clock is passed in.
"""

from __future__ import annotations

import bisect
import calendar
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import islice, takewhile
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import CroniterError, croniter

from server.errors import SyncCenterError
from server.textutil import did_you_mean

TIMES_HINT = "write times of day as H:MM, separated by ';' or ',', e.g. 9:00; 15:30"
CRON_FIELDS = ("minute", "hour", "day", "month", "weekday")
CRON_RANGES = ("0-59", "0-23", "1-31", "1-12 or JAN-DEC",
               "0-7 (0 and 7 are Sunday) or SUN-SAT")
CRON_HINT = ("a cron line has 5 fields: minute hour day month weekday, "
             "e.g. '*/30 6-22 * * 1-5'")

_TIME = re.compile(r"(\d{1,2})[:.](\d{1,2})", re.ASCII)
_NUMBER = r"\d+"
_NAME = r"[a-z]{3}"


def _field_syntax(value: str) -> re.Pattern[str]:
    item = rf"(?:\*|{value}(?:-{value})?)(?:/\d+)?"
    return re.compile(rf"{item}(?:,{item})*", re.ASCII)


# Only plain cron: numbers (names for month and weekday), * , - /. No L, W, #, ?, H or R.
_CRON_SYNTAX = tuple(_field_syntax(rf"(?:{_NUMBER}|{_NAME})" if i >= 3 else _NUMBER)
                     for i in range(5))
# The most days each month can have (February: 29, in leap years).
_LONGEST_MONTH = {m: calendar.monthrange(2000, m)[1] for m in range(1, 13)}
# Days without a start before a rule is considered broken: February 29 comes back within
# eight years, so this only guards against an endless loop.
_MAX_IDLE_DAYS = 9 * 366


class ScheduleError(SyncCenterError):
    """A schedule or its timezone cannot be used; the message says what is expected."""


@dataclass(frozen=True)
class ScheduleRule:
    """When an action starts: wall-clock times in a timezone, mapped to real instants.

    Create it with ``parse_schedule``. A rule lists local wall-clock slots (minutes of the
    day, on the days it runs), then maps each slot to instants:

    * a normal wall time is one instant;
    * a wall time skipped by a daylight-saving change (the spring gap, e.g. 02:30 on
      2026-03-29 in Europe/Berlin) starts once, at the instant the gap ends (03:00 CEST);
      several slots in one gap collapse onto that single instant;
    * a wall time that happens twice (the autumn repeat, e.g. 02:30 on 2026-10-25 in
      Europe/Berlin) depends on the kind of rule:

      - a **fixed** rule starts once, at the first occurrence (02:30 CEST);
      - an **interval** rule starts at both occurrences (02:30 CEST and 02:30 CET).

    Interval vs fixed: a cron line whose hour field starts with ``*`` (``*`` or ``*/n``,
    e.g. ``*/30 * * * *``, ``0 * * * *``, ``0 */2 * * *``) repeats through the day and is an
    **interval**. Every other rule names its hours and is **fixed**: lists of times of day,
    and cron lines with explicit hours (``30 2 * * *``, ``*/30 6-22 * * *``, ``0 0-23 * *
    *``).

    The instants returned are aware datetimes in UTC, strictly increasing, never repeated.
    """

    spec: str
    timezone: str
    kind: str  # "times" or "cron"
    minutes: tuple[int, ...]  # the slots of a day that runs, as minutes after midnight
    interval: bool = False
    months: frozenset[int] | None = None  # None: every month
    days: frozenset[int] | None = None  # days of the month; None: not restricted
    weekdays: frozenset[int] | None = None  # 0 = Sunday ... 6 = Saturday; None: any
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", _zone(self.timezone))

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """A short text for people: ``daily at 09:00, 15:00 (Europe/Berlin)``."""
        if self.kind == "cron":
            return f"cron {self.spec} ({self.timezone})"
        times = ", ".join(f"{m // 60:02d}:{m % 60:02d}" for m in self.minutes)
        return f"daily at {times} ({self.timezone})"

    # ----- instants ----------------------------------------------------------------------

    def next_after(self, instant: datetime) -> datetime:
        """The first start strictly after ``instant`` (aware, any zone), in UTC."""
        return next(self.iter_after(instant))

    def instants(self, start: datetime, count: int) -> list[datetime]:
        """The first ``count`` starts strictly after ``start``, in UTC."""
        if count < 0:
            raise ValueError(f"count must not be negative, got {count}")
        return list(islice(self.iter_after(start), count))

    def between(self, after: datetime, until: datetime) -> list[datetime]:
        """Every start in ``(after, until]``, in order, in UTC (e.g. the slots missed while
        the runner was down). Empty when ``until`` is not after ``after``."""
        end = _utc(until, "until")
        return list(takewhile(lambda u: u <= end, self.iter_after(after)))

    def iter_after(self, instant: datetime) -> Iterator[datetime]:
        """Yield the starts strictly after ``instant``, in UTC, without end."""
        after = _utc(instant, "instant")
        # Later wall times never map to earlier instants than earlier wall times (the first
        # instant of each slot rises with the wall time), so a slot's instants can be given
        # out as soon as a later slot's first instant is not before them. Only the repeated
        # hour of an interval rule holds instants back.
        pending: list[datetime] = []
        last = after
        for wall in self._walls(self._first_wall(after)):
            found = self._resolve(wall)
            for candidate in found:
                heapq.heappush(pending, candidate)
            while pending and pending[0] <= found[0]:
                start = heapq.heappop(pending)
                if start > last:
                    last = start
                    yield start

    # ----- wall times ----------------------------------------------------------------------

    def runs_on(self, day: date) -> bool:
        """Whether the rule has slots on this local calendar day (cron day rules)."""
        if self.months is not None and day.month not in self.months:
            return False
        by_day = self.days is None or day.day in self.days
        by_weekday = self.weekdays is None or (day.weekday() + 1) % 7 in self.weekdays
        if self.days is not None and self.weekdays is not None:
            return by_day or by_weekday  # cron: either one, when both are restricted
        return by_day and by_weekday

    def _walls(self, start: datetime) -> Iterator[datetime]:
        """The local slots at or after the naive wall time ``start``, in order."""
        day = start.date()
        minute = start.hour * 60 + start.minute + (1 if start.second or start.microsecond
                                                   else 0)
        first = bisect.bisect_left(self.minutes, minute)
        idle = 0
        while True:
            if self.runs_on(day):
                idle = 0
                midnight = datetime(day.year, day.month, day.day)
                for slot in self.minutes[first:]:
                    yield midnight + timedelta(minutes=slot)
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ScheduleError(f"the schedule {self.spec!r} never runs",
                                        spec=self.spec)
            first = 0
            day += timedelta(days=1)

    def _first_wall(self, after: datetime) -> datetime:
        """A wall time from which on every start after ``after`` is found."""
        wall = _wall(after, self.zone)
        while self._resolve(wall)[-1] > after:  # inside the repeated hour: step back
            wall -= timedelta(hours=1)
        return wall

    def _resolve(self, wall: datetime) -> tuple[datetime, ...]:
        """The instants (UTC, increasing) at which the naive local ``wall`` time starts."""
        early = wall.replace(tzinfo=self.zone, fold=0)
        late = wall.replace(tzinfo=self.zone, fold=1)
        if early.utcoffset() == late.utcoffset():
            return (early.astimezone(UTC),)
        candidates = (early.astimezone(UTC), late.astimezone(UTC))
        real = sorted({u for u in candidates if _wall(u, self.zone) == wall})
        if real:  # the repeated hour: the first occurrence, or both for intervals
            return tuple(real) if self.interval else (real[0],)
        return (_gap_end(wall, self.zone, *sorted(candidates)),)


def parse_schedule(spec: str, timezone: str) -> ScheduleRule:
    """Parse times of day (``9:00; 15:00``) or a 5-field cron line, in ``timezone``.

    Raises ``ScheduleError`` with a message that says what is wrong and what is expected.
    """
    _zone(timezone)
    text = " ".join(spec.split())
    if not text.strip(" ;,"):
        raise ScheduleError(f"the schedule is empty; {TIMES_HINT}, or write a cron line "
                            "such as '*/30 6-22 * * *'", spec=spec)
    if re.search(r"[:.;]", text) or " " not in text:
        return _parse_times(text, timezone)
    return _parse_cron(text, timezone)


def _parse_times(text: str, timezone: str) -> ScheduleRule:
    minutes = set()
    for token in (t.strip() for t in re.split(r"[;,]", text)):
        if not token:
            continue
        match = _TIME.fullmatch(token)
        if match is None:
            if " " in token:
                raise ScheduleError(f"bad schedule {text!r}: {token!r} looks like several "
                                    "times; separate them with ';' or ','", spec=text)
            problem = "has no minutes" if token.isdigit() else "is not a time of day"
            raise ScheduleError(f"bad schedule {text!r}: {token!r} {problem}; {TIMES_HINT}",
                                spec=text)
        hour, minute = int(match[1]), int(match[2])
        problem = ""
        if len(match[2]) != 2:
            problem = f"write the minutes of {token!r} with two digits"
        elif hour > 23:
            problem = f"in {token!r}, hour {hour} is not between 0 and 23"
        elif minute > 59:
            problem = f"in {token!r}, minute {minute} is not between 0 and 59"
        if problem:
            raise ScheduleError(f"bad schedule {text!r}: {problem}; {TIMES_HINT}",
                                spec=text)
        minutes.add(hour * 60 + minute)
    return ScheduleRule(text, timezone, "times", tuple(sorted(minutes)))


def _parse_cron(text: str, timezone: str) -> ScheduleRule:
    fields = text.split()
    if len(fields) != 5:
        raise ScheduleError(f"bad cron line {text!r}: it has {len(fields)} fields, "
                            f"{CRON_HINT}; times of day are written as H:MM, e.g. 9:00",
                            spec=text)
    for index, value in enumerate(fields):
        name, expected = CRON_FIELDS[index], CRON_RANGES[index]
        probe = ["*"] * 5
        probe[index] = value
        valid = _CRON_SYNTAX[index].fullmatch(value.lower()) is not None
        if valid:
            try:
                croniter.expand(" ".join(probe))
            except CroniterError:
                valid = False
        if not valid:
            raise ScheduleError(f"bad cron line {text!r}: the {name} field {value!r} is not "
                                f"valid; expected {expected}, combined with * , - /",
                                spec=text, field=name)
    try:
        expanded, _nth = croniter.expand(text)
    except CroniterError as exc:  # each field was fine alone: should not happen
        raise ScheduleError(f"bad cron line {text!r}: {exc}; {CRON_HINT}", spec=text) from exc
    minute, hour, day, month, weekday = (_values(v) for v in expanded)
    slots = tuple(h * 60 + m for h in (hour or range(24)) for m in (minute or range(60)))
    rule = ScheduleRule(text, timezone, "cron", tuple(sorted(slots)),
                        interval=fields[1].startswith("*"), months=month, days=day,
                        weekdays=None if weekday is None else frozenset(d % 7 for d in weekday))
    if rule.days is not None and rule.weekdays is None and not any(
            d <= _LONGEST_MONTH[m] for m in (rule.months or range(1, 13)) for d in rule.days):
        raise ScheduleError(f"bad cron line {text!r}: it never runs, none of the months in "
                            "the month field has the days in the day field", spec=text,
                            field="day")
    return rule


def _values(expanded: list[object]) -> frozenset[int] | None:
    if expanded == ["*"]:
        return None
    return frozenset(int(v) for v in expanded)  # type: ignore[call-overload]


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        hint = did_you_mean(name, _zone_names())
        raise ScheduleError(f"unknown timezone {name!r}{hint}; timezones are names of the tz "
                            "database such as 'Europe/Berlin' or 'America/New_York'",
                            timezone=name) from None


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _utc(instant: datetime, what: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {instant!r}")
    return instant.astimezone(UTC)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall time of an aware instant (fold cleared: a plain wall time)."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _gap_end(wall: datetime, zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The instant a daylight-saving gap around ``wall`` ends.

    ``before`` and ``after`` (UTC) are the two readings of ``wall`` with the offsets on
    either side of the change: the first lies before the change, the second after it.
    """
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) > wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)
