"""Listings Items API 2021-08-01: create, replace, patch, read, delete and search listings.

Each call works on the channel's seller id and marketplace. ``mode="VALIDATION_PREVIEW"``
checks a put or patch against the product type without changing the listing; the answer's
``status`` is then ``VALID`` or ``INVALID``, else ``ACCEPTED`` (Amazon works on it later).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from server.amazon.spapi.client import SpApiClient, segment

BASE = "/listings/2021-08-01/items"
VALIDATION_PREVIEW = "VALIDATION_PREVIEW"
REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
PATCH_OPS = ("add", "replace", "merge", "delete")


class Listings:
    """The Listings Items operations of one channel."""

    def __init__(self, client: SpApiClient) -> None:
        self.client = client
        self.config = client.config

    def _path(self, sku: str | None = None) -> str:
        path = f"{BASE}/{segment(self.config.require_seller_id())}"
        return path if sku is None else f"{path}/{segment(sku)}"

    def _query(self, **params: Any) -> dict[str, Any]:
        return {"marketplaceIds": [self.config.marketplace_id], **params}

    def put(self, sku: str, product_type: str, attributes: dict[str, Any], *,
            requirements: str | None = None, mode: str | None = None,
            included_data: Sequence[str] | None = None,
            issue_locale: str | None = None) -> dict[str, Any]:
        """Create or fully replace a listing (putListingsItem)."""
        if requirements is not None and requirements not in REQUIREMENTS:
            raise ValueError(f"requirements must be one of {REQUIREMENTS}, not {requirements!r}")
        body: dict[str, Any] = {"productType": product_type, "attributes": attributes}
        if requirements:
            body["requirements"] = requirements
        params = self._query(includedData=included_data, mode=_mode(mode),
                             issueLocale=issue_locale)
        return self.client.request("putListingsItem", "PUT", self._path(sku), params=params,
                                   json=body).data

    def patch(self, sku: str, product_type: str, patches: Sequence[dict[str, Any]], *,
              mode: str | None = None, included_data: Sequence[str] | None = None,
              issue_locale: str | None = None) -> dict[str, Any]:
        """Change parts of a listing with JSON-Patch-like operations (patchListingsItem).

        Each patch is ``{"op": "replace", "path": "/attributes/NAME", "value": [...]}``.
        """
        for patch in patches:
            if patch.get("op") not in PATCH_OPS or not str(patch.get("path", "")):
                raise ValueError(f"a patch needs op (one of {PATCH_OPS}) and path: {patch!r}")
        body = {"productType": product_type, "patches": list(patches)}
        params = self._query(includedData=included_data, mode=_mode(mode),
                             issueLocale=issue_locale)
        return self.client.request("patchListingsItem", "PATCH", self._path(sku),
                                   params=params, json=body).data

    def get(self, sku: str, *, included_data: Sequence[str] | None = None,
            issue_locale: str | None = None) -> dict[str, Any]:
        """Read one listing (getListingsItem); ``included_data`` e.g. summaries, offers."""
        params = self._query(includedData=included_data, issueLocale=issue_locale)
        return self.client.request("getListingsItem", "GET", self._path(sku),
                                   params=params).data

    def delete(self, sku: str, *, issue_locale: str | None = None) -> dict[str, Any]:
        """Delete a listing (deleteListingsItem)."""
        return self.client.request("deleteListingsItem", "DELETE", self._path(sku),
                                   params=self._query(issueLocale=issue_locale)).data

    def search_pages(self, *, page_size: int = 20, included_data: Sequence[str] | None = None,
                     issue_locale: str | None = None, **filters: Any
                     ) -> Iterator[dict[str, Any]]:
        """Yield every page of searchListingsItems, following ``pagination.nextToken``.

        ``filters`` use Amazon's names: ``identifiers``, ``identifiersType``,
        ``withStatus``, ``withIssueSeverity``, ``lastUpdatedAfter``, ``sortBy`` ...
        """
        token: str | None = None
        while True:
            params = self._query(includedData=included_data, issueLocale=issue_locale,
                                 pageSize=page_size, pageToken=token, **filters)
            page = self.client.request("searchListingsItems", "GET", self._path(),
                                       params=params).data
            yield page
            token = (page.get("pagination") or {}).get("nextToken")
            if not token:
                return

    def search(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Yield every listing item of every page (see ``search_pages``)."""
        for page in self.search_pages(**kwargs):
            yield from page.get("items", [])


def _mode(mode: str | None) -> str | None:
    if mode is not None and mode != VALIDATION_PREVIEW:
        raise ValueError(f"mode must be {VALIDATION_PREVIEW!r} or None, not {mode!r}")
    return mode
