"""The script worker: the process that compiles and runs the scripts of one run.

Started by :class:`~server.sandbox.host.ScriptHost` as ``python -I -B -m
server.sandbox.worker`` with an empty environment in an empty temporary folder. It reads
length-prefixed orjson frames on stdin and answers each with one frame on stdout (the
descriptor is moved away from fd 1, so nothing else can write into the protocol). Before
any script code runs it sets its resource limits: address space, no new files (the
descriptor limit is the number already open, so no file or socket can be opened), no
file writes, no child processes, no core dumps; the CPU limit is re-armed before every
request (a CPU-time timer of ``cpu_seconds``, SIGPROF, backed by RLIMIT_CPU, SIGXCPU,
either ends the process) and the recursion limit is low.

Requests (``op``): ``init`` (scripts, settings, limits) -> ``hooks``; ``before_run``;
``transform`` (a batch of records; ``more``: a further chunk of the same call, within the
CPU time armed for the first) -> ``r``, ``e`` (``[index, message]``) and ``l`` (log
lines ``[index, severity, text, file, line]``); ``after_run`` (summary). Each entry of
``r`` is ``0`` (the record came back unchanged), ``[changes]`` (only values changed or
fields were appended), the whole record, ``null`` (skipped) or ``false`` (failed). A
reply may instead hold ``error`` (a hook raised), ``problems`` (compile problems) or
``limit`` (a limit was reached; the host then stops this worker).

The wire format is shared with the host: :func:`tag` / :func:`untag` carry ``Decimal``,
``date``, ``datetime`` and integers beyond 64 bits as one-key objects (``{"$d": "1.5"}``).
"""

from __future__ import annotations

import datetime as dt
import errno
import gc
import math
import operator
import os
import resource
import signal
import struct
import sys
import types
import warnings
from decimal import Decimal
from itertools import compress
from typing import Any, BinaryIO

import orjson

HEADER = struct.Struct(">I")
ENCODE_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
                  | orjson.OPT_PASSTHROUGH_DATACLASS)
RECURSION_LIMIT = 300
MAX_LOG_TEXT = 4_000
MAX_MESSAGE = 1_000
SEVERITIES = ("info", "warning", "error")
VALUE_TYPES = "None, bool, int, float, str, Decimal, date or datetime"

# -- the wire format (host and worker) --------------------------------------------------

INT64 = (-(2**63), 2**64 - 1)


def tag(value: Any) -> Any:
    """orjson ``default``: the tagged form of a value JSON has no type for."""
    kind = type(value)
    if kind is Decimal:
        return {"$d": str(value)}
    if kind is dt.datetime:
        return {"$dt": value.isoformat()}
    if kind is dt.date:
        return {"$date": value.isoformat()}
    raise TypeError(f"a {kind.__name__} is not a record value")


UNTAG: dict[str, Any] = {
    "$d": Decimal,
    "$dt": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$i": int,
}


def untag(value: dict[str, Any]) -> Any:
    """Return the value a tagged object stands for; ``ValueError`` if it is not one."""
    if len(value) == 1:
        ((key, text),) = value.items()
        convert = UNTAG.get(key)
        if convert is not None and type(text) is str and len(text) <= 5_000:
            try:
                return convert(text)
            except (ArithmeticError, ValueError):
                pass
    raise ValueError("a dict is not a record value")


def untag_records(records: list[Any]) -> None:
    """Replace the tagged values of decoded records, in place (the host's own data)."""
    for record in records:
        for key, value in record.items():
            if type(value) is dict:
                ((name, text),) = value.items()
                record[key] = UNTAG[name](text)


def untag_deep(value: Any) -> Any:
    """Return ``value`` with tagged objects replaced at any depth (summaries, settings)."""
    if type(value) is dict:
        try:
            return untag(value)
        except ValueError:
            return {k: untag_deep(v) for k, v in value.items()}
    if type(value) is list:
        return [untag_deep(v) for v in value]
    return value


def encode_value(value: Any) -> Any:
    """Return ``value`` ready for orjson when it could not be dumped directly.

    Big integers become tagged text; a value of another type raises ``TypeError``
    whose text says what the value is ("a set").
    """
    kind = type(value)
    if kind is int:
        if INT64[0] <= value <= INT64[1]:
            return value
        try:
            return {"$i": str(value)}
        except ValueError:  # more digits than int <-> str conversions allow
            raise TypeError("an int of more than 4300 digits") from None
    if value is None or kind in (bool, float, str, Decimal, dt.date, dt.datetime):
        return value
    raise TypeError(_a(value))


def encode(message: Any) -> bytes:
    """Return one frame: a 4-byte length, then the orjson body."""
    body = orjson.dumps(message, default=tag, option=ENCODE_OPTIONS)
    return HEADER.pack(len(body)) + body


# -- the worker -------------------------------------------------------------------------


class _LimitReached(BaseException):
    """Raised into a script when it passes a limit the worker counts (log lines)."""


class Context:
    """What a hook receives as ``ctx``: log functions, the settings, a lookup dict."""

    __slots__ = ("log", "warn", "error", "settings", "lookup")

    def __init__(self, run: _Run, settings: dict[str, str]) -> None:
        for name, severity in (("log", "info"), ("warn", "warning"), ("error", "error")):
            object.__setattr__(self, name, _logger(run, severity))
        object.__setattr__(self, "settings", types.MappingProxyType(dict(settings)))
        object.__setattr__(self, "lookup", {})

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError("ctx cannot be changed; keep data in ctx.lookup")

    def __repr__(self) -> str:
        return "<ctx: log, warn, error, settings, lookup>"


def _logger(run: _Run, severity: str) -> Any:
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


class _Run:
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
        return {"hooks": hooks, "logs": self.take_logs()}

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
                                          f"{_a(record)}, not a record (a dict) or None"])
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


def _printer(run: _Run) -> Any:
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


def _a(value: object) -> str:
    kind = type(value).__name__
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _short(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


# -- the process ------------------------------------------------------------------------


def _warm_up() -> None:
    """Load now what would otherwise be loaded from files later, when no file opens."""
    import json
    import re
    import statistics
    import time

    import server.sandbox.guards
    import server.sandbox.policy  # noqa: F401 - imported for init()

    dt.datetime.strptime("2024-01-02 03:04", "%Y-%m-%d %H:%M")
    time.localtime()
    dt.datetime.now().astimezone()
    statistics.mean([1, 2])
    json.loads(json.dumps({"a": [1.5, None]}))
    re.compile(r"(?i)\w+\d").sub("", "ab1")
    Decimal("1.005").quantize(Decimal("0.01"))
    for codec in ("ascii", "latin-1", "cp1252", "cp850", "cp437", "iso8859-15", "utf-16",
                  "utf-32", "utf-8-sig", "mac-roman"):
        "x".encode(codec).decode(codec)
    re.compile(r"\N{EURO SIGN}")  # loads unicodedata
    math.sqrt(2)


def _open_descriptors() -> int:
    """Return one more than the highest descriptor open (not counting the listing's)."""
    highest = 2
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return 64
    for name in names:
        try:
            os.fstat(int(name))  # the descriptor that listed the folder is closed now
        except (OSError, ValueError):
            continue
        highest = max(highest, int(name))
    return highest + 1


def _set_limits(run: _Run) -> None:
    memory = run.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    count = _open_descriptors()
    resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))


def arm_cpu(seconds: float) -> None:
    """Let the next request use ``seconds`` of CPU time, then end the worker.

    A profiling timer (CPU time, microseconds; SIGPROF ends the process) gives the exact
    limit; RLIMIT_CPU (whole seconds; SIGXCPU) is the kernel's backstop.
    """
    signal.setitimer(signal.ITIMER_PROF, seconds)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(used + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _read_frame(stream: BinaryIO) -> Any:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return orjson.loads(body)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def main() -> int:
    """Serve one run: read requests on stdin, answer on the protocol descriptor."""
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.dup(1)
    os.dup2(2, 1)  # stray writes to stdout land on stderr, not in the protocol
    sys.stdout = sys.stderr
    stream = sys.stdin.buffer
    _warm_up()
    gc.freeze()  # what is loaded now stays; collections look at the run's objects only
    gc.set_threshold(50_000, 20, 50)
    message = _read_frame(stream)
    if message is None or message.get("op") != "init":
        return 2
    run = _Run(message["limits"])
    _set_limits(run)
    arm_cpu(run.cpu_seconds)
    _write_all(out, run.reply(run.init(message)))
    while True:
        message = _read_frame(stream)
        if message is None:
            return 0
        if not message.get("more"):  # a further chunk of a batch shares the first's time
            arm_cpu(run.cpu_seconds)
        op = message.get("op")
        try:
            if op == "transform":
                reply = run.transform(message["records"])
            elif op == "before_run":
                reply = run.run_hook("before_run")
            elif op == "after_run":
                reply = run.run_hook("after_run", message["summary"])
            else:
                return 2
        except MemoryError:
            reply = {"limit": {"kind": "memory", "file": None, "line": None}}
        _write_all(out, run.reply(reply))
        if run.limit is not None:
            return 3


if __name__ == "__main__":
    sys.exit(main())
