"""Loading action files: valid, invalid with positions, and hostile XML."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from server.actions.loader import check_file, load_action, load_action_bytes
from server.errors import ActionXmlError
from tests.conftest import ROOT

SHIPPED = sorted((ROOT / "actions" / "xml").glob("*.xml"))
GOOD = (ROOT / "actions" / "xml" / "amazon-stock-prices.xml").read_bytes()


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(ActionXmlError) as caught:
        load_action_bytes(data, "case.xml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_actions_load(path: Path) -> None:
    action = load_action(path)
    assert action.id == path.stem
    assert action.tasks and all(t.fields for t in action.tasks)


def test_model_carries_the_file_content() -> None:
    action = load_action_bytes(GOOD, "good.xml")
    export = action.task("export")
    assert action.channel == "amazon-de"
    assert export.key == "sku"
    assert export.source.kind == "sql" and "FROM article" in export.source.query
    kinds = {f.name: f.kind for f in export.fields}
    assert kinds == {"sku": "column", "price": "formula", "quantity": "formula",
                     "handling-time": "fixed", "currency": "unused",
                     "price-floor": "formula", "price-ceiling": "formula"}
    assert [f.name for f in export.used_fields] == ["sku", "price", "quantity", "handling-time",
                                                    "price-floor", "price-ceiling"]
    assert export.target.kind == "amazon-listings-feed"
    assert action.schedule.times == "9:00; 11:00; 15:00"


def test_misspelt_element_names_line_column_and_nearest_name() -> None:
    data = GOOD.replace(b'<field name="ean"><column>EAN</column></field>',
                        b'<fild name="ean"><column>EAN</column></fild>')
    [problem] = problems_of(data)
    line = data[: data.index(b"<fild")].count(b"\n") + 1
    assert problem.startswith(f"case.xml:{line}:7: unexpected element <fild> in <fields>")
    assert "did you mean 'field'" in problem


def test_misspelt_attribute_is_reported_once_with_suggestion() -> None:
    data = GOOD.replace(b'<sql connection="erp">', b'<sql conection="erp">', 1)
    [problem] = problems_of(data)
    assert "<sql> has no attribute 'conection' (did you mean 'connection'?)" in problem
    assert ":17:12:" in problem


def test_every_problem_is_reported_in_file_order() -> None:
    data = (GOOD.replace(b'mode="manual"', b'mode="manaul"')
            .replace(b'key="sku">\n    <source>', b'key="skux">\n    <source>', 1)
            .replace(b"<title>Amazon stock and prices</title>", b"<title> </title>"))
    problems = problems_of(data)
    assert len(problems) == 3
    assert "<title>: it must not be empty" in problems[0]
    assert "the task's key 'skux' is not one of its fields (did you mean 'sku'?)" in problems[1]
    assert "mode='manaul' is not valid: expected one of manual, automatic, disabled" in problems[2]
    assert "did you mean 'manual'" in problems[2]


def test_schedule_naming_an_unknown_task() -> None:
    [problem] = problems_of(GOOD.replace(b'task="export"/>', b'task="exprt"/>'))
    assert "the schedule names task 'exprt'" in problem and "did you mean 'export'" in problem


def test_duplicate_field_names() -> None:
    data = GOOD.replace(b'<field name="handling-time">', b'<field name="quantity">', 1)
    assert any("the field name 'quantity' is used twice" in p for p in problems_of(data))


def test_wrong_namespace_is_named() -> None:
    data = GOOD.replace(b'xmlns="urn:synccenter:action:1"', b'xmlns="urn:other"')
    [problem] = problems_of(data)
    assert "namespace 'urn:other'" in problem and "urn:synccenter:action:1" in problem


def test_formula_syntax_error_points_into_the_formula() -> None:
    data = GOOD.replace(b"<formula>round(A.VK1, 2)</formula>",
                        b"<formula>round(A.VK1 *, 2)</formula>", 1)
    [problem] = problems_of(data)
    line = data[: data.index(b"round(A.VK1 *")].count(b"\n") + 1
    assert problem.startswith(f"case.xml:{line}:")
    assert "field 'price'" in problem and "not a valid expression" in problem


def test_secret_in_settings_is_refused() -> None:
    data = GOOD.replace(b'<setting name="currency" value="EUR"/>',
                        b'<setting name="api-token" value="s3cr3t-value"/>')
    [problem] = problems_of(data)
    assert "looks like a secret" in problem and "${secret:api-token}" in problem


def test_truncated_file() -> None:
    [problem, *_] = problems_of(GOOD[:400])
    assert problem.startswith("case.xml:") and "ends too early" in problem


def test_invalid_utf8_names_line() -> None:
    data = GOOD.replace(b"Amazon stock and prices</title>", b"Amazon \xff stock</title>")
    [problem, *_] = problems_of(data)
    assert problem.startswith("case.xml:8:") and "not valid UTF-8" in problem


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<action xmlns="urn:synccenter:action:1" id="x" channel="amazon-de"><title>&lol9;</title></action>
"""


@pytest.mark.parametrize("data", [
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(b'<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                 b'\n<action xmlns="urn:synccenter:action:1"><title>&e;</title></action>',
                 id="external-file-entity"),
    pytest.param(b'<!DOCTYPE a [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>'
                 b'<action xmlns="urn:synccenter:action:1"><title>&e;</title></action>',
                 id="external-network-entity"),
    pytest.param(b'<!DOCTYPE a SYSTEM "http://127.0.0.1:9/x.dtd"><a/>', id="external-dtd"),
])
def test_hostile_xml_is_refused_quickly(data: bytes) -> None:
    started = time.monotonic()
    problems = problems_of(data)
    assert time.monotonic() - started < 1.0
    assert "document type declaration" in problems[0]
    assert "root:" not in " ".join(problems)  # nothing of /etc/passwd leaks


def test_entity_declaration_in_utf16_is_refused() -> None:
    data = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>',
                                  b'<?xml version="1.0" encoding="UTF-16"?>')
    problems = problems_of(data.decode().encode("utf-16"))
    assert "document type declaration" in problems[0]


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(GOOD.replace(b"<description>", b"<description>" + b"x" * 3_000_000))
    [problem] = map(str, check_file(big))
    assert str(big) in problem and "more than the limit" in problem


def test_check_file_returns_no_problems_for_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "good.xml"
    path.write_bytes(GOOD)
    assert check_file(path) == []


def test_a_field_with_two_values() -> None:
    data = GOOD.replace(b'<field name="sku"><column>SKU</column></field>',
                        b'<field name="sku"><column>SKU</column><fixed>x</fixed></field>', 1)
    [problem] = problems_of(data)
    assert "<fixed> is not allowed after <column> in <field>" in problem
    assert "takes exactly one of <unused>, <fixed>, <column> or <formula>" in problem


def test_a_number_that_is_not_a_number() -> None:
    data = GOOD.replace(b'<sql connection="erp">',
                        b'<sql connection="erp" batch-size="lots">', 1)
    [problem] = problems_of(data)
    assert ":17:" in problem
    assert "batch-size='lots' is not valid: expected a whole number" in problem


def test_unknown_source_kind_lists_the_known_ones() -> None:
    [problem] = problems_of(GOOD.replace(b"<source>", b"<source><mongo/>", 1))
    assert ("unexpected element <mongo> in <source>; expected <sql>, <csv>, <xlsx> or "
            "<amazon-report>") in problem


def test_comments_inside_source_and_target_are_ignored() -> None:
    text = GOOD.replace(b"<source>", b"<source><!-- the ERP -->", 1)
    text = text.replace(b"<target>", b"<target>\n<!-- where it goes -->", 1)
    action = load_action_bytes(text, "case.xml")
    assert action.tasks[0].source.kind == "sql" and action.tasks[0].target.kind
