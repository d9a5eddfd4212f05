"""Benchmark of the catalogue: data quality checks and building listing attributes.

    python bench/catalogue.py [--articles 100000] [--seed 1] [--compare 2000]

Generates a synthetic product type (about 150 attributes in Amazon's shapes and about 100
conditional rules in ``allOf``) and a stream of synthetic articles (attribute paths as in
row 5 of Amazon's category workbooks, with values; generated 1,000 at a time, never all in
memory). Prints, in one run:

- data quality: articles per second of ``QualityChecker.check`` (target: >= 5,000/s);
- feed building: articles per second of ``AttributeBuilder.build`` + ``to_json``
  (target: >= 20,000/s);
- peak memory (``VmHWM``), and the memory after the first chunk, to show it stays flat;
- for comparison, a generic validator (``jsonschema``, when installed) on the first
  ``--compare`` articles: whole-schema validation only, without dq1/dq2.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import memory_mib  # noqa: E402 - bench/ is the script folder

from server.catalogue.attributes import AttributeBuilder, to_json  # noqa: E402
from server.catalogue.quality import QualityChecker  # noqa: E402

DE = "A1PA6795UKMFR9"
CHANNEL = {"marketplace_id": DE, "language_tag": "de_DE", "currency": "EUR"}
WORDS = ("robust leicht warm wasserdicht atmungsaktiv klassisch modern weich elegant "
         "sportlich bequem nachhaltig Baumwolle Wolle Leder Nylon Jacke Hose Schuh Tasche "
         "Outdoor Alltag Reise Winter Sommer").split()
CHUNK = 1000


# ----- the synthetic product type -----------------------------------------------------


def _entries(fields: dict[str, Any], required: list[str], selectors: list[str],
             max_items: int = 1) -> dict[str, Any]:
    props = dict(fields)
    for name in ("marketplace_id", "language_tag"):
        if name in selectors:
            props[name] = {"$ref": f"#/$defs/{name}"}
    return {"type": "array", "minItems": 1, "maxItems": max_items, "selectors": selectors,
            "items": {"type": "object", "required": required, "additionalProperties": False,
                      "properties": props}}


def _text(length: int, items: int = 1) -> dict[str, Any]:
    value = {"type": "string", "minLength": 1, "maxLength": length,
             "maxUtf8ByteLength": length * 4}
    return _entries({"value": value}, ["value", "language_tag"],
                    ["marketplace_id", "language_tag"], items)


def _choice(values: list[str]) -> dict[str, Any]:
    return _entries({"value": {"type": "string", "enum": values}}, ["value"],
                    ["marketplace_id"])


def _measure(units: list[str]) -> dict[str, Any]:
    return _entries({"value": {"type": "number", "minimum": 0, "maximum": 10000},
                     "unit": {"type": "string", "enum": units}}, ["value", "unit"],
                    ["marketplace_id"])


def _integer() -> dict[str, Any]:
    return _entries({"value": {"type": "integer", "minimum": 0, "maximum": 1000}},
                    ["value"], ["marketplace_id"])


def _boolean() -> dict[str, Any]:
    return _entries({"value": {"type": "boolean"}}, ["value"], ["marketplace_id"])


def product_type(rng: random.Random, attributes: int = 150, rules: int = 100
                 ) -> dict[str, Any]:
    """A product type schema in Amazon's shape with ``attributes`` and ``rules``."""
    props: dict[str, Any] = {
        "item_name": _text(200), "brand": _text(100), "product_description": _text(2000),
        "bullet_point": _text(500, 5), "generic_keyword": _text(250, 3),
        "item_type_keyword": _choice([f"type_{i}" for i in range(40)]),
        "country_of_origin": _choice([f"C{i:02d}" for i in range(60)]),
        "condition_type": _choice(["new_new", "used_like_new", "used_good"]),
        "supplier_declared_dg_hz_regulation": _choice(["not_applicable", "ghs", "other"]),
        "batteries_required": _boolean(),
        "externally_assigned_product_identifier": _entries(
            {"type": {"type": "string", "enum": ["ean", "gtin", "upc"]},
             "value": {"type": "string", "pattern": "^[0-9]{8,14}$"}},
            ["type", "value"], ["marketplace_id", "type"]),
        "fulfillment_availability": _entries(
            {"fulfillment_channel_code": {"type": "string", "default": "DEFAULT"},
             "quantity": {"type": "integer", "minimum": 0},
             "lead_time_to_ship_max_days": {"type": "integer", "minimum": 0, "maximum": 30}},
            ["fulfillment_channel_code"], ["fulfillment_channel_code"]),
        "purchasable_offer": _entries(
            {"currency": {"type": "string", "enum": ["EUR", "GBP"]},
             "audience": {"type": "string", "enum": ["ALL", "B2B"], "default": "ALL"},
             "our_price": {"type": "array", "maxItems": 1, "items": {
                 "type": "object", "required": ["schedule"], "properties": {
                     "schedule": {"type": "array", "maxItems": 1, "items": {
                         "type": "object", "required": ["value_with_tax"], "properties": {
                             "value_with_tax": {"type": "number", "minimum": 0}}}}}}}},
            ["currency", "our_price"], ["marketplace_id", "currency", "audience"], 2),
        "main_product_image_locator": _entries(
            {"media_location": {"type": "string", "pattern": "^https?://",
                                "maxLength": 1500}}, ["media_location"], ["marketplace_id"]),
    }
    for number in range(1, 9):
        props[f"other_product_image_locator_{number}"] = props["main_product_image_locator"]
    makers = [lambda: _choice([f"v{i}" for i in range(rng.randint(3, 30))]),
              lambda: _text(rng.choice((50, 100, 500))),
              lambda: _measure(["grams", "kilograms", "centimeters", "meters"]),
              _integer, _boolean]
    number = 0
    while len(props) < attributes:
        kind = number % len(makers)
        props[f"attr_{number:03d}_{('choice', 'text', 'measure', 'int', 'bool')[kind]}"] = \
            makers[kind]()
        number += 1
    required = ["item_name", "brand", "item_type_keyword", "product_description",
                "bullet_point", "country_of_origin", "supplier_declared_dg_hz_regulation",
                "condition_type", "main_product_image_locator"]
    optional = [name for name in props if name not in required]
    targets = rng.sample(optional, 30)  # the attributes rules make required
    choices = [name for name in props if "enum" in
               props[name]["items"]["properties"].get("value", {}) and name != "condition_type"]

    def value_is(name: str) -> dict[str, Any]:
        values = props[name]["items"]["properties"]["value"]["enum"]
        picked = rng.sample(values, min(len(values), rng.randint(1, 3)))
        return {"required": [name], "properties": {name: {"contains": {
            "required": ["value"], "properties": {"value": {"enum": picked}}}}}}

    all_of: list[dict[str, Any]] = []
    for index in range(rules):
        then = {"required": rng.sample(targets, rng.randint(1, 2))}
        form = index % 20
        if form < 14:
            rule = {"if": value_is(rng.choice(choices)), "then": then}
        elif form < 17:
            rule = {"if": {"required": [rng.choice(optional)]}, "then": then}
        elif form == 17:
            rule = {"if": {"not": {"required": [rng.choice(optional)]}}, "then": then,
                    "else": {"required": [rng.choice(optional)]}}
        elif form == 18:
            rule = {"if": {"anyOf": [value_is(rng.choice(choices)),
                                     value_is(rng.choice(choices))]}, "then": then}
        else:
            target = rng.choice(choices)
            allowed = props[target]["items"]["properties"]["value"]["enum"]
            rule = {"if": value_is(rng.choice(choices)), "then": {"properties": {target: {
                "items": {"properties": {"value": {"enum": allowed[1:]}}}}}}}
        all_of.append(rule)
    defs = {"marketplace_id": {"type": "string", "default": DE, "enum": [DE]},
            "language_tag": {"type": "string", "default": "de_DE",
                             "enum": ["de_DE", "en_GB"]}}
    return {"$schema": "https://schemas.amazon.com/selling-partners/definitions/"
                       "product-types/meta-schema/v1",
            "$id": "urn:synccenter:bench:product-type:BENCH", "$defs": defs,
            "type": "object", "required": required, "additionalProperties": False,
            "properties": props, "allOf": all_of}


# ----- synthetic articles -------------------------------------------------------------


def columns(schema: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str, Any]]]]:
    """Per attribute: (name, kind, [(path, field, enum or None)]) as workbook columns."""
    out = []
    text = f"[marketplace_id={DE}][language_tag=de_DE]"
    for name, node in schema["properties"].items():
        fields = node["items"]["properties"]
        if name == "purchasable_offer":
            out.append((name, "price", [(f"{name}[marketplace_id={DE}][audience=ALL]#1"
                                         ".our_price#1.schedule#1.value_with_tax", "", None)]))
        elif name == "fulfillment_availability":
            out.append((name, "stock", [(f"{name}#1.quantity", "", None),
                                        (f"{name}#1.lead_time_to_ship_max_days", "", None)]))
        elif name == "externally_assigned_product_identifier":
            out.append((name, "ean", [(f"{name}#1.type", "", None),
                                      (f"{name}#1.value", "", None)]))
        elif "media_location" in fields:
            out.append((name, "image", [(f"{name}#1.media_location", "", None)]))
        elif "unit" in fields:
            out.append((name, "measure", [(f"{name}#1.value", "", None),
                                          (f"{name}#1.unit", "", fields["unit"]["enum"])]))
        elif "language_tag" in fields:
            paths = [(f"{name}{text}#{i}.value", str(fields["value"]["maxLength"]), None)
                     for i in range(1, node["maxItems"] + 1)]
            out.append((name, "text", paths))
        else:
            value = fields["value"]
            kind = value.get("type")
            out.append((name, kind, [(f"{name}#1.value", "", value.get("enum"))]))
    return out


def article(rng: random.Random, number: int, layout: list, required: set[str]
            ) -> dict[str, Any]:
    """One article's workbook row: {attribute path: value}, empty cells as None.

    Attributes the schema requires (always, or by some rule) are there 99 % of the time,
    the others 20 %; 1 % of the choices hold a value typed by hand that is not allowed.
    """
    values: dict[str, Any] = {"::record_action": "full_update"}
    values.update((path, None) for _, _, paths in layout for path, _, _ in paths)
    for name, kind, paths in layout:
        if rng.random() > (0.99 if name in required else 0.2):
            continue
        if kind == "text":
            count = rng.randint(1, len(paths))
            size = int(paths[0][1])
            for path, _, _ in paths[:count]:
                words = rng.choices(WORDS, k=max(1, min(size // 8, rng.randint(2, 20))))
                values[path] = " ".join(words)[:size]
        elif kind == "price":
            values[paths[0][0]] = Decimal(rng.randint(99, 99999)) / 100
        elif kind == "stock":
            values[paths[0][0]] = rng.randint(0, 500)
            values[paths[1][0]] = rng.randint(1, 5)
        elif kind == "ean":
            values[paths[0][0]] = "ean"
            values[paths[1][0]] = f"40{number:011d}"
        elif kind == "image":
            values[paths[0][0]] = f"https://images.example.com/{number}/{name}.jpg"
        elif kind == "measure":
            values[paths[0][0]] = Decimal(rng.randint(1, 99999)) / 10
            values[paths[1][0]] = rng.choice(paths[1][2])
        elif kind == "integer":
            values[paths[0][0]] = rng.randint(0, 1000)
        elif kind == "boolean":
            values[paths[0][0]] = rng.random() < 0.5
        else:  # a choice; now and then a value a merchant typed by hand
            options = paths[0][2]
            values[paths[0][0]] = rng.choice(options) if rng.random() > 0.01 else "Blau"
    return values


def chunks(count: int, seed: int, layout: list, required: set[str]):
    rng = random.Random(seed)
    for start in range(0, count, CHUNK):
        yield [article(rng, number, layout, required)
               for number in range(start, min(count, start + CHUNK))]


# ----- measuring ----------------------------------------------------------------------




def run(count: int, seed: int, compare: int) -> dict[str, Any]:
    rng = random.Random(seed)
    schema = product_type(rng)
    started = time.perf_counter()
    checker = QualityChecker(schema)
    compile_seconds = time.perf_counter() - started
    builder = AttributeBuilder(schema, CHANNEL)
    layout = columns(schema)
    required = set(schema["required"]).union(
        *(rule.get(branch, {}).get("required", ()) for rule in schema["allOf"]
          for branch in ("then", "else")))
    result = {"articles": 0, "attributes": len(schema["properties"]),
              "rules": len(schema["allOf"]), "unknown": checker.unknown_rules,
              "compile": compile_seconds, "generate": 0.0, "build": 0.0, "json": 0.0,
              "quality": 0.0, "present": 0, "ok": 0, "dq1": 0.0, "dq2": 0.0,
              "problems": 0, "bytes": 0, "rss_first": 0.0}
    clock = time.perf_counter
    build, check = builder.build, checker.check
    started = clock()
    for rows in chunks(count, seed, layout, required):
        result["generate"] += clock() - started
        for row in rows:  # one article at a time, as a feed writer sees them
            t0 = clock()
            attributes = build(row)
            t1 = clock()
            data = to_json(attributes)
            t2 = clock()
            quality = check(attributes)
            t3 = clock()
            result["build"] += t1 - t0
            result["json"] += t2 - t1
            result["quality"] += t3 - t2
            result["bytes"] += len(data)
            result["present"] += len(attributes)
            result["ok"] += quality.ok
            result["dq1"] += quality.dq1
            result["dq2"] += quality.dq2
            result["problems"] += len(quality.problems)
        result["articles"] += len(rows)
        if not result["rss_first"]:
            result["rss_first"] = memory_mib("VmRSS")
        started = clock()
    result["peak"] = memory_mib("VmHWM")
    result["generic"] = generic_rate(schema, builder, layout, required, seed, compare)
    return result


def generic_rate(schema: dict[str, Any], builder: AttributeBuilder, layout: list,
                 required: set[str], seed: int, count: int) -> float | None:
    """Articles/s of jsonschema's validator (whole schema, all errors), for comparison."""
    try:
        import jsonschema
    except ImportError:
        return None
    if count <= 0:
        return None
    validator = jsonschema.Draft201909Validator(schema)
    rows = next(chunks(count, seed, layout, required)) if count <= CHUNK else [
        row for rows in chunks(count, seed, layout, required) for row in rows]
    built = [builder.build(row) for row in rows[:count]]
    started = time.perf_counter()
    for attributes in built:
        for _ in validator.iter_errors(attributes):
            pass
    return len(built) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare", type=int, default=1000,
                        help="articles for the jsonschema comparison (0: skip)")
    args = parser.parse_args()
    r = run(args.articles, args.seed, args.compare)
    n = r["articles"]
    print(f"product type: {r['attributes']} attributes, {r['rules']} rules "
          f"({r['unknown']} not understood), compiled in {r['compile'] * 1000:.0f} ms")
    print(f"articles: {n:,}, {r['present'] / n:.1f} attributes each, "
          f"{r['bytes'] / n / 1024:.2f} KiB of JSON each; "
          f"ok (dq1 = 1) {r['ok'] / n:.1%}, mean dq1 {r['dq1'] / n:.3f}, "
          f"mean dq2 {r['dq2'] / n:.3f}, {r['problems'] / n:.2f} problems each; "
          f"generated in {r['generate']:.1f} s (not counted)\n")
    build_json = r["build"] + r["json"]
    rows = [("data quality (QualityChecker.check)", r["quality"], 5_000),
            ("feed building (build + to_json)", build_json, 20_000),
            ("  AttributeBuilder.build alone", r["build"], None),
            ("  to_json alone", r["json"], None)]
    print("| measure | seconds | articles/s | target | met |")
    print("|---|--:|--:|---|---|")
    for label, seconds, target in rows:
        met = ("yes" if n / seconds >= target else "no") if target else ""
        goal = f">= {target:,}/s" if target else ""
        print(f"| {label} | {seconds:.2f} | {n / seconds:,.0f} | {goal} | {met} |")
    if r["generic"]:
        print(f"| jsonschema Draft201909Validator, first {args.compare:,} articles | - | "
              f"{r['generic']:,.0f} | (comparison) | |")
    print(f"\npeak memory (VmHWM): {r['peak']:.0f} MiB; "
          f"after the first {CHUNK:,} articles (VmRSS): {r['rss_first']:.0f} MiB")


if __name__ == "__main__":
    main()
