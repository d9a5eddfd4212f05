"""The restricted globals a script runs with, inside the worker process.

RestrictedPython rewrites a script so that attribute reads, writes, subscriptions,
iteration, augmented assignment, ``f(*args, **kw)``, imports and class statements call
functions of its globals. This module provides them:

* ``_getattr_`` (and the builtins ``getattr`` / ``hasattr``): RestrictedPython's
  ``safer_getattr`` (no ``_`` names, no ``str.format``, no ``string.Formatter``, no frame
  or code attributes) plus our own refusals: ``mro``, ``AttributeError.obj`` and friends,
  ``Match.re`` (a pattern that would skip the size check of ``re``), and every attribute
  of frames, tracebacks, code objects, functions and coroutines.
* ``_write_``: a script may change its own dicts, lists and instances of classes it
  defined; nothing else (not a module, not ``ctx``, not a class).
* ``_getitem_`` / ``_getiter_``: plain subscription and iteration. Nothing a script can
  reach exposes internals through ``[]`` or ``for``, so the C-level iteration of
  ``sorted``, ``zip``, ``tuple``... bypasses no policy and those builtins are offered.
* ``__import__``: only the modules of :data:`~server.sandbox.policy.ALLOWED_MODULES`, each
  as a read-only :class:`ModuleProxy` holding only the listed names. ``re`` is a wrapper
  that refuses texts longer than :data:`MAX_REGEX_TEXT` characters; the CPU limit of the
  worker stops what a short text can still cost.
* ``__metaclass__``: classes may derive only from ``object``, ``dict``, ``list``, the
  offered exceptions and the script's own classes.
"""

from __future__ import annotations

import builtins
import datetime
import decimal
import itertools
import json
import math
import operator
import re
import statistics
import string
import sys
import types
import weakref
from collections.abc import Callable
from typing import Any

from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
    safer_getattr_raise,
)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from server.sandbox.policy import ALLOWED_MODULES, DENIED_ATTRIBUTES

MAX_REGEX_TEXT = 100_000
MAX_REGEX_PATTERN = 10_000
SCRIPT_MODULE = "script"

_SCRIPT_CLASSES: weakref.WeakSet[type] = weakref.WeakSet()

# -- attribute access -------------------------------------------------------------------

_REFUSED_NAMES = frozenset(INSPECT_ATTRIBUTES) | frozenset(DENIED_ATTRIBUTES)
_CLOSED_TYPES = frozenset({
    types.FrameType, types.TracebackType, types.CodeType, types.FunctionType,
    types.MethodType, types.BuiltinFunctionType, types.CoroutineType,
    types.AsyncGeneratorType, types.CellType,
})
_TYPE_RULES: dict[type, frozenset[str]] = {
    types.GeneratorType: frozenset({"send", "close"}),  # allowed names, nothing else
}
# AttributeError.obj has leaked a module before (CVE-2024-47532); .name, .path and
# .name_from of these exceptions are set by the interpreter, not by the script.
_EXCEPTION_DENIED = frozenset({"obj", "name", "path", "name_from"})
_EXCEPTION_TYPES = (AttributeError, NameError, ImportError)


def _refuse(name: str, why: str) -> AttributeError:
    return AttributeError(f'attribute "{name}" is not allowed in scripts: {why}')


def check_attribute(obj: object, name: str) -> None:
    """Raise ``AttributeError`` if a script may not read ``obj.<name>``."""
    if type(name) is not str:
        raise TypeError("an attribute name must be a string")
    if name[:1] == "_":
        raise _refuse(name, 'names starting with "_" reach Python internals')
    if name in _REFUSED_NAMES:
        why = DENIED_ATTRIBUTES.get(name, "it reaches frames or code of the interpreter")
        raise _refuse(name, why)
    kind = type(obj)
    if kind in _CLOSED_TYPES:
        raise _refuse(name, f"the attributes of {kind.__name__} objects are closed to "
                            "scripts")
    allowed = _TYPE_RULES.get(kind)
    if allowed is not None and name not in allowed:
        raise _refuse(name, f"a {kind.__name__} offers scripts only "
                            f"{', '.join(sorted(allowed))}")
    if name in _EXCEPTION_DENIED and isinstance(obj, _EXCEPTION_TYPES):
        raise _refuse(name, "it can hand out objects of the sandbox")
    if name == "re" and kind is re.Match:
        raise _refuse(name, "use the pattern you matched with")


# (type, name) pairs already found allowed. For an object that is not a class, every
# rule above and in safer_getattr depends only on its type and the name, so the decision
# can be remembered; classes (str.format, Formatter subclasses) are always checked.
_ALLOWED: set[tuple[type, str]] = set()


def guarded_getattr(obj: object, name: str) -> Any:
    """``_getattr_``: ``obj.name`` in a script."""
    kind = type(obj)
    if (kind, name) in _ALLOWED:
        return getattr(obj, name)
    check_attribute(obj, name)
    value = safer_getattr_raise(obj, name)
    if not isinstance(obj, type) and type(name) is str:
        if len(_ALLOWED) > 10_000:
            _ALLOWED.clear()
        _ALLOWED.add((kind, name))
    return value


_NO_DEFAULT = object()


def script_getattr(obj: object, name: str, default: Any = _NO_DEFAULT) -> Any:
    """The builtin ``getattr`` of scripts, with the same rules as ``obj.name``."""
    check_attribute(obj, name)
    if default is _NO_DEFAULT:
        return safer_getattr_raise(obj, name)
    return safer_getattr(obj, name, default)


def script_hasattr(obj: object, name: str) -> bool:
    """The builtin ``hasattr`` of scripts: ``False`` for what a script may not read."""
    try:
        script_getattr(obj, name)
    except AttributeError:
        return False
    return True


# -- writes -----------------------------------------------------------------------------


def guarded_write(obj: Any) -> Any:
    """``_write_``: the object a script assigns to (``obj.x = v``, ``obj[k] = v``, ``del``)."""
    kind = type(obj)
    if kind is dict or kind is list or kind in _SCRIPT_CLASSES:
        return obj
    if isinstance(obj, ModuleProxy):
        raise TypeError(f"{obj!r} is read-only: scripts cannot change a module")
    raise TypeError(f"a script may not change a {kind.__name__} object; it may change its "
                    "own dicts, lists and objects of its own classes (keep data in "
                    "ctx.lookup)")


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
    "/=": operator.itruediv, "//=": operator.ifloordiv, "%=": operator.imod,
    "**=": operator.ipow, "<<=": operator.ilshift, ">>=": operator.irshift,
    "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand, "@=": operator.imatmul,
}


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    """``_inplacevar_``: ``x += v`` and the other augmented assignments."""
    function = _INPLACE.get(op)
    if function is None:
        raise TypeError(f"the operator {op!r} is not available in scripts")
    return function(target, value)


def guarded_apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``_apply_``: ``f(*args, **kwargs)``; the arguments are plain values."""
    return function(*args, **kwargs)


# -- modules ----------------------------------------------------------------------------


class ModuleProxy:
    """A read-only stand-in for an allowed module: its listed names and nothing else.

    It holds no reference to the module itself, so nothing (``__dict__``, an
    ``AttributeError.obj``) can lead back to it; assignments are refused.
    """

    __slots__ = ("_name", "_names")

    def __init__(self, name: str, names: dict[str, Any]) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_names", types.MappingProxyType(dict(names)))

    def __getattr__(self, attr: str) -> Any:
        names = object.__getattribute__(self, "_names")
        if attr in names:
            return names[attr]
        name = object.__getattribute__(self, "_name")
        raise AttributeError(f"module {name!r} offers scripts no {attr!r}; it offers: "
                             f"{', '.join(names)}") from None

    def __setattr__(self, attr: str, value: object) -> None:
        raise TypeError(f"{self!r} is read-only: scripts cannot change a module")

    def __delattr__(self, attr: str) -> None:
        raise TypeError(f"{self!r} is read-only: scripts cannot change a module")

    def __repr__(self) -> str:
        return f"<module {object.__getattribute__(self, '_name')!r} (read-only)>"


def _check_text(text: object, what: str = "text") -> object:
    if isinstance(text, str | bytes) and len(text) > MAX_REGEX_TEXT:
        raise ValueError(f"re: the {what} has {len(text)} characters; scripts may search "
                         f"at most {MAX_REGEX_TEXT} at a time")
    return text


def _compile(pattern: object, flags: int = 0) -> re.Pattern[Any]:
    if isinstance(pattern, SafePattern):
        if flags:
            raise ValueError("re: cannot give flags with a compiled pattern")
        return object.__getattribute__(pattern, "_pattern")
    if not isinstance(pattern, str | bytes):
        raise TypeError(f"re: a pattern must be text, not {type(pattern).__name__}")
    if len(pattern) > MAX_REGEX_PATTERN:
        raise ValueError(f"re: the pattern has {len(pattern)} characters; scripts may use "
                         f"at most {MAX_REGEX_PATTERN}")
    return re.compile(pattern, flags)


def _repl(repl: object) -> object:
    return _check_text(repl, "replacement") if isinstance(repl, str | bytes) else repl


class SafePattern:
    """A compiled regular expression whose methods check the size of their text."""

    __slots__ = ("_pattern",)

    def __init__(self, pattern: re.Pattern[Any]) -> None:
        object.__setattr__(self, "_pattern", pattern)

    def __setattr__(self, attr: str, value: object) -> None:
        raise TypeError("a compiled pattern cannot be changed")

    def __repr__(self) -> str:
        return f"re.compile({self.pattern!r})"

    @property
    def pattern(self) -> Any:
        return object.__getattribute__(self, "_pattern").pattern

    @property
    def flags(self) -> int:
        return object.__getattribute__(self, "_pattern").flags

    @property
    def groups(self) -> int:
        return object.__getattribute__(self, "_pattern").groups

    @property
    def groupindex(self) -> dict[str, int]:
        return dict(object.__getattribute__(self, "_pattern").groupindex)

    def _p(self) -> re.Pattern[Any]:
        return object.__getattribute__(self, "_pattern")

    def search(self, text: Any, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._p().search(_check_text(text), pos, endpos)

    def match(self, text: Any, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._p().match(_check_text(text), pos, endpos)

    def fullmatch(self, text: Any, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._p().fullmatch(_check_text(text), pos, endpos)

    def findall(self, text: Any, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._p().findall(_check_text(text), pos, endpos)

    def finditer(self, text: Any, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._p().finditer(_check_text(text), pos, endpos)

    def split(self, text: Any, maxsplit: int = 0) -> Any:
        return self._p().split(_check_text(text), maxsplit)

    def sub(self, repl: Any, text: Any, count: int = 0) -> Any:
        return self._p().sub(_repl(repl), _check_text(text), count)

    def subn(self, repl: Any, text: Any, count: int = 0) -> Any:
        return self._p().subn(_repl(repl), _check_text(text), count)


def _re_names() -> dict[str, Any]:
    def compile(pattern: Any, flags: int = 0) -> SafePattern:  # noqa: A001 - re's name
        return SafePattern(_compile(pattern, flags))

    def search(pattern: Any, text: Any, flags: int = 0) -> Any:
        return _compile(pattern, flags).search(_check_text(text))

    def match(pattern: Any, text: Any, flags: int = 0) -> Any:
        return _compile(pattern, flags).match(_check_text(text))

    def fullmatch(pattern: Any, text: Any, flags: int = 0) -> Any:
        return _compile(pattern, flags).fullmatch(_check_text(text))

    def findall(pattern: Any, text: Any, flags: int = 0) -> Any:
        return _compile(pattern, flags).findall(_check_text(text))

    def finditer(pattern: Any, text: Any, flags: int = 0) -> Any:
        return _compile(pattern, flags).finditer(_check_text(text))

    def split(pattern: Any, text: Any, maxsplit: int = 0, flags: int = 0) -> Any:
        return _compile(pattern, flags).split(_check_text(text), maxsplit)

    def sub(pattern: Any, repl: Any, text: Any, count: int = 0, flags: int = 0) -> Any:
        return _compile(pattern, flags).sub(_repl(repl), _check_text(text), count)

    def subn(pattern: Any, repl: Any, text: Any, count: int = 0, flags: int = 0) -> Any:
        return _compile(pattern, flags).subn(_repl(repl), _check_text(text), count)

    def escape(pattern: Any) -> Any:
        return re.escape(_check_text(pattern))

    names: dict[str, Any] = {
        "compile": compile, "search": search, "match": match, "fullmatch": fullmatch,
        "findall": findall, "finditer": finditer, "split": split, "sub": sub,
        "subn": subn, "escape": escape, "error": re.error,
    }
    for flag in ("A", "ASCII", "DOTALL", "I", "IGNORECASE", "M", "MULTILINE", "NOFLAG", "S",
                 "VERBOSE", "X"):
        names[flag] = int(getattr(re, flag))  # plain ints: no enum class to walk
    return names


def _build_modules() -> dict[str, ModuleProxy]:
    real = {"math": math, "itertools": itertools, "decimal": decimal, "datetime": datetime,
            "string": string, "json": json, "statistics": statistics}
    proxies = {}
    for name, allowed in ALLOWED_MODULES.items():
        if name == "re":
            names = _re_names()
        else:
            names = {attr: getattr(real[name], attr) for attr in allowed}
        assert set(names) == set(allowed), name
        proxies[name] = ModuleProxy(name, names)
    return proxies


MODULES: dict[str, ModuleProxy] = _build_modules()


def guarded_import(name: str, globals: object = None, locals: object = None,
                   fromlist: object = (), level: int = 0) -> ModuleProxy:
    """``__import__``: one of the allowed modules, as its read-only proxy."""
    if level != 0:
        raise ImportError("relative imports are not allowed in scripts")
    proxy = MODULES.get(name)
    if proxy is None:
        raise ImportError(f"import of {name!r} is not allowed in scripts; they may import: "
                          f"{', '.join(MODULES)}")
    return proxy


# -- classes ----------------------------------------------------------------------------

_EXCEPTIONS = (
    ArithmeticError, AssertionError, AttributeError, Exception, ImportError, IndexError,
    KeyError, LookupError, NameError, NotImplementedError, OverflowError, RuntimeError,
    StopIteration, TypeError, UnboundLocalError, UnicodeDecodeError, UnicodeEncodeError,
    UnicodeError, ValueError, ZeroDivisionError,
)
_ALLOWED_BASES = frozenset({object, dict, list, *_EXCEPTIONS})


def make_class(name: str, bases: tuple[type, ...], namespace: dict[str, Any],
               **keywords: Any) -> type:
    """``__metaclass__``: build a class of the script (the only way scripts make types)."""
    if keywords:
        raise TypeError("class keywords are not allowed in scripts")
    for base in bases:
        if base not in _ALLOWED_BASES and base not in _SCRIPT_CLASSES:
            raise TypeError(f"class {name}: scripts may derive only from their own classes, "
                            "object, dict, list and exceptions")
    cls = type(name, bases, namespace)
    _SCRIPT_CLASSES.add(cls)
    return cls


# -- builtins and globals ---------------------------------------------------------------

_BUILTIN_NAMES = (
    "abs", "all", "any", "ascii", "bin", "bool", "callable", "chr", "complex", "dict",
    "divmod", "enumerate", "filter", "float", "format", "frozenset", "hash", "hex", "int",
    "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min", "next",
    "object", "oct", "ord", "pow", "range", "repr", "reversed", "round", "set", "slice",
    "sorted", "str", "sum", "tuple", "zip",
)

SAFE_BUILTINS: dict[str, Any] = {
    "None": None, "True": True, "False": False, "Ellipsis": Ellipsis,
    "NotImplemented": NotImplemented,
    **{name: getattr(builtins, name) for name in _BUILTIN_NAMES},
    **{cls.__name__: cls for cls in _EXCEPTIONS},
    "getattr": script_getattr,
    "hasattr": script_hasattr,
    "__build_class__": builtins.__build_class__,
    "__import__": guarded_import,
}
"""What a script finds as builtins (each script gets its own copy)."""


def make_print(emit: Callable[[str], None]) -> type:
    """Return the ``_print_`` of one script: ``print(...)`` becomes a log line."""

    class Printer:
        __slots__ = ()

        def __init__(self, _getattr: object = None) -> None:
            pass

        def _call_print(self, *objects: object, sep: str | None = " ",
                        end: str | None = "\n", file: object = None,
                        flush: bool = False) -> None:
            if file is not None:
                raise TypeError("print(file=...) is not available in scripts")
            emit((" " if sep is None else str(sep)).join(str(o) for o in objects))

        def __call__(self) -> str:  # the 'printed' variable of RestrictedPython
            return ""

    return Printer


def script_globals(printer: type) -> dict[str, Any]:
    """Return fresh globals for one script: its builtins, guards and nothing else."""
    return {
        "__builtins__": dict(SAFE_BUILTINS),
        "__name__": SCRIPT_MODULE,
        "__metaclass__": make_class,
        "_getattr_": guarded_getattr,
        "_getitem_": operator.getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": guarded_write,
        "_inplacevar_": guarded_inplacevar,
        "_apply_": guarded_apply,
        "_print_": printer,
    }
