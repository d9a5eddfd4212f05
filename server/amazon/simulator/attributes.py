"""Checking listing attributes against a product type, and applying JSON patches.

Problems come back as ``Problem`` objects which the Listings Items API turns into
``Issue`` objects and the listings feed into processing-report issues. Issue codes:
``90220`` (a required attribute is missing) and ``99022`` (too few values) are the codes
Amazon uses for these cases in its published example report; the others are the
simulator's own and need not match Amazon's: ``99023`` too many values, ``99300`` an
invalid value, ``99301`` an attribute the product type does not have, ``99302`` a
malformed patch, ``99404`` no listing for the SKU, ``4000003`` unknown product type,
``99500`` (warning) no main image, ``99400`` a malformed feed message, ``99401`` a
repeated feed message id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from server.amazon.simulator.product_types import ProductType
from server.amazon.simulator.schema import Violation, violations

MISSING = "90220"
TOO_FEW = "99022"
TOO_MANY = "99023"
INVALID_VALUE = "99300"
UNKNOWN_ATTRIBUTE = "99301"
BAD_PATCH = "99302"
SKU_NOT_FOUND = "99404"
UNKNOWN_PRODUCT_TYPE = "4000003"
NO_MAIN_IMAGE = "99500"
MALFORMED_MESSAGE = "99400"
DUPLICATE_MESSAGE = "99401"

_MESSAGES = {
    MISSING: ("The attribute '{attr}' is required, but the submission does not contain it.",
              "Das Attribut '{attr}' ist erforderlich, fehlt aber in der Übermittlung."),
    TOO_FEW: ("'{attr}' needs at least {limit} value(s).",
              "'{attr}' braucht mindestens {limit} Wert(e)."),
    TOO_MANY: ("'{attr}' allows at most {limit} value(s).",
               "'{attr}' erlaubt höchstens {limit} Wert(e)."),
    INVALID_VALUE: ("The value of '{attr}' is invalid: {where} {text}.",
                    "Der Wert von '{attr}' ist ungültig: {where} {text}."),
    UNKNOWN_ATTRIBUTE: ("The product type {product_type} has no attribute '{attr}'.",
                        "Der Produkttyp {product_type} kennt kein Attribut '{attr}'."),
    BAD_PATCH: ("The patch path '{path}' is invalid; expected /attributes/<name>.",
                "Der Patch-Pfad '{path}' ist ungültig; erwartet wird /attributes/<name>."),
    SKU_NOT_FOUND: ("There is no listing for SKU '{sku}' in this marketplace; PATCH only "
                    "changes existing listings.",
                    "Zur SKU '{sku}' gibt es auf diesem Marktplatz kein Angebot; PATCH "
                    "ändert nur bestehende Angebote."),
    UNKNOWN_PRODUCT_TYPE: ("The product type '{product_type}' is unknown or not available "
                           "in this marketplace.",
                           "Den Produkttyp '{product_type}' gibt es nicht oder er ist auf "
                           "diesem Marktplatz nicht verfügbar."),
    NO_MAIN_IMAGE: ("The listing has no main image; customers will not see a picture.",
                    "Das Angebot hat kein Hauptbild; Kunden sehen kein Foto."),
    MALFORMED_MESSAGE: ("The message is malformed: {detail}.",
                        "Die Nachricht ist fehlerhaft: {detail}."),
    DUPLICATE_MESSAGE: ("The messageId {message_id} occurs more than once in the feed.",
                        "Die messageId {message_id} kommt im Feed mehrfach vor."),
}
_CATEGORIES = {MISSING: "MISSING_ATTRIBUTE", TOO_FEW: "INVALID_ATTRIBUTE",
               TOO_MANY: "INVALID_ATTRIBUTE", INVALID_VALUE: "INVALID_ATTRIBUTE",
               UNKNOWN_ATTRIBUTE: "INVALID_ATTRIBUTE", BAD_PATCH: "INVALID_ATTRIBUTE",
               SKU_NOT_FOUND: "INVALID_SKU", UNKNOWN_PRODUCT_TYPE: "INVALID_PRODUCT_TYPE",
               NO_MAIN_IMAGE: "INVALID_IMAGE", MALFORMED_MESSAGE: "INVALID_MESSAGE",
               DUPLICATE_MESSAGE: "INVALID_MESSAGE"}
_PATCH_PATH = re.compile(r"^/attributes/([a-z0-9_]+)$")


@dataclass
class Problem:
    code: str
    severity: str  # ERROR, WARNING
    message: str
    attribute: str | None = None  # dotted path, e.g. purchasable_offer.our_price

    def issue(self) -> dict[str, Any]:
        """As the Listings Items API's ``Issue`` object."""
        out: dict[str, Any] = {"code": self.code, "message": self.message,
                               "severity": self.severity,
                               "categories": [_CATEGORIES.get(self.code, "INVALID_ATTRIBUTE")]}
        if self.attribute:
            out["attributeNames"] = [self.attribute.split(".")[0]]
        return out


def problem(code: str, locale: str | None, severity: str = "ERROR",
            attribute: str | None = None, **values: Any) -> Problem:
    english, german = _MESSAGES[code]
    template = german if (locale or "").lower().startswith("de") else english
    return Problem(code, severity, template.format(attr=attribute, **values), attribute)


def check(product_type: ProductType, attributes: dict[str, Any], *, requirements: str,
          locale: str | None, only: set[str] | None = None) -> list[Problem]:
    """Problems of ``attributes`` for ``product_type``.

    With ``only``, problems are reported for those attribute names alone (a PATCH or a
    partial update checks what it changes, not the rest of the listing).
    """
    schema = product_type.schema(requirements)
    out = []
    for item in violations(attributes, schema):
        if only is not None and (not item.path or item.path[0] not in only):
            continue
        out.append(_from_violation(item, product_type, locale))
    if only is None and "main_product_image_locator" not in attributes:
        out.append(problem(NO_MAIN_IMAGE, locale, "WARNING"))
    return out


def _from_violation(item: Violation, product_type: ProductType,
                    locale: str | None) -> Problem:
    attribute = item.dotted() or None
    if item.keyword == "required":
        return problem(MISSING, locale, attribute=attribute)
    if item.keyword == "additionalProperties" and len(item.path) == 1:
        return problem(UNKNOWN_ATTRIBUTE, locale, attribute=attribute,
                       product_type=product_type.name)
    if item.keyword == "minItems":
        return problem(TOO_FEW, locale, attribute=attribute, limit=item.data["limit"])
    if item.keyword == "maxItems":
        return problem(TOO_MANY, locale, attribute=attribute, limit=item.data["limit"])
    return problem(INVALID_VALUE, locale, attribute=attribute, where=item.where(),
                   text=item.text)


def apply_patches(attributes: dict[str, Any], patches: list[dict[str, Any]],
                  product_type: ProductType,
                  locale: str | None) -> tuple[dict[str, Any], set[str], list[Problem]]:
    """``attributes`` with ``patches`` applied, the names touched, and path problems."""
    out = {name: [dict(item) for item in value] if isinstance(value, list) else value
           for name, value in attributes.items()}
    touched: set[str] = set()
    problems: list[Problem] = []
    for patch in patches:
        match = _PATCH_PATH.match(str(patch.get("path", "")))
        if not match:
            problems.append(problem(BAD_PATCH, locale, path=patch.get("path")))
            continue
        name = match.group(1)
        touched.add(name)
        value = patch.get("value")
        selectors = product_type.base_schema.get("properties", {}).get(name, {}).get(
            "selectors", [])
        if patch["op"] in ("add", "replace"):
            out[name] = value if value is not None else []
        elif patch["op"] == "merge":
            out[name] = _merge(out.get(name, []), value or [], selectors)
        elif patch["op"] == "delete":
            if not value:
                out.pop(name, None)
            else:
                kept = [item for item in out.get(name, [])
                        if not any(_same(item, gone, selectors) for gone in value)]
                if kept:
                    out[name] = kept
                else:
                    out.pop(name, None)
    return out, touched, problems


def _same(old: Any, new: Any, selectors: list[str]) -> bool:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    return all(old.get(key) == new.get(key) for key in selectors)


def _merge(old: Any, new: list[Any], selectors: list[str]) -> list[Any]:
    result = [dict(item) if isinstance(item, dict) else item
              for item in (old if isinstance(old, list) else [])]
    for item in new:
        for index, existing in enumerate(result):
            if _same(existing, item, selectors):
                result[index] = {**existing, **item}
                break
        else:
            result.append(item)
    return result
