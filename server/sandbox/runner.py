"""Inside the worker: the scripts of one run, their ``ctx`` and the hooks' replies.

:class:`Run` compiles the scripts (``init``), runs ``before_run`` / ``after_run``
(:meth:`Run.run_hook`) and ``transform`` batches, and encodes each reply
(:meth:`Run.reply`); see :mod:`server.sandbox.worker` for the requests and replies.
"""

from __future__ import annotations

import errno
import operator
import sys
import types
from itertools import compress
from typing import Any

import orjson

from server.sandbox.limits import RECURSION_LIMIT
from server.sandbox.mapping_run import MappingRun
from server.sandbox.protocol import (
    ENCODE_OPTIONS,
    VALUE_TYPES,
    a_kind,
    encode,
    encode_value,
    tag,
    untag_deep,
    untag_records,
)

MAX_LOG_TEXT = 4_000
MAX_MESSAGE = 1_000


class _LimitReached(BaseException):
    """Raised into a script when it passes a limit the worker counts (log lines)."""


class Context:
    """What a hook receives as ``ctx``: log functions, the settings, a lookup dict."""

    __slots__ = ("log", "warn", "error", "settings", "lookup")

    def __init__(self, run: Run, settings: dict[str, str]) -> None:
        for name, severity in (("log", "info"), ("warn", "warning"), ("error", "error")):
            object.__setattr__(self, name, _logger(run, severity))
        object.__setattr__(self, "settings", types.MappingProxyType(dict(settings)))
        object.__setattr__(self, "lookup", {})

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError("ctx cannot be changed; keep data in ctx.lookup")

    def __repr__(self) -> str:
        return "<ctx: log, warn, error, settings, lookup>"


def _logger(run: Run, severity: str) -> Any:
    def log(text: object = "") -> None:
        run.log(severity, text)

    log.__name__ = log.__qualname__ = {"info": "log", "warning": "warn"}.get(severity,
                                                                            severity)
    return log


class _Script:
    __slots__ = ("file", "globals", "hooks", "ctx")

    def __init__(self, file: str, namespace: dict[str, Any], ctx: Context) -> None:
        self.file = file
        self.globals = namespace
        self.ctx = ctx
        self.hooks: dict[str, types.FunctionType] = {}


class Run:
    """The state of one run inside the worker."""

    def __init__(self, limits: dict[str, Any]) -> None:
        self.cpu_seconds = float(limits["cpu_seconds"])
        self.memory_mb = int(limits["memory_mb"])
        self.max_log_lines = int(limits["max_log_lines"])
        self.max_record_bytes = int(limits["max_record_bytes"])
        self.max_result_bytes = int(limits["max_result_bytes"])
        self.scripts: list[_Script] = []
        self.files: dict[str, _Script] = {}
        self.index = -1
        self.logs: list[list[Any]] = []
        self.log_count = 0
        self.limit: dict[str, Any] | None = None
        self.current: _Script | None = None
        self.helpers: dict[str, types.FunctionType] = {}  # for formulas (functions scripts)
        self.mapping = MappingRun(self)

    # -- logging ---------------------------------------------------------------------

    def log(self, severity: str, text: object) -> None:
        if self.limit is not None:
            raise _LimitReached()
        self.log_count += 1
        if self.log_count > self.max_log_lines:
            self.limit = {"kind": "log", **self._where(sys._getframe(2))}
            raise _LimitReached()
        text = text if type(text) is str else str(text)
        if len(text) > MAX_LOG_TEXT:
            text = text[:MAX_LOG_TEXT] + " [...]"
        where = self._where(sys._getframe(2))
        self.logs.append([self.index, severity, text, where["file"], where["line"]])

    def _where(self, frame: types.FrameType | None) -> dict[str, Any]:
        for _ in range(50):
            if frame is None:
                break
            if frame.f_code.co_filename in self.files:
                return {"file": frame.f_code.co_filename, "line": frame.f_lineno}
            frame = frame.f_back
        current = self.current
        return {"file": current.file if current else None, "line": None}

    def take_logs(self) -> list[list[Any]]:
        logs, self.logs = self.logs, []
        return logs

    # -- failures --------------------------------------------------------------------

    def location(self, exc: BaseException) -> tuple[str | None, int | None]:
        """Return the script file and line where ``exc`` was raised (innermost)."""
        found = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename in self.files:
                found = tb
            tb = tb.tb_next
        if found is None:
            return (self.current.file if self.current else None), None
        return found.tb_frame.f_code.co_filename, found.tb_lineno

    def failure(self, exc: BaseException) -> tuple[str, dict[str, Any]]:
        """Sort a hook's exception: ``("limit", info)`` or ``("error", info)``."""
        file, line = self.location(exc)
        if self.limit is not None:
            return "limit", self.limit
        if isinstance(exc, MemoryError):
            self.limit = {"kind": "memory", "file": file, "line": line}
            return "limit", self.limit
        if isinstance(exc, RecursionError):
            self.limit = {"kind": "recursion", "file": file, "line": line}
            return "limit", self.limit
        return "error", {"file": file, "line": line, "message": describe(exc)}

    # -- requests --------------------------------------------------------------------

    def init(self, message: dict[str, Any]) -> dict[str, Any]:
        from server.sandbox.guards import make_print, script_globals
        from server.sandbox.policy import HOOKS, compile_script

        compiled = []
        problems = []
        for file, source in message["scripts"]:
            code, found = compile_script(source, file)
            problems += [[p.file, p.line, p.column, p.message] for p in found]
            compiled.append((file, code))
        if problems:
            return {"problems": problems}
        settings = message["settings"]
        for file, _code in compiled:
            script = _Script(file, {}, Context(self, settings))
            script.globals = script_globals(make_print(_printer(self)))
            self.scripts.append(script)
            self.files[file] = script
        sys.setrecursionlimit(RECURSION_LIMIT)
        hooks: dict[str, list[list[Any]]] = {}
        for script, (file, code) in zip(self.scripts, compiled, strict=True):
            self.current = script
            try:
                exec(code, script.globals)  # noqa: S102 - compiled under the script policy
            except BaseException as exc:  # noqa: BLE001 - every failure is reported
                kind, info = self.failure(exc)
                return {kind: info, "logs": self.take_logs()}
            finally:
                self.current = None
            found_hooks = hooks[file] = []
            for name in HOOKS:
                function = script.globals.get(name)
                if function is None:
                    continue
                if (type(function) is not types.FunctionType
                        or function.__code__.co_filename != file):
                    return {"error": {"file": file, "line": None,
                                      "message": f"{name} must be a function of the script"}}
                script.hooks[name] = function
                found_hooks.append([name, function.__code__.co_firstlineno])
            if self.limit is not None:
                return {"limit": self.limit}
        problem = self._collect_helpers(message.get("helpers", []))
        if problem is not None:
            return {"error": problem}
        return {"hooks": hooks, "functions": sorted(self.helpers), "logs": self.take_logs()}

    def _collect_helpers(self, files: list[str]) -> dict[str, Any] | None:
        """Gather the functions the ``functions`` scripts offer to formulas."""
        from server.sandbox.policy import HOOKS

        for file in files:
            script = self.files.get(file)
            if script is None:
                continue
            for name, value in script.globals.items():
                if (name.startswith("_") or name in HOOKS or type(value) is not types.FunctionType
                        or value.__code__.co_filename != file):
                    continue
                if name in self.helpers:
                    other = self.helpers[name].__code__.co_filename
                    return {"file": file, "line": value.__code__.co_firstlineno,
                            "message": f"the function {name} is also defined in {other}; "
                                       "formulas could not tell which one they call"}
                self.helpers[name] = value
        return None

    def run_hook(self, name: str, *args: Any) -> dict[str, Any]:
        """Run ``name`` of every script that defines it (before_run, after_run)."""
        for script in self.scripts:
            function = script.hooks.get(name)
            if function is None:
                continue
            self.current = script
            call_args = [script.ctx, *(untag_deep(a) for a in args)]
            try:
                function(*call_args)
            except BaseException as exc:  # noqa: BLE001 - every failure is reported
                kind, info = self.failure(exc)
                return {kind: info, "logs": self.take_logs()}
            finally:
                self.current = None
            if self.limit is not None:
                return {"limit": self.limit}
        return {"logs": self.take_logs()}

    def transform(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Run every script's transform over a batch; reply with deltas (see _delta)."""
        untag_records(records)
        steps = [(s, s.hooks["transform"], s.ctx) for s in self.scripts
                 if "transform" in s.hooks]
        results: list[Any] = []
        append = results.append
        errors: list[list[Any]] = []
        for index, record in enumerate(records):
            self.index = index
            keys = list(record)
            values = list(record.values())
            for script, function, ctx in steps:
                try:
                    record = function(record, ctx)
                except BaseException as exc:  # noqa: BLE001 - every failure is reported
                    self.current = script
                    kind, info = self.failure(exc)
                    self.current = None
                    if kind == "limit":
                        return {"limit": info}
                    errors.append([index, _where_text(info) + info["message"]])
                    record = False
                    break
                if record is None:
                    break
                if type(record) is not dict:
                    line = function.__code__.co_firstlineno
                    errors.append([index, f"{script.file}:{line}: transform returned "
                                          f"{a_kind(record)}, not a record (a dict) or None"])
                    record = False
                    break
            else:
                try:
                    record = _delta(keys, values, record)
                except Exception:  # noqa: BLE001 - a key's own __eq__ raised
                    errors.append([index, f"{self._transform_names()}: transform returned "
                                          "a record whose field names are not text"])
                    record = False
            append(record)
            if self.limit is not None:
                return {"limit": self.limit}
        self.index = -1
        return {"r": results, "e": errors, "l": self.take_logs()}

    def reply(self, reply: dict[str, Any]) -> bytes:
        """Encode a reply; records that cannot cross, or are too big, fail one by one."""
        try:
            frame = encode(reply)
        except TypeError:
            if "rows" in reply:
                self.mapping.repair(reply)
            else:
                self._repair(reply)
            frame = encode(reply)
        results = reply.get("r")
        if results and len(frame) > self.max_record_bytes:
            if self._refuse_big(reply):
                frame = encode(reply)
        if len(frame) > self.max_result_bytes:
            frame = encode({"limit": {"kind": "output", "size": len(frame)}})
        return frame

    def _repair(self, reply: dict[str, Any]) -> None:
        results = reply.get("r")
        if not results:
            raise TypeError("a reply cannot be encoded")  # internal: never a script value
        names = self._transform_names()
        for index, entry in enumerate(results):
            record = _record_of(entry)
            if record is None:
                continue
            try:
                orjson.dumps(record, default=tag, option=ENCODE_OPTIONS)
                continue
            except TypeError:
                pass
            problem = None
            for key, value in record.items():
                if type(key) is not str:
                    problem = (f"returned a record with the key {_short(key)}; field names "
                               "must be text")
                    break
                try:
                    record[key] = encode_value(value)
                except TypeError as exc:
                    problem = (f"returned field {key!r} holding {exc}; record values "
                               f"must be {VALUE_TYPES}")
                    break
            if problem is not None:
                results[index] = False
                reply["e"].append([index, f"{names}: transform {problem}"])

    def _refuse_big(self, reply: dict[str, Any]) -> bool:
        results = reply["r"]
        changed = False
        for index, entry in enumerate(results):
            record = _record_of(entry)
            if record is None:
                continue
            size = len(orjson.dumps(record, default=tag, option=ENCODE_OPTIONS))
            if size > self.max_record_bytes:
                results[index] = False
                reply["e"].append([index, f"{self._transform_names()}: transform returned a "
                                          f"record of {size:,} bytes; a record may take at "
                                          f"most {self.max_record_bytes:,} bytes"])
                changed = True
        return changed

    def _transform_names(self) -> str:
        last = [s for s in self.scripts if "transform" in s.hooks][-1:]
        if not last:
            return "script"
        line = last[0].hooks["transform"].__code__.co_firstlineno
        return f"{last[0].file}:{line}"


def _delta(keys: list[str], values: list[Any], after: dict[str, Any]) -> Any:
    """Return what the host needs to rebuild ``after`` from the record it sent.

    ``keys`` and ``values`` are the record as it arrived. ``0``: unchanged (the same
    keys in the same order holding the very same value objects, which are immutable);
    ``[changes]``: values changed and fields were appended (the host applies them to its
    own copy); else the whole record.
    """
    new_keys = list(after)
    if new_keys == keys:
        if not any(map(operator.is_not, after.values(), values)):
            return 0
        changed = list(compress(keys, map(operator.is_not, after.values(), values)))
    elif new_keys[:len(keys)] == keys:
        changed = list(compress(keys, map(operator.is_not, after.values(), values)))
        changed += new_keys[len(keys):]
    else:
        return after
    return [{key: after[key] for key in changed}]


def _printer(run: Run) -> Any:
    def emit(text: str) -> None:
        run.log("info", text)

    return emit


def _record_of(entry: Any) -> dict[str, Any] | None:
    if type(entry) is dict:
        return entry
    if type(entry) is list:
        return entry[0]
    return None


def _where_text(info: dict[str, Any]) -> str:
    if info.get("file") is None:
        return ""
    if info.get("line") is None:
        return f"{info['file']}: "
    return f"{info['file']}:{info['line']}: "


def describe(exc: BaseException) -> str:
    """``ZeroDivisionError: division by zero``, cut to a readable length."""
    if isinstance(exc, OSError):  # without the file name: paths of the server stay inside
        if exc.errno == errno.EMFILE:
            return ("OSError: nothing can be loaded from a file in the sandbox (a codec or "
                    "a module the script needs is not available to scripts)")
        return f"OSError: {exc.strerror or 'operating system error'}"
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a message that cannot be made is left out
        text = ""
    name = type(exc).__name__
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + " [...]"
    return f"{name}: {text}" if text else name



def _short(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."
