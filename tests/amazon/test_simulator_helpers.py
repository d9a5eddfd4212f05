"""Fixtures and helpers for the SP-API simulator tests (imported by test_simulator*.py).

``simulator`` has a fixed clock (2026-03-02 08:00 UTC) so orders and ids repeat; ``api``
is an httpx client on a served simulator with a valid access token.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from server.amazon.simulator import Running, Simulator, serve_simulator

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SELLER = "A2DEMOSELLER1"
DE = "A1PA6795UKMFR9"
JSON_TYPE = "application/json; charset=UTF-8"
ITEMS = f"/listings/2021-08-01/items/{SELLER}"


@pytest.fixture
def simulator() -> Simulator:
    return Simulator(seed=7, clock=lambda: START)


@pytest.fixture
def running(simulator: Simulator) -> Iterator[Running]:
    with serve_simulator(simulator) as running:
        yield running


@pytest.fixture
def api(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.base_url, timeout=10) as client:
        client.headers["x-amz-access-token"] = running.simulator.issue_token()
        yield client


def errors(response: httpx.Response) -> list[dict[str, Any]]:
    body = response.json()
    assert set(body) == {"errors"}, body
    return body["errors"]


def error_code(response: httpx.Response) -> str:
    return errors(response)[0]["code"]


def download(api: httpx.Client, reference: dict[str, Any]) -> bytes:
    """The bytes of a feed or report document (``{url, compressionAlgorithm?}``)."""
    response = httpx.get(reference["url"], timeout=10)
    assert response.status_code == 200, response.text
    data = response.content
    return gzip.decompress(data) if reference.get("compressionAlgorithm") == "GZIP" else data


def upload_document(api: httpx.Client, data: bytes, content_type: str = JSON_TYPE) -> str:
    response = api.post("/feeds/2021-06-30/documents", json={"contentType": content_type})
    assert response.status_code == 201, response.text
    document = response.json()
    put = httpx.put(document["url"], content=data, headers={"Content-Type": content_type},
                    timeout=10)
    assert put.status_code == 200, put.text
    return document["feedDocumentId"]


def submit_feed(api: httpx.Client, data: bytes, feed_type: str = "JSON_LISTINGS_FEED",
                content_type: str = JSON_TYPE, options: dict[str, str] | None = None) -> str:
    body: dict[str, Any] = {"feedType": feed_type, "marketplaceIds": [DE],
                            "inputFeedDocumentId": upload_document(api, data, content_type)}
    if options:
        body["feedOptions"] = options
    response = api.post("/feeds/2021-06-30/feeds", json=body)
    assert response.status_code == 202, response.text
    return response.json()["feedId"]


def poll(api: httpx.Client, path: str, limit: int = 10) -> tuple[list[str], dict[str, Any]]:
    """Poll a feed or report until it is final: the statuses seen and the last body."""
    seen: list[str] = []
    for _ in range(limit):
        response = api.get(path)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.append(body["processingStatus"])
        if body["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            return seen, body
    raise AssertionError(f"{path} did not finish: {seen}")


def feed_result(api: httpx.Client, feed_id: str) -> tuple[dict[str, Any], bytes]:
    _, feed = poll(api, f"/feeds/2021-06-30/feeds/{feed_id}")
    document = api.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}")
    assert document.status_code == 200, document.text
    return feed, download(api, document.json())


def listings_feed(*messages: dict[str, Any], seller: str = SELLER,
                  **header: Any) -> bytes:
    return json.dumps({"header": {"sellerId": seller, "version": "2.0", **header},
                       "messages": list(messages)}).encode()
