"""The escape suite: hostile scripts are refused at compile time, denied at run time or
stopped by a limit, and none leaves an effect.

Each case is a ``transform`` body (or a whole script) that tries one way out: imports,
builtins, dunder walks, frames of generators and tracebacks, format-string attribute
access, ``AttributeError.obj``, ``except*``, shadowing a guard with a positional-only
parameter, poisoning a module, reaching a file or the host. The last tests check that
nothing happened: no marker file, no line of ``/etc/passwd`` in any output, the host's
objects unchanged, and a new run sees intact modules. A compromised worker is simulated
too: the host must survive whatever bytes come back.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

import pytest

from server.sandbox.scripts import (
    Limits,
    RecordResult,
    ScriptError,
    ScriptHost,
    ScriptLimitError,
    check_script,
)

HOST_STATE = {"touched": False, "items": [1, 2, 3]}  # named by no script, reachable by none
SETTINGS = {"shop": "Demo", "token": "not-a-secret"}
OBSERVED: list[str] = []  # every error and log text the hostile scripts produced


@pytest.fixture(scope="module")
def marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A path the scripts try to create; it must never exist."""
    return tmp_path_factory.mktemp("escape") / "escaped.txt"


@dataclass(frozen=True)
class Case:
    source: str
    outcome: str  # "compile", "runtime" or "limit"
    expect: str  # part of the problem, the error or the limit's kind
    whole: bool = False  # the source is a whole script, not a transform body
    limits: Limits = Limits()

    def script(self, marker: Path) -> str:
        source = dedent(self.source).strip("\n").replace("MARKER", repr(str(marker)))
        if self.whole:
            return source + "\n"
        body = "".join(f"    {line}\n" for line in source.splitlines())
        return f"def transform(record, ctx):\n{body}    return record\n"


def compile_case(source: str, expect: str, whole: bool = False) -> Case:
    return Case(source, "compile", expect, whole)


def runtime_case(source: str, expect: str, whole: bool = False) -> Case:
    return Case(source, "runtime", expect, whole)


NOT_ALLOWED = "is not allowed in scripts"
IMPORT = "is not allowed in scripts; they may import"

CASES = [
    # -- imports ------------------------------------------------------------------------
    pytest.param(compile_case("import os\nos.system('touch ' + MARKER)", IMPORT), id="import-os"),
    pytest.param(compile_case("import subprocess\nsubprocess.run(['touch', MARKER])", IMPORT),
                 id="import-subprocess"),
    pytest.param(compile_case("import sys\nsys.modules['math'].pi = 3", IMPORT),
                 id="import-sys"),
    pytest.param(compile_case("from os import environ\nrecord['env'] = dict(environ)", IMPORT),
                 id="from-os-environ"),
    pytest.param(compile_case("import os.path", IMPORT), id="import-dotted"),
    pytest.param(compile_case("from . import secrets", "relative imports", whole=True),
                 id="import-relative"),
    pytest.param(compile_case("from math import *", "import * is not allowed", whole=True),
                 id="import-star"),
    pytest.param(compile_case("import builtins\nbuiltins.open(MARKER, 'w')", IMPORT),
                 id="import-builtins"),
    pytest.param(compile_case("import importlib\nimportlib.import_module('os')", IMPORT),
                 id="import-importlib"),
    pytest.param(compile_case("import socket\nsocket.create_connection(('1.1.1.1', 80))",
                              IMPORT), id="import-socket"),
    pytest.param(compile_case("import gc\nrecord['n'] = len(gc.get_objects())", IMPORT),
                 id="import-gc"),
    pytest.param(compile_case("import operator\noperator.attrgetter('__class__')(record)",
                              IMPORT), id="import-operator"),
    pytest.param(compile_case("import functools\nfunctools.reduce(getattr, ['a'], ctx)",
                              IMPORT), id="import-functools"),
    pytest.param(compile_case("import ctypes", IMPORT), id="import-ctypes"),
    pytest.param(compile_case("from json import decoder", "json.decoder is not available"),
                 id="from-json-submodule"),
    pytest.param(compile_case("from string import Formatter",
                              "string.Formatter is not available"), id="from-string-formatter"),
    pytest.param(compile_case("from string import Template",
                              "string.Template is not available"), id="from-string-template"),
    pytest.param(compile_case("__import__('os').system('touch ' + MARKER)",
                              'names starting with "_"'), id="dunder-import"),
    pytest.param(compile_case("import math as _getattr_", 'the name "_getattr_"'),
                 id="import-as-guard-name"),
    # -- builtins a script is not given -------------------------------------------------
    pytest.param(compile_case("open(MARKER, 'w').write('x')", "open() is not available"),
                 id="open-write"),
    pytest.param(compile_case("record['p'] = open('/etc/passwd').read()",
                              "open() is not available"), id="open-passwd"),
    pytest.param(compile_case("record['x'] = eval('1 + 1')", "eval() is not available"),
                 id="eval"),
    pytest.param(compile_case("exec('import os')", "exec() is not available"), id="exec"),
    pytest.param(compile_case("code = compile('1', 'x', 'eval')", "compile() is not"),
                 id="compile"),
    pytest.param(compile_case("globals()['_getattr_'] = getattr", "globals() is not"),
                 id="globals"),
    pytest.param(compile_case("record['l'] = str(locals())", "locals() is not"), id="locals"),
    pytest.param(compile_case("record['v'] = str(vars(ctx))", "vars() is not"), id="vars"),
    pytest.param(compile_case("record['d'] = dir(ctx)", "dir() is not"), id="dir"),
    pytest.param(compile_case("X = type('X', (object,), {'__init_subclass__': print})",
                              "type() is not available"), id="type-three-args"),
    pytest.param(compile_case("record['t'] = str(type(record))", "type() is not available"),
                 id="type-one-arg"),
    pytest.param(compile_case("breakpoint()", "breakpoint() is not"), id="breakpoint"),
    pytest.param(compile_case("setattr(ctx, 'log', print)", "setattr() is not"),
                 id="setattr"),
    pytest.param(compile_case("record['o'] = __builtins__['open']", 'names starting with "_"'),
                 id="builtins-dict"),
    pytest.param(compile_case("""
        class A(dict):
            def keys(self):
                return super().keys()
    """, "super() is not available", whole=True), id="super"),
    # -- dunder and class walks ---------------------------------------------------------
    pytest.param(compile_case("x = ().__class__.__bases__[0].__subclasses__()",
                              'attribute "__subclasses__" is not allowed'), id="subclasses"),
    pytest.param(compile_case("record['m'] = str(str.mro())", 'attribute "mro"'), id="mro"),
    pytest.param(compile_case("g = ctx.log.__globals__", 'attribute "__globals__"'),
                 id="function-globals"),
    pytest.param(compile_case("c = ctx.log.__closure__[0].cell_contents",
                              'attribute "__closure__"'), id="function-closure"),
    pytest.param(compile_case("r = object().__reduce_ex__(2)", 'attribute "__reduce_ex__"'),
                 id="reduce-ex"),
    pytest.param(compile_case("import math\nmath.__dict__['pi'] = 3", 'attribute "__dict__"'),
                 id="module-dict"),
    pytest.param(compile_case("""
        class A:
            def __init_subclass__(cls):
                pass
    """, '"__init_subclass__" is not allowed', whole=True), id="init-subclass"),
    pytest.param(compile_case("""
        class Meta(dict):
            pass
        class A(metaclass=Meta):
            pass
    """, "metaclass= is not allowed", whole=True), id="metaclass"),
    pytest.param(compile_case("""
        class A:
            def __getattribute__(self, name):
                return 1
    """, '"__getattribute__" is not allowed', whole=True), id="getattribute-method"),
    pytest.param(compile_case("""
        class A:
            def __del__(self):
                pass
    """, '"__del__" is not allowed', whole=True), id="del-method"),
    pytest.param(runtime_case("record['c'] = str(getattr(record, '__class__'))",
                              'attribute "__class__" is not allowed in scripts'),
                 id="getattr-class"),
    pytest.param(runtime_case("""
        name = "__cl" + "ass__"
        cls = getattr((), name)
        record["s"] = str(getattr(cls, "__subclasses__")())
    """, 'attribute "__class__" is not allowed in scripts'), id="getattr-built-name"),
    pytest.param(runtime_case("record['m'] = str(getattr(str, 'mr' + 'o')())",
                              'attribute "mro" is not allowed in scripts'), id="getattr-mro"),
    pytest.param(runtime_case("g = getattr(ctx.log, '__glo' + 'bals__')",
                              'attribute "__globals__" is not allowed'), id="getattr-globals"),
    pytest.param(runtime_case("c = getattr(ctx.log, 'cell' + '_contents')",
                              "the attributes of function objects are closed"),
                 id="function-attributes-closed"),
    pytest.param(runtime_case("""
        import datetime
        class Day(datetime.date):
            pass
    """, "scripts may derive only from their own classes"), id="subclass-foreign-base"),
    # -- frames: generators, coroutines, tracebacks -------------------------------------
    pytest.param(compile_case("g = (x for x in [1])\nrecord['f'] = g.gi_frame.f_back",
                              'attribute "gi_frame"'), id="generator-frame"),
    pytest.param(runtime_case("f = getattr((x for x in [1]), 'gi_' + 'frame')",
                              'attribute "gi_frame" is not allowed'),
                 id="getattr-generator-frame"),
    pytest.param(runtime_case("c = getattr((x for x in [1]), 'gi_code')",
                              'attribute "gi_code" is not allowed'), id="getattr-generator-code"),
    pytest.param(runtime_case("r = getattr((x for x in [1]), 'gi_running')",
                              "a generator offers scripts only close, send"),
                 id="generator-other-attributes"),
    pytest.param(compile_case("""
        def walk():
            yield 1
    """, "yield is not allowed", whole=True), id="generator-function"),
    pytest.param(compile_case("""
        def walk():
            yield from [1]
    """, "yield from is not allowed", whole=True), id="yield-from"),
    pytest.param(compile_case("""
        async def later():
            return 1
    """, "async code is not allowed", whole=True), id="coroutine"),
    pytest.param(compile_case("""
        try:
            1 / 0
        except ZeroDivisionError as exc:
            record["g"] = exc.__traceback__.tb_frame.f_globals
    """, 'attribute "__traceback__"'), id="traceback-frame"),
    pytest.param(runtime_case("""
        try:
            1 / 0
        except ZeroDivisionError as exc:
            tb = getattr(exc, "__trace" + "back__")
    """, 'attribute "__traceback__" is not allowed'), id="getattr-traceback"),
    pytest.param(compile_case("c = (lambda: 0).__code__", 'attribute "__code__"'),
                 id="code-object"),
    # -- format strings -----------------------------------------------------------------
    pytest.param(compile_case("record['s'] = '{0.__class__.__mro__}'.format(record)",
                              'attribute "format" is not allowed'), id="str-format"),
    pytest.param(compile_case("s = '{a.__class__}'.format_map({'a': 1})",
                              'attribute "format_map"'), id="str-format-map"),
    pytest.param(compile_case("s = str.format('{0.__class__}', 1)",
                              'attribute "format" is not allowed'), id="str-class-format"),
    pytest.param(compile_case("import string\ns = string.Formatter().format('{0.x}', 1)",
                              'attribute "Formatter" is not allowed'), id="string-formatter"),
    pytest.param(runtime_case("record['s'] = getattr('{0.__class__}', 'for' + 'mat')(1)",
                              'attribute "format" is not allowed in scripts'),
                 id="getattr-format"),
    pytest.param(runtime_case("import string\nf = getattr(string, 'Format' + 'ter')",
                              'attribute "Formatter" is not allowed'),
                 id="getattr-string-formatter"),
    pytest.param(compile_case("record['s'] = f'{record.__class__}'", 'attribute "__class__"'),
                 id="f-string-dunder"),
    pytest.param(runtime_case("record['s'] = format(record, '{0.__class__}')",
                              "unsupported format string"), id="format-spec"),
    pytest.param(runtime_case("record['s'] = '%(__class__)s' % record", "KeyError"),
                 id="percent-mapping"),
    # -- exception attributes -----------------------------------------------------------
    pytest.param(runtime_case("""
        import json
        try:
            json.codecs
        except AttributeError as exc:
            record["m"] = str(exc.obj)
    """, 'attribute "obj" is not allowed'), id="attribute-error-obj-module"),
    pytest.param(runtime_case("""
        try:
            ctx.nothing
        except AttributeError as exc:
            leaked = getattr(exc, "obj")
    """, 'attribute "obj" is not allowed'), id="attribute-error-obj-getattr"),
    pytest.param(runtime_case("""
        try:
            record.nothing
        except AttributeError as exc:
            record["n"] = exc.name
    """, 'attribute "name" is not allowed'), id="attribute-error-name"),
    pytest.param(runtime_case("""
        try:
            undefined_thing
        except NameError as exc:
            record["n"] = exc.name
    """, 'attribute "name" is not allowed'), id="name-error-name"),
    pytest.param(compile_case("""
        try:
            pass
        except* ValueError:
            pass
    """, "except* is not allowed"), id="except-star"),
    pytest.param(runtime_case("raise ExceptionGroup('g', [ValueError()])",
                              "NameError: name 'ExceptionGroup' is not defined"),
                 id="exception-group"),
    pytest.param(runtime_case("raise SystemExit(0)",
                              "NameError: name 'SystemExit' is not defined"), id="system-exit"),
    # -- shadowing a guard --------------------------------------------------------------
    pytest.param(compile_case("""
        def peek(_getattr_=getattr, /):
            return _getattr_((), "__class__")
    """, 'the name "_getattr_" is not allowed', whole=True), id="positional-only-getattr"),
    pytest.param(compile_case("""
        import math
        def poison(_write_=lambda obj: obj, /):
            math.pi = 3
    """, 'the name "_write_" is not allowed', whole=True), id="positional-only-write"),
    pytest.param(compile_case("f = lambda _getitem_=None, /: 1", '"_getitem_"'),
                 id="positional-only-lambda"),
    pytest.param(compile_case("def f(*, _getiter_=iter):\n    pass", '"_getiter_"'),
                 id="keyword-only-guard"),
    pytest.param(compile_case("def f(*_apply_):\n    pass", '"_apply_"'), id="vararg-guard"),
    pytest.param(compile_case("(_getattr_ := getattr)", '"_getattr_"'), id="walrus-guard"),
    pytest.param(compile_case("global _write_", '"_write_"'), id="global-guard"),
    pytest.param(compile_case("for _getattr_ in [getattr]:\n    pass", '"_getattr_"'),
                 id="loop-target-guard"),
    pytest.param(compile_case("""
        try:
            pass
        except Exception as _write_:
            pass
    """, '"_write_"'), id="except-target-guard"),
    pytest.param(compile_case("class A:\n    _getattr_ = getattr", '"_getattr_"', whole=True),
                 id="class-attribute-guard"),
    # -- poisoning modules and the context ----------------------------------------------
    pytest.param(runtime_case("import math\nmath.pi = 3", "read-only"), id="poison-math-pi"),
    pytest.param(runtime_case("import math\ndel math.pi", "read-only"), id="delete-math-pi"),
    pytest.param(runtime_case("import json\njson.dumps = None", "read-only"),
                 id="poison-json-dumps"),
    pytest.param(runtime_case("import decimal\ndecimal.Decimal.quantize = None",
                              "may not change a type"), id="poison-decimal-class"),
    pytest.param(runtime_case("import datetime\ndatetime.date.today = None",
                              "may not change a type"), id="poison-date-class"),
    pytest.param(runtime_case("str.upper = None", "may not change a type"), id="poison-str"),
    pytest.param(runtime_case("import re\nre.sub = None", "read-only"), id="poison-re"),
    pytest.param(runtime_case("import re\npattern = re.compile('a')\npattern.flags = 0",
                              "may not change a SafePattern"), id="poison-pattern"),
    pytest.param(runtime_case("import math\nd = getattr(math, '__di' + 'ct__')",
                              'attribute "__dict__" is not allowed'), id="getattr-module-dict"),
    pytest.param(runtime_case("import math\nnames = getattr(math, '_na' + 'mes')",
                              'attribute "_names" is not allowed'), id="proxy-internals"),
    pytest.param(runtime_case("import json\nrecord['c'] = str(json.codecs)",
                              "module 'json' offers scripts no 'codecs'"), id="json-codecs"),
    pytest.param(runtime_case("import statistics\nm = statistics.sys.modules",
                              "module 'statistics' offers scripts no 'sys'"),
                 id="statistics-sys"),
    pytest.param(runtime_case("import decimal\ndecimal.getcontext().prec = 1",
                              "module 'decimal' offers scripts no 'getcontext'"),
                 id="decimal-context"),
    pytest.param(runtime_case("import re\nraw = getattr(re.compile('a'), '_pat' + 'tern')",
                              'attribute "_pattern" is not allowed'), id="re-raw-pattern"),
    pytest.param(runtime_case("import re\nraw = re.match('a', 'a').re",
                              'attribute "re" is not allowed'), id="re-match-pattern"),
    pytest.param(runtime_case("ctx.log = print", "may not change a Context"),
                 id="replace-ctx-log"),
    pytest.param(runtime_case("ctx.settings['shop'] = 'Evil'",
                              "may not change a mappingproxy"), id="change-settings"),
    pytest.param(runtime_case("ctx.lookup = {}", "may not change a Context"),
                 id="replace-lookup"),
    # -- the protocol and the limits ----------------------------------------------------
    pytest.param(runtime_case("print('\\x00\\x00\\x00\\x02{}' * 1000)\nraise ValueError('done')",
                              "ValueError: done"), id="print-into-protocol"),
    pytest.param(Case("while True:\n    pass", "limit", "cpu",
                      limits=Limits(cpu_seconds=1)), id="busy-loop"),
    pytest.param(Case("x = [0] * 10**10", "limit", "memory", limits=Limits(memory_mb=200)),
                 id="memory-bomb"),
    pytest.param(Case("def deeper(n):\n    return deeper(n + 1)\ndeeper(0)", "limit",
                      "recursion"), id="recursion-bomb"),
]


def _observe(results: list[RecordResult]) -> None:
    for result in results:
        OBSERVED.append(result.error or "")
        OBSERVED.extend(line.text for line in result.logs)
        OBSERVED.append(repr(result.record))


@pytest.mark.parametrize("case", CASES)
def test_hostile_script(case: Case, marker: Path) -> None:
    source = case.script(marker)
    problems = check_script(source, "evil.py")
    if case.outcome == "compile":
        assert problems, "the policy let this through"
        assert any(case.expect in p.message for p in problems), problems
        return
    assert problems == []
    host = ScriptHost([("evil.py", source)], dict(SETTINGS), case.limits)
    if case.outcome == "limit":
        with pytest.raises(ScriptLimitError) as caught:
            with host:
                host.transform([{"sku": "A"}])
        assert caught.value.limit == case.expect
        OBSERVED.append(str(caught.value))
        return
    try:
        with host:
            results = host.transform([{"sku": "A"}])
    except ScriptError as err:  # a whole script failing at its top level
        OBSERVED.append(str(err))
        assert case.whole and case.expect in str(err)
        return
    _observe(results)
    [result] = results
    assert result.record is None, f"not denied: {result.record}"
    assert result.error is not None and result.error.startswith("evil.py:")
    assert case.expect in result.error


def test_compile_time_refusals_hold_in_the_worker_too(marker: Path) -> None:
    scripts = [(f"case{index}.py", param.values[0].script(marker))
               for index, param in enumerate(CASES) if param.values[0].outcome == "compile"]
    assert len(scripts) > 40
    with pytest.raises(ScriptError) as caught:
        ScriptHost(scripts, {}).start()
    assert {p.file for p in caught.value.problems} == {file for file, _ in scripts}


def test_enough_cases_across_the_classes() -> None:
    assert len(CASES) >= 60
    outcomes = {param.values[0].outcome for param in CASES}
    assert outcomes == {"compile", "runtime", "limit"}


def test_poisoning_in_one_script_does_not_reach_the_next() -> None:
    poison = dedent("""\
        import math, json
        def transform(record, ctx):
            for attempt in ("math.pi = 3", "json.dumps = None", "len = None"):
                pass
            try:
                math.pi = 3
            except TypeError:
                record["refused"] = True
            len = lambda x: 0  # only this function's own name
            return record
    """)
    check = dedent("""\
        import math, json
        def transform(record, ctx):
            record["pi"] = math.pi
            record["json"] = json.dumps({"a": 1})
            record["len"] = len("abc")
            return record
    """)
    with ScriptHost([("poison.py", poison), ("check.py", check)], {}) as host:
        [result] = host.transform([{}])
    assert result.record == {"refused": True, "pi": 3.141592653589793, "json": '{"a": 1}',
                             "len": 3}


def test_nothing_escaped(marker: Path) -> None:
    """Runs after the cases: no file, no secret, no changed host object, intact modules."""
    assert not marker.exists()
    passwd = Path("/etc/passwd")
    if passwd.exists():
        first_line = passwd.read_text().splitlines()[0]
        assert not any(first_line in text for text in OBSERVED)
    assert HOST_STATE == {"touched": False, "items": [1, 2, 3]}
    assert SETTINGS == {"shop": "Demo", "token": "not-a-secret"}
    fresh = dedent("""\
        import math, json, decimal, datetime, re, string, statistics, itertools
        def transform(record, ctx):
            record["pi"] = math.pi
            record["json"] = json.dumps({"a": [1]})
            record["money"] = decimal.Decimal("2.675").quantize(
                decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
            record["day"] = datetime.date(2024, 1, 1).isoformat()
            record["re"] = re.sub("a+", "b", "caat")
            record["digits"] = string.digits
            record["mean"] = statistics.mean([1, 2, 3])
            record["pairs"] = len(list(itertools.pairwise("abc")))
            record["upper"] = "x".upper()
            record["len"] = len([1, 2])
            return record
    """)
    with ScriptHost([("fresh.py", fresh)], {}) as host:
        [result] = host.transform([{}])
    assert result.record == {
        "pi": 3.141592653589793, "json": '{"a": [1]}', "money": __import__("decimal").Decimal(
            "2.68"), "day": "2024-01-01", "re": "cbt", "digits": "0123456789", "mean": 2,
        "pairs": 2, "upper": "X", "len": 2,
    }


# -- a compromised worker: the host survives whatever comes back ---------------------------

FAKE_WORKER = """
import os, struct, sys, time
def read():
    size = struct.unpack(">I", sys.stdin.buffer.read(4))[0]
    return sys.stdin.buffer.read(size)
def send(data):
    os.write(1, data)
def frame(body):
    send(struct.pack(">I", len(body)) + body)
read()
frame(b'{"hooks": {"s.py": [["transform", 1]]}, "logs": []}')
read()
REPLY
time.sleep(60)
"""


def fake_host(reply: str, limits: Limits = Limits()) -> ScriptHost:  # noqa: B008
    class FakeHost(ScriptHost):
        command = (sys.executable, "-c", FAKE_WORKER.replace("REPLY", reply))

    return FakeHost([("s.py", "def transform(record, ctx):\n    return record\n")], {},
                    limits)


@pytest.mark.parametrize(("reply", "message"), [
    pytest.param("send(struct.pack('>I', 2**31))", "returned more than 32 MiB",
                 id="huge-announced-size"),
    pytest.param("frame(b'not json')", "malformed reply", id="not-json"),
    pytest.param("import pickle; frame(pickle.dumps({'r': [0]}))", "malformed reply",
                 id="pickle"),
    pytest.param("frame(b'[1, 2]')", "malformed reply", id="not-an-object"),
    pytest.param("frame(b'{\"r\": [0, 0], \"e\": [], \"l\": []}')", "malformed reply",
                 id="wrong-count"),
    pytest.param("frame(b'{\"r\": [\"x\"], \"e\": [], \"l\": []}')", "malformed reply",
                 id="record-not-a-dict"),
    pytest.param("frame(b'{\"r\": [0], \"e\": [], \"l\": [[0, \"evil\", \"x\", null, 1]]}')",
                 "malformed reply", id="bad-log-severity"),
    pytest.param("frame(b'{\"r\": [0], \"e\": [[5, \"x\"]], \"l\": []}')", "malformed reply",
                 id="error-out-of-range"),
    pytest.param("frame(b'{\"limit\": 1}')", "malformed reply", id="bad-limit"),
    pytest.param("send(b'\\x00\\x00'); sys.exit(3)", "stopped unexpectedly (exit code 3)",
                 id="cut-short"),
])
def test_a_compromised_worker_cannot_hurt_the_host(reply: str, message: str) -> None:
    with fake_host(reply) as host, pytest.raises(ScriptError) as caught:
        host.transform([{"a": 1}])
    assert message in str(caught.value)
    with pytest.raises(ScriptError, match="not running"):
        host.transform([{"a": 1}])


def test_a_silent_worker_is_stopped_by_the_wall_clock() -> None:
    with fake_host("pass", Limits(wall_seconds=1)) as host:
        with pytest.raises(ScriptLimitError, match="wall-clock"):
            host.transform([{"a": 1}])


def test_values_from_a_compromised_worker_are_checked() -> None:
    body = (b'{"r": [{"a": [1]}, {"a": {"$d": "x"}}, {"a": {"$d": "1.5"}}, [{"b": {"k": 1}}]],'
            b' "e": [], "l": []}')
    with fake_host(f"frame({body!r})") as host:
        results = host.transform([{"a": 1}] * 4)
    assert [r.record for r in results] == [None, None, {"a": __import__("decimal").Decimal(
        "1.5")}, None]
    assert "field 'a' holding a list" in results[0].error
    assert "field 'a' holding a dict" in results[1].error
    assert "field 'b' holding a dict" in results[3].error
