"""RFC 3339 timestamps and protobuf durations as the REST API writes them."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

logger = logging.getLogger(__name__)

_DURATION = re.compile(r"^(\d+(?:\.\d{1,9})?)s$")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """Render an aware datetime as RFC 3339 in UTC with a ``Z`` suffix."""
    text = moment.astimezone(UTC).isoformat(timespec="microseconds")
    text = text.replace("+00:00", "Z")
    return text.replace(".000000Z", "Z")


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp written by :func:`format_time` (or by protobuf)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def parse_duration(text: str) -> float:
    """Parse a protobuf JSON duration such as ``"180s"`` or ``"2.5s"`` into seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r}")
    return float(match.group(1))
