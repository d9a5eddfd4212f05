"""What comes back from the script worker, and the host's checks of it.

The host trusts nothing the worker sends: every log line, error, limit report and record
is checked here (a record is a dict of field name to None, bool, int, float, str,
Decimal, date or datetime, at most ``max_record_bytes``) before a caller sees it.
:class:`ReplyChecks` is the part of :class:`~server.sandbox.host.ScriptHost` that does so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from server.errors import Problem, SyncCenterError
from server.sandbox.limits import RECURSION_LIMIT, Limits
from server.sandbox.protocol import SEVERITIES, VALUE_TYPES, untag

LIMIT_KINDS = ("cpu", "memory", "wall", "output", "log", "recursion")
_PLAIN = frozenset({str, int, float, bool, type(None)})
_MAX_TEXT = 10_000  # a log line or an error message, as received


class ScriptError(SyncCenterError):
    """A script does not compile, or fails in a hook (context: ``file``, ``line``, ``hook``)."""


class ScriptLimitError(ScriptError):
    """A script went past a limit (context: ``limit``: cpu, memory, wall, output, log,
    recursion or crash); its worker was stopped and the host cannot be used any more."""


@dataclass(frozen=True)
class LogLine:
    """One line a script logged with ``ctx.log`` / ``ctx.warn`` / ``ctx.error`` / ``print``."""

    severity: str
    text: str
    record_key: str | None
    file: str
    line: int | None


@dataclass(frozen=True)
class RecordResult:
    """What became of one record: ``record`` (``None`` = skipped) or ``error``, with logs."""

    record: dict[str, Any] | None
    error: str | None
    logs: list[LogLine] = field(default_factory=list)


def record_result(record: dict[str, Any] | None, error: str | None,
                  logs: list[LogLine], _new: Any = object.__new__) -> RecordResult:
    # RecordResult(record, error, logs) at a third of the cost: this runs once per
    # record, and a frozen dataclass's __init__ goes through object.__setattr__.
    result = _new(RecordResult)
    result.__dict__.update(record=record, error=error, logs=logs)
    return result


@dataclass
class MappedBatch:
    """A checked ``map`` reply: per source row, in order, its mapped values (a tuple),
    ``None`` (the selection filter left it out) or ``False`` (it failed; ``failures`` then
    holds its key, if known, and ``(field, message)`` pairs); the functions' log lines by
    row index."""

    rows: list[tuple[Any, ...] | None | bool]
    failures: dict[int, tuple[str | None, list[tuple[str, str]]]]
    logs: list[tuple[int, LogLine]]

    def merge(self, refused: dict[int, str]) -> MappedBatch:
        """Put back the rows that could not be sent (failed, with their message)."""
        if not refused:
            return self
        rows: list[tuple[Any, ...] | None | bool] = []
        failures: dict[int, tuple[str | None, list[tuple[str, str]]]] = {}
        positions = []
        sent = iter(range(len(self.rows)))
        for index in range(len(self.rows) + len(refused)):
            if index in refused:
                rows.append(False)
                failures[index] = (None, [("", refused[index])])
                continue
            position = next(sent)
            positions.append(index)
            rows.append(self.rows[position])
            if position in self.failures:
                failures[index] = self.failures[position]
        logs = [(positions[i] if i >= 0 else i, line) for i, line in self.logs]
        return MappedBatch(rows, failures, logs)


class ReplyChecks:
    """Checks of the worker's replies, for :class:`~server.sandbox.host.ScriptHost`.

    A malformed reply or a reported limit stops the worker (``_stop``) and raises.
    """

    scripts: list[tuple[str, str]]
    limits: Limits
    key_field: str | None
    _hooks: dict[str, list[tuple[str, int]]]
    _log_count: int
    _reply_size: int

    def _stop(self, reason: str) -> None:
        raise NotImplementedError

    # -- results ---------------------------------------------------------------------

    def _results(self, reply: dict[str, Any], records: list[dict[str, Any]],
                 refused: dict[int, str]) -> list[RecordResult]:
        """Check one transform reply and turn it into results for ``records``.

        Each entry of ``r`` is ``0`` (unchanged: the host's own record is handed back),
        ``[changes]`` (applied to a copy of the host's record), a whole record, ``None``
        (skipped) or ``false`` (failed, with its message in ``e``). Every value that came
        from the worker is checked.
        """
        originals = ([record for index, record in enumerate(records) if index not in refused]
                     if refused else records)
        count = len(originals)
        out, errors, lines = reply.get("r"), reply.get("e"), reply.get("l")
        if (type(out) is not list or len(out) != count or type(errors) is not list
                or type(lines) is not list):
            raise self._malformed("transform")
        failed: dict[int, str] = {}
        for entry in errors:
            if (type(entry) is not list or len(entry) != 2 or type(entry[0]) is not int
                    or not 0 <= entry[0] < count or type(entry[1]) is not str):
                raise self._malformed("transform")
            failed[entry[0]] = _cut(entry[1])
        logs_by_index: dict[int, list[LogLine]] = {}
        for index, line in self._log_entries(lines, "transform", count) if lines else ():
            key = None
            if self.key_field is not None and index >= 0:
                value = originals[index].get(self.key_field)
                key = None if value is None else str(value)
            logs_by_index.setdefault(index, []).append(line.with_key(key))
        limit = self.limits.max_record_bytes
        max_bytes = limit if self._reply_size > limit else 0  # else no record can be larger
        results = []
        for position, entry in enumerate(out):
            logs = logs_by_index.get(position, []) if logs_by_index else []
            kind = type(entry)
            if failed and position in failed:
                results.append(record_result(None, failed[position], logs))
            elif kind is int and entry == 0:
                results.append(record_result(originals[position], None, logs))
            elif kind is list or kind is dict:
                values = entry
                if kind is list:
                    if len(entry) != 1 or type(entry[0]) is not dict:
                        raise self._malformed("transform")
                    values = entry[0]
                problem = _check_record(values, max_bytes)
                if problem is not None:
                    results.append(record_result(None, f"{self._blame('transform')}: transform "
                                                 f"{problem}", logs))
                elif kind is list:
                    record = dict(originals[position])
                    record.update(values)
                    results.append(record_result(record, None, logs))
                else:
                    results.append(record_result(values, None, logs))
            elif entry is None:
                results.append(record_result(None, None, logs))
            else:
                raise self._malformed("transform")
        if not refused:
            return results
        done = iter(results)
        return [record_result(None, refused[index], []) if index in refused else next(done)
                for index in range(len(records))]

    def _mapped(self, reply: dict[str, Any], count: int, width: int) -> MappedBatch:
        """Check one ``map`` reply for ``count`` rows of ``width`` fields."""
        out, errors, lines = reply.get("rows"), reply.get("e"), reply.get("l")
        if (type(out) is not list or len(out) != count or type(errors) is not list
                or type(lines) is not list):
            raise self._malformed("functions")
        failures: dict[int, tuple[str | None, list[tuple[str, str]]]] = {}
        for entry in errors:
            if (type(entry) is not list or len(entry) != 3 or type(entry[0]) is not int
                    or not 0 <= entry[0] < count or type(entry[1]) is not list
                    or type(entry[2]) not in (str, type(None))
                    or any(type(f) is not list or len(f) != 2 or type(f[0]) is not str
                           or type(f[1]) is not str for f in entry[1])):
                raise self._malformed("functions")
            failures[entry[0]] = (entry[2] if entry[2] is None else _cut(entry[2], 300),
                                  [(_cut(f[0], 300), _cut(f[1])) for f in entry[1]])
        rows: list[tuple[Any, ...] | None | bool] = []
        for index, entry in enumerate(out):
            if entry is None or entry is False:
                if entry is False and index not in failures:
                    raise self._malformed("functions")
                rows.append(entry)
                continue
            if type(entry) is not list or len(entry) != width:
                raise self._malformed("functions")
            problem = _untag_row(entry)
            if problem is not None:
                failures[index] = (None, [("", problem)])
                rows.append(False)
            else:
                rows.append(tuple(entry))
        logs = [(index, line.with_key(None))
                for index, line in self._log_entries(lines, "functions", count)]
        return MappedBatch(rows, failures, logs)

    def _blame(self, hook: str) -> str:
        entries = self._hooks.get(hook, [])
        if not entries:
            return "script"
        file, line = entries[-1]
        return f"{file}:{line}"

    def _log_entries(self, lines: list[Any], hook: str,
                     count: int) -> list[tuple[int, _Line]]:
        self._log_count += len(lines)
        if self._log_count > self.limits.max_log_lines:
            raise self._limit(hook, "log", None)
        entries = []
        for entry in lines:
            if (type(entry) is not list or len(entry) != 5 or type(entry[0]) is not int
                    or not (entry[0] == -1 or 0 <= entry[0] < count)
                    or entry[1] not in SEVERITIES or type(entry[2]) is not str
                    or type(entry[3]) not in (str, type(None))
                    or type(entry[4]) not in (int, type(None))):
                raise self._malformed(hook)
            file = _cut(entry[3], 300) if entry[3] is not None else self._who(hook)
            entries.append((entry[0], _Line(entry[1], _cut(entry[2]), file, entry[4])))
        return entries

    def _logs(self, lines: Any, hook: str) -> list[LogLine]:
        if type(lines) is not list:
            raise self._malformed(hook)
        return [line.with_key(None) for _i, line in self._log_entries(lines, hook, 0)]

    # -- outcome of a request --------------------------------------------------------

    def _check_outcome(self, reply: dict[str, Any], hook: str,
                       logs: list[LogLine] | None = None) -> None:
        if "limit" in reply:
            info = reply["limit"]
            if type(info) is not dict or type(info.get("kind")) is not str:
                raise self._malformed(hook)
            raise self._limit(hook, info["kind"], info)
        if "error" in reply:
            info = reply["error"]
            if (type(info) is not dict or type(info.get("message")) is not str
                    or type(info.get("file")) not in (str, type(None))
                    or type(info.get("line")) not in (int, type(None))):
                raise self._malformed(hook)
            file, line = info.get("file"), info.get("line")
            where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
            what = "the script" if hook == "start" else hook
            raise ScriptError(f"{where}{what} failed: {_cut(info['message'])}", file=file,
                              line=line, hook=hook, logs=logs or [])

    def _limit(self, hook: str, kind: str, info: dict[str, Any] | None) -> ScriptLimitError:
        info = info or {}
        if kind not in LIMIT_KINDS:
            raise self._malformed(hook)
        file = _cut(info["file"], 300) if type(info.get("file")) is str else None
        line = info.get("line") if type(info.get("line")) is int else None
        who = f"script {file}" if file else self._who(hook)
        at = f" (at {file}:{line})" if file and line else ""
        doing = "starting" if hook == "start" else hook
        limits = self.limits
        texts = {
            "memory": f"{doing} needed more than {limits.memory_mb} MB of memory{at}",
            "recursion": f"{doing} recursed deeper than {RECURSION_LIMIT} levels{at}",
            "log": f"{doing} wrote more than {limits.max_log_lines:,} log lines{at}",
            "output": f"{doing} returned more than {_mib(limits.max_result_bytes)} for one "
                      "request",
            "cpu": f"{doing} used more than {_fmt(limits.cpu_seconds)} s of CPU time",
            "wall": f"{doing} took more than {_fmt(limits.wall_seconds)} s of wall-clock "
                    "time",
        }
        text = texts[kind]
        self._stop(f"{kind} limit")
        return ScriptLimitError(f"{who}: {text} (limit); the worker was stopped",
                                file=file, line=line, hook=hook, limit=kind)

    def _who(self, hook: str) -> str:
        files = [file for file, _line in self._hooks.get(hook, [])]
        files = files or [file for file, _source in self.scripts]
        return f"script {files[0]}" if len(files) == 1 else f"scripts {', '.join(files)}"

    def _malformed(self, hook: str) -> ScriptError:
        self._stop("malformed reply")
        return ScriptError(f"{self._who(hook)}: the script worker sent a malformed reply "
                           f"during {hook}; it was stopped", hook=hook)

    def _problems(self, entries: Any) -> list[Problem]:
        problems = []
        if type(entries) is not list or not entries:
            raise self._malformed("start")
        for entry in entries:
            if (type(entry) is not list or len(entry) != 4 or type(entry[0]) is not str
                    or type(entry[1]) is not int or type(entry[2]) is not int
                    or type(entry[3]) is not str):
                raise self._malformed("start")
            problems.append(Problem(entry[0], entry[1], entry[2], _cut(entry[3])))
        return problems


def _fmt(number: float) -> str:
    return f"{number:g}"


class _Line:
    """A log line before its record key is known."""

    __slots__ = ("severity", "text", "file", "line")

    def __init__(self, severity: str, text: str, file: str, line: int | None) -> None:
        self.severity, self.text, self.file, self.line = severity, text, file, line

    def with_key(self, key: str | None) -> LogLine:
        return LogLine(self.severity, self.text, key, self.file, self.line)


def _cut(text: str, length: int = _MAX_TEXT) -> str:
    return text if len(text) <= length else text[:length] + " [...]"


def _mib(size: int) -> str:
    return f"{size / 2**20:g} MiB"


_NOT_A_VALUE = object()


def _untagged(value: Any) -> Any:
    """A value from the worker made a record value: itself, or what its tag stands for;
    ``_NOT_A_VALUE`` when it is neither (a list, another dict)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        try:
            return untag(value)
        except ValueError:
            pass
    return _NOT_A_VALUE


def _what(value: Any) -> str:
    return "a dict" if type(value) is dict else "a list"


def _untag_row(values: list[Any]) -> str | None:
    """Untag one mapped row in place; return the problem of a value that is none."""
    for index, value in enumerate(values):
        if type(value) in _PLAIN:
            continue
        converted = _untagged(value)
        if converted is _NOT_A_VALUE:
            return (f"field number {index + 1} holds {_what(value)}; values must be "
                    f"{VALUE_TYPES}")
        values[index] = converted
    return None


def _check_record(record: dict[str, Any], max_bytes: int) -> str | None:
    """Check (and untag, in place) one returned record; return the problem, if any.

    ``max_bytes`` is the size limit of one record, or 0 when the whole reply was smaller.
    """
    if max_bytes:
        size = len(orjson.dumps(record))
        if size > max_bytes:
            return (f"returned a record of {size:,} bytes; a record may take at most "
                    f"{max_bytes:,} bytes")
    for key, value in record.items():
        if type(value) in _PLAIN:
            continue
        converted = _untagged(value)
        if converted is _NOT_A_VALUE:
            return (f"returned field {_cut(repr(key), 100)} holding {_what(value)}; record "
                    f"values must be {VALUE_TYPES}")
        record[key] = converted
    return None
