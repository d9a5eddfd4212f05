"""A runner driven step by step on a shared fake clock, for the process race tests.

Run as ``python -m tests.runner.race_harness --home DIR --url URL --control DIR --name N``
(from the project folder). The test process drives it through files in ``--control``:

* ``clock.txt``: the fake instant (ISO 8601), read each time the runner asks the time;
* ``step.txt``: a step number; for each new step the runner ticks ``--ticks`` times in
  quick succession (with tiny random pauses, so that the runners race), waits for the
  runs it started, then writes the step to ``ack-NAME.txt``;
* ``stop``: when it exists, the runner shuts down and exits.

At the end it prints one JSON line: its name, pid, owner and the run ids it started.
Without a new step for ``--idle-seconds`` it gives up (the test died) and exits with 3.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from datetime import datetime
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader never sees a half-written file."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def read_step(path: Path) -> int:
    try:
        return int(path.read_text(encoding="utf-8").strip() or 0)
    except FileNotFoundError:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="the instance folder")
    parser.add_argument("--url", required=True, help="the state store URL")
    parser.add_argument("--control", required=True, help="the folder of the control files")
    parser.add_argument("--name", required=True, help="this runner's name (ack file, owner)")
    parser.add_argument("--ticks", type=int, default=5, help="ticks per step")
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format=f"{args.name} %(levelname)s %(name)s: %(message)s")

    from server.config import Instance
    from server.engine import load_plugins
    from server.runner.runner import Runner, RunnerConfig
    from server.store import Store

    load_plugins()
    control = Path(args.control)
    clock_file, step_file = control / "clock.txt", control / "step.txt"
    ack_file, stop_file = control / f"ack-{args.name}.txt", control / "stop"

    def file_clock() -> datetime:
        return datetime.fromisoformat(clock_file.read_text(encoding="utf-8").strip())

    instance = Instance.load(args.home)
    store = Store.open(args.url)
    owner = f"race-{args.name}:{os.getpid()}"
    runner = Runner(instance, store, RunnerConfig(lease_seconds=30, max_parallel=2),
                    clock=file_clock, owner=owner)
    rng = random.Random()
    started: list[int] = []
    done = 0
    write_atomic(ack_file, "0")  # ready
    last_change = time.monotonic()
    try:
        while not stop_file.exists():
            step = read_step(step_file)
            if step <= done:
                if time.monotonic() - last_change > args.idle_seconds:
                    print(f"{args.name}: no new step for {args.idle_seconds:g} s; giving up",
                          file=sys.stderr)
                    return 3
                time.sleep(rng.uniform(0.001, 0.004))
                continue
            for _ in range(args.ticks):
                report = runner.tick()
                started += [claim.run_id for claim in report.started]
                time.sleep(rng.uniform(0, 0.003))
            runner.wait_idle(timeout=30)
            done = step
            last_change = time.monotonic()
            write_atomic(ack_file, str(step))
    finally:
        runner.shutdown()
        store.close()
    print(json.dumps({"name": args.name, "pid": os.getpid(), "owner": owner,
                      "started": started}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
