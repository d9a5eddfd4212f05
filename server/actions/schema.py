"""Checking action XML against ``schemas/action.xsd``, with messages in plain words.

xmlschema finds the problems; this module turns each into ``file:line:column: message``
that says what was found, what was expected, and the nearest valid name for a typo.
The schema is built once per process (it takes ~0.1 s).
"""

from __future__ import annotations

import functools
import re

import xmlschema
from lxml import etree
from xmlschema.validators.exceptions import (
    XMLSchemaChildrenValidationError,
    XMLSchemaValidationError,
)

from server import resources
from server.actions.xmlfile import NAMESPACE
from server.errors import Problem
from server.textutil import did_you_mean

_ATTR_NOT_ALLOWED = re.compile(r"'([^']+)' attribute not allowed")
_ATTR_MISSING = re.compile(r"missing required attribute '([^']+)'")
_ATTR_VALUE = re.compile(r"attribute ([\w\-]+)='(.*?)': (.*)", re.S)
_KEY_NOT_FOUND = re.compile(r"value \((.*?),?\) not found for XsdKey(?:ref)?\(name='a:(\w+)'")
_DUPLICATE = re.compile(r"duplicated value \((.*?),?\) for Xsd(?:Key|Unique)\(name='a:(\w+)'")
_INCOMPLETE = re.compile(r"Tag(?:s)? (.*?) expected", re.S)
_DUPLICATE_ID = re.compile(r"[Dd]uplicated xs:ID value '([^']+)'")


@functools.lru_cache(maxsize=1)
def action_schema() -> xmlschema.XMLSchema10:
    """Return the compiled action schema (built once per process)."""
    return xmlschema.XMLSchema10(str(resources.schema_path()))


def check(tree: etree._ElementTree, data: bytes, file: str) -> list[Problem]:
    """Return every schema problem of ``tree`` (parsed from ``data``), in file order."""
    lines = data.decode("utf-8", errors="replace").splitlines()
    root = tree.getroot()
    expected_root = f"{{{NAMESPACE}}}action"
    if root.tag != expected_root:
        return [Problem(file, root.sourceline or 1, _column(lines, root), _wrong_root(root))]

    problems: list[Problem] = []
    raw = list(action_schema().iter_errors(tree))
    typos = {(id(e.elem), m.group(1)) for e in raw
             if (m := _ATTR_NOT_ALLOWED.search(e.reason or ""))}
    for error in raw:
        problem = _translate(error, lines, file, typos)
        if problem and problem not in problems:
            problems.append(problem)
    problems.sort(key=lambda p: (p.line, p.column))
    return problems


def _translate(error: XMLSchemaValidationError, lines: list[str], file: str,
               typos: set[tuple[int, str]]) -> Problem | None:
    elem = error.elem if isinstance(error.elem, etree._Element) else None
    line = (elem.sourceline if elem is not None else None) or 1
    column = _column(lines, elem) if elem is not None else 1
    where = f"<{etree.QName(elem).localname}>" if elem is not None else "the document"
    reason = (error.reason or str(error)).strip()

    if isinstance(error, XMLSchemaChildrenValidationError):
        return _children_problem(error, lines, file, elem, where)

    if match := _ATTR_NOT_ALLOWED.search(reason):
        name = match.group(1)
        allowed = _attribute_names(error.validator)
        line, column = _attribute_position(lines, elem, name)
        return Problem(file, line, column, f"{where} has no attribute {name!r}"
                       f"{did_you_mean(name, allowed)}; allowed: {', '.join(allowed)}")

    if match := _ATTR_MISSING.search(reason):
        name = match.group(1)
        if elem is not None and any(
            (id(elem), typo) in typos and did_you_mean(typo, [name]) for typo in elem.attrib
        ):
            return None  # reported as a misspelt attribute already
        return Problem(file, line, column, f"{where} needs the attribute {name!r}")

    if match := _ATTR_VALUE.match(reason):
        name, value, detail = match.groups()
        line, column = _attribute_position(lines, elem, name)
        return Problem(file, line, column, f"{where}: {name}={value!r} is not valid: "
                       f"{_value_detail(detail, value, error)}")

    if match := _KEY_NOT_FOUND.search(reason):
        value, key = match.group(1).strip("'\""), match.group(2)
        schedule = elem.find(f"{{{NAMESPACE}}}schedule") if elem is not None else None
        if key == "taskId" and schedule is not None:
            line, column = _attribute_position(lines, schedule, "task")
        message = _reference_message(key, value, elem)
        return Problem(file, line, column, message) if message else None

    if match := _DUPLICATE.search(reason):
        value, key = match.group(1).strip("'\""), match.group(2)
        what = {"fieldName": "field name", "taskId": "task id",
                "uniqueSettingName": "setting name"}.get(key, key)
        return Problem(file, line, column, f"the {what} {value!r} is used twice")

    if match := _DUPLICATE_ID.search(reason):
        return Problem(file, line, column, f"the id {match.group(1)!r} is used twice; task "
                       "ids and the action id must all differ")

    text_value = elem.text if elem is not None else None
    return Problem(file, line, column, f"{where}: {_value_detail(reason, text_value, error)}")


def _children_problem(error: XMLSchemaChildrenValidationError, lines: list[str], file: str,
                      elem: etree._Element | None, where: str) -> Problem:
    expected = _expected_names(error)
    children = [c for c in elem if isinstance(c.tag, str)] if elem is not None else []
    index = error.index if error.index is not None else len(children)
    if error.invalid_tag and index < len(children):
        child = children[index]
        name = etree.QName(child).localname
        line, column = child.sourceline or 1, _column(lines, child)
        if etree.QName(child).namespace != NAMESPACE:
            return Problem(file, line, column, f"<{name}> is in namespace "
                           f"{etree.QName(child).namespace!r}, not the action namespace "
                           f"{NAMESPACE!r}")
        previous = children[index - 1] if index > 0 else None
        if name in expected and previous is not None:
            before = etree.QName(previous).localname
            rule = (f"a {where} takes exactly one of {_or_list(expected)}" if where == "<field>"
                    else f"check the order and number of elements in {where}")
            return Problem(file, line, column,
                           f"<{name}> is not allowed after <{before}> in {where}; {rule}")
        hint = did_you_mean(name, expected)
        wanted = f"expected {_or_list(expected)}" if expected else "expected no more elements"
        return Problem(file, line, column, f"unexpected element <{name}> in {where}{hint}; "
                       f"{wanted}")
    line = (elem.sourceline if elem is not None else 1) or 1
    column = _column(lines, elem) if elem is not None else 1
    missing = _or_list(expected) if expected else "more elements"
    return Problem(file, line, column, f"{where} is incomplete: {missing} is missing")


def _expected_names(error: XMLSchemaChildrenValidationError) -> list[str]:
    names: list[str] = []
    for particle in error.expected or ():
        name = getattr(particle, "local_name", None) or getattr(particle, "name", None)
        if name:
            names.append(etree.QName(name).localname if "}" in name else name)
    if not names and error.validator is not None and hasattr(error.validator, "iter_elements"):
        for decl in error.validator.iter_elements():
            if decl.local_name:
                names.append(decl.local_name)
    if not names and (match := _INCOMPLETE.search(error.reason or "")):
        names = re.findall(r"'(?:\{[^}]*\})?([\w\-]+)'", match.group(1))
    return list(dict.fromkeys(names))


def _or_list(names: list[str]) -> str:
    tags = [f"<{n}>" for n in names]
    return tags[0] if len(tags) == 1 else ", ".join(tags[:-1]) + " or " + tags[-1]


def _attribute_names(validator: object) -> list[str]:
    try:
        return [str(name) for name in validator if name]  # type: ignore[attr-defined]
    except TypeError:
        return []


def _value_detail(detail: str, value: str | None, error: XMLSchemaValidationError) -> str:
    detail = detail.strip().rstrip(".")
    if "invalid literal for int()" in detail:
        return "expected a whole number"
    choices = re.search(r"value must be one of \[(.*)\]", detail)
    if choices:
        options = re.findall(r"'([^']*)'", choices.group(1))
        hint = did_you_mean(value or "", options)
        return f"expected one of {', '.join(options)}{hint}"
    if "doesn't match any pattern" in detail or "not a valid value" in detail.lower():
        doc = _type_documentation(error.validator)
        return f"expected {doc}" if doc else detail
    if "length" in detail.lower() and value is not None and not value.strip():
        return "it must not be empty"
    return detail


def _type_documentation(validator: object) -> str:
    # The failing facet belongs to a simple type whose xs:documentation says what is valid.
    node = validator
    for _ in range(4):
        annotation = getattr(node, "annotation", None)
        if annotation is not None and annotation.documentation:
            text = " ".join(str(annotation).split())
            return text[0].lower() + text[1:] if text else ""
        node = getattr(node, "parent", None)
        if node is None:
            break
    return ""


def _reference_message(key: str, value: str, elem: etree._Element | None) -> str:
    if key == "fieldName" and elem is not None:
        if elem.find(f"{{{NAMESPACE}}}fields") is None:
            return ""  # the missing <fields> is reported on its own
        fields = [f.get("name", "") for f in elem.iterfind(f"{{{NAMESPACE}}}fields/"
                                                           f"{{{NAMESPACE}}}field")]
        return (f"the task's key {value!r} is not one of its fields{did_you_mean(value, fields)};"
                f" fields: {', '.join(fields)}")
    if key == "taskId" and elem is not None:
        tasks = [t.get("id", "") for t in elem.iterfind(f"{{{NAMESPACE}}}task")]
        return (f"the schedule names task {value!r}, which the action does not have"
                f"{did_you_mean(value, tasks)}; tasks: {', '.join(tasks)}")
    return f"{value!r} refers to nothing ({key})"


def _wrong_root(root: etree._Element) -> str:
    qname = etree.QName(root)
    if qname.localname == "action":
        found = f"namespace {qname.namespace!r}" if qname.namespace else "no namespace"
        return (f"the root element <action> has {found}; expected "
                f'<action xmlns="{NAMESPACE}">')
    return f"the root element is <{qname.localname}>; expected <action xmlns=\"{NAMESPACE}\">"


def _column(lines: list[str], elem: etree._Element | None) -> int:
    """Return the 1-based column of the start tag of ``elem`` on its line."""
    if elem is None or not elem.sourceline or elem.sourceline > len(lines):
        return 1
    text = lines[elem.sourceline - 1]
    local = etree.QName(elem).localname
    match = re.search(rf"<(?:[\w\-.]+:)?{re.escape(local)}(?=[\s/>]|$)", text)
    return match.start() + 1 if match else 1


def _attribute_position(lines: list[str], elem: etree._Element | None,
                        name: str) -> tuple[int, int]:
    """Return line and column of attribute ``name`` in the start tag of ``elem``."""
    if elem is None or not elem.sourceline:
        return 1, 1
    start = elem.sourceline - 1
    pattern = re.compile(rf"(?<![\w\-]){re.escape(name)}\s*=")
    for number in range(start, min(start + 30, len(lines))):
        text = lines[number]
        offset = _column(lines, elem) - 1 if number == start else 0
        match = pattern.search(text, offset)
        if match:
            return number + 1, match.start() + 1
        if ">" in text[offset:]:
            break
    return elem.sourceline, _column(lines, elem)
