"""The compile-time rules of scripts: RestrictedPython's policy plus the checks of Sync-Center.

A script is compiled with :class:`ScriptPolicy`, a ``RestrictingNodeTransformer`` that also
refuses what scripts do not need and what published escapes used:

* generator functions (``yield``), ``async`` code and ``except*`` (frames, exception groups);
* imports outside :data:`ALLOWED_MODULES`, relative imports and ``import *``;
* ``str.format`` / ``format_map`` and ``mro`` attribute access (attribute traversal);
* builtins that scripts are not given (``type``, ``eval``, ``open``, ``globals``...);
* names starting with ``_`` anywhere, including positional-only parameters.

``d[k] += v`` and ``obj.attr += v`` are rewritten into guarded reads and writes, which
RestrictedPython alone refuses. Every problem is reported with its line and column
(1-based, in characters) in plain words, all at once: :func:`check_script`.
"""

from __future__ import annotations

import ast
import itertools
import math
import re
import types
import warnings

from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer

from server.errors import Problem

MAX_SOURCE_BYTES = 1_000_000
HOOKS: dict[str, tuple[int, str]] = {
    "before_run": (1, "before_run(ctx)"),
    "transform": (2, "transform(record, ctx)"),
    "after_run": (2, "after_run(ctx, summary)"),
}
"""The hooks a script may define: how many positional arguments each receives."""


def _public(module: types.ModuleType) -> tuple[str, ...]:
    return tuple(sorted(name for name in dir(module) if not name.startswith("_")))


ALLOWED_MODULES: dict[str, tuple[str, ...]] = {
    "math": _public(math),  # functions and constants only
    "itertools": _public(itertools),  # iterator building blocks only
    "decimal": (
        "Decimal", "ROUND_05UP", "ROUND_CEILING", "ROUND_DOWN", "ROUND_FLOOR",
        "ROUND_HALF_DOWN", "ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_UP",
        "DecimalException", "Clamped", "DivisionByZero", "FloatOperation", "Inexact",
        "InvalidOperation", "Overflow", "Rounded", "Subnormal", "Underflow",
    ),
    "datetime": ("MAXYEAR", "MINYEAR", "UTC", "date", "datetime", "time", "timedelta",
                 "timezone"),
    "re": ("A", "ASCII", "DOTALL", "I", "IGNORECASE", "M", "MULTILINE", "NOFLAG", "S",
           "VERBOSE", "X", "compile", "error", "escape", "findall", "finditer", "fullmatch",
           "match", "search", "split", "sub", "subn"),
    "string": ("ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits",
               "octdigits", "printable", "punctuation", "whitespace"),
    "json": ("JSONDecodeError", "dumps", "loads"),
    "statistics": (
        "NormalDist", "StatisticsError", "correlation", "covariance", "fmean",
        "geometric_mean", "harmonic_mean", "linear_regression", "mean", "median",
        "median_grouped", "median_high", "median_low", "mode", "multimode", "pstdev",
        "pvariance", "quantiles", "stdev", "variance",
    ),
}
"""The modules a script may import, each with the names it exposes (read-only)."""

FORBIDDEN_NAMES: dict[str, str] = {
    "type": "type() is not available in scripts; test a type with isinstance(value, cls)",
    "eval": "eval() is not available in scripts: a script cannot run code from text",
    "exec": "exec() is not available in scripts: a script cannot run code from text",
    "compile": "compile() is not available in scripts: a script cannot make code",
    "globals": "globals() is not available in scripts: it would expose the sandbox",
    "locals": "locals() is not available in scripts: it would expose the sandbox",
    "vars": "vars() is not available in scripts: it would expose the sandbox",
    "dir": "dir() is not available in scripts: it lists internal names",
    "open": "open() is not available in scripts: scripts cannot read or write files",
    "input": "input() is not available in scripts",
    "breakpoint": "breakpoint() is not available in scripts",
    "help": "help() is not available in scripts",
    "exit": "exit() is not available in scripts; return from the hook instead",
    "quit": "quit() is not available in scripts; return from the hook instead",
    "memoryview": "memoryview() is not available in scripts",
    "setattr": "setattr() is not available in scripts; assign obj.name = value",
    "delattr": "delattr() is not available in scripts",
    "super": "super() is not available in scripts",
    "classmethod": "classmethod is not available in scripts",
    "staticmethod": "staticmethod is not available in scripts",
    "property": "property is not available in scripts",
    "id": "id() is not available in scripts",
}
"""Builtins a script is not given, with the reason; naming one (unless the script defines
it itself) is a compile-time problem."""

DENIED_ATTRIBUTES: dict[str, str] = {
    "format": "str.format can read attributes of its arguments; use an f-string or %",
    "format_map": "str.format_map can read attributes of its arguments; use an f-string",
    "mro": "a class's mro leads to the classes of the interpreter",
    "Formatter": "string.Formatter can read attributes of its arguments",
}
"""Attribute names refused at compile time besides those starting with ``_``."""

_PLAIN_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r'^"(?P<n>.*)" is an invalid attribute name because it starts with "_"\.$'),
     'attribute "{n}" is not allowed: names starting with "_" reach Python internals'),
    (re.compile(r'^"(?P<n>.*)" is an invalid attribute name because it ends with'),
     'attribute "{n}" is not allowed'),
    (re.compile(r'^"(?P<n>.*)" is an invalid variable name because it starts with "_"$'),
     'the name "{n}" is not allowed: names starting with "_" are reserved for the sandbox'),
    (re.compile(r'^"(?P<n>.*)" is an invalid variable name because it ends with'),
     'the name "{n}" is not allowed'),
    (re.compile(r'^"(?P<n>.*)" is a restricted name, that is forbidden'),
     'attribute "{n}" is not allowed: it reaches frames or code of the interpreter'),
    (re.compile(r'^"(?P<n>.*)" is a reserved name\.$'),
     'the name "{n}" is reserved by the sandbox'),
    (re.compile(r'^"\*" imports are not allowed\.$'),
     'import * is not allowed in scripts; name what you import'),
    (re.compile(r"^Exec calls are not allowed\.$"),
     "exec() is not available in scripts: a script cannot run code from text"),
    (re.compile(r"^Eval calls are not allowed\.$"),
     "eval() is not available in scripts: a script cannot run code from text"),
    (re.compile(r'^The keyword argument "metaclass" is not allowed\.$'),
     "metaclass= is not allowed in scripts"),
    (re.compile(r"^Nonlocal statements are not allowed\.$"),
     "nonlocal is not allowed in scripts; return the value or keep it in a dict"),
    (re.compile(r"^(?P<n>Match|MatchAs|MatchClass|MatchMapping|MatchOr|MatchSequence|MatchSingleton"
                r"|MatchStar|MatchValue|match_case) statements are not allowed\.$"),
     "match statements are not allowed in scripts; use if/elif"),
    (re.compile(r"^(?P<n>\w+) statements are not allowed\.$"),
     "{n} is not allowed in scripts"),
]


def _plain(message: str) -> str:
    for pattern, template in _PLAIN_MESSAGES:
        found = pattern.match(message)
        if found:
            return template.format(**found.groupdict())
    return message


class ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy with the additional rules of Sync-Center scripts."""

    def __init__(self, errors: list[str] | None = None, warnings: list[str] | None = None,
                 used_names: dict[str, bool] | None = None) -> None:
        super().__init__(errors, warnings, used_names)
        self.problems: list[tuple[int, int, str]] = []  # line, 0-based byte column, text
        self.bound: set[str] = set()

    # -- reporting -----------------------------------------------------------------

    def error(self, node: ast.AST, info: str) -> None:
        super().error(node, info)
        line = getattr(node, "lineno", None) or 1
        column = getattr(node, "col_offset", None) or 0
        self.problems.append((line, column, _plain(info)))

    def refuse(self, node: ast.AST, message: str) -> None:
        """Record a problem in the words of Sync-Center (no rewording)."""
        super().error(node, message)
        self.problems.append((getattr(node, "lineno", 1) or 1,
                              getattr(node, "col_offset", 0) or 0, message))

    # -- the whole module ------------------------------------------------------------

    def visit_Module(self, node: ast.Module) -> ast.AST:
        self.bound = _bound_names(node)
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef) and statement.name in HOOKS:
                self._check_hook(statement)
        return super().visit_Module(node)

    def _check_hook(self, node: ast.FunctionDef) -> None:
        wanted, signature = HOOKS[node.name]
        args = node.args
        positional = len(args.posonlyargs) + len(args.args)
        required = positional - len(args.defaults)
        if args.vararg is not None:
            positional = wanted
        required_kw = [a for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                       if d is None]
        if not required <= wanted <= positional or required_kw:
            self.refuse(node, f"the hook {node.name} must take {wanted} argument"
                              f"{'s' if wanted > 1 else ''}: {signature}")

    # -- names and attributes --------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if (isinstance(node.ctx, ast.Load) and node.id in FORBIDDEN_NAMES
                and node.id not in self.bound):
            self.refuse(node, FORBIDDEN_NAMES[node.id])
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if node.attr in DENIED_ATTRIBUTES:
            self.refuse(node, f'attribute "{node.attr}" is not allowed: '
                              f"{DENIED_ATTRIBUTES[node.attr]}")
        return super().visit_Attribute(node)

    def check_function_argument_names(self, node: ast.AST) -> None:
        # As RestrictedPython does (positional-only included), but at the parameter.
        args: ast.arguments = node.args  # type: ignore[attr-defined]
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in every:
            self.check_name(arg, arg.arg)

    def visit_Global(self, node: ast.Global) -> ast.AST:
        for name in node.names:
            self.check_name(node, name)
        return super().visit_Global(node)

    # -- imports ---------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> ast.AST:
        for alias in node.names:
            if alias.name not in ALLOWED_MODULES:
                self.refuse(node, _import_refusal(alias.name))
        return super().visit_Import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        if node.level:
            self.refuse(node, "relative imports are not allowed in scripts")
        elif node.module not in ALLOWED_MODULES:
            self.refuse(node, _import_refusal(node.module or ""))
        else:
            names = ALLOWED_MODULES[node.module]
            for alias in node.names:
                if alias.name != "*" and alias.name not in names:
                    self.refuse(node, f"{node.module}.{alias.name} is not available to "
                                      f"scripts; {node.module} offers: {', '.join(names)}")
        return super().visit_ImportFrom(node)

    # -- statements scripts do not need ----------------------------------------------

    def visit_Yield(self, node: ast.Yield) -> ast.AST:
        self.refuse(node, "yield is not allowed in scripts (generator frames reach the "
                          "interpreter); build and return a list instead")
        return node

    def visit_YieldFrom(self, node: ast.YieldFrom) -> ast.AST:
        self.refuse(node, "yield from is not allowed in scripts (generator frames reach "
                          "the interpreter); build and return a list instead")
        return node

    def visit_TryStar(self, node: ast.AST) -> ast.AST:
        self.refuse(node, "except* is not allowed in scripts: exception groups have "
                          "escaped the sandbox before; use except")
        return node

    def _no_async(self, node: ast.AST) -> ast.AST:
        self.refuse(node, "async code is not allowed in scripts (coroutine frames reach "
                          "the interpreter)")
        return node

    visit_AsyncFunctionDef = _no_async
    visit_Await = _no_async
    visit_AsyncFor = _no_async
    visit_AsyncWith = _no_async

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        new = super().visit_ClassDef(node)
        # RestrictedPython rebuilds the class statement from text: give it back its place.
        for child in [new, *new.keywords, *(k.value for k in new.keywords)]:
            ast.copy_location(child, node)
        return new

    # -- d[k] += v and obj.attr += v -------------------------------------------------

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST | list[ast.AST]:
        target = node.target
        if isinstance(target, ast.Name):
            return super().visit_AugAssign(node)
        op = ast.Constant(_AUG_OPERATORS[type(node.op)])
        value = self.visit(node.value)
        holder = self.gen_tmp_name()
        statements: list[ast.stmt] = [_assign(holder, self.visit(target.value))]
        if isinstance(target, ast.Subscript):
            if any(isinstance(n, ast.Slice) for n in ast.walk(target.slice)):
                self.refuse(node, "x[a:b] op= ... is not allowed in scripts; "
                                  "write x[a:b] = x[a:b] op ...")
                return node
            key = self.gen_tmp_name()
            statements.append(_assign(key, self.visit(target.slice)))
            current = _call("_getitem_", _load(holder), _load(key))
            new_target: ast.expr = ast.Subscript(
                value=_call("_write_", _load(holder)), slice=_load(key), ctx=ast.Store())
        else:
            self._check_attribute_name(target)
            current = _call("_getattr_", _load(holder), ast.Constant(target.attr))
            new_target = ast.Attribute(
                value=_call("_write_", _load(holder)), attr=target.attr, ctx=ast.Store())
        statements.append(ast.Assign(
            targets=[new_target], value=_call("_inplacevar_", op, current, value)))
        for statement in statements:
            for child in ast.walk(statement):
                if "lineno" in child._attributes and not hasattr(child, "lineno"):
                    ast.copy_location(child, node)
            ast.copy_location(statement, node)
        return statements

    def _check_attribute_name(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.error(node, f'"{node.attr}" is an invalid attribute name because it starts '
                             'with "_".')
        elif node.attr in INSPECT_ATTRIBUTES:
            self.error(node, f'"{node.attr}" is a restricted name, that is forbidden to '
                             "access in RestrictedPython.")
        elif node.attr in DENIED_ATTRIBUTES:
            self.refuse(node, f'attribute "{node.attr}" is not allowed: '
                              f"{DENIED_ATTRIBUTES[node.attr]}")


_AUG_OPERATORS: dict[type, str] = {
    ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/=", ast.Mod: "%=",
    ast.Pow: "**=", ast.LShift: "<<=", ast.RShift: ">>=", ast.BitOr: "|=",
    ast.BitXor: "^=", ast.BitAnd: "&=", ast.FloorDiv: "//=", ast.MatMult: "@=",
}


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _call(function: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_load(function), args=list(args), keywords=[])


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)


def _import_refusal(module: str) -> str:
    return (f"import of {module!r} is not allowed in scripts; they may import: "
            f"{', '.join(ALLOWED_MODULES)}")


def _bound_names(tree: ast.AST) -> set[str]:
    """Return every name the script binds itself (so it may shadow a refused builtin)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names


def _char_column(lines: list[str], line: int, byte_column: int) -> int:
    """Turn an AST column (UTF-8 bytes, 0-based) into a 1-based column in characters."""
    if 1 <= line <= len(lines):
        text = lines[line - 1].encode("utf-8")[:byte_column]
        return len(text.decode("utf-8", errors="replace")) + 1
    return byte_column + 1


def compile_script(source: str, filename: str) -> tuple[types.CodeType | None, list[Problem]]:
    """Compile ``source`` under the script policy: ``(code, [])`` or ``(None, problems)``."""
    if len(source.encode("utf-8", errors="replace")) > MAX_SOURCE_BYTES:
        return None, [Problem(filename, 1, 1, f"the script is larger than "
                                              f"{MAX_SOURCE_BYTES // 1000} kB")]
    try:
        tree = ast.parse(source, filename, "exec")
    except SyntaxError as exc:
        return None, [_syntax_problem(exc, filename)]
    except (ValueError, MemoryError, RecursionError) as exc:
        return None, [Problem(filename, 1, 1, f"the script cannot be read: {exc}")]
    policy = ScriptPolicy()
    try:
        policy.visit(tree)
    except RecursionError:
        return None, [Problem(filename, 1, 1, "the script is nested too deeply")]
    if policy.problems:
        lines = source.splitlines()
        found = sorted({(line, _char_column(lines, line, column), text)
                        for line, column, text in policy.problems})  # exec() is seen twice
        return None, [Problem(filename, line, column, text) for line, column, text in found]
    ast.fix_missing_locations(tree)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:  # what only the compiler checks ('return' outside def...)
        return None, [_syntax_problem(exc, filename)]
    except (ValueError, MemoryError, RecursionError) as exc:
        return None, [Problem(filename, 1, 1, f"the script cannot be compiled: {exc}")]
    return code, []


def helper_names(source: str) -> list[str]:
    """The functions a ``functions`` script offers to formulas, read from its source.

    They are the top-level ``def`` statements that are not hooks (a script's names cannot
    start with ``_``, so every such function is offered). Nothing runs here; a script that
    does not parse offers none (the worker reports its problems when it compiles it).
    """
    if len(source) > MAX_SOURCE_BYTES:
        return []
    try:
        tree = ast.parse(source, "<script>", "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    return [statement.name for statement in tree.body
            if isinstance(statement, ast.FunctionDef) and statement.name not in HOOKS]


def _syntax_problem(exc: SyntaxError, filename: str) -> Problem:
    return Problem(filename, exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")


def check_script(source: str, filename: str) -> list[Problem]:
    """Return every violation of the script rules in ``source``; empty when it compiles."""
    return compile_script(source, filename)[1]
