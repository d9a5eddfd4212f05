"""Synthetic Amazon workbooks for the catalogue tests, written by the tests themselves.

They follow the structure of Amazon's files (Browse Tree Guides, Seller Central category
workbooks) with invented content: no Amazon file or text is copied.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote, urlencode

import xlsxwriter

Rows = Sequence[Sequence[object]]
HEADER = ["Node ID", "Node Path", "Query", "Refinement Link"]
# An invented tree: (node id, path, query).
TREE = [
    (9100, "Sport & Freizeit", ""),
    (9110, "Sport & Freizeit/Outdoor", ""),
    (9111, "Sport & Freizeit/Outdoor/Jacken", "item_type_keyword:outdoor-jackets"),
    (9112, "Sport & Freizeit/Outdoor/Zelte", "item_type_keyword:camping-tents"),
    (9120, "Sport & Freizeit/Laufen", ""),
    (9121, "Sport & Freizeit/Laufen/Schuhe", "item_type_keyword:running-shoes"),
]
GARDEN = [
    (9200, "Garten", ""),
    (9210, "Garten/Werkzeug", "item_type_keyword:garden-tools"),
]


def guide_sheets(header: Sequence[str] = HEADER, header_row: int = 0) -> dict[str, Rows]:
    """The sheets of a small guide: instructions, two category sheets, refinements."""
    def sheet(tree: list[tuple[int, str, str]]) -> list[list[object]]:
        blank: list[list[object]] = [[] for _ in range(header_row)]
        return blank + [list(header)] + [[node, path, query, "See refinements" if query else ""]
                                         for node, path, query in tree]

    return {
        "Instructions": [["How to use this guide"], ["Made up for the tests."]],
        "SPORT": sheet(TREE),
        "GARDEN": sheet(GARDEN),
        "Refinements": [["Node ID", "Node Name", "Refinement Name"], [9111, "Jacken", "Farbe"]],
    }


def write_workbook(path: Path, sheets: dict[str, Rows]) -> Path:
    """Write sheets of rows to ``path``: .xls with xlwt, else .xlsx with xlsxwriter."""
    if path.suffix == ".xls":
        import xlwt

        book = xlwt.Workbook()
        for name, rows in sheets.items():
            sheet = book.add_sheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    sheet.write(r, c, value)
        book.save(str(path))
        return path
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value not in ("", None):
                    sheet.write(r, c, value)
    book.close()
    return path


def write_guide(path: Path, **kwargs: object) -> Path:
    """A small Browse Tree Guide at ``path`` (.xls or .xlsx)."""
    return write_workbook(path, guide_sheets(**kwargs))  # type: ignore[arg-type]


# -- category workbooks ------------------------------------------------------------------------

DE = "A1PA6795UKMFR9"
SELECT = f"[marketplace_id={DE}]"
LANG = f"{SELECT}[language_tag=de_DE]"
# (group, label, attribute path, required, valid values)
COLUMNS = [
    ("Listing Identity", "SKU", "contribution_sku#1.value", True, []),
    ("Listing Identity", "Listing Action", "::record_action", False,
     ["Create or Replace (Full Update)", "Edit (Partial Update)", "Delete"]),
    ("Product Identity", "Product Type", "product_type#1.value", True, ["OUTDOOR_JACKET"]),
    ("Product Identity", "Item Name", f"item_name{LANG}#1.value", True, []),
    ("Product Identity", "Brand Name", f"brand{LANG}#1.value", True, []),
    ("Product Identity", "Recommended Browse Nodes",
     f"recommended_browse_nodes{SELECT}#1.value", False, []),
    ("Product Details", "Colour", f"color{LANG}#1.value", False, ["Rot", "Blau", "Grün"]),
    ("Product Details", "Size", f"size{LANG}#1.value", False, []),
    ("Product Details", "Bullet Point", f"bullet_point{LANG}#1.value", True, []),
    ("Product Details", "Bullet Point", f"bullet_point{LANG}#2.value", False, []),
    ("Offer", "Quantity", "fulfillment_availability#1.quantity", False, []),
    ("Offer", "Fulfillment Channel Code",
     "fulfillment_availability#1.fulfillment_channel_code", False, ["DEFAULT"]),
    ("Offer", "Your Price EUR",
     f"purchasable_offer{SELECT}[audience=ALL]#1.our_price#1.schedule#1.value_with_tax",
     False, []),
    ("Images", "Main Image URL", f"main_product_image_locator{SELECT}#1.media_location",
     False, []),
]


def settings_cells(product_type: str | None = "OUTDOOR_JACKET",
                   marketplace: str = DE) -> list[str]:
    """Row 1 of the Template sheet: the URL-encoded settings, split over two cells."""
    settings = {"TemplateType": "unified", "Version": "2026.0101", "labelRow": "4",
                "attributeRow": "5", "dataRow": "7", "feedType": "256",
                "primaryMarketplaceId": f"amzn1.mp.o.{marketplace}",
                "contentLanguageTag": "de_DE"}
    if product_type:  # the product type, Base64-encoded
        settings["ptds"] = base64.b64encode(product_type.encode()).decode()
    encoded = quote(urlencode(settings), safe="")
    middle = len(encoded) // 2
    return [f"settings={encoded[:middle]}", f"settings2={encoded[middle:]}"]


def category_sheets(product_type: str | None = "OUTDOOR_JACKET", marketplace: str = DE,
                    browse: Sequence[tuple[object, str]] = (
                        (9111, "Sport & Freizeit > Outdoor > Jacken"),
                        (9999, "Sport & Freizeit > Outdoor > Ponchos")),
                    settings: list[str] | None = None,
                    valid_values: bool = True) -> dict[str, Rows]:
    """The sheets of a small category workbook for one product type."""
    row1 = settings if settings is not None else settings_cells(product_type, marketplace)
    template: list[list[object]] = [
        row1,
        [],
        [group for group, *_ in COLUMNS],
        [label for _, label, *_ in COLUMNS],
        [path for _, _, path, *_ in COLUMNS],
        ["Example" for _ in COLUMNS],
        ["J-1", "Create or Replace (Full Update)", product_type or "", "Regenjacke", "Acme"],
    ]
    definitions: list[list[object]] = [
        ["Group Name", "Field Name", "Local Label Name", "Accepted Values", "Example",
         "Required?"]]
    for group, label, path, required, _values in COLUMNS:
        definitions.append([group, path, label, "", "", "Required" if required else
                            "Optional"])
    values: list[list[object]] = [["Template version", "Attribute", "Values"]]
    for _group, label, path, _required, allowed in COLUMNS:
        if allowed:
            values.append(["", f"{label} - [ {path} ]", *allowed])
    sheets: dict[str, Rows] = {
        "Instructions": [["Made up for the tests."]],
        "Data Definitions": definitions,
        "Template": template,
        "Browse Data": [["Browse Node", "BrowsePath"], *[list(b) for b in browse]],
    }
    if valid_values:
        sheets["Valid Values"] = values
    return sheets


def write_category_workbook(path: Path, **kwargs: object) -> Path:
    """A small category workbook at ``path`` (.xlsx or .xlsm)."""
    return write_workbook(path, category_sheets(**kwargs))  # type: ignore[arg-type]
