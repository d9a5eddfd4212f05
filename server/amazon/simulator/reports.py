"""Reports API 2021-06-30 and the report types the simulator produces.

Life of a report: ``createReport`` (202, ``reportId``) -> ``getReport`` shows IN_QUEUE,
IN_PROGRESS, then DONE with ``reportDocumentId`` -> ``getReportDocument`` -> download.
``cancelReport`` cancels a report that is still IN_QUEUE. A report with no data ends
CANCELLED (as Amazon does); an unknown report type ends FATAL without a document.

Report types (tab-separated, UTF-8, one header line):

* ``GET_MERCHANT_LISTINGS_ALL_DATA``: the 29 documented columns, one row per listing of
  the report's first marketplace. With ``Simulator(listings_report_quirks=True)`` it
  has the variant some German accounts get: British ``fulfilment-channel``, repeated
  ``Deprecated column`` headers, three extra columns and Windows-1252 encoding.
* ``GET_FLAT_FILE_OPEN_LISTINGS_DATA``: sku, asin, price, quantity of active listings.
* ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL`` and ``..._BY_LAST_UPDATE_GENERAL``:
  one row per order item between ``dataStartTime`` (default 30 days back) and
  ``dataEndTime`` (default now), without buyer data; sales figures are summed from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from server.amazon.simulator.errors import invalid, not_found
from server.amazon.simulator.jobs import Job
from server.amazon.simulator.marketplaces import MARKETPLACES, check_marketplaces
from server.amazon.simulator.params import (
    DATETIME,
    STRING,
    STRING_MAP,
    Param,
    json_body,
    parse_query,
    parse_time,
)
from server.amazon.simulator.routing import api, sim

if TYPE_CHECKING:
    from server.amazon.simulator.state import Simulator

REPORT_DOC_PREFIX = "amzn1.spdoc.1.4.eu."
STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
BERLIN = ZoneInfo("Europe/Berlin")
CREATE_REPORT_BODY = {"type": "object", "required": ["reportType", "marketplaceIds"],
                      "additionalProperties": False,
                      "properties": {"reportType": STRING, "reportOptions": STRING_MAP,
                                     "dataStartTime": DATETIME, "dataEndTime": DATETIME,
                                     "marketplaceIds": {"type": "array", "minItems": 1,
                                                        "maxItems": 25, "items": STRING}}}
LISTING_COLUMNS = (
    "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity",
    "open-date", "image-url", "item-is-marketplace", "product-id-type", "zshop-shipping-fee",
    "item-note", "item-condition", "zshop-category1", "zshop-browse-path",
    "zshop-storefront-feature", "asin1", "asin2", "asin3", "will-ship-internationally",
    "expedited-shipping", "zshop-boldface", "product-id", "bid-for-featured-placement",
    "add-delete", "pending-quantity", "fulfillment-channel", "merchant-shipping-group",
    "status")
ORDER_COLUMNS = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
    "order-status", "fulfillment-channel", "sales-channel", "order-channel",
    "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity",
    "currency", "item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price",
    "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation")
_ORDER_STATUS = {"PENDING": "Pending", "UNSHIPPED": "Unshipped",
                 "PARTIALLY_SHIPPED": "PartiallyShipped", "SHIPPED": "Shipped",
                 "CANCELLED": "Cancelled"}


class NoData(Exception):
    """The report would be empty; Amazon cancels such reports."""


def _tsv(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    def clean(value: str) -> str:
        return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    lines = ["\t".join(header)] + ["\t".join(clean(value) for value in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding, errors="replace")


def _listings_all(simulator: Simulator, job: Job) -> bytes:
    marketplace = job.marketplace_ids[0]
    listings = sorted((item for item in simulator.listings.items.values()
                       if marketplace in item.marketplace_ids), key=lambda item: item.sku)
    if not listings:
        raise NoData
    rows = []
    for listing in listings:
        price = listing.price(marketplace)
        ean = next((str(entry.get("value")) for entry in listing.attributes.get(
            "externally_assigned_product_identifier", [])), "")
        quantity = listing.quantity()
        row = {
            "item-name": str(listing.first("item_name") or ""),
            "item-description": str(listing.first("product_description") or ""),
            "listing-id": hashlib.sha1(f"{simulator.seed}:{listing.sku}".encode())
            .hexdigest()[:10].upper(),
            "seller-sku": listing.sku, "price": f"{price[0]:.2f}" if price else "",
            "quantity": str(quantity),
            "open-date": listing.created.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S %Z"),
            "image-url": str(listing.first("main_product_image_locator", "media_location")
                             or ""),
            "item-is-marketplace": "y", "product-id-type": "4" if ean else "1",
            "item-condition": "11", "asin1": listing.asin, "product-id": ean or listing.asin,
            "pending-quantity": "0", "fulfillment-channel": "DEFAULT",
            "merchant-shipping-group": "Migrierte Vorlage",
            "status": "Active" if quantity > 0 and price else "Inactive"}
        rows.append(row)
    columns = list(LISTING_COLUMNS)
    if not simulator.listings_report_quirks:
        return _tsv(columns, [[row.get(name, "") for name in columns] for row in rows])
    header = ["Deprecated column" if name.startswith("zshop-") else
              "fulfilment-channel" if name == "fulfillment-channel" else name
              for name in columns]
    header += ["optional-payment-type-exclusion", "Minimum order quantity", "Sell remainder"]
    values = [[row.get(name, "") for name in columns] + ["", "", "false"] for row in rows]
    return _tsv(header, values, "cp1252")


def _open_listings(simulator: Simulator, job: Job) -> bytes:
    marketplace = job.marketplace_ids[0]
    rows = []
    for listing in sorted(simulator.listings.items.values(), key=lambda item: item.sku):
        price = listing.price(marketplace)
        if marketplace in listing.marketplace_ids and price and listing.quantity() > 0:
            rows.append([listing.sku, listing.asin, f"{price[0]:.2f}", str(listing.quantity())])
    if not rows:
        raise NoData
    return _tsv(["sku", "asin", "price", "quantity"], rows)


def _orders(by: str) -> Callable[[Simulator, Job], bytes]:
    def build(simulator: Simulator, job: Job) -> bytes:
        now = simulator.now()
        end = job.data_end or now
        start = job.data_start or end - timedelta(days=30)
        rows = []
        for order in sorted(simulator.orders.items.values(), key=lambda item: item.created):
            stamp = order.created if by == "created" else order.last_updated(now)
            if order.marketplace_id not in job.marketplace_ids or not start <= stamp <= end \
                    or order.created > now:
                continue
            status = order.status(now)
            market = MARKETPLACES[order.marketplace_id]
            for item in order.items:
                gross = round(item.unit_price * item.quantity, 2)
                tax = round(gross - gross / 1.19, 2)
                row = {"amazon-order-id": order.id, "purchase-date": _iso_offset(order.created),
                       "last-updated-date": _iso_offset(order.last_updated(now)),
                       "order-status": _ORDER_STATUS[status], "fulfillment-channel": "Merchant",
                       "sales-channel": market.name, "ship-service-level": "Standard"
                       if order.service_level == "STANDARD" else "Expedited",
                       "product-name": item.title, "sku": item.sku, "asin": item.asin,
                       "item-status": "Cancelled" if status == "CANCELLED" else
                       ("Shipped" if order.shipped(item.item_id) else "Unshipped"),
                       "quantity": str(item.quantity), "currency": item.currency,
                       "item-price": f"{gross:.2f}", "item-tax": f"{tax:.2f}",
                       "shipping-price": "0.00", "shipping-tax": "0.00",
                       "ship-city": order.address["city"],
                       "ship-postal-code": order.address["postalCode"],
                       "ship-country": order.address["countryCode"],
                       "is-business-order": "false"}
                rows.append([row.get(name, "") for name in ORDER_COLUMNS])
        if not rows:
            raise NoData
        return _tsv(list(ORDER_COLUMNS), rows)
    return build


def _iso_offset(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


BUILDERS: dict[str, Callable[[Simulator, Job], bytes]] = {
    "GET_MERCHANT_LISTINGS_ALL_DATA": _listings_all,
    "GET_FLAT_FILE_OPEN_LISTINGS_DATA": _open_listings,
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL": _orders("created"),
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL": _orders("updated"),
}


def process_report(simulator: Simulator, job: Job) -> None:
    builder = BUILDERS.get(job.kind)
    if builder is None:
        job.status = "FATAL"
        return
    try:
        data = builder(simulator, job)
    except NoData:
        job.status = "CANCELLED"
        return
    encoding = "Cp1252" if simulator.listings_report_quirks and \
        job.kind == "GET_MERCHANT_LISTINGS_ALL_DATA" else "UTF-8"
    document = simulator.documents.result(data, f"text/tab-separated-values;"
                                                f"charset={encoding}", REPORT_DOC_PREFIX)
    job.result_document_id = document.id


@api("POST", "/reports/2021-06-30/reports", "createReport")
def create_report() -> tuple[dict[str, Any], int]:
    parse_query(())
    body = json_body(CREATE_REPORT_BODY)
    simulator = sim()
    marketplaces = check_marketplaces(simulator, body["marketplaceIds"])
    start = parse_time(body["dataStartTime"], "dataStartTime") \
        if "dataStartTime" in body else None
    end = parse_time(body["dataEndTime"], "dataEndTime") if "dataEndTime" in body else None
    if start and end and start > end:
        raise invalid("dataStartTime must not be after dataEndTime.")
    report_id = str(60_000_000_000 + simulator.seed * 1000 + simulator.next_number())
    simulator.reports[report_id] = Job(report_id, body["reportType"], marketplaces,
                                       simulator.now(), process_report,
                                       dict(body.get("reportOptions") or {}),
                                       data_start=start, data_end=end)
    return {"reportId": report_id}, 202


def _report(report_id: str) -> Job:
    job = sim().reports.get(report_id)
    if job is None:
        raise not_found(f"Report '{report_id}' not found.")
    return job


def report_view(job: Job) -> dict[str, Any]:
    out: dict[str, Any] = {"reportId": job.id, "reportType": job.kind,
                           "marketplaceIds": job.marketplace_ids}
    if job.data_start:
        out["dataStartTime"] = _iso_offset(job.data_start).replace("+00:00", "Z")
    if job.data_end:
        out["dataEndTime"] = _iso_offset(job.data_end).replace("+00:00", "Z")
    out.update(job.times())
    out["processingStatus"] = job.status
    if job.result_document_id:
        out["reportDocumentId"] = job.result_document_id
    return out


@api("GET", "/reports/2021-06-30/reports/<reportId>", "getReport")
def get_report(reportId: str) -> dict[str, Any]:
    parse_query(())
    job = _report(reportId)
    job.polls += 1
    job.refresh(sim())
    return report_view(job)


@api("DELETE", "/reports/2021-06-30/reports/<reportId>", "cancelReport")
def cancel_report(reportId: str) -> tuple[None, int]:
    parse_query(())
    job = _report(reportId)
    job.refresh(sim())
    if not job.cancel():
        raise invalid(f"Report '{reportId}' cannot be cancelled: it is {job.status}; only "
                      "reports IN_QUEUE can be cancelled.")
    return None, 200


@api("GET", "/reports/2021-06-30/reports", "getReports")
def get_reports() -> dict[str, Any]:
    query = parse_query((
        Param("reportTypes", "list", max_items=10),
        Param("processingStatuses", "list", enum=STATUSES),
        Param("marketplaceIds", "list", max_items=10),
        Param("pageSize", "int", minimum=1, maximum=100, default=10),
        Param("createdSince", "datetime"), Param("createdUntil", "datetime"),
        Param("nextToken")))
    simulator = sim()
    if not query["reportTypes"] and not query["nextToken"]:
        raise invalid("Either 'reportTypes' or 'nextToken' is required.")
    offset = 0
    if query["nextToken"]:
        prefix, _, number = query["nextToken"].rpartition("-")
        if prefix != "reports" or not number.isdigit():
            raise invalid(f"Invalid nextToken '{query['nextToken']}'.")
        offset = int(number)
    since = query["createdSince"] or simulator.now() - timedelta(days=90)
    found = []
    for job in sorted(simulator.reports.values(), key=lambda item: item.created, reverse=True):
        job.refresh(simulator)
        if (query["reportTypes"] and job.kind not in query["reportTypes"]) or \
                (query["processingStatuses"] and job.status not in
                 query["processingStatuses"]) or \
                (query["marketplaceIds"] and not set(job.marketplace_ids)
                 & set(query["marketplaceIds"])) or job.created < since or \
                (query["createdUntil"] and job.created > query["createdUntil"]):
            continue
        found.append(job)
    size = query["pageSize"]
    out: dict[str, Any] = {"reports": [report_view(job) for job in found[offset:offset + size]]}
    if offset + size < len(found):
        out["nextToken"] = f"reports-{offset + size}"
    return out


@api("GET", "/reports/2021-06-30/documents/<reportDocumentId>", "getReportDocument")
def get_report_document(reportDocumentId: str) -> dict[str, Any]:
    parse_query((Param("enableContentEncodingUrlHeader", "bool"),))
    document = sim().documents.get(reportDocumentId)
    if document is None or not document.id.startswith(REPORT_DOC_PREFIX):
        raise not_found(f"Report document '{reportDocumentId}' not found.")
    return {"reportDocumentId": document.id, **document.reference()}
