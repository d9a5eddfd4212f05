"""The simulated seller's starting catalogue, and valid attribute sets for tests and demos.

``sample_attributes`` builds a complete, valid attribute set for one of the shipped product
types, shaped as Amazon expects (lists of objects with ``value``, ``language_tag`` and
``marketplace_id``); ``starting_listings`` gives the dozen listings a new simulator holds,
so orders can arrive before anything was uploaded.
"""

from __future__ import annotations

from typing import Any

from server.amazon.simulator.marketplaces import DE

LANGUAGE = "de_DE"


def _text(value: str, marketplace_id: str) -> list[dict[str, Any]]:
    return [{"value": value, "language_tag": LANGUAGE, "marketplace_id": marketplace_id}]


def _value(value: Any, marketplace_id: str) -> list[dict[str, Any]]:
    return [{"value": value, "marketplace_id": marketplace_id}]


def sample_attributes(product_type: str = "PRODUCT", *, title: str = "Trinkflasche Alpin 1 l",
                      brand: str = "Gipfelwerk", price: float = 19.99, quantity: int = 10,
                      ean: str = "4012345678901", marketplace_id: str = DE,
                      currency: str = "EUR") -> dict[str, Any]:
    """A complete attribute set for ``product_type`` (PRODUCT, SHIRT or SHOES)."""
    mp = marketplace_id
    attributes: dict[str, Any] = {
        "item_name": _text(title, mp),
        "brand": _text(brand, mp),
        "product_description": _text(f"{title} von {brand}: robust, leicht und langlebig.",
                                     mp),
        "bullet_point": [{"value": text, "language_tag": LANGUAGE, "marketplace_id": mp}
                         for text in ("Robust und langlebig", "Leicht zu reinigen")],
        "externally_assigned_product_identifier": [
            {"type": "ean", "value": ean, "marketplace_id": mp}],
        "country_of_origin": _value("DE", mp),
        "supplier_declared_dg_hz_regulation": _value("not_applicable", mp),
        "condition_type": _value("new_new", mp),
        "main_product_image_locator": [
            {"media_location": f"https://images.example.com/{ean}.jpg", "marketplace_id": mp}],
        "fulfillment_availability": [
            {"fulfillment_channel_code": "DEFAULT", "quantity": quantity,
             "lead_time_to_ship_max_days": 2}],
        "purchasable_offer": [
            {"marketplace_id": mp, "currency": currency, "audience": "ALL",
             "our_price": [{"schedule": [{"value_with_tax": price}]}]}],
    }
    if product_type == "SHIRT":
        attributes.update({
            "color": _text("Blau", mp),
            "apparel_size": [{"size_system": "as1", "size_class": "alpha", "size": "m",
                              "marketplace_id": mp}],
            "target_gender": _value("unisex", mp),
            "fabric_type": _text("100 % Baumwolle", mp),
        })
    elif product_type == "SHOES":
        attributes.update({
            "color": _text("Braun", mp),
            "footwear_size": [{"footwear_size_system": "eu_footwear_size_system",
                               "age_range_description": "adult", "size_class": "numeric",
                               "size": "42", "width": "medium", "marketplace_id": mp}],
            "target_gender": _value("unisex", mp),
            "outer_material": _text("Leder", mp),
        })
    return attributes


# sku, product type, title, brand, price, quantity
_START = (
    ("A-100001", "PRODUCT", "Trinkflasche Alpin 1 l", "Gipfelwerk", 19.99, 250),
    ("A-100002", "PRODUCT", "Stirnlampe Nordkap 300 lm", "Nordfjell", 34.90, 120),
    ("A-100003", "PRODUCT", "Schneidebrett Landhaus Eiche", "Heimkante", 29.95, 80),
    ("A-100004", "PRODUCT", "Wanderführer Allgäu", "Wegweiser Verlag", 16.00, 400),
    ("A-100005", "SHIRT", "Funktionsshirt Tauern Herren", "Trailmark", 39.90, 150),
    ("A-100006", "SHIRT", "Merino-Shirt Karwendel Damen", "Alpenkern", 64.95, 60),
    ("A-100007", "SHIRT", "Baumwoll-Shirt Feldberg", "Isarwerk", 24.99, 300),
    ("A-100008", "SHOES", "Wanderschuh Watzmann GTX", "Sturmvogel", 149.00, 50),
    ("A-100009", "SHOES", "Trailrunner Brocken", "Trailmark", 119.95, 90),
    ("A-100010", "SHOES", "Hüttenschuh Edelweiß", "Hüttenzauber", 39.00, 200),
    ("A-100011", "PRODUCT", "Kaffeebohnen Hofröstung 1 kg", "Hofröstung Albers", 22.50, 500),
    ("A-100012", "PRODUCT", "Isomatte Lofoten", "Gipfelwerk", 59.00, 0),
)


def starting_listings() -> list[tuple[str, str, dict[str, Any]]]:
    """``(sku, product type, attributes)`` of the listings a new simulator starts with."""
    out = []
    for index, (sku, product_type, title, brand, price, quantity) in enumerate(_START):
        ean = _ean(401234500000 + index * 17)
        out.append((sku, product_type, sample_attributes(
            product_type, title=title, brand=brand, price=price, quantity=quantity,
            ean=ean)))
    return out


def _ean(base: int) -> str:
    digits = f"{base:012d}"[-12:]
    total = sum(int(digit) * (3 if position % 2 else 1)
                for position, digit in enumerate(digits))
    return digits + str((10 - total % 10) % 10)
