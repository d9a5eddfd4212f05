"""Sellers API v1: the marketplaces the seller takes part in (and so the app may use)."""

from __future__ import annotations

from typing import Any

from server.amazon.spapi.client import SpApiClient


class Sellers:
    """The Sellers operations of one channel."""

    def __init__(self, client: SpApiClient) -> None:
        self.client = client

    def marketplace_participations(self) -> list[dict[str, Any]]:
        """getMarketplaceParticipations: ``[{marketplace, participation, storeName}]``."""
        data = self.client.request("getMarketplaceParticipations", "GET",
                                   "/sellers/v1/marketplaceParticipations").data
        return list((data or {}).get("payload") or [])

    def participation(self, marketplace_id: str) -> dict[str, Any] | None:
        """The participation entry of one marketplace, or None when the seller has none."""
        for entry in self.marketplace_participations():
            if (entry.get("marketplace") or {}).get("id") == marketplace_id:
                return entry
        return None
