"""Data quality against the simulator's SHIRT/SHOES schemas and the test product type."""

from __future__ import annotations

from decimal import Decimal

import jsonschema
import pytest

from server.amazon.simulator import sample_attributes
from server.amazon.simulator.product_types import product_types
from server.catalogue.quality import ProductTypeSchemaError, QualityChecker
from server.catalogue.schema_rules import Compiler, Unsupported
from tests.catalogue.product_types import MARKETPLACE, complete_jacket, jacket_schema


def schema_of(name: str) -> dict:
    return product_types()[name].base_schema


@pytest.fixture(scope="module")
def jacket() -> QualityChecker:
    return QualityChecker(jacket_schema())


def kinds(quality) -> list[tuple[str, str]]:
    return [(problem.attribute, problem.kind) for problem in quality.problems]


@pytest.mark.parametrize("name", ["PRODUCT", "SHIRT", "SHOES"])
def test_complete_sample_is_ok(name: str) -> None:
    checker = QualityChecker(schema_of(name))
    quality = checker.check(sample_attributes(name))
    assert quality.problems == []
    assert quality.dq1 == 1.0 and quality.ok
    assert 0 < quality.dq2 < 1
    assert checker.unknown_rules == 0


def test_required_attribute_missing() -> None:
    attributes = sample_attributes("SHIRT")
    del attributes["brand"]
    attributes["color"] = []  # empty counts as missing
    quality = QualityChecker(schema_of("SHIRT")).check(attributes)
    assert kinds(quality) == [("brand", "missing"), ("color", "missing")]
    assert quality.problems[0].reason == "required attribute 'brand' is missing"
    # 10 required by the schema, 3 more by rules (offer, no ASIN): 11 of 13 valid
    assert quality.required == 13 and quality.required_valid == 11
    assert quality.dq1 == pytest.approx(11 / 13)
    assert not quality.ok


def test_invalid_enum_names_allowed_values(jacket: QualityChecker) -> None:
    attributes = complete_jacket()
    attributes["color"][0]["value"] = "Blau"
    quality = jacket.check(attributes)
    assert kinds(quality) == [("color", "invalid")]
    assert quality.problems[0].reason == (
        "'color' value 'Blau' is not one of the allowed values "
        "(Blue, Red, Green, Black, White, Yellow, Grey, Orange, ...)")
    assert quality.dq1 == pytest.approx(6 / 7)


def test_max_length_and_utf8_bytes() -> None:
    checker = QualityChecker(schema_of("SHIRT"))
    attributes = sample_attributes("SHIRT")
    attributes["item_name"][0]["value"] = "x" * 201
    quality = checker.check(attributes)
    assert [p.reason for p in quality.problems] == [
        "'item_name' is 201 characters long; at most 200 are allowed"]
    jacket = QualityChecker(jacket_schema())
    attributes = complete_jacket()
    attributes["brand"][0]["value"] = "€" * 40  # 40 characters, 120 bytes (at most 100)
    assert [p.reason for p in jacket.check(attributes).problems] == [
        "'brand' is 120 bytes long in UTF-8; at most 100 are allowed"]


def test_nested_values_and_entries() -> None:
    checker = QualityChecker(schema_of("SHIRT"))
    attributes = sample_attributes("SHIRT")
    offer = attributes["purchasable_offer"][0]
    offer["our_price"][0]["schedule"][0]["value_with_tax"] = -1
    attributes["bullet_point"] *= 3  # six entries, at most five
    del attributes["apparel_size"][0]["size"]
    attributes["fabric_type"][0]["colour"] = "blue"
    reasons = [p.reason for p in checker.check(attributes).problems]
    assert reasons == [
        "'bullet_point' has 6 entries; at most 5 are allowed",
        "'purchasable_offer.our_price.schedule.value_with_tax' value -1 is less than the "
        "minimum 0",
        "'apparel_size' has no 'size'",
        "'fabric_type' has the field 'colour', which the product type does not know",
    ]


def test_numbers_decimal_and_bool() -> None:
    checker = QualityChecker(jacket_schema())
    attributes = complete_jacket()
    attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"] = \
        Decimal("89.90")
    attributes["pocket_count"] = [{"value": Decimal("4")}]
    attributes["item_weight"] = [{"value": 0, "unit": "grams"}]
    attributes["fulfillment_availability"][0]["quantity"] = True
    reasons = [p.reason for p in checker.check(attributes).problems]
    assert reasons == [  # in the order of the attributes
        "'fulfillment_availability.quantity' value true is not a whole number",
        "'item_weight' value 0 must be more than 0",
    ]


def test_conditional_required_applies_or_not(jacket: QualityChecker) -> None:
    attributes = complete_jacket()
    del attributes["bullet_point"]
    quality = jacket.check(attributes)
    assert kinds(quality) == [("bullet_point", "conditional")]
    assert quality.problems[0].reason == (
        "'bullet_point' becomes required because item_type_keyword is 'jacket'")
    attributes["item_type_keyword"] = [{"value": "coat"}]
    quality = jacket.check(attributes)
    assert quality.problems == [] and quality.required == 6


def test_conditional_else_and_any_of(jacket: QualityChecker) -> None:
    attributes = complete_jacket()
    attributes["hood"] = [{"value": False}]
    attributes["season"] = [{"value": "winter"}]
    quality = jacket.check(attributes)
    assert [p.reason for p in quality.problems] == [
        "'care_instructions' becomes required because hood is not true",
        "'material' becomes required because (season is 'winter' or "
        "water_resistance_level is 'waterproof')",
    ]
    del attributes["season"]
    attributes["water_resistance_level"] = [{"value": "waterproof"}]
    attributes["material"] = [{"value": "Nylon", "language_tag": "de_DE"}]
    attributes["care_instructions"] = [{"value": "30 °C", "language_tag": "de_DE"}]
    assert jacket.check(attributes).problems == []


def test_conditional_not_required_and_nested_group() -> None:
    checker = QualityChecker(schema_of("SHIRT"))
    attributes = sample_attributes("SHIRT")
    del attributes["externally_assigned_product_identifier"]
    assert [p.reason for p in checker.check(attributes).problems] == [
        "'externally_assigned_product_identifier' becomes required because "
        "merchant_suggested_asin is not given"]
    attributes["merchant_suggested_asin"] = [{"value": "B000000001",
                                              "marketplace_id": MARKETPLACE}]
    assert checker.check(attributes).problems == []
    jacket = QualityChecker(jacket_schema())
    attributes = complete_jacket()
    del attributes["color"]
    assert kinds(jacket.check(attributes)) == [("color", "conditional")]
    attributes["release_date"] = [{"value": "2026-03-01"}]
    assert jacket.check(attributes).problems == []
    attributes["release_date"] = [{"value": "01.03.2026"}]
    assert [p.reason for p in jacket.check(attributes).problems][0] == (
        "'release_date' value '01.03.2026' is not a date (YYYY-MM-DD)")


def test_conditional_constraint_on_values() -> None:
    checker = QualityChecker(schema_of("SHIRT"))
    attributes = sample_attributes("SHIRT")
    attributes["apparel_size"][0].update(size_class="numeric", size="40")
    quality = checker.check(attributes)
    assert kinds(quality) == [("apparel_size", "conditional")]
    assert quality.problems[0].reason == (
        "'apparel_size.size_system' value 'as1' must be 'as4' because "
        "apparel_size.size_class is 'numeric'")
    assert quality.dq1 < 1
    attributes["apparel_size"][0]["size_system"] = "as4"
    assert checker.check(attributes).ok


def test_shoes_waterproof_needs_sole_material() -> None:
    checker = QualityChecker(schema_of("SHOES"))
    attributes = sample_attributes("SHOES")
    attributes.pop("sole_material", None)
    attributes["water_resistance_level"] = [{"value": "waterproof",
                                             "marketplace_id": MARKETPLACE}]
    assert [p.reason for p in checker.check(attributes).problems] == [
        "'sole_material' becomes required because water_resistance_level is 'waterproof'"]


def test_dq2_counts_valid_optional_attributes(jacket: QualityChecker) -> None:
    attributes = complete_jacket()
    quality = jacket.check(attributes)
    # 18 attributes; 7 required for this article; optional present: hood, purchasable_offer
    assert (quality.required, quality.optional, quality.optional_valid) == (7, 11, 2)
    assert quality.dq2 == pytest.approx(2 / 11)
    attributes["season"] = [{"value": "winter"}]
    attributes["material"] = [{"value": "Wolle", "language_tag": "de_DE"}]  # now required
    attributes["pocket_count"] = [{"value": 99}]  # invalid: not counted
    quality = jacket.check(attributes)
    assert (quality.required, quality.optional, quality.optional_valid) == (8, 10, 3)
    assert kinds(quality) == [("pocket_count", "invalid")]


def test_unknown_rules_are_counted_and_skipped(jacket: QualityChecker) -> None:
    assert jacket.unknown_rules == 2
    assert "patternProperties" in jacket.unknown[0] and "multipleOf" in jacket.unknown[1]
    attributes = complete_jacket()
    attributes["pocket_count"] = [{"value": 4}]
    attributes["care_instructions"] = []
    assert jacket.check(attributes).ok


def test_unknown_attribute_and_requirements() -> None:
    attributes = sample_attributes("SHIRT")
    attributes["shoe_size"] = [{"value": "42"}]
    quality = QualityChecker(schema_of("SHIRT")).check(attributes)
    assert [p.reason for p in quality.problems] == [
        "'shoe_size' is not an attribute of this product type"]
    assert quality.ok
    offer_only = QualityChecker(schema_of("SHIRT"), requirements="LISTING_OFFER_ONLY")
    assert offer_only.required == ()
    quality = offer_only.check({"purchasable_offer": attributes["purchasable_offer"]})
    assert [(p.attribute, p.kind) for p in quality.problems] == [
        ("externally_assigned_product_identifier", "conditional"),
        ("condition_type", "conditional"), ("fulfillment_availability", "conditional")]
    product_only = QualityChecker(schema_of("SHIRT"), requirements="LISTING_PRODUCT_ONLY")
    assert "brand" in product_only.required
    with pytest.raises(ProductTypeSchemaError, match="unknown requirements"):
        QualityChecker(schema_of("SHIRT"), requirements="OFFER")
    with pytest.raises(ProductTypeSchemaError, match="no 'properties'"):
        QualityChecker({"type": "object"})


def test_strict_compiler_refuses_unknown_keywords() -> None:
    with pytest.raises(Unsupported, match="multipleOf"):
        Compiler({}, strict=True).compile({"type": "integer", "multipleOf": 2}, "'x'")
    check = Compiler({}).compile({"type": "integer", "multipleOf": 2}, "'x'")
    assert check(3) is None and check("3") == "'x' value '3' is not a whole number"


MUTATIONS = [
    lambda a: a["item_name"][0].update(value=""),
    lambda a: a["item_name"][0].update(value=7),
    lambda a: a["item_name"][0].update(language_tag="xx_XX"),
    lambda a: a["item_name"].append(dict(a["item_name"][0])),
    lambda a: a["bullet_point"][0].pop("value"),
    lambda a: a["externally_assigned_product_identifier"][0].update(value="12ab"),
    lambda a: a["externally_assigned_product_identifier"][0].update(type="asin"),
    lambda a: a["fulfillment_availability"][0].update(quantity=-1),
    lambda a: a["fulfillment_availability"][0].update(quantity=1.5),
    lambda a: a["fulfillment_availability"][0].update(quantity=3.0),
    lambda a: a["fulfillment_availability"][0].update(lead_time_to_ship_max_days=31),
    lambda a: a["purchasable_offer"][0].update(currency="USD"),
    lambda a: a["purchasable_offer"][0].update(our_price=[]),
    lambda a: a["purchasable_offer"][0]["our_price"][0].update(schedule="x"),
    lambda a: a["purchasable_offer"][0]["our_price"][0]["schedule"][0].update(
        value_with_tax="19.99"),
    lambda a: a["purchasable_offer"][0].update(audience="B2B"),
    lambda a: a["main_product_image_locator"][0].update(media_location="ftp://x"),
    lambda a: a["apparel_size"][0].update(size="huge"),
    lambda a: a["color"].clear(),
    lambda a: a["color"][0].update(extra=1),
    lambda a: a.update(color="Blue"),
    lambda a: a.update(color=[["Blue"]]),
    lambda a: a["target_gender"][0].update(value=True),
]


@pytest.mark.parametrize("number", range(len(MUTATIONS)))
def test_validity_agrees_with_jsonschema(number: int) -> None:
    schema = schema_of("SHIRT")
    attributes = sample_attributes("SHIRT")
    MUTATIONS[number](attributes)
    checker = QualityChecker(schema)
    invalid = {p.attribute for p in checker.check(attributes).problems if p.kind == "invalid"}
    for name, value in attributes.items():
        if value in ([], None, ""):
            continue
        node = {"$defs": schema["$defs"], **schema["properties"][name]}
        expected = jsonschema.Draft201909Validator(node).is_valid(value)
        assert (name not in invalid) == expected, (name, value)


def test_then_forbids_attributes() -> None:
    schema = jacket_schema()
    schema["allOf"] = [{"if": {"required": ["hood"], "properties": {"hood": {"contains": {
        "properties": {"value": {"const": False}}}}}},
        "then": {"not": {"required": ["hood_type"]}}}]
    checker = QualityChecker(schema)
    attributes = complete_jacket()
    attributes["hood"] = [{"value": False}]
    quality = checker.check(attributes)
    assert [(p.kind, p.reason) for p in quality.problems] == [
        ("conditional", "'hood_type' must not be given because hood is false")]
    del attributes["hood_type"]
    assert checker.check(attributes).problems == []
