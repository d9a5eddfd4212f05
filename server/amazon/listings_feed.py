"""The ``amazon-listings-feed`` target: a JSON_LISTINGS_FEED document for stock and prices.

Amazon removed the flat-file price and quantity feeds in July 2025; stock and prices go
as JSON listings feed messages (schema "Selling Partner Listings Feed (v2)"), one per
SKU, each patching ``fulfillment_availability`` and ``purchasable_offer``::

    {"header": {"sellerId": "A2DEMOSELLER1", "version": "2.0", "issueLocale": "en_US"},
     "messages": [{"messageId": 1, "sku": "A-100001", "operationType": "PATCH",
                   "productType": "PRODUCT", "patches": [...]}]}

Fields the target understands: ``sku`` (required), ``price``, ``quantity``,
``handling-time`` (days until shipped), ``currency`` and ``product-type``; other fields
are ignored. ``price-floor`` and ``price-ceiling`` are the price guard: a record whose
price lies outside them is refused (it fails, with the reason in the logbook) and not
sent. The seller id and marketplace id come from the channel. A feed holds at most
25,000 messages; more continue in ``NAME-part2.json`` and so on. All parts appear only
when the run succeeds. When the channel's mode is ``sp-api`` or ``simulator``, the parts
are then sent to Amazon and its processing report comes back as ``issues()``
(``server.amazon.submission``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from server.actions.model import Target
from server.amazon import log
from server.amazon.spapi.marketplaces import MARKETPLACES, find_marketplace
from server.amazon.submission import submit_feeds
from server.engine.base import Artefact, Row, RunContext, register_target
from server.engine.targets.atomic import AtomicFile
from server.errors import TargetError

MAX_MESSAGES = 25_000


@register_target("amazon-listings-feed")
def listings_feed(target: Target, ctx: RunContext) -> ListingsFeedWriter:
    return ListingsFeedWriter(target, ctx)


class ListingsFeedWriter:
    """Writes PATCH (or PARTIAL_UPDATE) messages for stock and prices."""

    def __init__(self, target: Target, ctx: RunContext) -> None:
        self.ctx = ctx
        self.path = ctx.path(target.option("file"))
        self.product_type = target.option("product-type", "PRODUCT")
        self.operation = target.option("operation", "patch")
        channel = ctx.channel()
        self.seller_id = str(channel.get("seller_id", "")).strip()
        if not self.seller_id:
            raise TargetError(f"channel {ctx.action.channel!r} has no seller_id; the listings "
                              "feed needs it in its header", channel=ctx.action.channel)
        self.marketplace_id = _marketplace_id(channel, ctx.action.channel)
        self.currency = ctx.setting("currency", str(channel.get("currency", "EUR")))
        self.parts: list[AtomicFile] = []
        self.counts: list[int] = []
        self.late: list[tuple[str | None, str, str]] = []
        self.index: dict[str, int] = {}

    def open(self, columns: list[str]) -> None:
        self.index = {name: columns.index(name) for name in
                      ("sku", "price", "quantity", "handling-time", "currency", "product-type",
                       "price-floor", "price-ceiling")
                      if name in columns}
        if "sku" not in self.index:
            raise TargetError(f"the amazon-listings-feed target needs a field named 'sku'; "
                              f"the task's fields are: {', '.join(columns)}")
        if "price" not in self.index and "quantity" not in self.index:
            raise TargetError("the amazon-listings-feed target needs a field 'price' or "
                              f"'quantity' (or both); the task's fields are: {', '.join(columns)}")

    def write(self, rows: list[Row]) -> list[tuple[int, str]]:
        rejected = []
        for number, row in enumerate(rows):
            try:
                message = self._message(row)
            except ValueError as exc:
                rejected.append((number, f"record {row[self.index['sku']]}: {exc}"))
                continue
            self._emit(message)
        return rejected

    def commit(self) -> list[Artefact]:
        if not self.parts:
            raise TargetError("no record reached the listings feed; Amazon refuses a feed "
                              "without messages, so no file was written")
        artefacts = []
        for part, count in zip(self.parts, self.counts, strict=True):
            part.file.write(b"\n]}\n")
            if self.ctx.dry_run:
                part.abort()
            else:
                part.commit()
                artefacts.append(Artefact(str(part.final), "file", count))
        if self.ctx.dry_run:
            log.info("dry run: listings feed %s not written", self.path)
            return artefacts
        instance = getattr(self.ctx, "instance", None)
        if instance is not None:  # sp-api / simulator: send it (the file stays as a record)
            self.late = [(i.sku, i.severity, i.message) for i in submit_feeds(
                instance, self.ctx.action.channel, [part.final for part in self.parts])]
        return artefacts

    def issues(self) -> list[tuple[str | None, str, str]]:
        """What Amazon reported on the sent feeds: (sku, severity, message)."""
        return self.late

    def abort(self) -> None:
        for part in self.parts:
            part.abort()

    # ----- building messages -----------------------------------------------------------

    def _emit(self, message: dict[str, Any]) -> None:
        if not self.parts or self.counts[-1] >= MAX_MESSAGES:
            self._new_part()
        self.counts[-1] += 1
        message["messageId"] = self.counts[-1]
        separator = b"\n  " if self.counts[-1] == 1 else b",\n  "
        self.parts[-1].file.write(separator + orjson.dumps(message))

    def _new_part(self) -> None:
        number = len(self.parts) + 1
        path = self.path if number == 1 else _part_path(self.path, number)
        part = AtomicFile(path)
        header = {"sellerId": self.seller_id, "version": "2.0", "issueLocale": "en_US"}
        part.file.write(b'{"header": ' + orjson.dumps(header) + b',\n "messages": [')
        self.parts.append(part)
        self.counts.append(0)

    def _message(self, row: Row) -> dict[str, Any]:
        get = self.index.get
        sku = _text(row[self.index["sku"]])
        if not sku:
            raise ValueError("the sku is empty")
        if len(sku) > 40:
            raise ValueError(f"the sku {sku!r} is longer than Amazon's 40 characters")
        patches = []
        if (i := get("quantity")) is not None:
            availability: dict[str, Any] = {"fulfillment_channel_code": "DEFAULT",
                                            "quantity": _quantity(row[i])}
            if (h := get("handling-time")) is not None and row[h] not in (None, ""):
                availability["lead_time_to_ship_max_days"] = _whole(row[h], "handling-time")
            patches.append(self._patch("fulfillment_availability", availability))
        if (i := get("price")) is not None:
            self._guard(row, row[i])
            currency = _text(row[c]) if (c := get("currency")) is not None else self.currency
            offer = {"marketplace_id": self.marketplace_id, "currency": currency or
                     self.currency, "audience": "ALL",
                     "our_price": [{"schedule": [{"value_with_tax": _price(row[i])}]}]}
            patches.append(self._patch("purchasable_offer", offer))
        product_type = self.product_type
        if (p := get("product-type")) is not None and row[p]:
            product_type = _text(row[p])
        message: dict[str, Any] = {"messageId": 0, "sku": sku, "productType": product_type}
        if self.operation == "partial-update":
            message["operationType"] = "PARTIAL_UPDATE"
            message["attributes"] = {p["path"].rsplit("/", 1)[1]: p["value"] for p in patches}
        else:
            message["operationType"] = "PATCH"
            message["patches"] = patches
        return message

    def _guard(self, row: Row, price: Any) -> None:
        """Refuse a price outside the record's floor and ceiling (the price guard)."""
        value = _number(price, "price")
        for field, wrong in (("price-floor", "below"), ("price-ceiling", "above")):
            i = self.index.get(field)
            if i is None or row[i] in (None, ""):
                continue
            limit = _number(row[i], field)
            if (value < limit) if wrong == "below" else (value > limit):
                raise ValueError(f"price {value} is {wrong} the {field} {limit}; the price "
                                 "guard keeps it from being sent (check the price or the "
                                 f"{field} formula)")

    @staticmethod
    def _patch(attribute: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"op": "replace", "path": f"/attributes/{attribute}", "value": [value]}


def _marketplace_id(channel: dict[str, Any], name: str) -> str:
    explicit = str(channel.get("marketplace_id", "")).strip()
    if explicit:
        return explicit
    code = str(channel.get("marketplace", "")).strip()
    found = find_marketplace(code)
    if found is not None:
        return found.id
    if len(code) > 3:  # already an id
        return code
    raise TargetError(f"channel {name!r}: marketplace {code!r} is not known; set "
                      f"marketplace_id, or marketplace to one of {', '.join(MARKETPLACES)}",
                      channel=name)


def _part_path(path: Path, number: int) -> Path:
    return path.with_name(f"{path.stem}-part{number}{path.suffix}")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any, field: str) -> Decimal:
    if value is None or value == "":
        raise ValueError(f"{field} is empty")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{field} {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{field} {value!r} is not a number")
    return number


def _price(value: Any) -> float:
    number = _number(value, "price")
    if number <= 0:
        raise ValueError(f"price {value} must be greater than 0")
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(f"price {value} has more than 2 decimals; round it in the formula, "
                         "e.g. round(A.VK1 * 1.2, 2)")
    return float(number)  # two decimals print back exactly as a JSON number


def _quantity(value: Any) -> int:
    quantity = _whole(value, "quantity")
    if quantity < 0:
        raise ValueError(f"quantity {value} is negative; use max(0, ...) in the formula")
    return quantity


def _whole(value: Any, field: str) -> int:
    number = _number(value, field)
    if number != number.to_integral_value():
        raise ValueError(f"{field} {value} is not a whole number")
    return int(number)
