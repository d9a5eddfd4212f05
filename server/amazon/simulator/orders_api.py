"""Orders API 2026-01-01 (``searchOrders``, ``getOrder``) and v0 ``confirmShipment``.

``searchOrders`` needs exactly one of ``createdAfter`` and ``lastUpdatedAfter``; the
matching ``...Before`` must not be later than two minutes before now and defaults to
that, and the response echoes the bound it used. Pages hold ``maxResultsPerPage`` orders
(1..100, default 100); ``pagination.nextToken`` is passed back as ``paginationToken``
(valid 24 hours; the token carries the filters). Buyer data (``buyer``) and the delivery
address (``recipient``) appear only when ``includedData`` asks for BUYER or RECIPIENT, and
the address not while the order is PENDING. PROCEEDS, FULFILLMENT and PACKAGES add those
parts; the other datasets are accepted and add nothing.

``confirmShipment`` checks the order (404 if unknown; 400 if pending or cancelled), the
marketplace, the package reference id (a positive number in a string), the carrier code
(exactly as in Amazon's list, case-sensitive; ``Other`` needs ``carrierName``), the
tracking number, the ship date (not in the future, not before the order) and the items
(known ids, quantities not above what is left to ship). Sending a package reference id
again with the same items corrects that package; shipping items already shipped answers
400. Success is 204 without a body.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from difflib import get_close_matches
from typing import Any

from server.amazon.simulator.errors import ApiError, invalid, not_found
from server.amazon.simulator.marketplaces import MARKETPLACES
from server.amazon.simulator.orders import Order, Package
from server.amazon.simulator.params import (
    STRING,
    Param,
    iso,
    json_body,
    parse_query,
    parse_time,
)
from server.amazon.simulator.routing import api, sim

INCLUDED = ("BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION",
            "FULFILLMENT", "PACKAGES", "TAX", "PAYMENT", "FULFILLMENT_ORDERS")
STATUSES = ("PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED",
            "CANCELLED", "UNFULFILLABLE")
# Carrier codes Amazon accepts (a subset of its list, the ones used from Europe).
CARRIER_CODES = (
    "DHL", "DHL Express", "DHL eCommerce", "Deutsche Post", "DPD", "Hermes",
    "Hermes Logistik Gruppe", "GLS", "UPS", "UPS Mail Innovations", "FedEx", "TNT",
    "GO!", "Amazon Shipping", "Royal Mail", "Parcelforce", "Yodel", "Evri", "Chronopost",
    "Colissimo", "La Poste", "Poste Italiane", "SDA", "BRT", "Correos", "SEUR", "MRW",
    "Nacex", "PostNL", "Bpost", "Austrian Post", "Swiss Post", "Asendia", "Other")
SEARCH_PARAMS = (
    Param("createdAfter", "datetime"), Param("createdBefore", "datetime"),
    Param("lastUpdatedAfter", "datetime"), Param("lastUpdatedBefore", "datetime"),
    Param("fulfillmentStatuses", "list", enum=STATUSES),
    Param("marketplaceIds", "list", max_items=50),
    Param("fulfilledBy", "list", enum=("MERCHANT", "AMAZON")),
    Param("maxResultsPerPage", "int", minimum=1, maximum=100, default=100),
    Param("paginationToken"), Param("includedData", "list", enum=INCLUDED, default=[]))
_TOKEN_HOURS = 24
_ORDER_ITEM = {"type": "object", "required": ["orderItemId", "quantity"],
               "additionalProperties": False,
               "properties": {"orderItemId": STRING, "quantity": {"type": "integer"},
                              "transparencyCodes": {"type": "array", "items": STRING}}}
CONFIRM_BODY = {
    "type": "object", "required": ["marketplaceId", "packageDetail"],
    "additionalProperties": False,
    "properties": {
        "marketplaceId": STRING,
        "codCollectionMethod": {"type": "string", "enum": ["DirectPayment"]},
        "packageDetail": {
            "type": "object", "additionalProperties": False,
            "required": ["packageReferenceId", "carrierCode", "trackingNumber", "shipDate",
                         "orderItems"],
            "properties": {"packageReferenceId": {"type": "string"}, "carrierCode": STRING,
                           "carrierName": {"type": "string"},
                           "shippingMethod": {"type": "string"},
                           "trackingNumber": {"type": "string"},
                           "shipDate": {"type": "string"},
                           "shipFromSupplySourceId": {"type": "string"},
                           "orderItems": {"type": "array", "minItems": 1,
                                          "items": _ORDER_ITEM}}}}}


def _money(amount: float, currency: str) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currencyCode": currency}


def order_view(order: Order, included: list[str], now: datetime) -> dict[str, Any]:
    """``order`` as the 2026-01-01 ``Order`` with the requested datasets."""
    status = order.status(now)
    market = MARKETPLACES[order.marketplace_id]
    out: dict[str, Any] = {
        "orderId": order.id, "createdTime": iso(order.created),
        "lastUpdatedTime": iso(order.last_updated(now)),
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": market.id,
                         "marketplaceName": market.name}}
    if "BUYER" in included:
        out["buyer"] = {"buyerName": order.buyer_name, "buyerEmail": order.buyer_email}
    if "RECIPIENT" in included and status != "PENDING":
        out["recipient"] = {"deliveryAddress": dict(order.address)}
    currency = order.items[0].currency
    if "PROCEEDS" in included:
        out["proceeds"] = {"grandTotal": _money(order.total(), currency)}
    if "FULFILLMENT" in included:
        days = 1 if order.service_level == "EXPEDITED" else 2
        out["fulfillment"] = {
            "fulfillmentStatus": status, "fulfilledBy": "MERCHANT",
            "fulfillmentServiceLevel": order.service_level,
            "shipByWindow": {"earliestDateTime": iso(order.created),
                             "latestDateTime": iso(order.created + timedelta(days=days))},
            "deliverByWindow": {"earliestDateTime": iso(order.created + timedelta(days=days)),
                                "latestDateTime": iso(order.created
                                                      + timedelta(days=days + 3))}}
    items = []
    for item in order.items:
        entry: dict[str, Any] = {
            "orderItemId": item.item_id, "quantityOrdered": item.quantity,
            "product": {"asin": item.asin, "title": item.title, "sellerSku": item.sku,
                        "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                        "price": {"unitPrice": _money(item.unit_price, item.currency)}}}
        if "PROCEEDS" in included:
            total = _money(item.unit_price * item.quantity, item.currency)
            entry["proceeds"] = {"proceedsTotal": total,
                                 "breakdowns": [{"type": "ITEM", "subtotal": total}]}
        if "FULFILLMENT" in included:
            shipped = min(order.shipped(item.item_id), item.quantity)
            entry["fulfillment"] = {"quantityFulfilled": shipped,
                                    "quantityUnfulfilled": item.quantity - shipped}
        items.append(entry)
    out["orderItems"] = items
    if "PACKAGES" in included:
        out["packages"] = [{
            "packageReferenceId": package.reference_id, "createdTime": iso(package.created),
            "packageStatus": {"status": "SHIPPED"},
            "carrier": package.carrier_name or package.carrier_code,
            "shipTime": iso(package.ship_date),
            "shippingService": package.shipping_method or "Standard",
            "trackingNumber": package.tracking_number,
            "packageItems": [{"orderItemId": key, "quantity": value}
                             for key, value in package.items.items()]}
            for package in order.packages]
    return out


@api("GET", "/orders/2026-01-01/orders", "searchOrders")
def search_orders() -> dict[str, Any]:
    query = parse_query(SEARCH_PARAMS)
    simulator = sim()
    now = simulator.now()
    if query["paginationToken"]:
        filters, offset = _read_token(query["paginationToken"], now)
    else:
        filters, offset = _filters(query, now), 0
    by = "created" if filters["createdAfter"] else "updated"
    after = parse_time(filters["createdAfter"] or filters["lastUpdatedAfter"], "after")
    before = parse_time(filters["before"], "before")
    found = []
    for order in simulator.orders.items.values():
        stamp = order.created if by == "created" else order.last_updated(now)
        if not after <= stamp <= before:
            continue
        if filters["marketplaceIds"] and order.marketplace_id not in filters["marketplaceIds"]:
            continue
        if filters["fulfilledBy"] and "MERCHANT" not in filters["fulfilledBy"]:
            continue
        if filters["fulfillmentStatuses"] and \
                order.status(now) not in filters["fulfillmentStatuses"]:
            continue
        found.append((stamp, order.id, order))
    found.sort(key=lambda entry: (entry[0], entry[1]))
    size = query["maxResultsPerPage"]
    page = [entry[2] for entry in found[offset:offset + size]]
    out: dict[str, Any] = {"orders": [order_view(order, query["includedData"], now)
                                      for order in page]}
    if offset + size < len(found):
        out["pagination"] = {"nextToken": _make_token(filters, offset + size, now)}
    out["createdBefore" if by == "created" else "lastUpdatedBefore"] = filters["before"]
    return out


def _filters(query: dict[str, Any], now: datetime) -> dict[str, Any]:
    created = query["createdAfter"] is not None or query["createdBefore"] is not None
    updated = query["lastUpdatedAfter"] is not None or query["lastUpdatedBefore"] is not None
    if created and updated:
        raise invalid("Use either createdAfter/createdBefore or lastUpdatedAfter/"
                      "lastUpdatedBefore, not both.")
    if query["createdAfter"] is None and query["lastUpdatedAfter"] is None:
        raise invalid("Exactly one of 'createdAfter' and 'lastUpdatedAfter' is required.")
    after = query["createdAfter"] or query["lastUpdatedAfter"]
    limit = now - timedelta(minutes=2)
    before = query["createdBefore"] or query["lastUpdatedBefore"]
    name = "createdBefore" if created else "lastUpdatedBefore"
    if before is not None and before > limit:
        raise invalid(f"'{name}' must be at least two minutes before the time of the "
                      f"request ({iso(limit)} or earlier).")
    before = before or limit
    if after > before:
        raise invalid(f"'{'createdAfter' if created else 'lastUpdatedAfter'}' must not be "
                      f"after '{name}' ({iso(before)}).")
    return {"createdAfter": iso(after) if created else None,
            "lastUpdatedAfter": None if created else iso(after), "before": iso(before),
            "marketplaceIds": query["marketplaceIds"], "fulfilledBy": query["fulfilledBy"],
            "fulfillmentStatuses": query["fulfillmentStatuses"]}


def _make_token(filters: dict[str, Any], offset: int, now: datetime) -> str:
    data = {"f": filters, "o": offset, "x": iso(now + timedelta(hours=_TOKEN_HOURS))}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _read_token(token: str, now: datetime) -> tuple[dict[str, Any], int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        filters, offset, expires = data["f"], int(data["o"]), parse_time(data["x"], "x")
    except (ValueError, KeyError, TypeError, ApiError):
        raise invalid(f"Invalid paginationToken '{token}'.") from None
    if expires < now:
        raise invalid("The paginationToken has expired (tokens are valid for 24 hours).")
    return filters, offset


@api("GET", "/orders/2026-01-01/orders/<orderId>", "getOrder")
def get_order(orderId: str) -> dict[str, Any]:
    query = parse_query((Param("includedData", "list", enum=INCLUDED, default=[]),))
    simulator = sim()
    order = simulator.orders.items.get(orderId)
    if order is None:
        raise not_found(f"Order '{orderId}' not found.")
    return {"order": order_view(order, query["includedData"], simulator.now())}


@api("POST", "/orders/v0/orders/<orderId>/shipmentConfirmation", "confirmShipment")
def confirm_shipment(orderId: str) -> tuple[None, int]:
    parse_query(())
    simulator = sim()
    order = simulator.orders.items.get(orderId)
    if order is None:
        raise not_found(f"Order '{orderId}' not found.")
    body = json_body(CONFIRM_BODY)
    now = simulator.now()
    detail = body["packageDetail"]
    if body["marketplaceId"] != order.marketplace_id:
        raise invalid(f"Order {orderId} belongs to marketplace {order.marketplace_id}, not "
                      f"{body['marketplaceId']}.")
    status = order.status(now)
    if status in ("PENDING", "CANCELLED"):
        raise invalid(f"Order {orderId} is {status} and cannot be shipped.")
    reference = detail["packageReferenceId"]
    if not reference.isdigit() or int(reference) < 1:
        raise invalid("PackageReferenceId: is invalid, must be a positive numeric value.")
    carrier = detail["carrierCode"]
    if carrier not in CARRIER_CODES:
        hint = get_close_matches(carrier, CARRIER_CODES, n=1) or \
            [code for code in CARRIER_CODES if code.lower() == carrier.lower()]
        extra = f" Did you mean '{hint[0]}'? Carrier codes are case-sensitive." if hint else ""
        raise invalid(f"Invalid carrierCode '{carrier}'.{extra}")
    if carrier == "Other" and not detail.get("carrierName", "").strip():
        raise invalid("carrierName is required when carrierCode is 'Other'.")
    if not detail["trackingNumber"].strip():
        raise invalid("trackingNumber must not be empty.")
    ship_date = parse_time(detail["shipDate"], "shipDate")
    if "T" not in detail["shipDate"]:
        raise invalid("shipDate must be an ISO 8601 date-time such as 2026-03-02T14:00:00Z.")
    if ship_date > now + timedelta(minutes=5):
        raise invalid("shipDate must not be in the future.")
    if ship_date < order.created:
        raise invalid("shipDate must not be before the order date.")
    items = _package_items(order, detail["orderItems"], reference)
    existing = next((package for package in order.packages
                     if package.reference_id == reference), None)
    package = Package(reference, carrier, detail.get("carrierName"),
                      detail.get("shippingMethod"), detail["trackingNumber"], ship_date, items,
                      existing.created if existing else now)
    if existing is not None:
        order.packages[order.packages.index(existing)] = package
    else:
        order.packages.append(package)
    order.updated = now
    return None, 204


def _package_items(order: Order, entries: list[dict[str, Any]],
                   reference: str) -> dict[str, int]:
    known = {item.item_id: item for item in order.items}
    same = next((package for package in order.packages if package.reference_id == reference),
                None)
    out: dict[str, int] = {}
    for entry in entries:
        item = known.get(entry["orderItemId"])
        if item is None:
            raise invalid(f"Order item '{entry['orderItemId']}' is not part of order "
                          f"{order.id}.")
        if entry["quantity"] < 1:
            raise invalid(f"Quantity for order item {item.item_id} must be at least 1.")
        out[item.item_id] = out.get(item.item_id, 0) + entry["quantity"]
    if same is not None:
        if same.items != out:
            raise invalid(f"Package {reference} of order {order.id} was already confirmed "
                          "with other items; use a new packageReferenceId for another "
                          "package.")
        return out
    for item_id, quantity in out.items():
        left = known[item_id].quantity - order.shipped(item_id)
        if left <= 0:
            raise invalid(f"Order item {item_id} of order {order.id} has already been "
                          "shipped in full.")
        if quantity > left:
            raise invalid(f"Quantity {quantity} for order item {item_id} exceeds the "
                          f"{left} left to ship.")
    return out
