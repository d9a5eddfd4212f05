"""Reading Amazon's SP-API models (Swagger 2.0) from ``../shared/amazon`` in tests.

The models are not part of the project; tests read them from the shared folder beside the
repository (or ``$SYNCCENTER_TEST_AMAZON_SHARED``) and skip when it is absent:
``needs_models`` marks such tests, and every loader calls ``pytest.skip`` itself too.

* ``load_model(name)``: a model by file stem (``"feeds_2021-06-30"``), file name or path.
* ``operation(model, operation_id)``: the operation's path, verb, parameters, responses.
* ``response_schema(model, operation_id, status)`` / ``body_schema(model, operation_id)``:
  JSON Schemas with every ``$ref`` resolved (recursive definitions stay as ``$ref`` into
  a ``definitions`` block carried along).
* ``validate_request(...)`` / ``validate_response(...)``: lists of problems, empty if fine.
* ``feed_schema(name)``: one of the listings feed JSON schemas.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SHARED = Path(os.environ.get("SYNCCENTER_TEST_AMAZON_SHARED")
              or Path(__file__).resolve().parents[3] / "shared" / "amazon")
MODELS = SHARED / "spapi-models" / "models"
FEED_SCHEMAS = SHARED / "spapi-models" / "schemas" / "feeds"
SAMPLES = SHARED / "spapi-samples"
HAVE_MODELS = MODELS.is_dir()
needs_models = pytest.mark.skipif(not HAVE_MODELS,
                                  reason=f"Amazon's SP-API models are not at {MODELS}")
VERBS = ("get", "put", "post", "delete", "patch", "head", "options")


def _skip_without_models() -> None:
    if not HAVE_MODELS:
        pytest.skip(f"Amazon's SP-API models are not at {MODELS}")


@cache
def _model_files() -> dict[str, Path]:
    return {path.stem: path for path in sorted(MODELS.glob("*/*.json"))}


def model_names() -> list[str]:
    _skip_without_models()
    return list(_model_files())


@cache
def _load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_model(name: str) -> dict[str, Any]:
    """The model ``name`` (file stem, file name or path) as parsed JSON (do not modify)."""
    _skip_without_models()
    path = Path(name)
    if not path.is_file():
        stem = name.removesuffix(".json")
        if stem not in _model_files():
            raise KeyError(f"no model {name!r}; models: {', '.join(_model_files())}")
        path = _model_files()[stem]
    return _load(str(path))


@dataclass(frozen=True)
class Operation:
    path: str  # as in the model, e.g. /feeds/2021-06-30/feeds/{feedId}
    verb: str  # lower case
    operation_id: str
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]  # path-level and operation-level, resolved

    def params(self, where: str) -> dict[str, dict[str, Any]]:
        return {param["name"]: param for param in self.parameters if param["in"] == where}

    def required(self, where: str) -> list[str]:
        return [name for name, param in self.params(where).items() if param.get("required")]


def operations(model: dict[str, Any]) -> list[Operation]:
    out = []
    for path, item in model["paths"].items():
        shared = item.get("parameters", [])
        for verb, spec in item.items():
            if verb not in VERBS:
                continue
            params = [resolve(model, param) for param in [*shared, *spec.get("parameters", [])]]
            out.append(Operation(path, verb, spec["operationId"], spec, tuple(params)))
    return out


def operation(model: dict[str, Any], operation_id: str) -> Operation:
    for item in operations(model):
        if item.operation_id == operation_id:
            return item
    raise KeyError(f"no operation {operation_id!r} in the model")


def find_operation(path: str, verb: str) -> tuple[str, Operation] | None:
    """``(model name, operation)`` serving ``verb path`` in any model, or ``None``."""
    for name in model_names():
        for item in operations(load_model(name)):
            if item.path == path and item.verb == verb.lower():
                return name, item
    return None


def resolve(model: dict[str, Any], node: Any, _seen: tuple[str, ...] = ()) -> Any:
    """``node`` with ``$ref``s into the model inlined (a recursive one is left as is)."""
    if isinstance(node, list):
        return [resolve(model, item, _seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref in _seen:
            return {"$ref": ref}
        target: Any = model
        for part in ref[2:].split("/"):
            target = target[part]
        return resolve(model, target, (*_seen, ref))
    return {key: resolve(model, value, _seen) for key, value in node.items()}


def _with_definitions(model: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    if "$ref" in json.dumps(out) and "definitions" in model:
        out["definitions"] = model["definitions"]
    return out


def response_schema(model: dict[str, Any], operation_id: str,
                    status: int | str = 200) -> dict[str, Any] | None:
    """The schema of the response ``status`` (None if the response has no body)."""
    response = operation(model, operation_id).spec["responses"].get(str(status))
    if response is None:
        raise KeyError(f"{operation_id} has no response {status}")
    response = resolve(model, response)
    schema = response.get("schema")
    return None if schema is None else _with_definitions(model, schema)


def body_schema(model: dict[str, Any], operation_id: str) -> dict[str, Any] | None:
    params = operation(model, operation_id).params("body")
    if not params:
        return None
    return _with_definitions(model, next(iter(params.values()))["schema"])


def _problems(instance: Any, schema: dict[str, Any], where: str) -> list[str]:
    validator = jsonschema.Draft4Validator(schema)
    return [f"{where}: {'/'.join(str(p) for p in error.absolute_path) or '(root)'}: "
            f"{error.message}" for error in validator.iter_errors(instance)]


def validate_response(model: dict[str, Any], operation_id: str, status: int,
                      body: Any) -> list[str]:
    """Problems of a response body against the model (unknown status is a problem)."""
    try:
        schema = response_schema(model, operation_id, status)
    except KeyError as error:
        return [str(error)]
    if schema is None:
        return [] if body in (None, b"", "") else [f"{operation_id} {status}: body expected "
                                                    "to be empty"]
    return _problems(body, schema, f"{operation_id} {status}")


def _check_value(param: dict[str, Any], raw: str) -> list[str]:
    kind = param.get("type")
    values = raw.split(",") if kind == "array" else [raw]
    enum = (param.get("items") or {}).get("enum") if kind == "array" else param.get("enum")
    out = []
    if kind == "array" and param.get("maxItems") and len(values) > param["maxItems"]:
        out.append(f"{param['name']}: more than {param['maxItems']} values")
    for value in values:
        if enum and value not in enum:
            out.append(f"{param['name']}: {value!r} not in {enum}")
        if kind == "integer":
            try:
                int(value)
            except ValueError:
                out.append(f"{param['name']}: {value!r} is not an integer")
    return out


def validate_request(model: dict[str, Any], operation_id: str, *,
                     path_params: dict[str, str] | None = None,
                     query: dict[str, str] | None = None, body: Any = None) -> list[str]:
    """Problems of a request against the model: parameters (names, required, enums,
    integers; lists comma-separated) and the JSON body."""
    op = operation(model, operation_id)
    out: list[str] = []
    for where, given in (("path", path_params or {}), ("query", query or {})):
        known = op.params(where)
        out += [f"{operation_id}: unknown {where} parameter {name!r}"
                for name in given if name not in known]
        out += [f"{operation_id}: missing required {where} parameter {name!r}"
                for name in op.required(where) if name not in given]
        for name, raw in given.items():
            if name in known:
                out += [f"{operation_id}: {text}" for text in _check_value(known[name], raw)]
    schema = body_schema(model, operation_id)
    if schema is not None:
        out += _problems(body, schema, f"{operation_id} body")
    elif body is not None:
        out.append(f"{operation_id}: takes no body")
    return out


@cache
def feed_schema(name: str) -> dict[str, Any]:
    """``listings-feed-schema-v2``, ``...-message-schema-v2`` or ``...-processing-report...``."""
    path = FEED_SCHEMAS / (name if name.endswith(".json") else name + ".json")
    if not path.is_file():
        pytest.skip(f"Amazon's feed schema is not at {path}")
    return json.loads(path.read_text(encoding="utf-8"))
