"""The ``amazon-template`` target: an XLSX in the layout of Amazon's category workbooks.

Seller Central's listing workbooks (the "unified" template) have a ``Template`` sheet whose
first row holds settings, row 3 the attribute groups, row 4 the labels a person reads,
row 5 the attribute paths (the Listings API's JSON, e.g.
``fulfillment_availability#1.quantity``) and the data from row 7. This target writes the
task's records in that layout, for review before anything is sent (and for a person who
uploads the workbook in Seller Central).

A field's column comes from its name: the names the listings feed knows (``sku``,
``quantity``, ``handling-time``, ``price``, ``product-type``, ``title``, ``brand``,
``ean``) get Amazon's attribute path; a name that is already a path (it holds ``#``) is
used as it is; any other field is written with its own name (a column for review that
Amazon ignores).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from server.engine.base import register_target
from server.engine.targets.xlsx import XlsxTarget, sheet_name

if TYPE_CHECKING:
    from server.actions.model import Target
    from server.engine.base import RunContext

VERSION = "2026.0101"
LABEL_ROW, PATH_ROW, DATA_ROW = 4, 5, 7  # 1-based, as in Amazon's settings


def attribute_columns(marketplace_id: str, language: str, currency: str
                      ) -> dict[str, tuple[str, str, str]]:
    """Field name -> (group, label, attribute path) for the fields the target knows."""
    market = f"[marketplace_id={marketplace_id}]"
    text = f"{market}[language_tag={language}]"
    offer = f"purchasable_offer{market}[audience=ALL]#1"
    return {
        "sku": ("Listing Identity", "SKU", "contribution_sku#1.value"),
        "product-type": ("Product Identity", "Product Type", "product_type#1.value"),
        "title": ("Product Identity", "Item Name", f"item_name{text}#1.value"),
        "brand": ("Product Identity", "Brand Name", f"brand{text}#1.value"),
        "ean": ("Product Identity", "External Product ID",
                f"externally_assigned_product_identifier{market}#1.value"),
        "quantity": ("Offer", "Quantity", "fulfillment_availability#1.quantity"),
        "handling-time": ("Offer", "Handling Time",
                          "fulfillment_availability#1.lead_time_to_ship_max_days"),
        "price": ("Offer", f"Your Price {currency}",
                  f"{offer}.our_price#1.schedule#1.value_with_tax"),
    }


class TemplateTarget(XlsxTarget):
    """Rows in Amazon's unified template layout (sheet ``Template``)."""

    def __init__(self, target: Target, ctx: RunContext) -> None:
        super().__init__(target, ctx)
        from server.amazon.listings_feed import _marketplace_id

        channel = ctx.channel()
        self.marketplace_id = _marketplace_id(channel, ctx.action.channel)
        self.language = target.option("language", "de_DE")
        self.currency = str(channel.get("currency", "EUR"))
        self.sheet = sheet_name("Template")

    def open(self, columns: list[str]) -> None:
        self.header = False  # our own header rows instead of the field names
        super().open(columns)

    def _new_sheet(self) -> None:
        super()._new_sheet()
        known = attribute_columns(self.marketplace_id, self.language, self.currency)
        settings = urlencode({
            "TemplateType": "unified", "Version": VERSION, "labelRow": LABEL_ROW,
            "attributeRow": PATH_ROW, "dataRow": DATA_ROW,
            "primaryMarketplaceId": f"amzn1.mp.o.{self.marketplace_id}",
            "contentLanguageTag": self.language, "listingsItemRequirement": "LISTING",
        })
        sheet = self._sheet
        sheet.write_string(0, 0, "settings=" + settings)
        described = []
        for name in self.columns:
            group, label, path = known.get(name, ("", name, name))
            if "#" in name or name.startswith("::"):
                group, label, path = ("Attributes", name, name)
            described.append((group, label, path))
        # constant_memory: rows must be written in order, each one whole
        sheet.write_row(2, 0, [d[0] for d in described])
        sheet.write_row(LABEL_ROW - 1, 0, [d[1] for d in described], self._bold)
        sheet.write_row(PATH_ROW - 1, 0, [d[2] for d in described])
        sheet.freeze_panes(DATA_ROW - 1, 1)
        self._next = DATA_ROW - 1
        self._left = min(self._left, self._per_sheet - (DATA_ROW - 1))


@register_target("amazon-template")
def amazon_template(target: Target, ctx: RunContext) -> TemplateTarget:
    """An XLSX in Amazon's category-workbook layout."""
    return TemplateTarget(target, ctx)
