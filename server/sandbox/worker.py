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
``limit`` (a limit was reached; the host then stops this worker). ``mapping`` and
``map`` run a task's formulas that call functions of the scripts
(:mod:`server.sandbox.mapping_run`).

The wire format is shared with the host (:mod:`server.sandbox.protocol`); the run itself
is :class:`~server.sandbox.runner.Run`, the limits :mod:`server.sandbox.limits`.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import warnings

from server.sandbox.limits import arm_cpu, set_limits, warm_up
from server.sandbox.protocol import read_frame, write_all
from server.sandbox.runner import Run


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
    warm_up()
    gc.freeze()  # what is loaded now stays; collections look at the run's objects only
    gc.set_threshold(50_000, 20, 50)
    message = read_frame(stream)
    if message is None or message.get("op") != "init":
        return 2
    run = Run(message["limits"])
    set_limits(run.memory_mb)
    arm_cpu(run.cpu_seconds)
    write_all(out, run.reply(run.init(message)))
    while True:
        message = read_frame(stream)
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
            elif op == "map":
                reply = run.mapping.map(message["rows"])
            elif op == "mapping":
                reply = run.mapping.setup(message["spec"])
            else:
                return 2
        except MemoryError:
            reply = {"limit": {"kind": "memory", "file": None, "line": None}}
        write_all(out, run.reply(reply))
        if run.limit is not None:
            return 3


if __name__ == "__main__":
    sys.exit(main())
