"""The ``synccenter`` command line.

Every command takes ``--instance DIR`` (default ``$SYNCCENTER_HOME`` or ``./instance``).
Exit codes: 0 success; 1 failure (invalid file, failed run, bad arguments); 2 usage
error; 3 a run that completed but some records failed; 130 interrupted.
"""

from __future__ import annotations

import logging
import sys

import click

from server import __version__
from server.errors import SyncCenterError

EXIT_FAILED = 1
EXIT_RECORDS_FAILED = 3
EXIT_INTERRUPTED = 130


class Group(click.Group):
    """Turns Sync-Center errors into one clear line and exit code 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SyncCenterError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_FAILED)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--instance", "instance", envvar="SYNCCENTER_HOME", metavar="DIR",
              type=click.Path(file_okay=False), default=None,
              help="Instance folder [default: $SYNCCENTER_HOME or ./instance].")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
@click.version_option(__version__, prog_name="synccenter")
@click.pass_context
def main(ctx: click.Context, instance: str | None, verbose: int) -> None:
    """Sync-Center: keep a merchant's ERP and the marketplaces in step."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = {"instance": instance}


def _register() -> None:
    from server.cli import (
        actions,
        catalogue,
        channel,
        images,
        logbook,
        marketplace,
        quality,
        run,
        runner,
        schedule,
        scripts,
    )

    for module in (actions, catalogue, channel, images, logbook, marketplace, quality, run,
                   runner, schedule, scripts):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
