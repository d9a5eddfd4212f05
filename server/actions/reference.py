"""The reference part of docs/actions.md, generated from ``schemas/action.xsd``.

``reference_markdown()`` walks the schema from ``<action>`` down and writes, per element,
a heading with its path, its documentation and example, what it contains, and a table of
its attributes. ``undocumented()`` lists the elements and attributes whose documentation
lacks a description or an example (tests/test_docs.py keeps that list empty).

Run ``python -m server.actions.reference`` to print the reference, or
``python -m server.actions.reference --write docs/actions.md`` to update it in place
between the markers ``<!-- reference:start -->`` and ``<!-- reference:end -->``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from server import resources

XS = "http://www.w3.org/2001/XMLSchema"
_XS = f"{{{XS}}}"
START_MARKER = "<!-- reference:start -->"
END_MARKER = "<!-- reference:end -->"
EXAMPLE = "Example:"
ROOT = "action"
_MODELS = (f"{_XS}sequence", f"{_XS}choice", f"{_XS}all")

_BUILTIN = {
    "string": "text",
    "boolean": "`true` or `false`",
    "nonNegativeInteger": "whole number >= 0",
    "positiveInteger": "whole number >= 1",
    "integer": "whole number",
    "decimal": "decimal number",
    "ID": "name, unique in the file (letters, digits, `-`, `_`, `.`; no digit first)",
    "NCName": "name (letters, digits, `-`, `_`, `.`; no digit first)",
}


@dataclass(frozen=True)
class _Doc:
    """An xs:documentation split into its description and its example."""

    text: str
    example: str


class _Schema:
    """The parsed XSD with lookups of its global declarations by name."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path is not None else resources.schema_path()
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        self.root = etree.parse(str(self.path), parser).getroot()
        self.elements = self._globals("element")
        self.groups = self._globals("attributeGroup")
        self.simple_types = self._globals("simpleType")
        self.complex_types = self._globals("complexType")

    def _globals(self, kind: str) -> dict[str, etree._Element]:
        return {node.get("name", ""): node for node in self.root.iterfind(f"{_XS}{kind}")}

    def element(self, particle: etree._Element) -> etree._Element:
        """Return the declaration of an element particle (itself, or what it refers to)."""
        ref = particle.get("ref")
        if ref is None:
            return particle
        return self.elements[_local(ref)]

    def complex_type(self, decl: etree._Element) -> etree._Element | None:
        """Return the complex type of an element declaration, if it has one."""
        inline = decl.find(f"{_XS}complexType")
        if inline is not None:
            return inline
        type_name = decl.get("type")
        if type_name and not _is_builtin(decl, type_name):
            return self.complex_types.get(_local(type_name))
        return None

    def attributes(self, complex_type: etree._Element) -> Iterator[etree._Element]:
        """Yield the attribute declarations of a complex type, groups expanded in place."""
        holders = [complex_type]
        for content in ("simpleContent", "complexContent"):
            for derivation in complex_type.iterfind(f"{_XS}{content}/*"):
                holders.append(derivation)
        for holder in holders:
            yield from self._attributes_in(holder)

    def _attributes_in(self, holder: etree._Element) -> Iterator[etree._Element]:
        for node in holder:
            if node.tag == f"{_XS}attribute":
                yield node
            elif node.tag == f"{_XS}attributeGroup":
                ref = node.get("ref")
                group = self.groups[_local(ref)] if ref else node
                yield from self._attributes_in(group)


# ----- documentation ---------------------------------------------------------------------


def _documentation(node: etree._Element) -> _Doc:
    """Return the node's own xs:documentation, split at "Example:"."""
    texts = [
        "".join(doc.itertext())
        for doc in node.iterfind(f"{_XS}annotation/{_XS}documentation")
    ]
    text = " ".join(" ".join(texts).split())
    before, found, after = text.partition(EXAMPLE)
    if not found:
        return _Doc(text, "")
    return _Doc(before.strip(), after.strip())


def _local(qname: str) -> str:
    return qname.rpartition(":")[2]


def _is_builtin(node: etree._Element, qname: str) -> bool:
    prefix = qname.partition(":")[0] if ":" in qname else None
    return node.nsmap.get(prefix) == XS


# ----- rendering helpers -----------------------------------------------------------------


def _code(text: str) -> str:
    """Return ``text`` as a Markdown code span."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    """Return ``text`` safe for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ") or "-"


def _tag(name: str) -> str:
    return f"`<{name}>`"


def _occurs(particle: etree._Element) -> str:
    low = particle.get("minOccurs", "1")
    high = particle.get("maxOccurs", "1")
    if (low, high) == ("1", "1"):
        return ""
    words = {
        ("0", "1"): "optional",
        ("1", "unbounded"): "one or more",
        ("0", "unbounded"): "any number",
    }
    return words.get((low, high), f"{low} to {high} times")


def _heading(path: list[str]) -> str:
    """Return an element path as the reference names it: ``<task>/<source>/<sql>``."""
    return "/".join(f"<{name}>" for name in (path[1:] or path))


def _particles(model: etree._Element) -> Iterator[etree._Element]:
    """Yield the element particles of a content model, nested groups included."""
    for node in model:
        if node.tag == f"{_XS}element":
            yield node
        elif node.tag in _MODELS:
            yield from _particles(node)


def _join(items: list[str], last: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


class _Writer:
    """Builds the Markdown reference from a ``_Schema``."""

    def __init__(self, schema: _Schema) -> None:
        self.schema = schema
        self.lines: list[str] = []

    def render(self) -> str:
        root = self.schema.elements[ROOT]
        self._element(root, [ROOT])
        self._simple_types()
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"

    # -- elements --

    def _element(self, decl: etree._Element, path: list[str]) -> None:
        heading = _heading(path)
        doc = _documentation(decl)
        self.lines += [f"### {_code(heading)}", ""]
        if doc.text:
            self.lines += [doc.text, ""]
        if doc.example:
            self.lines += [f"Example: {_code(doc.example)}", ""]
        children = self._content(decl)
        for rule in self._rules(decl):
            self.lines += [rule, ""]
        self._attribute_table(decl)
        for child in children:
            child_decl = self.schema.element(child)
            self._element(child_decl, [*path, child_decl.get("name", "")])

    def _content(self, decl: etree._Element) -> list[etree._Element]:
        """Write what the element contains; return its child element particles."""
        complex_type = self.schema.complex_type(decl)
        if complex_type is None:
            self.lines += [f"Content: {self._text_content(decl, decl.get('type'))}.", ""]
            return []
        derivation = complex_type.find(f"{_XS}simpleContent/*")
        if derivation is not None:
            kind = self._text_content(derivation, derivation.get("base"))
            self.lines += [f"Content: {kind}.", ""]
            return []
        model = next((n for n in complex_type if n.tag in _MODELS), None)
        if model is None:
            attributes = next(iter(self.schema.attributes(complex_type)), None)
            empty = "none (attributes only)" if attributes is not None else "none (empty)"
            self.lines += [f"Content: {empty}.", ""]
            return []
        self.lines += [f"Content: {self._model_text(model)}.", ""]
        return list(_particles(model))

    def _text_content(self, node: etree._Element, type_name: str | None) -> str:
        if not type_name or (_is_builtin(node, type_name) and _local(type_name) == "string"):
            return "text"
        return f"text of type {self._type_text(node, type_name)}"

    def _model_text(self, model: etree._Element) -> str:
        parts = []
        for node in model:
            if node.tag == f"{_XS}element":
                name = self.schema.element(node).get("name", "")
                occurs = _occurs(node)
                parts.append(_tag(name) + (f" ({occurs})" if occurs else ""))
            elif node.tag in _MODELS:
                parts.append(f"({self._model_text(node)})")
        occurs = _occurs(model)
        suffix = f", {occurs}" if occurs else ""
        if model.tag == f"{_XS}choice":
            return f"one of {_join(parts, 'or')}{suffix}"
        if model.tag == f"{_XS}all":
            return f"{_join(parts, 'and')} in any order{suffix}"
        if len(parts) == 1:
            return parts[0] + suffix
        return f"{_join(parts, 'and')}, in this order{suffix}"

    def _rules(self, decl: etree._Element) -> Iterator[str]:
        """Describe the element's xs:unique, xs:key and xs:keyref constraints."""
        keys: dict[str, tuple[str, str]] = {}
        for node in decl:
            kind = etree.QName(node).localname
            if kind not in ("unique", "key", "keyref"):
                continue
            selector = _selector_path(node.find(f"{_XS}selector"), decl.get("name", ""))
            fields = [f.get("xpath", "").lstrip("@") for f in node.iterfind(f"{_XS}field")]
            keys[node.get("name", "")] = (selector, ", ".join(fields))
        for node in decl:
            kind = etree.QName(node).localname
            selector, field = keys.get(node.get("name", ""), ("", ""))
            if kind in ("unique", "key"):
                yield f"Rule: each {selector} has a different {_code(field)}."
            elif kind == "keyref":
                target = keys.get(_local(node.get("refer", "")))
                if target is None:
                    continue
                yield (f"Rule: the {_code(field)} of {selector} must be the "
                       f"{_code(target[1])} of a {target[0]}.")

    # -- attributes --

    def _attribute_table(self, decl: etree._Element) -> None:
        complex_type = self.schema.complex_type(decl)
        attributes = list(self.schema.attributes(complex_type)) if complex_type is not None \
            else []
        if not attributes:
            return
        self.lines += [
            "| Attribute | Use | Default | Type / values | Description | Example |",
            "|---|---|---|---|---|---|",
        ]
        for attribute in attributes:
            doc = _documentation(attribute)
            default = attribute.get("default") or attribute.get("fixed")
            row = [
                _code(attribute.get("name", "")),
                "required" if attribute.get("use") == "required" else "optional",
                _code(default) if default is not None else "-",
                self._attribute_type(attribute),
                doc.text,
                _code(doc.example) if doc.example else "",
            ]
            self.lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        self.lines.append("")

    def _attribute_type(self, attribute: etree._Element) -> str:
        type_name = attribute.get("type")
        if type_name:
            return self._type_text(attribute, type_name)
        inline = attribute.find(f"{_XS}simpleType")
        return self._restriction_text(inline) if inline is not None else "text"

    def _type_text(self, node: etree._Element, qname: str) -> str:
        """Describe a named type: a built-in in words, a schema type as a link."""
        if _is_builtin(node, qname):
            return _BUILTIN.get(_local(qname), _code(f"xs:{_local(qname)}"))
        name = _local(qname)
        simple = self.schema.simple_types.get(name)
        text = f"[{_code(name)}](#value-types)"
        if simple is not None:
            values = _enumerations(simple)
            if values:
                text += f": one of {values}"
        return text

    def _restriction_text(self, simple: etree._Element) -> str:
        """Describe an xs:simpleType's restriction in words."""
        restriction = simple.find(f"{_XS}restriction")
        if restriction is None:
            return "text"
        values = _enumerations(simple)
        if values:
            return f"one of {values}"
        base = restriction.get("base", "")
        parts = [self._type_text(restriction, base) if base else "text"]
        facets = {etree.QName(f).localname: f.get("value", "") for f in restriction
                  if isinstance(f.tag, str) and f.tag != f"{_XS}annotation"}
        if "pattern" in facets:
            parts.append(f"matching {_code(facets['pattern'])}")
        low, high = facets.get("minLength"), facets.get("maxLength")
        if low and high:
            parts.append(f"{low} to {high} characters")
        elif low:
            parts.append(f"at least {low} character" + ("s" if low != "1" else ""))
        elif high:
            parts.append(f"at most {high} characters")
        if "minInclusive" in facets:
            parts.append(f"at least {facets['minInclusive']}")
        if "maxInclusive" in facets:
            parts.append(f"at most {facets['maxInclusive']}")
        if facets.get("whiteSpace") == "collapse":
            parts.append("whitespace collapsed before checking")
        return ", ".join(parts)

    # -- simple types --

    def _simple_types(self) -> None:
        if not self.schema.simple_types:
            return
        self.lines += [
            "### Value types",
            "",
            "Named value types used by the attributes and elements above.",
            "",
            "| Type | Values | Description | Example |",
            "|---|---|---|---|",
        ]
        for name, node in self.schema.simple_types.items():
            doc = _documentation(node)
            row = [_code(name), self._restriction_text(node), doc.text,
                   _code(doc.example) if doc.example else ""]
            self.lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        self.lines.append("")


def _selector_path(selector: etree._Element | None, owner: str) -> str:
    xpath = selector.get("xpath", ".") if selector is not None else "."
    if xpath == ".":
        return _tag(owner)
    return _code("/".join(f"<{_local(step)}>" for step in xpath.split("/")))


def _enumerations(simple: etree._Element) -> str:
    values = [e.get("value", "") for e in simple.iterfind(f"{_XS}restriction/{_XS}enumeration")]
    return _join([_code(v) for v in values], "or")


# ----- public functions ------------------------------------------------------------------


def reference_markdown(xsd_path: str | os.PathLike[str] | None = None) -> str:
    """Return the generated reference of the action format, as Markdown."""
    return _Writer(_Schema(xsd_path)).render()


def undocumented(xsd_path: str | os.PathLike[str] | None = None) -> list[str]:
    """Return every element and attribute of the XSD without a described example.

    An element or attribute counts as documented when its xs:documentation has text
    before "Example:" and an example after it. Element references are skipped (their
    declaration is checked); attributes of attribute groups are checked in the group.
    """
    schema = _Schema(xsd_path)
    paths = _declaration_paths(schema)
    where = schema.root.getroottree().getpath
    missing = []
    for node in schema.root.iter(f"{_XS}element", f"{_XS}attribute"):
        if node.get("name") is None:
            continue
        doc = _documentation(node)
        if not doc.text or not doc.example:
            missing.append(paths.get(where(node)) or _structural_path(node))
    return missing


def _declaration_paths(schema: _Schema) -> dict[str, str]:
    """Map each declaration reachable from ``<action>`` (by its XPath) to a readable path."""
    paths: dict[str, str] = {}
    where = schema.root.getroottree().getpath

    def visit(decl: etree._Element, path: list[str]) -> None:
        if where(decl) in paths:
            return
        paths[where(decl)] = _heading(path)
        complex_type = schema.complex_type(decl)
        if complex_type is None:
            return
        for attribute in schema.attributes(complex_type):
            # Attributes of a group are named by the group, where they are declared.
            if next(attribute.iterancestors(f"{_XS}attributeGroup"), None) is None:
                name = f"{_heading(path)} @{attribute.get('name')}"
                paths.setdefault(where(attribute), name)
        for model in complex_type:
            if model.tag in _MODELS:
                for particle in _particles(model):
                    child = schema.element(particle)
                    visit(child, [*path, child.get("name", "")])

    if ROOT in schema.elements:
        visit(schema.elements[ROOT], [ROOT])
    return paths


def _structural_path(node: etree._Element) -> str:
    """Name a declaration by its place in the XSD (for groups and unreached ones)."""
    names: list[str] = []
    for ancestor in node.iterancestors():
        kind = etree.QName(ancestor).localname
        if kind == "element" and ancestor.get("name"):
            names.append(f"<{ancestor.get('name')}>")
        elif kind in ("attributeGroup", "complexType", "group") and ancestor.get("name"):
            names.append(f"{kind} {ancestor.get('name')!r}")
    owner = "/".join(reversed(names))
    name = node.get("name", "")
    if etree.QName(node).localname == "attribute":
        return f"{owner} @{name}" if owner else f"@{name}"
    return f"{owner}/<{name}>" if owner else f"<{name}>"


# ----- docs/actions.md -------------------------------------------------------------------


def generated_section(text: str) -> str:
    """Return the text between the reference markers of a Markdown document."""
    start, end = _marker_positions(text)
    return text[start:end]


def replace_section(text: str, reference: str) -> str:
    """Return ``text`` with the part between the reference markers set to ``reference``."""
    start, end = _marker_positions(text)
    return text[:start] + reference + text[end:]


def _marker_positions(text: str) -> tuple[int, int]:
    start = text.find(START_MARKER)
    end = text.find(END_MARKER)
    if start < 0 or end < start:
        raise ValueError(f"the document needs the lines {START_MARKER} and {END_MARKER}, "
                         "in that order, around the generated reference")
    start += len(START_MARKER)
    if text.startswith("\n", start):
        start += 1
    return start, end


def main(argv: list[str] | None = None) -> int:
    """Print the reference, or write it into a Markdown file between its markers."""
    parser = argparse.ArgumentParser(prog="python -m server.actions.reference",
                                     description="The action format reference, from the XSD.")
    parser.add_argument("--write", metavar="FILE",
                        help="update FILE in place between the reference markers")
    args = parser.parse_args(argv)
    reference = reference_markdown()
    if not args.write:
        sys.stdout.write(reference)
        return 0
    path = Path(args.write)
    try:
        old = path.read_text(encoding="utf-8")
        new = replace_section(old, reference)
    except (OSError, ValueError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    if new == old:
        print(f"{path} is up to date")
        return 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(new)
    print(f"{path}: reference updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
