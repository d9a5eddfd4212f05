"""What a run of scripts may use, and how the worker holds itself to it.

:class:`Limits` is what the host asks for. Inside the worker, before any script code runs,
:func:`set_limits` sets the resource limits (address space, no new files: the descriptor
limit is the number already open, no file writes, no child processes, no core dumps) and
:func:`arm_cpu` re-arms the CPU limit before every request; :func:`warm_up` first loads
what would otherwise be loaded from files later, when no file can be opened.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import resource
import signal
from dataclasses import dataclass
from decimal import Decimal

RECURSION_LIMIT = 300


@dataclass(frozen=True)
class Limits:
    """What one run of scripts may use; the worker is stopped when it goes past one."""

    cpu_seconds: float = 30
    memory_mb: int = 512
    wall_seconds: float = 120
    max_result_bytes: int = 32 * 2**20
    max_log_lines: int = 10_000
    max_record_bytes: int = 2**20

    def __post_init__(self) -> None:
        for name in ("cpu_seconds", "memory_mb", "wall_seconds", "max_result_bytes",
                     "max_log_lines", "max_record_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name} must be positive")
        if self.memory_mb < 64:
            raise ValueError("Limits.memory_mb must be at least 64 (the worker needs it)")


def warm_up() -> None:
    """Load now what would otherwise be loaded from files later, when no file opens."""
    import json
    import re
    import statistics
    import time

    import server.engine.mapping
    import server.sandbox.guards
    import server.sandbox.policy  # noqa: F401 - imported for Run.init()

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


def set_limits(memory_mb: int) -> None:
    """Set the worker's resource limits (``memory_mb``: its address space)."""
    memory = memory_mb * 2**20
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
