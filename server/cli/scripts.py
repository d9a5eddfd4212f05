"""The script commands: check a script under the sandbox rules, try it on sample records."""

from __future__ import annotations

import json
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import orjson

from server.cli import EXIT_FAILED

BATCH = 1000


@click.group("script")
def script_group() -> None:
    """Check and try sandboxed scripts."""


@script_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check_command(files: tuple[str, ...]) -> None:
    """Compile scripts under the sandbox rules; print every violation as file:line:column."""
    from server.sandbox.scripts import check_script

    bad = 0
    for file in files:
        try:
            source = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"{file}:1:1: cannot read the script: {exc}")
            bad += 1
            continue
        problems = check_script(source, file)
        for problem in problems:
            click.echo(str(problem))
        if problems:
            bad += 1
        else:
            click.echo(f"{file}: ok")
    if bad:
        raise SystemExit(EXIT_FAILED)


@script_group.command("test")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--rows", "rows_file", type=click.Path(exists=True, dir_okay=False),
              help="Sample records, one JSON object per line.")
@click.option("--hook", type=click.Choice(["before_run", "transform", "after_run"]),
              help="Run only this hook [default: every hook the script has].")
@click.option("--settings", "settings_file", type=click.Path(exists=True, dir_okay=False),
              help="Settings for ctx.settings, as a JSON object or a TOML table.")
@click.option("--formula", metavar="EXPR",
              help="Instead of the hooks, evaluate this formula over each record with the "
                   "script's functions, as a 'functions' script offers them; prints "
                   '{"value": ...} per record.')
def test_command(file: str, rows_file: str | None, hook: str | None,
                 settings_file: str | None, formula: str | None) -> None:
    """Run a script on sample records: records to stdout as JSON lines, its log to stderr."""
    from server.sandbox.scripts import ScriptHost

    source = Path(file).read_text(encoding="utf-8")
    settings = _settings(settings_file)
    records = _records(rows_file) if rows_file else []
    if formula is not None:
        _test_formula(file, source, settings, records, formula)
        return
    summary = {"read": len(records), "written": 0, "skipped": 0, "failed": 0}
    with ScriptHost([(Path(file).name, source)], settings) as host:  # starts the worker
        hooks = host.hooks() if hook is None else {hook} & host.hooks()
        if hook and hook not in host.hooks():
            click.echo(f"{file}: the script has no {hook} hook", err=True)
            raise SystemExit(EXIT_FAILED)
        if "before_run" in hooks:
            _print_logs(host.before_run())
        if "transform" in hooks:
            for start in range(0, len(records), BATCH):
                for result in host.transform(records[start:start + BATCH]):
                    _print_logs(result.logs)
                    if result.error is not None:
                        summary["failed"] += 1
                        click.echo(f"error: {result.error}", err=True)
                    elif result.record is None:
                        summary["skipped"] += 1
                    else:
                        summary["written"] += 1
                        sys.stdout.buffer.write(orjson.dumps(result.record, default=_json)
                                                + b"\n")
        if "after_run" in hooks:
            _print_logs(host.after_run(summary))
    sys.stdout.flush()
    click.echo(f"{summary['read']} records in, {summary['written']} out, {summary['skipped']} "
               f"skipped, {summary['failed']} failed", err=True)
    if summary["failed"]:
        raise SystemExit(EXIT_FAILED)


def _test_formula(file: str, source: str, settings: dict[str, str],
                  records: list[dict[str, Any]], formula: str) -> None:
    """Evaluate ``formula`` over ``records`` in a worker that offers the script's functions."""
    from server.actions.model import Field
    from server.engine.mapping import FieldList, Mapping
    from server.sandbox.scripts import ScriptHost

    name = Path(file).name
    columns = list(dict.fromkeys(key for record in records for key in record))
    failed = 0
    with ScriptHost([(name, source)], settings, helpers=(name,)) as host:
        _print_logs(host.start_logs)
        task = FieldList("test", "value", (Field("value", "formula", formula),))
        mapping = Mapping(task, columns, helpers=host.functions() or ("",))
        if not mapping.remote:
            raise click.ClickException(f"the formula calls none of the functions of {file}: "
                                       f"{', '.join(host.functions()) or 'it has none'}")
        host.set_mapping(mapping.spec())
        for start in range(0, len(records), BATCH):
            part = records[start:start + BATCH]
            mapped = host.map([tuple(r.get(c) for c in columns) for r in part])
            _print_logs([line for _index, line in mapped.logs])
            for index, entry in enumerate(mapped.rows):
                if type(entry) is tuple:
                    sys.stdout.buffer.write(orjson.dumps({"value": entry[0]}, default=_json)
                                            + b"\n")
                else:
                    failed += 1
                    for _field, message in mapped.failures[index][1]:
                        click.echo(f"error: record {start + index + 1}: {message}", err=True)
    sys.stdout.flush()
    click.echo(f"{len(records)} records in, {len(records) - failed} values, {failed} failed",
               err=True)
    if failed:
        raise SystemExit(EXIT_FAILED)


def _records(path: str) -> list[dict[str, Any]]:
    records = []
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"{path}:{number}:{exc.colno}: not JSON: "
                                           f"{exc.msg}") from None
            if not isinstance(record, dict):
                raise click.ClickException(f"{path}:{number}:1: expected a JSON object per "
                                           f"line, found {type(record).__name__}")
            records.append(record)
    return records


def _settings(path: str | None) -> dict[str, str]:
    if path is None:
        return {}
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if path.endswith(".toml") else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read the settings: {exc}") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{path}: the settings must be an object of names to values")
    return {str(k): str(v) for k, v in data.items()}


def _print_logs(lines: list[Any]) -> None:
    for line in lines:
        where = f"{line.file}:{line.line}" if line.line else line.file
        key = f" [{line.record_key}]" if line.record_key else ""
        click.echo(f"{line.severity}: {where}{key}: {line.text}", err=True)


def _json(value: Any) -> Any:
    from server.engine.values import json_default

    return json_default(value)


COMMANDS = [script_group]
