"""Schedule rules: notations, messages, daylight-saving changes, the preview command."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from server.cli import main
from server.errors import SyncCenterError
from server.runner.schedule import ScheduleError, ScheduleRule, parse_schedule

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
ZONES = [BERLIN, NEW_YORK, "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "UTC"]
PROPERTIES = settings(max_examples=50, deadline=None, database=None)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def utcs(*texts: str) -> list[datetime]:
    return [utc(t) for t in texts]


def local(instants: list[datetime], zone: str) -> list[str]:
    return [u.astimezone(ZoneInfo(zone)).isoformat() for u in instants]


# ----- notations -----------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["9:00; 11:00; 15:00", "9.00,11.00,15.00", "09:00;11:00;15:00",
                                  " 15:00 ,9:00;  11:00 ; ", "11:00; 9:00; 15:00; 09.00"])
def test_times_notations_give_the_same_rule(spec: str) -> None:
    rule = parse_schedule(spec, BERLIN)
    assert rule.minutes == (540, 660, 900)
    assert not rule.interval
    assert rule.describe() == "daily at 09:00, 11:00, 15:00 (Europe/Berlin)"


def test_cron_rule_is_described_with_its_line() -> None:
    rule = parse_schedule("  */30   6-22 * * * ", BERLIN)
    assert rule.describe() == str(rule) == "cron */30 6-22 * * * (Europe/Berlin)"
    assert rule.minutes[:3] == (360, 390, 420) and rule.minutes[-1] == 22 * 60 + 30


def test_cron_day_rules() -> None:
    saturday = utc("2026-05-02T12:00:00")
    weekdays = parse_schedule("0 9 * * mon-FRI", BERLIN)
    assert weekdays.instants(saturday, 2) == utcs("2026-05-04T07:00:00", "2026-05-05T07:00:00")
    assert parse_schedule("0 9 * * 7", BERLIN).next_after(saturday) == utc("2026-05-03T07:00:00")
    # Day of month and weekday both set: either one, as in classic cron (Fridays and the 13th).
    assert parse_schedule("0 0 13 * 5", "UTC").instants(utc("2026-04-01T00:00:00"), 4) == utcs(
        "2026-04-03T00:00:00", "2026-04-10T00:00:00", "2026-04-13T00:00:00",
        "2026-04-17T00:00:00")
    leap_day = parse_schedule("0 12 29 2 *", "UTC")
    assert leap_day.next_after(utc("2026-01-01T00:00:00")) == utc("2028-02-29T12:00:00")


# ----- bad schedules -------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "expected"), [
    ("25:00", "hour 25 is not between 0 and 23"),
    ("9:00; 24:00", "hour 24 is not between 0 and 23"),
    ("9:61", "minute 61 is not between 0 and 59"),
    ("9", "'9' has no minutes"),
    ("9:00, 11", "'11' has no minutes"),
    ("9:5", "two digits"),
    ("noon", "'noon' is not a time of day"),
    ("9:00 11:00", "separate them with ';' or ','"),
    ("", "the schedule is empty"),
    ("  ; , ", "the schedule is empty"),
    ("* * * *", "it has 4 fields, a cron line has 5 fields"),
    ("0 0 * * * *", "it has 6 fields"),
    ("61 * * * *", "the minute field '61' is not valid; expected 0-59"),
    ("0 24 * * *", "the hour field '24' is not valid; expected 0-23"),
    ("0 0 32 * *", "the day field '32' is not valid; expected 1-31"),
    ("0 0 * 13 *", "the month field '13' is not valid; expected 1-12 or JAN-DEC"),
    ("0 0 * * 8", "the weekday field '8' is not valid; expected 0-7"),
    ("0 0 * * fri#2", "the weekday field 'fri#2' is not valid"),
    ("0 0 L * *", "the day field 'L' is not valid"),
    ("H * * * *", "the minute field 'H' is not valid"),
    ("*/0 * * * *", "the minute field '*/0' is not valid"),
    ("0 0 30 2 *", "never runs"),
])
def test_bad_schedules_say_what_is_wrong(spec: str, expected: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(spec, BERLIN)
    assert expected in str(caught.value)
    assert isinstance(caught.value, SyncCenterError)
    if "field" in caught.value.context:
        assert f"the {caught.value.context['field']} field" in str(caught.value)


@pytest.mark.parametrize(("zone", "expected"), [
    ("Europe/Berln", "unknown timezone 'Europe/Berln' (did you mean 'Europe/Berlin'?)"),
    ("europe/berlin", "(did you mean 'Europe/Berlin'?)"),
    ("Mars/Olympus", "unknown timezone 'Mars/Olympus'; timezones are names of the tz"),
    ("", "unknown timezone ''"),
    ("../etc/passwd", "unknown timezone '../etc/passwd'"),
])
def test_unknown_timezone_is_named_with_a_suggestion(zone: str, expected: str) -> None:
    with pytest.raises(ScheduleError, match="unknown timezone") as caught:
        parse_schedule("9:00", zone)
    assert expected in str(caught.value)


# ----- daylight saving, Europe/Berlin ---------------------------------------------------
# 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00Z.
# 2026-10-25: 03:00 CEST falls back to 02:00 CET at 01:00Z; 02:00-02:59 happens twice.


@pytest.mark.parametrize("spec", ["2:30", "30 2 * * *"])
def test_fixed_time_in_the_spring_gap_runs_once_when_the_gap_ends(spec: str) -> None:
    rule = parse_schedule(spec, BERLIN)
    starts = rule.instants(utc("2026-03-28T00:00:00"), 3)
    assert starts == utcs("2026-03-28T01:30:00", "2026-03-29T01:00:00", "2026-03-30T00:30:00")
    assert local(starts, BERLIN)[1] == "2026-03-29T03:00:00+02:00"


@pytest.mark.parametrize("spec", ["2:30", "30 2 * * *"])
def test_fixed_time_in_the_autumn_repeat_runs_on_the_first_occurrence(spec: str) -> None:
    rule = parse_schedule(spec, BERLIN)
    starts = rule.instants(utc("2026-10-24T12:00:00"), 2)
    assert starts == utcs("2026-10-25T00:30:00", "2026-10-26T01:30:00")
    assert local(starts, BERLIN) == ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]
    # Asked during the repeated hour, after the first 02:30: the second one is not a start.
    assert rule.next_after(utc("2026-10-25T00:45:00")) == utc("2026-10-26T01:30:00")
    assert rule.next_after(utc("2026-10-25T01:15:00")) == utc("2026-10-26T01:30:00")


def test_fixed_cron_hour_with_several_minutes_collapses_in_the_gap() -> None:
    rule = parse_schedule("*/30 2 * * *", BERLIN)
    assert not rule.interval
    assert rule.between(utc("2026-03-28T12:00:00"), utc("2026-03-29T12:00:00")) == \
        utcs("2026-03-29T01:00:00")
    assert rule.between(utc("2026-10-24T12:00:00"), utc("2026-10-25T12:00:00")) == \
        utcs("2026-10-25T00:00:00", "2026-10-25T00:30:00")


def test_interval_runs_in_both_halves_of_the_autumn_hour() -> None:
    rule = parse_schedule("*/30 * * * *", BERLIN)
    assert rule.interval
    starts = rule.between(utc("2026-10-24T23:00:00"), utc("2026-10-25T02:00:00"))
    assert local(starts, BERLIN) == [
        "2026-10-25T01:30:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00"]
    assert starts == [utc("2026-10-24T23:30:00") + timedelta(minutes=30 * i) for i in range(6)]
    # Asked in the middle of the repeated hour.
    assert rule.next_after(utc("2026-10-25T00:45:00")) == utc("2026-10-25T01:00:00")
    assert rule.next_after(utc("2026-10-25T01:00:00")) == utc("2026-10-25T01:30:00")


def test_hourly_interval_in_autumn_and_spring() -> None:
    rule = parse_schedule("0 * * * *", BERLIN)
    assert rule.between(utc("2026-10-24T22:30:00"), utc("2026-10-25T02:00:00")) == utcs(
        "2026-10-24T23:00:00", "2026-10-25T00:00:00", "2026-10-25T01:00:00",
        "2026-10-25T02:00:00")
    spring = rule.between(utc("2026-03-28T22:30:00"), utc("2026-03-29T02:00:00"))
    assert local(spring, BERLIN) == [
        "2026-03-29T00:00:00+01:00", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00",
        "2026-03-29T04:00:00+02:00"]


def test_interval_has_no_slots_in_the_spring_gap_but_its_end() -> None:
    rule = parse_schedule("*/30 * * * *", BERLIN)
    starts = rule.between(utc("2026-03-28T23:45:00"), utc("2026-03-29T01:30:00"))
    assert local(starts, BERLIN) == [
        "2026-03-29T01:00:00+01:00", "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:30:00+02:00"]
    # A slot that is not on the hour is moved to the end of the gap, once.
    quarter = parse_schedule("15 * * * *", BERLIN)
    starts = quarter.between(utc("2026-03-29T00:00:00"), utc("2026-03-29T02:15:00"))
    assert local(starts, BERLIN) == [
        "2026-03-29T01:15:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:15:00+02:00",
        "2026-03-29T04:15:00+02:00"]


def test_instants_come_back_in_utc_whatever_the_zone_of_the_question() -> None:
    rule = parse_schedule("9:00", BERLIN)
    asked = datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo"))  # 03:00Z
    start = rule.next_after(asked)
    assert start == utc("2026-06-01T07:00:00") and start.tzinfo is UTC
    with pytest.raises(ValueError, match="aware"):
        rule.next_after(datetime(2026, 1, 1))  # a naive datetime is a programming error


# ----- daylight saving, America/New_York --------------------------------------------------
# 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00Z.
# 2026-11-01: 02:00 EDT falls back to 01:00 EST at 06:00Z; 01:00-01:59 happens twice.


def test_new_york_gap_and_repeat_for_fixed_times() -> None:
    rule = parse_schedule("2:30", NEW_YORK)
    assert rule.instants(utc("2026-03-07T12:00:00"), 2) == \
        utcs("2026-03-08T07:00:00", "2026-03-09T06:30:00")
    repeat = parse_schedule("1:30", NEW_YORK)
    starts = repeat.instants(utc("2026-10-31T12:00:00"), 2)
    assert starts == utcs("2026-11-01T05:30:00", "2026-11-02T06:30:00")
    assert local(starts, NEW_YORK)[0] == "2026-11-01T01:30:00-04:00"


def test_new_york_interval_in_the_repeat_and_the_gap() -> None:
    rule = parse_schedule("30 * * * *", NEW_YORK)
    autumn = rule.between(utc("2026-11-01T04:00:00"), utc("2026-11-01T07:30:00"))
    assert local(autumn, NEW_YORK) == [
        "2026-11-01T00:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00",
        "2026-11-01T02:30:00-05:00"]
    spring = rule.between(utc("2026-03-08T05:00:00"), utc("2026-03-08T08:30:00"))
    assert local(spring, NEW_YORK) == [
        "2026-03-08T00:30:00-05:00", "2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00",
        "2026-03-08T03:30:00-04:00", "2026-03-08T04:30:00-04:00"]


# ----- downtime ----------------------------------------------------------------------------


def test_between_lists_the_slots_missed_during_a_downtime() -> None:
    rule = parse_schedule("9:00; 11:00; 15:00", BERLIN)
    last_seen = utc("2026-03-27T08:30:00")  # 09:30 CET, after the 09:00 run
    back = utc("2026-03-29T07:00:00")  # 09:00 CEST: that slot counts as missed too
    assert local(rule.between(last_seen, back), BERLIN) == [
        "2026-03-27T11:00:00+01:00", "2026-03-27T15:00:00+01:00", "2026-03-28T09:00:00+01:00",
        "2026-03-28T11:00:00+01:00", "2026-03-28T15:00:00+01:00", "2026-03-29T09:00:00+02:00"]
    assert rule.between(back, back) == []
    assert rule.between(back, last_seen) == []
    # (after, until]: a slot at `after` is not listed, a slot at `until` is.
    assert rule.between(utc("2026-03-27T08:00:00"), utc("2026-03-27T10:00:00")) == \
        utcs("2026-03-27T10:00:00")


# ----- properties ----------------------------------------------------------------------------


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _daily_start(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Where a fixed time of a day should start: its first occurrence, or the gap's end."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    first = wall.replace(tzinfo=zone).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first
    instant = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # before the jump
    while _wall(instant, zone) < wall:
        instant += timedelta(minutes=1)
    return instant


def _assert_next_after_agrees(rule: ScheduleRule, starts: list[datetime], step: int) -> None:
    for before, after in list(zip(starts, starts[1:], strict=False))[::step]:
        assert rule.next_after(before) == after
        assert rule.next_after(after - timedelta(seconds=1)) == after


_times = st.lists(st.tuples(st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 45, 59])),
                  min_size=1, max_size=4)
_instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31),
                         timezones=st.just(UTC))


@PROPERTIES
@given(zone_name=st.sampled_from(ZONES), times=_times, start=_instants)
def test_every_fixed_time_starts_once_a_day_for_a_year(
        zone_name: str, times: list[tuple[int, int]], start: datetime) -> None:
    spec = "; ".join(f"{h}:{m:02d}" for h, m in times)
    rule = parse_schedule(spec, zone_name)
    zone = rule.zone
    end = start + timedelta(days=366)
    starts = rule.between(start, end)
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False))
    assert all(start < s <= end for s in starts) and all(s.tzinfo is UTC for s in starts)
    first_day = _wall(start, zone).date() - timedelta(days=1)
    expected = set()
    for offset in range(369):
        for h, m in times:
            instant = _daily_start(first_day + timedelta(days=offset), h * 60 + m, zone)
            if start < instant <= end:
                expected.add(instant)
    assert starts == sorted(expected)
    _assert_next_after_agrees(rule, starts, 37)


@lru_cache
def _changes(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The instants (to the hour) at which a zone's offset changes in a year."""
    zone, found = ZoneInfo(zone_name), []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    offset = instant.astimezone(zone).utcoffset()
    while instant.year == year:
        instant += timedelta(hours=1)
        if instant.astimezone(zone).utcoffset() != offset:
            offset = instant.astimezone(zone).utcoffset()
            found.append(instant)
    return tuple(found)


def _cron_starts(rule: ScheduleRule, minutes: set[int], hours: set[int], start: datetime,
                 end: datetime) -> list[datetime]:
    """The starts of a cron rule (every day) found by walking minute by minute."""
    zone, found = rule.zone, set()
    instant = start.replace(second=0, microsecond=0)
    previous = _wall(instant, zone)
    while instant < end:
        instant += timedelta(minutes=1)
        wall = _wall(instant, zone)
        matches = wall.hour in hours and wall.minute in minutes
        first = wall.replace(tzinfo=zone).astimezone(UTC)
        if matches and (rule.interval or first == instant):
            found.add(instant)  # a wall time that exists: every occurrence, or the first
        skipped = previous + timedelta(minutes=1)
        while skipped < wall and not matches:  # a jump forward: skipped slots start now
            if skipped.hour in hours and skipped.minute in minutes:
                found.add(instant)
                break
            skipped += timedelta(minutes=1)
        previous = wall
    return sorted(u for u in found if start < u <= end)


_minute_fields = st.sampled_from(["*/5", "*/15", "*/30", "0", "7,37", "0-10/5", "45"])
_hour_fields = st.sampled_from(["*", "*/2", "*/3", "1,2,3", "2", "0-23", "1-4", "22"])


@PROPERTIES
@given(zone_name=st.sampled_from(ZONES), minute_field=_minute_fields, hour_field=_hour_fields,
       year=st.integers(2000, 2035), change=st.integers(0, 3), shift=st.integers(-1440, 1440))
def test_cron_starts_around_a_daylight_saving_change(
        zone_name: str, minute_field: str, hour_field: str, year: int, change: int,
        shift: int) -> None:
    rule = parse_schedule(f"{minute_field} {hour_field} * * *", zone_name)
    assert rule.interval == hour_field.startswith("*")
    changes = _changes(zone_name, year) or (datetime(year, 6, 1, tzinfo=UTC),)
    start = changes[change % len(changes)] + timedelta(minutes=shift, seconds=17)
    end = start + timedelta(hours=30)
    starts = rule.between(start, end)
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False))
    minutes = {m for m in range(60) if _in_field(m, minute_field)}
    hours = {h for h in range(24) if _in_field(h, hour_field)}
    assert starts == _cron_starts(rule, minutes, hours, start, end)
    _assert_next_after_agrees(rule, starts, 1)


def _in_field(value: int, text: str) -> bool:
    """Whether a value is in a cron field of the shapes the property test uses."""
    for item in text.split(","):
        span, _, step = item.partition("/")
        low, high = (0, 59) if span == "*" else map(int, (span.split("-") * 2)[:2])
        if low <= value <= high and (value - low) % int(step or 1) == 0:
            return True
    return False


# ----- the preview command ----------------------------------------------------------------


def preview(home: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["--instance", str(home), "schedule", "preview", *args])
    return result.exit_code, result.output.splitlines()


def test_preview_prints_starts_with_the_offset_of_the_zone(tmp_path: Path) -> None:
    code, lines = preview(tmp_path / "none", "2:30", "--timezone", BERLIN,
                          "--from", "2026-03-28T12:00", "--count", "3")
    assert code == 0, lines
    assert lines == ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00",
                     "2026-03-31T02:30:00+02:00"]


def test_preview_of_an_interval_over_the_autumn_change(tmp_path: Path) -> None:
    code, lines = preview(tmp_path / "none", "*/30 * * * *", "--from", "2026-10-25T01:45")
    assert code == 0, lines
    assert lines == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
                     "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00",
                     "2026-10-25T03:00:00+01:00"]


def test_preview_takes_an_offset_or_a_date_in_from(tmp_path: Path) -> None:
    code, lines = preview(tmp_path / "none", "9:00, 15:00", "--from", "2026-03-29T07:00+00:00",
                          "--count", "2", "--timezone", NEW_YORK)
    assert (code, lines) == (0, ["2026-03-29T09:00:00-04:00", "2026-03-29T15:00:00-04:00"])
    code, lines = preview(tmp_path / "none", "0:00", "--from", "2026-03-29", "--count", "1")
    assert (code, lines) == (0, ["2026-03-30T00:00:00+02:00"])


def test_preview_uses_the_timezone_of_the_instance(tmp_path: Path) -> None:
    home = tmp_path / "instance"
    home.mkdir()
    (home / "synccenter.toml").write_text('[instance]\ntimezone = "America/New_York"\n')
    code, lines = preview(home, "2:30", "--from", "2026-03-07T12:00", "--count", "2")
    assert (code, lines) == (0, ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"])


@pytest.mark.parametrize(("args", "expected"), [
    (["25:00"], "hour 25 is not between 0 and 23"),
    (["9:61"], "minute 61 is not between 0 and 59"),
    (["9:00", "--timezone", "Europe/Berln"], "(did you mean 'Europe/Berlin'?)"),
    (["*/30 * * *"], "it has 4 fields"),
    (["0 0 32 * *"], "the day field '32' is not valid"),
    (["9:00", "--from", "tomorrow"], "--from 'tomorrow' is not an ISO date or datetime"),
])
def test_preview_reports_bad_input_in_one_line(tmp_path: Path, args: list[str],
                                               expected: str) -> None:
    code, lines = preview(tmp_path / "none", *args)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]


def test_preview_count_is_limited(tmp_path: Path) -> None:
    code, lines = preview(tmp_path / "none", "9:00", "--count", "1001")
    assert code == 2
    code, lines = preview(tmp_path / "none", "* * * * *", "--count", "1000",
                          "--from", "2026-01-01T00:00")
    assert code == 0 and len(lines) == 1000 and lines[-1] == "2026-01-01T16:40:00+01:00"
