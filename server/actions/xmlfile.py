"""Reading action XML safely.

An action file may come from anywhere (an upload, a forum post), so the parser refuses
everything that XML allows but an action never needs: a document type declaration (the
door to entity expansion, "billion laughs", and external entities that read local files
or fetch URLs), entity references, processing instructions that are not the XML
declaration, network access, and files above a size limit. Comments and whitespace are
kept, because saving an action edits the tree in place (see ``server.actions.editor``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import etree

from server.errors import ActionXmlError, Problem

NAMESPACE = "urn:synccenter:action:1"
MAX_BYTES = 2 * 1024 * 1024  # the largest shipped action is ~5 KB; 2 MB leaves ample room


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_blank_text=False,
        collect_ids=False,
    )


def read_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> bytes:
    """Return the bytes of ``path``, refusing files above ``max_bytes``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _problem(path, 1, 1, f"the file has {size:,} bytes, more than the limit "
                           f"of {max_bytes:,} bytes for an action file")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _problem(path, 1, 1, f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:  # the file grew while we read it
        raise _problem(path, 1, 1, f"the file is larger than the limit of {max_bytes:,} bytes")
    return data


def parse(data: bytes, file: str = "<string>", max_bytes: int = MAX_BYTES) -> etree._ElementTree:
    """Parse action XML from bytes and return the lxml tree, or raise ``ActionXmlError``."""
    if len(data) > max_bytes:
        raise _problem(file, 1, 1, f"the document has {len(data):,} bytes, more than the "
                       f"limit of {max_bytes:,} bytes for an action file")
    _refuse_doctype(data, file)
    try:
        root = etree.fromstring(data, _parser(), base_url=None)
    except etree.XMLSyntaxError as exc:
        raise ActionXmlError(_syntax_problems(exc, file), file=file) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _problem(file, 1, 1, "a document type declaration (<!DOCTYPE ...>) is not "
                       "allowed in an action file")
    for node in root.iter(etree.Entity, etree.ProcessingInstruction):
        kind = "entity reference" if isinstance(node, etree._Entity) else "processing instruction"
        raise _problem(file, node.sourceline or 1, 1, f"an {kind} ({node}) is not allowed in "
                       "an action file")
    return tree


def parse_file(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> etree._ElementTree:
    """Read and parse an action file (see ``parse``)."""
    return parse(read_bytes(path, max_bytes), str(path), max_bytes)


def _refuse_doctype(data: bytes, file: str) -> None:
    # Refuse before the parser sees the DTD at all: even unexpanded, a DTD can declare
    # entities that later tools might expand. The check looks at the first 64 KB in the
    # encodings an XML declaration allows us to meet here.
    head = data[:65536]
    for encoding in ("utf-8", "utf-16"):
        try:
            text = head.decode(encoding, errors="ignore")
        except LookupError:  # pragma: no cover - both codecs always exist
            continue
        position = text.find("<!DOCTYPE")
        if position < 0:
            position = text.find("<!ENTITY")
        if position >= 0 and "\x00" not in text[:position]:
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            raise _problem(file, line, column, "a document type declaration (<!DOCTYPE ...>) "
                           "or entity declaration is not allowed in an action file; it could "
                           "expand entities or read other files")


def _syntax_problems(exc: etree.XMLSyntaxError, file: str) -> list[Problem]:
    # exc.error_log may also hold entries of earlier parses in this thread; the exception's
    # own position and message are the error of this document.
    line, column = exc.position if exc.position else (1, 1)
    message = re.sub(r", line \d+, column \d+$", "", exc.msg or "syntax error")
    return [Problem(file, line or 1, max(column, 1), _plain_syntax(message))]


def _plain_syntax(message: str) -> str:
    message = message.strip().rstrip(".")
    if message.startswith("Excessive depth"):
        return "elements are nested more than 256 levels deep; an action never needs that"
    if message.startswith(("Input is not proper UTF-8", "Invalid bytes in character")):
        return "the file is not valid UTF-8 text (" + message + "); save it as UTF-8"
    if "Premature end of data" in message or "EndTag: '</' not found" in message:
        return "the file ends too early: " + message + " (is it cut off?)"
    return "not well-formed XML: " + message


def _problem(file: str | os.PathLike[str], line: int, column: int, message: str) -> ActionXmlError:
    return ActionXmlError([Problem(str(file), line, column, message)], file=str(file))
