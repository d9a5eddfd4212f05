"""Data quality of an article's attributes against its product type's schema.

``QualityChecker(schema)`` compiles the schema once (see :mod:`schema_rules`); ``check``
then measures one article's ``attributes`` (the Listings API object):

* **dq1**: the share of the required attributes that are present and valid. Required are
  the schema's top-level ``required`` and those that rules in ``allOf``
  (``{"if": ..., "then": {"required": [...]}}``, and ``else``) make required for this
  article. 1.0 when nothing is required.
* **dq2**: the share of the other (optional) attributes of the product type that are
  present and valid. 1.0 when the product type has none.
* **problems**: what is wrong, in words a merchant understands.

An article is ready to list when ``dq1 == 1`` (``Quality.ok``). A rule whose ``if`` the
checker cannot evaluate is left out (it never applies); ``unknown_rules`` counts them and
``unknown`` says why, so the caller can report that the check is incomplete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from server.catalogue.schema_rules import Check, Compiler, Unsupported
from server.catalogue.schema_values import describe, describe_not, enum_test
from server.errors import SyncCenterError

REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
# Offer attributes (property group "offer" of Amazon's product types) and the
# identifiers an offer on an existing product names instead of the product's data.
OFFER_ATTRIBUTES = frozenset((
    "condition_type", "condition_note", "fulfillment_availability", "purchasable_offer",
    "list_price", "merchant_shipping_group", "max_order_quantity", "merchant_release_date",
    "product_tax_code", "skip_offer", "main_offer_image_locator", "uvp_list_price",
))
OFFER_IDENTITY = frozenset(("externally_assigned_product_identifier",
                            "merchant_suggested_asin"))


class ProductTypeSchemaError(SyncCenterError):
    """A product type schema cannot be used for data quality checks."""


@dataclass(frozen=True)
class Problem:
    """One problem of an article: ``kind`` is missing, invalid or conditional."""

    attribute: str
    kind: str
    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass
class Quality:
    dq1: float
    dq2: float
    problems: list[Problem] = field(default_factory=list)
    required: int = 0
    required_valid: int = 0
    optional: int = 0
    optional_valid: int = 0

    @property
    def ok(self) -> bool:
        return self.dq1 == 1


@dataclass
class _Rule:
    """One ``allOf`` entry: condition, then/else effects and the words for them."""

    need: tuple[str, ...]  # attributes the condition needs present (a quick pre-test)
    test: Any  # (attributes) -> bool
    because: str
    because_not: str  # the words for the 'else' branch
    form: tuple[str, str, tuple[Any, ...]] | None  # "X has an entry whose F is one of ..."
    then: tuple[tuple[str, ...], dict[str, Check], Check | None]
    other: tuple[tuple[str, ...], dict[str, Check], Check | None] | None


class QualityChecker:
    """Measures articles against one product type schema (compiled once)."""

    def __init__(self, schema: Mapping[str, Any], *, requirements: str = "LISTING",
                 offer_attributes: Iterable[str] | None = None) -> None:
        if requirements not in REQUIREMENTS:
            raise ProductTypeSchemaError(
                f"unknown requirements '{requirements}'; expected one of "
                f"{', '.join(REQUIREMENTS)}")
        if not isinstance(schema, Mapping) or not isinstance(schema.get("properties"),
                                                              Mapping):
            raise ProductTypeSchemaError("the product type schema has no 'properties'")
        self.schema = schema
        self.requirements = requirements
        offer = frozenset(offer_attributes) if offer_attributes is not None \
            else OFFER_ATTRIBUTES
        if requirements == "LISTING_PRODUCT_ONLY":
            self._keep = lambda name: name not in offer
        elif requirements == "LISTING_OFFER_ONLY":
            self._keep = lambda name: name in offer or name in OFFER_IDENTITY
        else:
            self._keep = lambda name: True
        compiler = Compiler(schema)
        self.properties = tuple(schema["properties"])
        self._checks: dict[str, Check | None] = {}
        for name, node in schema["properties"].items():
            try:
                self._checks[name] = compiler.compile(node, f"'{name}'")
            except (Unsupported, TypeError, ValueError) as exc:
                raise ProductTypeSchemaError(
                    f"the attribute '{name}' of the product type schema cannot be read: "
                    f"{exc}", attribute=name) from exc
        self.required = tuple(name for name in schema.get("required", ()) if self._keep(name))
        self.closed = schema.get("additionalProperties") is False
        self.rules: list[_Rule] = []
        self.unknown: list[str] = []
        self._add_rules(schema.get("allOf", ()), "allOf")
        # A rule without 'else' does nothing unless the attributes its condition needs are
        # present. Such rules are looked up from the attributes an article has: by value
        # ("X is 'a'"), by presence ("X is given"), or else tested when X is present.
        always: list[int] = []
        self._by_value: dict[str, list[tuple[str, dict[str, list[int]]]]] = {}
        self._by_need: dict[str, list[int]] = {}
        for number, rule in enumerate(self.rules):
            if not rule.need or rule.other is not None:
                always.append(number)
            elif rule.form is not None:
                name, key, values = rule.form
                tables = self._by_value.setdefault(name, [])
                table = next((table for field_, table in tables if field_ == key), None)
                if table is None:
                    table = {}
                    tables.append((key, table))
                for value in values:
                    table.setdefault(value, []).append(number)
            else:
                self._by_need.setdefault(rule.need[0], []).append(number)
        self._always_numbers = tuple(always)
        self._indexed = frozenset(self._by_value) | frozenset(self._by_need)
        self._names = frozenset(self.properties)

    @property
    def unknown_rules(self) -> int:
        return len(self.unknown)

    def _add_rules(self, entries: Any, where: str) -> None:
        for number, entry in enumerate(entries if isinstance(entries, list) else ()):
            place = f"{where}[{number}]"
            if isinstance(entry, Mapping) and "if" not in entry and "allOf" in entry \
                    and len(entry) <= 2:
                self._add_rules(entry["allOf"], place + ".allOf")
                continue
            try:
                self.rules.append(self._rule(entry))
            except (Unsupported, TypeError, ValueError, KeyError) as exc:
                self.unknown.append(f"{place}: {exc}")

    def _rule(self, entry: Mapping[str, Any]) -> _Rule:
        if not isinstance(entry, Mapping):
            raise Unsupported("an entry that is not an object")
        condition = entry.get("if", True)
        test, need = _condition(self.schema, condition)
        because = describe(condition)
        then = self._effect(entry.get("then")) if "if" in entry else self._effect(entry)
        other = self._effect(entry.get("else")) if "else" in entry else None
        form = _value_form(condition) if isinstance(condition, Mapping) else None
        if form is not None and not all(type(value) is str for value in form[2]):
            form = None
        return _Rule(need, test, because, describe_not(condition), form, then, other)

    def _effect(self, node: Any) -> tuple[tuple[str, ...], dict[str, Check], Check | None]:
        """(required names, checks per attribute, check of the whole listing)."""
        if node is None or node is True:
            return (), {}, None
        if not isinstance(node, Mapping):
            raise Unsupported("a 'then' that is not an object")
        if not isinstance(node.get("required", []), list):
            raise Unsupported("a 'required' that is not a list")
        required = tuple(name for name in node.get("required", ()) if self._keep(name))
        compiler = Compiler(self.schema, strict=True)
        checks = {}
        for name, sub in (node.get("properties") or {}).items():
            check = compiler.compile(sub, f"'{name}'")
            if check is not None:
                checks[name] = check
        rest = {key: value for key, value in node.items()
                if key not in ("required", "properties", "$comment", "description", "title")}
        forbidden = rest.get("not", {}).get("required") if set(rest) == {"not"} \
            and isinstance(rest["not"], Mapping) and set(rest["not"]) == {"required"} else None
        if isinstance(forbidden, list):  # "then these must not be given"
            def whole(attributes: Mapping[str, Any]) -> str | None:
                given = [name for name in forbidden if name in attributes]
                if len(given) < len(forbidden):
                    return None
                return " and ".join(f"'{name}'" for name in given) + " must not be given"
            return required, checks, whole
        return required, checks, compiler.compile(rest, "the listing") if rest else None

    def check(self, attributes: Mapping[str, Any]) -> Quality:
        """The data quality of one article's ``attributes``."""
        present = attributes
        if not all(attributes.values()):  # None, [] and "" count as missing
            present = {name: value for name, value in attributes.items()
                       if value is not None and value != [] and value != ""}
        problems: list[Problem] = []
        invalid: set[str] = set()
        checks = self._checks
        for name, value in present.items():
            check = checks.get(name, _UNKNOWN)
            if check is None:
                continue
            if check is _UNKNOWN:
                if self.closed:
                    problems.append(Problem(name, "invalid", f"'{name}' is not an attribute "
                                                             "of this product type"))
                continue
            reason = check(value)
            if reason is not None:
                invalid.add(name)
                problems.append(Problem(name, "invalid", reason))
        required = dict.fromkeys(self.required, "")
        for number, applies in self._rules_for(present):
            rule = self.rules[number]
            if applies is None:
                for name in rule.need:
                    if name not in present:
                        applies = False
                        break
                else:
                    applies = rule.test(present)
            effect = rule.then if applies else rule.other
            if effect is None:
                continue
            names, constraints, whole = effect
            because = rule.because if applies else rule.because_not
            for name in names:
                if name not in required:
                    required[name] = because
            for name, constraint in constraints.items():
                if name in present:
                    reason = constraint(present[name])
                    if reason is not None:
                        invalid.add(name)
                        problems.append(Problem(name, "conditional",
                                                f"{reason} because {because}"))
            if whole is not None:
                reason = whole(present)
                if reason is not None:
                    problems.append(Problem("", "conditional", f"{reason} because {because}"))
        for name, because in required.items():
            if name in present:
                continue
            if because:
                problems.append(Problem(name, "conditional",
                                        f"'{name}' becomes required because {because}"))
            else:
                problems.append(Problem(name, "missing", f"required attribute '{name}' is "
                                                         "missing"))
        known = present.keys() & self._names
        required_present = known & required.keys()
        required_valid = len(required_present - invalid)
        optional = len(self.properties) - len(self._names & required.keys())
        optional_valid = len(known) - len(required_present) - len(invalid - required.keys())
        return Quality(required_valid / len(required) if required else 1.0,
                       optional_valid / optional if optional else 1.0,
                       problems, len(required), required_valid, optional, optional_valid)

    def _rules_for(self, present: Mapping[str, Any]) -> list[tuple[int, bool | None]]:
        """(rule number, applies or None when it must be tested), in the schema's order."""
        hits: set[int] = set()
        tests: set[int] = set(self._always_numbers)
        by_value, by_need = self._by_value, self._by_need
        for name in present.keys() & self._indexed:
            value = present[name]
            tables = by_value.get(name)
            if tables is not None and type(value) is list:
                for key, table in tables:
                    for entry in value:
                        if type(entry) is dict:
                            chosen = entry.get(key)
                            if type(chosen) is str and chosen in table:
                                hits.update(table[chosen])
            numbers = by_need.get(name)
            if numbers is not None:
                tests.update(numbers)
        tests -= hits
        return sorted([*((number, True) for number in hits),
                       *((number, None) for number in tests)])


_UNKNOWN = object()


def _condition(schema: Mapping[str, Any], node: Any) -> tuple[Any, tuple[str, ...]]:
    """(test(attributes) -> bool, attributes the test needs present) for an ``if``."""
    if node is True:
        return (lambda attributes: True), ()
    if not isinstance(node, Mapping):
        raise Unsupported("an 'if' that is not an object")
    need = tuple(node.get("required", ())) if isinstance(node.get("required"), list) else ()
    fast = _value_test(node)
    if fast is not None:
        return fast, need
    check = Compiler(schema, strict=True, quiet=True).compile(node, "the listing")
    if check is None:
        return (lambda attributes: True), need
    return (lambda attributes: check(attributes) is None), need


def _value_test(node: Mapping[str, Any]) -> Any:
    """A fast test for the common form "X has an entry whose field F is one of ..."."""
    form = _value_form(node)
    if form is None:
        return None
    name, key, values = form
    test = enum_test(list(values))

    def value_test(attributes: Mapping[str, Any]) -> bool:
        entries = attributes.get(name)
        if type(entries) is not list:
            return False
        for entry in entries:
            if type(entry) is dict and key in entry and test(entry[key]):
                return True
        return False
    return value_test


def _value_form(node: Mapping[str, Any]) -> tuple[str, str, tuple[Any, ...]] | None:
    """(X, F, values) when ``node`` says "X has an entry whose field F is one of values"."""
    if set(node) - {"required", "properties", "$comment"}:
        return None
    props = node.get("properties")
    if not isinstance(props, Mapping) or len(props) != 1:
        return None
    name, sub = next(iter(props.items()))
    if list(node.get("required", ())) != [name] or not isinstance(sub, Mapping) \
            or set(sub) != {"contains"}:
        return None
    inner = sub["contains"]
    if not isinstance(inner, Mapping) or set(inner) - {"required", "properties"}:
        return None
    fields = inner.get("properties")
    if not isinstance(fields, Mapping) or len(fields) != 1:
        return None
    key, allowed = next(iter(fields.items()))
    if list(inner.get("required", [key])) != [key] or not isinstance(allowed, Mapping):
        return None
    if set(allowed) == {"enum"} and isinstance(allowed["enum"], list):
        return name, key, tuple(allowed["enum"])
    if set(allowed) == {"const"}:
        return name, key, (allowed["const"],)
    return None


