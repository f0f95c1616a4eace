"""unix-cron schedules in a time zone: validation and the next run time (via croniter)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

logger = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = "Etc/UTC"


def check_time_zone(name: str) -> ZoneInfo:
    """Return the zone for an IANA time zone name; ``ValueError`` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Invalid time zone: {name!r}") from exc


def check_schedule(expression: str) -> None:
    """Raise ``ValueError`` unless ``expression`` is a five-field unix-cron expression."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValueError(f"Invalid schedule: {expression!r} is not a unix-cron expression")


def next_run_time(expression: str, time_zone: str, now: datetime) -> datetime:
    """The first time strictly after ``now`` that ``expression`` matches in ``time_zone``.

    ``now`` must be timezone-aware; the result is in UTC.
    """
    check_schedule(expression)
    zone = check_time_zone(time_zone)
    local_now = now.astimezone(zone)
    following: datetime = croniter(expression, local_now).get_next(datetime)
    return following.astimezone(UTC)
