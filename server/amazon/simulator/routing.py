"""The route table the simulator's modules fill and ``create_app`` turns into Flask rules.

``@api(verb, rule, operation)`` marks an SP-API operation: its requests need an access
token, pass the operation's throttle and may meet an injected fault. ``@plain(verb, rule,
name)`` marks the other endpoints (LWA token, document upload and download, schema
downloads), which answer without those checks. A view returns a JSON-able body, a
``(body, status)`` pair, or a Flask ``Response``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app, request

if TYPE_CHECKING:
    from server.amazon.simulator.state import Simulator

EXTENSION = "spapi_simulator"


@dataclass(frozen=True)
class Route:
    verb: str
    rule: str
    name: str
    view: Callable[..., Any]
    is_api: bool


ROUTES: list[Route] = []


def api(verb: str, rule: str, operation: str) -> Callable[[Callable], Callable]:
    """Register ``view`` as the SP-API operation ``operation`` at ``verb rule``."""
    def register(view: Callable) -> Callable:
        ROUTES.append(Route(verb, rule, operation, view, True))
        return view
    return register


def plain(verb: str, rule: str, name: str) -> Callable[[Callable], Callable]:
    """Register ``view`` as a helper endpoint without token, throttle or faults."""
    def register(view: Callable) -> Callable:
        ROUTES.append(Route(verb, rule, name, view, False))
        return view
    return register


def sim() -> Simulator:
    """The simulator behind the current request."""
    return current_app.extensions[EXTENSION]


def base_url() -> str:
    """``http://host:port`` as the client reached us; used for presigned-style links."""
    return request.host_url.rstrip("/")
