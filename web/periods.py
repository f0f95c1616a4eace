"""Calendar helpers for the dashboard: the gym's today and the year to compare with.

Pure functions, so 1 January, 29 February and the time zone are tested without a clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

FIRST_YEAR = 2020


def gym_today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """The gym's local calendar day at `now` (an aware moment; default the current time)."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware, got a naive datetime")
    return moment.astimezone(tz).date()


def previous_year(year: int) -> int:
    """The year a chosen year is compared with."""
    return year - 1


def same_day_last_year(day: date) -> date:
    """The same calendar day a year earlier; 29 February maps to 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def year_choices(today: date, first_year: int = FIRST_YEAR) -> list[int]:
    """Years the picker offers, newest first: the current year always, even on 1 January."""
    return list(range(today.year, min(first_year, today.year) - 1, -1))


def month_labels() -> list[str]:
    """Short month names for chart axes (English, fixed: no locale dependence)."""
    return ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def minutes(duration_s: float) -> float:
    """Seconds as minutes, rounded to one decimal for display."""
    return round(duration_s / 60, 1)


def within(moment: datetime | None, window: timedelta, now: datetime) -> bool:
    """True when `moment` lies in the `window` before `now` (None is never within)."""
    return moment is not None and timedelta(0) <= now - moment <= window
