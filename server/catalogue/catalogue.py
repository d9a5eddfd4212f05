"""``Catalogue``: the catalogue's data in the state store, for the rest of the product.

Each method is one short transaction (SQLAlchemy Core, portable to SQLite, PostgreSQL and
MariaDB); bulk methods work in chunks, so 100,000 articles cost a few hundred statements.
Upserts select the existing keys of a chunk, then insert the new rows and update the others,
all in the transaction of the call.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import String, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from server.errors import SyncCenterError
from server.store import Store
from server.store import catalogue_models as cm
from server.store.models import KEY_LENGTH
from server.textutil import did_you_mean

CHUNK = 500  # keys per statement: far below every backend's limit of bound parameters
T = TypeVar("T")

_categories = cm.Category.__table__
_types = cm.ProductType.__table__
_assigned = cm.ArticleCategory.__table__
_overrides = cm.ArticleOverride.__table__
_snapshots = cm.ListingSnapshot.__table__


class CatalogueError(SyncCenterError):
    """Catalogue input (a workbook, a schema, a node id, a SKU) that cannot be used."""


@dataclass(frozen=True)
class CategoryRow:
    """A category to store: a node of a browse tree, as a guide lists it."""

    node_id: str
    path: str  # "Sport/Outdoor/Jacken"
    name: str  # the last segment of the path
    parent_node_id: str | None
    depth: int  # segments in the path: 1 for a root
    query: str | None = None  # "item_type_keyword:..."


@dataclass(frozen=True)
class CategoryInfo:
    """A stored category, with the product type linked to it (if any)."""

    marketplace_id: str
    node_id: str
    parent_node_id: str | None
    name: str
    path: str
    depth: int
    query: str | None
    product_type: str | None
    source: str
    imported_at: datetime


@dataclass(frozen=True)
class ProductTypeInfo:
    """A stored product type, without its schema."""

    marketplace_id: str
    name: str
    display_name: str | None
    version: str | None
    locale: str | None
    source: str
    imported_at: datetime


_CATEGORY_COLUMNS = [_categories.c[name] for name in CategoryInfo.__dataclass_fields__]
_TYPE_COLUMNS = [_types.c[name] for name in ProductTypeInfo.__dataclass_fields__]
_CATEGORY_FIELDS = ("parent_node_id", "name", "path", "depth", "query")


class Catalogue:
    """Categories, product types, assignments, overrides and snapshots of an instance."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- categories ------------------------------------------------------------------------

    def upsert_categories(self, marketplace_id: str, rows: Iterable[CategoryRow],
                          source: str) -> tuple[int, int]:
        """Store categories, one transaction for all; return (inserted, updated).

        ``rows`` is consumed in chunks, so a generator over a large guide is never held
        whole. A node already stored is updated only when its path, name, parent, depth
        or query changed; the product type linked to it is kept. A node listed twice
        keeps its last row.
        """
        inserted = updated = 0
        now = _now()
        with self.store.write() as conn:
            for chunk in _chunks(rows, CHUNK):
                values = {row.node_id: {"node_id": row.node_id, "parent_node_id":
                                        row.parent_node_id, "name": row.name, "path": row.path,
                                        "depth": row.depth, "query": row.query,
                                        "source": source, "imported_at": now}
                          for row in chunk}
                new, changed = _upsert(conn, _categories, {"marketplace_id": marketplace_id},
                                       "node_id", list(values.values()), _CATEGORY_FIELDS)
                inserted += new
                updated += changed
        return inserted, updated

    def category(self, marketplace_id: str, node_id: str) -> CategoryInfo | None:
        """The category with this node id, or None."""
        query = select(*_CATEGORY_COLUMNS).where(_categories.c.marketplace_id == marketplace_id,
                                                 _categories.c.node_id == str(node_id))
        rows = self._read(query)
        return CategoryInfo(*rows[0]) if rows else None

    def search_categories(self, marketplace_id: str, text: str,
                          limit: int = 50) -> list[CategoryInfo]:
        """Categories whose path holds every word of ``text`` (any case), or whose node id
        is ``text``; shallow nodes first."""
        words = text.lower().split()
        if not words:
            return []
        path = func.lower(_categories.c.path, type_=String)
        match = and_(*(path.contains(word, autoescape=True) for word in words))
        query = (select(*_CATEGORY_COLUMNS)
                 .where(_categories.c.marketplace_id == marketplace_id,
                        match | (_categories.c.node_id == text.strip()))
                 .order_by(_categories.c.depth, _categories.c.path).limit(limit))
        return [CategoryInfo(*row) for row in self._read(query)]

    def children(self, marketplace_id: str, node_id: str | None) -> list[CategoryInfo]:
        """The categories under ``node_id`` (the roots for None), by name."""
        parent = _categories.c.parent_node_id
        query = (select(*_CATEGORY_COLUMNS)
                 .where(_categories.c.marketplace_id == marketplace_id,
                        parent.is_(None) if node_id is None else parent == str(node_id))
                 .order_by(_categories.c.name))
        return [CategoryInfo(*row) for row in self._read(query)]

    def category_count(self, marketplace_id: str) -> int:
        """How many categories the marketplace has."""
        query = select(func.count()).select_from(_categories).where(
            _categories.c.marketplace_id == marketplace_id)
        return int(self._read(query)[0][0])

    def queries(self, marketplace_id: str) -> list[tuple[str, str, str | None]]:
        """(node id, query, product type) of the categories that have a query, such as
        ``item_type_keyword:outdoor-jackets``."""
        query = (select(_categories.c.node_id, _categories.c.query, _categories.c.product_type)
                 .where(_categories.c.marketplace_id == marketplace_id,
                        _categories.c.query.is_not(None), _categories.c.query != "")
                 .order_by(_categories.c.node_id))
        return [(node, text, ptype) for node, text, ptype in self._read(query)]

    # -- product types ---------------------------------------------------------------------

    def save_product_type(self, marketplace_id: str, name: str, schema: dict[str, Any], *,
                          display_name: str | None = None, version: str | None = None,
                          locale: str | None = None, source: str) -> bool:
        """Store a product type's JSON schema, replacing an earlier one; True when new."""
        values = {"name": name, "display_name": display_name, "version": version,
                  "locale": locale, "schema": json.dumps(schema, ensure_ascii=False),
                  "source": source[-255:], "imported_at": _now()}
        with self.store.write() as conn:
            new, _ = _upsert(conn, _types, {"marketplace_id": marketplace_id}, "name",
                             [values], None)
        return bool(new)

    def product_type(self, marketplace_id: str, name: str) -> dict[str, Any] | None:
        """The JSON schema of a product type, or None when it was not imported."""
        query = select(_types.c.schema).where(_types.c.marketplace_id == marketplace_id,
                                              _types.c.name == name)
        rows = self._read(query)
        return json.loads(rows[0][0]) if rows else None

    def _has_product_type(self, marketplace_id: str, name: str) -> bool:
        query = select(_types.c.id).where(_types.c.marketplace_id == marketplace_id,
                                          _types.c.name == name)
        return bool(self._read(query))

    def product_types(self, marketplace_id: str) -> list[ProductTypeInfo]:
        """The product types of a marketplace, by name (without their schemas)."""
        query = (select(*_TYPE_COLUMNS).where(_types.c.marketplace_id == marketplace_id)
                 .order_by(_types.c.name))
        return [ProductTypeInfo(*row) for row in self._read(query)]

    # -- linking ---------------------------------------------------------------------------

    def link(self, marketplace_id: str, node_id: str, product_type: str | None) -> None:
        """Link a category to a product type (None removes the link)."""
        missing = self.link_nodes(marketplace_id, [node_id], product_type)
        if missing:
            raise self._unknown_node(marketplace_id, str(node_id))

    def link_nodes(self, marketplace_id: str, node_ids: Iterable[str],
                   product_type: str | None) -> list[str]:
        """Link many categories to one product type; return the node ids not stored."""
        missing: list[str] = []
        with self.store.write() as conn:
            for chunk in _chunks(dict.fromkeys(str(n) for n in node_ids), CHUNK):
                where = (_categories.c.marketplace_id == marketplace_id,
                         _categories.c.node_id.in_(chunk))
                found = set(conn.execute(select(_categories.c.node_id).where(*where)).scalars())
                missing += [node for node in chunk if node not in found]
                conn.execute(update(_categories).where(*where)
                             .values(product_type=product_type))
        return missing

    # -- assignment ------------------------------------------------------------------------

    def assign(self, marketplace_id: str, skus: Iterable[str], *, node_id: str | None = None,
               product_type: str | None = None, by: str | None = None) -> int:
        """Assign a category and/or a product type to articles; return how many.

        The assignment replaces an article's earlier one. Given only a node, the article
        takes the product type linked to that category, now and whenever the link changes;
        a product type given names it outright. Unknown nodes and product types are refused,
        with the nearest known ones.
        """
        if node_id is None and product_type is None:
            raise CatalogueError("assign needs a category node id or a product type")
        if node_id is not None:
            node_id = str(node_id).strip()
            if self.category(marketplace_id, node_id) is None:
                raise self._unknown_node(marketplace_id, node_id)
        if product_type is not None and not self._has_product_type(marketplace_id,
                                                                   product_type):
            known = [info.name for info in self.product_types(marketplace_id)]
            raise CatalogueError(
                f"product type {product_type!r} is not imported for marketplace "
                f"{marketplace_id}{did_you_mean(product_type, known)}; imported: "
                f"{', '.join(known[:20]) or 'none'}", product_type=product_type,
                marketplace_id=marketplace_id)
        count = 0
        values = {"node_id": node_id, "product_type": product_type, "assigned_at": _now(),
                  "assigned_by": by}
        with self.store.write() as conn:
            for chunk in _chunks(_skus(skus), CHUNK):
                _upsert(conn, _assigned, {"marketplace_id": marketplace_id}, "sku",
                        [{"sku": sku, **values} for sku in chunk], None)
                count += len(chunk)
        return count

    def unassign(self, marketplace_id: str, skus: Iterable[str]) -> int:
        """Remove the assignments of articles; return how many there were."""
        return self._delete(_assigned, {"marketplace_id": marketplace_id}, skus)

    def assignment(self, marketplace_id: str, sku: str) -> tuple[str | None, str | None] | None:
        """(node id, product type) of an article, or None when it has no assignment."""
        return self.assignments(marketplace_id, [sku]).get(sku)

    def assignments(self, marketplace_id: str, skus: Iterable[str] | None = None,
                    ) -> dict[str, tuple[str | None, str | None]]:
        """{sku: (node id, product type)} of the given articles (all for None) that have an
        assignment; the product type is the one given, else the category's."""
        joined = _assigned.outerjoin(_categories, and_(
            _categories.c.marketplace_id == _assigned.c.marketplace_id,
            _categories.c.node_id == _assigned.c.node_id))
        query = select(_assigned.c.sku, _assigned.c.node_id, func.coalesce(
            _assigned.c.product_type, _categories.c.product_type)).select_from(joined).where(
            _assigned.c.marketplace_id == marketplace_id)
        return {sku: (node, ptype) for sku, node, ptype
                in self._rows(query, _assigned.c.sku, skus)}

    # -- overrides -------------------------------------------------------------------------

    def set_overrides(self, marketplace_id: str, skus: Iterable[str], attribute: str,
                      value: Any, by: str | None = None) -> int:
        """Set one attribute to one value (any JSON value) for many articles; return how
        many."""
        attribute = _check_key(attribute, "attribute")
        values = {"value": json.dumps(value, ensure_ascii=False), "updated_at": _now(),
                  "updated_by": by}
        count = 0
        with self.store.write() as conn:
            for chunk in _chunks(_skus(skus), CHUNK):
                _upsert(conn, _overrides, {"marketplace_id": marketplace_id,
                                           "attribute": attribute}, "sku",
                        [{"sku": sku, **values} for sku in chunk], None)
                count += len(chunk)
        return count

    def clear_override(self, marketplace_id: str, skus: Iterable[str], attribute: str) -> int:
        """Remove an attribute's override from articles; return how many had one."""
        return self._delete(_overrides, {"marketplace_id": marketplace_id,
                                         "attribute": attribute}, skus)

    def overrides(self, marketplace_id: str, skus: Iterable[str] | None = None,
                  ) -> dict[str, dict[str, Any]]:
        """{sku: {attribute: value}} of the given articles (all for None) with overrides."""
        query = select(_overrides.c.sku, _overrides.c.attribute, _overrides.c.value).where(
            _overrides.c.marketplace_id == marketplace_id)
        result: dict[str, dict[str, Any]] = {}
        for sku, attribute, value in self._rows(query, _overrides.c.sku, skus):
            result.setdefault(sku, {})[attribute] = json.loads(value)
        return result

    # -- snapshots -------------------------------------------------------------------------

    def snapshot(self, channel: str, sku: str) -> tuple[str, dict[str, Any]] | None:
        """(product type, attributes) Amazon last accepted for a SKU on a channel, or None."""
        return self.snapshots(channel, [sku]).get(sku)

    def snapshots(self, channel: str, skus: Iterable[str],
                  ) -> dict[str, tuple[str, dict[str, Any]]]:
        """{sku: (product type, attributes)} of the SKUs that have a snapshot."""
        query = select(_snapshots.c.sku, _snapshots.c.product_type,
                       _snapshots.c.attributes).where(_snapshots.c.channel == channel)
        return {sku: (ptype, json.loads(attributes))
                for sku, ptype, attributes in self._rows(query, _snapshots.c.sku, skus)}

    def save_snapshots(self, channel: str,
                       items: Iterable[tuple[str, str, dict[str, Any]]],
                       run_id: int | None) -> int:
        """Store what Amazon accepted: (sku, product type, attributes); return how many."""
        now = _now()
        count = 0
        with self.store.write() as conn:
            for chunk in _chunks(items, CHUNK):
                rows = {sku: {"sku": _check_key(sku, "SKU"), "product_type": ptype,
                              "attributes": json.dumps(attributes, ensure_ascii=False),
                              "accepted_at": now, "run_id": run_id}
                        for sku, ptype, attributes in chunk}
                _upsert(conn, _snapshots, {"channel": channel}, "sku", list(rows.values()),
                        None)
                count += len(rows)
        return count

    # -- helpers ---------------------------------------------------------------------------

    def _read(self, query: Any) -> list[Any]:
        with self.store.engine.connect() as conn:
            return list(conn.execute(query))

    def _rows(self, query: Any, key: ColumnElement[Any],
              keys: Iterable[str] | None) -> Iterator[Sequence[Any]]:
        with self.store.engine.connect() as conn:
            if keys is None:
                yield from conn.execute(query)
                return
            for chunk in _chunks(dict.fromkeys(keys), CHUNK):
                yield from conn.execute(query.where(key.in_(chunk)))

    def _delete(self, table: Any, fixed: dict[str, str], skus: Iterable[str]) -> int:
        count = 0
        with self.store.write() as conn:
            for chunk in _chunks(dict.fromkeys(skus), CHUNK):
                where = [table.c[k] == v for k, v in fixed.items()]
                result = conn.execute(delete(table).where(*where, table.c.sku.in_(chunk)))
                count += result.rowcount
        return count

    def _unknown_node(self, marketplace_id: str, node_id: str) -> CatalogueError:
        """The error for a node id that is not stored, naming the nearest known ones."""
        if node_id.isdigit():
            prefix = node_id[: max(1, len(node_id) - 3)]
            near = [c.node_id for c in self._nodes_like(marketplace_id, prefix)]
            close = difflib.get_close_matches(node_id, near, n=3, cutoff=0.5)
            named = ", ".join(close[:-1]) + " or " + close[-1] if len(close) > 1 else \
                "".join(close)
            hint = f" (did you mean {named}?)" if close else ""
        else:
            found = self.search_categories(marketplace_id, node_id, limit=5)
            hint = ("; categories whose path holds it: " + ", ".join(
                f"{c.node_id} ({c.path})" for c in found)) if found else ""
        total = self.category_count(marketplace_id)
        where = (f"the {total} categories of marketplace {marketplace_id}" if total else
                 f"marketplace {marketplace_id}, which has no categories yet (import a "
                 f"Browse Tree Guide first)")
        return CatalogueError(f"category {node_id!r} is not among {where}{hint}",
                              node_id=node_id, marketplace_id=marketplace_id)

    def _nodes_like(self, marketplace_id: str, prefix: str) -> list[CategoryInfo]:
        query = (select(*_CATEGORY_COLUMNS)
                 .where(_categories.c.marketplace_id == marketplace_id,
                        _categories.c.node_id.startswith(prefix, autoescape=True))
                 .limit(200))
        return [CategoryInfo(*row) for row in self._read(query)]


def _upsert(conn: Connection, table: Any, fixed: dict[str, str], key: str,
            rows: list[dict[str, Any]], compare: Sequence[str] | None) -> tuple[int, int]:
    """Insert the rows whose key is new, update the others; return (inserted, updated).

    ``fixed`` are the other key columns, the same for all rows. With ``compare``, a stored
    row is updated only when one of those columns differs.
    """
    where = [table.c[k] == v for k, v in fixed.items()]
    columns = [table.c[key], *(table.c[c] for c in compare or ())]
    existing = {row[0]: tuple(row[1:]) for row in conn.execute(
        select(*columns).where(*where, table.c[key].in_([r[key] for r in rows])))}
    new = [{**fixed, **row} for row in rows if row[key] not in existing]
    changed = [row for row in rows if row[key] in existing and (
        compare is None or tuple(row[c] for c in compare) != existing[row[key]])]
    if new:
        conn.execute(insert(table), new)
    if changed:
        statement = update(table).where(
            *(table.c[k] == bindparam(f"k_{k}") for k in fixed),
            table.c[key] == bindparam(f"k_{key}"))
        conn.execute(statement, [{**row, **{f"k_{k}": v for k, v in fixed.items()},
                                  f"k_{key}": row[key]} for row in changed])
    return len(new), len(changed)


def _skus(skus: Iterable[str]) -> Iterator[str]:
    """The SKUs checked and without repeats, in their order."""
    seen: set[str] = set()
    for sku in skus:
        sku = _check_key(sku, "SKU")
        if sku not in seen:
            seen.add(sku)
            yield sku


def _check_key(value: str, what: str) -> str:
    text = str(value).strip()
    if not text or len(text) > KEY_LENGTH:
        raise CatalogueError(f"{what} {value!r} is not usable: expected 1 to {KEY_LENGTH} "
                             f"characters", value=str(value)[:KEY_LENGTH])
    return text


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _now() -> datetime:
    return datetime.now(UTC)
