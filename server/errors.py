"""The exceptions of Sync-Center, in one tree.

Catch the class that matches what you can handle::

    SyncCenterError                 anything this package raises on purpose
     +-- ConfigError                instance folder, settings, connections, secrets
     +-- ActionError                an action file that cannot be used
     |    +-- ActionXmlError        unsafe or malformed XML, schema violations (has .problems)
     |    +-- ActionNotFound        no action with that id
     +-- FormulaError               a formula that does not compile or fails on a record
     +-- SelectionError             a CSV selection file that cannot be read
     +-- RunError                   a run that cannot start or must stop
          +-- SourceError           the source cannot be read (connection, SQL, file)
          +-- TargetError           the target cannot be written
          +-- StopRequested         the runner shuts down: stop at the next safe point

Every error carries its context as attributes (``file``, ``line``, ``action_id``,
``task_id``, ``record_key``...) so the CLI, the logbook and the web UI can show them
without parsing the text. ``retryable`` says whether trying again later may help.
"""

from __future__ import annotations

from dataclasses import dataclass


class SyncCenterError(Exception):
    """Base class of every error raised on purpose by Sync-Center."""

    retryable = False

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = {k: v for k, v in context.items() if v is not None}

    def __getattr__(self, name: str) -> object:
        # Context attributes read as plain attributes: err.file, err.line ...
        context = self.__dict__.get("context", {})
        if name in context:
            return context[name]
        raise AttributeError(name)

    def __str__(self) -> str:
        return self.message


class ConfigError(SyncCenterError):
    """The instance configuration is missing, unreadable or incomplete."""


class ActionError(SyncCenterError):
    """An action cannot be loaded or used."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a file, with its position (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class ActionXmlError(ActionError):
    """An action file is unsafe, malformed or violates the schema.

    ``problems`` lists every problem found, each with file, line and column.
    """

    def __init__(self, problems: list[Problem], file: str | None = None) -> None:
        self.problems = problems
        text = "\n".join(str(p) for p in problems)
        super().__init__(text, file=file)


class ActionNotFound(ActionError):
    """No action with the requested id exists in the instance."""


class FormulaError(SyncCenterError):
    """A formula does not compile, or fails when evaluated for one record."""


class SelectionError(SyncCenterError):
    """A selection file cannot be read."""


class RunError(SyncCenterError):
    """A run cannot start, or has to stop."""


class StopRequested(RunError):
    """The run is asked to stop at its next safe point (the runner is shutting down)."""


class SourceError(RunError):
    """The task's source cannot be read."""


class TargetError(RunError):
    """The task's target cannot be written."""
