"""Attribute paths (row 5 of Amazon's category workbooks) and the Listings API's attributes.

A path names one value inside a listing's ``attributes`` object::

    item_name[marketplace_id=A1PA6795UKMFR9][language_tag=de_DE]#1.value
    purchasable_offer[audience=ALL]#1.our_price#1.schedule#1.value_with_tax
    fulfillment_availability#1.quantity
    bullet_point#2.value

It reads: the attribute (``item_name``), the selectors written in brackets, the number of
the entry (``#1``, counted from 1 among the entries with the same written selectors), then
the fields inside the entry, each with an entry number when the field is a list.

* :func:`parse_path` reads a path; :class:`AttributePath` prints it back with ``str()``.
* :class:`AttributeBuilder` turns ``{path: value}`` into the ``attributes`` object of
  ``putListingsItem`` and of listings feed messages; selectors the path does not write are
  filled from the product type's ``selectors`` and the channel's defaults.
* :func:`flatten` is the inverse: ``attributes`` -> ``{path: value}``.
* :func:`diff` and :func:`patches` (in :mod:`attribute_diff`, importable from here)
  compare two ``attributes`` objects: for the log and for ``patchListingsItem``.
* :func:`to_json` writes ``attributes`` as JSON; a ``Decimal`` becomes a number with
  exactly its digits.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from server.engine.values import json_default
from server.errors import SyncCenterError

# Selectors that category workbooks write in brackets; flatten() writes these keys of an
# entry in brackets, everything else as fields.
PATH_SELECTORS = ("marketplace_id", "language_tag", "audience")
_MAX_COLUMNS = 4096  # build() forgets the columns it has seen beyond this many
_NAME = re.compile(r"[A-Za-z0-9_]+")
_NUMBER = re.compile(r"[0-9]+")


class AttributePathError(SyncCenterError):
    """An attribute path cannot be read, or attributes cannot be written as paths."""


Step = tuple[str, int | None]


@dataclass(frozen=True)
class AttributePath:
    """One parsed path: attribute, written selectors, entry number and the fields below.

    ``steps`` are ``(field name, entry number or None)``; ``None`` means the field is a
    single value or object, not a list.
    """

    attribute: str
    selectors: dict[str, str] = field(default_factory=dict)
    index: int = 1
    steps: tuple[Step, ...] = ()

    def __hash__(self) -> int:
        return hash((self.attribute, tuple(self.selectors.items()), self.index, self.steps))

    def __str__(self) -> str:
        text = self.attribute + "".join(f"[{k}={v}]" for k, v in self.selectors.items())
        text += f"#{self.index}"
        for name, index in self.steps:
            text += f".{name}" if index is None else f".{name}#{index}"
        return text


def parse_path(text: str) -> AttributePath:
    """Read an attribute path; AttributePathError names the column (from 1) of a problem."""
    if not isinstance(text, str):
        raise AttributePathError(f"an attribute path must be text, not {text!r}")
    if text.startswith("::"):
        raise _error(text, 0, f"'{text}' is a workbook setting, not an attribute path")
    attribute, pos = _name(text, 0, "the attribute name")
    selectors: dict[str, str] = {}
    while pos < len(text) and text[pos] == "[":
        key, pos = _name(text, pos + 1, "a selector name")
        if pos >= len(text) or text[pos] != "=":
            raise _error(text, pos, f"expected '=' after the selector name '{key}'")
        end = text.find("]", pos + 1)
        if end < 0:
            raise _error(text, pos + 1, f"the selector '{key}' has no closing ']'")
        if end == pos + 1:
            raise _error(text, end, f"the selector '{key}' has no value")
        if key in selectors:
            raise _error(text, pos - len(key), f"the selector '{key}' is written twice")
        selectors[key] = text[pos + 1:end]
        pos = end + 1
    if pos >= len(text) or text[pos] != "#":
        found = f"'{text[pos]}'" if pos < len(text) else "the end"
        raise _error(text, pos, f"expected '#' and an entry number after '{attribute}', "
                                f"found {found}")
    index, pos = _index(text, pos + 1)
    steps: list[Step] = []
    while pos < len(text):
        if text[pos] != ".":
            raise _error(text, pos, f"expected '.' and a field name, not '{text[pos]}'")
        name, pos = _name(text, pos + 1, "a field name")
        step_index = None
        if pos < len(text) and text[pos] == "#":
            step_index, pos = _index(text, pos + 1)
        steps.append((name, step_index))
    if not steps:
        raise _error(text, pos, f"expected '.' and a field name after '#{index}'")
    return AttributePath(attribute, selectors, index, tuple(steps))


def _name(text: str, pos: int, what: str) -> tuple[str, int]:
    match = _NAME.match(text, pos)
    if not match:
        found = f"'{text[pos]}'" if pos < len(text) else "the end"
        raise _error(text, pos, f"expected {what}, found {found}")
    return match.group(), match.end()


def _index(text: str, pos: int) -> tuple[int, int]:
    match = _NUMBER.match(text, pos)
    if not match or int(match.group()) < 1:
        raise _error(text, pos, "expected an entry number of 1 or more after '#'")
    return int(match.group()), match.end()


def _error(text: str, pos: int, what: str) -> AttributePathError:
    return AttributePathError(f"attribute path '{text}', column {pos + 1}: {what}",
                              path=text, column=pos + 1)


# How one path writes its value: (attribute, written selectors), entry number, the new
# entry's selectors, the field name when the path has one plain field (most do), the fields.
_Plan = tuple[tuple[str, tuple], int, dict[str, Any], "str | None", tuple[Step, ...]]


class AttributeBuilder:
    """Builds the Listings API ``attributes`` object from ``{attribute path: value}``.

    ``schema`` is the product type's JSON schema (or None); ``defaults`` are the channel's
    selector values (``marketplace_id``, ``language_tag``, ``currency``, ``audience``).
    A selector listed in the schema for an attribute but not written in the path is filled
    from ``defaults``, else from the schema's ``default`` for it, else left out.
    """

    def __init__(self, schema: Mapping[str, Any] | None = None,
                 defaults: Mapping[str, Any] | None = None) -> None:
        self.schema = schema
        self.defaults = dict(defaults or {})
        # build() keeps the columns it has seen, in order, and a row builder for them.
        self._index: dict[Any, int] = {}
        self._pick: Callable[[Mapping[Any, Any]], Sequence[Any]] = _picker(())
        self._maker: Callable[[Sequence[Any]], dict] = self.row_builder(())

    def build(self, values: Mapping[Any, Any]) -> dict[str, Any]:
        """The ``attributes`` object; empty values (None, "") leave their path out.

        Keys are path texts or AttributePath objects; keys starting with ``::`` (workbook
        settings such as ``::record_action``) are skipped. Entries are numbered in order:
        a missing number closes up (``#1`` and ``#3`` give two entries). The code that
        builds the entries is generated for the keys seen so far (see ``row_builder``);
        rows with all those keys (a workbook's or a task's columns) are fastest.
        """
        if len(values) == len(self._index):  # the same columns as before, in any order
            try:
                return self._maker(self._pick(values))
            except KeyError:
                pass
        index = self._index
        if any(key not in index for key in values):
            grown = dict(index) if len(index) < _MAX_COLUMNS else {}  # bounded memory
            for key in values:
                grown.setdefault(key, len(grown))
            self._maker = self.row_builder(tuple(grown))  # raises for a bad path
            self._index = index = grown
            self._pick = _picker(tuple(grown))
            if len(values) == len(index):
                return self._maker(self._pick(values))
        row: list[Any] = [None] * len(index)  # some of the columns: place them by column
        for key, value in values.items():
            row[index[key]] = value
        return self._maker(row)

    def row_builder(self, columns: Sequence[Any]) -> Callable[[Sequence[Any]], dict]:
        """A function that builds ``attributes`` from rows of values in ``columns`` order.

        The fastest way for rows that come as tuples (a task's records): the entries are
        written out once as Python code for these columns.
        """
        layout: dict[str, dict[tuple, dict[int, list]]] = {}
        for position, key in enumerate(columns):
            if isinstance(key, str) and key.startswith("::"):
                continue
            (attribute, group), index, fill, leaf, steps = self._plan(key)
            entry = layout.setdefault(attribute, {}).setdefault(group, {}).setdefault(
                index, [fill])
            entry.append((position, leaf, steps))
        code = _Source()
        lines = ["def build(row):", "    out = {}", "    gaps = False"]
        given = "    if v or (v is not None and v.__class__ is not str):"  # not None or ""
        for attribute, groups in layout.items():
            entries = [groups[group][index] for group in groups for index in sorted(groups[group])]
            name = repr(attribute)
            alone = len(entries) == 1
            if not alone:
                lines.append("    items = []")
            for fill, *fields in entries:
                fixed = "".join(f"{key!r}: {code.constant(value)}, " for key, value in fill.items())
                (position, leaf, steps), *more = fields
                if not more and leaf is not None:  # one field: the entry at once
                    entry = f"{{{fixed}{leaf!r}: v}}"
                    lines += [f"    v = row[{position}]", given,
                              f"        out[{name}] = [{entry}]" if alone else
                              f"        items.append({entry})"]
                    continue
                lines.append("    e = None")
                for position, leaf, steps in fields:
                    lines += [f"    v = row[{position}]", given,
                              f"        if e is None: e = {{{fixed}}}"]
                    if leaf is not None:
                        lines.append(f"        e[{leaf!r}] = v")
                    else:
                        lines.append(f"        gaps = put(e, {code.constant(steps)}, v) or gaps")
                lines.append(f"    if e is not None: out[{name}] = [e]" if alone else
                             "    if e is not None: items.append(e)")
            if not alone:
                lines.append(f"    if items: out[{name}] = items")
        lines += ["    if gaps:", "        out = {name: [drop(entry) for entry in entries]"
                  " for name, entries in out.items()}", "    return out"]
        return code.function("\n".join(lines), "build", put=_put, drop=_drop_empty)

    def _plan(self, key: Any) -> _Plan:
        path = key if isinstance(key, AttributePath) else parse_path(key)
        fill = dict(path.selectors)
        for name in self._selector_names(path.attribute):
            if name in fill:
                continue
            value = self.defaults.get(name)
            if value is None:
                value = self._schema_default(path.attribute, name)
            if value is not None:
                fill[name] = value
        steps = path.steps
        leaf = steps[0][0] if len(steps) == 1 and steps[0][1] is None else None
        return ((path.attribute, tuple(path.selectors.items())), path.index, fill, leaf,
                steps)

    def _selector_names(self, attribute: str) -> tuple[str, ...]:
        if not self.schema:
            return ()
        node = self.schema.get("properties", {}).get(attribute)
        if not isinstance(node, Mapping):
            return ()
        return tuple(node.get("selectors") or node.get("items", {}).get("selectors") or ())

    def _schema_default(self, attribute: str, name: str) -> Any:
        node = self.schema.get("properties", {}).get(attribute, {}) if self.schema else {}
        node = node.get("items", {}).get("properties", {}).get(name, {})
        for _ in range(8):  # follow local $refs, e.g. "#/$defs/marketplace_id"
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not isinstance(ref, str) or not ref.startswith("#/"):
                break
            node = self.schema
            for part in ref[2:].split("/"):
                node = node.get(part, {}) if isinstance(node, Mapping) else {}
        return node.get("default") if isinstance(node, Mapping) else None


def _picker(columns: tuple) -> Callable[[Mapping[Any, Any]], Sequence[Any]]:
    """The values of ``columns`` from a mapping, in their order (KeyError if one is missing)."""
    if len(columns) > 1:
        return operator.itemgetter(*columns)
    if columns:
        return lambda values: (values[columns[0]],)
    return lambda values: ()


class _Source:
    """Constants and compilation of a generated function."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {}

    def constant(self, value: Any) -> str:
        name = f"c{len(self.names)}"
        self.names[name] = value
        return name

    def function(self, source: str, name: str, **names: Any) -> Any:
        namespace = {**self.names, **names}
        exec(compile(source, f"<generated {name}>", "exec"), namespace)
        return namespace[name]


def _put(entry: dict[str, Any], steps: tuple[Step, ...], value: Any) -> bool:
    """Set ``value`` below ``entry``; True when a list got a placeholder (a gap)."""
    gaps = False
    node = entry
    last = len(steps) - 1
    for position, (name, index) in enumerate(steps):
        if index is None:
            if position == last:
                node[name] = value
                return gaps
            child = node.get(name)
            if not isinstance(child, dict):
                child = node[name] = {}
            node = child
            continue
        items = node.get(name)
        if not isinstance(items, list):
            items = node[name] = []
        count = len(items)
        if count < index:
            items.extend([None if position == last else {}] if index - count == 1 else
                         [None if position == last else {} for _ in range(index - count)])
            gaps = gaps or index - count > 1
        if position == last:
            items[index - 1] = value
            return gaps
        if not isinstance(items[index - 1], dict):
            items[index - 1] = {}
        node = items[index - 1]
    return gaps


def _drop_empty(value: Any) -> Any:
    if isinstance(value, list):
        return [_drop_empty(item) for item in value if item is not None and item != {}]
    if isinstance(value, dict):
        return {key: _drop_empty(item) for key, item in value.items()}
    return value


def to_json(attributes: Mapping[str, Any]) -> bytes:
    """``attributes`` as JSON bytes; a Decimal is written as a number with its digits."""
    return orjson.dumps(attributes, default=json_default)


def flatten(attributes: Mapping[str, Any],
            selectors: Iterable[str] = PATH_SELECTORS) -> dict[str, Any]:
    """``{attribute path: value}`` of ``attributes``: the inverse of AttributeBuilder.build.

    The keys in ``selectors`` that an entry holds (as text) are written in brackets, in
    the entry's order; entries are numbered within the same written selectors.
    """
    wanted = frozenset(selectors)
    out: dict[str, Any] = {}
    for name, entries in attributes.items():
        if isinstance(entries, dict):
            entries = [entries]
        if not isinstance(entries, list):
            raise AttributePathError(f"the attribute '{name}' is not a list of entries",
                                     attribute=name)
        counts: dict[str, int] = {}
        for entry in entries:
            if not isinstance(entry, dict):
                raise AttributePathError(f"an entry of '{name}' is not an object",
                                         attribute=name)
            head = name + "".join(f"[{key}={value}]" for key, value in entry.items()
                                  if key in wanted and isinstance(value, str))
            counts[head] = number = counts.get(head, 0) + 1
            _walk(entry, f"{head}#{number}", out, wanted)
    return out


def _walk(node: dict[str, Any], prefix: str, out: dict[str, Any],
          skip: frozenset[str] = frozenset()) -> None:
    for key, value in node.items():
        if key in skip and isinstance(value, str):
            continue
        if isinstance(value, dict):
            _walk(value, f"{prefix}.{key}", out)
        elif isinstance(value, list):
            for number, item in enumerate(value, 1):
                if isinstance(item, dict):
                    _walk(item, f"{prefix}.{key}#{number}", out)
                else:
                    out[f"{prefix}.{key}#{number}"] = item
        else:
            out[f"{prefix}.{key}"] = value


def __getattr__(name: str) -> Any:
    """``Change``, ``diff`` and ``patches`` live in :mod:`attribute_diff`; importable here."""
    if name in ("Change", "diff", "patches"):
        from server.catalogue import attribute_diff

        return getattr(attribute_diff, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
