"""A synthetic product type for the catalogue tests: TEST_JACKET.

Written for these tests in the shape of Amazon's product type schemas (arrays of entries
with selectors, ``$defs`` for marketplace and language, conditional rules in ``allOf``).
It holds the rule forms the quality checker must understand, plus two it cannot
(``patternProperties`` and ``multipleOf`` in an ``if``), which it must count and skip.
"""

from __future__ import annotations

from typing import Any

MARKETPLACE = "A1PA6795UKMFR9"
LANGUAGE = "de_DE"


def _entries(fields: dict[str, Any], required: list[str], *, selectors: list[str],
             max_items: int = 1) -> dict[str, Any]:
    props = dict(fields)
    if "marketplace_id" in selectors:
        props["marketplace_id"] = {"$ref": "#/$defs/marketplace_id"}
    if "language_tag" in selectors:
        props["language_tag"] = {"$ref": "#/$defs/language_tag"}
    return {"type": "array", "minItems": 1, "maxItems": max_items, "selectors": selectors,
            "items": {"type": "object", "required": required, "additionalProperties": False,
                      "properties": props}}


def _text(max_length: int = 100, max_items: int = 1, **extra: Any) -> dict[str, Any]:
    value = {"type": "string", "minLength": 1, "maxLength": max_length,
             "maxUtf8ByteLength": max_length * 2, **extra}
    return _entries({"value": value}, ["value", "language_tag"],
                    selectors=["marketplace_id", "language_tag"], max_items=max_items)


def _choice(values: list[Any], kind: str = "string") -> dict[str, Any]:
    return _entries({"value": {"type": kind, "enum": values}}, ["value"],
                    selectors=["marketplace_id"])


def _is(name: str, values: list[Any], field: str = "value") -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"contains": {
        "required": [field], "properties": {field: {"enum": values}}}}}}


def jacket_schema() -> dict[str, Any]:
    """A fresh copy of the TEST_JACKET schema."""
    return {
        "$schema": "https://schemas.amazon.com/selling-partners/definitions/product-types/"
                   "meta-schema/v1",
        "$id": "urn:synccenter:test:product-type:TEST_JACKET",
        "$defs": {
            "marketplace_id": {"type": "string", "default": MARKETPLACE, "editable": False,
                               "hidden": True, "enum": [MARKETPLACE, "A13V1IB3VIYZZH"]},
            "language_tag": {"type": "string", "default": LANGUAGE,
                             "enum": [LANGUAGE, "en_GB", "fr_FR"]},
        },
        "type": "object",
        "required": ["item_name", "brand", "item_type_keyword"],
        "additionalProperties": False,
        "properties": {
            "item_name": _text(80),
            "brand": _text(50),
            "item_type_keyword": _choice(["jacket", "vest", "coat", "rain_jacket"]),
            "bullet_point": _text(120, max_items=3),
            "color": {**_choice(["Blue", "Red", "Green", "Black", "White", "Yellow",
                                 "Grey", "Orange", "Purple"]),
                      "enumNames": ["Blau", "Rot", "Grün", "Schwarz", "Weiß", "Gelb",
                                    "Grau", "Orange", "Lila"]},
            "season": _choice(["spring", "summer", "autumn", "winter"]),
            "water_resistance_level": _choice(["none", "water_resistant", "waterproof"]),
            "material": _text(60),
            "sleeve_length": _choice(["long", "short", "sleeveless"]),
            "hood": _choice([True, False], "boolean"),
            "hood_type": _choice(["fixed", "detachable"]),
            "care_instructions": _text(200),
            "pocket_count": _entries({"value": {"type": "integer", "minimum": 0,
                                                "maximum": 20}},
                                     ["value"], selectors=["marketplace_id"]),
            "item_weight": _entries({"value": {"type": "number", "exclusiveMinimum": 0,
                                               "maximum": 50},
                                     "unit": {"type": "string", "enum": ["grams",
                                                                         "kilograms"]}},
                                    ["value", "unit"], selectors=["marketplace_id"]),
            "release_date": _entries({"value": {"type": "string", "format": "date"}},
                                     ["value"], selectors=["marketplace_id"]),
            "externally_assigned_product_identifier": _entries(
                {"type": {"type": "string", "enum": ["ean", "gtin", "upc"]},
                 "value": {"type": "string", "pattern": "^[0-9]{8,14}$"}},
                ["type", "value"], selectors=["marketplace_id", "type"]),
            "fulfillment_availability": _entries(
                {"fulfillment_channel_code": {"type": "string", "default": "DEFAULT"},
                 "quantity": {"type": "integer", "minimum": 0}},
                ["fulfillment_channel_code"], selectors=["fulfillment_channel_code"]),
            "purchasable_offer": _entries(
                {"currency": {"type": "string", "enum": ["EUR", "GBP"]},
                 "audience": {"type": "string", "enum": ["ALL", "B2B"], "default": "ALL"},
                 "our_price": {"type": "array", "maxItems": 1, "items": {
                     "type": "object", "required": ["schedule"], "properties": {
                         "schedule": {"type": "array", "maxItems": 1, "items": {
                             "type": "object", "required": ["value_with_tax"],
                             "properties": {"value_with_tax": {
                                 "type": "number", "minimum": 0}}}}}}}},
                ["currency", "our_price"], selectors=["marketplace_id", "currency",
                                                      "audience"], max_items=2),
        },
        "allOf": [
            {"$comment": "Jackets need bullet points.",
             "if": _is("item_type_keyword", ["jacket"]),
             "then": {"required": ["bullet_point"]}},
            {"$comment": "An offer needs stock.",
             "if": {"required": ["purchasable_offer"]},
             "then": {"required": ["fulfillment_availability"]}},
            {"$comment": "A hood must be described; without one, care instructions.",
             "if": _is("hood", [True]),
             "then": {"required": ["hood_type"]},
             "else": {"required": ["care_instructions"]}},
            {"$comment": "Vests have no sleeves.",
             "if": _is("item_type_keyword", ["vest"]),
             "then": {"properties": {"sleeve_length": {"items": {"properties": {
                 "value": {"const": "sleeveless"}}}}}}},
            {"$comment": "Winter or waterproof clothes name their material.",
             "if": {"anyOf": [_is("season", ["winter"]),
                              _is("water_resistance_level", ["waterproof"])]},
             "then": {"required": ["material"]}},
            {"$comment": "Rule groups may nest.",
             "allOf": [{"if": {"not": {"required": ["release_date"]}},
                        "then": {"required": ["color"]}}]},
            {"$comment": "Not understood: patternProperties.",
             "if": {"patternProperties": {"^x_": {"type": "array"}}},
             "then": {"required": ["material"]}},
            {"$comment": "Not understood: multipleOf.",
             "if": {"required": ["pocket_count"], "properties": {"pocket_count": {
                 "contains": {"properties": {"value": {"multipleOf": 2}}}}}},
             "then": {"required": ["care_instructions"]}},
        ],
    }


def _text_value(value: str) -> list[dict[str, Any]]:
    return [{"value": value, "language_tag": LANGUAGE, "marketplace_id": MARKETPLACE}]


def _value(value: Any) -> list[dict[str, Any]]:
    return [{"value": value, "marketplace_id": MARKETPLACE}]


def complete_jacket() -> dict[str, Any]:
    """Attributes of a TEST_JACKET article that meet every requirement."""
    return {
        "item_name": _text_value("Regenjacke Nordkap"),
        "brand": _text_value("Gipfelwerk"),
        "item_type_keyword": _value("jacket"),
        "bullet_point": _text_value("Wasserdicht") + _text_value("Leicht"),
        "color": _value("Blue"),
        "hood": _value(True),
        "hood_type": _value("fixed"),
        "purchasable_offer": [{"marketplace_id": MARKETPLACE, "currency": "EUR",
                               "audience": "ALL",
                               "our_price": [{"schedule": [{"value_with_tax": 89.9}]}]}],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}],
    }
