"""A customer's progress: calories and minutes per month, a chosen year against the one before.

Everything here reads two year rollups (`customers/{id}/years/{YYYY}`); a year without a document
(1 January before the first workout) is all zeros, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from gymiot.rollups import month_series
from web.periods import minutes, month_labels, previous_year

Measure = Literal["calories", "minutes"]
ALL_MACHINES = "all"
COLOURS = {"chosen": "#2563eb", "previous": "#94a3b8"}


def year_path(customer_id: str, year: int) -> str:
    return f"customers/{customer_id}/years/{year}"


def monthly(year_doc: Mapping[str, Any] | None, measure: Measure,
            machine_id: str | None = None) -> list[float]:
    """Twelve monthly values: kcal (one decimal) or minutes (duration_s / 60, one decimal)."""
    if measure == "calories":
        return [round(v, 1) for v in month_series(year_doc, "calories_kcal", machine_id)]
    return [minutes(v) for v in month_series(year_doc, "duration_s", machine_id)]


def machines_in(*year_docs: Mapping[str, Any] | None) -> list[str]:
    """Machines used in any month of the given years, sorted."""
    found: set[str] = set()
    for doc in year_docs:
        for figures in (doc or {}).get("months", {}).values():
            found.update(figures.get("machines", {}))
    return sorted(found)


@dataclass
class ProgressView:
    """What the progress page shows; the page binds to it and redraws on `changed`."""

    customer_id: str
    year: int
    machine: str = ALL_MACHINES
    chosen_doc: dict[str, Any] | None = None
    previous_doc: dict[str, Any] | None = None
    machine_names: dict[str, str] = field(default_factory=dict)

    @property
    def previous(self) -> int:
        return previous_year(self.year)

    def _machine_id(self) -> str | None:
        return None if self.machine == ALL_MACHINES else self.machine

    def series(self, measure: Measure) -> tuple[list[float], list[float]]:
        """Chosen year's and previous year's monthly values for the selected machine."""
        machine_id = self._machine_id()
        return (monthly(self.chosen_doc, measure, machine_id),
                monthly(self.previous_doc, measure, machine_id))

    def totals(self, measure: Measure) -> tuple[float, float]:
        chosen, previous = self.series(measure)
        return round(sum(chosen), 1), round(sum(previous), 1)

    def machine_options(self) -> dict[str, str]:
        options = {ALL_MACHINES: "All machines"}
        for machine_id in machines_in(self.chosen_doc, self.previous_doc):
            options[machine_id] = self.machine_names.get(machine_id, machine_id)
        return options

    def machine_rows(self) -> list[dict[str, Any]]:
        """Per machine: the year's calories and minutes, chosen and previous year."""
        rows = []
        for machine_id in machines_in(self.chosen_doc, self.previous_doc):
            rows.append({
                "machine": self.machine_names.get(machine_id, machine_id),
                "kcal": round(sum(monthly(self.chosen_doc, "calories", machine_id)), 1),
                "kcal_prev": round(sum(monthly(self.previous_doc, "calories", machine_id)), 1),
                "min": round(sum(monthly(self.chosen_doc, "minutes", machine_id)), 1),
                "min_prev": round(sum(monthly(self.previous_doc, "minutes", machine_id)), 1),
            })
        return rows

    def chart_options(self, measure: Measure) -> dict[str, Any]:
        """ECharts options: grouped bars per month, chosen year against the previous one."""
        chosen, previous = self.series(measure)
        unit = "kcal" if measure == "calories" else "min"
        return {
            "title": {"text": f"{measure.capitalize()} per month ({unit})", "left": "left",
                      "textStyle": {"fontSize": 14, "fontWeight": 500}},
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [str(self.year), str(self.previous)], "top": 0, "right": 0},
            "grid": {"left": 48, "right": 16, "top": 48, "bottom": 32},
            "xAxis": {"type": "category", "data": month_labels()},
            "yAxis": {"type": "value"},
            "series": [
                {"name": str(self.year), "type": "bar", "data": chosen,
                 "itemStyle": {"color": COLOURS["chosen"], "borderRadius": [3, 3, 0, 0]}},
                {"name": str(self.previous), "type": "bar", "data": previous,
                 "itemStyle": {"color": COLOURS["previous"], "borderRadius": [3, 3, 0, 0]}},
            ],
        }
