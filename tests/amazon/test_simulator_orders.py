"""The SP-API simulator: orders over time, searchOrders, getOrder, confirmShipment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.amazon.simulator import Simulator
from tests.amazon import test_simulator_helpers as helpers
from tests.amazon.test_simulator_helpers import DE, START, error_code, errors

simulator, running, api = helpers.simulator, helpers.running, helpers.api  # fixtures
ORDERS = "/orders/2026-01-01/orders"


def _unshipped(simulator: Simulator):
    now = simulator.now()
    return sorted((order for order in simulator.orders.items.values()
                   if order.status(now) == "UNSHIPPED"), key=lambda order: order.created)


def test_orders_are_deterministic_and_arrive_over_time() -> None:
    first = Simulator(seed=5, clock=lambda: START)
    second = Simulator(seed=5, clock=lambda: START)
    other = Simulator(seed=6, clock=lambda: START)
    assert list(first.orders.items) == list(second.orders.items)
    assert list(first.orders.items) != list(other.orders.items)
    count = len(first.orders.items)
    assert 40 <= count <= 110  # about three an hour over the last 24 hours
    first.advance(180)
    second.advance(60)
    second.advance(120)
    assert list(first.orders.items) == list(second.orders.items)
    assert len(first.orders.items) > count
    sample = next(iter(first.orders.items.values()))
    assert sample.address["countryCode"] in ("DE", "AT")
    assert sample.items[0].sku.startswith("A-1000")


def test_search_orders_pages_through_everything(api, simulator) -> None:
    simulator.throttle.enabled = False  # searchOrders allows ~1 call per 3 minutes
    seen: list[str] = []
    params = {"createdAfter": "2026-03-01T00:00:00Z", "maxResultsPerPage": 7}
    response = api.get(ORDERS, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [order["orderId"] for order in body["orders"]]
        assert len(body["orders"]) <= 7
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
        response = api.get(ORDERS, params={"paginationToken": token,
                                           "maxResultsPerPage": 7})
    limit = START - timedelta(minutes=2)
    expected = [order.id for order in sorted(simulator.orders.items.values(),
                                             key=lambda order: (order.created, order.id))
                if order.created.isoformat() >= "2026-03-01" and order.created <= limit]
    assert seen == expected and len(seen) > 7
    assert body["createdBefore"] == "2026-03-02T07:58:00Z"


def test_search_orders_filters_and_rules(api, simulator) -> None:
    simulator.throttle.enabled = False
    neither = api.get(ORDERS, params={"marketplaceIds": DE})
    assert neither.status_code == 400 and "createdAfter" in errors(neither)[0]["message"]
    both = api.get(ORDERS, params={"createdAfter": "2026-03-01T00:00:00Z",
                                   "lastUpdatedAfter": "2026-03-01T00:00:00Z"})
    assert both.status_code == 400
    too_late = api.get(ORDERS, params={"createdAfter": "2026-03-01T00:00:00Z",
                                       "createdBefore": "2026-03-02T07:59:30Z"})
    assert too_late.status_code == 400 and "two minutes" in errors(too_late)[0]["message"]
    big = api.get(ORDERS, params={"createdAfter": "2026-03-01T00:00:00Z",
                                  "maxResultsPerPage": 101})
    assert big.status_code == 400
    bad_token = api.get(ORDERS, params={"paginationToken": "nonsense"})
    assert bad_token.status_code == 400
    window = api.get(ORDERS, params={"createdAfter": "2026-03-01T10:00:00Z",
                                     "createdBefore": "2026-03-01T12:00:00Z"}).json()
    assert all("2026-03-01T10" <= order["createdTime"] <= "2026-03-01T12"
               for order in window["orders"])
    unshipped = api.get(ORDERS, params={"createdAfter": "2026-03-01T00:00:00Z",
                                        "fulfillmentStatuses": "UNSHIPPED",
                                        "includedData": "FULFILLMENT"}).json()
    assert unshipped["orders"] and all(
        order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
        for order in unshipped["orders"])
    amazon = api.get(ORDERS, params={"createdAfter": "2026-03-01T00:00:00Z",
                                     "fulfilledBy": "AMAZON"}).json()
    assert amazon["orders"] == []


def test_included_data_controls_buyer_and_recipient(api, simulator) -> None:
    simulator.throttle.enabled = False
    plain = api.get(ORDERS, params={"createdAfter": "2026-03-01T00:00:00Z"}).json()["orders"]
    assert plain and all("buyer" not in order and "recipient" not in order
                         for order in plain)
    assert {"orderId", "createdTime", "lastUpdatedTime", "salesChannel",
            "orderItems"} <= set(plain[0])
    full = api.get(ORDERS, params={"createdAfter": "2026-03-01T00:00:00Z",
                                   "includedData": "BUYER,RECIPIENT,PROCEEDS"}).json()
    order = next(order for order in full["orders"] if "recipient" in order)
    assert order["buyer"]["buyerEmail"].endswith("@marketplace.amazon.de")
    assert order["recipient"]["deliveryAddress"]["postalCode"]
    assert float(order["proceeds"]["grandTotal"]["amount"]) > 0
    single = api.get(f"{ORDERS}/{order['orderId']}", params={"includedData": "BUYER"})
    assert single.status_code == 200
    assert single.json()["order"]["buyer"] == order["buyer"]
    assert "recipient" not in single.json()["order"]
    missing = api.get(f"{ORDERS}/999-0000000-0000000")
    assert missing.status_code == 404 and error_code(missing) == "NotFound"


def test_pending_orders_have_no_address_yet(simulator, api) -> None:
    simulator.throttle.enabled = False
    for _ in range(48):
        pending = [order for order in simulator.orders.items.values()
                   if order.status(simulator.now()) == "PENDING"]
        if pending:
            break
        simulator.advance(30)
    else:
        pytest.fail("no pending order in 24 hours")
    api.headers["x-amz-access-token"] = simulator.issue_token()
    body = api.get(f"{ORDERS}/{pending[0].id}", params={"includedData": "RECIPIENT"}).json()
    assert "recipient" not in body["order"]


def _confirmation(order, **changes):
    detail = {"packageReferenceId": "1", "carrierCode": "DHL", "carrierName": "DHL Paket",
              "shippingMethod": "Paket", "trackingNumber": "00340434161094042557",
              "shipDate": "2026-03-02T08:00:00Z",
              "orderItems": [{"orderItemId": item.item_id, "quantity": item.quantity}
                             for item in order.items]}
    detail.update(changes)
    return {"marketplaceId": order.marketplace_id, "packageDetail": detail}


def test_confirm_shipment(api, simulator) -> None:
    order = _unshipped(simulator)[-1]
    path = f"/orders/v0/orders/{order.id}/shipmentConfirmation"
    response = api.post(path, json=_confirmation(order))
    assert response.status_code == 204 and response.content == b""
    body = api.get(f"{ORDERS}/{order.id}", params={"includedData": "FULFILLMENT,PACKAGES"})
    shipped = body.json()["order"]
    assert shipped["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert shipped["packages"][0]["trackingNumber"] == "00340434161094042557"
    assert shipped["lastUpdatedTime"] == "2026-03-02T08:00:00Z"
    fixed = api.post(path, json=_confirmation(order, trackingNumber="00340434161094042558"))
    assert fixed.status_code == 204  # same package again: a correction
    assert simulator.order(order.id).packages[0].tracking_number.endswith("58")
    again = api.post(path, json=_confirmation(order, packageReferenceId="2"))
    assert again.status_code == 400 and "already been shipped" in errors(again)[0]["message"]


@pytest.mark.parametrize(("changes", "needle"), [
    ({"carrierCode": "dhl"}, "case-sensitive"),
    ({"carrierCode": "Schneckenpost"}, "carrierCode"),
    ({"carrierCode": "Other"}, "carrierName"),
    ({"packageReferenceId": "abc"}, "positive numeric"),
    ({"packageReferenceId": 1}, "packageReferenceId"),
    ({"shipDate": "2026-03-05T08:00:00Z"}, "future"),
    ({"shipDate": "02/21/2026"}, "shipDate"),
    ({"orderItems": [{"orderItemId": "123", "quantity": 1}]}, "not part of order"),
    ({"trackingNumber": ""}, "trackingNumber"),
])
def test_confirm_shipment_checks(api, simulator, changes, needle) -> None:
    order = _unshipped(simulator)[-1]
    body = _confirmation(order, **changes)
    if changes.get("carrierCode") == "Other":
        body["packageDetail"].pop("carrierName")
    response = api.post(f"/orders/v0/orders/{order.id}/shipmentConfirmation", json=body)
    assert response.status_code == 400, response.text
    assert error_code(response) == "InvalidInput"
    assert needle in errors(response)[0]["message"]


def test_confirm_shipment_of_unknown_order_and_partial_shipment(api, simulator) -> None:
    unknown = api.post("/orders/v0/orders/999-0000000-0000000/shipmentConfirmation",
                       json={"marketplaceId": DE, "packageDetail": {}})
    assert unknown.status_code == 404
    order = next(order for order in reversed(_unshipped(simulator))
                 if sum(item.quantity for item in order.items) > 1)
    first = order.items[0]
    partial = _confirmation(order, orderItems=[{"orderItemId": first.item_id,
                                                "quantity": 1}])
    response = api.post(f"/orders/v0/orders/{order.id}/shipmentConfirmation", json=partial)
    assert response.status_code == 204
    assert simulator.order(order.id).status(simulator.now()) == "PARTIALLY_SHIPPED"
