"""A local stand-in for Amazon's Selling Partner API (EU region), for the demo and tests.

It answers the operations the Sync-Center uses, with its own state: LWA tokens, sellers,
listings items, feeds (JSON listings feed, VAT invoice upload), reports (listings and
orders flat files), orders 2026-01-01 plus v0 ``confirmShipment``, and product type
definitions with three synthetic product types. Requests are checked as Amazon checks
them (parameters, bodies, tokens, per-operation throttling) and errors come in Amazon's
shape. The simulator ships none of Amazon's models; the tests compare it with them.

Use::

    from server.amazon.simulator import Simulator, serve_simulator

    with serve_simulator(Simulator(seed=1)) as running:
        ...  # talk to running.base_url; get tokens from running.token_url

or run ``synccenter marketplace-sim``.
"""

import logging

log = logging.getLogger(__name__)

from server.amazon.simulator.app import create_app  # noqa: E402
from server.amazon.simulator.catalog import sample_attributes  # noqa: E402
from server.amazon.simulator.serve import Running, serve_simulator  # noqa: E402
from server.amazon.simulator.state import (  # noqa: E402
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    SELLER_ID,
    Simulator,
)

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN", "SELLER_ID", "Running", "Simulator",
           "create_app", "sample_attributes", "serve_simulator"]
