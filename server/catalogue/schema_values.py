"""Values of product type schemas in words, and JSON's idea of equal values.

Shared by the schema compiler (:mod:`schema_rules`) and the quality checker
(:mod:`quality`): how a merchant reads a value (``show``), a rule's condition in words
(``describe``: ``item_type_keyword is 'jacket'``), and the tests JSON Schema needs
(``true`` is not ``1``, ``1.0`` is ``1``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any


def show(value: Any, limit: int = 60) -> str:
    """A value as a merchant reads it: text in quotes, true/false, numbers as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[:limit] + "...")
    if isinstance(value, (list, dict)):
        text = repr(value)
        return text if len(text) <= limit else text[:limit] + "..."
    return str(value)


def plain(value: Any) -> str:
    return show(value)[1:-1] if isinstance(value, str) else show(value)


def is_number(value: Any) -> bool:
    kind = type(value)
    if kind is int or kind is float:
        return True
    return kind is Decimal and value.is_finite()


def is_integer(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        return value.is_integer()
    return kind is Decimal and value.is_finite() and value == value.to_integral_value()


def valid_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def valid_datetime(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return len(text) > 10


def same_value(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def enum_test(values: list[Any]) -> Callable[[Any], bool]:
    """A fast membership test for ``enum`` values, keeping true apart from 1."""
    if values and all(type(v) is str for v in values):
        allowed = frozenset(values)
        return lambda v: type(v) is str and v in allowed
    return lambda v: any(same_value(v, item) for item in values)


def allowed_values(values: list[Any], limit: int = 8) -> str:
    text = ", ".join(plain(v) for v in values[:limit])
    return text + (", ..." if len(values) > limit else "")


def many(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def are(count: int) -> str:
    return "is" if count == 1 else "are"


def describe(node: Any) -> str:
    """The condition of a rule in words: ``item_type_keyword is 'jacket'``."""
    if node is True:
        return "always"
    if not isinstance(node, Mapping):
        return "a condition holds"
    parts = []
    props = node.get("properties") if isinstance(node.get("properties"), Mapping) else {}
    for name in node.get("required", ()):
        if name not in props:
            parts.append(f"{name} is given")
    for name, sub in props.items():
        parts.append(_describe_property(name, sub))
    inner = node.get("not")
    if isinstance(inner, Mapping):
        if set(inner) == {"required"}:
            names = list(inner["required"])
            parts.append(" and ".join(f"{name} is not given" for name in names))
        else:
            parts.append(f"not ({describe(inner)})")
    for key, joiner in (("allOf", " and "), ("anyOf", " or "), ("oneOf", " or ")):
        if isinstance(node.get(key), list):
            parts.append("(" + joiner.join(describe(sub) for sub in node[key]) + ")")
    return " and ".join(parts) if parts else "a condition holds"


def describe_not(node: Any) -> str:
    """The words for a condition that does not hold: ``hood is not true``."""
    if not isinstance(node, Mapping):
        return f"not ({describe(node)})"
    keys = set(node) - {"$comment", "description"}
    if keys == {"not"}:
        return describe(node["not"])
    if keys == {"required"} and isinstance(node["required"], list):
        return " or ".join(f"{name} is not given" for name in node["required"])
    props = node.get("properties")
    if keys <= {"required", "properties"} and isinstance(props, Mapping) and len(props) == 1 \
            and list(node.get("required", props)) == list(props):
        name, sub = next(iter(props.items()))
        return _describe_property(name, sub, negate=True)
    return f"not ({describe(node)})"


def _describe_property(name: str, sub: Any, negate: bool = False) -> str:
    if not isinstance(sub, Mapping):
        return f"{name} has a particular value"
    if set(sub) == {"not"} and isinstance(sub["not"], Mapping):
        sub, negate = sub["not"], not negate
    inner = sub.get("contains") or (sub.get("items") if isinstance(sub.get("items"), Mapping)
                                    else None)
    fields = inner.get("properties") if isinstance(inner, Mapping) else None
    if not isinstance(fields, Mapping) or not fields:
        return f"{name} has a particular value"
    texts = []
    for key, allowed in fields.items():
        label = name if key == "value" else f"{name}.{key}"
        values = allowed.get("enum") if isinstance(allowed, Mapping) else None
        if isinstance(allowed, Mapping) and "const" in allowed:
            values = [allowed["const"]]
        if not isinstance(values, list) or not values:
            texts.append(f"{label} has a particular value")
            continue
        shown = [show(value) for value in values]
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
        texts.append(f"{label} is {'not ' if negate else ''}{listed}")
    return " and ".join(texts)
