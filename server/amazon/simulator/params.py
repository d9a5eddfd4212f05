"""Request checks: query parameters, JSON bodies, timestamps.

Each operation declares its query parameters with ``Param``; ``parse_query`` refuses
unknown names, missing required ones and values of the wrong kind with a 400
``InvalidInput`` that names the parameter, as Amazon does. Lists are comma-separated
(Swagger's ``csv``); a repeated name (``a=1&a=2``) is accepted as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from server.amazon.simulator.errors import invalid
from server.amazon.simulator.schema import violations


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = "str"  # str, list, int, bool, datetime
    required: bool = False
    enum: tuple[str, ...] | None = None
    max_items: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None


def parse_query(params: list[Param] | tuple[Param, ...]) -> dict[str, Any]:
    """The request's query parameters, checked against ``params``."""
    known = {param.name: param for param in params}
    for name in request.args:
        if name not in known:
            raise invalid(f"Unknown query parameter '{name}'.",
                          f"Known parameters: {', '.join(known) or 'none'}.")
    out: dict[str, Any] = {}
    for param in params:
        raw = request.args.getlist(param.name)
        if not raw or all(item == "" for item in raw):
            if param.required:
                raise invalid(f"Missing required parameter '{param.name}'.")
            out[param.name] = param.default
            continue
        out[param.name] = _convert(param, raw)
    return out


def _convert(param: Param, raw: list[str]) -> Any:
    if param.kind == "list":
        values = [part.strip() for item in raw for part in item.split(",") if part.strip()]
        if param.max_items is not None and len(values) > param.max_items:
            raise invalid(f"Parameter '{param.name}' accepts at most {param.max_items} "
                          f"value(s); got {len(values)}.")
        for value in values:
            _check_enum(param, value)
        return values
    if len(raw) > 1:
        raise invalid(f"Parameter '{param.name}' may be given only once.")
    text = raw[0].strip()
    if param.kind == "int":
        try:
            number = int(text)
        except ValueError:
            raise invalid(f"Parameter '{param.name}' must be an integer; got '{text}'.") \
                from None
        if param.minimum is not None and number < param.minimum or \
                param.maximum is not None and number > param.maximum:
            raise invalid(f"Parameter '{param.name}' must be between {param.minimum} and "
                          f"{param.maximum}; got {number}.")
        return number
    if param.kind == "bool":
        if text.lower() not in ("true", "false"):
            raise invalid(f"Parameter '{param.name}' must be true or false; got '{text}'.")
        return text.lower() == "true"
    if param.kind == "datetime":
        return parse_time(text, param.name)
    _check_enum(param, text)
    return text


def _check_enum(param: Param, value: str) -> None:
    if param.enum is not None and value not in param.enum:
        raise invalid(f"Invalid value '{value}' for parameter '{param.name}'. Allowed: "
                      f"{', '.join(param.enum)}.")


def parse_time(text: str, name: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime; a date alone means midnight UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise invalid(f"'{name}' must be an ISO 8601 date-time such as "
                      f"2026-03-01T08:00:00Z; got '{text}'.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """A timestamp as Amazon writes it: UTC, seconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_body(shape: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON object body, checked against ``shape`` (a small JSON schema)."""
    data = request.get_data(cache=True)
    if not data:
        raise invalid("The request body is missing; a JSON object is expected.")
    try:
        body = request.get_json(force=True, silent=False)
    except BadRequest:
        raise invalid("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    problems = violations(body, shape)
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise invalid(f"Invalid request body: '{first.where()}' {first.text}.{more}",
                      "; ".join(f"{item.where()} {item.text}" for item in problems[:10]))
    return body


# Small shapes reused by several operations.
STRING = {"type": "string", "minLength": 1}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
DATETIME = {"type": "string", "format": "date-time"}


def id_list(max_items: int) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "maxItems": max_items, "items": STRING}
