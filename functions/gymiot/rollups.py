"""Fold machine readings into the gym's local calendar: per day, per month of a year, per machine.

Charts read these rollups (one document per customer and year), never raw events. Months, days
and years are the gym's local ones: a workout at 23:30 UTC on 31 December counts in January in
Rome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.cloud.firestore import Increment

from gymiot.readings import MachineReading

Figures = dict[str, Any]


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The gym's calendar day of an aware moment."""
    return moment.astimezone(tz).date()


def month_key(day: date) -> str:
    """Month bucket key inside a year document: '01'..'12'."""
    return f"{day.month:02d}"


def _add(figures: Figures, reading: MachineReading) -> None:
    figures["calories_kcal"] = figures.get("calories_kcal", 0) + reading.calories_kcal
    figures["duration_s"] = figures.get("duration_s", 0) + reading.duration_s
    figures["sessions"] = figures.get("sessions", 0) + 1


def _add_with_machine(figures: Figures, reading: MachineReading) -> None:
    _add(figures, reading)
    machine = figures.setdefault("machines", {}).setdefault(reading.machine_id, {})
    _add(machine, reading)


def year_figures(readings: Iterable[MachineReading], tz: ZoneInfo) -> dict[int, Figures]:
    """Per local year: totals, and per month the totals and per-machine totals."""
    years: dict[int, Figures] = {}
    for reading in readings:
        day = local_day(reading.started_at, tz)
        year = years.setdefault(day.year, {})
        _add(year, reading)
        _add_with_machine(year.setdefault("months", {}).setdefault(month_key(day), {}), reading)
    return years


def day_figures(readings: Iterable[MachineReading], tz: ZoneInfo) -> dict[str, Figures]:
    """Per local day (ISO date): totals and per-machine totals."""
    days: dict[str, Figures] = {}
    for reading in readings:
        day = local_day(reading.started_at, tz).isoformat()
        _add_with_machine(days.setdefault(day, {}), reading)
    return days


def as_increments(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The same nesting with every number turned into a Firestore Increment (for merge sets)."""
    return {
        key: as_increments(value) if isinstance(value, Mapping) else Increment(value)
        for key, value in figures.items()
    }


def month_series(year_doc: Mapping[str, Any] | None, field: str, machine_id: str | None = None
                 ) -> list[float]:
    """Twelve monthly values of one field from a year rollup (zeros where nothing happened)."""
    months = (year_doc or {}).get("months", {})
    series = []
    for month in range(1, 13):
        figures = months.get(f"{month:02d}", {})
        if machine_id is not None:
            figures = figures.get("machines", {}).get(machine_id, {})
        series.append(figures.get(field, 0))
    return series
