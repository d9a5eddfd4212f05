"""What feeds and reports share: waiting for a job to finish, and fetching its document.

Feeds and reports are asynchronous: Amazon takes the job (``IN_QUEUE``, ``IN_PROGRESS``)
and ends it ``DONE``, ``CANCELLED`` or ``FATAL``. ``wait_for`` polls with a growing
interval until then, or raises ``SpApiPollTimeout``. A finished job points at a document
behind a presigned URL; ``fetch_document`` downloads it and unzips it when Amazon says
``compressionAlgorithm: GZIP``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from server.amazon.spapi import log
from server.amazon.spapi.client import SpApiClient
from server.amazon.spapi.errors import SpApiError, SpApiPollTimeout

FINAL_STATUSES = frozenset({"DONE", "CANCELLED", "FATAL"})
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Polling:
    """How to wait for a job: first interval, growth factor, longest interval, timeout."""

    interval: float = 15.0
    factor: float = 1.5
    max_interval: float = 120.0
    timeout: float = 3600.0


@dataclass
class Document:
    """A downloaded document: its bytes (unzipped) and the charset the server named."""

    document_id: str
    content: bytes
    charset: str | None = None

    def text(self) -> str:
        """The content as text: the named charset, else UTF-8, else Windows-1252."""
        for encoding in (self.charset, "utf-8-sig", "cp1252"):
            if not encoding:
                continue
            try:
                return self.content.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
        return self.content.decode("latin-1")

    def json(self) -> Any | None:
        """The content parsed as JSON, or None when it is not JSON (an XML report)."""
        try:
            return json.loads(self.content)
        except ValueError:
            return None


def wait_for(client: SpApiClient, fetch: Callable[[], dict[str, Any]], what: str,
             polling: Polling) -> dict[str, Any]:
    """Call ``fetch`` until its ``processingStatus`` is final; return that last answer."""
    deadline = client.clock() + polling.timeout
    delay = polling.interval
    while True:
        state = fetch()
        status = state.get("processingStatus")
        if status in FINAL_STATUSES:
            log.info("%s ended %s", what, status)
            return state
        if client.clock() + delay > deadline:
            raise SpApiPollTimeout(
                f"{what} is still {status} after {polling.timeout:g} s; Amazon may be slow: "
                "look again later", channel=client.config.name, processing_status=status)
        log.debug("%s is %s; looking again in %.0f s", what, status, delay)
        client.sleep(delay)
        delay = min(polling.max_interval, delay * polling.factor)


def fetch_document(client: SpApiClient, document: dict[str, Any], id_key: str,
                   what: str) -> Document:
    """Download the document Amazon described (``url``, ``compressionAlgorithm``)."""
    document_id = str(document.get(id_key, ""))
    response = client.transfer("GET", str(document["url"]), what=f"downloading {what}")
    content = response.content
    compression = document.get("compressionAlgorithm")
    # Unzip only what still is gzip: a server that set Content-Encoding was decoded by httpx.
    if compression == "GZIP" and content.startswith(GZIP_MAGIC):
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, zlib.error) as exc:
            raise SpApiError(f"{what} {document_id} is not valid GZIP: {exc}",
                             channel=client.config.name, document_id=document_id) from exc
    elif compression not in (None, "GZIP"):
        raise SpApiError(f"{what} {document_id} uses compression {compression!r}, which this "
                         "client cannot read", channel=client.config.name)
    return Document(document_id, content, response.charset_encoding)
