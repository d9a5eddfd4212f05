"""Amazon's marketplaces, their ids and the region (API host) that serves each one."""

from __future__ import annotations

from dataclasses import dataclass

REGION_HOSTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
TOKEN_URL = "https://api.amazon.com/auth/o2/token"


@dataclass(frozen=True)
class Marketplace:
    """One marketplace: its country code, its id and its region (``eu``, ``na``, ``fe``)."""

    country: str
    id: str
    region: str

    def __str__(self) -> str:
        return f"{self.country} ({self.id})"


MARKETPLACES: dict[str, Marketplace] = {
    m.country: m
    for m in (
        # Europe (also India and the Middle East) are served by the eu host.
        Marketplace("IE", "A28R8C7NBKEWEA", "eu"),
        Marketplace("ES", "A1RKKUPIHCS9HS", "eu"),
        Marketplace("UK", "A1F83G8C2ARO7P", "eu"),
        Marketplace("FR", "A13V1IB3VIYZZH", "eu"),
        Marketplace("BE", "AMEN7PMS3EDWL", "eu"),
        Marketplace("NL", "A1805IZSGTT6HS", "eu"),
        Marketplace("DE", "A1PA6795UKMFR9", "eu"),
        Marketplace("IT", "APJ6JRA9NG5V4", "eu"),
        Marketplace("SE", "A2NODRKZP88ZB9", "eu"),
        Marketplace("ZA", "AE08WJ6YKNBMC", "eu"),
        Marketplace("PL", "A1C3SOZRARQ6R3", "eu"),
        Marketplace("EG", "ARBP9OOSHTCHU", "eu"),
        Marketplace("TR", "A33AVAJ2PDY3EV", "eu"),
        Marketplace("SA", "A17E79C6D8DWNP", "eu"),
        Marketplace("AE", "A2VIGQ35RCS4UG", "eu"),
        Marketplace("IN", "A21TJRUUN4KGV", "eu"),
        # North and South America.
        Marketplace("CA", "A2EUQ1WTGCTBG2", "na"),
        Marketplace("US", "ATVPDKIKX0DER", "na"),
        Marketplace("MX", "A1AM78C64UM0Y8", "na"),
        Marketplace("BR", "A2Q3Y263D00KWC", "na"),
        # Far East.
        Marketplace("SG", "A19VAU5U5O7RUS", "fe"),
        Marketplace("AU", "A39IBJ37TRP1C6", "fe"),
        Marketplace("JP", "A1VC38T7YXB528", "fe"),
    )
}
MARKETPLACES["GB"] = MARKETPLACES["UK"]
_BY_ID = {m.id: m for m in MARKETPLACES.values()}


def find_marketplace(value: str) -> Marketplace | None:
    """Return the marketplace named by a country code (``DE``, ``gb``) or an id, or None."""
    text = value.strip()
    return MARKETPLACES.get(text.upper()) or _BY_ID.get(text)
