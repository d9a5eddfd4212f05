"""Our own small client of Amazon's Selling Partner API (SP-API), over httpx.

The pieces, from the bottom up:

* ``channel``: a ``[channels.NAME]`` table read into a ``ChannelConfig`` (mode, region,
  marketplace, URLs, LWA credentials with their secrets filled in);
* ``auth``: the Login with Amazon (LWA) access token, refreshed and cached;
* ``throttle``: token buckets per (channel, operation) with Amazon's rates and bursts;
* ``client``: ``SpApiClient.request()`` with retries, back-off, logging and Amazon's errors;
* one module per API: ``listings``, ``feeds``, ``reports``, ``orders``, ``definitions``,
  ``sellers``.

Usage::

    config = ChannelConfig.from_instance(instance, "amazon-de")
    with SpApiClient(config) as client:
        listing = Listings(client).get("A-100001")

Tokens and secrets never appear in a log line or an error message.
"""

import logging

log = logging.getLogger(__name__)
