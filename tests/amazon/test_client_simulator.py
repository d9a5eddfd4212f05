"""The client against the local SP-API simulator (server/amazon/simulator), every operation.

The client's sleep moves the simulator's time forward instead of waiting, so throttling,
polling and token lifetimes cost nothing. Every request the client sends is recorded at
the transport and checked against Amazon's models (skipped when ../shared is absent).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from click.testing import CliRunner

from server.amazon.spapi.client import SpApiClient
from server.amazon.spapi.definitions import Definitions
from server.amazon.spapi.documents import Polling
from server.amazon.spapi.errors import SpApiError, SpApiJobError
from server.amazon.spapi.feeds import Feeds, VatInvoice
from server.amazon.spapi.listings import Listings
from server.amazon.spapi.orders import Orders, Package, ShippedItem
from server.amazon.spapi.reports import Reports
from server.amazon.spapi.sellers import Sellers
from server.cli import main
from tests.amazon import models
from tests.amazon.test_client_support import (
    FakeClock,
    Seen,
    make_config,
    request_violations,
)

simulator = pytest.importorskip("server.amazon.simulator")

DE = "A1PA6795UKMFR9"
POLL = Polling(interval=10, factor=1.5, max_interval=60, timeout=3600)
SAMPLE_PDF = models.SAMPLES / "invoice.pdf"


class RecordingTransport(httpx.HTTPTransport):
    """A real transport that remembers every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Seen] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path, _, query = request.url.raw_path.decode().partition("?")
        self.seen.append(Seen(request.method, path, dict(parse_qsl(query)),
                              {k.lower(): v for k, v in request.headers.items()},
                              request.read()))
        return super().handle_request(request)


@dataclass
class Sim:
    simulator: Any
    running: Any
    client: SpApiClient
    transport: RecordingTransport
    clock: FakeClock


def start(simulator_object: Any, **client_kwargs: Any) -> Iterator[Sim]:
    clock = FakeClock()

    def sleep(seconds: float) -> None:  # time passes for the client and the simulator
        clock.sleep(seconds)
        simulator_object.advance(seconds / 60)

    transport = RecordingTransport()
    with simulator.serve_simulator(simulator_object) as running:
        config = make_config(
            mode="simulator", api_url=running.base_url, token_url=running.token_url,
            client_id=simulator.CLIENT_ID, client_secret=simulator.CLIENT_SECRET,
            refresh_token=simulator.REFRESH_TOKEN, seller_id=simulator.SELLER_ID)
        client = SpApiClient(config, transport=transport, clock=clock, sleep=sleep,
                             **client_kwargs)
        with client:
            yield Sim(simulator_object, running, client, transport, clock)
    if models.HAVE_MODELS:
        sent = [s for s in transport.seen if "x-amz-access-token" in s.headers]
        problems = [p for seen in sent for p in request_violations(seen)]
        assert problems == [], "requests that break Amazon's models:\n" + "\n".join(problems)


@pytest.fixture
def sim() -> Iterator[Sim]:
    yield from start(simulator.Simulator(seed=1))


def test_token_and_marketplace_participation(sim: Sim) -> None:
    entry = Sellers(sim.client).participation(DE)
    assert entry is not None and entry["participation"]["isParticipating"]


def test_expired_token_is_refreshed(sim: Sim) -> None:
    sellers = Sellers(sim.client)
    sellers.marketplace_participations()
    sim.simulator.expire_tokens()
    sellers.marketplace_participations()
    tokens = {s.headers["x-amz-access-token"] for s in sim.transport.seen
              if "x-amz-access-token" in s.headers}
    assert len(tokens) == 2
    assert sum(s.path == "/auth/o2/token" for s in sim.transport.seen) == 2


def test_listings_operations(sim: Sim) -> None:
    listings = Listings(sim.client)
    attributes = simulator.sample_attributes("PRODUCT", title="Thermobecher Gipfel")
    preview = listings.put("T-1/ä", "PRODUCT", attributes, mode="VALIDATION_PREVIEW",
                           included_data=["issues", "identifiers"], issue_locale="de_DE")
    assert preview["status"] == "VALID", preview
    assert listings.put("T-1/ä", "PRODUCT", attributes, requirements="LISTING")[
        "status"] == "ACCEPTED"
    patches = [{"op": "replace", "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]}]
    assert listings.patch("T-1/ä", "PRODUCT", patches)["status"] == "ACCEPTED"
    item = listings.get("T-1/ä", included_data=["summaries", "fulfillmentAvailability"])
    assert item["sku"] == "T-1/ä"
    skus = [i["sku"] for i in listings.search(page_size=2, included_data=["summaries"])]
    assert "T-1/ä" in skus and "A-100001" in skus and len(skus) == len(set(skus))
    assert sum(s.path.endswith("/A2DEMOSELLER1") for s in sim.transport.seen) > 1  # pages
    assert listings.delete("T-1/ä")["status"] == "ACCEPTED"
    with pytest.raises(SpApiError) as caught:
        listings.get("does-not-exist")
    assert caught.value.context["status"] == 404


def test_json_listings_feed(sim: Sim) -> None:
    feed = {"header": {"sellerId": simulator.SELLER_ID, "version": "2.0"},
            "messages": [{"messageId": 1, "sku": "A-100001", "operationType": "PATCH",
                          "productType": "PRODUCT", "patches": [
                              {"op": "replace", "path": "/attributes/fulfillment_availability",
                               "value": [{"fulfillment_channel_code": "DEFAULT",
                                          "quantity": 7}]}]}]}
    result = Feeds(sim.client).submit_listings(feed, polling=POLL)
    assert result.status == "DONE"
    assert result.report()["summary"]["messagesAccepted"] == 1, result.report()


def test_cancelled_feed(sim: Sim) -> None:
    feeds = Feeds(sim.client)
    feed_id = feeds.send("JSON_LISTINGS_FEED", b'{"header": {}, "messages": []}',
                         "application/json; charset=UTF-8")
    feeds.cancel_feed(feed_id)
    with pytest.raises(SpApiJobError, match="cancelled") as caught:
        feeds.finish(feed_id, POLL)
    assert caught.value.context["processing_status"] == "CANCELLED"


def test_fatal_feed_carries_its_result_document(sim: Sim) -> None:
    with pytest.raises(SpApiJobError, match="ended FATAL") as caught:
        Feeds(sim.client).submit("JSON_LISTINGS_FEED", b"{not json",
                                 "application/json; charset=UTF-8", polling=POLL)
    assert caught.value.document


def test_vat_invoice_upload(sim: Sim) -> None:
    order = next(Orders(sim.client).search(
        created_after=datetime.now(UTC) - timedelta(days=3)))
    pdf = SAMPLE_PDF.read_bytes() if SAMPLE_PDF.is_file() else b"%PDF-1.4\n%%EOF\n"
    invoice = VatInvoice(invoice_number="RE-2026-0001", order_id=order["orderId"],
                         total_amount="23.80", total_vat_amount="3.80")
    result = Feeds(sim.client).upload_vat_invoice(pdf, invoice, polling=POLL)
    assert result.status == "DONE" and result.document is not None


def test_reports_done_fatal_and_cancelled(sim: Sim) -> None:
    reports = Reports(sim.client)
    done = reports.fetch("GET_MERCHANT_LISTINGS_ALL_DATA", polling=POLL,
                         options={"preferredReportDocumentLocale": "en_US"})
    assert done.document is not None
    assert "seller-sku" in done.document.text().splitlines()[0]
    with pytest.raises(SpApiJobError, match="ended FATAL"):
        reports.fetch("GET_NO_SUCH_REPORT", polling=POLL)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    cancelled = reports.fetch("GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                              polling=POLL, data_start=long_ago,
                              data_end=long_ago + timedelta(days=1))
    assert cancelled.status == "CANCELLED" and cancelled.document is None


def test_orders_paging_get_and_confirm_shipment(sim: Sim) -> None:
    orders = Orders(sim.client)
    since = datetime.now(UTC) - timedelta(days=3)
    every = list(orders.search(created_after=since, max_results_per_page=100))
    paged = list(orders.search(created_after=since, max_results_per_page=7,
                               included_data=["FULFILLMENT", "PROCEEDS"]))
    assert len(every) > 7 and [o["orderId"] for o in paged] == [o["orderId"] for o in every]
    unshipped = next(orders.search(created_after=since, fulfillment_statuses=["UNSHIPPED"]))
    order = orders.get(unshipped["orderId"], included_data=["RECIPIENT"])
    items = [ShippedItem(i["orderItemId"], i["quantityOrdered"]) for i in order["orderItems"]]
    package = Package(reference=1, carrier_code="DHL", tracking_number="00340434161234567890",
                      ship_date=datetime.now(UTC) - timedelta(minutes=5), items=items)
    orders.confirm_shipment(order["orderId"], package)
    after = orders.get(order["orderId"], included_data=["FULFILLMENT"])
    assert after["fulfillment"]["fulfillmentStatus"] == "SHIPPED"


def test_product_type_definitions(sim: Sim) -> None:
    definitions = Definitions(sim.client)
    found = definitions.search(keywords=["shirt"])
    assert any(t["name"] == "SHIRT" for t in found["productTypes"])
    definition = definitions.get("SHIRT", locale="de_DE")
    schema = definitions.schema(definition)  # checksum verified
    assert "properties" in schema


def test_channel_check_against_the_simulator(sim: Sim, tmp_path: Path) -> None:
    (tmp_path / "synccenter.toml").write_text(
        f'[channels.sim]\nmarketplace = "DE"\nmode = "simulator"\n'
        f'api_url = "{sim.running.base_url}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--instance", str(tmp_path), "channel", "check", "sim"])
    assert result.exit_code == 0, result.output
    assert "ok    marketplace: DE" in result.output


def test_faults_are_retried_until_every_call_succeeds() -> None:
    faulty = simulator.Simulator(seed=3, fault_rate=0.3, fault_delay=1.0)
    for sim in start(faulty, timeout=0.5, max_attempts=10):
        listings = Listings(sim.client)
        for _ in range(25):
            assert listings.get("A-100001")["sku"] == "A-100001"
        statuses = [s for s in sim.transport.seen if s.path.endswith("/A-100001")]
        assert len(statuses) > 25  # some attempts failed and were repeated
