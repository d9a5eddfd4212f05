"""The logbook command: runs, and the messages of one run."""

from __future__ import annotations

import datetime

import click

from server.cli.common import load_instance, open_store, table


@click.command("log")
@click.argument("action_id", required=False)
@click.option("--run", "run_id", type=int, help="Show one run with its messages.")
@click.option("--limit", default=20, show_default=True, help="How many runs or messages.")
@click.option("--errors", is_flag=True, help="With --run: only warnings and errors.")
@click.pass_context
def log_command(ctx: click.Context, action_id: str | None, run_id: int | None, limit: int,
                errors: bool) -> None:
    """Show the logbook: the latest runs, or one run and its per-record messages."""
    instance = load_instance(ctx)
    store = open_store(instance)
    try:
        if run_id is not None:
            _show_run(store, run_id, limit, errors)
        else:
            _show_runs(store, action_id, limit)
    finally:
        store.close()


def _show_runs(store, action_id: str | None, limit: int) -> None:
    runs = store.runs(action_id, limit=limit)
    if not runs:
        click.echo("no runs yet" + (f" of {action_id}" if action_id else ""))
        return
    rows = [[r.id, f"{r.action_id}/{r.task_id}", r.state + (" (dry)" if r.dry_run else ""),
             r.trigger + (f" #{r.attempt}" if r.attempt and r.attempt > 1 else ""),
             _local(r.slot_at or r.started_at), _seconds(r.duration), r.read, r.written,
             r.skipped, r.failed] for r in runs]
    click.echo(table(["RUN", "ACTION/TASK", "STATE", "TRIGGER", "START", "TIME", "READ",
                      "WRITTEN", "SKIPPED", "FAILED"], rows))


def _show_run(store, run_id: int, limit: int, errors: bool) -> None:
    run = store.run(run_id)
    click.echo(f"run {run.id}: {run.action_id}/{run.task_id} {run.state}"
               + (" (dry run)" if run.dry_run else ""))
    click.echo(f"  trigger {run.trigger}, started {_local(run.started_at)}, took "
               f"{_seconds(run.duration)}")
    click.echo(f"  read {run.read}, written {run.written}, skipped {run.skipped}, "
               f"failed {run.failed}")
    if run.slot_at is not None:
        attempt = f", attempt {run.attempt}" if run.attempt else ""
        click.echo(f"  scheduled start {_local(run.slot_at)}{attempt}")
    if run.selection:
        click.echo(f"  selection: {run.selection}")
    if run.error:
        click.echo(f"  error: {run.error}")
    for artefact in store.artefacts(run_id):
        click.echo(f"  wrote {artefact.path} ({artefact.rows} records)")
    severity = ("warning", "error") if errors else None
    messages = store.messages(run_id, severity=severity, limit=limit)
    if messages:
        click.echo(table(["#", "SEVERITY", "RECORD", "FIELD", "MESSAGE"],
                         [[m.seq, m.severity, m.record_key, m.field, m.text] for m in messages],
                         width=200))
        if len(messages) == limit:
            click.echo(f"(first {limit} messages; --limit N shows more)")


def _local(moment: datetime.datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f} s"


COMMANDS = [log_command]
