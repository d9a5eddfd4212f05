"""Commands about action files: init, validate, actions, export, import."""

from __future__ import annotations

import glob
from pathlib import Path

import click

from server.actions.loader import check_file
from server.actions.repository import ActionRepository
from server.bootstrap import init_instance
from server.cli import EXIT_FAILED
from server.cli.common import load_instance, table


@click.command("init")
@click.pass_context
def init_command(ctx: click.Context) -> None:
    """Create an instance folder with a commented configuration and the shipped actions."""
    instance, created = init_instance(ctx.obj["instance"])
    click.echo(f"instance: {instance.home}")
    for path in created:
        click.echo(f"  created {path}")
    click.echo(f"Edit {instance.config_file} to point [connections.erp] at your ERP.")


@click.command("validate")
@click.argument("files", nargs=-1, required=True)
def validate_command(files: tuple[str, ...]) -> None:
    """Check action files against the schema; print every problem as file:line:column."""
    paths: list[str] = []
    for pattern in files:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            click.echo(f"{pattern}: no such file", err=True)
            raise SystemExit(EXIT_FAILED)
        paths += matches

    bad = 0
    for path in paths:
        problems = check_file(path)
        if problems:
            bad += 1
            for problem in problems:
                click.echo(str(problem))
        else:
            click.echo(f"{path}: ok")
    if bad:
        click.echo(f"{bad} of {len(paths)} files have problems", err=True)
        raise SystemExit(EXIT_FAILED)


@click.command("actions")
@click.pass_context
def actions_command(ctx: click.Context) -> None:
    """List the instance's actions: id, title, channel, tasks and start mode."""
    instance = load_instance(ctx)
    rows = []
    broken = 0
    for entry in ActionRepository(instance.actions_dir).entries():
        if entry.action is None:
            broken += 1
            first = str(entry.error).splitlines()[0] if entry.error else ""
            rows.append([entry.id, f"(invalid: {first})", "", "", ""])
            continue
        action = entry.action
        schedule = action.schedule
        start = schedule.mode + (f" ({schedule.times or schedule.cron})"
                                 if schedule.mode == "automatic" else "")
        rows.append([action.id, action.title, action.channel,
                     ", ".join(t.id for t in action.tasks), start])
    if not rows:
        click.echo(f"no actions in {instance.actions_dir}")
        return
    click.echo(table(["ID", "TITLE", "CHANNEL", "TASKS", "START"], rows))
    if broken:
        click.echo(f"{broken} action files are invalid; run synccenter validate "
                   f"{instance.actions_dir}/*.xml", err=True)


@click.command("export")
@click.argument("action_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The file to write.")
@click.pass_context
def export_command(ctx: click.Context, action_id: str, output: str) -> None:
    """Export an action to a file (without secrets), to share or duplicate it."""
    instance = load_instance(ctx)
    path = ActionRepository(instance.actions_dir).export(action_id, output,
                                                         instance.secret_values())
    click.echo(f"exported {action_id} to {path}")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--id", "new_id", help="Give the imported action this id (duplicate it).")
@click.option("--force", is_flag=True, help="Replace an existing action with the same id.")
@click.pass_context
def import_command(ctx: click.Context, file: str, new_id: str | None, force: bool) -> None:
    """Import an action file into the instance, after checking it."""
    instance = load_instance(ctx)
    path = ActionRepository(instance.actions_dir).import_file(Path(file), new_id,
                                                              overwrite=force)
    click.echo(f"imported {file} as {path.stem} ({path})")


COMMANDS = [init_command, validate_command, actions_command, export_command, import_command]
