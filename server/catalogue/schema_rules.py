"""Compiling the parts of a product type schema into fast checks.

A product type schema is JSON Schema (2019-09) with Amazon's own keywords. Checking every
article with a generic validator is too slow for catalogues of 100,000 articles, so each
part of the schema is compiled once into a generated Python function: ``check(value)``
returns None when the value is valid, else the reason in words a merchant understands.

Only the subset Amazon's schemas use is compiled: ``type``, ``enum``, ``const``,
``minLength``, ``maxLength``, ``maxUtf8ByteLength``, ``pattern``, ``format`` (date,
date-time), ``minimum``, ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``,
``minItems``, ``maxItems``, ``items``, ``contains``, ``required``, ``properties``,
``additionalProperties``, ``minProperties``, ``maxProperties``, ``allOf``, ``anyOf``,
``oneOf``, ``not``, ``if``/``then``/``else`` and local ``$ref``. Annotations (``title``,
``selectors``, ``enumNames``, ``editable``, ``hidden``...) are skipped. In strict mode
(for the conditions of ``allOf`` rules) any other keyword raises :class:`Unsupported`, so
that a rule is never half understood.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from server.catalogue.schema_values import (
    allowed_values,
    are,
    enum_test,
    is_integer,
    is_number,
    many,
    show,
    valid_date,
    valid_datetime,
)

Check = Callable[[Any], "str | None"]

QUIET = "invalid"  # what a quiet check returns instead of a reason
_ANNOTATIONS = frozenset((
    "$schema", "$id", "$comment", "$defs", "definitions", "title", "description",
    "default", "examples", "editable", "hidden", "enumNames", "selectors",
    "minUniqueItems", "maxUniqueItems", "readOnly", "writeOnly", "deprecated",
    "$anchor", "unevaluatedProperties", "uniqueItems",
))
_TYPE_WORDS = {"string": "text", "number": "a number", "integer": "a whole number",
               "boolean": "true or false", "object": "a group of fields", "array": "a list",
               "null": "empty"}
_FORMATS = {"date": "a date (YYYY-MM-DD)", "date-time": "a date and time (ISO 8601)"}


class Unsupported(Exception):
    """A keyword or form the compiler does not evaluate (strict mode only)."""


class Compiler:
    """Compiles nodes of one schema document (``$ref`` resolves inside ``root``).

    Each compiled node is one generated Python function with the checks written out
    (no call per keyword): several times faster than a tree of closures.
    ``strict`` raises Unsupported for keywords outside the subset; ``quiet`` makes a
    failing check return QUIET instead of building the reason (for conditions).
    """

    def __init__(self, root: Mapping[str, Any], *, strict: bool = False,
                 quiet: bool = False) -> None:
        self.root = root
        self.strict = strict
        self.quiet = quiet

    def resolve(self, node: Any) -> Any:
        for _ in range(16):
            if not isinstance(node, Mapping) or "$ref" not in node:
                return node
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise Unsupported(f"reference {ref!r}")
            target: Any = self.root
            for part in ref[2:].split("/") if ref != "#" else ():
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, Mapping) or part not in target:
                    raise Unsupported(f"reference {ref!r} leads nowhere")
                target = target[part]
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **extra} if extra else target
        raise Unsupported("references that go round in circles")

    def compile(self, node: Any, label: str) -> Check | None:
        """``check(value) -> reason or None`` for ``node``; None when anything is valid."""
        code = _Code(self)
        lines = code.node(node, "v", label, "    ", 0)
        if not lines:
            return None
        source = "def check(v):\n" + "\n".join(lines) + "\n    return None\n"
        exec(compile(source, f"<schema {label}>", "exec"), code.names)
        return code.names["check"]


class _Code:
    """The source lines of one generated check and the names they use."""

    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler
        self.names: dict[str, Any] = {"Decimal": Decimal, "NUMBERS": _NUMBERS,
                                      "MISSING": _MISSING, "is_integer": is_integer}
        self.count = 0

    def name(self, prefix: str, value: Any = None) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        if value is not None:
            self.names[name] = value
        return name

    def fail(self, pad: str, var: str, message: Callable[[Any], str]) -> list[str]:
        if self.compiler.quiet:
            return [f"{pad}return {QUIET!r}"]
        return [f"{pad}return {self.name('f', message)}({var})"]

    def sub(self, node: Any, label: str, quiet: bool = True) -> str:
        """A separately compiled check (strict) for a combinator, by name."""
        check = Compiler(self.compiler.root, strict=True, quiet=quiet).compile(node, label)
        return self.name("s", check or _anything)

    def node(self, node: Any, var: str, label: str, pad: str, depth: int) -> list[str]:
        if depth > 32:
            raise Unsupported("schemas nested more than 32 levels deep")
        node = self.compiler.resolve(node)
        if node is True or node == {}:
            return []
        if node is False:
            return self.fail(pad, var, lambda v: f"{label} is not allowed")
        if not isinstance(node, Mapping):
            raise Unsupported(f"schema {node!r}")
        if self.compiler.strict:
            for key in node:
                if key not in _HANDLED and key not in _ANNOTATIONS:
                    raise Unsupported(f"keyword '{key}'")
        lines, known = self.types(node, var, label, pad)
        lines += self.values(node, var, label, pad, known)
        lines += self.strings(node, var, label, pad, known)
        lines += self.numbers(node, var, label, pad, known)
        lines += self.array(node, var, label, pad, known, depth)
        lines += self.object(node, var, label, pad, known, depth)
        lines += self.logic(node, var, label, pad, depth)
        return lines

    def types(self, node: Mapping[str, Any], var: str, label: str, pad: str
              ) -> tuple[list[str], str | None]:
        kinds = node.get("type")
        if kinds is None:
            return [], None
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        # Each test says when the value is NOT of the type.
        tests = {"string": f"type({var}) is not str", "array": f"type({var}) is not list",
                 "object": f"type({var}) is not dict", "boolean": f"type({var}) is not bool",
                 "null": f"{var} is not None",
                 "integer": f"(type({var}) is not int and not is_integer({var}))",
                 "number": f"(type({var}) not in NUMBERS or type({var}) is Decimal "
                           f"and not {var}.is_finite())"}
        unknown = [kind for kind in kinds if kind not in tests]
        if unknown:
            raise Unsupported(f"type {unknown[0]!r}")
        words = " or ".join(_TYPE_WORDS[kind] for kind in kinds)

        def message(v: Any) -> str:
            if kinds == ["array"]:
                return f"{label} is not a list of entries"
            return f"{label} value {show(v)} is not {words}"
        test = " and ".join(tests[kind] for kind in kinds)
        lines = [f"{pad}if {test}:", *self.fail(pad + "    ", var, message)]
        return lines, kinds[0] if len(kinds) == 1 else None

    def values(self, node: Mapping[str, Any], var: str, label: str, pad: str,
               known: str | None) -> list[str]:
        if "const" in node:
            const = node["const"]
            test = self.name("t", enum_test([const]))
            return [f"{pad}if not {test}({var}):",
                    *self.fail(pad + "    ", var,
                               lambda v: f"{label} value {show(v)} must be {show(const)}")]
        if "enum" not in node:
            return []
        values = list(node["enum"])

        def message(v: Any) -> str:
            return f"{label} value {show(v)} is not one of the allowed values " \
                   f"({allowed_values(values)})"
        if known == "string" and values and all(type(v) is str for v in values):
            test = f"{var} not in {self.name('c', frozenset(values))}"
        else:
            test = f"not {self.name('t', enum_test(values))}({var})"
        return [f"{pad}if {test}:", *self.fail(pad + "    ", var, message)]

    def strings(self, node: Mapping[str, Any], var: str, label: str, pad: str,
                known: str | None) -> list[str]:
        low, high = node.get("minLength", 0), node.get("maxLength")
        limit = node.get("maxUtf8ByteLength")
        form = node.get("format")
        valid_form = {"date": valid_date, "date-time": valid_datetime}.get(form)
        if form and valid_form is None and self.compiler.strict:
            raise Unsupported(f"format '{form}'")
        if not low and high is None and limit is None and "pattern" not in node \
                and valid_form is None:
            return []
        lines, inner = self.guard(pad, known, "string", f"type({var}) is str")
        size = self.name("n")
        lines.append(f"{inner}{size} = len({var})")
        fail = self.fail
        if low or high is not None:
            def length(v: Any) -> str:
                if not v:
                    return f"{label} must not be empty"
                if len(v) < low:
                    return (f"{label} is {many(len(v), 'character')} long; at least {low} "
                            f"{are(low)} needed")
                return (f"{label} is {many(len(v), 'character')} long; at most {high} "
                        f"{are(high)} allowed")
            lines += [f"{inner}if not ({_between(size, low, high)}):",
                      *fail(inner + "    ", var, length)]
        if limit is not None and (high is None or limit < 4 * high):
            lines += [f"{inner}if {size} > {int(limit) // 4} and "
                      f"len({var}.encode('utf-8')) > {int(limit)}:", *fail(
                          inner + "    ", var, lambda v: f"{label} is {len(v.encode('utf-8'))} "
                          f"bytes long in UTF-8; at most {limit} are allowed")]
        pattern = None
        if "pattern" in node:
            try:
                pattern = re.compile(node["pattern"])
            except (re.error, TypeError) as exc:  # e.g. ECMA-262 syntax Python lacks
                if self.compiler.strict:
                    raise Unsupported(f"pattern {node['pattern']!r}") from exc
        if pattern is not None:
            lines += [f"{inner}if {self.name('c', pattern)}.search({var}) is None:", *fail(
                inner + "    ", var, lambda v: f"{label} value {show(v)} does not have the "
                                               f"expected form ({pattern.pattern})")]
        if valid_form is not None:
            lines += [f"{inner}if not {self.name('t', valid_form)}({var}):", *fail(
                inner + "    ", var, lambda v: f"{label} value {show(v)} is not "
                                               f"{_FORMATS[form]}")]
        return lines

    def numbers(self, node: Mapping[str, Any], var: str, label: str, pad: str,
                known: str | None) -> list[str]:
        bounds = [(key, node[key], op, words) for key, op, words in (
            ("minimum", "<", "is less than the minimum"),
            ("maximum", ">", "is more than the maximum"),
            ("exclusiveMinimum", "<=", "must be more than"),
            ("exclusiveMaximum", ">=", "must be less than")) if key in node]
        if not bounds:
            return []
        for _, bound, _, _ in bounds:
            if not is_number(bound):
                raise Unsupported(f"bound {bound!r}")
        lines, inner = self.guard(
            pad, "number" if known == "integer" else known, "number",
            f"type({var}) in NUMBERS and (type({var}) is not Decimal or {var}.is_finite())")
        for _, bound, op, words in bounds:
            lines += [f"{inner}if {var} {op} {self.name('c', bound)}:", *self.fail(
                inner + "    ", var,
                lambda v, words=words, bound=bound: f"{label} value {show(v)} {words} "
                                                    f"{bound}")]
        return lines

    def array(self, node: Mapping[str, Any], var: str, label: str, pad: str,
              known: str | None, depth: int) -> list[str]:
        low, high = node.get("minItems", 0), node.get("maxItems")
        items = node.get("items")
        if isinstance(items, list):
            if self.compiler.strict:
                raise Unsupported("'items' as a list")
            items = None
        entry = self.name("e")
        body = self.node(items, entry, label, "", depth + 1) if items is not None else []
        if not low and high is None and not body and "contains" not in node:
            return []
        lines, inner = self.guard(pad, known, "array", f"type({var}) is list")
        if low or high is not None:
            def count(v: Any) -> str:
                if not v:
                    return f"{label} has no entries"
                if len(v) < low:
                    return (f"{label} has {many(len(v), 'entry')}; at least {low} "
                            f"{are(low)} needed")
                return f"{label} has {many(len(v), 'entry')}; at most {high} {are(high)} allowed"
            lines += [f"{inner}if not ({_between(f'len({var})', low, high)}):",
                      *self.fail(inner + "    ", var, count)]
        if body:
            lines.append(f"{inner}for {entry} in {var}:")
            lines += [inner + "    " + line for line in body]
        if "contains" in node:
            check = self.sub(node["contains"], label)
            lines += [f"{inner}if not any({check}(item) is None for item in {var}):",
                      *self.fail(inner + "    ", var,
                                 lambda v: f"{label} has no entry of the required kind")]
        return lines

    def object(self, node: Mapping[str, Any], var: str, label: str, pad: str,
               known: str | None, depth: int) -> list[str]:
        required = list(node.get("required", ()))
        props = node.get("properties") or {}
        closed = node.get("additionalProperties") is False
        extra = node.get("additionalProperties")
        low, high = node.get("minProperties"), node.get("maxProperties")
        if "patternProperties" in node and self.compiler.strict:
            raise Unsupported("keyword 'patternProperties'")
        bodies = []
        for name, sub in props.items():
            value = self.name("x")
            body = self.node(sub, value, _child(label, name), "", depth + 1)
            if body:
                bodies.append((name, value, body))
        if not (required or bodies or closed or isinstance(extra, Mapping)
                or low is not None or high is not None):
            return []
        lines, inner = self.guard(pad, known, "object", f"type({var}) is dict")
        for name in required:
            lines += [f"{inner}if {name!r} not in {var}:", *self.fail(
                inner + "    ", var, lambda v, name=name: f"{label} has no '{name}'")]
        known_names = self.name("c", frozenset(props))
        if closed:
            def unknown(v: Any) -> str:
                key = next(key for key in v if key not in props)
                return f"{label} has the field '{key}', which the product type does not know"
            lines += [f"{inner}if not {known_names}.issuperset({var}):",
                      *self.fail(inner + "    ", var, unknown)]
        elif isinstance(extra, Mapping):
            key = self.name("k")
            check = self.sub(extra, label, quiet=self.compiler.quiet)
            lines += [f"{inner}for {key} in {var}:", f"{inner}    if {key} not in {known_names}:",
                      f"{inner}        r = {check}({var}[{key}])",
                      f"{inner}        if r is not None:", f"{inner}            return r"]
        for bound, op in ((low, "<"), (high, ">")):
            if bound is not None:
                lines += [f"{inner}if len({var}) {op} {int(bound)}:", *self.fail(
                    inner + "    ", var, lambda v: f"{label} has {len(v)} fields; "
                                                   f"{low or 0} to {high or 'any'} are allowed")]
        for name, value, body in bodies:
            if name in required:
                lines.append(f"{inner}{value} = {var}[{name!r}]")
                lines += [inner + line for line in body]
            else:
                lines += [f"{inner}{value} = {var}.get({name!r}, MISSING)",
                          f"{inner}if {value} is not MISSING:"]
                lines += [inner + "    " + line for line in body]
        return lines

    def logic(self, node: Mapping[str, Any], var: str, label: str, pad: str,
              depth: int) -> list[str]:
        lines = []
        for sub in node.get("allOf", ()):
            lines += self.node(sub, var, label, pad, depth + 1)
        try:
            for key in ("anyOf", "oneOf"):
                if key in node:
                    checks = [self.sub(sub, label) for sub in node[key]]
                    passed = "(" + ", ".join(f"{check}({var}) is None" for check in checks) + ")"
                    test = f"not any({passed})" if key == "anyOf" else f"sum({passed}) != 1"
                    lines += [f"{pad}if {test}:", *self.fail(
                        pad + "    ", var, lambda v: f"{label} value {show(v)} does not match "
                                                   "the allowed forms")]
            if "not" in node:
                lines += [f"{pad}if {self.sub(node['not'], label)}({var}) is None:",
                          *self.fail(pad + "    ", var,
                                     lambda v: f"{label} value {show(v)} is not allowed here")]
            if "if" in node and ("then" in node or "else" in node):
                then = self.node(node.get("then", True), var, label, pad + "    ", depth + 1)
                other = self.node(node.get("else", True), var, label, pad + "    ", depth + 1)
                lines.append(f"{pad}if {self.sub(node['if'], label)}({var}) is None:")
                lines += then or [f"{pad}    pass"]
                if other:
                    lines += [f"{pad}else:", *other]
        except Unsupported:
            if self.compiler.strict:
                raise
            # Outside conditions an unknown combinator is skipped, never half applied.
        return lines

    @staticmethod
    def guard(pad: str, known: str | None, wanted: str, test: str) -> tuple[list[str], str]:
        """Lines that limit the following checks to values of one type, and their pad."""
        if known == wanted:
            return [], pad
        return [f"{pad}if {test}:"], pad + "    "


_NUMBERS = frozenset((int, float, Decimal))
_MISSING = object()


_HANDLED = frozenset((
    "type", "enum", "const", "minLength", "maxLength", "maxUtf8ByteLength", "pattern",
    "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems",
    "maxItems", "items", "contains", "required", "properties", "additionalProperties",
    "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not", "if", "then",
    "else", "$ref",
))


def _between(size: str, low: int, high: int | None) -> str:
    """``1 <= n <= 200``, ``1 <= n`` or ``n <= 200`` (``low`` 0 means no lower bound)."""
    if high is None:
        return f"{int(low)} <= {size}"
    return f"{int(low)} <= {size} <= {int(high)}" if low else f"{size} <= {int(high)}"


def _anything(value: Any) -> None:
    return None


def _child(label: str, name: str) -> str:
    """``'apparel_size'`` + ``size`` -> ``'apparel_size.size'``; ``value`` adds nothing."""
    if name == "value":
        return label
    return f"{label[:-1]}.{name}'" if label.endswith("'") else f"'{name}'"
