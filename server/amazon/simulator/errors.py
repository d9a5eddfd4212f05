"""Errors the simulator answers with, in the SP-API's ``{"errors": [...]}`` shape."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response: HTTP status, SP-API error code, message and details."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message,
                            "details": self.details}]}


def invalid(message: str, details: str = "") -> ApiError:
    """400 ``InvalidInput``: the request is malformed or names something invalid."""
    return ApiError(400, "InvalidInput", message, details)


def not_found(message: str, details: str = "") -> ApiError:
    """404 ``NotFound``."""
    return ApiError(404, "NotFound", message, details)


def unauthorized(details: str) -> ApiError:
    """403 ``Unauthorized``: missing, unknown or expired access token, or a foreign seller."""
    return ApiError(403, "Unauthorized", "Access to requested resource is denied.", details)


def quota_exceeded() -> ApiError:
    """429 ``QuotaExceeded``: the operation's token bucket is empty."""
    return ApiError(429, "QuotaExceeded",
                    "You exceeded your quota for the requested resource.")


def internal_failure() -> ApiError:
    return ApiError(500, "InternalFailure", "We encountered an internal error. Please try "
                    "again.")


def unavailable() -> ApiError:
    return ApiError(503, "ServiceUnavailable", "Service temporarily unavailable. Please try "
                    "again.")


class StorageError(Exception):
    """An error of the simulated document storage (S3-like XML body, not the SP-API shape)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> str:
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{self.code}</Code>'
                f"<Message>{self.message}</Message></Error>")
