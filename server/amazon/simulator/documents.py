"""Feed and report documents, and the storage endpoints their presigned-style URLs use.

``createFeedDocument`` hands out ``{base}/documents/upload/<id>?expires=..&sig=..``; the
client PUTs the bytes there with the Content-Type it declared (a different Content-Type
answers 403 ``SignatureDoesNotMatch``, as S3 does for a signed header). Result and report
documents are read from ``{base}/documents/download/<id>?...``; some are stored
GZIP-compressed and then ``getFeedDocument``/``getReportDocument`` say
``compressionAlgorithm: GZIP``. Storage errors are S3-like XML, not SP-API JSON.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Response, request

from server.amazon.simulator.errors import StorageError
from server.amazon.simulator.routing import base_url, plain, sim

if TYPE_CHECKING:
    from server.amazon.simulator.state import Simulator

MAX_UPLOAD = 10 * 1024 * 1024
ALWAYS_GZIP = 64 * 1024


@dataclass
class Document:
    id: str
    content_type: str
    created: datetime
    data: bytes | None = None  # stored bytes (compressed if ``compressed``)
    compressed: bool = False

    def content(self) -> bytes:
        """The uncompressed bytes (empty if nothing was uploaded)."""
        if self.data is None:
            return b""
        return gzip.decompress(self.data) if self.compressed else self.data

    def reference(self) -> dict[str, Any]:
        """As the Feeds/Reports APIs' document object, with a fresh download link."""
        out: dict[str, Any] = {"url": base_url() + sim().signed(f"/documents/download/"
                                                                f"{self.id}")}
        if self.compressed:
            out["compressionAlgorithm"] = "GZIP"
        return out


class Documents:
    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.items: dict[str, Document] = {}

    def for_upload(self, content_type: str, prefix: str) -> Document:
        now = self.simulator.now()
        document = Document(f"{prefix}{self.simulator.new_uuid()}.T{int(now.timestamp())}",
                            content_type, now)
        self.items[document.id] = document
        return document

    def result(self, data: bytes, content_type: str, prefix: str) -> Document:
        """Store a result or report document, compressing some of them."""
        document = self.for_upload(content_type, prefix)
        share = self.simulator.gzip_share
        document.compressed = len(data) > ALWAYS_GZIP or self.simulator.rng.random() < share
        document.data = gzip.compress(data, mtime=0) if document.compressed else data
        return document

    def get(self, document_id: str) -> Document | None:
        return self.items.get(document_id)


def _media(value: str) -> str:
    return ";".join(part.strip().lower() for part in value.split(";") if part.strip())


@plain("PUT", "/documents/upload/<document_id>", "uploadDocument")
def upload(document_id: str) -> Response:
    simulator = sim()
    simulator.check_signature()
    document = simulator.documents.get(document_id)
    if document is None:
        raise StorageError(404, "NoSuchUpload", "The upload does not exist.")
    if _media(request.headers.get("Content-Type", "")) != _media(document.content_type):
        raise StorageError(403, "SignatureDoesNotMatch",
                           f"The Content-Type must be the one given to createFeedDocument "
                           f"({document.content_type}).")
    data = request.get_data(cache=False)
    if len(data) > MAX_UPLOAD:
        raise StorageError(400, "EntityTooLarge", "The document exceeds 10 MiB.")
    document.data = data
    response = Response(status=200)
    response.headers["ETag"] = f'"{hashlib.md5(data).hexdigest()}"'
    return response


@plain("GET", "/documents/download/<document_id>", "downloadDocument")
def download(document_id: str) -> Response:
    simulator = sim()
    simulator.check_signature()
    document = simulator.documents.get(document_id)
    if document is None or document.data is None:
        raise StorageError(404, "NoSuchKey", "The specified key does not exist.")
    return Response(document.data, status=200, mimetype=None,
                    content_type=document.content_type)
