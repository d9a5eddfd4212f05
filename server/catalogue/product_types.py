"""Import product types: from the Product Type Definitions API or from a JSON schema file.

A product type is stored as its JSON schema (Amazon's meta-schema: ``properties`` per
attribute, ``required``, ``allOf`` rules). After an import, the categories whose guide
query names an item type keyword (``item_type_keyword:outdoor-jackets``) are linked to the
product type when its schema lists that keyword among the values of ``item_type_keyword``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.catalogue import log
from server.catalogue.catalogue import Catalogue, CatalogueError
from server.store.catalogue_models import TYPE_LENGTH

if TYPE_CHECKING:
    from server.amazon.spapi.client import SpApiClient

MAX_SCHEMA_BYTES = 64 * 1024 * 1024  # Amazon's largest schemas are a few MB
NAME = re.compile(r"^[A-Z0-9][A-Z0-9_]*$")
KEYWORD = re.compile(r"item_type_keyword:\s*([^\s,;|()]+)")
SHOWN = 10  # keywords or nodes named in a report line


@dataclass
class ProductTypeReport:
    """What importing one product type did."""

    name: str
    marketplace_id: str
    source: str
    new: bool = True
    display_name: str | None = None
    version: str | None = None
    properties: int = 0
    required: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)  # node ids linked by keyword
    kept: list[str] = field(default_factory=list)  # nodes left on another product type
    keywords: int = 0  # item type keywords in the schema
    unmatched: list[str] = field(default_factory=list)  # keywords of no category
    waiting: int = 0  # categories with an item type keyword and still no product type

    def lines(self) -> list[str]:
        """The report as lines of text for people."""
        title = f" ({self.display_name})" if self.display_name else ""
        version = f", version {self.version}" if self.version else ""
        lines = [f"product type {self.name}{title} {'imported' if self.new else 'updated'} "
                 f"from {self.source} for marketplace {self.marketplace_id}{version}: "
                 f"{self.properties} attributes, {len(self.required)} required"]
        if not self.keywords:
            lines.append("  the schema lists no item type keywords: no category linked by "
                         "keyword")
            return lines
        lines.append(f"  {len(self.linked)} categories linked by item type keyword")
        if self.kept:
            lines.append(f"  not linked, already linked to another product type: "
                         f"{_some(self.kept)}")
        if self.unmatched:
            lines.append(f"  {len(self.unmatched)} of its {self.keywords} keywords match no "
                         f"category: {_some(self.unmatched)}")
        if self.waiting:
            lines.append(f"  {self.waiting} categories with an item type keyword still have "
                         f"no product type")
        return lines


def read_schema_file(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(schema, definition) from a JSON file: a schema, or a definition that holds one.

    A definition (``{"productType": ..., "displayName": ..., "schema": {...}}``) gives
    the name and display name; a bare schema has ``properties`` at the top.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SCHEMA_BYTES + 1)
    except OSError as exc:
        raise CatalogueError(f"cannot read {path}: {exc.strerror or exc}",
                             file=str(path)) from None
    if len(data) > MAX_SCHEMA_BYTES:
        raise CatalogueError(f"{path} is larger than {MAX_SCHEMA_BYTES // 2**20} MB; a "
                             f"product type schema is a few MB at most", file=str(path))
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise CatalogueError(f"{path} is not JSON: {exc}; expected a product type's JSON "
                             f"schema", file=str(path)) from None
    if not isinstance(document, dict):
        raise CatalogueError(f"{path} holds a JSON {type(document).__name__}, not an object; "
                             f"expected a product type's JSON schema", file=str(path))
    definition: dict[str, Any] = {}
    if "properties" not in document and isinstance(document.get("schema"), dict):
        definition, document = document, document["schema"]
    check_schema(document, str(path))
    return document, definition


def check_schema(schema: Any, source: str) -> None:
    """Refuse what is not a product type schema: an object whose ``properties`` is one."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        found = sorted(schema)[:10] if isinstance(schema, dict) else type(schema).__name__
        raise CatalogueError(f"{source}: not a product type schema: expected a JSON object "
                             f"with \"properties\" (one entry per attribute); found {found}",
                             file=source)
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise CatalogueError(f"{source}: \"required\" must be a list of attribute names; "
                             f"found {json.dumps(required)[:100]}", file=source)


def schema_name(schema: dict[str, Any], definition: dict[str, Any], path: Path,
                given: str | None) -> str:
    """The product type's name: given, in the definition, at the end of ``$id``, or the
    file's name (``SHIRT.json``)."""
    candidates = [given, definition.get("productType"),
                  str(schema.get("$id", "")).rstrip("/").rpartition("/")[2], path.stem]
    for candidate in candidates:
        if candidate and NAME.match(str(candidate).upper()) and \
                len(str(candidate)) <= TYPE_LENGTH:
            return str(candidate).upper()
    if given:
        raise CatalogueError(f"product type name {given!r} is not usable: expected capitals, "
                             f"digits and underscores, like SHIRT", product_type=given)
    raise CatalogueError(f"{path}: cannot tell the product type's name from the file; give it "
                         f"with --name (like SHIRT)", file=str(path))


def import_schema_file(catalogue: Catalogue, path: str | Path, marketplace_id: str,
                       name: str | None = None) -> ProductTypeReport:
    """Store the product type schema of a JSON file; link categories by keyword."""
    path = Path(path)
    schema, definition = read_schema_file(path)
    name = schema_name(schema, definition, path, name)
    version = definition.get("productTypeVersion")
    if isinstance(version, dict):
        version = version.get("version")
    return save(catalogue, marketplace_id, name, schema, source=path.name,
                display_name=definition.get("displayName"),
                version=str(version) if version else None, locale=definition.get("locale"))


def import_from_api(catalogue: Catalogue, client: SpApiClient, names: Sequence[str], *,
                    locale: str | None = None) -> list[ProductTypeReport]:
    """Fetch product types from the Product Type Definitions API of the client's channel
    and store them; link categories by keyword."""
    from server.amazon.spapi.definitions import Definitions

    definitions = Definitions(client)
    marketplace_id = client.config.marketplace_id
    reports = []
    for name in names:
        definition = definitions.get(name.strip().upper(), locale=locale)
        schema = definitions.schema(definition)
        check_schema(schema, f"the schema of product type {name} from the API")
        version = (definition.get("productTypeVersion") or {}).get("version")
        reports.append(save(
            catalogue, marketplace_id, str(definition.get("productType") or name.upper()),
            schema, source=f"api:{client.config.name}",
            display_name=definition.get("displayName"), version=version,
            locale=definition.get("locale")))
    return reports


def save(catalogue: Catalogue, marketplace_id: str, name: str, schema: dict[str, Any], *,
         source: str, display_name: str | None = None, version: str | None = None,
         locale: str | None = None) -> ProductTypeReport:
    """Store a checked schema as a product type and link categories by keyword."""
    new = catalogue.save_product_type(marketplace_id, name, schema, display_name=display_name,
                                      version=version, locale=locale, source=source)
    report = ProductTypeReport(name=name, marketplace_id=marketplace_id, source=source,
                               new=new, display_name=display_name, version=version,
                               properties=len(schema["properties"]),
                               required=list(schema.get("required", [])))
    link_by_keywords(catalogue, marketplace_id, name, schema, report)
    log.info("product type %s: %s", name, "; ".join(report.lines()))
    return report


def item_type_keywords(schema: dict[str, Any]) -> set[str]:
    """The values the schema allows for ``item_type_keyword`` (every ``enum`` under it)."""
    keyword = schema.get("properties", {}).get("item_type_keyword")
    return set(_enums(keyword)) if keyword is not None else set()


def link_by_keywords(catalogue: Catalogue, marketplace_id: str, name: str,
                     schema: dict[str, Any], report: ProductTypeReport) -> None:
    """Link the categories whose query names one of the schema's item type keywords.

    A category already linked to another product type keeps that link (and is reported).
    """
    keywords = item_type_keywords(schema)
    report.keywords = len(keywords)
    if not keywords:
        return
    matched: set[str] = set()
    for node_id, query, linked in catalogue.queries(marketplace_id):
        found = [k for k in KEYWORD.findall(query) if k in keywords]
        if not found:
            report.waiting += linked is None and bool(KEYWORD.search(query))
            continue
        matched.update(found)
        if linked not in (None, name):
            report.kept.append(f"{node_id} ({linked})")
        else:
            report.linked.append(node_id)
    catalogue.link_nodes(marketplace_id, report.linked, name)
    report.unmatched = sorted(keywords - matched)


def _enums(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "enum" and isinstance(value, list):
                yield from (str(v) for v in value)
            else:
                yield from _enums(value)
    elif isinstance(node, list):
        for item in node:
            yield from _enums(item)


def _some(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")
