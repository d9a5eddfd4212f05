"""Resource limits: each hostile script fails its run within its limit, clearly, and the
next run gets a fresh worker that works."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from textwrap import dedent

import pytest

from server.sandbox.scripts import Limits, ScriptError, ScriptHost, ScriptLimitError

MARGIN = 1.5  # seconds: worker start, reporting, a loaded machine


def script(body: str, hook: str = "transform") -> str:
    args = {"transform": "record, ctx", "before_run": "ctx", "after_run": "ctx, summary"}
    lines = "".join(f"    {line}\n" for line in dedent(body).strip("\n").splitlines())
    return f"def {hook}({args[hook]}):\n{lines}    return None\n"


def run_until_limit(source: str, limits: Limits, hook: str = "transform",
                    name: str = "bad.py") -> tuple[ScriptLimitError, float, int | None]:
    h = ScriptHost([(name, source)], {}, limits)
    started = time.monotonic()
    with pytest.raises(ScriptLimitError) as caught:
        h.start()
        pid = h.pid
        if hook == "transform":
            h.transform([{"sku": "A", "n": 1}])
        elif hook == "before_run":
            h.before_run()
        else:
            h.after_run({})
    elapsed = time.monotonic() - started
    pid = h.pid
    with pytest.raises(ScriptError, match="not running"):
        h.transform([{"sku": "B"}])
    h.close()
    return caught.value, elapsed, pid


def assert_worker_gone(pid: int | None) -> None:
    if pid is None:
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    status = Path(f"/proc/{pid}/status").read_text()
    assert "zombie" in status or "(dead)" in status


@pytest.fixture(autouse=True)
def _next_run_works() -> None:
    yield
    with ScriptHost([("ok.py", "import math\ndef transform(record, ctx):\n"
                               "    record['pi'] = math.pi\n    return record\n")], {}) as h:
        assert h.transform([{"a": 1}])[0].record == {"a": 1, "pi": 3.141592653589793}


def test_infinite_loop_is_stopped_by_the_cpu_limit() -> None:
    err, elapsed, pid = run_until_limit(script("while True:\n    pass"),
                                        Limits(cpu_seconds=1), name="round_prices.py")
    assert str(err) == ("script round_prices.py: transform used more than 1 s of CPU time "
                        "(limit); the worker was stopped")
    assert (err.limit, err.hook) == ("cpu", "transform")
    assert 1 <= elapsed < 1 + MARGIN
    assert_worker_gone(pid)


def test_huge_power_is_stopped_by_the_cpu_limit() -> None:
    err, elapsed, _pid = run_until_limit(script("x = 10**10**10"), Limits(cpu_seconds=1))
    assert err.limit == "cpu"
    assert elapsed < 1 + MARGIN


@pytest.mark.parametrize("body", [
    pytest.param("x = 'x' * 10**10", id="string-times-huge"),
    pytest.param("items = [0]\nwhile True:\n    items = items + items", id="list-doubling"),
    pytest.param("d = {}\nfor i in range(10**9):\n    d[i] = str(i) * 10", id="dict-growth"),
])
def test_memory_bombs_are_stopped_by_the_memory_limit(body: str) -> None:
    err, elapsed, pid = run_until_limit(script(body), Limits(memory_mb=200, cpu_seconds=20))
    assert err.limit == "memory"
    assert str(err).startswith("script bad.py: transform needed more than 200 MB of memory")
    assert str(err).endswith("(limit); the worker was stopped")
    assert elapsed < 10
    assert_worker_gone(pid)


def test_deep_recursion_is_stopped() -> None:
    body = "def down(n):\n    return down(n + 1)\ndown(0)"
    err, elapsed, _pid = run_until_limit(script(body), Limits())
    assert err.limit == "recursion"
    assert str(err) == ("script bad.py: transform recursed deeper than 300 levels (at bad.py:3) "
                        "(limit); the worker was stopped")
    assert (err.file, err.line) == ("bad.py", 3)
    assert elapsed < MARGIN


def test_catastrophic_regex_is_stopped_by_the_cpu_limit() -> None:
    body = "import re\nre.match('(a+)+$', 'a' * 5000 + 'b')"
    err, elapsed, _pid = run_until_limit(script(body), Limits(cpu_seconds=1))
    assert err.limit == "cpu"
    assert elapsed < 1 + MARGIN


def test_regex_on_a_huge_text_is_refused() -> None:
    source = script("import re\nre.search('(a+)+$', 'a' * 200_000)")
    with ScriptHost([("re.py", source)], {}) as h:
        [result] = h.transform([{}])
    assert result.error == ("re.py:3: ValueError: re: the text has 200000 characters; "
                            "scripts may search at most 100000 at a time")


def test_log_flood_is_stopped() -> None:
    body = "for i in range(10**6):\n    ctx.log('spam')"
    err, elapsed, _pid = run_until_limit(script(body), Limits(max_log_lines=1000))
    assert str(err) == ("script bad.py: transform wrote more than 1,000 log lines "
                        "(at bad.py:3) (limit); the worker was stopped")
    assert err.limit == "log"
    assert elapsed < MARGIN


def test_log_flood_cannot_be_caught_by_the_script() -> None:
    body = """
        for i in range(10**5):
            try:
                print('spam')
            except:
                pass
        return record
    """
    err, _elapsed, _pid = run_until_limit(script(body), Limits(max_log_lines=100))
    assert err.limit == "log"


def test_logs_are_counted_over_the_whole_run() -> None:
    source = script("ctx.log('one per record')")
    with ScriptHost([("s.py", source)], {}, Limits(max_log_lines=250)) as h:
        h.transform([{}] * 200)
        with pytest.raises(ScriptLimitError, match="more than 250 log lines"):
            h.transform([{}] * 200)


def test_busy_script_is_stopped_by_the_wall_clock() -> None:
    err, elapsed, pid = run_until_limit(
        script("while True:\n    pass"), Limits(cpu_seconds=60, wall_seconds=1),
        name="round_prices.py")
    assert str(err) == ("script round_prices.py: transform took more than 1 s of wall-clock "
                        "time (limit); the worker was stopped")
    assert err.limit == "wall"
    assert 1 <= elapsed < 1 + MARGIN
    assert_worker_gone(pid)


def test_too_much_output_is_stopped() -> None:
    body = "record['blob'] = 'x' * 500_000\nreturn record"
    h = ScriptHost([("big.py", script(body))], {}, Limits(max_result_bytes=2**21))
    with h, pytest.raises(ScriptLimitError) as caught:
        h.transform([{"n": n} for n in range(10)])
    assert str(caught.value) == ("script big.py: transform returned more than 2 MiB for one "
                                 "request (limit); the worker was stopped")


def test_limits_in_before_run_and_at_the_top_level() -> None:
    err, elapsed, _pid = run_until_limit(script("while True:\n    pass", "before_run"),
                                         Limits(cpu_seconds=1), hook="before_run")
    assert (err.limit, err.hook) == ("cpu", "before_run")
    assert elapsed < 1 + MARGIN
    err, elapsed, _pid = run_until_limit("x = 'x' * 10**10\n", Limits(memory_mb=200),
                                         hook="start")
    assert err.limit == "memory"
    assert str(err).startswith("script bad.py: starting needed more than 200 MB of memory")


def test_a_killed_worker_is_reported() -> None:
    h = ScriptHost([("s.py", script("return record"))], {})
    with h:
        os.kill(h.pid, signal.SIGKILL)
        with pytest.raises(ScriptLimitError) as caught:
            h.transform([{}])
    assert str(caught.value) == ("script s.py: the worker running transform was ended by "
                                 "signal SIGKILL; it was stopped")


def test_cpu_limit_is_per_request() -> None:
    body = """
        x = 0
        for i in range(2_000_000):
            x = x + i
        return record
    """
    with ScriptHost([("s.py", script(body))], {}, Limits(cpu_seconds=1)) as h:
        for _ in range(4):  # together well over a second of CPU time, each far below
            assert h.transform([{"a": 1}])[0].error is None


def test_cpu_limit_covers_a_whole_batch() -> None:
    body = """
        x = 0
        for i in range(300_000):
            x = x + i
        return record
    """
    with ScriptHost([("s.py", script(body))], {}, Limits(cpu_seconds=1)) as h:
        assert h.transform([{"n": 1}])[0].error is None  # one record: well within
        with pytest.raises(ScriptLimitError, match="CPU time"):
            h.transform([{"n": n} for n in range(400)])  # chunks share the batch's second
