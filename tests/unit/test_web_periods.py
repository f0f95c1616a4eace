"""Dashboard calendar helpers: the gym's today, the comparison year, the year picker."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from web.periods import (
    gym_today,
    minutes,
    previous_year,
    same_day_last_year,
    within,
    year_choices,
)

ROME = ZoneInfo("Europe/Rome")


def test_gym_today_is_next_year_when_utc_is_still_new_years_eve() -> None:
    assert gym_today(ROME, datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 1, 1)


def test_gym_today_is_29_february_when_leap_day_starts_in_rome() -> None:
    assert gym_today(ROME, datetime(2028, 2, 28, 23, 15, tzinfo=UTC)) == date(2028, 2, 29)


def test_gym_today_refuses_naive_moment() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        gym_today(ROME, datetime(2026, 1, 1, 12, 0))


def test_previous_year_is_year_before_when_picker_is_on_1_january() -> None:
    today = date(2026, 1, 1)

    assert year_choices(today)[0] == 2026
    assert previous_year(year_choices(today)[0]) == 2025


def test_year_choices_include_current_year_when_it_has_just_begun() -> None:
    assert year_choices(date(2026, 1, 1), first_year=2024) == [2026, 2025, 2024]


def test_year_choices_hold_only_this_year_when_first_year_is_later() -> None:
    assert year_choices(date(2021, 6, 1), first_year=2030) == [2021]


def test_same_day_last_year_is_28_february_when_today_is_29_february() -> None:
    assert same_day_last_year(date(2028, 2, 29)) == date(2027, 2, 28)


def test_same_day_last_year_keeps_day_when_date_exists_last_year() -> None:
    assert same_day_last_year(date(2026, 1, 1)) == date(2025, 1, 1)


def test_minutes_are_seconds_over_sixty_rounded_to_one_decimal() -> None:
    assert minutes(2700) == 45.0
    assert minutes(100) == 1.7


def test_within_is_false_when_moment_is_older_than_window() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    assert within(now - timedelta(minutes=44), timedelta(minutes=45), now)
    assert not within(now - timedelta(minutes=46), timedelta(minutes=45), now)
    assert not within(None, timedelta(minutes=45), now)
