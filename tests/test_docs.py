"""docs/actions.md and schemas/action.xsd stay complete and in step with each other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from server import resources
from server.actions.loader import load_action_bytes
from server.actions.reference import (
    generated_section,
    reference_markdown,
    replace_section,
    undocumented,
)
from server.errors import ActionXmlError
from server.sandbox.functions import SAFE_FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "actions.md"
XS = "http://www.w3.org/2001/XMLSchema"
REGENERATE = "python -m server.actions.reference --write docs/actions.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _element_names() -> set[str]:
    tree = etree.parse(str(resources.schema_path()))
    return {node.get("name") for node in tree.iter(f"{{{XS}}}element") if node.get("name")}


def test_every_element_and_attribute_has_documentation_with_an_example() -> None:
    missing = undocumented()
    assert not missing, (
        "these declarations of schemas/action.xsd need an xs:documentation with a "
        "description and an 'Example: ...': " + "; ".join(missing)
    )


def test_undocumented_reports_a_removed_documentation(tmp_path: Path) -> None:
    tree = etree.parse(str(resources.schema_path()))
    attribute = tree.find(f".//{{{XS}}}element[@name='sql']//{{{XS}}}attribute"
                          "[@name='connection']")
    assert attribute is not None
    attribute.remove(attribute.find(f"{{{XS}}}annotation"))
    fixed = tree.find(f".//{{{XS}}}element[@name='fixed']/{{{XS}}}annotation/"
                      f"{{{XS}}}documentation")
    assert fixed is not None
    fixed.text = "The same text for every record."  # a description, but no example
    group = tree.find(f".//{{{XS}}}attributeGroup[@name='fileTarget']/{{{XS}}}attribute")
    assert group is not None
    group.remove(group.find(f"{{{XS}}}annotation"))
    copy = tmp_path / "action.xsd"
    tree.write(str(copy), xml_declaration=True, encoding="UTF-8")

    assert undocumented(copy) == [
        "<task>/<source>/<sql> @connection",
        "<task>/<fields>/<field>/<fixed>",
        "attributeGroup 'fileTarget' @file",
    ]


def test_generated_reference_matches_the_schema(doc: str) -> None:
    assert generated_section(doc) == reference_markdown(), (
        f"the reference in docs/actions.md differs from schemas/action.xsd; run {REGENERATE}"
    )


def test_replace_section_keeps_the_hand_written_text() -> None:
    text = "intro\n<!-- reference:start -->\nold\n<!-- reference:end -->\noutro\n"
    new = replace_section(text, "new\n")
    assert new == "intro\n<!-- reference:start -->\nnew\n<!-- reference:end -->\noutro\n"
    assert generated_section(new) == "new\n"
    with pytest.raises(ValueError, match="reference:start"):
        generated_section("no markers here")


def test_every_element_of_the_schema_is_in_the_docs(doc: str) -> None:
    missing = sorted(name for name in _element_names() if f"<{name}>" not in doc)
    assert not missing, f"docs/actions.md does not mention: {', '.join(missing)}"


def test_every_formula_function_is_in_the_docs(doc: str) -> None:
    names = [name for name, value in SAFE_FUNCTIONS.items() if callable(value)]
    missing = [name for name in names if not re.search(rf"`{re.escape(name)}\(", doc)]
    assert not missing, (
        "docs/actions.md does not describe the formula functions "
        f"{', '.join(missing)} (write them as `name(...)`)"
    )


def test_the_example_action_in_the_docs_is_valid(doc: str) -> None:
    match = re.search(r"^```xml\n(.*?)^```", doc, re.S | re.M)
    assert match, "docs/actions.md has no ```xml block"
    try:
        action = load_action_bytes(match.group(1).encode("utf-8"), "docs/actions.md")
    except ActionXmlError as exc:
        pytest.fail("the example action in docs/actions.md is not valid:\n"
                    + "\n".join(str(p) for p in exc.problems))
    assert action.tasks, "the example action has no task"
