"""A customer's today: calories and minutes per machine from the day rollup, against a goal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from web.periods import minutes

DEFAULT_DAILY_GOAL_KCAL = 400


def day_path(customer_id: str, day: date) -> str:
    return f"customers/{customer_id}/days/{day.isoformat()}"


@dataclass
class TodayView:
    """The day document of one customer and the goal it is measured against."""

    customer_id: str
    day: date
    day_doc: dict[str, Any] | None = None
    goal_kcal: float = DEFAULT_DAILY_GOAL_KCAL
    machine_names: dict[str, str] = field(default_factory=dict)

    def set_profile(self, profile: Mapping[str, Any] | None) -> None:
        goal = (profile or {}).get("daily_goal_kcal")
        self.goal_kcal = float(goal) if isinstance(goal, int | float) and goal > 0 \
            else DEFAULT_DAILY_GOAL_KCAL

    @property
    def calories_kcal(self) -> float:
        return round((self.day_doc or {}).get("calories_kcal", 0), 1)

    @property
    def minutes(self) -> float:
        return minutes((self.day_doc or {}).get("duration_s", 0))

    @property
    def sessions(self) -> int:
        return int((self.day_doc or {}).get("sessions", 0))

    @property
    def goal_share(self) -> float:
        """Share of the day's calorie goal reached, 0..1 (capped)."""
        return min(1.0, self.calories_kcal / self.goal_kcal) if self.goal_kcal else 0.0

    def machine_rows(self) -> list[dict[str, Any]]:
        machines = (self.day_doc or {}).get("machines", {})
        return [
            {"machine": self.machine_names.get(machine_id, machine_id),
             "kcal": round(figures.get("calories_kcal", 0), 1),
             "min": minutes(figures.get("duration_s", 0)),
             "sessions": int(figures.get("sessions", 0))}
            for machine_id, figures in sorted(machines.items())
        ]
