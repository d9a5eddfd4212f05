"""The ``amazon-listings`` target: product data for Amazon, checked, then previewed,
validated or uploaded.

Each record is one article: ``sku``, optionally ``product-type``, and attribute fields named
by their attribute path (``item_name#1.value``, ``bullet_point#2.value``; the selectors
``marketplace_id`` and ``language_tag`` are filled in from the channel) or by the short
names the category-workbook target knows (``title``, ``brand``, ``ean``, ``quantity``,
``price``, ``handling-time``). For each record the target

1. finds the product type: the record's ``product-type``, else the article's assignment in
   the catalogue (``synccenter assign``), else the target's ``product-type`` option;
2. takes the product type's schema from the catalogue (fetched from the Product Type
   Definitions API and stored when the channel is live and it is missing);
3. adds the public URLs of the article's images uploaded by the images action (unless a
   field gives them), applies the article's overrides (``synccenter override``), builds
   the Listings API
   ``attributes`` object and checks its data quality: an article whose Dq1 is below 100 %
   fails, with a reason per missing or invalid attribute, and is not sent.

Then, by ``mode``: ``preview`` writes the JSON and an XLSX in Amazon's category-workbook
layout into the outbox; ``validate`` asks Amazon to check each listing
(``putListingsItem`` in ``VALIDATION_PREVIEW`` mode) and logs its issues per SKU;
``upload`` writes a ``JSON_LISTINGS_FEED`` holding only what changed since Amazon last
accepted the SKU (a snapshot per SKU in the store), sends it when the channel is live,
logs the field-level differences and Amazon's issues per SKU, and stores the new snapshots
of the SKUs Amazon took.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from server.actions.model import Target
from server.amazon import log
from server.amazon.template_xlsx import attribute_columns
from server.engine.base import Artefact, Row, RunContext, register_target
from server.engine.targets.atomic import AtomicFile
from server.engine.values import json_default
from server.errors import TargetError

MODES = ("preview", "validate", "upload", "quality")
MAX_MESSAGES = 25_000
MAX_FEED_BYTES = 9 * 2**20  # Amazon advises feeds under 10 MB
LANGUAGES = {"DE": "de_DE", "AT": "de_DE", "FR": "fr_FR", "IT": "it_IT", "ES": "es_ES",
             "UK": "en_GB", "GB": "en_GB", "NL": "nl_NL", "SE": "sv_SE", "PL": "pl_PL",
             "BE": "fr_BE", "US": "en_US"}
Issue = tuple[str | None, str, str]
WORKBOOK_ONLY = ("::", "contribution_sku#", "product_type#")


@register_target("amazon-listings")
def amazon_listings(target: Target, ctx: RunContext) -> ListingsTarget:
    return ListingsTarget(target, ctx)


class ListingsTarget:
    """Builds, checks and hands on the listings of one run."""

    def __init__(self, target: Target, ctx: RunContext) -> None:
        from server.amazon.spapi.channel import ChannelConfig

        self.ctx = ctx
        self.mode = target.option("mode", "preview")
        if self.mode not in MODES:
            raise TargetError(f"amazon-listings: mode {self.mode!r} is not one of "
                              f"{', '.join(MODES)}", line=target.line or None)
        self.file = ctx.path(target.option("file", "{outbox}/{channel}/listings-{timestamp}.json"))
        self.default_type = target.option("product-type", "")
        self.requirements = target.option("requirements", "LISTING")
        instance = getattr(ctx, "instance", None)
        if instance is None:
            raise TargetError("amazon-listings needs the instance (run it through run_task)")
        self.instance = instance
        self.config = ChannelConfig.from_instance(instance, ctx.action.channel)
        self.marketplace_id = self.config.marketplace_id
        self.language = target.option("language", "") or LANGUAGES.get(
            self.config.marketplace.country, "en_GB")
        self.defaults = {"marketplace_id": self.marketplace_id, "language_tag": self.language,
                         "currency": self.config.currency or "EUR", "audience": "ALL"}
        self.known = attribute_columns(self.marketplace_id, self.language,
                                       self.config.currency or "EUR")
        # The checked listings wait on disk, not in memory, until commit (100k articles are
        # several hundred MB as dicts).
        self._spool = tempfile.TemporaryFile(prefix="synccenter-listings-")
        self.count = 0
        self.table: list[tuple[str, str, Any]] = []  # quality mode: (sku, type, Quality|text)
        self.late: list[Issue] = []
        self._schemas: dict[str, Any] = {}
        self._builders: dict[str, Any] = {}
        self._checkers: dict[str, Any] = {}
        self._store: Any = None

    # -- the run ---------------------------------------------------------------------

    def open(self, columns: list[str]) -> None:
        if "sku" not in columns:
            raise TargetError("the amazon-listings target needs a field named 'sku'; the "
                              f"task's fields are: {', '.join(columns)}")
        self.columns = columns
        self.sku_index = columns.index("sku")
        self.type_index = columns.index("product-type") if "product-type" in columns else None
        self.paths: list[tuple[int, str]] = []
        for index, name in enumerate(columns):
            if name in ("sku", "product-type") or name.startswith(WORKBOOK_ONLY):
                continue  # the workbook's own columns are not attributes
            if "#" in name:
                self.paths.append((index, name))
            elif name in self.known:
                self.paths.append((index, _without_selectors(self.known[name][2])))
            else:
                log.info("amazon-listings: field %r is not an attribute path; not sent", name)

    def write(self, rows: list[Row]) -> list[tuple[int, str]]:
        from server.catalogue.catalogue import Catalogue

        catalogue = Catalogue(self._open_store())
        skus = [str(row[self.sku_index] or "").strip() for row in rows]
        from server.images.upload import locators

        present = [s for s in skus if s]
        assigned = catalogue.assignments(self.marketplace_id, present)
        overrides = catalogue.overrides(self.marketplace_id, present)
        images = locators(self._open_store(), self.ctx.action.channel, present)
        rejected = []
        for number, (row, sku) in enumerate(zip(rows, skus, strict=True)):
            try:
                product_type = self._product_type(row, sku, assigned)
                values = {path: row[index] for index, path in self.paths}
                for path, url in images.get(sku, {}).items():  # uploaded by amazon-images
                    if values.get(path) in (None, ""):
                        values[path] = url
                values.update(overrides.get(sku, {}))
                attributes = self._builder(product_type).build(values)
                quality = self._checker(product_type).check(attributes)
            except (ValueError, TargetError) as exc:
                text = exc.message if isinstance(exc, TargetError) else str(exc)
                if self.mode == "quality":
                    self.table.append((sku, "", text))
                    continue
                rejected.append((number, f"record {sku or '?'}: {text}"))
                continue
            if self.mode == "quality":  # every article is reported, none fails
                self.table.append((sku, product_type, quality))
                continue
            if not quality.ok:
                reasons = "; ".join(p.reason for p in quality.problems[:10])
                rejected.append((number, f"record {sku}: data quality Dq1 {quality.dq1:.0%} "
                                         f"(Dq2 {quality.dq2:.0%}) for {product_type}, not "
                                         f"sent: {reasons}"))
                continue
            self._spool.write(orjson.dumps([sku, product_type, attributes], default=json_default)
                              + b"\n")
            self.count += 1
        return rejected

    def commit(self) -> list[Artefact]:
        if self.ctx.dry_run:
            return []
        try:
            if self.mode == "preview":
                return self._preview()
            if self.mode == "validate":
                self._validate()
                return []
            if self.mode == "quality":
                from server.amazon.listings_preview import write_quality

                workbook = self.file.with_suffix(".xlsx")
                write_quality(workbook, self.table)
                return [Artefact(str(workbook), "file", len(self.table))]
            return self._upload()
        finally:
            self._close_store()
            self._spool.close()

    def abort(self) -> None:
        self._close_store()
        self._spool.close()

    def _kept(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """The checked listings, in order, read back from the spool file."""
        self._spool.flush()
        self._spool.seek(0)
        for line in self._spool:
            sku, product_type, attributes = orjson.loads(line)
            yield sku, product_type, attributes

    def _chunks(self, size: int = 1000) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
        listings = self._kept()
        while chunk := list(islice(listings, size)):
            yield chunk

    def issues(self) -> list[Issue]:
        return self.late

    # -- per record ------------------------------------------------------------------

    def _product_type(self, row: Row, sku: str, assigned: dict[str, Any]) -> str:
        if not sku:
            raise ValueError("the sku is empty")
        if self.type_index is not None and row[self.type_index]:
            return str(row[self.type_index]).strip()
        found = assigned.get(sku)
        if found and found[1]:
            return str(found[1])
        if self.default_type:
            return self.default_type
        raise ValueError("no product type: assign a category to the article (synccenter "
                         "assign) or give the task a product-type field")

    def _schema(self, product_type: str) -> Any:
        if product_type not in self._schemas:
            from server.catalogue.catalogue import Catalogue

            catalogue = Catalogue(self._open_store())
            schema = catalogue.product_type(self.marketplace_id, product_type)
            if schema is None and self.config.remote:
                schema = self._fetch_schema(catalogue, product_type)
            if schema is None:
                raise TargetError(f"product type {product_type} is not imported for "
                                  f"{self.config.marketplace}; run synccenter product-types "
                                  f"import --api {product_type}")
            self._schemas[product_type] = schema
        return self._schemas[product_type]

    def _fetch_schema(self, catalogue: Any, product_type: str) -> Any:
        from server.amazon.spapi.client import SpApiClient
        from server.amazon.spapi.definitions import Definitions

        with SpApiClient(self.config) as client:
            definitions = Definitions(client)
            definition = definitions.get(product_type)
            schema = definitions.schema(definition)
        catalogue.save_product_type(self.marketplace_id, product_type, schema,
                                    display_name=definition.get("displayName"),
                                    version=str(definition.get("productTypeVersion", "")),
                                    locale=definition.get("locale"), source="api")
        return schema

    def _builder(self, product_type: str) -> Any:
        if product_type not in self._builders:
            from server.catalogue.attributes import AttributeBuilder

            self._builders[product_type] = AttributeBuilder(self._schema(product_type),
                                                            self.defaults)
        return self._builders[product_type]

    def _checker(self, product_type: str) -> Any:
        if product_type not in self._checkers:
            from server.catalogue.quality import QualityChecker

            self._checkers[product_type] = QualityChecker(self._schema(product_type),
                                                          requirements=self.requirements)
        return self._checkers[product_type]

    # -- the modes -------------------------------------------------------------------

    def _preview(self) -> list[Artefact]:
        from server.amazon.listings_preview import write_preview

        with AtomicFile(self.file) as out:
            out.file.write(b"[")
            for number, (sku, pt, attributes) in enumerate(self._kept()):
                out.file.write((b",\n " if number else b"\n ") + orjson.dumps(
                    {"sku": sku, "productType": pt, "attributes": attributes}))
            out.file.write(b"\n]\n")
        workbook = self.file.with_suffix(".xlsx")
        write_preview(workbook, self._kept, self.marketplace_id, self.language)
        return [Artefact(str(self.file), "file", self.count),
                Artefact(str(workbook), "file", self.count)]

    def _validate(self) -> None:
        from server.amazon.spapi.client import SpApiClient
        from server.amazon.spapi.listings import Listings

        if not self.config.remote:
            raise TargetError(f"channel {self.config.name!r} is in file mode: Amazon cannot "
                              "validate anything; use the preview task, or set mode = "
                              "\"sp-api\" (or \"simulator\")")
        with SpApiClient(self.config) as client:
            listings = Listings(client)
            for sku, product_type, attributes in self._kept():
                answer = listings.put(sku, product_type, attributes,
                                      requirements=self.requirements,
                                      mode="VALIDATION_PREVIEW", issue_locale=self.language)
                status = str(answer.get("status", ""))
                for issue in answer.get("issues", []) or []:
                    severity = str(issue.get("severity", "ERROR")).lower()
                    names = ", ".join(issue.get("attributeNames", []) or [])
                    self.late.append((sku, "error" if severity == "error" else "warning",
                                      f"Amazon: {issue.get('code', '')}"
                                      f"{f' ({names})' if names else ''}: "
                                      f"{issue.get('message', '')}"))
                if status != "VALID" and not any(i[0] == sku and i[1] == "error"
                                                 for i in self.late):
                    self.late.append((sku, "error", f"Amazon: the listing is {status}"))

    def _upload(self) -> list[Artefact]:
        from server.amazon.submission import submit_feeds
        from server.catalogue.attributes import diff, patches
        from server.catalogue.catalogue import Catalogue

        catalogue = Catalogue(self._open_store())
        channel = self.ctx.action.channel
        feeds = _FeedWriter(self.file, self.config.require_seller_id(), self.language)
        sent: set[str] = set()
        try:
            for chunk in self._chunks():
                before = catalogue.snapshots(channel, [sku for sku, _pt, _a in chunk])
                for sku, product_type, attributes in chunk:
                    old = before.get(sku)
                    if old is None or old[0] != product_type:
                        feeds.add({"sku": sku, "operationType": "UPDATE",
                                   "productType": product_type,
                                   "requirements": self.requirements,
                                   "attributes": attributes})
                        self.late.append((sku, "info", "new listing: all attributes sent"))
                    else:
                        changes = diff(old[1], attributes)
                        if not changes:
                            self.late.append((sku, "info", "unchanged since Amazon last took "
                                                           "it; not sent"))
                            continue
                        feeds.add({"sku": sku, "operationType": "PATCH",
                                   "productType": product_type,
                                   "patches": _plain(patches(old[1], attributes))})
                        self.late.append((sku, "info", "changed: " + "; ".join(
                            c.describe() for c in changes[:10])))
                    sent.add(sku)
            paths = feeds.commit()
        except BaseException:
            feeds.abort()
            raise
        artefacts = [Artefact(str(p), "file", n) for p, n in paths]
        if not paths or not self.config.remote:
            return artefacts
        found = submit_feeds(self.instance, channel, [p for p, _n in paths])
        refused = {i.sku for i in found if i.severity == "error"}
        self.late += [(i.sku, i.severity, i.message) for i in found]
        run_id = getattr(self.ctx, "run_id", None)
        for chunk in self._chunks():
            taken = [(sku, pt, attrs) for sku, pt, attrs in chunk
                     if sku in sent and sku not in refused]
            if taken:
                catalogue.save_snapshots(channel, taken, run_id)
        return artefacts

    # -- the store -------------------------------------------------------------------

    def _open_store(self) -> Any:
        if self._store is None:
            from server.store import Store

            self._store = Store.open(self.instance.store_url())
        return self._store

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class _FeedWriter:
    """JSON listings feed files written as messages come: a new part after 25,000 messages
    or about 9 MB; the parts appear only on commit."""

    def __init__(self, path: Path, seller_id: str, language: str) -> None:
        self.path = path
        self.header = orjson.dumps({"sellerId": seller_id, "version": "2.0",
                                    "issueLocale": language})
        self.parts: list[tuple[AtomicFile, int]] = []
        self.size = 0

    def add(self, message: dict[str, Any]) -> None:
        number = self.parts[-1][1] + 1 if self.parts else 1
        body = orjson.dumps({"messageId": number, **message}, default=json_default)
        if not self.parts or number > MAX_MESSAGES or self.size + len(body) > MAX_FEED_BYTES:
            self._new_part()
            body = orjson.dumps({"messageId": 1, **message}, default=json_default)
        part, count = self.parts[-1]
        part.file.write((b",\n  " if count else b"\n  ") + body)
        self.parts[-1] = (part, count + 1)
        self.size += len(body) + 4

    def _new_part(self) -> None:
        number = len(self.parts) + 1
        path = self.path if number == 1 else self.path.with_name(
            f"{self.path.stem}-part{number}{self.path.suffix}")
        part = AtomicFile(path)
        part.file.write(b'{"header": ' + self.header + b',\n "messages": [')
        self.parts.append((part, 0))
        self.size = 0

    def commit(self) -> list[tuple[Path, int]]:
        for part, _count in self.parts:
            part.file.write(b"\n]}\n")
            part.commit()
        return [(part.final, count) for part, count in self.parts]

    def abort(self) -> None:
        for part, _count in self.parts:
            part.abort()


def _without_selectors(path: str) -> str:
    """``item_name[marketplace_id=X][language_tag=Y]#1.value`` -> ``item_name#1.value``:
    the builder fills the selectors in from the channel."""
    name, _, rest = path.partition("#")
    return name.split("[", 1)[0] + "#" + rest if rest else path




def _plain(value: Any) -> Any:
    """The value as JSON types only (Decimal -> number), for the API client."""
    return orjson.loads(orjson.dumps(value, default=json_default))
