"""Rooms as the manager watches them: temperature, air conditioner, thresholds, who is there.

The thermostat function owns the air conditioner; the dashboard only edits the thresholds, with
the same rule the thermostat applies (off strictly below on) and a plausible range.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from gymiot.rooms import MAX_ROOM_C, MIN_ROOM_C, thresholds
from web.periods import within

logger = logging.getLogger(__name__)

TRAINING_WINDOW = timedelta(minutes=45)
HISTORY_POINTS = 500
HISTORY_SPAN = timedelta(hours=24)
MIN_THRESHOLD_C = 10.0
MAX_THRESHOLD_C = 40.0


def check_thresholds(on_at_c: Any, off_at_c: Any) -> tuple[float, float]:
    """Validated thresholds (on, off); raises ValueError with a message for the manager."""
    for name, value in (("switch-on", on_at_c), ("switch-off", off_at_c)):
        if value is None or value == "":
            raise ValueError(f"Enter a {name} temperature.")
        if isinstance(value, int | float) and not MIN_THRESHOLD_C <= value <= MAX_THRESHOLD_C:
            raise ValueError(f"The {name} temperature must be between {MIN_THRESHOLD_C:g} and "
                             f"{MAX_THRESHOLD_C:g} °C, got {value:g}.")
    limits = thresholds({"ac_on_at_c": on_at_c, "ac_off_at_c": off_at_c})
    return limits.on_at_c, limits.off_at_c


def save_thresholds(db: firestore.Client, room_id: str, on_at_c: Any, off_at_c: Any) -> None:
    """Write only the two threshold fields (never the whole room document)."""
    on_c, off_c = check_thresholds(on_at_c, off_at_c)
    db.collection("rooms").document(room_id).update({"ac_on_at_c": on_c, "ac_off_at_c": off_c})
    logger.info("thresholds changed room_id=%s on_at_c=%s off_at_c=%s", room_id, on_c, off_c)


def training_in(room_id: str, customers: Iterable[Mapping[str, Any]], now: datetime
                ) -> list[str]:
    """Names of the customers whose last machine use in `room_id` is within the window."""
    names = []
    for customer in customers:
        if customer.get("current_room_id") != room_id:
            continue
        if within(customer.get("last_machine_event_at"), TRAINING_WINDOW, now):
            names.append(str(customer.get("name") or customer.get("id")))
    return sorted(names)


class TemperatureHistory:
    """Temperatures per room for the chart: hourly averages of the last day, then live readings.

    The hourly averages come once per process from the thermostat's history rollups
    (`rooms/{id}/hours/{YYYY-MM-DDTHH}`: min/max/sum/count, UTC); the live readings from the
    shared rooms listener, at every snapshot.
    """

    def __init__(self, points: int = HISTORY_POINTS) -> None:
        self._points: dict[str, dict[str, float]] = {}
        self._size = points
        self.backfilled: set[str] = set()

    def _put(self, room_id: str, stamp: str, value: float) -> None:
        series = self._points.setdefault(room_id, {})
        series[stamp] = round(value, 2)
        while len(series) > self._size:
            del series[min(series)]

    def add(self, rooms: Iterable[Mapping[str, Any]]) -> None:
        for room in rooms:
            temperature, measured_at = room.get("temperature_c"), room.get("measured_at")
            if not isinstance(temperature, int | float) or not isinstance(measured_at, datetime):
                continue
            if not MIN_ROOM_C <= temperature <= MAX_ROOM_C:
                continue  # a faulty thermometer reading, not a room temperature
            self._put(str(room["id"]), measured_at.astimezone(UTC).isoformat(timespec="seconds"),
                      float(temperature))

    def add_hours(self, room_id: str, hours: Iterable[Mapping[str, Any]]) -> None:
        """Hourly averages (plotted at half past the hour) from the history rollups."""
        for hour in hours:
            count, total = hour.get("count"), hour.get("sum_c")
            if not isinstance(count, int) or count <= 0 or not isinstance(total, int | float):
                continue
            stamp = datetime.strptime(str(hour["id"]), "%Y-%m-%dT%H").replace(
                tzinfo=UTC, minute=30)
            self._put(room_id, stamp.isoformat(timespec="seconds"), total / count)

    def backfill(self, db: firestore.Client, room_ids: Iterable[str], now: datetime) -> None:
        """Load the last day's hourly averages of rooms not loaded yet (once per room)."""
        since = (now - HISTORY_SPAN).astimezone(UTC).strftime("%Y-%m-%dT%H")
        for room_id in room_ids:
            if room_id in self.backfilled:
                continue
            self.backfilled.add(room_id)
            hours = db.collection("rooms").document(room_id).collection("hours")
            query = hours.where(filter=firestore.FieldFilter(
                FieldPath.document_id(), ">=", hours.document(since)))
            self.add_hours(room_id, ({**(snap.to_dict() or {}), "id": snap.id}
                                     for snap in query.stream()))

    def series(self, room_id: str) -> list[list[Any]]:
        return [[stamp, value] for stamp, value in sorted(self._points.get(room_id, {}).items())]


def training_text(names: list[str], shown: int = 6) -> str:
    """Who trains in a room, shortened for a card: 'nobody', or names and '+N more'."""
    if not names:
        return "nobody"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def room_rows(rooms: Iterable[Mapping[str, Any]], customers: Iterable[Mapping[str, Any]],
              now: datetime, tz: tzinfo = UTC) -> list[dict[str, Any]]:
    """One card per room; times in the gym's time zone `tz`."""
    customers = list(customers)
    rows = []
    for room in sorted(rooms, key=lambda r: str(r.get("id"))):
        temperature = room.get("temperature_c")
        measured_at = room.get("measured_at")
        rows.append({
            "id": str(room["id"]), "name": str(room.get("name") or room["id"]),
            "temperature": f"{temperature:.1f} °C" if isinstance(temperature, int | float)
            else "—",
            "measured_at": measured_at.astimezone(tz).strftime("%H:%M:%S %Z")
            if isinstance(measured_at, datetime) else "—",
            "ac_on": bool(room.get("ac_on")),
            "on_at_c": room.get("ac_on_at_c"), "off_at_c": room.get("ac_off_at_c"),
            "training": training_in(str(room["id"]), customers, now),
            "fault": isinstance(temperature, int | float)
            and not MIN_ROOM_C <= temperature <= MAX_ROOM_C,
        })
    return rows
