"""Scripts: the hooks, the context, exact values across the process boundary, clear errors."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from textwrap import dedent

import pytest

from server.sandbox.scripts import (
    Limits,
    LogLine,
    RecordResult,
    ScriptError,
    ScriptHost,
    check_script,
)

PRICES = dedent("""\
    from decimal import Decimal, ROUND_HALF_UP

    def before_run(ctx):
        ctx.lookup["factor"] = Decimal(ctx.settings["factor"])
        ctx.lookup["brands"] = {"ac": "Acme", "zz": "Zeta"}
        ctx.log("lookup loaded")

    def transform(record, ctx):
        if not record.get("ean"):
            ctx.warn("no EAN, skipped")
            return None
        price = record["price"] * ctx.lookup["factor"]
        record["price"] = price.quantize(Decimal("1"), rounding=ROUND_HALF_UP) - Decimal("0.01")
        record["brand"] = ctx.lookup["brands"].get(record["brand"], record["brand"])
        record["stock"] += 1
        return record

    def after_run(ctx, summary):
        ctx.log(f"{summary['written']} written, {summary['skipped']} skipped")
""")


def host(source: str, settings: dict[str, str] | None = None, name: str = "s.py",
         **kwargs: object) -> ScriptHost:
    return ScriptHost([(name, source)], settings or {}, **kwargs)


def transform_one(body: str, record: dict[str, object]) -> RecordResult:
    source = "def transform(record, ctx):\n" + "".join(
        f"    {line}\n" for line in dedent(body).strip("\n").splitlines())
    with host(source) as h:
        return h.transform([record])[0]


def test_hooks_lookup_skip_and_summary() -> None:
    records = [
        {"sku": "A-1", "ean": "4000000000017", "price": Decimal("16.80"), "brand": "ac",
         "stock": 3},
        {"sku": "A-2", "ean": "", "price": Decimal("9.99"), "brand": "zz", "stock": 0},
    ]
    with host(PRICES, {"factor": "1.19"}, name="round_prices.py", key_field="sku") as h:
        assert h.hooks() == {"before_run", "transform", "after_run"}
        assert h.before_run() == [LogLine("info", "lookup loaded", None, "round_prices.py", 6)]
        first, second = h.transform(records)
        summary = h.after_run({"written": 1, "skipped": 1})
    assert first == RecordResult({"sku": "A-1", "ean": "4000000000017",
                                  "price": Decimal("19.99"), "brand": "Acme", "stock": 4},
                                 None, [])
    assert second == RecordResult(None, None, [
        LogLine("warning", "no EAN, skipped", "A-2", "round_prices.py", 10)])
    assert summary == [LogLine("info", "1 written, 1 skipped", None, "round_prices.py", 19)]
    assert records[0]["price"] == Decimal("16.80")  # the caller's records are not changed


def test_only_defined_hooks_run() -> None:
    with host("def transform(record, ctx):\n    return record\n") as h:
        assert h.hooks() == {"transform"}
        assert h.before_run() == []
        assert h.after_run({}) == []
    with host("def before_run(ctx):\n    ctx.log('hi')\n") as h:
        records = [{"a": 1}]
        assert h.transform(records) == [RecordResult({"a": 1}, None, [])]


def test_several_scripts_run_in_order_each_with_its_own_lookup() -> None:
    first = dedent("""\
        def before_run(ctx):
            ctx.lookup["n"] = 1
        def transform(record, ctx):
            record["path"] = record["path"] + "a"
            return record
    """)
    second = dedent("""\
        def transform(record, ctx):
            record["path"] = record["path"] + "b"
            record["seen"] = "n" in ctx.lookup
            return record
    """)
    with ScriptHost([("a.py", first), ("b.py", second)], {}) as h:
        h.before_run()
        [result] = h.transform([{"path": ""}])
    assert result.record == {"path": "ab", "seen": False}


@pytest.mark.parametrize("value", [
    pytest.param(Decimal("19.90"), id="decimal-keeps-trailing-zero"),
    pytest.param(Decimal("1E+2"), id="decimal-exponent"),
    pytest.param(Decimal("-0.000001"), id="decimal-small"),
    pytest.param(Decimal("123456789012345678901234567890.123456789"), id="decimal-long"),
    pytest.param(Decimal("NaN"), id="decimal-nan"),
    pytest.param(dt.date(2024, 2, 29), id="date"),
    pytest.param(dt.datetime(2024, 5, 31, 14, 5, 7, 123456), id="datetime"),
    pytest.param(dt.datetime(2024, 5, 31, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
                 id="datetime-offset"),
    pytest.param(2**70, id="big-int"),
    pytest.param(-(2**63), id="int64-min"),
    pytest.param(True, id="bool"),
    pytest.param(None, id="none"),
    pytest.param(0.1, id="float"),
    pytest.param("Größe \u2013 \U0001f600 \x00", id="text"),
])
def test_values_round_trip_exactly(value: object) -> None:
    body = """
        record["copy"] = record["value"]
        record["kind"] = repr(record["value"])
        return record
    """
    result = transform_one(body, {"value": value})
    assert result.error is None
    copy = result.record["copy"]
    assert type(copy) is type(value)
    if isinstance(value, Decimal) and value.is_nan():
        assert copy.is_nan()
    else:
        assert copy == value
        assert result.record["kind"] == repr(value)
    assert str(copy) == str(value)


def test_values_made_in_the_script_cross_back() -> None:
    body = """
        import datetime
        from decimal import Decimal
        record["d"] = Decimal("0.1") + Decimal("0.2")
        record["day"] = datetime.date(2024, 1, 31) + datetime.timedelta(days=1)
        record["at"] = datetime.datetime(2024, 1, 2, 3, 4, 5)
        return record
    """
    result = transform_one(body, {})
    assert result.record == {"d": Decimal("0.3"), "day": dt.date(2024, 2, 1),
                             "at": dt.datetime(2024, 1, 2, 3, 4, 5)}


def test_unchanged_changed_appended_and_rebuilt_records() -> None:
    source = dedent("""\
        def transform(record, ctx):
            kind = record["kind"]
            if kind == "same":
                return record
            if kind == "copy":
                return dict(record)
            if kind == "change":
                record["v"] = 2
            elif kind == "append":
                record["w"] = 3
            elif kind == "reorder":
                return {"v": record["v"], "kind": kind}
            elif kind == "delete":
                del record["v"]
            return record
    """)
    kinds = ["same", "copy", "change", "append", "reorder", "delete"]
    with host(source) as h:
        results = h.transform([{"kind": kind, "v": 1} for kind in kinds])
    assert [list(r.record.items()) for r in results] == [
        [("kind", "same"), ("v", 1)],
        [("kind", "copy"), ("v", 1)],
        [("kind", "change"), ("v", 2)],
        [("kind", "append"), ("v", 1), ("w", 3)],
        [("v", 1), ("kind", "reorder")],
        [("kind", "delete")],
    ]


def test_runtime_error_names_file_and_line() -> None:
    source = dedent("""\
        def helper(value):
            return 100 / value

        def transform(record, ctx):
            record["share"] = helper(record["n"])
            return record
    """)
    with host(source, name="shares.py") as h:
        ok, bad = h.transform([{"n": 4}, {"n": 0}])
        assert ok.record == {"n": 4, "share": 25.0}
        assert bad.record is None
        assert bad.error == "shares.py:2: ZeroDivisionError: division by zero"
        # the run goes on: the pipeline decides, not the host
        assert h.transform([{"n": 5}])[0].record == {"n": 5, "share": 20.0}


def test_logs_of_a_failing_record_are_kept() -> None:
    body = """
        ctx.log("before")
        raise ValueError("broken " + record["sku"])
    """
    result = transform_one(body, {"sku": "X"})
    assert result.error == "s.py:3: ValueError: broken X"  # line 1 is the def
    assert [line.text for line in result.logs] == ["before"]


def test_print_becomes_a_log_line() -> None:
    result = transform_one("print('price', 1, sep=': ')\nreturn record", {})
    assert result.logs == [LogLine("info", "price: 1", None, "s.py", 2)]


@pytest.mark.parametrize("hook", ["before_run", "after_run"])
def test_error_in_run_hooks_raises_with_file_and_line(hook: str) -> None:
    args = "ctx" if hook == "before_run" else "ctx, summary"
    source = f"def {hook}({args}):\n    ctx.log('start')\n    {{}}['missing']\n"
    with host(source, name="hooks.py") as h:
        with pytest.raises(ScriptError) as caught:
            h.before_run() if hook == "before_run" else h.after_run({"read": 1})
    err = caught.value
    assert str(err) == f"hooks.py:3: {hook} failed: KeyError: 'missing'"
    assert (err.file, err.line, err.hook) == ("hooks.py", 3, hook)
    assert [line.text for line in err.logs] == ["start"]


def test_error_at_top_level_fails_start() -> None:
    with pytest.raises(ScriptError) as caught:
        with host("x = 1\ny = x / 0\n", name="top.py"):
            pass
    assert str(caught.value) == "top.py:2: the script failed: ZeroDivisionError: division by zero"


def test_compile_problems_fail_start_with_every_problem() -> None:
    scripts = [("a.py", "import os\n"), ("b.py", "x = 1\ny = ().__class__\n")]
    with pytest.raises(ScriptError) as caught:
        ScriptHost(scripts, {}).start()
    err = caught.value
    assert str(err).splitlines() == [
        "a.py:1:1: import of 'os' is not allowed in scripts; they may import: math, "
        "itertools, decimal, datetime, re, string, json, statistics",
        'b.py:2:5: attribute "__class__" is not allowed: names starting with "_" reach '
        "Python internals",
    ]
    assert (err.file, err.line) == ("a.py", 1)
    assert len(err.problems) == 2


def test_check_script_reports_every_violation_with_position() -> None:
    source = dedent("""\
        import subprocess
        from decimal import Decimal

        def transform(record, ctx):
            x = record.__class__
            y = type(record)
            s = "{0}".format(x)
            return eval("record")

        def helper(a, _getitem_=None, /):
            yield a
        async def later():
            pass
        try:
            pass
        except* ValueError:
            pass
        price = 19.99;  é = Decimal(1).__dict__
    """)
    problems = check_script(source, "bad.py")
    assert [(p.line, p.column) for p in problems] == [
        (1, 1), (5, 9), (6, 9), (7, 9), (8, 12), (10, 15), (11, 5), (12, 1), (14, 1),
        (18, 21),  # in characters: "é" takes two bytes
    ]
    assert [str(p) for p in problems][:2] == [
        "bad.py:1:1: import of 'subprocess' is not allowed in scripts; they may import: "
        "math, itertools, decimal, datetime, re, string, json, statistics",
        'bad.py:5:9: attribute "__class__" is not allowed: names starting with "_" reach '
        "Python internals",
    ]
    assert "type() is not available" in problems[2].message
    assert "str.format" in problems[3].message
    assert "eval() is not available" in problems[4].message
    assert '"_getitem_" is not allowed' in problems[5].message
    assert "yield is not allowed" in problems[6].message
    assert "async code is not allowed" in problems[7].message
    assert "except* is not allowed" in problems[8].message
    assert problems[9].message.startswith('attribute "__dict__" is not allowed')


def test_check_script_syntax_and_compiler_errors() -> None:
    assert [str(p) for p in check_script("def f(:\n    pass\n", "s.py")] == [
        "s.py:1:7: syntax error: invalid syntax"]
    assert [str(p) for p in check_script("x = 1\nreturn x\n", "s.py")] == [
        "s.py:2:1: syntax error: 'return' outside function"]
    assert [str(p) for p in check_script("def transform(record):\n    return record\n",
                                         "s.py")] == [
        "s.py:1:1: the hook transform must take 2 arguments: transform(record, ctx)"]
    assert [p.message for p in check_script("x = 1\x00", "s.py")] == [
        "syntax error: source code string cannot contain null bytes"]


def test_check_script_accepts_the_python_a_transformation_needs() -> None:
    source = dedent("""\
        import math, re, json, statistics, string, itertools
        from datetime import date, timedelta
        from decimal import Decimal, ROUND_HALF_UP

        EAN = re.compile(r"^\\d{13}$")

        class Price:
            def __init__(self, value):
                self.value = Decimal(value)
            def __lt__(self, other):
                return self.value < other.value

        def transform(record, ctx):
            type = record.get("type")  # a script may name its own variables 'type'
            record["ok"] = bool(EAN.match(record.get("ean") or ""))
            record["n"] = len([c for c in string.digits if c in record["sku"]])
            record["n"] += 1
            record["tags"] = json.dumps(sorted({t.strip() for t in record["t"].split(",")}))
            prices = sorted([Price("2.5"), Price("1.25")])
            record["low"] = prices[0].value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            record["mean"] = statistics.mean([1, 2, 3]) + math.floor(2.5)
            record["pairs"] = len(list(itertools.combinations("abc", 2)))
            record["next"] = date(2024, 1, 1) + timedelta(days=1)
            a, (b, c) = 1, (2, 3)
            total = 0
            for i, value in enumerate([a, b, c]):
                total += i * value
            try:
                record["x"] = {}["missing"]
            except KeyError as exc:
                record["x"] = f"missing {exc!s}"
            return record if type != "skip" else None
    """)
    assert check_script(source, "good.py") == []
    with host(source) as h:
        [result] = h.transform([{"sku": "A12", "t": "b, a, b", "ean": "4000000000017"}])
    assert result.error is None
    assert result.record == {
        "sku": "A12", "t": "b, a, b", "ean": "4000000000017", "ok": True, "n": 3,
        "tags": '["a", "b"]', "low": Decimal("1.3"), "mean": 4, "pairs": 3,
        "next": dt.date(2024, 1, 2), "x": "missing 'missing'",
    }


@pytest.mark.parametrize(("body", "message"), [
    pytest.param("return {1, 2}", "transform returned a set, not a record (a dict) or None",
                 id="set"),
    pytest.param("return 'text'", "transform returned a str, not a record", id="str"),
    pytest.param("return ctx", "transform returned a Context, not a record", id="object"),
    pytest.param("record['x'] = {1, 2}\nreturn record",
                 "transform returned field 'x' holding a set; record values must be None, "
                 "bool, int, float, str, Decimal, date or datetime", id="set-value"),
    pytest.param("record['x'] = [1, 2]\nreturn record",
                 "transform returned field 'x' holding a list", id="list-value"),
    pytest.param("record['x'] = {'a': 1}\nreturn record",
                 "transform returned field 'x' holding a dict", id="dict-value"),
    pytest.param("record['x'] = ctx\nreturn record", "field 'x' holding a Context",
                 id="object-value"),
    pytest.param("import datetime\nrecord['x'] = datetime.time(1, 2)\nreturn record",
                 "field 'x' holding a time", id="time-value"),
    pytest.param("return {1: 'a'}", "returned a record with the key 1; field names must be "
                 "text", id="int-key"),
    pytest.param("record['x'] = 'y' * 2_000_000\nreturn record",
                 "transform returned a record of 2,000,0", id="huge-string"),
    pytest.param("record['x'] = 10**5000\nreturn record",
                 "field 'x' holding an int of more than 4300 digits", id="int-too-long"),
])
def test_returned_junk_fails_the_record_clearly(body: str, message: str) -> None:
    result = transform_one(body, {"a": 1})
    assert result.record is None
    assert result.error is not None and result.error.startswith("s.py:1: ")
    assert message in result.error


def test_junk_fails_only_its_own_record() -> None:
    source = "def transform(record, ctx):\n    return record if record['ok'] else {1}\n"
    with host(source) as h:
        results = h.transform([{"ok": True}, {"ok": False}, {"ok": True}])
    assert [r.record for r in results] == [{"ok": True}, None, {"ok": True}]
    assert results[1].error is not None


def test_records_the_host_cannot_send_fail_alone() -> None:
    with host("def transform(record, ctx):\n    return record\n") as h:
        results = h.transform([{"a": 1}, {"a": dt.time(10, 30)}, {"a": 2**80}])
    assert results[0].record == {"a": 1}
    assert results[1].error == ("field 'a' holds a time, which scripts cannot "
                                "receive; record values must be None, bool, int, float, str, "
                                "Decimal, date or datetime")
    assert results[2].record == {"a": 2**80}


def test_settings_are_a_read_only_copy() -> None:
    settings = {"shop": "Demo"}
    body = """
        record["shop"] = ctx.settings["shop"]
        try:
            ctx.settings["shop"] = "Changed"
        except TypeError as exc:
            record["refused"] = str(exc)
        return record
    """
    source = "def transform(record, ctx):\n" + "".join(
        f"    {line}\n" for line in dedent(body).splitlines())
    with host(source, settings) as h:
        [result] = h.transform([{}])
    assert result.record["shop"] == "Demo"
    assert "may not change a mappingproxy" in result.record["refused"]
    assert settings == {"shop": "Demo"}


def test_batches_in_chunks_keep_order_and_keys() -> None:
    source = dedent("""\
        def transform(record, ctx):
            if record["n"] % 7 == 0:
                ctx.log("seven")
            if record["n"] % 5 == 0:
                return None
            if record["n"] % 11 == 0:
                raise ValueError(record["n"])
            record["double"] = record["n"] * 2
            return record
    """)
    records = [{"sku": f"S{n}", "n": n} for n in range(1, 1001)]
    with host(source, key_field="sku") as h:
        results = h.transform(records)
    assert len(results) == 1000
    for n, result in enumerate(results, start=1):
        if n % 5 == 0:
            assert result.record is None and result.error is None
        elif n % 11 == 0:
            assert result.error == f"s.py:7: ValueError: {n}"
        else:
            assert result.record == {"sku": f"S{n}", "n": n, "double": 2 * n}
        expected = [LogLine("info", "seven", f"S{n}", "s.py", 3)] if n % 7 == 0 else []
        assert result.logs == expected


def test_empty_batch_and_no_scripts() -> None:
    with host("def transform(record, ctx):\n    return record\n") as h:
        assert h.transform([]) == []
    with ScriptHost([], {}) as h:
        assert h.hooks() == set()
        assert h.transform([{"a": 1}]) == [RecordResult({"a": 1}, None, [])]
        assert h.before_run() == []


def test_worker_environment_is_minimal_and_close_is_idempotent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCCENTER_TEST_SECRET", "hunter2")
    h = host("def transform(record, ctx):\n    return record\n")
    h.start()
    pid = h.pid
    assert pid is not None
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    assert b"hunter2" not in environ
    cwd = os.readlink(f"/proc/{pid}/cwd")
    assert os.listdir(cwd) == []
    h.close()
    h.close()
    status = Path(f"/proc/{pid}/status")
    assert not status.exists() or "zombie" not in status.read_text()
    assert not os.path.exists(cwd)
    with pytest.raises(ScriptError, match="not running"):
        h.transform([{}])


def test_a_host_is_started_once() -> None:
    h = host("x = 1\n")
    h.start()
    with pytest.raises(ScriptError, match="already started"):
        h.start()
    h.close()
    with pytest.raises(ScriptError, match="not started"):
        host("x = 1\n").before_run()


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="cpu_seconds"):
        Limits(cpu_seconds=0)
    with pytest.raises(ValueError, match="memory_mb"):
        Limits(memory_mb=10)
