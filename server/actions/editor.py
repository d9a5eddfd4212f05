"""Saving an action from code: change only the nodes edited, keep comments and layout.

Edits go to the lxml tree the file was parsed into; ``serialize`` writes it back and then
restores every untouched line exactly as it was in the original bytes (lxml would
otherwise re-escape ``>`` as ``&gt;`` or change quote characters), so a diff of the saved
file shows the edit and nothing else.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from lxml import etree

from server.actions import xmlfile
from server.actions.xmlfile import NAMESPACE

_NS = {"a": NAMESPACE}


class ActionDocument:
    """An action file open for editing."""

    def __init__(self, data: bytes, file: str = "<string>") -> None:
        self.original = data
        self.file = file
        self.tree = xmlfile.parse(data, file)
        self.root = self.tree.getroot()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ActionDocument:
        return cls(xmlfile.read_bytes(path), str(path))

    def find(self, xpath: str) -> etree._Element:
        """Return the one element at ``xpath`` (prefix ``a:`` for the action namespace)."""
        found = self.root.xpath(xpath, namespaces=_NS)
        if len(found) != 1:
            raise KeyError(f"{xpath!r} matches {len(found)} elements in {self.file}, not 1")
        return found[0]

    def set_attribute(self, xpath: str, name: str, value: str) -> None:
        self.find(xpath).set(name, value)

    def set_text(self, xpath: str, text: str) -> None:
        self.find(xpath).text = text

    def serialize(self) -> bytes:
        """Return the edited file, identical to the original outside the edited nodes."""
        # lxml drops the line breaks between top-level comments and the root, so the
        # prolog and epilogue are taken verbatim from the original.
        prolog = _PROLOG.match(self.original)
        epilogue = _EPILOGUE.search(self.original)
        body = etree.tostring(self.root, encoding="UTF-8")
        new = (prolog.group(0) if prolog else b"") + body + (epilogue.group(0) if epilogue
                                                            else b"")
        return _restore_untouched(self.original, new)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the file atomically to ``path``."""
        path = Path(path)
        temp = path.with_name(f".{path.name}.part")
        temp.write_bytes(self.serialize())
        os.replace(temp, path)


_PROLOG = re.compile(rb"(?:\s|<\?xml[^>]*\?>|<!--.*?-->)*", re.S)
_EPILOGUE = re.compile(rb"(?:\s|<!--.*?-->)*\Z", re.S)


def _normal(line: bytes) -> bytes:
    """A line as lxml would write it, to tell layout-only differences from edits."""
    return (line.replace(b"&gt;", b">").replace(b"&quot;", b'"').replace(b"&apos;", b"'")
            .replace(b"'", b'"').rstrip())


def _restore_untouched(original: bytes, new: bytes) -> bytes:
    old_lines = original.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=[_normal(x) for x in old_lines],
                                      b=[_normal(x) for x in new_lines], autojunk=False)
    result: list[bytes] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        result.extend(old_lines[a1:a2] if op == "equal" else new_lines[b1:b2])
    return b"".join(result)
