"""What the benchmarks share: the memory of this process."""

from __future__ import annotations

import resource


def memory_mib(field: str) -> float:
    """VmHWM (peak) or VmRSS (now) of this process in MiB; the peak where there is no /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
