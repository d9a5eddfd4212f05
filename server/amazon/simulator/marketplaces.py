"""Marketplaces of the EU region and the Sellers API (``getMarketplaceParticipations``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.amazon.simulator.errors import invalid
from server.amazon.simulator.params import parse_query
from server.amazon.simulator.routing import api, sim

if TYPE_CHECKING:
    from server.amazon.simulator.state import Simulator


@dataclass(frozen=True)
class Marketplace:
    id: str
    country: str
    name: str
    currency: str
    language: str
    domain: str


MARKETPLACES = {item.id: item for item in (
    Marketplace("A1PA6795UKMFR9", "DE", "Amazon.de", "EUR", "de_DE", "www.amazon.de"),
    Marketplace("A13V1IB3VIYZZH", "FR", "Amazon.fr", "EUR", "fr_FR", "www.amazon.fr"),
    Marketplace("APJ6JRA9NG5V4", "IT", "Amazon.it", "EUR", "it_IT", "www.amazon.it"),
    Marketplace("A1RKKUPIHCS9HS", "ES", "Amazon.es", "EUR", "es_ES", "www.amazon.es"),
    Marketplace("A1F83G8C2ARO7P", "GB", "Amazon.co.uk", "GBP", "en_GB", "www.amazon.co.uk"),
    Marketplace("A1805IZSGTT6HS", "NL", "Amazon.nl", "EUR", "nl_NL", "www.amazon.nl"),
    Marketplace("A1C3SOZRARQ6R3", "PL", "Amazon.pl", "PLN", "pl_PL", "www.amazon.pl"),
    Marketplace("A2NODRKZP88ZB9", "SE", "Amazon.se", "SEK", "sv_SE", "www.amazon.se"),
    Marketplace("AMEN7PMS3EDWL", "BE", "Amazon.com.be", "EUR", "fr_BE", "www.amazon.com.be"),
)}
DE = "A1PA6795UKMFR9"
# The marketplaces the simulated seller sells in (a few of the region's).
DEFAULT_PARTICIPATIONS = ("A1PA6795UKMFR9", "A13V1IB3VIYZZH", "APJ6JRA9NG5V4",
                          "A1RKKUPIHCS9HS", "A1F83G8C2ARO7P", "A1805IZSGTT6HS")


def check_marketplaces(simulator: Simulator, ids: Iterable[str]) -> list[str]:
    """``ids`` if the seller participates in each of them; 400 otherwise."""
    out = list(ids)
    for item in out:
        if item not in simulator.marketplace_ids:
            known = "" if item in MARKETPLACES else " (not a marketplace of the EU region)"
            raise invalid(f"Invalid marketplace id '{item}'{known}: the seller does not sell "
                          f"there.", f"Marketplaces: {', '.join(simulator.marketplace_ids)}")
    return out


@api("GET", "/sellers/v1/marketplaceParticipations", "getMarketplaceParticipations")
def marketplace_participations() -> dict[str, Any]:
    parse_query(())
    simulator = sim()
    payload = []
    for item in simulator.marketplace_ids:
        market = MARKETPLACES[item]
        payload.append({
            "marketplace": {"id": market.id, "name": market.name,
                            "countryCode": market.country,
                            "defaultCurrencyCode": market.currency,
                            "defaultLanguageCode": market.language,
                            "domainName": market.domain},
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
            "storeName": simulator.store_name,
        })
    return {"payload": payload}
