"""The seller's listings: changes (put, partial update, patch, delete) and their views.

Both the Listings Items API and the ``JSON_LISTINGS_FEED`` go through
``Listings.submit``, so a feed message and an API call with the same content give the
same result and the same issues. A submission with an ERROR issue changes nothing;
warnings are kept on the listing and shown by ``getListingsItem`` (``issues``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.amazon.simulator import attributes as attrs
from server.amazon.simulator.attributes import Problem, problem
from server.amazon.simulator.params import iso
from server.amazon.simulator.product_types import find

FULL = ("PUT", "UPDATE")
OPERATIONS = ("PUT", "UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE")


@dataclass
class Listing:
    sku: str
    product_type: str
    attributes: dict[str, Any]
    marketplace_ids: set[str]
    asin: str
    created: datetime
    updated: datetime
    requirements: str = "LISTING"
    issues: list[Problem] = field(default_factory=list)

    def first(self, name: str, key: str = "value") -> Any:
        values = self.attributes.get(name) or [{}]
        return values[0].get(key) if isinstance(values[0], dict) else None

    def quantity(self) -> int:
        for item in self.attributes.get("fulfillment_availability", []):
            if item.get("fulfillment_channel_code") == "DEFAULT":
                return int(item.get("quantity") or 0)
        return 0

    def set_quantity(self, quantity: int) -> None:
        for item in self.attributes.get("fulfillment_availability", []):
            if item.get("fulfillment_channel_code") == "DEFAULT":
                item["quantity"] = max(0, quantity)

    def price(self, marketplace_id: str) -> tuple[float, str] | None:
        """The B2C price with tax and its currency in ``marketplace_id``, if any."""
        for offer in self.attributes.get("purchasable_offer", []):
            if offer.get("marketplace_id", marketplace_id) != marketplace_id or \
                    offer.get("audience", "ALL") != "ALL":
                continue
            try:
                value = offer["our_price"][0]["schedule"][0]["value_with_tax"]
            except (KeyError, IndexError, TypeError):
                continue
            return float(value), str(offer.get("currency", "EUR"))
        return None

    def statuses(self, marketplace_id: str) -> list[str]:
        out = []
        if self.price(marketplace_id) and self.quantity() > 0:
            out.append("BUYABLE")
        if self.first("item_name"):
            out.append("DISCOVERABLE")
        return out


@dataclass
class Outcome:
    status: str  # ACCEPTED, INVALID, VALID
    problems: list[Problem]
    listing: Listing | None


class Listings:
    """The listings of the simulated seller, by SKU."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.items: dict[str, Listing] = {}

    def asin(self, sku: str) -> str:
        digest = hashlib.sha256(f"{self.seed}:{sku}".encode()).digest()
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        return "B0" + "".join(alphabet[byte % 36] for byte in digest[:8])

    def get(self, sku: str, marketplace_id: str | None = None) -> Listing | None:
        listing = self.items.get(sku)
        if listing is None or (marketplace_id and marketplace_id not in listing.marketplace_ids):
            return None
        return listing

    def submit(self, *, sku: str, marketplace_id: str, operation: str, now: datetime,
               product_type: str | None = None, attributes: dict[str, Any] | None = None,
               patches: list[dict[str, Any]] | None = None, requirements: str = "LISTING",
               preview: bool = False, locale: str | None = None) -> Outcome:
        """Check and (unless ``preview`` or invalid) apply one change to ``sku``."""
        existing = self.get(sku, marketplace_id)
        if operation == "DELETE":
            if existing is None:
                return Outcome("INVALID", [problem(attrs.SKU_NOT_FOUND, locale, sku=sku)], None)
            if not preview:
                existing.marketplace_ids.discard(marketplace_id)
                if not existing.marketplace_ids:
                    del self.items[sku]
            return Outcome("VALID" if preview else "ACCEPTED", [], existing)
        found = find(product_type or "")
        if found is None:
            return Outcome("INVALID", [problem(attrs.UNKNOWN_PRODUCT_TYPE, locale,
                                               product_type=product_type)], existing)
        if operation == "PATCH" and existing is None:
            return Outcome("INVALID", [problem(attrs.SKU_NOT_FOUND, locale, sku=sku)], None)
        only: set[str] | None = None
        if operation in FULL or existing is None:
            new = dict(attributes or {})
        elif operation == "PARTIAL_UPDATE":
            new = {**existing.attributes, **(attributes or {})}
            only = set(attributes or {})
        else:
            new, only, path_problems = attrs.apply_patches(existing.attributes, patches or [],
                                                           found, locale)
            if path_problems:
                return Outcome("INVALID", path_problems, existing)
            requirements = existing.requirements
        problems = attrs.check(found, new, requirements=requirements, locale=locale,
                               only=only)
        if any(item.severity == "ERROR" for item in problems):
            return Outcome("INVALID", problems, existing)
        if preview:
            return Outcome("VALID", problems, existing)
        listing = existing or self.items.get(sku)
        if listing is None:
            listing = Listing(sku, found.name, new, set(), self.asin(sku), now, now,
                              requirements)
            self.items[sku] = listing
        listing.product_type, listing.attributes, listing.updated = found.name, new, now
        listing.marketplace_ids.add(marketplace_id)
        if operation in FULL:
            listing.requirements = requirements
            listing.issues = [item for item in problems if item.severity != "ERROR"]
        return Outcome("ACCEPTED", problems, listing)


INCLUDED = ("summaries", "attributes", "issues", "offers", "fulfillmentAvailability",
            "procurement", "relationships", "productTypes")


def item_view(listing: Listing, included: list[str], marketplace_id: str) -> dict[str, Any]:
    """``listing`` as the Listings Items API's ``Item`` with the requested parts."""
    out: dict[str, Any] = {"sku": listing.sku}
    if "summaries" in included:
        summary: dict[str, Any] = {
            "marketplaceId": marketplace_id, "asin": listing.asin,
            "productType": listing.product_type,
            "status": listing.statuses(marketplace_id),
            "createdDate": iso(listing.created), "lastUpdatedDate": iso(listing.updated)}
        condition = listing.first("condition_type")
        if condition:
            summary["conditionType"] = condition
        if listing.first("item_name"):
            summary["itemName"] = listing.first("item_name")
        image = listing.first("main_product_image_locator", "media_location")
        if image:
            summary["mainImage"] = {"link": image, "height": 500, "width": 500}
        out["summaries"] = [summary]
    if "attributes" in included:
        out["attributes"] = listing.attributes
    if "issues" in included:
        out["issues"] = [item.issue() for item in listing.issues]
    if "offers" in included:
        price = listing.price(marketplace_id)
        out["offers"] = [] if price is None else [{
            "marketplaceId": marketplace_id, "offerType": "B2C",
            "price": {"currencyCode": price[1], "amount": f"{price[0]:.2f}"},
            "audience": {"value": "ALL", "displayName": "Alle Kunden"}}]
    if "fulfillmentAvailability" in included:
        out["fulfillmentAvailability"] = [
            {"fulfillmentChannelCode": item.get("fulfillment_channel_code", "DEFAULT"),
             "quantity": int(item.get("quantity") or 0)}
            for item in listing.attributes.get("fulfillment_availability", [])]
    if "procurement" in included:
        out["procurement"] = []
    if "relationships" in included:
        out["relationships"] = [{"marketplaceId": marketplace_id, "relationships": []}]
    if "productTypes" in included:
        out["productTypes"] = [{"marketplaceId": marketplace_id,
                                "productType": listing.product_type}]
    return out
