"""Inside the worker: a task's fields, when its formulas call functions of its scripts.

Such a mapping cannot run in the host: the functions are untrusted code. The host checks
the formulas, then sends the mapping's description once (``mapping``: the fields, the
source's columns, the selection filter) and the source rows in batches (``map``). Here the
same :class:`~server.engine.mapping.Mapping` is built with the functions themselves, and
each row is answered with the mapped row (a list in the order of the used fields),
``null`` (the selection filter left it out) or ``false`` (it failed; ``e`` then holds
``[index, [[field, message], ...], key]``), under the same limits as every hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from server.sandbox.protocol import ENCODE_OPTIONS, UNTAG, VALUE_TYPES, encode_value, tag

if TYPE_CHECKING:
    from server.engine.mapping import Mapping
    from server.sandbox.runner import Run


class MappingRun:
    """The mapping of one task, built inside the worker for its ``map`` requests."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.mapping: Mapping | None = None

    def setup(self, spec: dict[str, Any]) -> dict[str, Any]:
        from server.engine.mapping import Mapping
        from server.errors import SyncCenterError

        try:
            self.mapping = Mapping.from_spec(spec, self.run.helpers, self._locate)
        except SyncCenterError as exc:
            return {"error": {"file": None, "line": None, "message": exc.message}}
        return {"logs": self.run.take_logs()}

    def map(self, rows: list[list[Any]]) -> dict[str, Any]:
        mapping, run = self.mapping, self.run
        if mapping is None or mapping.map is None:
            return {"error": {"file": None, "line": None,
                              "message": "internal: no mapping was set up"}}
        keep, convert = mapping.filter, mapping.map
        results: list[Any] = []
        errors: list[list[Any]] = []
        for index, values in enumerate(rows):
            row = tuple(UNTAG[next(iter(v))](next(iter(v.values()))) if type(v) is dict
                        else v for v in values)
            run.index = index
            try:
                if keep is not None and not keep(row):
                    results.append(None)
                    continue
                results.append(convert(row))
            except BaseException as exc:  # noqa: BLE001 - every failure is reported
                if run.limit is not None:
                    return {"limit": run.limit}
                kind, info = run.failure(exc)
                if kind == "limit":
                    return {"limit": info}
                errors.append([index, self._failures(row, exc), mapping.key_of(row)])
                results.append(False)
        run.index = -1
        return {"rows": results, "e": errors, "l": run.take_logs()}

    def repair(self, reply: dict[str, Any]) -> None:
        """Fail the rows holding a value that cannot cross to the host (a set, an object)."""
        assert self.mapping is not None
        names = self.mapping.names
        rows = reply["rows"]
        for index, row in enumerate(rows):
            if type(row) is not tuple:
                continue
            try:
                orjson.dumps(row, default=tag, option=ENCODE_OPTIONS)
                continue
            except TypeError:
                pass
            values = []
            for name, value in zip(names, row, strict=True):
                try:
                    values.append(encode_value(value))
                except TypeError as exc:
                    rows[index] = False
                    reply["e"].append([index, [[name, f"the formula gave {exc}; a field's "
                                                      f"value must be {VALUE_TYPES}"]], None])
                    break
            else:
                rows[index] = values

    def _failures(self, row: tuple[Any, ...], exc: BaseException) -> list[list[str]]:
        assert self.mapping is not None
        try:
            failures = self.mapping.failures(row, exc)
        except BaseException as again:  # noqa: BLE001 - a function that fails oddly twice
            from server.sandbox.runner import describe

            return [["", describe(again)]]
        return [[f.field, f.message] for f in failures]

    def _locate(self, exc: BaseException) -> str:
        file, line = self.run.location(exc)
        return f"; raised at {file}:{line}" if file and line else ""
