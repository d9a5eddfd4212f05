"""Product types from JSON files, from the (simulated) API and from category workbooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema
import pytest

from server.amazon.simulator import Simulator, serve_simulator
from server.catalogue.catalogue import Catalogue, CatalogueError
from server.catalogue.categories import import_browse_tree
from server.catalogue.product_types import import_schema_file, read_schema_file
from server.catalogue.workbooks import import_category_workbook, import_workbook
from tests.catalogue.workbooks import (
    category_sheets,
    write_category_workbook,
    write_guide,
    write_workbook,
)

if TYPE_CHECKING:
    from tests.catalogue.conftest import Cli

DE = "A1PA6795UKMFR9"
FR = "A13V1IB3VIYZZH"


def jacket_schema(*keywords: str) -> dict:
    """A small schema in the shape of Amazon's, with item type keywords."""
    keyword = {"type": "array", "selectors": ["marketplace_id"], "items": {
        "type": "object", "required": ["value"], "properties": {
            "value": {"type": "string", "enum": list(keywords)},
            "marketplace_id": {"$ref": "#/$defs/marketplace_id"}}}}
    return {"$id": "https://example.test/schema/v1/OUTDOOR_JACKET", "type": "object",
            "required": ["item_name", "item_type_keyword"],
            "properties": {"item_name": {"type": "array"}, "item_type_keyword": keyword}}


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_schema_file_is_stored_and_links_categories_by_keyword(
        sqlite_catalogue: Catalogue, tmp_path: Path) -> None:
    import_browse_tree(sqlite_catalogue, write_guide(tmp_path / "guide.xlsx"), DE)
    sqlite_catalogue.link(DE, "9121", "RUNNING_SHOE")
    schema = jacket_schema("outdoor-jackets", "running-shoes", "rain-coats")
    report = import_schema_file(sqlite_catalogue, write_json(tmp_path / "x.json", schema), DE)

    assert (report.name, report.new, report.properties) == ("OUTDOOR_JACKET", True, 2)
    assert report.required == ["item_name", "item_type_keyword"]
    assert report.linked == ["9111"]
    assert report.kept == ["9121 (RUNNING_SHOE)"]
    assert report.unmatched == ["rain-coats"]
    assert sqlite_catalogue.category(DE, "9111").product_type == "OUTDOOR_JACKET"
    assert sqlite_catalogue.product_type(DE, "OUTDOOR_JACKET") == schema
    text = "\n".join(report.lines())
    assert "1 categories linked by item type keyword" in text
    assert "1 of its 3 keywords match no category: rain-coats" in text
    assert "2 categories with an item type keyword still have no product type" in text


def test_names_from_definition_file_name_or_option(sqlite_catalogue: Catalogue,
                                                   tmp_path: Path) -> None:
    bare = {"type": "object", "properties": {"brand": {"type": "array"}}}
    definition = {"productType": "SHIRT", "displayName": "Hemd",
                  "productTypeVersion": {"version": "U1"}, "locale": "de_DE", "schema": bare}
    report = import_schema_file(sqlite_catalogue, write_json(tmp_path / "d.json", definition),
                                DE)
    assert (report.name, report.display_name, report.version) == ("SHIRT", "Hemd", "U1")
    assert "lists no item type keywords" in "\n".join(report.lines())
    [info] = sqlite_catalogue.product_types(DE)
    assert (info.display_name, info.version, info.locale) == ("Hemd", "U1", "de_DE")

    assert import_schema_file(sqlite_catalogue, write_json(tmp_path / "shoes.json", bare),
                              DE).name == "SHOES"
    assert import_schema_file(sqlite_catalogue, write_json(tmp_path / "a b.json", bare), DE,
                              name="bag").name == "BAG"
    with pytest.raises(CatalogueError, match=r"a b.json: cannot tell the product type's "
                       r"name from the file; give it with --name"):
        import_schema_file(sqlite_catalogue, tmp_path / "a b.json", DE)


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "is not JSON: .*expected a product type's JSON schema"),
    ("[1, 2]", "holds a JSON list, not an object"),
    ('{"type": "object"}', r"not a product type schema: expected a JSON object with "
                           r"\"properties\" .*found \['type'\]"),
    ('{"properties": {}, "required": "brand"}', '"required" must be a list'),
])
def test_bad_schema_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "SHIRT.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError, match=message):
        read_schema_file(path)


def test_product_types_from_the_simulated_api(cli: Cli) -> None:
    simulator = Simulator(seed=3, starting_catalog=False)
    with serve_simulator(simulator) as running:
        cli.configure(f'mode = "simulator"\napi_url = "{running.base_url}"\n'
                      f'token_url = "{running.token_url}"\nseller_id = "{simulator.seller_id}"\n')
        result = cli("product-types", "import", "--api", "shirt", "--api", "SHOES",
                     "--locale", "de_DE")
        assert result.exit_code == 0, result.output
        missing = cli("product-types", "import", "--api", "HAT")
    assert "product type SHIRT (" in result.output and "from api:amazon-de" in result.output
    assert "product type SHOES" in result.output
    assert missing.exit_code == 1 and "HAT" in missing.output
    listed = cli("product-types", "list")
    assert "SHIRT" in listed.output and "api:amazon-de" in listed.output


def test_the_api_needs_a_remote_channel(cli: Cli) -> None:
    result = cli("product-types", "import", "--api", "SHIRT")
    assert result.exit_code == 1 and "is in file mode" in result.output
    result = cli("product-types", "import")
    assert result.exit_code == 2 and "give a JSON schema FILE or --api NAME" in result.output


def test_product_types_cli_from_a_file(cli: Cli, tmp_path: Path) -> None:
    schema = write_json(tmp_path / "OUTDOOR_JACKET.json", jacket_schema("outdoor-jackets"))
    cli("categories", "import", str(write_guide(tmp_path / "guide.xls")))
    result = cli("product-types", "import", str(schema))
    assert result.exit_code == 0, result.output
    assert "1 categories linked by item type keyword" in result.output
    search = cli("categories", "search", "jacken")
    assert "9111" in search.output and "OUTDOOR_JACKET" in search.output


# -- category workbooks ------------------------------------------------------------------------

def test_a_category_workbook_becomes_a_product_type(sqlite_catalogue: Catalogue,
                                                    tmp_path: Path) -> None:
    import_browse_tree(sqlite_catalogue, write_guide(tmp_path / "guide.xlsx"), DE)
    workbook = write_category_workbook(tmp_path / "OUTDOOR_JACKET.xlsm")
    report = import_workbook(sqlite_catalogue, workbook, DE)

    assert (report.kind, report.product_type, report.linked) == (
        "category workbook", "OUTDOOR_JACKET", 1)
    assert report.problems == [
        "1 browse nodes of sheet 'Browse Data' are not among the imported categories, so not "
        "linked (import the Browse Tree Guide first): 9999 (Sport & Freizeit > Outdoor > "
        "Ponchos)"]
    assert sqlite_catalogue.category(DE, "9111").product_type == "OUTDOOR_JACKET"

    schema = sqlite_catalogue.product_type(DE, "OUTDOOR_JACKET")
    jsonschema.Draft201909Validator.check_schema(schema)
    assert schema["required"] == ["item_name", "brand", "bullet_point"]
    assert "contribution_sku" not in schema["properties"]
    assert "product_type" not in schema["properties"]
    bullets = schema["properties"]["bullet_point"]
    assert (bullets["maxItems"], bullets["minItems"]) == (2, 1)
    assert bullets["selectors"] == ["marketplace_id", "language_tag"]
    assert bullets["items"]["required"] == ["value"]
    color = schema["properties"]["color"]
    assert color["items"]["properties"]["value"]["enum"] == ["Rot", "Blau", "Grün"]
    assert "minItems" not in color
    offer = schema["properties"]["purchasable_offer"]["items"]["properties"]
    price = offer["our_price"]["items"]["properties"]["schedule"]["items"]
    assert price["properties"]["value_with_tax"]["type"] == "number"
    assert offer["audience"] == {"type": "string", "default": "ALL"}
    assert schema["$defs"]["language_tag"]["default"] == "de_DE"

    listing = {"item_name": [{"value": "Regenjacke", "language_tag": "de_DE"}],
               "brand": [{"value": "Acme"}], "bullet_point": [{"value": "dicht"}],
               "color": [{"value": "Rot"}], "fulfillment_availability": [{"quantity": 3}]}
    validator = jsonschema.Draft201909Validator(schema)
    validator.validate(listing)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**listing, "color": [{"value": "Lila"}]})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"brand": listing["brand"]})


def test_the_product_type_from_valid_values_or_the_option(sqlite_catalogue: Catalogue,
                                                          tmp_path: Path) -> None:
    sheets = category_sheets(product_type=None)  # no ptds: the valid values name it
    report = import_category_workbook(sqlite_catalogue,
                                      write_workbook(tmp_path / "a.xlsx", sheets), DE)
    assert report.product_type == "OUTDOOR_JACKET"

    sheets = category_sheets(product_type=None, valid_values=False)
    path = write_workbook(tmp_path / "b.xlsx", sheets)
    with pytest.raises(CatalogueError, match=r"b.xlsx: cannot tell which product type the "
                       r"workbook is for; give it with --product-type NAME"):
        import_category_workbook(sqlite_catalogue, path, DE)
    report = import_category_workbook(sqlite_catalogue, path, DE, product_type="rain_coat")
    assert report.product_type == "RAIN_COAT"
    assert "no attribute" not in "\n".join(report.problems)

    report = import_category_workbook(sqlite_catalogue, write_category_workbook(
        tmp_path / "c.xlsx"), DE, product_type="COAT")
    assert report.problems[0] == ("the workbook says product type OUTDOOR_JACKET; saved as "
                                  "COAT as asked")


def test_bad_category_workbooks(sqlite_catalogue: Catalogue, tmp_path: Path) -> None:
    other = write_category_workbook(tmp_path / "fr.xlsx", marketplace=FR)
    with pytest.raises(CatalogueError, match=f"fr.xlsx is a workbook of marketplace {FR}, but "
                       f"the channel's marketplace is {DE}; import it with --channel"):
        import_category_workbook(sqlite_catalogue, other, DE)

    bad_row = ["settings=TemplateType%3Dunified%26labelRow%3Dfour%26attributeRow%3D5"]
    path = write_workbook(tmp_path / "s.xlsx", category_sheets(settings=bad_row))
    with pytest.raises(CatalogueError, match=r"s.xlsx: sheet 'Template' row 1: the setting "
                       r"labelRow='four' is not a row number; expected a number from 1"):
        import_category_workbook(sqlite_catalogue, path, DE)

    sheets = category_sheets(settings=[])  # no settings: the path row is found
    report = import_category_workbook(sqlite_catalogue,
                                      write_workbook(tmp_path / "n.xlsx", sheets), DE)
    assert report.product_type == "OUTDOOR_JACKET"

    sheets = dict(category_sheets(settings=[]))
    sheets["Template"] = [["Nothing here"], ["Really nothing"]]
    with pytest.raises(CatalogueError, match=r"sheet 'Template' rows 1 to 10: no row of "
                       r"attribute paths"):
        import_category_workbook(sqlite_catalogue, write_workbook(tmp_path / "e.xlsx",
                                                                  sheets), DE)
