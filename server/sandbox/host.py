"""The host side of scripts: one worker process per run, spoken to in JSON frames.

:class:`ScriptHost` starts ``python -I -B -m server.sandbox.worker`` with an empty
environment in an empty temporary folder and sends it the scripts; then each request is
one frame (a ``transform`` batch travels in a few chunks, so that on a machine with
cores to spare the host checks one chunk while the worker transforms the next).

The host trusts nothing that comes back: a reply must announce a size within
``max_result_bytes`` before it is read, is parsed with orjson only (never pickle), and
every value is checked (a record is a dict of field name to None, bool, int, float, str,
Decimal, date or datetime, at most ``max_record_bytes``; see :mod:`server.sandbox.results`).
A record the script did not change comes back as ``0`` and the host hands back the
caller's own dict; one whose values changed comes back as those changes only.

Each request has a wall-clock deadline. A worker that passes it, dies (SIGPROF/SIGXCPU:
CPU limit; a ``MemoryError``: memory limit) or reports a limit is killed, the host
becomes unusable and :class:`ScriptLimitError` names the limit and the hook.
"""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Iterator
from typing import Any

import orjson

from server.sandbox import log
from server.sandbox.limits import Limits
from server.sandbox.protocol import HEADER, encodable, encodable_rows, encode
from server.sandbox.results import (
    LogLine,
    MappedBatch,
    RecordResult,
    ReplyChecks,
    ScriptError,
    ScriptLimitError,
    record_result,
)

__all__ = ["Limits", "LogLine", "RecordResult", "ScriptError", "ScriptHost",
           "ScriptLimitError"]

HOOK_NAMES = ("before_run", "transform", "after_run")
CHUNKS = 4  # a batch travels in up to this many chunks (host and worker overlap)
CHUNK_MIN = 100
_STDERR_KEEP = 8_000


class ScriptHost(ReplyChecks):
    """The scripts of one run, in their own worker process (a context manager)."""

    command: tuple[str, ...] = (sys.executable, "-I", "-B", "-m", "server.sandbox.worker")
    """How the worker starts: isolated mode (no PYTHON* variables, no user site, no
    current folder on the path), no bytecode writes."""

    def __init__(self, scripts: list[tuple[str, str]], settings: dict[str, str],
                 limits: Limits = Limits(), key_field: str | None = None,  # noqa: B008
                 helpers: tuple[str, ...] = ()) -> None:
        names = [file for file, _source in scripts]
        if len(set(names)) != len(names):
            raise ValueError("two scripts have the same file name")
        self.scripts = list(scripts)
        self.helper_files = tuple(helpers)  # scripts whose functions formulas may call
        self._functions: list[str] = []
        self._width = 0  # fields of the mapping set with set_mapping()
        self.settings = dict(settings)
        self.limits = limits
        self.key_field = key_field
        self._proc: subprocess.Popen[bytes] | None = None
        self._folder: str | None = None
        self._finalizer: weakref.finalize | None = None
        self._hooks: dict[str, list[tuple[str, int]]] = {}  # hook -> [(file, def line)]
        self._dead: str | None = None
        self._started = False
        self._log_count = 0
        self._reply_size = 0
        self.start_logs: list[LogLine] = []  # what the scripts' top level printed

    # -- life cycle ------------------------------------------------------------------

    def __enter__(self) -> ScriptHost:
        if not self._started:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the worker and compile every script there (``ScriptError`` on problems)."""
        if self._started:
            raise ScriptError("this script host was already started")
        self._started = True
        if not self.scripts:
            return
        self._folder = tempfile.mkdtemp(prefix="synccenter-script-")
        env = {"TZ": os.environ["TZ"]} if "TZ" in os.environ else {}
        try:
            self._proc = subprocess.Popen(
                list(self.command),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=self._folder, env=env, close_fds=True, start_new_session=True,
            )
        except OSError as exc:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._dead = "not started"
            raise ScriptError(f"the script worker cannot be started: {exc}") from exc
        self._finalizer = weakref.finalize(self, _reap, self._proc, self._folder)
        try:
            self._initialise()
        except BaseException:
            self._stop("start failed")
            raise

    def _initialise(self) -> None:
        assert self._proc is not None
        for pipe in (self._proc.stdin, self._proc.stdout):
            _widen(pipe.fileno())  # type: ignore[union-attr]
        for pipe in (self._proc.stdin, self._proc.stderr):
            os.set_blocking(pipe.fileno(), False)  # type: ignore[union-attr]
        log.debug("script worker %s started for %s", self._proc.pid, ", ".join(
            file for file, _ in self.scripts))
        limits = {name: getattr(self.limits, name) for name in (
            "cpu_seconds", "memory_mb", "max_result_bytes", "max_log_lines",
            "max_record_bytes")}
        reply = self._request({"op": "init", "scripts": self.scripts,
                               "settings": self.settings, "limits": limits,
                               "helpers": list(self.helper_files)}, "start")
        if "problems" in reply:
            problems = self._problems(reply["problems"])
            first = problems[0]
            raise ScriptError("\n".join(str(p) for p in problems), file=first.file,
                              line=first.line, hook="start", problems=problems)
        logs = self._logs(reply.get("logs", []), "start")
        self._check_outcome(reply, "start", logs)
        self.start_logs = logs
        hooks = reply.get("hooks")
        if type(hooks) is not dict:
            raise self._malformed("start")
        for file, _source in self.scripts:
            entries = hooks.get(file, [])
            if type(entries) is not list:
                raise self._malformed("start")
            for entry in entries:
                if (type(entry) is not list or len(entry) != 2 or entry[0] not in HOOK_NAMES
                        or type(entry[1]) is not int):
                    raise self._malformed("start")
                self._hooks.setdefault(entry[0], []).append((file, entry[1]))

        functions = reply.get("functions", [])
        if type(functions) is not list or any(type(f) is not str for f in functions):
            raise self._malformed("start")
        self._functions = functions

    def functions(self) -> list[str]:
        """The functions of the ``helpers`` scripts that formulas may call."""
        return list(self._functions)

    def hooks(self) -> set[str]:
        """Which of before_run, transform and after_run the scripts define."""
        return set(self._hooks)

    def close(self) -> None:
        """End the worker (killing it if it does not end at once); idempotent."""
        if self._dead is None:
            self._dead = "closed"
        if self._finalizer is not None:
            self._finalizer()  # _reap, once
            self._finalizer = None
        self._proc = None

    # -- hooks -----------------------------------------------------------------------

    def before_run(self) -> list[LogLine]:
        """Run ``before_run(ctx)`` of every script that has it, in order."""
        return self._run_hook("before_run", {"op": "before_run"})

    def after_run(self, summary: dict[str, Any]) -> list[LogLine]:
        """Run ``after_run(ctx, summary)`` of every script that has it, in order."""
        return self._run_hook("after_run", {"op": "after_run", "summary": summary})

    def _run_hook(self, hook: str, message: dict[str, Any]) -> list[LogLine]:
        self._require_started(hook)
        if hook not in self._hooks:
            return []
        try:
            payload = encode(message)
        except TypeError as exc:
            raise ScriptError(f"the {hook} data cannot be handed to scripts: {exc}",
                              hook=hook) from None
        reply = self._exchange(payload, hook)
        logs = self._logs(reply.get("logs", []), hook)
        self._check_outcome(reply, hook, logs)
        return logs

    def transform(self, records: list[dict[str, Any]]) -> list[RecordResult]:
        """Run the ``transform`` hooks over one batch; one result per record, in order.

        A record the scripts did not change is handed back as the very dict given; a
        changed one as a new dict (the caller's dicts are never modified).
        """
        self._require_started("transform")
        if "transform" not in self._hooks:
            return [record_result(record, None, []) for record in records]
        size = max(CHUNK_MIN, -(-len(records) // CHUNKS))
        parts = [records[start:start + size] for start in range(0, len(records), size)]
        refused: list[dict[int, str]] = []
        payloads = (self._transform_payload(part, refused, index > 0)
                    for index, part in enumerate(parts))
        results: list[RecordResult] = []
        for index, reply in enumerate(self._converse(payloads, len(parts), "transform")):
            self._check_outcome(reply, "transform")
            results += self._results(reply, parts[index], refused[index])
        return results

    def _transform_payload(self, part: list[dict[str, Any]], refused: list[dict[int, str]],
                           more: bool) -> bytes:
        # "more": a further chunk of the same call, within the CPU time armed for the first
        try:
            payload = encode({"op": "transform", "records": part, "more": more})
            refused.append({})
        except TypeError:
            converted, bad = encodable(part)
            refused.append(bad)
            payload = encode({"op": "transform", "more": more, "records": [
                record for index, record in enumerate(converted) if index not in bad]})
        return payload

    # -- formulas that call script functions ----------------------------------------

    def set_mapping(self, spec: dict[str, Any]) -> None:
        """Build a task's mapping in the worker (``Mapping.spec()``) for :meth:`map`."""
        self._require_started("functions")
        reply = self._request({"op": "mapping", "spec": spec}, "functions")
        self._check_outcome(reply, "functions", self._logs(reply.get("logs", []), "functions"))
        self._width = len(spec["fields"])

    def map(self, rows: list[tuple[Any, ...]]) -> MappedBatch:
        """Map source rows in the worker with the mapping given to :meth:`set_mapping`."""
        self._require_started("functions")
        refused: dict[int, str] = {}
        try:
            payload = encode({"op": "map", "rows": rows})
        except TypeError:
            sendable, refused = encodable_rows(rows)
            payload = encode({"op": "map", "rows": sendable})
        reply = self._exchange(payload, "functions")
        self._check_outcome(reply, "functions")
        return self._mapped(reply, len(rows) - len(refused), self._width).merge(refused)

    # -- talking to the worker -------------------------------------------------------

    def _require_started(self, hook: str) -> None:
        if not self._started:
            raise ScriptError("the script host was not started; call start() first")
        if self._dead is not None:
            raise ScriptError(f"{self._who(hook)}: the script worker is not running "
                              f"({self._dead}); start a new run", hook=hook)

    def _request(self, message: dict[str, Any], hook: str) -> dict[str, Any]:
        return self._exchange(encode(message), hook)

    def _exchange(self, payload: bytes, hook: str) -> dict[str, Any]:
        return next(self._converse(iter([payload]), 1, hook))

    def _converse(self, payloads: Iterator[bytes], count: int,
                  hook: str) -> Iterator[dict[str, Any]]:
        """Send ``payloads`` as fast as the worker takes them; yield its ``count`` replies.

        The whole exchange has one wall-clock deadline. A reply is read only if its
        announced size is within ``max_result_bytes``; it must be a JSON object.
        """
        if self._dead is not None:
            raise ScriptError(f"{self._who(hook)}: the script worker is not running "
                              f"({self._dead}); start a new run", hook=hook)
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        deadline = time.monotonic() + self.limits.wall_seconds
        write_fd, read_fd = proc.stdin.fileno(), proc.stdout.fileno()
        cap = self.limits.max_result_bytes + 4096
        pending = memoryview(b"")
        received = bytearray()
        replies = 0
        broken = False  # the worker stopped reading; its last replies may still be there
        try:
            while replies < count:
                while not broken:  # fill the pipe
                    if not pending:
                        following = next(payloads, None)
                        if following is None:
                            break
                        pending = memoryview(following)
                    try:
                        pending = pending[os.write(write_fd, pending):]
                    except BlockingIOError:
                        break
                    except OSError:
                        broken, pending = True, memoryview(b"")
                if len(received) >= HEADER.size:
                    (size,) = HEADER.unpack_from(received)
                    if size > cap:
                        raise self._limit(hook, "output", None)
                    if len(received) >= HEADER.size + size:
                        body = bytes(received[HEADER.size:HEADER.size + size])
                        del received[:HEADER.size + size]
                        replies += 1
                        self._reply_size = size
                        yield self._parse(body, hook)
                        if time.monotonic() > deadline and replies < count:
                            raise self._limit(hook, "wall", None)
                        continue
                poller = select.poll()
                poller.register(read_fd, select.POLLIN)
                if pending:
                    poller.register(write_fd, select.POLLOUT)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._limit(hook, "wall", None)
                for fd, _event in poller.poll(int(remaining * 1000) + 1):
                    if fd == read_fd:
                        try:
                            chunk = os.read(read_fd, 4 * 2**20)
                        except BlockingIOError:
                            continue
                        except OSError:
                            raise _WorkerGone() from None
                        if not chunk:
                            raise _WorkerGone()
                        received += chunk
        except _WorkerGone:
            raise self._died(hook) from None

    def _parse(self, body: bytes, hook: str) -> dict[str, Any]:
        try:
            reply = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise self._malformed(hook) from None
        if type(reply) is not dict:
            raise self._malformed(hook)
        return reply

    def _died(self, hook: str) -> ScriptLimitError | ScriptError:
        proc = self._proc
        assert proc is not None
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        stderr = _drain(proc)
        if code in (-signal.SIGXCPU, -signal.SIGPROF):
            return self._limit(hook, "cpu", None)
        if "MemoryError" in stderr or "Cannot allocate memory" in stderr:
            return self._limit(hook, "memory", None)
        if code == -signal.SIGXFSZ:
            reason = "tried to write a file"
        elif code is not None and code < 0:
            reason = f"was ended by signal {signal.Signals(-code).name}"
        else:
            last = stderr.strip().splitlines()[-1:] or [""]
            reason = f"stopped unexpectedly (exit code {code}) {last[0]}".rstrip()
        self._stop("crashed")
        log.warning("script worker ended during %s: %s\n%s", hook, reason, stderr[-2000:])
        return ScriptLimitError(f"{self._who(hook)}: the worker running {hook} {reason}; "
                                "it was stopped", hook=hook, limit="crash")

    def _stop(self, reason: str) -> None:
        """Kill the worker after a limit or a failure; close() then cleans up."""
        self._dead = reason
        if self._proc is not None:
            _kill(self._proc)


class _WorkerGone(Exception):
    """The worker closed its end of a pipe."""


def _widen(fd: int) -> None:
    try:
        fcntl.fcntl(fd, 1031, 2**20)  # F_SETPIPE_SZ: fewer round trips for big batches
    except OSError:
        pass


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        log.warning("script worker %s did not end after SIGKILL", proc.pid)


def _drain(proc: subprocess.Popen[bytes]) -> str:
    if proc.stderr is None:
        return ""
    data = b""
    try:
        while len(data) < 1_000_000:
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data[-_STDERR_KEEP:].decode("utf-8", errors="replace")


def _reap(proc: subprocess.Popen[bytes], folder: str | None) -> None:
    """End a worker: close its input, give it a moment, then kill it."""
    for pipe in (proc.stdin,):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        _kill(proc)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
