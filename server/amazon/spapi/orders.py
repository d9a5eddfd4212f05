"""Orders: search and read orders (API 2026-01-01), confirm shipments (API v0).

Amazon deprecated the v0 order reads in 2026 in favour of 2026-01-01; ``confirmShipment``
stays on v0. ``Orders.search()`` follows ``pagination.nextToken`` through every page;
note that searchOrders refills only about once every three minutes (burst 20).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.amazon.spapi.client import SpApiClient, query_value, segment

BASE = "/orders/2026-01-01/orders"
V0 = "/orders/v0/orders"
INCLUDED_DATA = ("BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION",
                 "FULFILLMENT", "PACKAGES", "TAX", "PAYMENT", "FULFILLMENT_ORDERS")


@dataclass(frozen=True)
class ShippedItem:
    """One order item of a package, and how many of it the package holds."""

    order_item_id: str
    quantity: int
    transparency_codes: Sequence[str] = ()


@dataclass(frozen=True)
class Package:
    """A package of an order, for ``confirm_shipment``.

    ``reference`` is our own number for the package within the order (a positive number);
    confirming the same reference again corrects that package.
    """

    reference: str | int
    carrier_code: str
    tracking_number: str
    ship_date: datetime | str
    items: Sequence[ShippedItem] = field(default_factory=tuple)
    carrier_name: str | None = None
    shipping_method: str | None = None
    ship_from_supply_source_id: str | None = None

    def detail(self) -> dict[str, Any]:
        reference = str(self.reference)
        if not reference.isdigit() or int(reference) <= 0:
            raise ValueError(f"the package reference must be a positive number, "
                             f"not {self.reference!r}")
        if not self.items:
            raise ValueError("a package needs at least one order item")
        detail: dict[str, Any] = {
            "packageReferenceId": reference, "carrierCode": self.carrier_code,
            "carrierName": self.carrier_name, "shippingMethod": self.shipping_method,
            "trackingNumber": self.tracking_number, "shipDate": query_value(self.ship_date),
            "shipFromSupplySourceId": self.ship_from_supply_source_id,
            "orderItems": [_item(item) for item in self.items],
        }
        return {k: v for k, v in detail.items() if v is not None}


class Orders:
    """The order operations of one channel."""

    def __init__(self, client: SpApiClient) -> None:
        self.client = client
        self.config = client.config

    def search_pages(self, *, created_after: datetime | str | None = None,
                     last_updated_after: datetime | str | None = None,
                     created_before: datetime | str | None = None,
                     last_updated_before: datetime | str | None = None,
                     fulfillment_statuses: Sequence[str] | None = None,
                     fulfilled_by: Sequence[str] | None = None,
                     marketplace_ids: Sequence[str] | None = None,
                     included_data: Sequence[str] | None = None,
                     max_results_per_page: int = 100) -> Iterator[dict[str, Any]]:
        """Yield every page of searchOrders; give exactly one of the two "after" times."""
        if (created_after is None) == (last_updated_after is None):
            raise ValueError("give exactly one of created_after and last_updated_after")
        if not 1 <= max_results_per_page <= 100:
            raise ValueError("max_results_per_page must be between 1 and 100")
        for name in included_data or ():
            if name not in INCLUDED_DATA:
                raise ValueError(f"included_data {name!r} is not one of {INCLUDED_DATA}")
        params: dict[str, Any] = {
            "createdAfter": created_after, "createdBefore": created_before,
            "lastUpdatedAfter": last_updated_after, "lastUpdatedBefore": last_updated_before,
            "fulfillmentStatuses": fulfillment_statuses, "fulfilledBy": fulfilled_by,
            "marketplaceIds": list(marketplace_ids or [self.config.marketplace_id]),
            "includedData": included_data, "maxResultsPerPage": max_results_per_page,
        }
        while True:
            page = self.client.request("searchOrders", "GET", BASE, params=params).data
            yield page
            token = (page.get("pagination") or {}).get("nextToken")
            if not token:
                return
            params = {**params, "paginationToken": token}

    def search(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Yield every order of every page (arguments as for ``search_pages``)."""
        for page in self.search_pages(**kwargs):
            yield from page.get("orders", [])

    def get(self, order_id: str, *,
            included_data: Sequence[str] | None = None) -> dict[str, Any]:
        """getOrder: one order with its items."""
        data = self.client.request("getOrder", "GET", f"{BASE}/{segment(order_id)}",
                                   params={"includedData": included_data}).data
        return data["order"]

    def confirm_shipment(self, order_id: str, package: Package, *,
                         marketplace_id: str | None = None,
                         cod_collection_method: str | None = None) -> None:
        """confirmShipment (v0): tell Amazon a package left, with its tracking number."""
        body: dict[str, Any] = {
            "marketplaceId": marketplace_id or self.config.marketplace_id,
            "packageDetail": package.detail(),
        }
        if cod_collection_method:
            body["codCollectionMethod"] = cod_collection_method
        self.client.request("confirmShipment", "POST",
                            f"{V0}/{segment(order_id)}/shipmentConfirmation", json=body)


def _item(item: ShippedItem) -> dict[str, Any]:
    result: dict[str, Any] = {"orderItemId": item.order_item_id, "quantity": item.quantity}
    if item.transparency_codes:
        result["transparencyCodes"] = list(item.transparency_codes)
    return result
