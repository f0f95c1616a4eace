"""Google-style API errors, rendered as ``{"error": {"code", "message", "status"}}``."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

#: google.rpc.Code numbers by name, used for a job's ``status`` after an attempt.
RPC_CODES: dict[str, int] = {
    "OK": 0,
    "CANCELLED": 1,
    "UNKNOWN": 2,
    "INVALID_ARGUMENT": 3,
    "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6,
    "PERMISSION_DENIED": 7,
    "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9,
    "ABORTED": 10,
    "OUT_OF_RANGE": 11,
    "UNIMPLEMENTED": 12,
    "INTERNAL": 13,
    "UNAVAILABLE": 14,
    "DATA_LOSS": 15,
    "UNAUTHENTICATED": 16,
}

_HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
}


class ApiError(Exception):
    """An error the REST API returns to the caller."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def http_code(self) -> int:
        """The HTTP status code for this error."""
        return _HTTP_STATUS.get(self.status, 500)

    def to_json(self) -> dict[str, Any]:
        """The Google JSON error body."""
        return {"error": {"code": self.http_code, "message": self.message, "status": self.status}}


def invalid(message: str) -> ApiError:
    """400 INVALID_ARGUMENT."""
    return ApiError("INVALID_ARGUMENT", message)


def not_found(name: str) -> ApiError:
    """404 NOT_FOUND for a job name."""
    return ApiError("NOT_FOUND", f"Job not found: {name}.")


def already_exists(name: str) -> ApiError:
    """409 ALREADY_EXISTS for a job name."""
    return ApiError("ALREADY_EXISTS", f"Job {name} already exists.")
