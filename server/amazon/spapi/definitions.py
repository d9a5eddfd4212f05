"""Product Type Definitions API 2020-09-01: which attributes a product type needs.

``get()`` returns the definition; its ``schema.link.resource`` is a presigned URL of the
JSON Schema (Amazon's meta-schema, 2019-09 based), which ``schema()`` downloads and checks
against the Base64 MD5 ``checksum`` Amazon gives.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from server.amazon.spapi.client import SpApiClient, segment
from server.amazon.spapi.errors import SpApiError

BASE = "/definitions/2020-09-01/productTypes"


class Definitions:
    """The product type definition operations of one channel."""

    def __init__(self, client: SpApiClient) -> None:
        self.client = client
        self.config = client.config

    def search(self, *, keywords: Sequence[str] | None = None, item_name: str | None = None,
               locale: str | None = None, search_locale: str | None = None,
               marketplace_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """searchDefinitionsProductTypes by keywords, or by an item name (a recommendation)."""
        if keywords and item_name:
            raise ValueError("search by keywords or by item_name, not both")
        params = {"marketplaceIds": list(marketplace_ids or [self.config.marketplace_id]),
                  "keywords": keywords, "itemName": item_name, "locale": locale,
                  "searchLocale": search_locale}
        return self.client.request("searchDefinitionsProductTypes", "GET", BASE,
                                   params=params).data

    def get(self, product_type: str, *, requirements: str = "LISTING",
            requirements_enforced: str = "ENFORCED", locale: str | None = None,
            product_type_version: str | None = None, parentage_level: str | None = None,
            seller_id: str | None = None) -> dict[str, Any]:
        """getDefinitionsProductType for the channel's marketplace (Amazon takes one only)."""
        params = {"marketplaceIds": [self.config.marketplace_id],
                  "sellerId": seller_id or self.config.seller_id or None,
                  "productTypeVersion": product_type_version, "requirements": requirements,
                  "requirementsEnforced": requirements_enforced, "locale": locale,
                  "parentageLevel": parentage_level}
        return self.client.request("getDefinitionsProductType", "GET",
                                   f"{BASE}/{segment(product_type)}", params=params).data

    def schema(self, definition: Mapping[str, Any], *, key: str = "schema") -> dict[str, Any]:
        """Download the JSON Schema a definition links to (``key="metaSchema"`` for that)."""
        link = definition[key]
        response = self.client.transfer("GET", str(link["link"]["resource"]),
                                        what=f"downloading the product type {key}")
        checksum = link.get("checksum")
        if checksum:
            digest = hashlib.md5(response.content, usedforsecurity=False).digest()
            actual = base64.b64encode(digest).decode()
            if actual != checksum:
                raise SpApiError(
                    f"the {key} of product type {definition.get('productType')} does not "
                    f"match its checksum ({actual} instead of {checksum}); try again",
                    channel=self.config.name)
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise SpApiError(f"the {key} of product type {definition.get('productType')} "
                             f"is not JSON: {exc}", channel=self.config.name) from exc
