"""Product Type Definitions API 2020-09-01 and the product types the simulator knows.

The definitions are small synthetic files in ``product_types/`` (PRODUCT, SHIRT, SHOES),
written for the simulator in the shape of Amazon's: a JSON Schema (2019-09 style, with
Amazon's keywords ``selectors``, ``editable``, ``hidden``, ``enumNames``...) whose top-level
``required`` lists the mandatory attributes and whose ``allOf`` holds conditional
requirements (``if``/``then``), plus property groups and search keywords.

``getDefinitionsProductType`` does not return the schema itself but a link to it
(``schema.link.resource``), as Amazon does; the link points back at the simulator. The
schema depends on ``requirements`` (LISTING, LISTING_PRODUCT_ONLY, LISTING_OFFER_ONLY) and
``requirementsEnforced``; listings are checked against the same derived schema.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from flask import Response, request

from server.amazon.simulator.errors import invalid, not_found
from server.amazon.simulator.marketplaces import MARKETPLACES, check_marketplaces
from server.amazon.simulator.params import Param, parse_query
from server.amazon.simulator.routing import api, base_url, plain, sim

REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
ENFORCED = ("ENFORCED", "NOT_ENFORCED")
LOCALES = ("DEFAULT", "ar", "ar_AE", "de", "de_DE", "en", "en_AE", "en_AU", "en_CA", "en_GB",
           "en_IN", "en_SG", "en_US", "es", "es_ES", "es_MX", "es_US", "fr", "fr_CA", "fr_FR",
           "it", "it_IT", "ja", "ja_JP", "nl", "nl_NL", "pl", "pl_PL", "pt", "pt_BR", "pt_PT",
           "sv", "sv_SE", "tr", "tr_TR", "zh", "zh_CN", "zh_TW")
# Identifiers an offer on an existing product may name instead of the product data.
OFFER_IDENTITY = ("externally_assigned_product_identifier", "merchant_suggested_asin")
META_SCHEMA_ID = ("https://schemas.amazon.com/selling-partners/definitions/product-types/"
                  "meta-schema/v1")


@dataclass(frozen=True)
class ProductType:
    name: str
    display_names: dict[str, str]
    keywords: tuple[str, ...]
    version: str
    groups: dict[str, Any]
    base_schema: dict[str, Any]

    def display_name(self, locale: str = "en") -> str:
        return self.display_names.get(locale[:2], self.display_names["en"])

    def group(self, name: str) -> set[str]:
        return set(self.groups.get(name, {}).get("propertyNames", ()))

    def schema(self, requirements: str = "LISTING", enforced: bool = True) -> dict[str, Any]:
        """The schema for these requirements: mandatory attributes filtered accordingly."""
        return _derived(self.name, requirements, enforced)


@cache
def product_types() -> dict[str, ProductType]:
    """The shipped product types by name (read once from the package data)."""
    out = {}
    folder = resources.files("server.amazon.simulator").joinpath("product_types")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".json"):
            continue
        doc = json.loads(entry.read_text(encoding="utf-8"))
        out[doc["productType"]] = ProductType(
            doc["productType"], doc["displayNames"], tuple(doc["keywords"]), doc["version"],
            doc["propertyGroups"], doc["schema"])
    return out


def find(name: str) -> ProductType | None:
    return product_types().get(name)


@cache
def _derived(name: str, requirements: str, enforced: bool) -> dict[str, Any]:
    product_type = product_types()[name]
    schema = copy.deepcopy(product_type.base_schema)
    offer = product_type.group("offer")

    def keep(attribute: str) -> bool:
        if not enforced:
            return False
        if requirements == "LISTING_PRODUCT_ONLY":
            return attribute not in offer
        if requirements == "LISTING_OFFER_ONLY":
            return attribute in offer or attribute in OFFER_IDENTITY
        return True

    schema["required"] = [item for item in schema.get("required", []) if keep(item)]
    for rule in schema.get("allOf", []):
        then = rule.get("then", {})
        if "required" in then:
            then["required"] = [item for item in then["required"] if keep(item)]
    if requirements == "LISTING_OFFER_ONLY":
        schema["allOf"] = [rule for rule in schema.get("allOf", [])
                           if rule.get("then", {}).get("required", True)]
    return schema


def schema_bytes(name: str, requirements: str, enforced: bool) -> bytes:
    return json.dumps(_derived(name, requirements, enforced), ensure_ascii=False,
                      indent=2).encode("utf-8")


def _checksum(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


def resolve_locale(locale: str | None, marketplace_id: str) -> str:
    if not locale or locale == "DEFAULT":
        return MARKETPLACES[marketplace_id].language
    return locale


@api("GET", "/definitions/2020-09-01/productTypes", "searchDefinitionsProductTypes")
def search_product_types() -> dict[str, Any]:
    query = parse_query((
        Param("keywords", "list"), Param("marketplaceIds", "list", required=True),
        Param("itemName"), Param("locale"), Param("searchLocale")))
    marketplaces = check_marketplaces(sim(), query["marketplaceIds"])
    if query["keywords"] and query["itemName"]:
        raise invalid("Provide either 'keywords' or 'itemName', not both.")
    words = [word.lower() for word in query["keywords"] or []]
    if query["itemName"]:
        words = [word.lower() for word in query["itemName"].replace(",", " ").split()]
    scored = []
    for product_type in product_types().values():
        names = {product_type.name.lower(), *product_type.keywords}
        score = sum(1 for word in words if any(word in name for name in names))
        if not words or score:
            scored.append((-score, product_type.name, product_type))
    locale = resolve_locale(query["locale"], marketplaces[0])
    found = [item[2] for item in sorted(scored)]
    if query["itemName"] and found:
        found = found[:1]  # Amazon recommends one product type for an item name
    return {"productTypes": [{"name": item.name, "displayName": item.display_name(locale),
                              "marketplaceIds": marketplaces} for item in found],
            "productTypeVersion": "LATEST"}


@api("GET", "/definitions/2020-09-01/productTypes/<productType>", "getDefinitionsProductType")
def get_product_type(productType: str) -> dict[str, Any]:
    query = parse_query((
        Param("sellerId"), Param("marketplaceIds", "list", required=True, max_items=1),
        Param("productTypeVersion", default="LATEST"),
        Param("requirements", enum=REQUIREMENTS, default="LISTING"),
        Param("requirementsEnforced", enum=ENFORCED, default="ENFORCED"),
        Param("locale", enum=LOCALES, default="DEFAULT"),
        Param("parentageLevel", enum=("NONE", "CHILD", "PARENT"))))
    simulator = sim()
    marketplace = check_marketplaces(simulator, query["marketplaceIds"])[0]
    if query["sellerId"] and query["sellerId"] != simulator.seller_id:
        raise invalid(f"The seller '{query['sellerId']}' does not match the access token.")
    product_type = find(productType)
    if product_type is None:
        raise not_found(f"Product type '{productType}' not found in marketplace "
                        f"{marketplace}.")
    version = query["productTypeVersion"]
    if version not in ("LATEST", "RELEASE_CANDIDATE", product_type.version):
        raise not_found(f"Version '{version}' of product type '{productType}' not found.")
    requirements, enforced = query["requirements"], query["requirementsEnforced"]
    locale = resolve_locale(query["locale"], marketplace)
    path = (f"/definitions/schemas/{product_type.name}.json?requirements={requirements}"
            f"&requirementsEnforced={enforced}")
    data = schema_bytes(product_type.name, requirements, enforced == "ENFORCED")
    meta = _meta_schema_bytes()
    return {
        "metaSchema": {"link": {"resource": base_url() + simulator.signed(
            "/definitions/meta-schema/v1"), "verb": "GET"}, "checksum": _checksum(meta)},
        "schema": {"link": {"resource": base_url() + simulator.signed(path), "verb": "GET"},
                   "checksum": _checksum(data)},
        "requirements": requirements,
        "requirementsEnforced": enforced,
        "propertyGroups": product_type.groups,
        "locale": locale,
        "marketplaceIds": [marketplace],
        "productType": product_type.name,
        "displayName": product_type.display_name(locale),
        "productTypeVersion": {"version": product_type.version, "latest": True,
                               "releaseCandidate": version == "RELEASE_CANDIDATE"},
    }


@plain("GET", "/definitions/schemas/<name>.json", "productTypeSchema")
def download_schema(name: str) -> Response:
    sim().check_signature()
    requirements = request.args.get("requirements", "LISTING")
    enforced = request.args.get("requirementsEnforced", "ENFORCED")
    if find(name) is None or requirements not in REQUIREMENTS or enforced not in ENFORCED:
        return Response("NoSuchKey", status=404, mimetype="text/plain")
    return Response(schema_bytes(name, requirements, enforced == "ENFORCED"),
                    mimetype="application/json")


def _meta_schema_bytes() -> bytes:
    doc = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": META_SCHEMA_ID,
        "$comment": "Stand-in of the simulator: JSON Schema 2019-09 plus Amazon's keywords "
                    "selectors, editable, hidden, enumNames, minUniqueItems, "
                    "maxUniqueItems and maxUtf8ByteLength (all annotations here).",
        "allOf": [{"$ref": "https://json-schema.org/draft/2019-09/schema"}],
    }
    return json.dumps(doc, indent=2).encode("utf-8")


@plain("GET", "/definitions/meta-schema/v1", "productTypeMetaSchema")
def download_meta_schema() -> Response:
    sim().check_signature()
    return Response(_meta_schema_bytes(), mimetype="application/json")
