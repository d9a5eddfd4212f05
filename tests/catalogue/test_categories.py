"""Importing Browse Tree Guides: sheets, headers, the tree, re-imports and bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from server.catalogue.catalogue import Catalogue, CatalogueError
from server.catalogue.categories import import_browse_tree
from server.engine.sources.xlsx import column_letter as column_name
from tests.catalogue.workbooks import GARDEN, TREE, guide_sheets, write_guide, write_workbook

if TYPE_CHECKING:
    from tests.catalogue.conftest import Cli

DE = "A1PA6795UKMFR9"


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_guide_becomes_a_tree(sqlite_catalogue: Catalogue, tmp_path: Path,
                                suffix: str) -> None:
    guide = write_guide(tmp_path / f"sport_browse_tree_guide{suffix}")
    report = import_browse_tree(sqlite_catalogue, guide, DE)

    assert report.sheets == {"SPORT": len(TREE), "GARDEN": len(GARDEN)}
    assert report.skipped == ["Instructions", "Refinements"]
    assert (report.inserted, report.updated, report.unchanged) == (8, 0, 0)
    assert report.problems == []
    jackets = sqlite_catalogue.category(DE, "9111")
    assert jackets is not None
    assert (jackets.name, jackets.path, jackets.parent_node_id, jackets.depth) == (
        "Jacken", "Sport & Freizeit/Outdoor/Jacken", "9110", 3)
    assert jackets.query == "item_type_keyword:outdoor-jackets"
    assert jackets.source == guide.name
    root = sqlite_catalogue.category(DE, "9100")
    assert (root.parent_node_id, root.depth, root.query) == (None, 1, None)
    assert [c.node_id for c in sqlite_catalogue.children(DE, None)] == ["9200", "9100"]
    assert "sheet 'SPORT': 6 categories" in "\n".join(report.lines())


def test_reimport_updates_without_duplicates(sqlite_catalogue: Catalogue,
                                             tmp_path: Path) -> None:
    guide = write_guide(tmp_path / "guide.xlsx")
    import_browse_tree(sqlite_catalogue, guide, DE)
    sqlite_catalogue.link(DE, "9111", "OUTDOOR_JACKET")
    again = import_browse_tree(sqlite_catalogue, guide, DE)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 8)

    sheets = guide_sheets()
    sheets["SPORT"] = [*sheets["SPORT"], [9113, "Sport & Freizeit/Outdoor/Rucksäcke", ""]]
    sheets["SPORT"][3][1] = "Sport & Freizeit/Outdoor/Regenjacken"  # node 9111 renamed
    changed = import_browse_tree(sqlite_catalogue, write_workbook(tmp_path / "v2.xlsx",
                                                                  sheets), DE)
    assert (changed.inserted, changed.updated, changed.unchanged) == (1, 1, 7)
    assert sqlite_catalogue.category_count(DE) == 9
    renamed = sqlite_catalogue.category(DE, "9111")
    assert (renamed.name, renamed.product_type) == ("Regenjacken", "OUTDOOR_JACKET")
    assert sqlite_catalogue.category(DE, "9113").parent_node_id == "9110"


@pytest.mark.parametrize("header", [
    ["Knoten-ID", "Knotenpfad", "Abfrage"],
    ["Browse-Knoten-ID", "KNOTEN PFAD", "Suchanfrage"],
    ["ID du nœud", "Chemin du nœud", "Requête"],
    ["ID nodo", "Percorso nodo", "Query"],
    ["ID de nodo", "Ruta del nodo", "Consulta"],
    ["node_id", "node-path", "query"],
])
def test_localized_headers_below_the_first_row(sqlite_catalogue: Catalogue, tmp_path: Path,
                                               header: list[str]) -> None:
    guide = write_guide(tmp_path / "guide.xlsx", header=header, header_row=3)
    report = import_browse_tree(sqlite_catalogue, guide, DE)
    assert report.inserted == 8
    assert sqlite_catalogue.category(DE, "9121").query == "item_type_keyword:running-shoes"


def test_parents_later_in_the_file_and_node_ids_as_text(sqlite_catalogue: Catalogue,
                                                        tmp_path: Path) -> None:
    sheets = {"Tree": [["Node ID", "Node Path"], ["0302", "A/B/C"], [" 301 ", "A/B"],
                       ["300.0", "A"], [304.0, "X/Y/"], ["", ""], [305, ""], ["", "Q/R"]]}
    report = import_browse_tree(sqlite_catalogue, write_workbook(tmp_path / "t.xlsx", sheets),
                                DE)
    assert report.inserted == 4
    assert sqlite_catalogue.category(DE, "0302").parent_node_id == "301"
    assert sqlite_catalogue.category(DE, "301").parent_node_id == "300"
    assert sqlite_catalogue.category(DE, "304").path == "X/Y"
    assert report.problems == ["sheet 'Tree' row 7: node 305 has no path; row skipped",
                               "sheet 'Tree' row 8: path 'Q/R' has no node id; row skipped"]


def test_a_non_numeric_node_id_names_sheet_row_and_column(sqlite_catalogue: Catalogue,
                                                          tmp_path: Path) -> None:
    sheets = guide_sheets()
    sheets["GARDEN"][2][0] = "92x10"
    guide = write_workbook(tmp_path / "guide.xlsx", sheets)
    with pytest.raises(CatalogueError) as caught:
        import_browse_tree(sqlite_catalogue, guide, DE)
    assert str(caught.value) == (
        f"{guide}: sheet 'GARDEN' row 3 column A: node id '92x10' is not a number; expected "
        f"the digits of a browse node id, like 493964")
    assert (caught.value.sheet, caught.value.row, caught.value.column) == ("GARDEN", 3, "A")
    assert sqlite_catalogue.category_count(DE) == 0  # nothing of a refused file is stored

    sheets["GARDEN"][2][0] = 92.5
    with pytest.raises(CatalogueError, match="node id 92.5 is not a number"):
        import_browse_tree(sqlite_catalogue, write_workbook(tmp_path / "g2.xlsx", sheets), DE)


def test_a_workbook_without_the_columns_says_what_was_looked_for(
        sqlite_catalogue: Catalogue, tmp_path: Path) -> None:
    sheets = {"Instructions": [["Read me"]], "DB": [["Value"], ["x"]]}
    with pytest.raises(CatalogueError, match=r"no sheet has the columns of a Browse Tree "
                       r"Guide; looked for the headers 'Node ID' and 'Node Path' .* of the "
                       r"sheets 'Instructions', 'DB'"):
        import_browse_tree(sqlite_catalogue, write_workbook(tmp_path / "x.xlsx", sheets), DE)


def test_empty_missing_and_foreign_files(sqlite_catalogue: Catalogue, tmp_path: Path) -> None:
    empty = write_workbook(tmp_path / "empty.xlsx", {"Sheet1": [], "Sheet2": []})
    with pytest.raises(CatalogueError, match=r"empty.xlsx is empty: none of its sheets "
                       r"\(Sheet1, Sheet2\) has a cell"):
        import_browse_tree(sqlite_catalogue, empty, DE)
    with pytest.raises(CatalogueError, match="there is no such file"):
        import_browse_tree(sqlite_catalogue, tmp_path / "missing.xlsx", DE)
    text = tmp_path / "guide.xlsx"
    text.write_text("Node ID;Node Path\n1;A\n")
    with pytest.raises(CatalogueError, match=r"guide.xlsx is not an Excel workbook \(.xls, "
                       r".xlsx or .xlsm\) that can be read"):
        import_browse_tree(sqlite_catalogue, text, DE)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(CatalogueError, match="broken.xlsx is not an Excel workbook"):
        import_browse_tree(sqlite_catalogue, broken, DE)


def test_column_names() -> None:
    assert [column_name(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA"]


# -- the commands ------------------------------------------------------------------------------

def test_categories_import_and_search_commands(cli: Cli, tmp_path: Path) -> None:
    guide = write_guide(tmp_path / "guide.xlsx")
    result = cli("categories", "import", str(guide))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Browse Tree Guide guide.xlsx -> marketplace {DE}",
        "  sheet 'SPORT': 6 categories",
        "  sheet 'GARDEN': 2 categories",
        "  8 new, 0 updated, 0 unchanged",
        "  skipped sheets: Instructions, Refinements"]
    again = cli("categories", "import", str(guide), "--product-type", "SHIRT")
    assert "0 new, 0 updated, 8 unchanged" in again.output
    assert ("product type SHIRT not used: it is for category workbooks, and guide.xlsx is a "
            "Browse Tree Guide") in again.output

    search = cli("categories", "search", "outdoor", "--limit", "2")
    assert search.output.splitlines() == [
        "NODE  PATH                             PRODUCT TYPE",
        "9110  Sport & Freizeit/Outdoor",
        "9111  Sport & Freizeit/Outdoor/Jacken",
        "(first 2; --limit N shows more)"]
    other = cli("categories", "search", "outdoor", "--channel", "amazon-fr")
    assert other.output == ("no category of marketplace A13V1IB3VIYZZH matches 'outdoor'; "
                            "import a Browse Tree Guide first\n")
    none = cli("categories", "search", "nothing")
    assert none.output == f"no category of marketplace {DE} matches 'nothing'\n"


def test_categories_import_command_errors(cli: Cli, tmp_path: Path) -> None:
    text = tmp_path / "guide.csv"
    text.write_text("Node ID,Node Path\n")
    result = cli("categories", "import", str(text))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {text} is not an Excel workbook")
    result = cli("categories", "import", str(text), "--channel", "amazon-uk")
    assert result.exit_code == 1 and "channel 'amazon-uk' is not configured" in result.output
