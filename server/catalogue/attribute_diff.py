"""Comparing two Listings API ``attributes`` objects, attribute by attribute.

* :func:`diff` lists the attributes added, changed and removed, each as a :class:`Change`
  whose ``describe()`` is one line for the log: ``purchasable_offer: our_price 19.99 ->
  17.99``.
* :func:`patches` gives the JSON Patch operations for ``patchListingsItem`` and for PATCH
  messages of the listings feed: a changed or added attribute is replaced as a whole (the
  Listings API patches whole attributes), a removed one is deleted by its selectors.

Numbers compare by value (``19.9`` from Amazon equals ``Decimal("19.90")`` from the ERP);
the order of an attribute's entries does not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.catalogue.attributes import (
    PATH_SELECTORS,
    AttributeBuilder,
    AttributePathError,
    flatten,
    parse_path,
)

# Field names that say little in a change description ("our_price 19.99 -> 17.99").
_PLAIN_FIELDS = frozenset(("value", "schedule", "value_with_tax"))


@dataclass(frozen=True)
class Change:
    """One attribute that differs: ``kind`` is added, changed or removed."""

    attribute: str
    kind: str
    old: Any = None
    new: Any = None

    def describe(self, limit: int = 3) -> str:
        """One line for a person, e.g. ``purchasable_offer: our_price 19.99 -> 17.99``."""
        if self.kind == "added":
            return f"{self.attribute}: added {_values(self.attribute, self.new, limit)}"
        if self.kind == "removed":
            return f"{self.attribute}: removed (was {_values(self.attribute, self.old, limit)})"
        old = _labelled(self.attribute, self.old)
        new = _labelled(self.attribute, self.new)
        parts = []
        for label in dict.fromkeys([*old, *new]):
            before, after = old.get(label, _ABSENT), new.get(label, _ABSENT)
            if before is not _ABSENT and after is not _ABSENT and _same(before, after):
                continue
            text = f"{label} " if label else ""
            if before is _ABSENT:
                parts.append(f"{text}added {_show(after)}".strip())
            elif after is _ABSENT:
                parts.append(f"{text}removed (was {_show(before)})".strip())
            else:
                parts.append(f"{text}{_show(before)} -> {_show(after)}")
        if not parts:
            parts = ["entries reordered"]
        more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
        return f"{self.attribute}: " + ", ".join(parts[:limit]) + more


_ABSENT = object()


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The attributes added, changed or removed from ``old`` to ``new``.

    Numbers compare by value (``19.9`` equals ``Decimal("19.90")``), and the order of an
    attribute's entries does not count.
    """
    changes = []
    for name, value in new.items():
        if name not in old or _empty(old[name]):
            if not _empty(value):
                changes.append(Change(name, "added", None, value))
        elif _empty(value):
            changes.append(Change(name, "removed", old[name], None))
        elif not _same_entries(old[name], value):
            changes.append(Change(name, "changed", old[name], value))
    for name, value in old.items():
        if name not in new and not _empty(value):
            changes.append(Change(name, "removed", value, None))
    return changes


def patches(old: Mapping[str, Any], new: Mapping[str, Any],
            schema: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """JSON Patch operations that turn ``old`` into ``new`` (for patchListingsItem).

    A changed or added attribute is replaced as a whole; a removed one is deleted, with
    the selectors of its entries as ``value`` (from the schema's ``selectors``, else the
    bracket selectors marketplace_id, language_tag and audience).
    """
    out = []
    builder = AttributeBuilder(schema)
    for change in diff(old, new):
        path = f"/attributes/{change.attribute}"
        if change.kind != "removed":
            out.append({"op": "replace", "path": path, "value": change.new})
            continue
        keys = builder._selector_names(change.attribute) or PATH_SELECTORS
        value = []
        for entry in change.old if isinstance(change.old, list) else [change.old]:
            chosen = ({key: entry[key] for key in keys if key in entry}
                      if isinstance(entry, dict) else {})
            if chosen and chosen not in value:
                value.append(chosen)
        out.append({"op": "delete", "path": path, **({"value": value} if value else {})})
    return out


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == "" or value == {}


def _key(value: Any) -> Any:
    """A comparable form: numbers as normalized Decimals, bools apart from numbers."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return ("number", number.normalize() if number.is_finite() else str(number))
    if isinstance(value, Mapping):
        return ("object", tuple(sorted((str(k), _key(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_key(item) for item in value))
    return ("other", repr(value))


def _same(a: Any, b: Any) -> bool:
    return _key(a) == _key(b)


def _same_entries(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(repr, map(_key, a))) == sorted(map(repr, map(_key, b)))
    return _same(a, b)


def _labelled(name: str, value: Any) -> dict[str, Any]:
    """Leaf values of one attribute under short labels (``our_price``, ``#2``)."""
    out = {}
    try:
        paths = flatten({name: value if isinstance(value, list) else [value]})
    except AttributePathError:
        return {"": value}
    for path, leaf in paths.items():
        parsed = parse_path(path)
        parts = [f"#{parsed.index}"] if parsed.index > 1 else []
        parts += [step if index in (None, 1) else f"{step}#{index}"
                  for step, index in parsed.steps if step not in _PLAIN_FIELDS]
        label = ".".join(parts)
        while label in out:
            label += "'"
        out[label] = leaf
    return out


def _values(name: str, value: Any, limit: int) -> str:
    leaves = list(_labelled(name, value).values())
    text = ", ".join(_show(leaf) for leaf in leaves[:limit])
    return text + (f" and {len(leaves) - limit} more" if len(leaves) > limit else "")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)
