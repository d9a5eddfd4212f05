"""The commands that run the scheduler: runner (alone) and serve (the server)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

import click

from server.cli.common import load_instance, open_store
from server.config import Instance


def runner_config(instance: Instance) -> Any:
    """The ``[runner]`` table of ``synccenter.toml`` as a ``RunnerConfig``."""
    from server.errors import ConfigError
    from server.runner.runner import RunnerConfig

    table = instance.settings.get("runner", {})
    names = {"tick-seconds": float, "lease-seconds": float, "shutdown-seconds": float,
             "max-parallel": int}
    values: dict[str, Any] = {}
    for name, value in table.items():
        if name not in names:
            raise ConfigError(f"{instance.config_file}: [runner] has no setting {name!r}; "
                              f"settings: {', '.join(names)}", file=str(instance.config_file))
        try:
            number = names[name](value)
        except (TypeError, ValueError):
            number = 0
        if not number > 0:
            raise ConfigError(f"{instance.config_file}: [runner] {name} = {value!r} must be "
                              "a positive number", file=str(instance.config_file))
        values[name.replace("-", "_")] = number
    return RunnerConfig(**values)


def serve_runner(instance: Instance) -> None:
    """Run the scheduler in this process until SIGTERM or Ctrl-C."""
    from server.engine import load_plugins
    from server.runner.runner import Runner

    load_plugins()
    store = open_store(instance)
    runner = Runner(instance, store, runner_config(instance))

    def stop(signum: int, _frame: object) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping; runs stop at their next safe "
                   "point", err=True)
        runner.stop()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    click.echo(f"runner {runner.claims.owner}: watching {instance.actions_dir} "
               f"(Ctrl-C or SIGTERM to stop)", err=True)
    try:
        clean = runner.serve()
    finally:
        store.close()
    if not clean:  # a run is stuck inside a batch: its thread cannot be stopped
        click.echo("a run did not reach a safe point in time; it was recorded as "
                   "interrupted and the process ends now", err=True)
        logging.shutdown()
        os._exit(0)


@click.command("runner")
@click.pass_context
def runner_command(ctx: click.Context) -> None:
    """Run the scheduler alone: start due actions, one run at a time per action."""
    serve_runner(load_instance(ctx))


@click.command("serve")
@click.pass_context
def serve_command(ctx: click.Context) -> None:
    """Run the server with its embedded scheduler (the web UI comes with issue #8)."""
    serve_runner(load_instance(ctx))


COMMANDS = [runner_command, serve_command]
