"""synccenter quality: the data quality of each article of a product data action."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from server.cli import EXIT_FAILED
from server.cli.common import load_instance, open_store, table

SHOWN = 50


@click.command("quality")
@click.argument("action_id", metavar="ACTION")
@click.option("--task", "task_id", help="The task whose fields are checked [default: the "
                                        "first task with an amazon-listings target].")
@click.option("--select", type=click.Path(exists=True, dir_okay=False),
              help="CSV file: only the articles whose keys are in its first column.")
@click.pass_context
def quality_command(ctx: click.Context, action_id: str, task_id: str | None,
                    select: str | None) -> None:
    """Dq1 (required attributes) and Dq2 (optional ones) of each article, with reasons;
    printed, and written as XLSX to the outbox."""
    from openpyxl import load_workbook

    from server.actions.model import Target
    from server.actions.repository import ActionRepository
    from server.engine import load_plugins
    from server.engine.pipeline import run_task

    load_plugins()
    instance = load_instance(ctx)
    action = ActionRepository(instance.actions_dir).load(action_id)
    candidates = [t for t in action.tasks if t.target.kind == "amazon-listings"]
    if task_id is not None:
        task = action.task(task_id)
    elif candidates:
        task = candidates[0]
    else:
        raise click.ClickException(f"action {action_id!r} has no task with an amazon-listings "
                                   "target; give --task")
    options = {**task.target.options, "mode": "quality",
               "file": "{outbox}/{channel}/quality-{timestamp}-run{run}.json"}
    checked = dataclasses.replace(task, target=Target("amazon-listings", options,
                                                      task.target.line))
    action = dataclasses.replace(action, tasks=tuple(
        checked if t.id == task.id else t for t in action.tasks))
    store = open_store(instance)
    try:
        result = run_task(instance, store, action, task.id, trigger="cli", select=select)
    finally:
        store.close()
    if result.state != "succeeded" or not result.artefacts:
        click.echo(f"error: {result.error or 'no article was checked'}", err=True)
        raise SystemExit(EXIT_FAILED)
    workbook = Path(result.artefacts[0].path)
    book = load_workbook(workbook, read_only=True)
    rows = list(book["Quality"].iter_rows(min_row=2, values_only=True))
    book.close()
    complete = sum(1 for r in rows if r[2] == 1)
    shown = [[r[0], r[1], _percent(r[2]), _percent(r[3]), r[4] or ""] for r in rows[:SHOWN]]
    click.echo(table(["SKU", "TYPE", "DQ1", "DQ2", "PROBLEMS"], shown, width=90))
    if len(rows) > SHOWN:
        click.echo(f"... {len(rows) - SHOWN} more in the workbook")
    click.echo(f"{complete} of {len(rows)} articles have every required attribute (Dq1 100 %) "
               f"and can be uploaded; table: {workbook}")


def _percent(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else ""


COMMANDS = [quality_command]
