"""The SP-API client core: throttling, LWA tokens, retries, errors and logging.

Everything runs against a real HTTP server on a loopback port (tests/amazon/
test_client_support.py), with a fake clock so back-off and throttling cost no time.
"""

from __future__ import annotations

import logging
import random
import threading

import pytest

from server.amazon.spapi.auth import REFUSED_GRANT
from server.amazon.spapi.client import USER_AGENT, SpApiClient, encode_params
from server.amazon.spapi.errors import SpApiAuthError, SpApiError, SpApiTransientError
from server.amazon.spapi.throttle import DEFAULT_RATE, RATES, Rate, Throttle, TokenBucket
from server.errors import ConfigError
from server.runner.retry import is_transient
from tests.amazon.test_client_support import (
    CLIENT_SECRET,
    REFRESH_TOKEN,
    FakeClock,
    LocalServer,
    Seen,
    amazon_error,
    make_config,
    reply,
)

OK = reply(200, {"payload": []})


def client_for(server: LocalServer, clock: FakeClock | None = None, **kwargs) -> SpApiClient:
    clock = clock or FakeClock()
    kwargs.setdefault("rng", random.Random(1))
    return SpApiClient(make_config(server), clock=clock, sleep=clock.sleep, **kwargs)


def scripted(*answers):
    """An app that gives ``answers`` in order, then OK for ever."""
    queue = list(answers)
    return lambda seen: queue.pop(0) if queue else OK


# ----- throttling ------------------------------------------------------------------------

def test_bucket_allows_the_burst_then_spaces_requests_by_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)
    assert bucket.reserve() == pytest.approx(1.0)  # queued behind the previous reservation
    clock.now += 10  # a long pause refills, but never above the burst
    bucket.reserve()
    assert bucket.tokens == pytest.approx(2.0)


def test_throttle_sleeps_per_channel_and_operation() -> None:
    clock = FakeClock()
    throttle = Throttle(clock=clock, sleep=clock.sleep, rates={"op": Rate(0.5, 2)})
    waits = [throttle.acquire("a", "op") for _ in range(4)]
    assert waits == [0.0, 0.0, pytest.approx(2.0), pytest.approx(2.0)]
    assert clock.sleeps == [pytest.approx(2.0), pytest.approx(2.0)]
    assert throttle.acquire("b", "op") == 0.0  # another channel has its own bucket
    assert throttle.acquire("a", "other") == 0.0  # another operation too
    assert throttle.bucket("a", "other").rate == DEFAULT_RATE.rate


def test_rate_limit_header_adjusts_the_rate_and_429_drains_the_bucket() -> None:
    clock = FakeClock()
    throttle = Throttle(clock=clock, sleep=clock.sleep)
    bucket = throttle.bucket("a", "getFeed")
    assert (bucket.rate, bucket.burst) == (RATES["getFeed"].rate, RATES["getFeed"].burst)
    throttle.observe("a", "getFeed", "0.5")
    throttle.observe("a", "getFeed", "garbage")
    throttle.observe("a", "getFeed", "-1")
    assert bucket.rate == 0.5
    throttle.throttled("a", "getFeed")
    assert throttle.acquire("a", "getFeed") == pytest.approx(2.0)


def test_documented_rates_of_the_operations_we_use() -> None:
    assert RATES["putListingsItem"] == Rate(5, 10)
    assert RATES["createFeed"] == Rate(0.0083, 15)
    assert RATES["searchOrders"] == Rate(0.0056, 20)
    assert RATES["getMarketplaceParticipations"] == Rate(0.016, 15)


# ----- tokens ----------------------------------------------------------------------------

def test_token_is_fetched_once_and_cached_until_shortly_before_expiry() -> None:
    clock = FakeClock()
    with LocalServer(lambda seen: OK) as server, client_for(server, clock) as client:
        client.request("getMarketplaceParticipations", "GET", "/sellers/v1/x")
        client.request("getMarketplaceParticipations", "GET", "/sellers/v1/x")
        assert len(server.token_requests) == 1
        form = server.token_requests[0].body.decode()
        assert "grant_type=refresh_token" in form and "client_id=" in form
        assert server.requests[1].headers["x-amz-access-token"] == "Atza|access-1"
        clock.now += 3600 - 30  # inside the safety margin: a new token
        client.request("getMarketplaceParticipations", "GET", "/sellers/v1/x")
        assert len(server.token_requests) == 2
        assert server.requests[2].headers["x-amz-access-token"] == "Atza|access-2"


def test_clients_of_one_channel_share_the_token() -> None:
    clock = FakeClock()
    with LocalServer(lambda seen: OK) as server:
        with client_for(server, clock) as first, client_for(server, clock) as second:
            assert first.auth.token() == second.auth.token()
        with SpApiClient(make_config(server, refresh_token="Atzr|other-seller"),
                         clock=clock, sleep=clock.sleep) as other:
            other.auth.token()  # other credentials, another token
    assert len(server.token_requests) == 2


def test_clients_on_the_real_clock_share_the_throttle() -> None:
    first, second = SpApiClient(make_config()), SpApiClient(make_config())
    with first, second:
        assert first.throttle is second.throttle is Throttle.shared()
        assert first.key == second.key == "amazon-test http://127.0.0.1:9"


def test_threads_share_one_token_request() -> None:
    with LocalServer(lambda seen: OK) as server, client_for(server) as client:
        tokens: list[str] = []
        threads = [threading.Thread(target=lambda: tokens.append(client.auth.token()))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(server.token_requests) == 1 and set(tokens) == {"Atza|access-1"}


def test_refused_refresh_token_says_what_to_do() -> None:
    refused = reply(400, {"error": "invalid_grant", "error_description": "bad"})
    with LocalServer(lambda seen: OK, token_answers=[refused]) as server:
        with client_for(server) as client, pytest.raises(SpApiAuthError) as caught:
            client.request("getMarketplaceParticipations", "GET", "/sellers/v1/x")
    assert str(caught.value) == REFUSED_GRANT
    assert "Seller Central" in str(caught.value)
    assert not server.requests and not is_transient(caught.value)


def test_refused_client_secret() -> None:
    refused = reply(401, {"error": "invalid_client", "error_description": "nope"})
    with LocalServer(lambda seen: OK, token_answers=[refused]) as server:
        with client_for(server) as client, pytest.raises(SpApiAuthError, match="client_secret"):
            client.auth.token()


def test_token_service_hiccup_is_retried() -> None:
    with LocalServer(lambda seen: OK, token_answers=[reply(503, {})]) as server:
        with client_for(server) as client:
            client.request("getMarketplaceParticipations", "GET", "/sellers/v1/x")
    assert len(server.token_requests) == 2 and len(server.requests) == 1


def test_expired_access_token_is_refreshed_once_and_the_request_repeated() -> None:
    expired = amazon_error(403, "Unauthorized", "Access to requested resource is denied.",
                           "The access token you provided has expired.")
    with LocalServer(scripted(expired)) as server, client_for(server) as client:
        answer = client.request("getMarketplaceParticipations", "GET", "/sellers/v1/x")
    assert answer.status == 200
    assert [r.headers["x-amz-access-token"] for r in server.requests] == [
        "Atza|access-1", "Atza|access-2"]


def test_token_still_refused_after_refresh_fails() -> None:
    expired = amazon_error(403, "Unauthorized", "The access token you provided has expired.")
    with LocalServer(lambda seen: expired) as server, client_for(server) as client:
        with pytest.raises(SpApiError) as caught:
            client.request("getMarketplaceParticipations", "GET", "/sellers/v1/x")
    assert len(server.requests) == 2 and caught.value.context["status"] == 403


# ----- retries ---------------------------------------------------------------------------

@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_answers_are_retried_with_growing_backoff(status: int) -> None:
    failing = amazon_error(status, "QuotaExceeded" if status == 429 else "InternalFailure",
                           "try later")
    clock = FakeClock()
    with LocalServer(scripted(failing, failing, failing)) as server:
        with client_for(server, clock, backoff=1.0, throttle=Throttle(
                clock=clock, sleep=clock.sleep, rates={"op": Rate(100, 100)})) as client:
            answer = client.request("op", "GET", "/x")
    assert answer.status == 200 and len(server.requests) == 4
    pauses = [s for s in clock.sleeps if s >= 0.02]  # the back-off, not the throttle
    assert len(pauses) == 3
    assert 0.5 <= pauses[0] <= 1.0 and 1.0 <= pauses[1] <= 2.0 and 2.0 <= pauses[2] <= 4.0


def test_backoff_is_capped_and_attempts_are_limited() -> None:
    clock = FakeClock()
    failing = amazon_error(503, "ServiceUnavailable", "down")
    with LocalServer(lambda seen: failing) as server:
        with client_for(server, clock, max_attempts=6, backoff=10, backoff_cap=15,
                        throttle=Throttle(clock=clock, sleep=clock.sleep,
                                          rates={"op": Rate(100, 100)})) as client:
            with pytest.raises(SpApiTransientError) as caught:
                client.request("op", "GET", "/x")
    assert len(server.requests) == 6
    assert max(clock.sleeps) <= 15
    error = caught.value
    assert error.context["status"] == 503 and error.retryable and is_transient(error)
    assert "ServiceUnavailable: down" in str(error)


def test_429_waits_for_the_bucket_to_refill() -> None:
    clock = FakeClock()
    throttled = amazon_error(429, "QuotaExceeded", "You exceeded your quota.")
    with LocalServer(scripted(throttled)) as server:
        with client_for(server, clock, backoff=0.01) as client:
            client.request("getFeedDocument", "GET", "/feeds/2021-06-30/documents/1")
    # getFeedDocument refills at 0.0222/s: about 45 s until the next token
    assert sum(clock.sleeps) == pytest.approx(1 / 0.0222, rel=0.01)


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_not_retried(status: int) -> None:
    failing = amazon_error(status, "InvalidInput", "marketplaceIds is missing", "see docs")
    with LocalServer(lambda seen: failing) as server, client_for(server) as client:
        with pytest.raises(SpApiError) as caught:
            client.request("getListingsItem", "GET", "/listings/x")
    assert len(server.requests) == 1
    error = caught.value
    assert "InvalidInput: marketplaceIds is missing (see docs)" in str(error)
    assert "req-1" in str(error)
    assert error.context["status"] == status and error.context["code"] == "InvalidInput"
    assert not is_transient(error) and not error.retryable


def test_timeouts_are_retried() -> None:
    calls = []

    def slow_first(seen: Seen) -> float:
        calls.append(seen)
        return 0.5 if len(calls) == 1 else 0.0

    with LocalServer(lambda seen: OK, delay=slow_first) as server:
        with client_for(server, timeout=0.15) as client:
            assert client.request("op", "GET", "/x").status == 200
    assert len(server.requests) == 2


def test_unreachable_api_is_a_transient_error_naming_the_url() -> None:
    clock = FakeClock()
    with LocalServer(lambda seen: OK) as server:
        config = make_config(server, api_url="http://127.0.0.1:9")  # nothing listens there
        with SpApiClient(config, clock=clock, sleep=clock.sleep, max_attempts=2) as client:
            with pytest.raises(SpApiTransientError, match="cannot reach the SP-API") as caught:
                client.request("op", "GET", "/x")
    assert is_transient(caught.value)


# ----- requests --------------------------------------------------------------------------

def test_request_headers_and_parameters() -> None:
    from datetime import UTC, datetime

    with LocalServer(lambda seen: OK) as server, client_for(server) as client:
        client.request("op", "POST", "/x", params={
            "marketplaceIds": ["A1", "A2"], "createdAfter": datetime(2026, 1, 2, tzinfo=UTC),
            "flag": True, "skip": None}, json={"a": 1})
    seen = server.requests[0]
    assert seen.headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("Sync-Center/") and USER_AGENT.endswith("(Language=Python)")
    assert seen.headers["x-amz-access-token"] == "Atza|access-1"
    assert seen.query == {"marketplaceIds": "A1,A2", "createdAfter": "2026-01-02T00:00:00Z",
                          "flag": "true"}
    assert seen.json() == {"a": 1}
    assert encode_params({"empty": []}) == {}


def test_presigned_transfers_carry_no_access_token() -> None:
    with LocalServer(scripted(reply(503, {}), reply(200))) as server:
        with client_for(server) as client:
            client.transfer("PUT", server.base_url + "/upload/doc-1?X-Amz-Signature=abc",
                            content=b"data", content_type="application/json; charset=UTF-8")
    assert len(server.requests) == 2
    for seen in server.requests:
        assert "x-amz-access-token" not in seen.headers
        assert seen.headers["content-type"] == "application/json; charset=UTF-8"
        assert seen.body == b"data"


def test_file_mode_channel_cannot_make_a_client() -> None:
    with pytest.raises(ConfigError, match="file mode"):
        SpApiClient(make_config(mode="file"))


def test_secrets_and_tokens_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    expired = amazon_error(403, "Unauthorized", "The access token you provided has expired.")
    with LocalServer(scripted(expired, reply(503, {}))) as server:
        with client_for(server) as client:
            client.request("op", "GET", "/x")
            client.transfer("GET", server.base_url + "/doc?X-Amz-Signature=sig-secret-1")
    refused = reply(400, {"error": "invalid_grant"})
    with LocalServer(lambda seen: OK, token_answers=[refused]) as server:
        with client_for(server) as client, pytest.raises(SpApiAuthError) as caught:
            client.request("op", "GET", "/x")
    text = caplog.text + str(caught.value) + repr(caught.value.context)
    assert "HTTP 503" in caplog.text and "/x" in caplog.text  # something was logged
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, "Atza|access-1", "Atza|access-2",
                   "sig-secret-1"):
        assert secret not in text
