"""Rollups in the gym's local calendar (C14) and the twelve-month series the charts read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from google.cloud.firestore import Increment

from gymiot.readings import MachineReading
from gymiot.rollups import as_increments, day_figures, month_series, year_figures

ROME = ZoneInfo("Europe/Rome")


def reading(event_id: str, started_at: str, kcal: float = 100, machine: str = "bike-1",
            duration_s: float = 1800) -> MachineReading:
    return MachineReading(
        event_id=event_id, machine_id=machine, customer_id="c42", room_id="room-1",
        started_at=datetime.fromisoformat(started_at), duration_s=duration_s, calories_kcal=kcal,
    )


def test_year_figures_put_each_workout_in_its_local_month_and_year():
    """C14: the year boundary, and 23:30 UTC on New Year's Eve being January in Rome."""
    readings = [
        reading("a", "2020-12-31T10:00:00+00:00"),
        reading("b", "2021-01-02T10:00:00+00:00"),
        reading("c", "2026-12-31T10:00:00+00:00"),
        reading("d", "2025-12-31T23:30:00+00:00"),
    ]
    years = year_figures(readings, ROME)
    assert sorted(years) == [2020, 2021, 2026]
    assert set(years[2020]["months"]) == {"12"}
    assert set(years[2021]["months"]) == {"01"}
    assert set(years[2026]["months"]) == {"01", "12"}
    assert years[2026]["sessions"] == 2
    assert years[2026]["months"]["01"]["calories_kcal"] == 100


def test_year_figures_in_utc_keep_new_years_eve_in_december():
    years = year_figures([reading("d", "2025-12-31T23:30:00+00:00")], ZoneInfo("UTC"))
    assert set(years) == {2025}
    assert set(years[2025]["months"]) == {"12"}


def test_year_figures_sum_per_month_and_per_machine():
    readings = [
        reading("a", "2025-03-01T10:00:00+00:00", kcal=120, machine="treadmill-3",
                duration_s=900),
        reading("b", "2025-03-05T10:00:00+00:00", kcal=80, machine="bike-1", duration_s=600),
        reading("c", "2025-03-06T10:00:00+00:00", kcal=20, machine="bike-1", duration_s=300),
    ]
    march = year_figures(readings, ROME)[2025]["months"]["03"]
    assert march["calories_kcal"] == 220
    assert march["duration_s"] == 1800
    assert march["machines"]["bike-1"] == {"calories_kcal": 100, "duration_s": 900,
                                           "sessions": 2}
    assert march["machines"]["treadmill-3"]["sessions"] == 1


def test_day_figures_use_the_local_day():
    days = day_figures([reading("d", "2025-12-31T23:30:00+00:00")], ROME)
    assert list(days) == ["2026-01-01"]
    assert days["2026-01-01"]["machines"]["bike-1"]["calories_kcal"] == 100


def test_day_figures_follow_daylight_saving_time():
    # 22:30 UTC on 29 March 2026 is 00:30 on the 30th in Rome (summer time, UTC+2).
    assert list(day_figures([reading("x", "2026-03-29T22:30:00+00:00")], ROME)) == ["2026-03-30"]
    # The same UTC time in January is still the same day (winter time, UTC+1).
    assert list(day_figures([reading("y", "2026-01-29T22:30:00+00:00")], ROME)) == ["2026-01-29"]


def test_as_increments_keeps_the_nesting_and_wraps_every_number():
    increments = as_increments({"calories_kcal": 5, "months": {"01": {"sessions": 1}}})
    assert isinstance(increments["calories_kcal"], Increment)
    assert increments["calories_kcal"].value == 5
    assert increments["months"]["01"]["sessions"].value == 1


def test_month_series_is_twelve_zeros_when_the_year_has_no_document_yet():
    """1 January: this year's rollup does not exist until the first workout."""
    assert month_series(None, "calories_kcal") == [0] * 12


def test_month_series_reads_totals_and_one_machine():
    doc = year_figures([reading("a", "2026-02-28T10:00:00+00:00", kcal=50),
                        reading("b", "2026-11-03T10:00:00+00:00", kcal=70, machine="rower-1")],
                       ROME)[2026]
    series = month_series(doc, "calories_kcal")
    assert series[1] == 50 and series[10] == 70 and sum(series) == 120
    assert month_series(doc, "calories_kcal", "rower-1") == [0] * 10 + [70, 0]


def test_year_figures_of_a_workout_at_midnight_utc_on_leap_day():
    years = year_figures([reading("l", "2024-02-29T00:00:00+00:00")], ROME)
    assert set(years[2024]["months"]) == {"02"}
    assert datetime(2024, 2, 29, tzinfo=UTC).astimezone(ROME).day == 29
