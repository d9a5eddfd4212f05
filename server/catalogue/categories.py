"""Import an Amazon Browse Tree Guide (``.xls`` or ``.xlsx``) as a marketplace's category tree.

A guide has a sheet per top-level category with the columns ``Node ID``, ``Node Path``
(``Electronics/Accessories/3D Glasses``) and ``Query`` (``item_type_keyword:3d-eyewear``),
and sheets of other kinds (Instructions, Refinements, DB), which are skipped. Localized
headers (``Knoten-ID``, ``Knotenpfad``...) are found too, in any case, with or without
spaces and hyphens, and in any of the first rows of a sheet.

The tree is implicit in the paths: a node's parent is its path without the last segment,
resolved to the parent's node id when the parent is in the file. The file is read twice,
a sheet at a time: first to check every row and learn the node id of each path (kept
as a hash, not the paths), then to store the rows in one transaction, in chunks. A bad row
stops the import before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineSheet, CalamineWorkbook

from server.catalogue import log
from server.catalogue.catalogue import Catalogue, CatalogueError, CategoryRow
from server.engine.sources.xlsx import column_letter
from server.store.catalogue_models import NODE_LENGTH
from server.store.models import HOST_LENGTH

HEADER_ROWS = 20  # the header row is looked for in this many rows at the top of a sheet
MAX_PROBLEMS = 50  # problems listed in a report; more are counted


def header_key(text: object) -> str:
    """A header as compared: lower case, no accents, spaces, hyphens, dots or underscores."""
    value = unicodedata.normalize("NFKD", str(text).casefold().replace("œ", "oe"))
    value = "".join(c for c in value if not unicodedata.combining(c))
    return re.sub(r"[\s\-_.:#?()]", "", value)


NODE_ID_HEADERS = frozenset(header_key(h) for h in (
    "Node ID", "Browse Node ID", "Node-ID", "Knoten-ID", "Browse-Knoten-ID", "Knoten ID",
    "ID du nœud", "ID de nœud", "ID nœud", "ID du nœud de navigation", "ID nodo",
    "ID del nodo", "ID nodo di navigazione", "ID de nodo", "ID del nodo de navegación"))
NODE_PATH_HEADERS = frozenset(header_key(h) for h in (
    "Node Path", "Browse Node Path", "Knotenpfad", "Knoten-Pfad", "Browse-Knotenpfad",
    "Chemin du nœud", "Chemin de nœud", "Chemin d'accès du nœud", "Percorso nodo",
    "Percorso del nodo", "Ruta de nodo", "Ruta del nodo", "Ruta de acceso del nodo"))
QUERY_HEADERS = frozenset(header_key(h) for h in (
    "Query", "Abfrage", "Suchanfrage", "Requête", "Consulta", "Interrogazione"))
LOOKED_FOR = "'Node ID' and 'Node Path' (or localized: 'Knoten-ID'/'Knotenpfad', " \
             "'ID du nœud'/'Chemin du nœud', 'ID nodo'/'Percorso nodo', 'ID de nodo'/'Ruta " \
             "de nodo')"


@dataclass
class ImportReport:
    """What an import did: rows per sheet, rows stored, sheets skipped, problems."""

    file: str
    marketplace_id: str
    kind: str = "Browse Tree Guide"
    sheets: dict[str, int] = field(default_factory=dict)  # rows read per imported sheet
    skipped: list[str] = field(default_factory=list)  # sheets without the columns
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0  # problems not listed
    product_type: str | None = None  # category workbooks: the product type saved
    linked: int = 0  # categories linked to the product type
    notes: list[str] = field(default_factory=list)  # more to say, not problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.more_problems += 1

    def lines(self) -> list[str]:
        """The report as lines of text for people."""
        lines = [f"{self.kind} {Path(self.file).name} -> marketplace {self.marketplace_id}"]
        for sheet, count in self.sheets.items():
            lines.append(f"  sheet {sheet!r}: {count} categories")
        if self.sheets:
            lines.append(f"  {self.inserted} new, {self.updated} updated, {self.unchanged} "
                         f"unchanged")
        if self.product_type:
            lines.append(f"  product type {self.product_type} saved; {self.linked} "
                         f"categories linked to it")
        lines += [f"  {text}" for text in self.notes]
        if self.skipped:
            lines.append(f"  skipped sheets: {', '.join(self.skipped)}")
        lines += [f"  problem: {text}" for text in self.problems]
        if self.more_problems:
            lines.append(f"  ... and {self.more_problems} more problems")
        return lines


@dataclass(frozen=True)
class _Columns:
    """Where a sheet's header row is and which columns hold what (0-based in the rows)."""

    header_row: int
    node_id: int
    path: int
    query: int | None
    first_column: int  # the sheet's first used column, 0-based


def open_workbook(path: str | Path) -> CalamineWorkbook:
    """Open an Excel workbook (.xls, .xlsx, .xlsm) or raise a CatalogueError saying why."""
    path = Path(path)
    if not path.is_file():
        raise CatalogueError(f"cannot read {path}: there is no such file", file=str(path))
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's errors are of several unrelated classes
        raise CatalogueError(f"{path} is not an Excel workbook (.xls, .xlsx or .xlsm) that "
                             f"can be read: {exc}", file=str(path)) from None


def read_sheet(workbook: CalamineWorkbook, name: str, file: str | Path) -> CalamineSheet:
    """A sheet of an open workbook, or a CatalogueError naming the file and sheet."""
    try:
        return workbook.get_sheet_by_name(name)
    except Exception as exc:
        raise CatalogueError(f"{file}: sheet {name!r} cannot be read: {exc}", file=str(file),
                             sheet=name) from None


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing ``.0``, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def import_browse_tree(catalogue: Catalogue, path: str | Path,
                       marketplace_id: str) -> ImportReport:
    """Import a Browse Tree Guide into the marketplace's categories; return the report."""
    path = Path(path)
    workbook = open_workbook(path)
    report = ImportReport(file=str(path), marketplace_id=marketplace_id)
    with workbook:
        names = list(workbook.sheet_names)
        found: dict[str, _Columns] = {}
        nodes: dict[int, str] = {}  # hash of a path -> its node id, to find parents
        any_cells = False
        for name in names:  # a sheet at a time: calamine reads each one whole
            sheet = read_sheet(workbook, name, path)
            any_cells = any_cells or sheet.start is not None
            columns = _find_columns(sheet)
            if columns is None:
                report.skipped.append(name)
                continue
            found[name] = columns
            report.sheets[name] = 0
            for node, node_path, _query in _sheet_rows(sheet, path, name, columns, report):
                nodes[hash(node_path)] = node
                report.sheets[name] += 1
            del sheet
        if not any_cells:
            raise CatalogueError(f"{path} is empty: none of its sheets "
                                 f"({', '.join(names) or 'none'}) has a cell with a value",
                                 file=str(path))
        if not found:
            raise CatalogueError(
                f"{path}: no sheet has the columns of a Browse Tree Guide; looked for the "
                f"headers {LOOKED_FOR} in the first {HEADER_ROWS} rows of the sheets "
                f"{', '.join(repr(n) for n in names)}", file=str(path))
        rows = _category_rows(workbook, path, found, nodes)
        report.inserted, report.updated = catalogue.upsert_categories(
            marketplace_id, rows, source=path.name[-HOST_LENGTH:])
    report.unchanged = sum(report.sheets.values()) - report.inserted - report.updated
    log.info("imported %s: %s", path, "; ".join(report.lines()))
    return report


def _find_columns(sheet: CalamineSheet) -> _Columns | None:
    if sheet.start is None:
        return None
    for index, row in enumerate(sheet.iter_rows()):
        if index >= HEADER_ROWS:
            break
        keys = [header_key(cell) if isinstance(cell, str) else "" for cell in row]
        node = next((i for i, k in enumerate(keys) if k in NODE_ID_HEADERS), None)
        path = next((i for i, k in enumerate(keys) if k in NODE_PATH_HEADERS), None)
        if node is not None and path is not None:
            query = next((i for i, k in enumerate(keys) if k in QUERY_HEADERS), None)
            return _Columns(index, node, path, query, sheet.start[1])
    return None


def _sheet_rows(sheet: CalamineSheet, file: Path, sheet_name: str, columns: _Columns,
                report: ImportReport | None) -> Iterator[tuple[str, str, str | None]]:
    """(node id, path, query) of each row under the header; problems go to ``report``."""
    for index, row in enumerate(sheet.iter_rows()):
        if index <= columns.header_row:
            continue
        raw_node = row[columns.node_id] if columns.node_id < len(row) else ""
        path = cell_text(row[columns.path]).strip("/ ") if columns.path < len(row) else ""
        query = cell_text(row[columns.query]) if columns.query is not None and \
            columns.query < len(row) else ""
        node = cell_text(raw_node)
        if node.endswith(".0") and isinstance(raw_node, str):
            node = node[:-2]  # a number saved as text
        if not node and not path:
            continue
        where = f"sheet {sheet_name!r} row {index + 1}"
        if not node:
            if report:
                report.problem(f"{where}: path {path!r} has no node id; row skipped")
            continue
        if not _is_node_id(raw_node, node):
            column = column_letter(columns.first_column + columns.node_id)
            raise CatalogueError(
                f"{file}: {where} column {column}: node id {raw_node!r} is not a number; "
                f"expected the digits of a browse node id, like 493964", file=str(file),
                sheet=sheet_name, row=index + 1, column=column, value=str(raw_node)[:100])
        if not path:
            if report:
                report.problem(f"{where}: node {node} has no path; row skipped")
            continue
        yield node, path, query or None


def _is_node_id(raw: Any, text: str) -> bool:
    if isinstance(raw, bool):
        return False
    if isinstance(raw, float) and not raw.is_integer():
        return False
    return text.isascii() and text.isdigit() and len(text) <= NODE_LENGTH


def split_path(path: str) -> tuple[str, str, int]:
    """(parent path, name, depth) of a path; " > " paths (category workbooks) split too."""
    separator = " > " if " > " in path else "/"
    parent, _, name = path.rpartition(separator)
    return parent, name.strip() or path, path.count(separator) + 1


def _category_rows(workbook: CalamineWorkbook, file: Path, found: dict[str, _Columns],
                   nodes: dict[int, str]) -> Iterator[CategoryRow]:
    for name, columns in found.items():
        sheet = read_sheet(workbook, name, file)
        for node, path, query in _sheet_rows(sheet, file, name, columns, None):
            parent, leaf, depth = split_path(path)
            yield CategoryRow(node_id=node, path=path, name=leaf[:HOST_LENGTH],
                              parent_node_id=nodes.get(hash(parent)) if parent else None,
                              depth=depth, query=query[:HOST_LENGTH] if query else None)
