"""``create_app``: the Flask application that answers like the SP-API (EU region).

Every SP-API request passes, in this order: the access-token check (403), an injected
fault if the fault rate draws one (429, 500, 503 or a delay), the operation's throttle
(429), then the view, all under the simulator's lock. Every response carries
``x-amzn-RequestId``; SP-API responses also carry ``x-amzn-RateLimit-Limit``. Errors use
the SP-API's ``{"errors": [{"code", "message", "details"}]}`` shape.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from server.amazon.simulator import log
from server.amazon.simulator.auth import check_access_token
from server.amazon.simulator.errors import (
    ApiError,
    StorageError,
    internal_failure,
    quota_exceeded,
    unavailable,
)
from server.amazon.simulator.routing import EXTENSION, ROUTES, Route
from server.amazon.simulator.state import Simulator


def _load_routes() -> None:
    # Importing the modules fills ROUTES through their decorators.
    from server.amazon.simulator import (  # noqa: F401
        auth,
        documents,
        feeds,
        listings_api,
        marketplaces,
        orders_api,
        product_types,
        reports,
    )


def create_app(simulator: Simulator) -> Flask:
    """A Flask app serving ``simulator``'s state."""
    _load_routes()
    app = Flask("spapi_simulator")
    app.extensions[EXTENSION] = simulator
    app.json.sort_keys = False  # type: ignore[attr-defined]
    for route in ROUTES:
        view = _api_view(route, simulator) if route.is_api else _plain_view(route, simulator)
        app.add_url_rule(route.rule, endpoint=("sp." if route.is_api else "aux.") + route.name,
                         view_func=view, methods=[route.verb])

    @app.before_request
    def _request_id() -> None:
        g.request_id = str(uuid.uuid4())

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["x-amzn-RequestId"] = getattr(g, "request_id", str(uuid.uuid4()))
        operation = getattr(g, "operation", None)
        if operation:
            response.headers["x-amzn-RateLimit-Limit"] = \
                simulator.throttle.rate_header(operation)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        code = {404: "NotFound", 405: "MethodNotAllowed", 413: "RequestEntityTooLarge",
                415: "UnsupportedMediaType"}.get(error.code or 400, "InvalidInput")
        text = {404: "The requested resource does not exist in this API.",
                405: "The resource does not support this HTTP method."}.get(
                    error.code or 400, error.description or "Invalid request.")
        return _error_response(ApiError(error.code or 400, code, text))

    @app.errorhandler(Exception)
    def _failure(error: Exception) -> Response:
        log.exception("simulator failure in %s %s", request.method, request.path)
        return _error_response(internal_failure())

    return app


def _error_response(error: ApiError) -> Response:
    response = jsonify(error.body())
    response.status_code = error.status
    return response


def _reply(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    status = 200
    if isinstance(result, tuple):
        result, status = result
    if result is None:
        return Response(status=status)
    response = jsonify(result)
    response.status_code = status
    return response


def _api_view(route: Route, simulator: Simulator) -> Callable[..., Response]:
    def view(**path: str) -> Response:
        g.operation = route.name
        try:
            with simulator.lock:
                check_access_token()
                fault = simulator.faults.draw()
            if fault == "delay":
                time.sleep(simulator.faults.delay)
            elif fault is not None:
                log.debug("injected fault %s for %s", fault, route.name)
                raise {"429": quota_exceeded, "500": internal_failure,
                       "503": unavailable}[fault]()
            with simulator.lock:
                if not simulator.throttle.take(route.name):
                    raise quota_exceeded()
                simulator.tick()
                return _reply(route.view(**path))
        except ApiError as error:
            return _error_response(error)
    view.__name__ = f"sp_{route.name}"
    return view


def _plain_view(route: Route, simulator: Simulator) -> Callable[..., Response]:
    def view(**path: str) -> Response:
        try:
            with simulator.lock:
                return _reply(route.view(**path))
        except StorageError as error:
            return Response(error.body(), status=error.status, mimetype="application/xml")
        except ApiError as error:
            return _error_response(error)
    view.__name__ = f"aux_{route.name}"
    return view
