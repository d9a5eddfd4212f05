"""The schedule commands: preview when a schedule starts, daylight-saving changes included."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click

from server.cli.common import load_instance
from server.errors import ConfigError
from server.runner.schedule import ScheduleError, parse_schedule

DEFAULT_TIMEZONE = "Europe/Berlin"
MAX_COUNT = 1000


@click.group("schedule")
def schedule() -> None:
    """Check and preview schedules (times of day or cron lines)."""


@schedule.command("preview")
@click.argument("spec", nargs=-1, required=True)
@click.option("--timezone", "timezone", metavar="TZ",
              help="Timezone of the schedule [default: the instance's, or Europe/Berlin "
                   "without an instance].")
@click.option("--from", "start", metavar="ISO-DATETIME",
              help="Show the starts after this date or datetime; without an offset it is "
                   "read in the schedule's timezone [default: now].")
@click.option("--count", type=click.IntRange(1, MAX_COUNT), default=5, show_default=True,
              help="How many starts to show.")
@click.pass_context
def preview_command(ctx: click.Context, spec: tuple[str, ...], timezone: str | None,
                    start: str | None, count: int) -> None:
    """Print the next starts of SPEC, one per line, with the offset of its timezone.

    SPEC is a list of times of day ('9:00; 11:00; 15:00') or a cron line ('*/30 6-22 * * *');
    quote it.
    """
    rule = parse_schedule(" ".join(spec), timezone or _default_timezone(ctx))
    after = _parse_from(start, rule.zone) if start else datetime.now(UTC)
    for instant in rule.instants(after, count):
        click.echo(instant.astimezone(rule.zone).isoformat())


def _default_timezone(ctx: click.Context) -> str:
    try:
        return load_instance(ctx).timezone
    except ConfigError:  # no instance (or an unreadable one): previewing still works
        return DEFAULT_TIMEZONE


def _parse_from(text: str, zone: ZoneInfo) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"--from {text!r} is not an ISO date or datetime; expected e.g. "
                            "2026-03-28, 2026-03-28T12:00 or 2026-03-28T12:00+01:00",
                            value=text) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


COMMANDS = [schedule]
