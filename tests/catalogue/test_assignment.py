"""The Catalogue API on every backend: categories, product types, links, assignments,
overrides and snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from server.catalogue.catalogue import Catalogue, CatalogueError, CategoryRow

if TYPE_CHECKING:
    from tests.catalogue.conftest import Cli

DE = "A1PA6795UKMFR9"
FR = "A13V1IB3VIYZZH"
SCHEMA = {"type": "object", "required": ["item_name"],
          "properties": {"item_name": {"type": "array"}}}


def rows(*paths: str, query: str | None = None) -> list[CategoryRow]:
    """Categories for paths; node ids 100, 101... in order; parents from the paths."""
    ids = {path: str(100 + i) for i, path in enumerate(paths)}
    return [CategoryRow(node_id=ids[path], path=path, name=path.split("/")[-1],
                        parent_node_id=ids.get(path.rpartition("/")[0]),
                        depth=path.count("/") + 1, query=query) for path in paths]


TREE = ("Sport", "Sport/Outdoor", "Sport/Outdoor/Jacken", "Sport/Outdoor/Zelte", "Garten")


def test_categories_upsert_search_and_children(catalogue: Catalogue) -> None:
    assert catalogue.upsert_categories(DE, rows(*TREE), "guide.xlsx") == (5, 0)
    assert catalogue.upsert_categories(DE, rows(*TREE), "guide.xlsx") == (0, 0)
    changed = rows(*TREE, query="item_type_keyword:x")
    assert catalogue.upsert_categories(DE, changed[:2], "guide2.xlsx") == (0, 2)
    assert catalogue.category_count(DE) == 5 and catalogue.category_count(FR) == 0

    jacket = catalogue.category(DE, "102")
    assert jacket is not None
    assert (jacket.path, jacket.name, jacket.parent_node_id, jacket.depth) == (
        "Sport/Outdoor/Jacken", "Jacken", "101", 3)
    assert jacket.imported_at.tzinfo is not None
    assert catalogue.category(DE, "999") is None and catalogue.category(FR, "102") is None

    assert [c.node_id for c in catalogue.search_categories(DE, "outdoor")] == [
        "101", "102", "103"]
    assert [c.node_id for c in catalogue.search_categories(DE, "SPORT jack")] == ["102"]
    assert [c.node_id for c in catalogue.search_categories(DE, "104")] == ["104"]
    assert catalogue.search_categories(DE, "100%") == []
    assert catalogue.search_categories(DE, "  ") == []
    assert len(catalogue.search_categories(DE, "sport", limit=2)) == 2

    assert [c.name for c in catalogue.children(DE, None)] == ["Garten", "Sport"]
    assert [c.name for c in catalogue.children(DE, "101")] == ["Jacken", "Zelte"]
    assert catalogue.children(DE, "102") == []
    assert catalogue.queries(DE) == [("100", "item_type_keyword:x", None),
                                     ("101", "item_type_keyword:x", None)]


def test_a_large_import_is_consumed_in_chunks(catalogue: Catalogue) -> None:
    taken = 0

    def generate():
        nonlocal taken
        for i in range(2_000):
            taken += 1
            yield CategoryRow(str(i + 1), f"Root/N{i}", f"N{i}", None, 2)

    assert catalogue.upsert_categories(DE, generate(), "big.xlsx") == (2_000, 0)
    assert taken == 2_000 and catalogue.category_count(DE) == 2_000


def test_product_types_and_links(catalogue: Catalogue) -> None:
    assert catalogue.save_product_type(DE, "SHIRT", SCHEMA, display_name="Shirt",
                                       version="1", locale="de_DE", source="api")
    assert not catalogue.save_product_type(DE, "SHIRT", {**SCHEMA, "required": []},
                                           source="shirt.json")
    assert catalogue.product_type(DE, "SHIRT")["required"] == []
    assert catalogue.product_type(DE, "SHOES") is None
    assert catalogue.product_type(FR, "SHIRT") is None
    [info] = catalogue.product_types(DE)
    assert (info.name, info.display_name, info.version, info.source) == (
        "SHIRT", None, None, "shirt.json")

    catalogue.upsert_categories(DE, rows(*TREE), "guide.xlsx")
    catalogue.link(DE, "102", "SHIRT")
    assert catalogue.category(DE, "102").product_type == "SHIRT"
    assert catalogue.link_nodes(DE, ["103", "777"], "SHIRT") == ["777"]
    with pytest.raises(CatalogueError, match="'105' is not among the 5 categories"):
        catalogue.link(DE, "105", "SHIRT")
    # Re-importing the guide keeps the links.
    catalogue.upsert_categories(DE, rows(*TREE, query="q"), "guide.xlsx")
    assert catalogue.category(DE, "102").product_type == "SHIRT"


def test_assign_by_category_and_by_product_type(catalogue: Catalogue) -> None:
    catalogue.upsert_categories(DE, rows(*TREE), "guide.xlsx")
    catalogue.save_product_type(DE, "SHIRT", SCHEMA, source="api")
    catalogue.save_product_type(DE, "SHOES", SCHEMA, source="api")
    skus = [f"A{i:05}" for i in range(1_200)]

    assert catalogue.assign(DE, skus + skus[:10], node_id="102", by="test") == 1_200
    assert catalogue.assignment(DE, "A00001") == ("102", None)
    catalogue.link(DE, "102", "SHIRT")  # the link reaches the assigned articles
    assert catalogue.assignment(DE, "A00001") == ("102", "SHIRT")

    assert catalogue.assign(DE, ["A00002"], node_id="103", product_type="SHOES") == 1
    assert catalogue.assign(DE, ["A00003"], product_type="SHOES") == 1
    assignments = catalogue.assignments(DE)
    assert len(assignments) == 1_200
    assert assignments["A00002"] == ("103", "SHOES")
    assert assignments["A00003"] == (None, "SHOES")
    assert catalogue.assignments(DE, ["A00003", "nope"]) == {"A00003": (None, "SHOES")}
    assert catalogue.assignment(FR, "A00001") is None
    assert catalogue.unassign(DE, ["A00003", "nope"]) == 1
    assert catalogue.assignment(DE, "A00003") is None


def test_assign_refuses_unknown_input(catalogue: Catalogue) -> None:
    with pytest.raises(CatalogueError, match="has no categories yet"):
        catalogue.assign(DE, ["A1"], node_id="102")
    catalogue.upsert_categories(DE, rows(*TREE), "guide.xlsx")
    catalogue.save_product_type(DE, "SHIRT", SCHEMA, source="api")
    with pytest.raises(CatalogueError,
                       match=r"'1023' is not among .*did you mean 10[234], 10[234] or 10[234]\?"):
        catalogue.assign(DE, ["A1"], node_id="1023")
    with pytest.raises(CatalogueError, match=r"categories whose path holds it: 102 \(Sport/"):
        catalogue.assign(DE, ["A1"], node_id="jacken")
    with pytest.raises(CatalogueError, match="'SHIRTS' is not imported .*did you mean 'SHIRT'"):
        catalogue.assign(DE, ["A1"], product_type="SHIRTS")
    with pytest.raises(CatalogueError, match="needs a category node id or a product type"):
        catalogue.assign(DE, ["A1"])
    with pytest.raises(CatalogueError, match="SKU ' ' is not usable: expected 1 to 200"):
        catalogue.assign(DE, ["A1", " "], product_type="SHIRT")
    assert catalogue.assignments(DE) == {}  # nothing of a refused call is kept


def test_overrides_bulk_set_and_clear(catalogue: Catalogue) -> None:
    skus = [f"B{i}" for i in range(700)]
    assert catalogue.set_overrides(DE, skus, "color", [{"value": "Rot"}], by="x") == 700
    assert catalogue.set_overrides(DE, skus[:2], "color", "Blau") == 2
    assert catalogue.set_overrides(DE, ["B1"], "size", 42) == 1
    assert catalogue.set_overrides(FR, ["B1"], "size", None) == 1

    assert catalogue.overrides(DE, ["B1", "B2", "none"]) == {
        "B1": {"color": "Blau", "size": 42}, "B2": {"color": [{"value": "Rot"}]}}
    assert len(catalogue.overrides(DE)) == 700
    assert catalogue.overrides(FR) == {"B1": {"size": None}}

    assert catalogue.clear_override(DE, skus, "color") == 700
    assert catalogue.clear_override(DE, skus, "color") == 0
    assert catalogue.overrides(DE) == {"B1": {"size": 42}}
    with pytest.raises(CatalogueError, match="attribute '' is not usable"):
        catalogue.set_overrides(DE, ["B1"], "", 1)


def test_snapshots(catalogue: Catalogue) -> None:
    assert catalogue.snapshot("amazon-de", "A1") is None
    attributes = {"item_name": [{"value": "Jacke \u00e4", "language_tag": "de_DE"}]}
    assert catalogue.save_snapshots("amazon-de", [("A1", "SHIRT", attributes),
                                                  ("A2", "SHOES", {})], run_id=7) == 2
    assert catalogue.save_snapshots("amazon-de", [("A2", "SHIRT", {"x": 1})], None) == 1
    assert catalogue.snapshot("amazon-de", "A1") == ("SHIRT", attributes)
    assert catalogue.snapshots("amazon-de", ["A1", "A2", "A3"]) == {
        "A1": ("SHIRT", attributes), "A2": ("SHIRT", {"x": 1})}
    assert catalogue.snapshots("amazon-fr", ["A1"]) == {}


# -- the commands ------------------------------------------------------------------------------

def test_assign_and_override_commands(cli: Cli, tmp_path: Path) -> None:
    from server.catalogue.catalogue import Catalogue
    from server.store import Store
    from tests.catalogue.workbooks import write_category_workbook, write_guide

    cli("categories", "import", str(write_guide(tmp_path / "guide.xlsx")))
    cli("categories", "import", str(write_category_workbook(tmp_path / "j.xlsm")))
    selection = tmp_path / "selection.csv"
    selection.write_text("Artikelnummer;Name\nJ-1;Jacke\nJ-2;Jacke\n", encoding="utf-8")

    result = cli("assign", "--category", "9111", "--select", str(selection))
    assert result.output == ("2 articles assigned to category 9111 (Sport & Freizeit/Outdoor/"
                             f"Jacken) and product type OUTDOOR_JACKET on marketplace {DE}\n")
    result = cli("assign", "--category", "9112", "--sku", "J-3")
    assert result.output.splitlines()[1] == (
        "note: category 9112 has no product type yet; import its category workbook or the "
        "product type, or give --product-type")
    result = cli("assign", "--product-type", "OUTDOOR_JACKET", "--sku", "J-4, J-5,")
    assert result.output == (f"2 articles assigned to product type OUTDOOR_JACKET on "
                             f"marketplace {DE}\n")
    result = cli("assign", "--category", "9119", "--sku", "J-3")
    assert result.exit_code == 1
    assert result.output.startswith("error: category '9119' is not among the 8 categories")

    result = cli("override", "color", '[{"value": "Rot"}]', "--sku", "J-1,J-2")
    assert result.output == f'color = [{{"value": "Rot"}}] set for 2 articles on marketplace {DE}\n'
    cli("override", "size", "XL", "--select", str(selection))
    cli("override", "size", "42", "--sku", "J-2")
    with Store.open(f"sqlite:///{cli.home / 'state.db'}") as store:
        catalogue = Catalogue(store)
        assert catalogue.assignments(DE) == {
            "J-1": ("9111", "OUTDOOR_JACKET"), "J-2": ("9111", "OUTDOOR_JACKET"),
            "J-3": ("9112", None), "J-4": (None, "OUTDOOR_JACKET"),
            "J-5": (None, "OUTDOOR_JACKET")}
        assert catalogue.overrides(DE) == {"J-1": {"color": [{"value": "Rot"}], "size": "XL"},
                                           "J-2": {"color": [{"value": "Rot"}], "size": 42}}
    result = cli("override", "color", "--clear", "--select", str(selection))
    assert result.output == f"override of color removed from 2 articles on marketplace {DE}\n"

    for args, message in [
        (["assign", "--sku", "J-1"], "give --category NODE or --product-type NAME"),
        (["assign", "--category", "9111"], "give the articles with --sku A,B,... or --select"),
        (["assign", "--category", "9111", "--sku", " , "], "--sku ' , ' names no article"),
        (["override", "color", "--sku", "J-1"], "give a VALUE, or --clear without one"),
        (["override", "color", "x", "--clear", "--sku", "J-1"], "give a VALUE, or --clear"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)


def test_skus_that_differ_in_case_are_two_articles(catalogue: Catalogue) -> None:
    catalogue.set_overrides("X", ["a1"], "color", "red")
    catalogue.set_overrides("X", ["A1"], "color", "blue")  # MariaDB: a binary collation
    assert catalogue.overrides("X", ["a1", "A1"]) == {"a1": {"color": "red"},
                                                      "A1": {"color": "blue"}}
