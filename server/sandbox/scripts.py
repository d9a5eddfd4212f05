"""Sandboxed scripts: the integrator's hooks around a run, safe against hostile code.

A script is a Python file with up to three hooks::

    def before_run(ctx): ...             # once, before records flow
    def transform(record, ctx): ...      # per record: the record (changed or not) or None
    def after_run(ctx, summary): ...     # once, at the end

``ctx`` offers ``ctx.log(text)``, ``ctx.warn(text)``, ``ctx.error(text)``, ``ctx.settings``
(read-only) and ``ctx.lookup`` (a dict kept for the run). Scripts are compiled with
RestrictedPython under :mod:`server.sandbox.policy` and run in a worker process
(:mod:`server.sandbox.worker`) with the guards of :mod:`server.sandbox.guards` and the
resource :class:`Limits`; :class:`ScriptHost` is the host side of one run.
"""

from server.sandbox.host import (
    Limits,
    LogLine,
    RecordResult,
    ScriptError,
    ScriptHost,
    ScriptLimitError,
)
from server.sandbox.policy import ALLOWED_MODULES, check_script

__all__ = [
    "ALLOWED_MODULES",
    "Limits",
    "LogLine",
    "RecordResult",
    "ScriptError",
    "ScriptHost",
    "ScriptLimitError",
    "check_script",
]
