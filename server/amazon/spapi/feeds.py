"""Feeds API 2021-06-30: send a document to Amazon and read its processing report.

``Feeds.submit()`` does the whole round: create a feed document (a presigned upload URL),
PUT the bytes there with the same content type (without our access token), create the
feed, poll until it ends, download the result document (unzipped) and return it.
``submit_listings()`` sends a JSON_LISTINGS_FEED, ``upload_vat_invoice()`` a PDF invoice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.amazon.spapi import log
from server.amazon.spapi.client import SpApiClient, segment
from server.amazon.spapi.documents import Document, Polling, fetch_document, wait_for
from server.amazon.spapi.errors import SpApiJobError

BASE = "/feeds/2021-06-30"
JSON_CONTENT = "application/json; charset=UTF-8"
PDF_CONTENT = "application/pdf"
JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"
UPLOAD_VAT_INVOICE = "UPLOAD_VAT_INVOICE"
# A feed's own polling: getFeed allows 2 per second, results often take minutes.
FEED_POLLING = Polling(interval=15.0, factor=1.5, max_interval=120.0, timeout=3600.0)


@dataclass
class FeedResult:
    """A feed that ended DONE: the last getFeed answer and its result document."""

    feed_id: str
    feed: dict[str, Any]
    document: Document | None

    @property
    def status(self) -> str:
        return str(self.feed.get("processingStatus"))

    def report(self) -> Any | None:
        """The processing report parsed as JSON; None when there is none or it is XML."""
        return self.document.json() if self.document else None


@dataclass(frozen=True)
class VatInvoice:
    """What Amazon wants to know about an uploaded invoice (the feed's ``feedOptions``)."""

    invoice_number: str
    order_id: str | None = None
    shipping_id: str | None = None  # Amazon prefers the shipping id when there is one
    document_type: str = "Invoice"  # or "CreditNote"
    total_amount: Decimal | str | None = None  # VAT included
    total_vat_amount: Decimal | str | None = None
    transaction_id: str | None = None  # credit notes

    def feed_options(self) -> dict[str, str]:
        if not self.order_id and not self.shipping_id:
            raise ValueError("a VAT invoice needs the order id or the shipping id")
        if self.document_type not in ("Invoice", "CreditNote"):
            raise ValueError(f"document_type must be Invoice or CreditNote, "
                             f"not {self.document_type!r}")
        options = {
            "metadata:orderid": self.order_id, "metadata:shippingid": self.shipping_id,
            "metadata:invoicenumber": self.invoice_number,
            "metadata:documenttype": self.document_type,
            "metadata:totalamount": _amount(self.total_amount),
            "metadata:totalvatamount": _amount(self.total_vat_amount),
            "metadata:transactionid": self.transaction_id,
        }
        return {k: v for k, v in options.items() if v}


class Feeds:
    """The Feeds operations of one channel."""

    def __init__(self, client: SpApiClient) -> None:
        self.client = client
        self.config = client.config

    def create_document(self, content_type: str) -> dict[str, Any]:
        """createFeedDocument: returns ``{feedDocumentId, url}`` (the URL lasts 5 minutes)."""
        return self.client.request("createFeedDocument", "POST", f"{BASE}/documents",
                                   json={"contentType": content_type}).data

    def upload(self, document: Mapping[str, Any], data: bytes, content_type: str) -> None:
        """PUT ``data`` to the document's presigned URL, with the same content type."""
        self.client.transfer("PUT", str(document["url"]), content=data,
                             content_type=content_type, what="uploading the feed document")

    def create_feed(self, feed_type: str, document_id: str, *,
                    marketplace_ids: Sequence[str] | None = None,
                    feed_options: Mapping[str, str] | None = None) -> str:
        """createFeed: returns the feed id."""
        body: dict[str, Any] = {
            "feedType": feed_type,
            "marketplaceIds": list(marketplace_ids or [self.config.marketplace_id]),
            "inputFeedDocumentId": document_id,
        }
        if feed_options:
            body["feedOptions"] = dict(feed_options)
        data = self.client.request("createFeed", "POST", f"{BASE}/feeds", json=body).data
        return str(data["feedId"])

    def get_feed(self, feed_id: str) -> dict[str, Any]:
        return self.client.request("getFeed", "GET", f"{BASE}/feeds/{segment(feed_id)}").data

    def cancel_feed(self, feed_id: str) -> None:
        self.client.request("cancelFeed", "DELETE", f"{BASE}/feeds/{segment(feed_id)}")

    def get_document(self, document_id: str) -> dict[str, Any]:
        """getFeedDocument: ``{feedDocumentId, url, compressionAlgorithm?}``."""
        return self.client.request("getFeedDocument", "GET",
                                   f"{BASE}/documents/{segment(document_id)}").data

    def wait(self, feed_id: str, polling: Polling = FEED_POLLING) -> dict[str, Any]:
        """Poll getFeed until the feed is DONE, CANCELLED or FATAL; return that answer."""
        return wait_for(self.client, lambda: self.get_feed(feed_id), f"feed {feed_id}",
                        polling)

    def result(self, feed: Mapping[str, Any]) -> Document | None:
        """Download the result document of a finished feed, if it has one."""
        document_id = feed.get("resultFeedDocumentId")
        if not document_id:
            return None
        return fetch_document(self.client, self.get_document(str(document_id)),
                              "feedDocumentId", "the feed result document")

    def send(self, feed_type: str, data: bytes, content_type: str, *,
             marketplace_ids: Sequence[str] | None = None,
             feed_options: Mapping[str, str] | None = None) -> str:
        """Upload ``data`` and create the feed; return the feed id without waiting."""
        document = self.create_document(content_type)
        self.upload(document, data, content_type)
        feed_id = self.create_feed(feed_type, str(document["feedDocumentId"]),
                                   marketplace_ids=marketplace_ids, feed_options=feed_options)
        log.info("feed %s (%s, %d bytes) created for channel %s", feed_id, feed_type,
                 len(data), self.config.name)
        return feed_id

    def finish(self, feed_id: str, polling: Polling = FEED_POLLING) -> FeedResult:
        """Wait for a feed and fetch its result; FATAL and CANCELLED raise SpApiJobError."""
        feed = self.wait(feed_id, polling)
        status = feed.get("processingStatus")
        feed_type = feed.get("feedType", "?")
        context = {"channel": self.config.name, "feed_id": feed_id, "feed_type": feed_type,
                   "processing_status": status}
        if status == "CANCELLED":
            raise SpApiJobError(f"feed {feed_id} ({feed_type}) was cancelled before Amazon "
                                "processed it; nothing was changed", **context)
        result = self.result(feed)
        if status == "FATAL":
            said = _excerpt(result)
            raise SpApiJobError(
                f"feed {feed_id} ({feed_type}) ended FATAL: Amazon could not process it"
                + (f"; the result document says: {said}" if said else
                   " and left no result document"),
                document=result.content if result else None, **context)
        return FeedResult(feed_id, feed, result)

    def submit(self, feed_type: str, data: bytes, content_type: str, *,
               marketplace_ids: Sequence[str] | None = None,
               feed_options: Mapping[str, str] | None = None,
               polling: Polling = FEED_POLLING) -> FeedResult:
        """Send one feed and wait for its result (``send`` then ``finish``)."""
        feed_id = self.send(feed_type, data, content_type, marketplace_ids=marketplace_ids,
                            feed_options=feed_options)
        return self.finish(feed_id, polling)

    def submit_listings(self, feed: Mapping[str, Any], *,
                        polling: Polling = FEED_POLLING) -> FeedResult:
        """Send a JSON_LISTINGS_FEED document (``{"header": ..., "messages": [...]}``)."""
        data = json.dumps(feed, ensure_ascii=False).encode("utf-8")
        return self.submit(JSON_LISTINGS_FEED, data, JSON_CONTENT, polling=polling)

    def upload_vat_invoice(self, pdf: bytes, invoice: VatInvoice, *,
                           polling: Polling = FEED_POLLING) -> FeedResult:
        """Upload one invoice or credit note PDF (UPLOAD_VAT_INVOICE, EU VAT programme)."""
        return self.submit(UPLOAD_VAT_INVOICE, pdf, PDF_CONTENT,
                           feed_options=invoice.feed_options(), polling=polling)


def _amount(value: Decimal | str | None) -> str | None:
    if value is None or value == "":
        return None
    return f"{Decimal(str(value)):.2f}"


def _excerpt(document: Document | None, limit: int = 300) -> str:
    if document is None:
        return ""
    text = " ".join(document.text().split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
