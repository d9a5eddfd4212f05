"""Every SP-API operation the client offers, against a small fake Amazon on a real port.

The fake answers just enough for each flow (feeds and reports move IN_QUEUE, IN_PROGRESS,
then end; orders and listings come in pages). Every request the client sends is checked
against Amazon's models in ../shared (paths, parameters, bodies): zero violations. That
check is skipped when the models are absent; the flows still run.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from server.amazon.spapi.client import SpApiClient
from server.amazon.spapi.definitions import Definitions
from server.amazon.spapi.documents import Polling
from server.amazon.spapi.errors import SpApiError, SpApiJobError, SpApiPollTimeout
from server.amazon.spapi.feeds import Feeds, VatInvoice
from server.amazon.spapi.listings import Listings
from server.amazon.spapi.orders import Orders, Package, ShippedItem
from server.amazon.spapi.reports import Reports
from server.amazon.spapi.sellers import Sellers
from tests.amazon import models
from tests.amazon.test_client_support import (
    Answer,
    FakeClock,
    LocalServer,
    Seen,
    amazon_error,
    make_config,
    reply,
    request_violations,
)

FAST = Polling(interval=1, factor=2, max_interval=4, timeout=60)
DE = "A1PA6795UKMFR9"


@dataclass
class FakeAmazon:
    """Just enough of the SP-API for the client's flows."""

    base: str = ""
    final: str = "DONE"  # how feeds and reports end
    polls_until_final: int = 2
    result: bytes = b'{"summary": {"errors": 0}}'
    documents: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    orders: int = 5  # searchOrders pages hold two each
    schema: bytes = b'{"type": "object", "required": ["item_name"]}'

    def __call__(self, seen: Seen) -> Answer:
        for method, pattern, handler in self.routes():
            match = re.fullmatch(pattern, seen.path)
            if match and method == seen.method:
                return handler(seen, *match.groups())
        return amazon_error(404, "NotFound", f"no route {seen.method} {seen.path}")

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("POST", r"/feeds/2021-06-30/documents", self.create_document),
            ("PUT", r"/presigned/(\w+)", self.upload),
            ("GET", r"/presigned/(\w+)", self.download),
            ("POST", r"/(feeds|reports)/2021-06-30/\1", self.create_job),
            ("GET", r"/(feeds|reports)/2021-06-30/\1/(\w+)", self.get_job),
            ("GET", r"/(feeds|reports)/2021-06-30/documents/(\w+)", self.get_document),
            ("PUT", r"/listings/2021-08-01/items/\w+/([^/]+)", self.submission),
            ("PATCH", r"/listings/2021-08-01/items/\w+/([^/]+)", self.submission),
            ("DELETE", r"/listings/2021-08-01/items/\w+/([^/]+)", self.submission),
            ("GET", r"/listings/2021-08-01/items/\w+/([^/]+)", self.listing),
            ("GET", r"/listings/2021-08-01/items/\w+", self.search_listings),
            ("GET", r"/orders/2026-01-01/orders", self.search_orders),
            ("GET", r"/orders/2026-01-01/orders/([\w-]+)", self.get_order),
            ("POST", r"/orders/v0/orders/([\w-]+)/shipmentConfirmation",
             lambda seen, order_id: reply(204)),
            ("GET", r"/definitions/2020-09-01/productTypes", self.search_types),
            ("GET", r"/definitions/2020-09-01/productTypes/(\w+)", self.product_type),
            ("GET", r"/sellers/v1/marketplaceParticipations", self.participations),
        ]

    def new_id(self) -> str:
        return str(next(self.ids))

    def create_document(self, seen: Seen) -> Answer:
        doc = self.new_id()
        self.documents[doc] = (seen.json()["contentType"], b"")
        return reply(201, {"feedDocumentId": doc,
                           "url": f"{self.base}/presigned/{doc}?X-Amz-Signature=s"})

    def upload(self, seen: Seen, doc: str) -> Answer:
        self.documents[doc] = (seen.headers.get("content-type", ""), seen.body)
        return reply(200)

    def download(self, seen: Seen, doc: str) -> Answer:
        return 200, {"content-type": "application/octet-stream"}, self.documents[doc][1]

    def create_job(self, seen: Seen, kind: str) -> Answer:
        job = self.new_id()
        self.jobs[job] = {"kind": kind, "request": seen.json(), "polls": 0}
        return reply(202, {"feedId" if kind == "feeds" else "reportId": job})

    def get_job(self, seen: Seen, kind: str, job_id: str) -> Answer:
        job = self.jobs[job_id]
        job["polls"] += 1
        status = ("IN_QUEUE", "IN_PROGRESS")[min(job["polls"] - 1, 1)]
        data: dict[str, Any] = {"createdTime": "2026-01-01T00:00:00Z"}
        if job["polls"] > self.polls_until_final:
            status = self.final
            if status in ("DONE", "FATAL") and self.result is not None:
                doc = self.new_id()
                self.documents[doc] = ("", gzip.compress(self.result))
                data["resultFeedDocumentId" if kind == "feeds" else "reportDocumentId"] = doc
        if kind == "feeds":
            data.update(feedId=job_id, feedType=job["request"]["feedType"])
        else:
            data.update(reportId=job_id, reportType=job["request"]["reportType"])
        return reply(200, {**data, "processingStatus": status})

    def get_document(self, seen: Seen, kind: str, doc: str) -> Answer:
        key = "feedDocumentId" if kind == "feeds" else "reportDocumentId"
        return reply(200, {key: doc, "url": f"{self.base}/presigned/{doc}?X-Amz-Signature=s",
                           "compressionAlgorithm": "GZIP"})

    def submission(self, seen: Seen, sku: str) -> Answer:
        status = "VALID" if seen.query.get("mode") == "VALIDATION_PREVIEW" else "ACCEPTED"
        return reply(200, {"sku": sku, "status": status, "submissionId": "sub-1",
                           "issues": []})

    def listing(self, seen: Seen, sku: str) -> Answer:
        return reply(200, {"sku": sku, "summaries": [{"marketplaceId": DE}]})

    def search_listings(self, seen: Seen) -> Answer:
        page = int(seen.query.get("pageToken", "0"))
        data: dict[str, Any] = {"numberOfResults": 3,
                                "items": [{"sku": f"SKU-{page}"}]}
        if page < 2:
            data["pagination"] = {"nextToken": str(page + 1)}
        return reply(200, data)

    def search_orders(self, seen: Seen) -> Answer:
        start = int(seen.query.get("paginationToken", "0"))
        ids = list(range(start, min(start + 2, self.orders)))
        data: dict[str, Any] = {"orders": [{"orderId": f"302-{i}"} for i in ids]}
        if start + 2 < self.orders:
            data["pagination"] = {"nextToken": str(start + 2)}
        return reply(200, data)

    def get_order(self, seen: Seen, order_id: str) -> Answer:
        return reply(200, {"order": {"orderId": order_id, "orderItems": []}})

    def search_types(self, seen: Seen) -> Answer:
        return reply(200, {"productTypes": [{"name": "LUGGAGE", "displayName": "Luggage",
                                             "marketplaceIds": [DE]}],
                           "productTypeVersion": "V1"})

    def product_type(self, seen: Seen, name: str) -> Answer:
        doc = self.new_id()
        self.documents[doc] = ("application/json", self.schema)
        checksum = base64.b64encode(hashlib.md5(self.schema).digest()).decode()
        return reply(200, {"productType": name, "schema": {
            "link": {"resource": f"{self.base}/presigned/{doc}?sig=1", "verb": "GET"},
            "checksum": checksum}})

    def participations(self, seen: Seen) -> Answer:
        return reply(200, {"payload": [{
            "marketplace": {"id": DE, "countryCode": "DE", "name": "Amazon.de"},
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
            "storeName": "Demo"}]})


@dataclass
class Amazon:
    fake: FakeAmazon
    server: LocalServer
    client: SpApiClient
    clock: FakeClock


@pytest.fixture
def amazon() -> Iterator[Amazon]:
    fake = FakeAmazon()
    clock = FakeClock()
    with LocalServer(fake) as server:
        fake.base = server.base_url
        with SpApiClient(make_config(server), clock=clock, sleep=clock.sleep) as client:
            yield Amazon(fake, server, client, clock)
    if models.HAVE_MODELS:
        sent = [s for s in server.requests if not s.path.startswith("/presigned/")]
        problems = [p for seen in sent for p in request_violations(seen)]
        assert problems == [], "requests that break Amazon's models:\n" + "\n".join(problems)


def test_listings_put_patch_get_delete(amazon: Amazon) -> None:
    listings = Listings(amazon.client)
    attributes = {"item_name": [{"value": "Koffer", "language_tag": "de_DE",
                                 "marketplace_id": DE}]}
    answer = listings.put("A-1/2 #3", "LUGGAGE", attributes, requirements="LISTING",
                          mode="VALIDATION_PREVIEW", included_data=["issues", "identifiers"],
                          issue_locale="de_DE")
    assert answer["status"] == "VALID"
    patches = [{"op": "replace", "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}]}]
    assert listings.patch("A-1", "PRODUCT", patches)["status"] == "ACCEPTED"
    assert listings.get("A-1", included_data=["summaries", "offers"])["sku"] == "A-1"
    assert listings.delete("A-1")["status"] == "ACCEPTED"
    put = amazon.server.requests[0]
    assert put.path == "/listings/2021-08-01/items/A2DEMOSELLER1/A-1%2F2%20%233"
    assert put.query["marketplaceIds"] == DE and put.query["issueLocale"] == "de_DE"
    with pytest.raises(ValueError):
        listings.patch("A-1", "PRODUCT", [{"op": "move", "path": "/attributes/x"}])


def test_listings_search_follows_every_page(amazon: Amazon) -> None:
    items = list(Listings(amazon.client).search(page_size=1, withStatus=["BUYABLE"],
                                                included_data=["summaries"]))
    assert [i["sku"] for i in items] == ["SKU-0", "SKU-1", "SKU-2"]
    assert [s.query.get("pageToken") for s in amazon.server.requests] == [None, "1", "2"]


def test_listings_need_the_seller_id(amazon: Amazon) -> None:
    from server.errors import ConfigError

    client = SpApiClient(make_config(amazon.server, seller_id=""))
    with client, pytest.raises(ConfigError, match="seller_id"):
        Listings(client).get("A-1")


def test_json_listings_feed_round_trip(amazon: Amazon) -> None:
    feed = {"header": {"sellerId": "A2DEMOSELLER1", "version": "2.0"},
            "messages": [{"messageId": 1, "sku": "Ä-1", "operationType": "DELETE"}]}
    result = Feeds(amazon.client).submit_listings(feed, polling=FAST)
    assert result.status == "DONE" and result.report() == {"summary": {"errors": 0}}
    upload = next(s for s in amazon.server.requests if s.method == "PUT")
    assert "x-amz-access-token" not in upload.headers
    assert upload.headers["content-type"] == "application/json; charset=UTF-8"
    assert json.loads(upload.body.decode("utf-8")) == feed
    job = amazon.fake.jobs[result.feed_id]["request"]
    assert job["feedType"] == "JSON_LISTINGS_FEED" and job["marketplaceIds"] == [DE]
    assert amazon.clock.sleeps[-2:] == [1, 2]  # polled with a growing interval


def test_cancelled_feed_raises(amazon: Amazon) -> None:
    amazon.fake.final = "CANCELLED"
    with pytest.raises(SpApiJobError, match="cancelled") as caught:
        Feeds(amazon.client).submit("JSON_LISTINGS_FEED", b"{}", "application/json",
                                    polling=FAST)
    assert caught.value.context["processing_status"] == "CANCELLED"


def test_fatal_feed_raises_with_the_result_document(amazon: Amazon) -> None:
    amazon.fake.final = "FATAL"
    amazon.fake.result = b"Feed content is not valid JSON."
    with pytest.raises(SpApiJobError, match="FATAL.*not valid JSON") as caught:
        Feeds(amazon.client).submit("JSON_LISTINGS_FEED", b"{", "application/json",
                                    polling=FAST)
    assert caught.value.document == b"Feed content is not valid JSON."


def test_feed_that_never_ends_times_out(amazon: Amazon) -> None:
    amazon.fake.polls_until_final = 10_000
    with pytest.raises(SpApiPollTimeout, match="still IN_PROGRESS") as caught:
        Feeds(amazon.client).submit("JSON_LISTINGS_FEED", b"{}", "application/json",
                                    polling=Polling(interval=5, max_interval=60, timeout=600))
    assert caught.value.retryable
    assert sum(amazon.clock.sleeps) <= 600


def test_vat_invoice_upload_sends_pdf_and_metadata(amazon: Amazon) -> None:
    invoice = VatInvoice(invoice_number="RE-2026-0001", order_id="302-1234567-1234567",
                         total_amount="119", total_vat_amount="19")
    Feeds(amazon.client).upload_vat_invoice(b"%PDF-1.7 ...", invoice, polling=FAST)
    upload = next(s for s in amazon.server.requests if s.method == "PUT")
    assert upload.headers["content-type"] == "application/pdf"
    job = next(iter(amazon.fake.jobs.values()))["request"]
    assert job["feedType"] == "UPLOAD_VAT_INVOICE"
    assert job["feedOptions"] == {
        "metadata:orderid": "302-1234567-1234567", "metadata:invoicenumber": "RE-2026-0001",
        "metadata:documenttype": "Invoice", "metadata:totalamount": "119.00",
        "metadata:totalvatamount": "19.00"}
    with pytest.raises(ValueError, match="order id"):
        VatInvoice(invoice_number="RE-1").feed_options()


def test_report_round_trip_unzips_the_document(amazon: Amazon) -> None:
    amazon.fake.result = "seller-sku\tprice\nÄ-1\t9.99\n".encode()
    result = Reports(amazon.client).fetch(
        "GET_MERCHANT_LISTINGS_ALL_DATA", polling=FAST,
        data_start=datetime(2026, 1, 1, tzinfo=UTC),
        options={"preferredReportDocumentLocale": "en_US"})
    assert result.status == "DONE"
    assert result.document is not None and result.document.text().startswith("seller-sku")
    job = amazon.fake.jobs[result.report_id]["request"]
    assert job["dataStartTime"] == "2026-01-01T00:00:00Z"


def test_fatal_report_says_so_and_keeps_the_error_document(amazon: Amazon) -> None:
    amazon.fake.final = "FATAL"
    amazon.fake.result = b"The report could not be generated."
    with pytest.raises(SpApiJobError, match="ended FATAL.*could not be generated") as caught:
        Reports(amazon.client).fetch("GET_FLAT_FILE_OPEN_LISTINGS_DATA", polling=FAST)
    assert caught.value.document == b"The report could not be generated."


def test_cancelled_report_has_no_document(amazon: Amazon) -> None:
    amazon.fake.final = "CANCELLED"
    result = Reports(amazon.client).fetch("GET_FLAT_FILE_OPEN_LISTINGS_DATA", polling=FAST)
    assert result.status == "CANCELLED" and result.document is None


def test_search_orders_pages_through_everything(amazon: Amazon) -> None:
    orders = list(Orders(amazon.client).search(
        last_updated_after=datetime(2026, 1, 1, tzinfo=UTC), included_data=["BUYER"],
        fulfillment_statuses=["UNSHIPPED", "PARTIALLY_SHIPPED"], max_results_per_page=2))
    assert [o["orderId"] for o in orders] == [f"302-{i}" for i in range(5)]
    sent = amazon.server.requests
    assert [s.query.get("paginationToken") for s in sent] == [None, "2", "4"]
    assert all(s.query["lastUpdatedAfter"] == "2026-01-01T00:00:00Z" for s in sent)
    with pytest.raises(ValueError, match="exactly one"):
        next(Orders(amazon.client).search())


def test_get_order_and_confirm_shipment(amazon: Amazon) -> None:
    orders = Orders(amazon.client)
    assert orders.get("302-1", included_data=["RECIPIENT"])["orderId"] == "302-1"
    package = Package(reference=1, carrier_code="DHL", tracking_number="00340434",
                      ship_date=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
                      items=[ShippedItem("item-1", 2)], shipping_method="Paket")
    orders.confirm_shipment("302-1", package)
    body = amazon.server.requests[-1].json()
    assert body["marketplaceId"] == DE
    assert body["packageDetail"]["packageReferenceId"] == "1"
    assert body["packageDetail"]["shipDate"] == "2026-03-02T14:00:00Z"
    with pytest.raises(ValueError, match="positive"):
        Package("A", "DHL", "1", "2026-01-01", [ShippedItem("i", 1)]).detail()


def test_product_type_definitions_and_schema(amazon: Amazon) -> None:
    definitions = Definitions(amazon.client)
    assert definitions.search(keywords=["koffer"])["productTypes"][0]["name"] == "LUGGAGE"
    definition = definitions.get("LUGGAGE", locale="de_DE", product_type_version="LATEST")
    assert definitions.schema(definition)["required"] == ["item_name"]
    definition["schema"]["checksum"] = "AAAA"
    with pytest.raises(SpApiError, match="checksum"):
        definitions.schema(definition)


def test_marketplace_participations(amazon: Amazon) -> None:
    sellers = Sellers(amazon.client)
    assert sellers.participation(DE)["participation"]["isParticipating"] is True
    assert sellers.participation("A13V1IB3VIYZZH") is None


@models.needs_models
def test_the_model_check_catches_a_wrong_request() -> None:
    wrong = Seen("GET", "/orders/2026-01-01/orders", {
        "CreatedAfter": "2026-01-01T00:00:00Z", "createdBefore": "yesterday",
        "maxResultsPerPage": "many"}, {}, b"")
    problems = request_violations(wrong)
    assert any("unknown" in p and "CreatedAfter" in p for p in problems)
    assert any("not an integer" in p for p in problems)
    assert any("not ISO 8601" in p for p in problems)
    put = Seen("PUT", "/listings/2021-08-01/items/S1/sku1", {"marketplaceIds": DE},
               {}, b'{"productType": 1}')
    assert any("attributes" in p for p in request_violations(put))
    assert request_violations(Seen("GET", "/nowhere", {}, {}, b""))
