"""Read a Seller Central category workbook (``.xlsx``/``.xlsm``) into a product type.

Such a workbook is generated for one product type and marketplace. Its sheets:

* ``Template``: row 1 holds the settings, URL-encoded and split over cells
  (``settings=...``, ``settings2=...``): ``labelRow``, ``attributeRow``, ``dataRow``,
  ``primaryMarketplaceId``, ``contentLanguageTag``, the product type (``ptds``, Base64);
  the label row names the columns for people, the attribute row gives each column's
  Listings API attribute path (``item_name[marketplace_id=...][language_tag=...]#1.value``);
* ``Data Definitions``: ``Field Name``, ``Local Label Name`` and ``Required?`` per field;
* ``Valid Values``: a row per attribute with a fixed list, ``Label - [ path ]`` then values;
* ``Browse Data``: the browse nodes the product type is meant for.

From these a JSON schema in the shape of Amazon's product type schemas is built (an array
of entries per attribute, the fields of an entry from the paths, ``required`` from the
required flags, ``enum`` from the valid values), saved as the product type, and the
Browse Data nodes are linked to it. Article rows (from ``dataRow`` on) are not read.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from python_calamine import CalamineWorkbook

from server.catalogue.attributes import AttributePath, AttributePathError, parse_path
from server.catalogue.catalogue import Catalogue, CatalogueError
from server.catalogue.categories import (
    ImportReport,
    cell_text,
    header_key,
    import_browse_tree,
    open_workbook,
    read_sheet,
)
from server.catalogue.product_types import NAME, save
from server.engine.sources.xlsx import column_letter

META_SCHEMA = ("https://schemas.amazon.com/selling-partners/definitions/product-types/"
               "meta-schema/v1")
HEADER_ROWS = 10
IDENTITY = ("contribution_sku", "product_type")  # columns that are no attributes
REQUIRED_WORDS = frozenset(header_key(w) for w in (
    "Required", "Mandatory", "Yes", "Erforderlich", "Pflichtfeld", "Pflicht", "Ja",
    "Obligatoire", "Obbligatorio", "Obligatorio"))
INTEGER_FIELDS = frozenset(("quantity", "lead_time_to_ship_max_days"))
NUMBER_FIELDS = frozenset(("value_with_tax",))
_MARKER = re.compile(r"\[\s(.+)\s\]\s*$")  # "Colour - [ color[...]#1.value ]"


def is_category_workbook(sheet_names: list[str]) -> bool:
    """Whether the sheets are those of a category workbook (else: a Browse Tree Guide)."""
    names = {header_key(name) for name in sheet_names}
    return "template" in names and bool(names & {"datadefinitions", "validvalues",
                                                 "browsedata"})


def import_workbook(catalogue: Catalogue, path: str | Path, marketplace_id: str, *,
                    product_type: str | None = None) -> ImportReport:
    """Import a Browse Tree Guide or a category workbook, telling them by their sheets."""
    with open_workbook(path) as workbook:
        names = list(workbook.sheet_names)
    if is_category_workbook(names):
        return import_category_workbook(catalogue, path, marketplace_id,
                                        product_type=product_type)
    report = import_browse_tree(catalogue, path, marketplace_id)
    if product_type:
        report.notes.append(f"product type {product_type} not used: it is for category "
                            f"workbooks, and {Path(path).name} is a Browse Tree Guide")
    return report


def import_category_workbook(catalogue: Catalogue, path: str | Path, marketplace_id: str, *,
                             product_type: str | None = None) -> ImportReport:
    """Save the product type a category workbook describes; link its Browse Data nodes."""
    path = Path(path)
    report = ImportReport(file=str(path), marketplace_id=marketplace_id,
                          kind="category workbook")
    with open_workbook(path) as workbook:
        sheets = {header_key(name): name for name in workbook.sheet_names}
        reader = _Reader(workbook, path, sheets, report)
        settings = reader.settings()
        language = settings.get("contentLanguageTag")
        _check_marketplace(path, settings, marketplace_id)
        columns = reader.columns(settings)
        required = reader.required()
        enums = reader.valid_values(columns)
        nodes = reader.browse_nodes()
    name = _product_type(path, settings, enums, columns, product_type, report)
    schema = build_schema(name, columns, required, enums, marketplace_id, language, path.name)
    saved = save(catalogue, marketplace_id, name, schema, source=path.name[-255:],
                 version=settings.get("Version"), locale=language)
    report.product_type = name
    missing = catalogue.link_nodes(marketplace_id, nodes, name)
    report.linked = len((set(nodes) - set(missing)) | set(saved.linked))
    if missing:
        report.problem(f"{len(missing)} browse nodes of sheet 'Browse Data' are not among "
                       f"the imported categories, so not linked (import the Browse Tree "
                       f"Guide first): {', '.join(f'{n} ({nodes[n]})' for n in missing[:10])}")
    report.notes += [line.strip() for line in saved.lines()[1:] if saved.keywords]
    return report


class _Reader:
    """Reads the sheets of one category workbook."""

    def __init__(self, workbook: CalamineWorkbook, path: Path, sheets: dict[str, str],
                 report: ImportReport) -> None:
        self.workbook = workbook
        self.path = path
        self.sheets = sheets
        self.report = report

    def rows(self, key: str, limit: int | None = None) -> list[list[Any]]:
        name = self.sheets.get(key)
        if name is None:
            return []
        rows = []
        for index, row in enumerate(read_sheet(self.workbook, name, self.path).iter_rows()):
            if limit is not None and index >= limit:
                break
            rows.append(row)
        return rows

    def fail(self, sheet: str, where: str, problem: str, **context: object) -> CatalogueError:
        return CatalogueError(f"{self.path}: sheet {sheet!r} {where}: {problem}",
                              file=str(self.path), sheet=sheet, **context)

    def settings(self) -> dict[str, str]:
        """The settings of row 1 of the Template sheet (empty when there are none)."""
        [first] = self.rows("template", 1) or [[]]
        parts = [(str(c).split("=", 1)) for c in first
                 if isinstance(c, str) and c.startswith("settings") and "=" in c]
        text = "".join(value for _, value in parts)
        if not text:
            legacy = [c for c in first if isinstance(c, str) and c.startswith("TemplateType=")]
            text = "&".join(legacy).replace(";", "&")
        if "=" not in text:
            text = unquote(text)
        return dict(parse_qsl(text, keep_blank_values=True))

    def columns(self, settings: dict[str, str]) -> list[tuple[str, str, AttributePath]]:
        """(column, label, path) of the Template's attribute columns."""
        sheet = self.sheets.get("template", "Template")
        label_row = self._row_number(settings, "labelRow", sheet)
        path_row = self._row_number(settings, "attributeRow", sheet)
        rows = self.rows("template", max(label_row or 0, path_row or 0) or HEADER_ROWS)
        if path_row is None:
            path_row = next((i + 1 for i, row in enumerate(rows) if _looks_like_paths(row)),
                            None)
            if path_row is None:
                raise self.fail(sheet, "rows 1 to 10", "no row of attribute paths (like "
                                "item_name[marketplace_id=...]#1.value) and no attributeRow "
                                "in the settings of row 1; is this a category workbook?")
        label_row = label_row or path_row - 1
        paths = rows[path_row - 1] if path_row <= len(rows) else []
        labels = rows[label_row - 1] if 0 < label_row <= len(rows) else []
        first = read_sheet(self.workbook, sheet, self.path).start or (0, 0)
        columns = []
        for i, cell in enumerate(paths):
            text = cell_text(cell)
            if not text or text.startswith("::"):
                continue
            column = column_letter(first[1] + i)
            try:
                parsed = parse_path(text)
            except AttributePathError as exc:
                self.report.problem(f"sheet {sheet!r} row {path_row} column {column}: {exc}; "
                                    f"column skipped")
                continue
            label = cell_text(labels[i]) if i < len(labels) else ""
            columns.append((text, label or parsed.attribute, parsed))
        if not columns:
            raise self.fail(sheet, f"row {path_row}", "has no attribute paths; expected "
                            "paths like item_name[marketplace_id=...]#1.value")
        return columns

    def _row_number(self, settings: dict[str, str], key: str, sheet: str) -> int | None:
        value = settings.get(key)
        if value is None:
            return None
        if not value.strip().isdigit() or not 0 < int(value) <= 1000:
            raise self.fail(sheet, "row 1", f"the setting {key}={value!r} is not a row "
                            f"number; expected a number from 1 to 1000", value=value)
        return int(value)

    def required(self) -> set[str]:
        """The field names (paths or attribute names) that Data Definitions marks required."""
        rows = self.rows("datadefinitions")
        if not rows:
            self.report.problem("no 'Data Definitions' sheet: no attribute is marked required")
            return set()
        for h, row in enumerate(rows[:HEADER_ROWS]):
            keys = [header_key(c) if isinstance(c, str) else "" for c in row]
            if "fieldname" in keys and "required" in keys:
                field, flag = keys.index("fieldname"), keys.index("required")
                return {cell_text(r[field]) for r in rows[h + 1:]
                        if max(field, flag) < len(r) and header_key(cell_text(r[flag]))
                        in REQUIRED_WORDS}
        self.report.problem("sheet 'Data Definitions' has no 'Field Name' and 'Required?' "
                            "columns: no attribute is marked required")
        return set()

    def valid_values(self, columns: list[tuple[str, str, AttributePath]]) -> dict[str, list]:
        """{path: allowed values} from the Valid Values sheet."""
        by_label: dict[str, str] = {}
        for text, label, _ in columns:
            by_label.setdefault(label.casefold(), text)
        paths = {text for text, _, _ in columns}
        enums: dict[str, list[str]] = {}
        for row in self.rows("validvalues"):
            cells = [cell_text(c) for c in row]
            for i, cell in enumerate(cells):
                match = _MARKER.search(cell)
                path = match.group(1) if match else cell if cell in paths else \
                    by_label.get(cell.casefold())
                if path in paths:
                    values = [v for v in cells[i + 1:] if v]
                    if values:
                        enums[path] = list(dict.fromkeys(values))
                    break
        return enums

    def browse_nodes(self) -> dict[str, str]:
        """{node id: path} of the Browse Data sheet."""
        rows = self.rows("browsedata")
        for h, row in enumerate(rows[:HEADER_ROWS]):
            keys = [header_key(c) if isinstance(c, str) else "" for c in row]
            node = next((i for i, k in enumerate(keys) if k in ("browsenode", "nodeid",
                                                                 "browsenodeid")), None)
            if node is None:
                continue
            where = next((i for i, k in enumerate(keys) if "path" in k), None)
            nodes = {}
            for number, cells in enumerate(rows[h + 1:], start=h + 2):
                value = cell_text(cells[node]) if node < len(cells) else ""
                if value.isdigit():
                    nodes[value] = cell_text(cells[where]) if where is not None and \
                        where < len(cells) else ""
                elif value:
                    self.report.problem(f"sheet 'Browse Data' row {number}: node id "
                                        f"{value!r} is not a number; row skipped")
            return nodes
        return {}


def _looks_like_paths(row: list[Any]) -> bool:
    texts = [c for c in row if isinstance(c, str) and c.strip()]
    return len(texts) >= 2 and sum("#" in t or t.startswith("::") for t in texts) * 2 >= \
        len(texts)


def _check_marketplace(path: Path, settings: dict[str, str], marketplace_id: str) -> None:
    given = settings.get("primaryMarketplaceId", "").rpartition(".")[2]
    if given and given != marketplace_id:
        raise CatalogueError(
            f"{path} is a workbook of marketplace {given}, but the channel's marketplace is "
            f"{marketplace_id}; import it with --channel naming a channel of {given}",
            file=str(path), marketplace_id=given)


def _product_type(path: Path, settings: dict[str, str], enums: dict[str, list[str]],
                  columns: list[tuple[str, str, AttributePath]], given: str | None,
                  report: ImportReport) -> str:
    found = [_decode_name(settings[k]) for k in ("ptds", "TemplateSignature",
                                                 "feedProductType", "productType")
             if settings.get(k)]
    found = [name for name in found if name]
    for text, _label, parsed in columns:
        if parsed.attribute == "product_type" and len(enums.get(text, [])) == 1:
            found.append(enums[text][0].upper())
    if given:
        given = given.strip().upper()
        if not NAME.match(given):
            raise CatalogueError(f"--product-type {given!r} is not a product type name; "
                                 f"expected capitals, digits and underscores, like SHIRT")
        if found and found[0] != given:
            report.problem(f"the workbook says product type {found[0]}; saved as {given} "
                           f"as asked")
        return given
    if found:
        return found[0]
    choices = [v for text, _, p in columns if p.attribute == "product_type"
               for v in enums.get(text, [])]
    several = f" (its valid values list {', '.join(choices[:10])})" if choices else ""
    raise CatalogueError(f"{path}: cannot tell which product type the workbook is for"
                         f"{several}; give it with --product-type NAME", file=str(path))


def _decode_name(value: str) -> str | None:
    """A product type name from a setting: Base64 of the name, or the name itself."""
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii").strip().upper()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    for candidate in (decoded, value.strip().upper()):
        if candidate and NAME.match(candidate) and len(candidate) <= 100:
            return candidate
    return None


def build_schema(name: str, columns: list[tuple[str, str, AttributePath]],
                 required: set[str], enums: dict[str, list[str]], marketplace_id: str,
                 language: str | None, source: str) -> dict[str, Any]:
    """A product type schema in Amazon's shape from the workbook's attribute columns."""
    properties: dict[str, Any] = {}
    needed: list[str] = []
    for text, label, path in columns:
        if path.attribute in IDENTITY:
            continue
        must = text in required or path.attribute in required
        prop = properties.setdefault(path.attribute, {
            "title": label, "type": "array", "selectors": [], "items": {
                "type": "object", "required": [], "properties": {}}})
        prop["maxItems"] = max(prop.get("maxItems", 1), path.index)
        item = prop["items"]
        for selector in path.selectors:
            if selector not in prop["selectors"]:
                prop["selectors"].append(selector)
            item["properties"][selector] = (
                {"$ref": f"#/$defs/{selector}"} if selector in ("marketplace_id",
                                                                 "language_tag")
                else {"type": "string", "default": path.selectors[selector]})
        _add_field(item, path.steps, label, enums.get(text))
        if must:
            prop["minItems"] = 1
            if path.steps[0][0] not in item["required"]:
                item["required"].append(path.steps[0][0])
            if path.attribute not in needed:
                needed.append(path.attribute)
    for prop in properties.values():
        if not prop["selectors"]:
            del prop["selectors"]
        if not prop["items"]["required"]:
            del prop["items"]["required"]
    defs = {"marketplace_id": {"type": "string", "default": marketplace_id,
                               "editable": False, "hidden": True},
            "language_tag": {"type": "string", "default": language or "en_US",
                             "editable": False, "hidden": True}}
    return {"$schema": META_SCHEMA, "$comment": f"product type {name}, derived by "
            f"Sync-Center from the category workbook {source}", "$defs": defs,
            "type": "object", "required": needed, "properties": properties}


def _add_field(item: dict[str, Any], steps: tuple[tuple[str, int | None], ...], label: str,
               enum: list[str] | None) -> None:
    """Add the fields a path names below an entry: lists of objects down to the value."""
    (field, index), rest = steps[0], steps[1:]
    if not rest:
        leaf: dict[str, Any] = {"title": label, "type": _leaf_type(field)}
        if enum:
            leaf = {"title": label, "type": "string", "enum": enum}
        item["properties"].setdefault(field, leaf)
        return
    child = item["properties"].setdefault(field, {"type": "object", "properties": {}})
    if index is not None and child.get("type") == "object":
        child = item["properties"][field] = {"type": "array", "items": child}
    _add_field(child["items"] if child.get("type") == "array" else child, rest, label, enum)


def _leaf_type(field: str) -> str:
    """The JSON type of a field's value: a guess from its name (text unless known)."""
    if field in INTEGER_FIELDS:
        return "integer"
    return "number" if field in NUMBER_FIELDS else "string"
