"""The SP-API simulator: tokens, sellers, listings items, errors, throttling, faults."""

from __future__ import annotations

import time

import httpx
import pytest

from server.amazon.simulator import Simulator, sample_attributes, serve_simulator
from tests.amazon import test_simulator_helpers as helpers
from tests.amazon.test_simulator_helpers import DE, ITEMS, START, error_code, errors

simulator, running, api = helpers.simulator, helpers.running, helpers.api  # fixtures

TOKEN_FORM = {"grant_type": "refresh_token", "refresh_token": "Atzr|sim-refresh",
              "client_id": "amzn1.application-oa2-client.sim", "client_secret": "sim-secret"}


# --- LWA tokens -----------------------------------------------------------------------

def test_token_grant_and_use(running) -> None:
    with httpx.Client(base_url=running.base_url) as client:
        response = client.post("/auth/o2/token", data=TOKEN_FORM)
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 3600
        assert body["access_token"].startswith("Atza|")
        assert body["refresh_token"] == "Atzr|sim-refresh"
        sellers = client.get("/sellers/v1/marketplaceParticipations",
                             headers={"x-amz-access-token": body["access_token"]})
        assert sellers.status_code == 200
    assert running.token_url == running.base_url + "/auth/o2/token"


@pytest.mark.parametrize(("change", "status", "error"), [
    ({"refresh_token": "Atzr|wrong"}, 400, "invalid_grant"),
    ({"client_secret": "nope"}, 401, "invalid_client"),
    ({"client_id": "amzn1.application-oa2-client.other"}, 401, "invalid_client"),
    ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
    ({"client_secret": ""}, 400, "invalid_request"),
])
def test_token_refusals(running, change, status, error) -> None:
    response = httpx.post(running.token_url, data={**TOKEN_FORM, **change})
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_missing_unknown_and_expired_tokens_answer_403(running, api) -> None:
    path = "/sellers/v1/marketplaceParticipations"
    for headers in ({}, {"x-amz-access-token": "Atza|made-up"}):
        response = httpx.get(running.base_url + path, headers=headers)
        assert response.status_code == 403 and error_code(response) == "Unauthorized"
    assert api.get(path).status_code == 200
    running.simulator.expire_tokens()
    response = api.get(path)
    assert response.status_code == 403
    assert "expired" in errors(response)[0]["details"]


def test_tokens_expire_with_simulated_time(running, api) -> None:
    running.simulator.advance(61)
    assert api.get("/sellers/v1/marketplaceParticipations").status_code == 403


def test_custom_credentials() -> None:
    simulator = Simulator(client_id="amzn1.application-oa2-client.x", client_secret="s",
                          refresh_token="Atzr|r", clock=lambda: START)
    with serve_simulator(simulator) as running:
        form = {"grant_type": "refresh_token", "refresh_token": "Atzr|r",
                "client_id": "amzn1.application-oa2-client.x", "client_secret": "s"}
        assert httpx.post(running.token_url, data=form).status_code == 200
        assert httpx.post(running.token_url, data=TOKEN_FORM).status_code == 401


# --- sellers, headers, errors ------------------------------------------------------------

def test_marketplace_participations(api) -> None:
    response = api.get("/sellers/v1/marketplaceParticipations")
    assert response.status_code == 200
    ids = [entry["marketplace"]["id"] for entry in response.json()["payload"]]
    assert ids[0] == DE and {"A13V1IB3VIYZZH", "APJ6JRA9NG5V4", "A1F83G8C2ARO7P"} <= set(ids)
    assert response.headers["x-amzn-RequestId"]
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.016"


def test_malformed_requests_answer_invalid_input(api) -> None:
    unknown = api.get(f"{ITEMS}/A-100001", params={"marketplaceIds": DE, "colour": "red"})
    assert unknown.status_code == 400 and error_code(unknown) == "InvalidInput"
    assert "colour" in errors(unknown)[0]["message"]
    missing = api.get(f"{ITEMS}/A-100001")
    assert missing.status_code == 400 and "marketplaceIds" in errors(missing)[0]["message"]
    bad_enum = api.get(f"{ITEMS}/A-100001",
                       params={"marketplaceIds": DE, "includedData": "summaries,colour"})
    assert bad_enum.status_code == 400
    body = api.put(f"{ITEMS}/X-1", params={"marketplaceIds": DE},
                   json={"productType": "PRODUCT", "attributes": []})
    assert body.status_code == 400 and "attributes" in errors(body)[0]["message"]
    not_json = api.put(f"{ITEMS}/X-1", params={"marketplaceIds": DE}, content=b"{nope",
                       headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400
    foreign = api.get(f"{ITEMS}/A-100001", params={"marketplaceIds": "ATVPDKIKX0DER"})
    assert foreign.status_code == 400 and "ATVPDKIKX0DER" in errors(foreign)[0]["message"]
    nowhere = api.get("/listings/2021-08-01/nothing")
    assert nowhere.status_code == 404 and error_code(nowhere) == "NotFound"
    assert nowhere.headers["x-amzn-RequestId"]


def test_other_seller_is_refused(api) -> None:
    response = api.get("/listings/2021-08-01/items/A9OTHERSELLER/A-100001",
                       params={"marketplaceIds": DE})
    assert response.status_code == 403 and error_code(response) == "Unauthorized"


# --- listings items --------------------------------------------------------------------

def test_put_get_patch_delete_listing(api, simulator) -> None:
    attributes = sample_attributes("SHIRT", title="Leinenhemd Amalfi", price=49.0,
                                   quantity=3)
    put = api.put(f"{ITEMS}/B-1/x", params={"marketplaceIds": DE, "includedData":
                                             "issues,identifiers"},
                  json={"productType": "SHIRT", "requirements": "LISTING",
                        "attributes": attributes})
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["sku"] == "B-1/x" and body["status"] == "ACCEPTED" and body["submissionId"]
    assert body["issues"] == [] and body["identifiers"][0]["asin"].startswith("B0")
    got = api.get(f"{ITEMS}/B-1%2Fx", params={
        "marketplaceIds": DE, "includedData": "summaries,attributes,offers,"
                                              "fulfillmentAvailability,productTypes"})
    assert got.status_code == 200, got.text
    item = got.json()
    assert item["summaries"][0]["itemName"] == "Leinenhemd Amalfi"
    assert item["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]
    assert item["offers"][0]["price"] == {"currencyCode": "EUR", "amount": "49.00"}
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT",
                                                "quantity": 3}]
    patch = api.patch(f"{ITEMS}/B-1/x", params={"marketplaceIds": DE}, json={
        "productType": "SHIRT", "patches": [
            {"op": "replace", "path": "/attributes/fulfillment_availability",
             "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]}]})
    assert patch.json()["status"] == "ACCEPTED"
    assert simulator.listings.get("B-1/x").quantity() == 0
    summary = api.get(f"{ITEMS}/B-1/x", params={"marketplaceIds": DE}).json()["summaries"][0]
    assert summary["status"] == ["DISCOVERABLE"]
    deleted = api.delete(f"{ITEMS}/B-1/x", params={"marketplaceIds": DE})
    assert deleted.status_code == 200 and deleted.json()["status"] == "ACCEPTED"
    gone = api.get(f"{ITEMS}/B-1/x", params={"marketplaceIds": DE})
    assert gone.status_code == 404 and error_code(gone) == "NotFound"


def test_put_with_missing_and_bad_attributes_is_invalid(api, simulator) -> None:
    attributes = sample_attributes("SHOES")
    del attributes["brand"]
    attributes["footwear_size"][0]["width"] = "enormous"
    attributes["colour_name"] = [{"value": "rot"}]
    response = api.put(f"{ITEMS}/S-1", params={"marketplaceIds": DE, "issueLocale": "en_US"},
                       json={"productType": "SHOES", "attributes": attributes})
    body = response.json()
    assert response.status_code == 200 and body["status"] == "INVALID"
    by_code = {issue["code"]: issue for issue in body["issues"]}
    assert by_code["90220"]["attributeNames"] == ["brand"]
    assert by_code["90220"]["categories"] == ["MISSING_ATTRIBUTE"]
    assert by_code["99300"]["attributeNames"] == ["footwear_size"]
    assert by_code["99301"]["attributeNames"] == ["colour_name"]
    assert all(issue["severity"] == "ERROR" for issue in body["issues"])
    assert simulator.listings.get("S-1") is None


def test_conditional_requirement_and_german_issues(api) -> None:
    attributes = sample_attributes()
    attributes["batteries_required"] = [{"value": True}]
    response = api.put(f"{ITEMS}/P-1", params={"marketplaceIds": DE, "issueLocale": "de_DE"},
                       json={"productType": "PRODUCT", "attributes": attributes})
    issues = response.json()["issues"]
    assert [issue["attributeNames"] for issue in issues] == [["batteries_included"]]
    assert "erforderlich" in issues[0]["message"]


def test_validation_preview_changes_nothing(api, simulator) -> None:
    good = api.put(f"{ITEMS}/V-1", params={"marketplaceIds": DE, "mode": "VALIDATION_PREVIEW"},
                   json={"productType": "PRODUCT", "attributes": sample_attributes()})
    assert good.json()["status"] == "VALID"
    bad = api.put(f"{ITEMS}/V-1", params={"marketplaceIds": DE, "mode": "VALIDATION_PREVIEW"},
                  json={"productType": "PRODUCT", "attributes": {"brand": []}})
    assert bad.json()["status"] == "INVALID"
    assert simulator.listings.get("V-1") is None


def test_patch_of_unknown_sku_and_unknown_product_type(api) -> None:
    patch = {"productType": "PRODUCT", "patches": [
        {"op": "replace", "path": "/attributes/fulfillment_availability",
         "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}]}]}
    response = api.patch(f"{ITEMS}/NOPE-1", params={"marketplaceIds": DE}, json=patch)
    assert response.status_code == 200
    assert response.json()["status"] == "INVALID"
    assert response.json()["issues"][0]["code"] == "99404"
    put = api.put(f"{ITEMS}/X-2", params={"marketplaceIds": DE},
                  json={"productType": "SPACESHIP", "attributes": sample_attributes()})
    assert put.json()["issues"][0]["code"] == "4000003"


def test_patch_checks_values_and_paths(api) -> None:
    bad_value = {"productType": "PRODUCT", "patches": [
        {"op": "replace", "path": "/attributes/fulfillment_availability",
         "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": -4}]}]}
    response = api.patch(f"{ITEMS}/A-100001", params={"marketplaceIds": DE}, json=bad_value)
    assert response.json()["status"] == "INVALID"
    assert response.json()["issues"][0]["attributeNames"] == ["fulfillment_availability"]
    bad_path = {"productType": "PRODUCT",
                "patches": [{"op": "delete", "path": "/summaries/0"}]}
    response = api.patch(f"{ITEMS}/A-100001", params={"marketplaceIds": DE}, json=bad_path)
    assert response.json()["issues"][0]["code"] == "99302"
    merge = {"productType": "PRODUCT", "patches": [
        {"op": "merge", "path": "/attributes/purchasable_offer",
         "value": [{"marketplace_id": DE, "currency": "EUR", "audience": "ALL",
                    "our_price": [{"schedule": [{"value_with_tax": 17.5}]}]}]}]}
    response = api.patch(f"{ITEMS}/A-100001", params={"marketplaceIds": DE}, json=merge)
    assert response.json()["status"] == "ACCEPTED", response.text
    offers = api.get(f"{ITEMS}/A-100001", params={"marketplaceIds": DE,
                                                   "includedData": "offers"}).json()["offers"]
    assert offers[0]["price"]["amount"] == "17.50"


def test_search_listings_items_pages_and_filters(api, simulator) -> None:
    simulator.throttle.enabled = False  # more calls than the burst of 5
    first = api.get(ITEMS, params={"marketplaceIds": DE, "pageSize": 5, "sortBy": "sku",
                                   "sortOrder": "ASC"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["numberOfResults"] == 12
    assert [item["sku"] for item in body["items"]] == [f"A-10000{n}" for n in range(1, 6)]
    skus = [item["sku"] for item in body["items"]]
    token = body["pagination"]["nextToken"]
    while token:
        page = api.get(ITEMS, params={"marketplaceIds": DE, "pageSize": 5, "sortBy": "sku",
                                      "sortOrder": "ASC", "pageToken": token}).json()
        skus += [item["sku"] for item in page["items"]]
        token = page.get("pagination", {}).get("nextToken")
    assert len(skus) == 12 == len(set(skus))
    by_sku = api.get(ITEMS, params={"marketplaceIds": DE, "identifiers": "A-100003,A-100004",
                                    "identifiersType": "SKU"}).json()
    assert sorted(item["sku"] for item in by_sku["items"]) == ["A-100003", "A-100004"]
    inactive = api.get(ITEMS, params={"marketplaceIds": DE, "withoutStatus": "BUYABLE"}).json()
    assert [item["sku"] for item in inactive["items"]] == ["A-100012"]
    no_type = api.get(ITEMS, params={"marketplaceIds": DE, "identifiers": "A-100003"})
    assert no_type.status_code == 400


# --- throttling and faults -------------------------------------------------------------

def test_throttling_answers_429_after_the_burst(api) -> None:
    path = f"{ITEMS}/A-100001"
    statuses = [api.get(path, params={"marketplaceIds": DE}).status_code for _ in range(12)]
    assert statuses[:10] == [200] * 10
    assert statuses[-1] == 429
    response = api.get(path, params={"marketplaceIds": DE})
    assert response.status_code == 429 and error_code(response) == "QuotaExceeded"
    time.sleep(0.25)  # 5 per second refill one token within 0.2 s
    assert api.get(path, params={"marketplaceIds": DE}).status_code == 200


def test_advancing_time_refills_buckets(api, simulator) -> None:
    for _ in range(15):
        api.get("/sellers/v1/marketplaceParticipations")
    assert api.get("/sellers/v1/marketplaceParticipations").status_code == 429
    simulator.advance(2)  # 0.016 per second: two tokens back after two minutes
    api.headers["x-amz-access-token"] = simulator.issue_token()
    assert api.get("/sellers/v1/marketplaceParticipations").status_code == 200


def test_fault_mode_rate_is_roughly_as_configured() -> None:
    simulator = Simulator(seed=3, fault_rate=0.3, fault_delay=0.2, throttle=False,
                          clock=lambda: START)
    token = simulator.issue_token()
    counts: dict[str, int] = {}
    with serve_simulator(simulator) as running, httpx.Client(
            base_url=running.base_url, headers={"x-amz-access-token": token},
            timeout=0.1) as client:
        for _ in range(150):
            try:
                status = str(client.get(f"{ITEMS}/A-100001",
                                        params={"marketplaceIds": DE}).status_code)
            except httpx.TimeoutException:
                status = "timeout"
            counts[status] = counts.get(status, 0) + 1
    faults = 150 - counts.get("200", 0)
    assert 25 <= faults <= 70, counts
    assert {"429", "500", "503", "timeout"} <= set(counts), counts
    assert sum(simulator.faults.counts.values()) == faults
