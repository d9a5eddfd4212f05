"""The run context: what a running task may ask of the instance (paths, connections)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import Engine

from server.actions.model import Action, Task
from server.config import Instance
from server.engine.connections import engine_for
from server.errors import ConfigError, RunError


class TaskContext:
    """The ``RunContext`` of one run of one task (see ``server.engine.base``)."""

    def __init__(
        self,
        instance: Instance,
        action: Action,
        task: Task,
        *,
        run_id: int | None = None,
        dry_run: bool = False,
        started: datetime.datetime | None = None,
    ) -> None:
        self.instance = instance
        self.action = action
        self.task = task
        self.run_id = run_id
        self.dry_run = dry_run
        try:
            zone = ZoneInfo(instance.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"[instance] timezone {instance.timezone!r} is not a known "
                "timezone (e.g. Europe/Berlin)"
            ) from None
        self.started = (started or datetime.datetime.now(datetime.UTC)).astimezone(zone)
        self._channel: dict[str, Any] | None = None

    def placeholders(self) -> dict[str, str]:
        return {
            "outbox": str(self.instance.folder("outbox")),
            "inbox": str(self.instance.folder("inbox")),
            "action": self.action.id,
            "task": self.task.id,
            "channel": self.action.channel,
            "run": str(self.run_id or 0),
            "date": self.started.strftime("%Y-%m-%d"),
            "timestamp": self.started.strftime("%Y%m%d-%H%M%S"),
        }

    def path(self, template: str) -> Path:
        values = self.placeholders()
        try:
            expanded = template.format_map(values)
        except (KeyError, ValueError, IndexError) as exc:
            raise RunError(
                f"path {template!r}: unknown placeholder {exc}; known: "
                + ", ".join("{" + k + "}" for k in values),
                action_id=self.action.id,
                task_id=self.task.id,
            ) from None
        path = Path(expanded)
        if not path.is_absolute():
            path = self.instance.home / path
        path = path.resolve()
        home = self.instance.home.resolve()
        if path != home and home not in path.parents:
            # An imported action must not read or write outside its instance.
            raise RunError(
                f"path {template!r} ({path}) is outside the instance folder {home};"
                " actions read and write only inside it",
                action_id=self.action.id,
                task_id=self.task.id,
            )
        return path

    def connection(self, name: str) -> Engine:
        return engine_for(name, self.instance.connection_url(name))

    def channel(self) -> dict[str, Any]:
        if self._channel is None:
            self._channel = self.instance.channel(self.action.channel)
        return self._channel

    def setting(self, name: str, default: str | None = None) -> str:
        if name in self.action.settings:
            return self.instance.expand(self.action.settings[name], f"setting {name!r}")
        channel = self.channel()
        for key in (name, name.replace("-", "_")):
            if key in channel:
                return str(channel[key])
        if default is not None:
            return default
        raise ConfigError(
            f"setting {name!r} is not set; looked in the settings of action "
            f"{self.action.id!r} and in [channels.{self.action.channel}] of "
            f"{self.instance.config_file}",
            setting=name,
        )
