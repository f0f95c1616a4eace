"""Google-style API errors: the Scheduler emulator's, plus a NOT_FOUND for any resource."""

from __future__ import annotations

from emulators.scheduler.errors import ApiError, invalid

__all__ = ["ApiError", "invalid", "not_found"]


def not_found(name: str) -> ApiError:
    """404 NOT_FOUND for a resource name."""
    return ApiError("NOT_FOUND", f"Resource '{name}' was not found")
