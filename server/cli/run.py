"""Commands that run actions: run and demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from server.actions.loader import load_action
from server.actions.repository import ActionRepository
from server.bootstrap import DEMO_ARTICLES, ensure_demo
from server.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_RECORDS_FAILED
from server.cli.common import ProgressBar, load_instance, open_store
from server.config import Instance

if TYPE_CHECKING:
    from server.engine.pipeline import RunResult

DEMO_ACTION = "amazon-stock-prices"


@click.command("run")
@click.argument("action")
@click.option("--task", "task_id", help="The task to run [default: the first].")
@click.option("--select", "select", type=click.Path(exists=True, dir_okay=False),
              help="CSV file: run only for the keys in its first column.")
@click.option("--dry-run", is_flag=True, help="Do everything but write the target.")
@click.pass_context
def run_command(ctx: click.Context, action: str, task_id: str | None, select: str | None,
                dry_run: bool) -> None:
    """Run a task of ACTION (an action id, or the path of an action file)."""
    instance = load_instance(ctx)
    result = _run(instance, action, task_id, select, dry_run, trigger="cli")
    _exit(result)


@click.command("demo")
@click.option("--articles", default=DEMO_ARTICLES, show_default=True,
              help="Articles in the demo ERP (only when it is created).")
@click.pass_context
def demo_command(ctx: click.Context, articles: int) -> None:
    """Create the demo instance and ERP, then export stock and prices for Amazon."""
    instance, erp, fresh = ensure_demo(ctx.obj["instance"], articles)
    click.echo(f"instance:  {instance.home}")
    click.echo(f"demo ERP:  {erp}" + (" (generated)" if fresh else " (kept)"))
    result = _run(instance, DEMO_ACTION, None, None, False, trigger="cli")
    for artefact in result.artefacts:
        click.echo(f"written:   {artefact.path}")
    click.echo(f"Next: synccenter --instance {instance.home} log {DEMO_ACTION}")
    _exit(result)


def _run(instance: Instance, action_ref: str, task_id: str | None, select: str | None,
         dry_run: bool, trigger: str) -> RunResult:
    from server.engine import load_plugins
    from server.engine.pipeline import run_task
    from server.engine.selection import read_keys

    load_plugins()
    if action_ref.endswith(".xml") and Path(action_ref).is_file():
        action = load_action(action_ref)
    else:
        action = ActionRepository(instance.actions_dir).load(action_ref)
    task = action.task(task_id)
    keys = read_keys(select) if select else None
    store = open_store(instance)
    claims = heartbeat = claim = checkpoint = None
    if not dry_run:  # one run at a time per action; a dry run writes nothing, so it may
        from server.runner.control import Heartbeat
        from server.store.claims import ActionBusy, Claims

        claims = Claims(store)
        claims.reap()
        try:
            claim = claims.start(action.id, task.id, trigger,
                                 selection=keys.describe() if keys else None)
        except ActionBusy:
            store.close()
            raise
        heartbeat = Heartbeat(claims)
        checkpoint = heartbeat.hold(claim)
    bar = ProgressBar(f"{action.id}/{task.id}")
    try:
        result = run_task(instance, store, action, task.id, trigger=trigger, select=keys,
                          dry_run=dry_run, progress=bar, claim=claim, checkpoint=checkpoint)
    except KeyboardInterrupt:
        bar.close()
        click.echo("interrupted: the run is recorded as interrupted, nothing was written",
                   err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        if heartbeat is not None:
            heartbeat.close()
        store.close()
    bar.close()
    if result.error:
        click.echo(f"error: {result.error}", err=True)
    click.echo(f"run {result.run_id} {action.id}/{task.id} {result.summary()}")
    return result


def _exit(result: RunResult) -> None:
    if result.state != "succeeded":
        raise SystemExit(EXIT_FAILED)
    if result.failed:
        click.echo(f"{result.failed} records failed; see synccenter log --run {result.run_id}",
                   err=True)
        raise SystemExit(EXIT_RECORDS_FAILED)


COMMANDS = [run_command, demo_command]
