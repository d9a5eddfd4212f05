"""Loading an action: safe parse, schema check, rules the schema cannot say, model.

``load_action(path)`` returns an ``Action`` or raises ``ActionXmlError`` listing every
problem as ``file:line:column: message``. ``check_file(path)`` returns the problems
without raising (for ``synccenter validate``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import etree

from server.actions import schema, xmlfile
from server.actions.model import (
    Action,
    Field,
    FileSource,
    ReportSource,
    Schedule,
    ScriptHook,
    Selection,
    SqlSource,
    Target,
    Task,
)
from server.actions.xmlfile import NAMESPACE
from server.errors import ActionXmlError, FormulaError, Problem
from server.sandbox.formulas import parse_formula

_NS = f"{{{NAMESPACE}}}"
SECRET_NAME = re.compile(r"pass(word)?|secret|token|api[-_]?key|private[-_]?key|credential",
                         re.I)
SECRET_REFERENCE = re.compile(r"^\$\{(secret|env):[A-Za-z0-9_\-]+\}$")


def load_action(path: str | os.PathLike[str]) -> Action:
    """Load and check the action file at ``path``."""
    data = xmlfile.read_bytes(path)
    return load_action_bytes(data, str(path))


def load_action_bytes(data: bytes, file: str) -> Action:
    """Load and check an action from its bytes; ``file`` names it in messages."""
    tree = xmlfile.parse(data, file)
    problems = schema.check(tree, data, file)
    if problems:
        raise ActionXmlError(problems, file=file)
    action, problems = _build(tree, file, data.decode("utf-8", errors="replace").splitlines())
    if problems:
        raise ActionXmlError(problems, file=file)
    return action


def check_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Return every problem of the action file at ``path`` (empty when it is valid)."""
    try:
        load_action(path)
    except ActionXmlError as exc:
        return exc.problems
    return []


def _build(tree: etree._ElementTree, file: str,
           lines: list[str]) -> tuple[Action, list[Problem]]:
    root = tree.getroot()
    problems: list[Problem] = []
    settings = {}
    for setting in root.iterfind(f"{_NS}settings/{_NS}setting"):
        name, value = setting.get("name", ""), setting.get("value", "")
        if SECRET_NAME.search(name) and value and not SECRET_REFERENCE.match(value):
            problems.append(Problem(file, setting.sourceline or 1, 1, (
                f"setting {name!r} looks like a secret; secrets do not belong in an action "
                "file (it may be exported and shared). Put it in the instance's secrets.toml "
                f"and write value=\"${{secret:{name}}}\" here")))
        settings[name] = value

    # Formulas may call the functions of a 'functions' script; which ones is checked when
    # a run starts and reads the script (the scripts folder belongs to the instance).
    helpers = None if any(n.get("hook") == "functions"
                          for n in root.iterfind(f"{_NS}script")) else ()
    tasks = tuple(_task(node, file, lines, problems, helpers)
                  for node in root.iterfind(f"{_NS}task"))
    schedule = _schedule(root.find(f"{_NS}schedule"), file, problems)
    scripts = tuple(ScriptHook(hook=n.get("hook", ""), src=n.get("src", ""),
                               line=n.sourceline or 0) for n in root.iterfind(f"{_NS}script"))
    action = Action(
        id=root.get("id", ""),
        title=_text(root.find(f"{_NS}title")),
        channel=root.get("channel", ""),
        tasks=tasks,
        description=_text(root.find(f"{_NS}description")),
        settings=settings,
        on_error=root.get("on-error", "continue"),  # type: ignore[arg-type]
        max_errors=int(root.get("max-errors", "0")),
        schedule=schedule,
        scripts=scripts,
        limits=dict(root.find(f"{_NS}limits").attrib) if root.find(f"{_NS}limits") is not None
        else {},
        file=file,
    )
    return action, problems


def _task(node: etree._Element, file: str, lines: list[str], problems: list[Problem],
          helpers: tuple[()] | None) -> Task:
    source_node = _first_element(node.find(f"{_NS}source"))
    source: SqlSource | FileSource | ReportSource
    kind = etree.QName(source_node).localname
    if kind == "sql":
        source = SqlSource(connection=source_node.get("connection", ""),
                           query=(source_node.text or "").strip(),
                           batch_size=int(source_node.get("batch-size", "1000")),
                           line=source_node.sourceline or 0)
    elif kind == "amazon-report":
        source = ReportSource(report_type=source_node.get("type", ""),
                              file=source_node.get("file", ""),
                              days=int(source_node.get("days", "30")),
                              line=source_node.sourceline or 0)
    else:
        delimiter = source_node.get("delimiter", "")
        source = FileSource(kind=kind,  # type: ignore[arg-type]
                            file=source_node.get("file", ""),
                            delimiter="\t" if delimiter == "tab" else delimiter,
                            encoding=source_node.get("encoding", "utf-8-sig"),
                            sheet=source_node.get("sheet", ""),
                            header_row=int(source_node.get("header-row", "1")),
                            line=source_node.sourceline or 0)

    selection = None
    selection_node = node.find(f"{_NS}selection")
    if selection_node is not None:
        filter_node = selection_node.find(f"{_NS}filter")
        keys_node = selection_node.find(f"{_NS}keys")
        selection = Selection(filter=_text(filter_node),
                              csv_file=keys_node.get("file", "") if keys_node is not None
                              else "", line=selection_node.sourceline or 0)
        if filter_node is not None:
            _check_formula(selection.filter, "selection filter", filter_node, file, lines,
                           problems, helpers)

    fields = []
    for field_node in node.iterfind(f"{_NS}fields/{_NS}field"):
        value_node = next(c for c in field_node if isinstance(c.tag, str))
        kind = etree.QName(value_node).localname
        value = "" if kind == "unused" else (value_node.text or "")
        if kind in ("formula", "column"):
            value = value.strip()
        field = Field(name=field_node.get("name", ""), kind=kind,  # type: ignore[arg-type]
                      value=value, line=field_node.sourceline or 0)
        if kind == "formula":
            _check_formula(value, f"field {field.name!r}", value_node, file, lines, problems,
                           helpers)
        fields.append(field)

    target_node = _first_element(node.find(f"{_NS}target"))
    options = dict(target_node.attrib)
    if options.get("delimiter") == "tab":
        options["delimiter"] = "\t"
    target = Target(kind=etree.QName(target_node).localname, options=options,
                    line=target_node.sourceline or 0)

    key = node.get("key", "")
    key_field = next((f for f in fields if f.name == key), None)
    if key_field is not None and key_field.kind == "unused":
        problems.append(Problem(file, key_field.line or 1, 1,
                                f"the task's key field {key!r} is marked unused; the key "
                                "must have a value"))
    return Task(id=node.get("id", ""), title=node.get("title", ""), key=key, source=source,
                fields=tuple(fields), target=target, selection=selection,
                line=node.sourceline or 0)


def _schedule(node: etree._Element | None, file: str, problems: list[Problem]) -> Schedule:
    if node is None:
        return Schedule()
    if node.get("times") and node.get("cron"):
        problems.append(Problem(file, node.sourceline or 1, 1,
                                "<schedule> has both times and cron; give one of them"))
    task = node.get("task")
    schedule = Schedule(mode=node.get("mode", "manual"),  # type: ignore[arg-type]
                        times=node.get("times", ""), cron=node.get("cron", ""),
                        timezone=node.get("timezone", ""), tasks=(task,) if task else (),
                        line=node.sourceline or 0,
                        grace_minutes=int(node.get("grace-minutes", "60")),
                        retries=int(node.get("retries", "2")),
                        retry_seconds=int(node.get("retry-seconds", "30")))
    if schedule.spec or schedule.timezone:
        from server.runner.schedule import ScheduleError, parse_schedule

        try:  # the instance's timezone is not known here; the spec's syntax is checked
            parse_schedule(schedule.spec or "0:00", schedule.timezone or "UTC")
        except ScheduleError as exc:
            problems.append(Problem(file, node.sourceline or 1, 1, f"<schedule>: {exc}"))
    if schedule.mode == "automatic" and not schedule.spec:
        problems.append(Problem(file, node.sourceline or 1, 1, (
            '<schedule mode="automatic"> needs times="9:00; 15:00" or a cron line '
            'cron="*/30 6-22 * * *"')))
    return schedule


def _check_formula(source: str, what: str, node: etree._Element, file: str,
                   lines: list[str], problems: list[Problem], helpers: tuple[()] | None) -> None:
    try:
        parse_formula(source, None, what=what, helpers=helpers)
    except FormulaError as exc:
        line, column = _formula_position(node, lines, source, exc.context.get("column", 1))
        problems.append(Problem(file, line, column, exc.message))


def _formula_position(node: etree._Element, lines: list[str], source: str,
                      column: object) -> tuple[int, int]:
    """Map a column in the stripped formula text to a line and column in the file."""
    text = node.text or ""
    offset = text.find(source) if source else 0
    position = max(offset, 0) + (int(column) if isinstance(column, int) else 1) - 1
    before = text[:position]
    line = (node.sourceline or 1) + before.count("\n")
    if "\n" in before:
        return line, len(before) - before.rfind("\n")
    # On the start tag's own line, the text begins right after the tag.
    raw = lines[line - 1] if 0 < line <= len(lines) else ""
    local = etree.QName(node).localname
    match = re.search(rf"<(?:[\w\-.]+:)?{re.escape(local)}\s*>", raw)
    start = match.end() if match else 0
    return line, start + position + 1


def _first_element(node: etree._Element) -> etree._Element:
    """The first child element, past comments and processing instructions."""
    return next(child for child in node if isinstance(child.tag, str))


def _text(node: etree._Element | None) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def action_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Return the action files of a folder, sorted by name."""
    return sorted(Path(folder).glob("*.xml"))
