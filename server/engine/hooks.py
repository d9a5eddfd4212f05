"""The script stage of a run: the action's sandboxed scripts around and between records.

``ScriptStage`` starts one sandbox worker for the run (``server.sandbox.scripts``), calls
``before_run`` once, ``transform`` per batch of mapped records, ``after_run`` at the end,
and turns what the scripts log into logbook messages. A record a script skips counts as
skipped, one it fails on counts as failed; a script past one of its limits fails the run.

The functions of ``functions`` scripts are offered to the task's formulas
(``helper_names``); a mapping whose formulas call one runs in the worker too (``map``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from server.actions.model import Action
from server.config import Instance
from server.engine.base import Row
from server.engine.mapping import Mapping
from server.errors import RunError
from server.sandbox.functions import SAFE_FUNCTIONS
from server.sandbox.policy import helper_names
from server.sandbox.results import MappedBatch
from server.sandbox.scripts import Limits, LogLine, ScriptHost

Log = Callable[[str, str, "str | None"], None]
_SEVERITIES = {"debug", "info", "warning", "error"}
_GENERATED = re.compile(r"sc_.*|c\d+|k\d+_\d+|kf_\d+|A")  # names of the generated code


def limits_of(action: Action) -> Limits:
    """Return the script limits the action sets, with defaults for the rest."""
    values: dict[str, Any] = {}
    for name, kind in (("cpu-seconds", float), ("memory-mb", int), ("wall-seconds", float)):
        if name in action.limits:
            values[name.replace("-", "_")] = kind(action.limits[name])
    return Limits(**values)


class ScriptStage:
    """The scripts of one run; use as a context manager around the record loop."""

    def __init__(self, instance: Instance, action: Action, key: str, log: Log) -> None:
        self.action = action
        self.key = key
        self.log = log
        self.names: list[str] = []
        self.key_index: int | None = None
        self.mapping: Mapping | None = None
        scripts = []
        for script in action.scripts:
            path = instance.scripts_dir / script.src
            try:
                scripts.append((script.src, path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise RunError(f"action {action.id!r} names the script {script.src!r}, which "
                               f"cannot be read from {instance.scripts_dir}: {exc}",
                               action_id=action.id, file=str(path)) from None
        helper_files = tuple(dict.fromkeys(s.src for s in action.scripts
                                           if s.hook == "functions"))
        self.helper_names = self._helpers(scripts, helper_files)
        settings = {k: instance.expand(v, f"setting {k!r}") for k, v in action.settings.items()}
        self.host = ScriptHost(scripts, settings, limits_of(action), key_field=key,
                               helpers=helper_files)
        self.has_transform = False

    def _helpers(self, scripts: list[tuple[str, str]], files: tuple[str, ...]) -> list[str]:
        names: dict[str, str] = {}
        for file, source in scripts:
            if file not in files:
                continue
            for name in helper_names(source):
                if name in SAFE_FUNCTIONS or _GENERATED.fullmatch(name):
                    what = ("a function formulas already have" if name in SAFE_FUNCTIONS
                            else "a name the generated code uses")
                    raise RunError(f"script {file} defines {name}(), {what}; rename it",
                                   action_id=self.action.id, file=file)
                names.setdefault(name, file)
        return sorted(names)

    def bind(self, mapping: Mapping) -> None:
        """Tell the stage the task's mapping (before the stage is entered)."""
        self.mapping = mapping
        self.names = mapping.names
        self.key_index = self.names.index(self.key) if self.key in self.names else None

    def __enter__(self) -> ScriptStage:
        self.host.start()
        self.has_transform = "transform" in self.host.hooks()
        if self.mapping is not None and self.mapping.remote:
            self.host.set_mapping(self.mapping.spec())
        if "before_run" in self.host.hooks():
            self._write(self.host.before_run())
        return self

    def __exit__(self, *exc: object) -> None:
        self.host.close()

    def map(self, rows: list[Row]) -> MappedBatch:
        """Map source rows in the worker (a remote mapping); log what the functions log."""
        assert self.mapping is not None
        mapped = self.host.map(rows)
        for index, line in mapped.logs:
            key = None
            if index >= 0:
                entry = mapped.rows[index]
                if type(entry) is tuple:
                    key = self.mapping.key_of_output(entry)
                elif index in mapped.failures:
                    key = mapped.failures[index][0]
            self._write([line], key)
        return mapped

    def transform(self, rows: list[Row]) -> tuple[list[Row], int, list[str | None]]:
        """Return the rows the scripts keep, how many they skipped, and the keys that failed
        (each failure is logged with the script's file and line)."""
        names = self.names
        records = [dict(zip(names, row, strict=True)) for row in rows]
        results = self.host.transform(records)
        kept: list[Row] = []
        skipped = 0
        failed: list[str | None] = []
        for row, record, result in zip(rows, records, results, strict=True):
            if result.logs:
                self._write(result.logs, self._key(row))
            if result.record is record:  # returned unchanged: the host hands back our dict
                kept.append(row)
            elif result.error is not None:
                key = self._key(row)
                self.log("error", f"record {key or '?'}: {result.error}", key)
                failed.append(key)
            elif result.record is None:
                skipped += 1
            else:
                changed = result.record
                kept.append(tuple([changed.get(name) for name in names]))
        return kept, skipped, failed

    def finish(self, summary: dict[str, Any]) -> None:
        if "after_run" in self.host.hooks():
            self._write(self.host.after_run(summary))

    def _key(self, row: Row) -> str | None:
        if self.key_index is None or row[self.key_index] is None:
            return None
        return str(row[self.key_index])

    def _write(self, lines: list[LogLine], key: str | None = None) -> None:
        for line in lines:
            severity = line.severity if line.severity in _SEVERITIES else "info"
            where = f"{line.file}:{line.line}" if line.line else line.file
            self.log(severity, f"{where}: {line.text}", line.record_key or key)
