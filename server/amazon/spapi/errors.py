"""The errors of the SP-API client.

::

    SyncCenterError
     +-- SpApiError                Amazon answered with an error, or a job failed
          +-- SpApiAuthError       LWA refused the credentials (refresh token, client)
          +-- SpApiTransientError  may pass if tried later: 429, 5xx, timeouts, network
          |    +-- SpApiPollTimeout  a feed or report did not finish in time
          +-- SpApiJobError        a feed or report ended FATAL or CANCELLED

Each carries ``status`` (the HTTP status, when there is one), ``operation``, ``code``
(Amazon's first error code) and ``request_id`` in its context. The runner's retry rules
read ``status``; errors without a status fall back on ``retryable``.
"""

from __future__ import annotations

from server.errors import SyncCenterError


class SpApiError(SyncCenterError):
    """Amazon refused a request, or an SP-API job failed."""

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message, **context)
        self.errors: list[dict[str, object]] = []


class SpApiAuthError(SpApiError):
    """Login with Amazon refused the refresh token or the client id and secret."""


class SpApiTransientError(SpApiError):
    """A failure that may pass if the request is tried again later."""

    retryable = True


class SpApiPollTimeout(SpApiTransientError):
    """A feed or report was still being processed when the wait ran out."""


class SpApiJobError(SpApiError):
    """A feed or report ended FATAL (or CANCELLED, for feeds).

    ``document`` holds the result or error document Amazon left, when there was one.
    """

    def __init__(self, message: str, document: bytes | None = None, **context: object) -> None:
        super().__init__(message, **context)
        self.document = document
