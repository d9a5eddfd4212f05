"""Login with Amazon (LWA) stand-in: the refresh-token grant and access-token checks.

``POST /auth/o2/token`` takes form fields ``grant_type=refresh_token``, ``refresh_token``,
``client_id`` and ``client_secret`` and answers ``{access_token, token_type: "bearer",
expires_in, refresh_token}``. Errors follow OAuth 2 as LWA uses it: ``invalid_request``
(a field is missing), ``unsupported_grant_type``, ``invalid_client`` (401; unknown client
id or wrong secret) and ``invalid_grant`` (400; unknown refresh token).

SP-API requests carry the access token in ``x-amz-access-token``; a missing, unknown or
expired one answers 403 ``Unauthorized``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, jsonify, request

from server.amazon.simulator.errors import unauthorized
from server.amazon.simulator.routing import plain, sim

TOKEN_PATH = "/auth/o2/token"


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@plain("POST", TOKEN_PATH, "lwaToken")
def token() -> Response:
    simulator = sim()
    form: dict[str, Any] = dict(request.form)
    if not form and request.is_json:
        form = request.get_json(silent=True) or {}
    for name in ("grant_type", "client_id", "client_secret"):
        if not form.get(name):
            return _oauth_error(400, "invalid_request",
                                f"The request is missing the required parameter: {name}")
    if form["grant_type"] != "refresh_token":
        return _oauth_error(400, "unsupported_grant_type",
                            f"The grant type {form['grant_type']!r} is not supported here; "
                            "use refresh_token.")
    if form["client_id"] != simulator.client_id or \
            form["client_secret"] != simulator.client_secret:
        return _oauth_error(401, "invalid_client", "Client authentication failed: unknown "
                            "client id or wrong client secret.")
    if not form.get("refresh_token"):
        return _oauth_error(400, "invalid_request",
                            "The request is missing the required parameter: refresh_token")
    if form["refresh_token"] != simulator.refresh_token:
        return _oauth_error(400, "invalid_grant", "The request has an invalid grant "
                            "parameter: refresh_token is unknown, revoked or for another "
                            "client.")
    access = "Atza|" + "".join(simulator.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijk"
                                                    "lmnopqrstuvwxyz0123456789-_")
                               for _ in range(64))
    simulator.tokens[access] = simulator.now() + timedelta(seconds=simulator.token_ttl)
    response = jsonify({"access_token": access, "token_type": "bearer",
                        "expires_in": simulator.token_ttl,
                        "refresh_token": simulator.refresh_token})
    response.headers["Cache-Control"] = "no-store"
    return response


def check_access_token() -> None:
    """Raise 403 unless the request carries a valid, unexpired access token."""
    simulator = sim()
    value = request.headers.get("x-amz-access-token", "").strip()
    if not value:
        raise unauthorized("The request has no access token (header x-amz-access-token).")
    expires = simulator.tokens.get(value)
    if expires is None:
        raise unauthorized("The access token you provided is revoked, malformed or invalid.")
    if expires <= simulator.now():
        raise unauthorized("The access token you provided has expired.")
