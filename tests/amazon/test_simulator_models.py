"""The SP-API simulator against Amazon's models (skipped without ../shared/amazon).

* every operation the simulator serves exists in a model with the same path and verb;
* a request built from the model (required parameters, a body from the schema) is
  accepted, and the response validates against the model's schema for its status;
* leaving out a required query parameter answers 400 in the model's error shape;
* every query parameter the model defines is known to the simulator;
* the shipped product types are valid JSON Schema (2019-09) and the simulator's own
  checker agrees with ``jsonschema`` on them (these run without the models too).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx
import jsonschema
import pytest

from server.amazon.simulator import Simulator, sample_attributes
from server.amazon.simulator.app import create_app
from server.amazon.simulator.product_types import REQUIREMENTS, product_types
from server.amazon.simulator.routing import ROUTES
from server.amazon.simulator.schema import is_valid
from tests.amazon import models
from tests.amazon import test_simulator_helpers as helpers
from tests.amazon.models import needs_models
from tests.amazon.test_simulator_helpers import DE, SELLER, START, submit_feed

simulator, running, api = helpers.simulator, helpers.running, helpers.api  # fixtures


def _served() -> list[tuple[str, str, str]]:
    create_app(Simulator(clock=lambda: START))  # fills ROUTES
    return sorted({(re.sub(r"<(?:path:)?(\w+)>", r"{\1}", route.rule), route.verb.lower(),
                    route.name) for route in ROUTES if route.is_api})


SERVED = _served()


@needs_models
def test_every_served_operation_exists_in_a_model() -> None:
    assert len(SERVED) >= 20
    for path, verb, name in SERVED:
        found = models.find_operation(path, verb)
        assert found is not None, f"{verb.upper()} {path} is in no model"
        assert found[1].operation_id == name, (path, verb, found[1].operation_id)


def _model_of(operation_id: str, path: str) -> dict[str, Any]:
    for name in models.model_names():
        model = models.load_model(name)
        for item in models.operations(model):
            if item.operation_id == operation_id and item.path == path:
                return model
    raise KeyError(operation_id)


def _sample(schema: dict[str, Any], name: str = "") -> Any:
    if name in ("marketplaceIds",):
        return [DE]
    if name == "marketplaceId":
        return DE
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {key: _sample(value, key) for key, value in schema.get("properties", {}).items()
                if key in schema.get("required", [])}
    if kind == "array":
        return [_sample(schema.get("items", {}), name)] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return "2026-03-01T00:00:00Z"
    return "1"


def _query_value(param: dict[str, Any]) -> str:
    if param["name"] == "marketplaceIds":
        return DE
    if param.get("type") == "array":
        enum = param.get("items", {}).get("enum")
        return enum[0] if enum else str(param.get("x-example", "A-100001")).split(",")[0]
    if "enum" in param:
        return param["enum"][0]
    if param.get("format") == "date-time":
        return "2026-03-01T00:00:00Z"
    if param.get("type") == "integer":
        return str(param.get("default", 1))
    if param.get("type") == "boolean":
        return "false"
    return str(param.get("x-example", "1"))


# Values the models cannot know: ids of things that must exist, and the parameters an
# operation needs although the model marks none of them required.
EXTRA_QUERY = {"searchOrders": {"createdAfter": "2026-03-01T00:00:00Z"},
               "getFeeds": {"feedTypes": "JSON_LISTINGS_FEED"},
               "getReports": {"reportTypes": "GET_MERCHANT_LISTINGS_ALL_DATA"}}


def _context(api: httpx.Client, simulator: Simulator) -> dict[str, Any]:
    simulator.throttle.enabled = False
    feed_id = submit_feed(api, helpers.listings_feed(
        {"messageId": 1, "sku": "A-100011", "operationType": "DELETE"}))
    report = api.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [DE]}).json()
    simulator.settle()
    # Created after settle(), so still IN_QUEUE for cancelFeed and cancelReport.
    cancelled = submit_feed(api, b"{}")
    cancel_report = api.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [DE]}).json()
    now = simulator.now()
    order = next(order for order in sorted(simulator.orders.items.values(),
                                           key=lambda order: order.created, reverse=True)
                 if order.status(now) == "UNSHIPPED")
    return {
        "path": {"sellerId": SELLER, "sku": "A-100001", "productType": "SHIRT",
                 "orderId": order.id, "feedId": feed_id,
                 "feedDocumentId": simulator.feeds[feed_id].result_document_id,
                 "reportId": report["reportId"],
                 "reportDocumentId": simulator.reports[report["reportId"]].result_document_id},
        "ids": {"cancelFeed": cancelled, "cancelReport": cancel_report["reportId"]},
        "bodies": {
            "createFeed": {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [DE],
                           "inputFeedDocumentId": simulator.feeds[feed_id].input_document_id},
            "createReport": {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
                             "marketplaceIds": [DE]},
            "putListingsItem": {"productType": "PRODUCT", "attributes": sample_attributes()},
            "confirmShipment": {"marketplaceId": order.marketplace_id, "packageDetail": {
                "packageReferenceId": "1", "carrierCode": "DHL", "trackingNumber": "123",
                "shipDate": "2026-03-02T08:00:00Z",
                "orderItems": [{"orderItemId": item.item_id, "quantity": item.quantity}
                               for item in order.items]}}}}


def _request(api: httpx.Client, context: dict[str, Any], path: str, verb: str,
             name: str, model: dict[str, Any], *, drop: str | None = None) -> httpx.Response:
    op = models.operation(model, name)
    path_params = {key: context["ids"].get(name, context["path"][key])
                   if key in ("feedId", "reportId") else context["path"][key]
                   for key in op.params("path")}
    if name == "deleteListingsItem":
        path_params["sku"] = "A-100012"  # keep A-100001 for the other operations
    query = {key: _query_value(op.params("query")[key]) for key in op.required("query")}
    query.update(EXTRA_QUERY.get(name, {}))
    if drop:
        query.pop(drop)
    body = None
    if op.params("body"):
        schema = models.resolve(model, models.body_schema(model, name))
        body = copy.deepcopy(context["bodies"].get(name)) or _sample(schema)
    if drop is None:
        assert models.validate_request(model, name, path_params=path_params, query=query,
                                       body=body) == []
    url = path.format(**{key: value.replace("/", "%2F") for key, value in
                         path_params.items()})
    return api.request(verb.upper(), url, params=query, json=body)


@needs_models
def test_model_built_requests_are_accepted_and_answers_match_the_models(
        api, simulator) -> None:
    context = _context(api, simulator)
    problems = []
    for path, verb, name in SERVED:
        model = _model_of(name, path)
        response = _request(api, context, path, verb, name, model)
        if not 200 <= response.status_code < 300:
            problems.append(f"{name}: {response.status_code} {response.text[:300]}")
            continue
        body = response.json() if response.content else None
        problems += models.validate_response(model, name, response.status_code, body)
        if "x-amzn-RequestId" not in response.headers:
            problems.append(f"{name}: no x-amzn-RequestId")
    assert problems == []


@needs_models
def test_missing_required_query_parameters_answer_400(api, simulator) -> None:
    context = _context(api, simulator)
    checked = 0
    for path, verb, name in SERVED:
        model = _model_of(name, path)
        for param in models.operation(model, name).required("query"):
            response = _request(api, context, path, verb, name, model, drop=param)
            assert response.status_code == 400, (name, param, response.text)
            assert param in response.json()["errors"][0]["message"]
            assert models.validate_response(model, name, 400, response.json()) == []
            checked += 1
    assert checked >= 7  # marketplaceIds of listings and product types, reportTypes


@needs_models
def test_every_model_query_parameter_is_known(api, simulator) -> None:
    context = _context(api, simulator)
    for path, verb, name in SERVED:
        model = _model_of(name, path)
        op = models.operation(model, name)
        for key, param in op.params("query").items():
            response = _request(api, context, path, verb, name, model)
            extra = api.request(verb.upper(), response.request.url.copy_merge_params(
                {key: _query_value(param)}), content=response.request.content,
                headers={"Content-Type": "application/json"})
            if extra.status_code == 400:
                assert "Unknown query parameter" not in extra.text, (name, key)


@needs_models
def test_error_answers_match_the_models(running, api) -> None:
    listings = _model_of("getListingsItem", "/listings/2021-08-01/items/{sellerId}/{sku}")
    missing = api.get(f"/listings/2021-08-01/items/{SELLER}/NOPE", params={
        "marketplaceIds": DE})
    assert models.validate_response(listings, "getListingsItem", 404, missing.json()) == []
    no_token = httpx.get(running.base_url + f"/listings/2021-08-01/items/{SELLER}/A-100001",
                         params={"marketplaceIds": DE})
    assert models.validate_response(listings, "getListingsItem", 403, no_token.json()) == []
    for _ in range(11):
        throttled = api.get(f"/listings/2021-08-01/items/{SELLER}/A-100001",
                            params={"marketplaceIds": DE})
    assert throttled.status_code == 429
    assert models.validate_response(listings, "getListingsItem", 429, throttled.json()) == []
    sellers = _model_of("getMarketplaceParticipations", "/sellers/v1/marketplaceParticipations")
    bad = api.get("/sellers/v1/marketplaceParticipations", params={"x": "1"})
    assert models.validate_response(sellers, "getMarketplaceParticipations", 400,
                                    bad.json()) == []


# --- product type schemas ---------------------------------------------------------------

def _validator(schema: dict[str, Any]) -> jsonschema.Draft201909Validator:
    return jsonschema.Draft201909Validator(schema)


@pytest.mark.parametrize("name", ["PRODUCT", "SHIRT", "SHOES"])
def test_product_type_schemas_are_json_schema_and_agree_with_jsonschema(name) -> None:
    product_type = product_types()[name]
    for requirements in REQUIREMENTS:
        schema = product_type.schema(requirements)
        jsonschema.Draft201909Validator.check_schema(schema)
        good = sample_attributes(name)
        assert not list(_validator(schema).iter_errors(good))
        assert is_valid(good, schema)
    schema = product_type.schema()
    mutants = []
    for attribute in list(good):
        smaller = copy.deepcopy(good)
        del smaller[attribute]
        mutants.append(smaller)
        wrong = copy.deepcopy(good)
        wrong[attribute] = [{"value": 12}] if attribute != "brand" else "text"
        mutants.append(wrong)
    batteries = copy.deepcopy(good)
    batteries["batteries_required"] = [{"value": True}]
    mutants.append(batteries)
    for mutant in mutants:
        expected = not list(_validator(schema).iter_errors(mutant))
        assert is_valid(mutant, schema) == expected, mutant


def test_product_type_definition_links_its_schema(api) -> None:
    response = api.get("/definitions/2020-09-01/productTypes/SHOES",
                       params={"marketplaceIds": DE, "requirements": "LISTING_OFFER_ONLY"})
    assert response.status_code == 200, response.text
    body = response.json()
    if models.HAVE_MODELS:
        model = _model_of("getDefinitionsProductType",
                          "/definitions/2020-09-01/productTypes/{productType}")
        assert models.validate_response(model, "getDefinitionsProductType", 200, body) == []
    assert body["locale"] == "de_DE" and body["displayName"] == "Schuhe"
    schema = httpx.get(body["schema"]["link"]["resource"]).json()
    assert "condition_type" not in schema["required"]  # conditional: only with an offer
    assert "item_name" not in schema["required"]
    full = api.get("/definitions/2020-09-01/productTypes/SHOES",
                   params={"marketplaceIds": DE}).json()
    required = httpx.get(full["schema"]["link"]["resource"]).json()["required"]
    assert {"item_name", "brand", "footwear_size", "outer_material"} <= set(required)
    search = api.get("/definitions/2020-09-01/productTypes",
                     params={"marketplaceIds": DE, "itemName": "Wanderschuh Watzmann"}).json()
    assert [item["name"] for item in search["productTypes"]] == ["SHOES"]
    unknown = api.get("/definitions/2020-09-01/productTypes/ROCKET",
                      params={"marketplaceIds": DE})
    assert unknown.status_code == 404
