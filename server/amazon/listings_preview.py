"""The preview workbook of the product data: each listing as a row of Amazon's
category-workbook layout (settings in row 1, attribute names in row 4, attribute paths in
row 5, one article per row from row 7), so a person can review before anything is sent.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import xlsxwriter

from server.amazon.template_xlsx import DATA_ROW, LABEL_ROW, PATH_ROW, VERSION
from server.engine.targets.atomic import AtomicFile
from server.engine.targets.xlsx import WORKBOOK_OPTIONS

Listing = tuple[str, str, dict[str, Any]]


def write_preview(path: Path, listings: Callable[[], Iterable[Listing]],
                  marketplace_id: str, language: str) -> None:
    """Write the ``(sku, product type, attributes)`` rows that ``listings()`` yields to the
    workbook at ``path``. ``listings`` is read twice (the columns first, then the rows), so
    memory does not grow with the number of articles."""
    from server.catalogue.attributes import flatten

    paths: dict[str, None] = {}
    for _sku, _pt, attributes in listings():
        paths.update(dict.fromkeys(flatten(attributes)))
    columns = ["contribution_sku#1.value", "product_type#1.value", *paths]
    with AtomicFile(path) as out:
        tmpdir = tempfile.mkdtemp(prefix="synccenter-xlsx-")
        try:
            book = xlsxwriter.Workbook(out.file, {**WORKBOOK_OPTIONS, "tmpdir": tmpdir})
            bold = book.add_format({"bold": True})
            sheet = book.add_worksheet("Template")
            sheet.write_string(0, 0, "settings=" + urlencode({
                "TemplateType": "unified", "Version": VERSION, "labelRow": LABEL_ROW,
                "attributeRow": PATH_ROW, "dataRow": DATA_ROW,
                "primaryMarketplaceId": f"amzn1.mp.o.{marketplace_id}",
                "contentLanguageTag": language}))
            labels = ["SKU", "Product Type",
                      *(p.split("[", 1)[0].split("#", 1)[0] for p in paths)]
            sheet.write_row(LABEL_ROW - 1, 0, labels, bold)
            sheet.write_row(PATH_ROW - 1, 0, columns)
            sheet.freeze_panes(DATA_ROW - 1, 1)
            for number, (sku, product_type, attributes) in enumerate(listings()):
                values = flatten(attributes)
                sheet.write_row(DATA_ROW - 1 + number, 0,
                                [sku, product_type, *(_cell(values.get(p)) for p in paths)])
            book.close()
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def write_quality(path: Path, table: list[tuple[str, str, Any]]) -> None:
    """The data quality table: SKU, product type, Dq1, Dq2, and the reasons."""
    with AtomicFile(path) as out:
        book = xlsxwriter.Workbook(out.file, {**WORKBOOK_OPTIONS, "constant_memory": False})
        bold = book.add_format({"bold": True})
        percent = book.add_format({"num_format": "0%"})
        sheet = book.add_worksheet("Quality")
        sheet.write_row(0, 0, ["SKU", "Product type", "Dq1", "Dq2", "Problems"], bold)
        for number, (sku, product_type, quality) in enumerate(table, 1):
            if isinstance(quality, str):  # no product type, or it is not imported
                sheet.write_row(number, 0, [sku, product_type, None, None, quality])
                continue
            sheet.write_row(number, 0, [sku, product_type])
            sheet.write_number(number, 2, quality.dq1, percent)
            sheet.write_number(number, 3, quality.dq2, percent)
            sheet.write_string(number, 4, "; ".join(p.reason for p in quality.problems))
        sheet.freeze_panes(1, 1)
        book.close()
