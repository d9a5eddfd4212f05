"""Attribute paths, building and flattening the Listings API's attributes, diffs and patches."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.amazon.simulator.product_types import product_types
from server.catalogue import attributes
from server.catalogue.attribute_diff import diff, patches
from server.catalogue.attributes import (
    PATH_SELECTORS,
    AttributeBuilder,
    AttributePath,
    AttributePathError,
    flatten,
    parse_path,
    to_json,
)
from server.errors import SyncCenterError
from tests.catalogue.product_types import LANGUAGE, MARKETPLACE, jacket_schema

DE = MARKETPLACE
OFFER = (f"purchasable_offer[marketplace_id={DE}][audience=ALL]#1.our_price#1.schedule#1"
         ".value_with_tax")
CHANNEL = {"marketplace_id": DE, "language_tag": LANGUAGE, "currency": "EUR"}


@pytest.mark.parametrize("text, expected", [
    (f"item_name[marketplace_id={DE}][language_tag=de_DE]#1.value",
     AttributePath("item_name", {"marketplace_id": DE, "language_tag": "de_DE"}, 1,
                   (("value", None),))),
    (OFFER, AttributePath("purchasable_offer", {"marketplace_id": DE, "audience": "ALL"}, 1,
                          (("our_price", 1), ("schedule", 1), ("value_with_tax", None)))),
    ("fulfillment_availability#1.quantity",
     AttributePath("fulfillment_availability", {}, 1, (("quantity", None),))),
    ("externally_assigned_product_identifier#1.type",
     AttributePath("externally_assigned_product_identifier", {}, 1, (("type", None),))),
    ("bullet_point#2.value", AttributePath("bullet_point", {}, 2, (("value", None),))),
    ("main_product_image_locator#1.media_location",
     AttributePath("main_product_image_locator", {}, 1, (("media_location", None),))),
    ("purchasable_offer#1.start_at.value",
     AttributePath("purchasable_offer", {}, 1, (("start_at", None), ("value", None)))),
    ("other_product_image_locator_1#12.media_location",
     AttributePath("other_product_image_locator_1", {}, 12, (("media_location", None),))),
])
def test_parse_path(text: str, expected: AttributePath) -> None:
    path = parse_path(text)
    assert path == expected
    assert str(path) == text
    assert hash(path) == hash(expected)


@pytest.mark.parametrize("text, column, words", [
    ("", 1, "expected the attribute name, found the end"),
    ("item_name", 10, "expected '#' and an entry number after 'item_name', found the end"),
    ("item name#1.value", 5, "found ' '"),
    ("item_name#0.value", 11, "entry number of 1 or more"),
    ("item_name#x.value", 11, "entry number of 1 or more"),
    ("item_name#1", 12, "expected '.' and a field name after '#1'"),
    ("item_name#1value", 12, "expected '.' and a field name, not 'v'"),
    ("item_name#1.", 13, "expected a field name, found the end"),
    ("item_name#1.value#", 19, "entry number"),
    ("item_name[marketplace_id]#1.value", 25, "expected '=' after the selector name"),
    ("item_name[marketplace_id=A1#1.value", 26, "no closing ']'"),
    ("item_name[marketplace_id=]#1.value", 26, "has no value"),
    ("item_name[=x]#1.value", 11, "expected a selector name"),
    ("item_name[a=1][a=2]#1.value", 16, "written twice"),
    ("::record_action", 1, "workbook setting"),
])
def test_parse_errors_name_the_column(text: str, column: int, words: str) -> None:
    with pytest.raises(AttributePathError) as caught:
        parse_path(text)
    assert caught.value.column == column
    assert f"column {column}:" in str(caught.value) and words in str(caught.value)
    assert isinstance(caught.value, SyncCenterError)


def test_build_fills_selectors_from_schema_and_channel() -> None:
    builder = AttributeBuilder(product_types()["SHIRT"].base_schema, CHANNEL)
    attributes = builder.build({
        "item_name#1.value": "Hemd Oxford",
        "bullet_point#1.value": "Bügelfrei",
        "bullet_point#2.value": "Baumwolle",
        "purchasable_offer#1.our_price#1.schedule#1.value_with_tax": Decimal("19.99"),
        "fulfillment_availability#1.quantity": 5,
        "externally_assigned_product_identifier#1.type": "ean",
        "externally_assigned_product_identifier#1.value": "4012345678901",
    })
    text = {"language_tag": "de_DE", "marketplace_id": DE}
    assert attributes == {
        "item_name": [{"value": "Hemd Oxford", **text}],
        "bullet_point": [{"value": "Bügelfrei", **text}, {"value": "Baumwolle", **text}],
        # currency from the channel, audience from the schema's default
        "purchasable_offer": [{"marketplace_id": DE, "currency": "EUR", "audience": "ALL",
                               "our_price": [{"schedule": [
                                   {"value_with_tax": Decimal("19.99")}]}]}],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}],
        # "type" is a selector the path writes as a field: it is not filled twice
        "externally_assigned_product_identifier": [
            {"marketplace_id": DE, "type": "ean", "value": "4012345678901"}],
    }
    assert to_json(attributes).count(b'"value_with_tax":19.99') == 1


def test_build_written_selectors_win_and_group_entries() -> None:
    builder = AttributeBuilder(jacket_schema(), {"marketplace_id": "A13V1IB3VIYZZH"})
    attributes = builder.build({
        f"item_name[marketplace_id={DE}][language_tag=en_GB]#1.value": "Rain jacket",
        "item_name#1.value": "Jacke",  # marketplace from the channel, language from schema
        f"{OFFER}": 89,
        OFFER.replace("ALL", "B2B"): Decimal("75.63"),
    })
    assert attributes["item_name"] == [
        {"marketplace_id": DE, "language_tag": "en_GB", "value": "Rain jacket"},
        {"marketplace_id": "A13V1IB3VIYZZH", "language_tag": "de_DE", "value": "Jacke"}]
    assert [entry["audience"] for entry in attributes["purchasable_offer"]] == ["ALL", "B2B"]


def test_build_without_schema_skips_empty_values_and_settings() -> None:
    builder = AttributeBuilder(None, CHANNEL)
    values = {"::record_action": "full_update", "brand#1.value": "", "color#1.value": None,
              "item_name#1.value": "Jacke", parse_path("pocket_count#1.value"): 0,
              "hood#1.value": False}
    assert builder.build(values) == {"item_name": [{"value": "Jacke"}],
                                     "pocket_count": [{"value": 0}],
                                     "hood": [{"value": False}]}
    assert builder.build({}) == {}


def test_build_closes_up_missing_numbers() -> None:
    builder = AttributeBuilder(jacket_schema(), CHANNEL)
    attributes = builder.build({"bullet_point#3.value": "drei", "bullet_point#1.value": "eins",
                                "x#1.list#3.value": 3, "x#1.tags#2": "b"})
    assert [entry["value"] for entry in attributes["bullet_point"]] == ["eins", "drei"]
    assert attributes["x"] == [{"list": [{"value": 3}], "tags": ["b"]}]


def test_build_reports_bad_paths() -> None:
    builder = AttributeBuilder(None, {})
    assert builder.build({"brand#1.value": "X"}) == {"brand": [{"value": "X"}]}
    with pytest.raises(AttributePathError, match="column 10"):
        builder.build({"item_name.value": "x", "brand#1.value": "X"})
    # the bad column is not kept: the next rows build as before
    assert builder.build({"brand#1.value": "Y"}) == {"brand": [{"value": "Y"}]}


def test_rows_with_other_columns_and_row_builder() -> None:
    builder = AttributeBuilder(jacket_schema(), CHANNEL)
    rows = [{"brand#1.value": "A", "color#1.value": "Blue"},
            {"color#1.value": "Red", "brand#1.value": None},  # same columns, other order
            {"hood#1.value": True},  # one new column
            {"brand#1.value": "B"},  # some of the known columns
            {"brand#1.value": "C", "color#1.value": "", "hood#1.value": False}]
    built = [builder.build(row) for row in rows]
    assert [{name: [entry["value"] for entry in entries] for name, entries in item.items()}
            for item in built] == [{"brand": ["A"], "color": ["Blue"]}, {"color": ["Red"]},
                                   {"hood": [True]}, {"brand": ["B"]},
                                   {"brand": ["C"], "hood": [False]}]
    assert built[0]["color"] == [{"marketplace_id": DE, "value": "Blue"}]
    make = builder.row_builder(["::record_action", "bullet_point#1.value",
                                "bullet_point#2.value", OFFER])
    assert make(("full_update", "", "zwei", Decimal("9.90"))) == {
        "bullet_point": [{"marketplace_id": DE, "language_tag": "de_DE", "value": "zwei"}],
        "purchasable_offer": [{"marketplace_id": DE, "audience": "ALL", "currency": "EUR",
                               "our_price": [{"schedule": [
                                   {"value_with_tax": Decimal("9.90")}]}]}]}
    assert make(("full_update", None, None, None)) == {}


def test_flatten_writes_bracket_selectors() -> None:
    attributes = {"item_name": [{"value": "Jacke", "language_tag": "de_DE",
                                 "marketplace_id": DE}],
                  "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT",
                                                "quantity": 3}],
                  "purchasable_offer": [{"audience": "ALL", "currency": "EUR", "our_price": [
                      {"schedule": [{"value_with_tax": 9.5}]}]}]}
    assert flatten(attributes) == {
        f"item_name[language_tag=de_DE][marketplace_id={DE}]#1.value": "Jacke",
        "fulfillment_availability#1.fulfillment_channel_code": "DEFAULT",
        "fulfillment_availability#1.quantity": 3,
        "purchasable_offer[audience=ALL]#1.currency": "EUR",
        "purchasable_offer[audience=ALL]#1.our_price#1.schedule#1.value_with_tax": 9.5,
    }
    with pytest.raises(AttributePathError, match="not a list"):
        flatten({"brand": "Gipfelwerk"})


# ----- round trips ---------------------------------------------------------------------

NAMES = st.text("abcxyz_019", min_size=1, max_size=6).filter(
    lambda name: name not in PATH_SELECTORS)
LEAVES = st.one_of(
    st.text(min_size=1, max_size=10), st.integers(-10**6, 10**6), st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.floats(allow_nan=False, allow_infinity=False))
SELECTOR_VALUES = st.text("AB1_ .-=#[", min_size=1, max_size=8)


def objects(depth: int) -> st.SearchStrategy:
    children = [LEAVES, st.lists(LEAVES, min_size=1, max_size=3)]
    if depth:
        inner = objects(depth - 1)
        children += [inner, st.lists(inner, min_size=1, max_size=2)]
    return st.dictionaries(NAMES, st.one_of(*children), min_size=1, max_size=3)


@st.composite
def attribute_sets(draw: st.DrawFn) -> dict:
    out = {}
    for name in draw(st.lists(NAMES, min_size=1, max_size=4, unique=True)):
        keys = draw(st.lists(st.sampled_from(PATH_SELECTORS), unique=True, max_size=2))
        entries = []
        for _ in range(draw(st.integers(1, 3))):
            selectors = {key: draw(SELECTOR_VALUES) for key in keys if draw(st.booleans())}
            entries.append({**selectors, **draw(objects(2))})
        out[name] = entries
    return out


@settings(max_examples=100, deadline=None, database=None)
@given(attribute_sets())
def test_flatten_build_round_trip(attributes: dict) -> None:
    paths = flatten(attributes)
    builder = AttributeBuilder(None, CHANNEL)
    assert flatten(builder.build(paths)) == paths
    for text in paths:
        assert str(parse_path(text)) == text


def test_to_json_writes_decimal_digits() -> None:
    attributes = {"list_price": [{"value": Decimal("1234567890.123456789"), "currency": "EUR"}],
                  "weight": [{"value": Decimal("1E+2")}], "hood": [{"value": True}]}
    assert to_json(attributes) == (b'{"list_price":[{"value":1234567890.123456789,'
                                   b'"currency":"EUR"}],"weight":[{"value":100}],'
                                   b'"hood":[{"value":true}]}')
    assert orjson.loads(to_json(attributes))["weight"] == [{"value": 100}]


def test_round_trip_with_schema_selectors() -> None:
    builder = AttributeBuilder(product_types()["SHIRT"].base_schema, CHANNEL)
    paths = {f"item_name[marketplace_id={DE}][language_tag=de_DE]#1.value": "Hemd",
             f"bullet_point[marketplace_id={DE}][language_tag=de_DE]#2.value": "zwei",
             f"bullet_point[marketplace_id={DE}][language_tag=de_DE]#1.value": "eins",
             OFFER: Decimal("19.90"),
             f"purchasable_offer[marketplace_id={DE}][audience=ALL]#1.currency": "EUR"}
    assert flatten(builder.build(paths)) == paths


# ----- diff and patches ----------------------------------------------------------------

def offer(price) -> list[dict]:
    return [{"marketplace_id": DE, "currency": "EUR", "audience": "ALL",
             "our_price": [{"schedule": [{"value_with_tax": price}]}]}]


def test_diff_describes_changes() -> None:
    old = {"purchasable_offer": offer(19.99), "color": [{"value": "Blue", "marketplace_id": DE}],
           "bullet_point": [{"value": "a"}, {"value": "b"}], "brand": [{"value": "X"}]}
    new = {"purchasable_offer": offer(Decimal("17.99")), "brand": [{"value": "X"}],
           "bullet_point": [{"value": "a"}, {"value": "c"}],
           "item_name": [{"value": "Jacke", "language_tag": "de_DE"}]}
    changes = diff(old, new)
    assert [(c.attribute, c.kind) for c in changes] == [
        ("purchasable_offer", "changed"), ("bullet_point", "changed"), ("item_name", "added"),
        ("color", "removed")]
    assert [c.describe() for c in changes] == [
        "purchasable_offer: our_price 19.99 -> 17.99",
        "bullet_point: #2 'b' -> 'c'",
        "item_name: added 'Jacke'",
        "color: removed (was 'Blue')",
    ]


def test_diff_ignores_number_forms_and_entry_order() -> None:
    old = {"purchasable_offer": offer(19.9), "bullet_point": [{"value": "a"}, {"value": "b"}],
           "hood": [{"value": True}], "empty": []}
    new = {"purchasable_offer": offer(Decimal("19.90")),
           "bullet_point": [{"value": "b"}, {"value": "a"}], "hood": [{"value": True}]}
    assert diff(old, new) == []
    assert [c.kind for c in diff({"hood": [{"value": True}]}, {"hood": [{"value": 1}]})] == [
        "changed"]


def test_patches_replace_and_delete_with_selectors() -> None:
    schema = product_types()["SHIRT"].base_schema
    old = {"purchasable_offer": offer(19.99),
           "color": [{"value": "Blue", "marketplace_id": DE, "language_tag": "de_DE"}],
           "fabric_type": [{"value": "Baumwolle"}]}
    new = {"purchasable_offer": offer(Decimal("17.99"))}
    assert patches(old, new, schema) == [
        {"op": "replace", "path": "/attributes/purchasable_offer", "value": new[
            "purchasable_offer"]},
        {"op": "delete", "path": "/attributes/color",
         "value": [{"marketplace_id": DE, "language_tag": "de_DE"}]},
        {"op": "delete", "path": "/attributes/fabric_type"},
    ]
    assert patches(new, new) == []
    assert attributes.patches is patches and attributes.diff is diff  # also importable there
