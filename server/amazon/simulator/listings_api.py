"""Listings Items API 2021-08-01: put, patch, get, delete one listing; search listings.

``mode=VALIDATION_PREVIEW`` checks a put or patch and answers VALID or INVALID without
changing anything. Issues come in ``issueLocale`` (German for ``de*``, else English).
A PATCH or DELETE of an unknown SKU answers 200 with status INVALID and an issue, as the
model has no 404 for them; GET of an unknown SKU answers 404.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from server.amazon.simulator.errors import invalid, not_found, unauthorized
from server.amazon.simulator.listings import INCLUDED, Listing, Outcome, item_view
from server.amazon.simulator.marketplaces import check_marketplaces
from server.amazon.simulator.params import Param, json_body, parse_query
from server.amazon.simulator.routing import api, sim

ITEMS = "/listings/2021-08-01/items/<sellerId>"
ITEM = "/listings/2021-08-01/items/<sellerId>/<path:sku>"
_REQUIREMENTS = ["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"]
PUT_BODY = {"type": "object", "required": ["productType", "attributes"],
            "additionalProperties": False,
            "properties": {"productType": {"type": "string", "minLength": 1},
                           "requirements": {"type": "string", "enum": _REQUIREMENTS},
                           "attributes": {"type": "object"}}}
PATCH_OPERATION = {"type": "object", "required": ["op", "path"], "additionalProperties": False,
                   "properties": {"op": {"type": "string",
                                         "enum": ["add", "replace", "merge", "delete"]},
                                  "path": {"type": "string"},
                                  "value": {"type": "array", "items": {"type": "object"}}}}
PATCH_BODY = {"type": "object", "required": ["productType", "patches"],
              "additionalProperties": False,
              "properties": {"productType": {"type": "string", "minLength": 1},
                             "patches": {"type": "array", "minItems": 1,
                                         "items": PATCH_OPERATION}}}
_SUBMIT_PARAMS = (
    Param("marketplaceIds", "list", required=True, max_items=1),
    Param("includedData", "list", enum=("identifiers", "issues"), default=["issues"]),
    Param("mode", enum=("VALIDATION_PREVIEW",)), Param("issueLocale"))


def check_seller(seller_id: str) -> None:
    if seller_id != sim().seller_id:
        raise unauthorized(f"The seller '{seller_id}' is not the seller who authorized this "
                           "application.")


def _submission(sku: str, outcome: Outcome, included: list[str],
                marketplace_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"sku": sku, "status": outcome.status,
                           "submissionId": uuid.UUID(int=sim().rng.getrandbits(128)).hex}
    if "issues" in included:
        out["issues"] = [item.issue() for item in outcome.problems]
    if "identifiers" in included and outcome.listing is not None:
        out["identifiers"] = [{"marketplaceId": marketplace_id,
                               "asin": outcome.listing.asin}]
    return out


@api("PUT", ITEM, "putListingsItem")
def put_listings_item(sellerId: str, sku: str) -> dict[str, Any]:
    query = parse_query(_SUBMIT_PARAMS)
    body = json_body(PUT_BODY)
    check_seller(sellerId)
    marketplace = check_marketplaces(sim(), query["marketplaceIds"])[0]
    outcome = sim().listings.submit(
        sku=sku, marketplace_id=marketplace, operation="PUT", now=sim().now(),
        product_type=body["productType"], attributes=body["attributes"],
        requirements=body.get("requirements", "LISTING"),
        preview=query["mode"] == "VALIDATION_PREVIEW", locale=query["issueLocale"])
    return _submission(sku, outcome, query["includedData"], marketplace)


@api("PATCH", ITEM, "patchListingsItem")
def patch_listings_item(sellerId: str, sku: str) -> dict[str, Any]:
    query = parse_query(_SUBMIT_PARAMS)
    body = json_body(PATCH_BODY)
    check_seller(sellerId)
    marketplace = check_marketplaces(sim(), query["marketplaceIds"])[0]
    outcome = sim().listings.submit(
        sku=sku, marketplace_id=marketplace, operation="PATCH", now=sim().now(),
        product_type=body["productType"], patches=body["patches"],
        preview=query["mode"] == "VALIDATION_PREVIEW", locale=query["issueLocale"])
    return _submission(sku, outcome, query["includedData"], marketplace)


@api("DELETE", ITEM, "deleteListingsItem")
def delete_listings_item(sellerId: str, sku: str) -> dict[str, Any]:
    query = parse_query((Param("marketplaceIds", "list", required=True, max_items=1),
                         Param("issueLocale")))
    check_seller(sellerId)
    marketplace = check_marketplaces(sim(), query["marketplaceIds"])[0]
    outcome = sim().listings.submit(sku=sku, marketplace_id=marketplace, operation="DELETE",
                                    now=sim().now(), locale=query["issueLocale"])
    return _submission(sku, outcome, ["issues"], marketplace)


@api("GET", ITEM, "getListingsItem")
def get_listings_item(sellerId: str, sku: str) -> dict[str, Any]:
    query = parse_query((Param("marketplaceIds", "list", required=True), Param("issueLocale"),
                         Param("includedData", "list", enum=INCLUDED, default=["summaries"])))
    check_seller(sellerId)
    marketplace = check_marketplaces(sim(), query["marketplaceIds"])[0]
    listing = sim().listings.get(sku, marketplace)
    if listing is None:
        raise not_found(f"SKU '{sku}' not found in marketplace {marketplace}.")
    return item_view(listing, query["includedData"], marketplace)


_SEARCH_PARAMS = (
    Param("marketplaceIds", "list", required=True, max_items=1), Param("issueLocale"),
    Param("includedData", "list", enum=INCLUDED, default=["summaries"]),
    Param("identifiers", "list", max_items=20),
    Param("identifiersType", enum=("ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN",
                                   "SKU", "UPC")),
    Param("variationParentSku"), Param("packageHierarchySku"),
    Param("createdAfter", "datetime"), Param("createdBefore", "datetime"),
    Param("lastUpdatedAfter", "datetime"), Param("lastUpdatedBefore", "datetime"),
    Param("withIssueSeverity", "list", enum=("WARNING", "ERROR")),
    Param("withStatus", "list", enum=("BUYABLE", "DISCOVERABLE")),
    Param("withoutStatus", "list", enum=("BUYABLE", "DISCOVERABLE")),
    Param("sortBy", enum=("sku", "createdDate", "lastUpdatedDate"), default="lastUpdatedDate"),
    Param("sortOrder", enum=("ASC", "DESC"), default="DESC"),
    Param("pageSize", "int", minimum=1, maximum=20, default=10), Param("pageToken"))


@api("GET", ITEMS, "searchListingsItems")
def search_listings_items(sellerId: str) -> dict[str, Any]:
    query = parse_query(_SEARCH_PARAMS)
    check_seller(sellerId)
    marketplace = check_marketplaces(sim(), query["marketplaceIds"])[0]
    if query["identifiers"] and not query["identifiersType"]:
        raise invalid("'identifiersType' is required when 'identifiers' is given.")
    found = [item for item in sim().listings.items.values()
             if marketplace in item.marketplace_ids and _matches(item, query, marketplace)]
    key = {"sku": lambda item: item.sku, "createdDate": lambda item: (item.created, item.sku),
           "lastUpdatedDate": lambda item: (item.updated, item.sku)}[query["sortBy"]]
    found.sort(key=key, reverse=query["sortOrder"] == "DESC")
    start = _page_offset(query["pageToken"])
    size = query["pageSize"]
    page = found[start:start + size]
    pagination = {}
    if start + size < len(found):
        pagination["nextToken"] = _token(start + size)
    if start > 0:
        pagination["previousToken"] = _token(max(0, start - size))
    out: dict[str, Any] = {"numberOfResults": len(found),
                           "items": [item_view(item, query["includedData"], marketplace)
                                     for item in page]}
    if pagination:
        out["pagination"] = pagination
    return out


def _matches(item: Listing, query: dict[str, Any], marketplace: str) -> bool:
    if query["identifiers"]:
        kind = query["identifiersType"]
        if kind == "SKU":
            values = {item.sku}
        elif kind == "ASIN":
            values = {item.asin}
        else:
            values = {str(entry.get("value")) for entry in
                      item.attributes.get("externally_assigned_product_identifier", [])
                      if kind == "GTIN" or str(entry.get("type", "")).upper() == kind}
        if not values & set(query["identifiers"]):
            return False
    if query["variationParentSku"] or query["packageHierarchySku"]:
        return False  # the simulator has no variation families or package hierarchies
    for name, attr, after in (("createdAfter", "created", True),
                              ("createdBefore", "created", False),
                              ("lastUpdatedAfter", "updated", True),
                              ("lastUpdatedBefore", "updated", False)):
        limit = query[name]
        if limit is not None and (getattr(item, attr) < limit if after else
                                  getattr(item, attr) > limit):
            return False
    statuses = set(item.statuses(marketplace))
    if query["withStatus"] and not statuses & set(query["withStatus"]):
        return False
    if query["withoutStatus"] and statuses & set(query["withoutStatus"]):
        return False
    if query["withIssueSeverity"]:
        severities = {problem.severity for problem in item.issues}
        if not severities & set(query["withIssueSeverity"]):
            return False
    return True


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _page_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        raise invalid(f"Invalid pageToken '{token}'.") from None
