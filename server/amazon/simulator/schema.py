"""A small JSON Schema checker for the keywords the simulator's schemas use.

It serves two purposes: checking request bodies against the simulator's own compact
shapes, and checking listing attributes against the product type schemas it ships (JSON
Schema 2019-09 style with Amazon's extra keywords). It is not a general validator:
``$ref`` resolves only inside the same document (``#/...``); ``selectors``, ``editable``,
``hidden``, ``enumNames``, ``minUniqueItems`` and ``maxUniqueItems`` are accepted and
ignored, except that ``maxUtf8ByteLength`` is checked.

``violations`` returns every problem found as a ``Violation`` with the path to the value,
the keyword that failed and a short English text; callers turn them into SP-API issues or
``InvalidInput`` messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

Path = tuple[str | int, ...]

_TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}


@dataclass
class Violation:
    path: Path
    keyword: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def dotted(self) -> str:
        """The path without list positions, e.g. ``purchasable_offer.our_price``."""
        return ".".join(str(part) for part in self.path if isinstance(part, str))

    def where(self) -> str:
        """The path as ``a[0].b`` for messages; ``(root)`` for the document itself."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or "(root)"


def violations(instance: Any, schema: Any, root: Any = None) -> list[Violation]:
    """Check ``instance`` against ``schema``; an empty list means it is valid."""
    out: list[Violation] = []
    _check(instance, schema, root if root is not None else schema, (), out)
    return out


def is_valid(instance: Any, schema: Any, root: Any = None) -> bool:
    return not violations(instance, schema, root)


def _type_ok(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def _resolve(ref: str, root: Any) -> Any:
    if not ref.startswith("#"):
        raise ValueError(f"only local $ref is supported, not {ref!r}")
    node = root
    for part in ref.lstrip("#").strip("/").split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _check(value: Any, schema: Any, root: Any, path: Path, out: list[Violation]) -> None:
    if schema is True or schema is None:
        return
    if schema is False:
        out.append(Violation(path, "false", "is not allowed here"))
        return
    if "$ref" in schema:
        _check(value, _resolve(schema["$ref"], root), root, path, out)
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_type_ok(value, name) for name in names):
            out.append(Violation(path, "type", f"must be of type {' or '.join(names)}",
                                 {"expected": names}))
            return
    if "enum" in schema and value not in schema["enum"]:
        shown = ", ".join(repr(item) for item in schema["enum"][:12])
        more = ", ..." if len(schema["enum"]) > 12 else ""
        out.append(Violation(path, "enum", f"must be one of {shown}{more}",
                             {"allowed": schema["enum"]}))
    if "const" in schema and value != schema["const"]:
        out.append(Violation(path, "const", f"must be {schema['const']!r}",
                             {"allowed": [schema["const"]]}))
    if isinstance(value, str):
        _check_string(value, schema, path, out)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(value, schema, path, out)
    elif isinstance(value, list):
        _check_array(value, schema, root, path, out)
    elif isinstance(value, dict):
        _check_object(value, schema, root, path, out)
    _check_combinators(value, schema, root, path, out)


def _check_string(value: str, schema: dict, path: Path, out: list[Violation]) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append(Violation(path, "minLength",
                             f"must have at least {schema['minLength']} characters"))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        out.append(Violation(path, "maxLength",
                             f"must have at most {schema['maxLength']} characters",
                             {"limit": schema["maxLength"]}))
    limit = schema.get("maxUtf8ByteLength")
    if limit is not None and len(value.encode("utf-8")) > limit:
        out.append(Violation(path, "maxUtf8ByteLength",
                             f"must have at most {limit} bytes in UTF-8"))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        out.append(Violation(path, "pattern", f"must match {schema['pattern']}"))
    fmt = schema.get("format")
    if fmt == "date-time" and not _is_datetime(value):
        out.append(Violation(path, "format", "must be an ISO 8601 date and time"))
    elif fmt == "date" and not _is_date(value):
        out.append(Violation(path, "format", "must be an ISO 8601 date (YYYY-MM-DD)"))
    elif fmt == "uri" and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$", value):
        out.append(Violation(path, "format", "must be an absolute URI"))


def _is_datetime(text: str) -> bool:
    try:
        return "T" in text and datetime.fromisoformat(text) is not None
    except ValueError:
        return False


def _is_date(text: str) -> bool:
    try:
        return date.fromisoformat(text) is not None and len(text) == 10
    except ValueError:
        return False


def _check_number(value: float, schema: dict, path: Path, out: list[Violation]) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        out.append(Violation(path, "minimum", f"must be at least {schema['minimum']}"))
    if "maximum" in schema and value > schema["maximum"]:
        out.append(Violation(path, "maximum", f"must be at most {schema['maximum']}"))
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        out.append(Violation(path, "exclusiveMinimum",
                             f"must be greater than {schema['exclusiveMinimum']}"))


def _check_array(value: list, schema: dict, root: Any, path: Path,
                 out: list[Violation]) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        out.append(Violation(path, "minItems",
                             f"must have at least {schema['minItems']} value(s)",
                             {"limit": schema["minItems"]}))
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        out.append(Violation(path, "maxItems",
                             f"must have at most {schema['maxItems']} value(s)",
                             {"limit": schema["maxItems"]}))
    items = schema.get("items")
    if items is not None:
        for index, item in enumerate(value):
            _check(item, items, root, (*path, index), out)
    if "contains" in schema and not any(is_valid(item, schema["contains"], root)
                                        for item in value):
        out.append(Violation(path, "contains", "has no value of the expected kind"))


def _check_object(value: dict, schema: dict, root: Any, path: Path,
                  out: list[Violation]) -> None:
    for name in schema.get("required", ()):
        if name not in value:
            out.append(Violation((*path, name), "required", "is required but missing",
                                 {"name": name}))
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            _check(item, properties[name], root, (*path, name), out)
        elif extra is False:
            out.append(Violation((*path, name), "additionalProperties", "is not known here",
                                 {"name": name}))
        elif isinstance(extra, dict):
            _check(item, extra, root, (*path, name), out)
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        out.append(Violation(path, "minProperties",
                             f"must have at least {schema['minProperties']} member(s)"))


def _check_combinators(value: Any, schema: dict, root: Any, path: Path,
                       out: list[Violation]) -> None:
    for sub in schema.get("allOf", ()):
        _check(value, sub, root, path, out)
    if "anyOf" in schema and not any(is_valid(value, sub, root) for sub in schema["anyOf"]):
        out.append(Violation(path, "anyOf", "matches none of the allowed forms"))
    if "oneOf" in schema:
        matches = sum(1 for sub in schema["oneOf"] if is_valid(value, sub, root))
        if matches != 1:
            out.append(Violation(path, "oneOf", "must match exactly one allowed form"))
    if "not" in schema and is_valid(value, schema["not"], root):
        out.append(Violation(path, "not", "has a form that is not allowed"))
    if "if" in schema:
        branch = schema.get("then") if is_valid(value, schema["if"], root) else \
            schema.get("else")
        if branch is not None:
            _check(value, branch, root, path, out)
