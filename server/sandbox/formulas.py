"""Formulas: one Python expression over the record ``A``, checked and compiled safely.

``parse_formula`` checks a formula and rewrites it for speed: ``A.VK1`` and ``A["VK 1"]``
become a local variable holding that column's value, number literals become exact
``Decimal`` constants. ``compile_functions`` then compiles generated functions (built from
such expressions by the engine) with RestrictedPython, so a formula can reach neither
dunder attributes, nor imports, nor any name outside ``SAFE_FUNCTIONS``.

Positions are kept: a parsed expression's nodes carry the line and column of the
formula text, so a failure at run time can be traced back to the column that failed
(``error_column``).
"""

from __future__ import annotations

import ast
import operator
import re
import types
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from RestrictedPython import compile_restricted, compile_restricted_eval

from server.errors import FormulaError
from server.sandbox.bounds import bounded_getattr, checked_lshift, checked_mul, checked_pow
from server.sandbox.functions import SAFE_FUNCTIONS
from server.textutil import did_you_mean

RECORD = "A"
_CHECKED_OPS = {ast.Mult: "sc_mul", ast.Pow: "sc_pow", ast.LShift: "sc_lshift"}
SCAFFOLD_LINE = 10_000  # generated code lives on lines the formula text never reaches
DECIMAL_COMMA = re.compile(r"\d,\d")


@dataclass
class ParsedFormula:
    """A checked formula: ``expr`` reads columns from variables named by ``column_var``."""

    source: str
    expr: ast.expr
    columns: set[int] = field(default_factory=set)
    constants: dict[str, Decimal] = field(default_factory=dict)
    helpers: set[str] = field(default_factory=set)  # script functions the formula calls


def column_var(index: int) -> str:
    return f"c{index}"


def parse_formula(source: str, columns: Sequence[str] | None, *, what: str,
                  constant_prefix: str = "k",
                  helpers: Collection[str] | None = ()) -> ParsedFormula:
    """Check ``source`` and rewrite it over ``columns`` (the source's column names).

    With ``columns=None`` any ``A.NAME`` is accepted: that checks a formula before the
    source's columns are known (``synccenter validate``). ``helpers`` names the functions
    of the action's ``functions`` scripts the formula may call; ``None`` accepts any called
    name (the scripts are not read when an action file alone is checked).

    ``what`` names the formula in messages, e.g. ``"field 'price'"``. Raises
    ``FormulaError`` with the column (1-based, in ``source``) of the problem.
    """
    source = source.strip()
    if not source:
        raise FormulaError(f"{what}: the formula is empty", formula=source, column=1)
    try:
        # Wrapping in parentheses lets a formula span lines, as XML text often does.
        tree = ast.parse("(\n" + source + "\n)", mode="eval")
    except SyntaxError as exc:
        line = (exc.lineno or 2) - 1
        if line > source.count("\n") + 1:  # the error is at the closing parenthesis
            column = len(source) + 1
        else:
            column = _absolute_column(source, line, exc.offset or 1)
        raise FormulaError(f"{what}: formula {source!r} is not a valid expression at column "
                           f"{column}: {exc.msg}{_comma_hint(source)}",
                           formula=source, column=column) from None
    _shift_lines(tree, -1)
    _check_policy(source, what)

    parsed = ParsedFormula(source, tree.body)
    resolver = _Rewriter(source, None if columns is None else list(columns), what, parsed,
                         constant_prefix, helpers)
    parsed.expr = resolver.visit(tree.body)
    if isinstance(parsed.expr, ast.Tuple) and DECIMAL_COMMA.search(source):
        raise FormulaError(f"{what}: formula {source!r} gives several values, not one"
                           f"{_comma_hint(source)}", formula=source, column=1)
    return parsed


def _check_policy(source: str, what: str) -> None:
    result = compile_restricted_eval("(\n" + source + "\n)")
    if result.errors:
        detail = "; ".join(re.sub(r"^Line \d+: ", "", e) for e in result.errors)
        raise FormulaError(f"{what}: formula {source!r} is not allowed: {detail}",
                           formula=source, column=1)


class _Rewriter(ast.NodeTransformer):
    def __init__(self, source: str, columns: list[str] | None, what: str,
                 parsed: ParsedFormula, prefix: str,
                 helpers: Collection[str] | None = ()) -> None:
        self.source = source
        self.any_column = columns is None
        self.columns = columns or []
        self.lower: dict[str, int] = {}
        for index, name in enumerate(self.columns):
            self.lower.setdefault(name.lower(), index)
        self.what = what
        self.parsed = parsed
        self.prefix = prefix
        self.helpers = helpers
        self.called = {node.func.id for node in ast.walk(parsed.expr)
                       if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        # Names bound by comprehensions ([x * 2 for x in ...]) are the formula's own.
        self.bound = {
            target.id
            for node in ast.walk(parsed.expr) if isinstance(node, ast.comprehension)
            for target in ast.walk(node.target) if isinstance(target, ast.Name)
        }

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == RECORD:
            return self._column(node, node.attr)
        return self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == RECORD:
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                return self._column(node, node.slice.value)
            self._fail(node, "A[...] takes a column name in quotes, e.g. A[\"VK 1\"]")
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == RECORD:
            self._fail(node, "A is the whole record; name a column, e.g. A.VK1")
        if node.id in SAFE_FUNCTIONS or node.id in self.bound:
            return node
        if node.id in self.called and (self.helpers is None or node.id in self.helpers):
            self.parsed.helpers.add(node.id)
            return node
        helpers = sorted(self.helpers or ())
        known = [*SAFE_FUNCTIONS, *helpers, *(f"A.{c}" for c in self.columns)]
        scripts = (f" and the functions of the action's scripts: {', '.join(helpers)}"
                   if helpers else "")
        self._fail(node, f"unknown name {node.id!r}{did_you_mean(node.id, known)}; a formula "
                         f"may use A.COLUMN, the functions "
                         f"{', '.join(sorted(_callables()))}{scripts}")
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is not float:
            return node
        literal = ast.get_source_segment(self.source, node) or repr(node.value)
        try:
            value = Decimal(literal.replace("_", ""))
        except InvalidOperation:
            value = Decimal(repr(node.value))
        name = f"{self.prefix}{len(self.parsed.constants)}"
        self.parsed.constants[name] = value
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        # Operations that can build something enormous go through a checked function
        # unless both sides are small constants (see server.sandbox.bounds).
        self.generic_visit(node)
        checked = _CHECKED_OPS.get(type(node.op))
        if checked is None or (self._small(node.left) and self._small(node.right)):
            return node
        if isinstance(node.op, ast.Mult) and (
            (self._small(node.left, 100) and self._is_column(node.right))
            or (self._small(node.right, 100) and self._is_column(node.left))
        ):
            return node  # a column value times a small constant stays within bounds
        call = ast.Call(func=ast.Name(id=checked, ctx=ast.Load()),
                        args=[node.left, node.right], keywords=[])
        return ast.copy_location(call, node)

    def _small(self, node: ast.expr, limit: int = 1000) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return abs(node.value) <= limit
        if isinstance(node, ast.Name) and node.id in self.parsed.constants:
            return abs(self.parsed.constants[node.id]) <= limit
        return False

    @staticmethod
    def _is_column(node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id.startswith("c") and node.id[1:].isdigit()

    def visit_NamedExpr(self, node: ast.NamedExpr) -> ast.AST:
        self._fail(node, "assignments (:=) are not allowed in a formula")

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self._fail(node, "lambda is not allowed in a formula")

    def _column(self, node: ast.expr, name: str) -> ast.AST:
        index = self._index(name)
        if index is None:
            hint = did_you_mean(name, self.columns)
            self._fail(node, f"the source has no column {name!r}{hint}; columns: "
                             f"{', '.join(self.columns)}")
        self.parsed.columns.add(index)
        return ast.copy_location(ast.Name(id=column_var(index), ctx=ast.Load()), node)

    def _index(self, name: str) -> int | None:
        if self.any_column:
            if name not in self.columns:
                self.columns.append(name)
            return self.columns.index(name)
        if name in self.columns:
            return self.columns.index(name)
        return self.lower.get(name.lower())

    def _fail(self, node: ast.AST, message: str) -> None:
        column = getattr(node, "col_offset", 0) + 1
        column = _absolute_column(self.source, getattr(node, "lineno", 1), column)
        raise FormulaError(f"{self.what}: formula {self.source!r}, column {column}: {message}",
                           formula=self.source, column=column)


def _callables() -> list[str]:
    return [name for name, value in SAFE_FUNCTIONS.items() if callable(value)]


def _comma_hint(source: str) -> str:
    if DECIMAL_COMMA.search(source):
        return " (hint: the decimal separator in formulas is a point: write 1.2, not 1,2)"
    return ""


def _shift_lines(tree: ast.AST, delta: int) -> None:
    for node in ast.walk(tree):
        if hasattr(node, "lineno"):
            node.lineno += delta
            if getattr(node, "end_lineno", None) is not None:
                node.end_lineno += delta


def _absolute_column(source: str, line: int, column: int) -> int:
    """Turn (line, column) in ``source`` into a column counted over the whole text."""
    lines = source.split("\n")
    line = max(1, min(line, len(lines)))
    return sum(len(text) + 1 for text in lines[: line - 1]) + column


# ----- compiling generated functions ------------------------------------------------


def _restricted_globals(extra: dict[str, Any]) -> dict[str, Any]:
    names = dict(SAFE_FUNCTIONS)
    names.update(extra)
    return {
        "__builtins__": {"slice": slice},
        "__name__": "formulas",
        "__metadata__": {},
        "_getattr_": bounded_getattr,
        "sc_mul": checked_mul,
        "sc_pow": checked_pow,
        "sc_lshift": checked_lshift,
        "_getitem_": operator.getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": _unpack_sequence,
        **names,
    }


def _unpack_sequence(iterable: Any, spec: Any, getiter: Callable[[Any], Any]) -> Any:
    return list(getiter(iterable))


def compile_functions(module: ast.Module, filename: str,
                      extra: dict[str, Any]) -> dict[str, types.FunctionType]:
    """Compile a module of generated ``def`` statements with RestrictedPython.

    ``extra`` adds names the functions may read (decimal constants, converters). Returns
    the functions by name.
    """
    ast.fix_missing_locations(module)
    code = compile_restricted(module, filename, "exec")
    namespace = _restricted_globals(extra)
    exec(code, namespace)  # noqa: S102 - RestrictedPython-compiled, restricted globals
    return {k: v for k, v in namespace.items() if isinstance(v, types.FunctionType)
            and k not in extra and k not in SAFE_FUNCTIONS}


def error_column(exc: BaseException, function: types.FunctionType, source: str) -> int | None:
    """Return the 1-based column in ``source`` where ``exc`` was raised inside ``function``.

    Python 3.11 keeps the position of every instruction, so the failing operation of a
    formula can be found from the traceback.
    """
    tb = exc.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code is function.__code__:
            found = tb
        tb = tb.tb_next
    if found is None:
        return None
    positions = list(found.tb_frame.f_code.co_positions())
    index = found.tb_lasti // 2
    if index >= len(positions):
        return None
    line, _end, column, _end_col = positions[index]
    if line is None or column is None or line >= SCAFFOLD_LINE:
        return None
    return _absolute_column(source, line, column + 1)
