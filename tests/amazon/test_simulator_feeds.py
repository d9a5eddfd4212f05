"""The SP-API simulator: feeds (listings feed, VAT invoices) and reports."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from server.amazon.simulator import Simulator, sample_attributes, serve_simulator
from tests.amazon import test_simulator_helpers as helpers
from tests.amazon.models import SAMPLES, feed_schema, needs_models
from tests.amazon.test_simulator_helpers import (
    DE,
    ITEMS,
    START,
    download,
    error_code,
    feed_result,
    listings_feed,
    poll,
    submit_feed,
    upload_document,
)

simulator, running, api = helpers.simulator, helpers.running, helpers.api  # fixtures
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _mixed_feed() -> bytes:
    shoes = sample_attributes("SHOES", title="Bergstiefel Ortler")
    no_brand = sample_attributes("SHIRT")
    del no_brand["brand"]
    bad_value = sample_attributes()
    bad_value["condition_type"] = [{"value": "like_new_ish", "marketplace_id": DE}]
    bad_value["fulfillment_availability"][0]["quantity"] = "ten"
    return listings_feed(
        {"messageId": 1, "sku": "F-1", "operationType": "UPDATE", "productType": "SHOES",
         "requirements": "LISTING", "attributes": shoes},
        {"messageId": 2, "sku": "F-2", "operationType": "UPDATE", "productType": "SHIRT",
         "attributes": no_brand},
        {"messageId": 3, "sku": "F-3", "operationType": "UPDATE", "productType": "PRODUCT",
         "attributes": bad_value},
        {"messageId": 4, "sku": "NOPE-9", "operationType": "PATCH", "productType": "PRODUCT",
         "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                      "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}]}]},
        {"messageId": 5, "sku": "F-5", "operationType": "UPDATE", "productType": "ROCKET",
         "attributes": sample_attributes()},
        {"messageId": 6, "sku": "A-100002", "operationType": "PATCH", "productType": "PRODUCT",
         "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                      "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}]}]},
        {"messageId": 7, "sku": "A-100003", "operationType": "DELETE"},
        {"messageId": 8, "sku": "A-100004", "operationType": "PARTIAL_UPDATE",
         "productType": "PRODUCT",
         "attributes": {"item_name": [{"value": "Wanderführer Allgäu, 3. Auflage",
                                       "language_tag": "de_DE", "marketplace_id": DE}]}},
        issueLocale="en_US",
        report={"includedData": ["summaries", "issues"], "apiVersion": "2021-08-01"})


def test_listings_feed_life_cycle_and_processing_report(api, simulator) -> None:
    data = _mixed_feed()
    feed_id = submit_feed(api, data)
    statuses, feed = poll(api, f"/feeds/2021-06-30/feeds/{feed_id}")
    assert statuses == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    assert feed["feedType"] == "JSON_LISTINGS_FEED" and feed["marketplaceIds"] == [DE]
    assert {"createdTime", "processingStartTime", "processingEndTime"} <= set(feed)
    _, result = feed_result(api, feed_id)
    report = json.loads(result)
    assert report["header"]["feedId"] == feed_id
    assert report["header"]["sellerId"] == helpers.SELLER
    issues = {(issue["messageId"], issue["code"], issue.get("attributeName"))
              for issue in report["issues"]}
    assert (2, "90220", "brand") in issues  # missing required attribute
    assert (3, "99300", "condition_type.value") in issues  # not in the enum
    assert (3, "99300", "fulfillment_availability.quantity") in issues  # wrong type
    assert (4, "99404", None) in issues  # PATCH of an unknown SKU
    assert (5, "4000003", None) in issues  # unknown product type
    assert all(issue["severity"] == "ERROR" and issue["message"]
               for issue in report["issues"])
    assert report["summary"] == {
        "errors": len(report["issues"]), "warnings": 0, "messagesProcessed": 8,
        "messagesAccepted": 4, "messagesInvalid": 4,
        "itemSummary": {"items": 3, "errors": 0, "warnings": 0}}
    assert {item["sku"] for item in report["items"]} == {"F-1", "A-100002", "A-100004"}
    listings = simulator.listings
    assert listings.get("F-1").first("item_name") == "Bergstiefel Ortler"
    assert listings.get("F-2") is None and listings.get("F-3") is None
    assert listings.get("A-100002").quantity() == 7
    assert listings.get("A-100003") is None
    assert listings.get("A-100004").first("item_name").endswith("3. Auflage")
    assert listings.get("A-100004").first("brand") == "Wegweiser Verlag"


@needs_models
def test_feed_documents_match_amazons_feed_schemas(api) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = _mixed_feed()
    jsonschema.Draft7Validator(feed_schema("listings-feed-schema-v2")).validate(
        json.loads(data))
    _, result = feed_result(api, submit_feed(api, data))
    jsonschema.Draft7Validator(
        feed_schema("listings-feed-processing-report-schema-v2")).validate(json.loads(result))


def test_malformed_messages_are_reported_per_message(api) -> None:
    data = listings_feed(
        {"messageId": 1, "sku": "M-1", "operationType": "UPDATE", "productType": "PRODUCT"},
        {"messageId": 1, "sku": "M-2", "operationType": "DELETE"},
        {"messageId": 2, "sku": "A-100001", "operationType": "DELETE",
         "productType": "PRODUCT"},
        {"messageId": 3, "sku": "A-100005", "operationType": "DELETE"})
    _, result = feed_result(api, submit_feed(api, data))
    report = json.loads(result)
    codes = [(issue["messageId"], issue["code"]) for issue in report["issues"]]
    assert (1, "99400") in codes and (2, "99400") in codes
    assert report["summary"]["messagesAccepted"] == 1  # message 3
    assert report["summary"]["messagesInvalid"] == 3


def test_cancelled_feed(api) -> None:
    feed_id = submit_feed(api, listings_feed(
        {"messageId": 1, "sku": "A-100001", "operationType": "DELETE"}))
    assert api.delete(f"/feeds/2021-06-30/feeds/{feed_id}").status_code == 200
    statuses, feed = poll(api, f"/feeds/2021-06-30/feeds/{feed_id}")
    assert statuses == ["CANCELLED"] and "resultFeedDocumentId" not in feed
    again = api.delete(f"/feeds/2021-06-30/feeds/{feed_id}")
    assert again.status_code == 400 and error_code(again) == "InvalidInput"


@pytest.mark.parametrize(("feed_type", "data", "needle"), [
    ("JSON_LISTINGS_FEED", b"{not json", "not valid JSON"),
    ("JSON_LISTINGS_FEED", b'{"messages": []}', "header"),
    ("POST_PRODUCT_DATA", b"<AmazonEnvelope/>", "no longer supported"),
    ("POST_SOMETHING_NEW", b"x", "unknown"),
])
def test_fatal_feeds(api, feed_type, data, needle) -> None:
    feed_id = submit_feed(api, data, feed_type=feed_type)
    _, feed = poll(api, f"/feeds/2021-06-30/feeds/{feed_id}")
    assert feed["processingStatus"] == "FATAL"
    document = api.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}")
    assert needle in download(api, document.json()).decode()


def test_feed_without_upload_is_fatal(api) -> None:
    document = api.post("/feeds/2021-06-30/documents", json={"contentType": "text/plain"})
    feed = api.post("/feeds/2021-06-30/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [DE],
        "inputFeedDocumentId": document.json()["feedDocumentId"]})
    _, body = poll(api, f"/feeds/2021-06-30/feeds/{feed.json()['feedId']}")
    assert body["processingStatus"] == "FATAL"
    unknown = api.post("/feeds/2021-06-30/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [DE],
        "inputFeedDocumentId": "amzn1.tortuga.4.eu.nothing"})
    assert unknown.status_code == 400


def test_upload_link_checks_content_type_signature_and_expiry(api, simulator) -> None:
    response = api.post("/feeds/2021-06-30/documents", json={"contentType": "application/json"})
    url = response.json()["url"]
    wrong_type = httpx.put(url, content=b"{}", headers={"Content-Type": "text/xml"})
    assert wrong_type.status_code == 403 and b"SignatureDoesNotMatch" in wrong_type.content
    forged = httpx.put(url.replace("sig=", "sig=0"), content=b"{}",
                       headers={"Content-Type": "application/json"})
    assert forged.status_code == 403
    simulator.advance(6)
    late = httpx.put(url, content=b"{}", headers={"Content-Type": "application/json"})
    assert late.status_code == 403 and b"expired" in late.content


def test_result_documents_can_be_gzipped() -> None:
    simulator = Simulator(seed=2, gzip_share=1.0, clock=lambda: START)
    with serve_simulator(simulator) as running, httpx.Client(
            base_url=running.base_url, timeout=10,
            headers={"x-amz-access-token": simulator.issue_token()}) as client:
        feed_id = submit_feed(client, listings_feed(
            {"messageId": 1, "sku": "A-100001", "operationType": "DELETE"}))
        _, feed = poll(client, f"/feeds/2021-06-30/feeds/{feed_id}")
        reference = client.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}")
        assert reference.json()["compressionAlgorithm"] == "GZIP"
        raw = httpx.get(reference.json()["url"]).content
        assert json.loads(gzip.decompress(raw))["summary"]["messagesAccepted"] == 1


def _invoice_options(order_id: str, **extra: str) -> dict[str, str]:
    return {"metadata:orderid": order_id, "metadata:invoicenumber": "RE-2026-0001",
            "metadata:documenttype": "Invoice", "metadata:totalamount": "59.80",
            "metadata:totalvatamount": "9.55", **extra}


def test_vat_invoice_upload_is_recorded_on_the_order(api, simulator) -> None:
    order_id = sorted(simulator.orders.items)[0]
    pdf = (SAMPLES / "invoice.pdf").read_bytes() if (SAMPLES / "invoice.pdf").is_file() \
        else PDF
    feed_id = submit_feed(api, pdf, "UPLOAD_VAT_INVOICE", "application/pdf",
                          _invoice_options(order_id))
    feed, result = feed_result(api, feed_id)
    assert feed["processingStatus"] == "DONE"
    assert b"<MessagesWithError>0</MessagesWithError>" in result
    invoice = simulator.order(order_id).invoices[0]
    assert invoice["invoiceNumber"] == "RE-2026-0001" and invoice["totalAmount"] == "59.80"
    again = submit_feed(api, pdf, "UPLOAD_VAT_INVOICE", "application/pdf",
                        _invoice_options(order_id))
    _, result = feed_result(api, again)
    assert b"already uploaded" in result
    assert len(simulator.order(order_id).invoices) == 1


def test_vat_invoice_with_missing_options_reports_errors(api, simulator) -> None:
    options = {"metadata:orderid": "999-0000000-0000000", "metadata:totalamount": "abc"}
    feed_id = submit_feed(api, b"not a pdf", "UPLOAD_VAT_INVOICE", "application/pdf", options)
    _, result = feed_result(api, feed_id)
    text = result.decode()
    for needle in ("not a PDF", "does not exist", "metadata:invoicenumber",
                   "metadata:totalvatamount", "decimal number"):
        assert needle in text
    assert "<MessagesWithError>1</MessagesWithError>" in text


# --- reports ---------------------------------------------------------------------------

def _report(api: httpx.Client, report_type: str, **body: object) -> dict:
    response = api.post("/reports/2021-06-30/reports",
                        json={"reportType": report_type, "marketplaceIds": [DE], **body})
    assert response.status_code == 202, response.text
    _, report = poll(api, f"/reports/2021-06-30/reports/{response.json()['reportId']}")
    return report


def _report_rows(api: httpx.Client, report: dict, encoding: str = "utf-8") -> list[list[str]]:
    reference = api.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    assert reference.status_code == 200, reference.text
    text = download(api, reference.json()).decode(encoding)
    return [line.split("\t") for line in text.splitlines()]


def test_merchant_listings_report(api, simulator) -> None:
    api.put(f"{ITEMS}/Z-9", params={"marketplaceIds": DE},
            json={"productType": "PRODUCT", "attributes": sample_attributes(price=5.5)})
    report = _report(api, "GET_MERCHANT_LISTINGS_ALL_DATA",
                     reportOptions={"preferredReportDocumentLocale": "en_US"})
    assert report["processingStatus"] == "DONE"
    rows = _report_rows(api, report)
    header, body = rows[0], rows[1:]
    assert len(header) == 29 and header[3] == "seller-sku" and header[-1] == "status"
    by_sku = {row[3]: dict(zip(header, row, strict=True)) for row in body}
    assert len(by_sku) == 13 and by_sku["Z-9"]["price"] == "5.50"
    assert by_sku["A-100012"]["status"] == "Inactive"
    assert by_sku["A-100001"]["asin1"] == simulator.listings.get("A-100001").asin


def test_merchant_listings_report_german_quirks() -> None:
    simulator = Simulator(seed=4, listings_report_quirks=True, clock=lambda: START)
    with serve_simulator(simulator) as running, httpx.Client(
            base_url=running.base_url, timeout=10,
            headers={"x-amz-access-token": simulator.issue_token()}) as client:
        report = _report(client, "GET_MERCHANT_LISTINGS_ALL_DATA")
        header = _report_rows(client, report, "cp1252")[0]
    assert "fulfilment-channel" in header and "fulfillment-channel" not in header
    assert header.count("Deprecated column") == 5 and header[-1] == "Sell remainder"


def test_orders_report_and_date_range(api, simulator) -> None:
    report = _report(api, "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                     dataStartTime="2026-03-01T00:00:00Z", dataEndTime="2026-03-02T08:00:00Z")
    rows = _report_rows(api, report)
    assert rows[0][:3] == ["amazon-order-id", "merchant-order-id", "purchase-date"]
    order_ids = {row[0] for row in rows[1:]}
    expected = {order.id for order in simulator.orders.items.values()
                if order.created.isoformat() >= "2026-03-01"}
    assert order_ids == expected and expected
    empty = _report(api, "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                    dataStartTime="2025-01-01T00:00:00Z", dataEndTime="2025-01-02T00:00:00Z")
    assert empty["processingStatus"] == "CANCELLED"  # no data


def test_fatal_and_cancelled_reports(api) -> None:
    assert _report(api, "GET_NO_SUCH_REPORT")["processingStatus"] == "FATAL"
    created = api.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [DE]})
    report_id = created.json()["reportId"]
    assert api.delete(f"/reports/2021-06-30/reports/{report_id}").status_code == 200
    _, report = poll(api, f"/reports/2021-06-30/reports/{report_id}")
    assert report["processingStatus"] == "CANCELLED"
    listed = api.get("/reports/2021-06-30/reports",
                     params={"reportTypes": "GET_MERCHANT_LISTINGS_ALL_DATA"})
    assert [item["reportId"] for item in listed.json()["reports"]] == [report_id]
    bad = api.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [DE],
        "dataStartTime": "2026-03-02T00:00:00Z", "dataEndTime": "2026-03-01T00:00:00Z"})
    assert bad.status_code == 400


def test_reports_progress_with_time_without_polls(api, simulator) -> None:
    created = api.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_FLAT_FILE_OPEN_LISTINGS_DATA", "marketplaceIds": [DE]})
    simulator.advance(2)
    api.headers["x-amz-access-token"] = simulator.issue_token()
    report = api.get(f"/reports/2021-06-30/reports/{created.json()['reportId']}").json()
    assert report["processingStatus"] == "DONE"
    rows = _report_rows(api, report)
    assert rows[0] == ["sku", "asin", "price", "quantity"] and len(rows) == 12


def test_upload_document_helper_round_trip(api, simulator) -> None:
    document_id = upload_document(api, b'{"a": 1}')
    assert simulator.documents.get(document_id).content() == b'{"a": 1}'
