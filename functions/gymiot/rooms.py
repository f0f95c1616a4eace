"""Room temperature rules: which readings count, and when the air conditioner switches.

The air conditioner follows the room's own thresholds with hysteresis: on when the temperature
reaches ``ac_on_at_c``, off when it falls to ``ac_off_at_c``, and between the two it keeps its
state (no flapping). Everything here is pure: `decide` looks at the room document before and
after a write, and at the last reading the thermostat applied, and says what should happen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from gymiot.errors import InvalidReading

MIN_ROOM_C = -40.0
MAX_ROOM_C = 60.0
CLOCK_SKEW = timedelta(minutes=5)
READING_FIELDS = ("temperature_c", "measured_at")
THRESHOLD_FIELDS = ("ac_on_at_c", "ac_off_at_c")


class Outcome(StrEnum):
    """What a room update leads to."""

    SWITCH_ON = "switch_on"
    SWITCH_OFF = "switch_off"
    STEADY = "steady"  # a valid reading that leaves the air conditioner as it is
    STALE = "stale"  # older than the reading last applied: history only
    FAULT = "fault"  # an impossible reading: a device fault, state untouched
    IGNORED = "ignored"  # nothing to act on (no new reading, or thresholds unusable)


@dataclass(frozen=True)
class RoomReading:
    """One thermometer reading."""

    temperature_c: float
    measured_at: datetime


@dataclass(frozen=True)
class Thresholds:
    """A room's air-conditioner thresholds, as the manager set them."""

    on_at_c: float
    off_at_c: float


@dataclass(frozen=True)
class RoomDecision:
    """What to do about one room update."""

    outcome: Outcome
    new_reading: bool
    reading: RoomReading | None = None
    reason: str = ""

    @property
    def switches(self) -> bool:
        return self.outcome in (Outcome.SWITCH_ON, Outcome.SWITCH_OFF)

    @property
    def ac_on(self) -> bool | None:
        """The air conditioner's new state, or None when it does not change."""
        if self.outcome is Outcome.SWITCH_ON:
            return True
        if self.outcome is Outcome.SWITCH_OFF:
            return False
        return None

    @property
    def counts_as_history(self) -> bool:
        """A new, plausible reading belongs in the room's chart, stale or not."""
        return self.new_reading and self.reading is not None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_reading(room: Mapping[str, Any], now: datetime) -> RoomReading:
    """The reading a room document holds; raises InvalidReading naming the field at fault."""
    value = room.get("temperature_c")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidReading(f"must be a number of degrees Celsius, got {value!r}",
                             "temperature_c")
    if not math.isfinite(value):
        raise InvalidReading(f"must be finite, got {value!r}", "temperature_c")
    if not MIN_ROOM_C <= value <= MAX_ROOM_C:
        raise InvalidReading(
            f"{value:g} °C is impossible for a room (accepted {MIN_ROOM_C:g} to {MAX_ROOM_C:g})",
            "temperature_c",
        )
    measured_at = room.get("measured_at")
    if not isinstance(measured_at, datetime):
        raise InvalidReading(f"must be a timestamp, got {measured_at!r}", "measured_at")
    measured_at = _aware(measured_at)
    if measured_at > now + CLOCK_SKEW:
        raise InvalidReading(
            f"{measured_at.isoformat()} is in the future (now {now.isoformat()})", "measured_at"
        )
    return RoomReading(float(value), measured_at)


def _changed(before: Mapping[str, Any] | None, after: Mapping[str, Any],
             names: tuple[str, ...]) -> bool:
    return before is None or any(before.get(name) != after.get(name) for name in names)


def reading_changed(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> bool:
    """True when the write carried a reading (not an echo of the air-conditioner switch)."""
    return _changed(before, after, READING_FIELDS)


def thresholds(room: Mapping[str, Any]) -> Thresholds:
    """The room's thresholds; raises ValueError when they cannot drive a hysteresis."""
    on_at, off_at = room.get("ac_on_at_c"), room.get("ac_off_at_c")
    for name, value in (("ac_on_at_c", on_at), ("ac_off_at_c", off_at)):
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise ValueError(f"{name} must be a number of degrees Celsius, got {value!r}")
    if off_at >= on_at:
        raise ValueError(f"ac_off_at_c ({off_at:g}) must be below ac_on_at_c ({on_at:g})")
    return Thresholds(float(on_at), float(off_at))


def wanted_ac(temperature_c: float, ac_on: bool, limits: Thresholds) -> bool:
    """Hysteresis: on at or above `on_at_c`, off at or below `off_at_c`, else as it is."""
    if temperature_c >= limits.on_at_c:
        return True
    if temperature_c <= limits.off_at_c:
        return False
    return ac_on


def decide(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], now: datetime,
    last_applied_at: datetime | None = None, current: Mapping[str, Any] | None = None,
) -> RoomDecision:
    """What a room update means for the air conditioner.

    Args:
        before, after: the room document around the write that fired the trigger.
        now: the current time (readings from the future beyond CLOCK_SKEW are faults).
        last_applied_at: `measured_at` of the last reading the thermostat applied.
        current: the room as it is now (thresholds and `ac_on`); `after` when not given.
    """
    current = after if current is None else current
    new = reading_changed(before, after)
    if not new and not _changed(before, after, THRESHOLD_FIELDS):
        # The echo of our own switch, a name edit, a manual switch: not ours to overrule.
        return RoomDecision(Outcome.IGNORED, False, None, "no new reading or thresholds")
    try:
        reading = parse_reading(after, now)
    except InvalidReading as error:
        if new:
            return RoomDecision(Outcome.FAULT, True, None, str(error))
        return RoomDecision(Outcome.IGNORED, False, None, f"no valid reading: {error}")
    if last_applied_at is not None and reading.measured_at < _aware(last_applied_at):
        return RoomDecision(Outcome.STALE, new, reading,
                            f"measured {reading.measured_at.isoformat()}, before the last "
                            f"applied reading of {_aware(last_applied_at).isoformat()}")
    try:
        limits = thresholds(current)
    except ValueError as error:
        return RoomDecision(Outcome.IGNORED, new, reading, str(error))
    ac_on = bool(current.get("ac_on", False))
    wanted = wanted_ac(reading.temperature_c, ac_on, limits)
    if wanted == ac_on:
        return RoomDecision(Outcome.STEADY, new, reading)
    return RoomDecision(Outcome.SWITCH_ON if wanted else Outcome.SWITCH_OFF, new, reading)


def hour_id(moment: datetime) -> str:
    """The history bucket of a reading: its UTC hour, `YYYY-MM-DDTHH` (no DST repeats)."""
    return _aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H")


def add_to_hour(hour: Mapping[str, Any] | None, reading: RoomReading) -> dict[str, Any]:
    """The hour's min/max/sum/count with one more reading."""
    hour = hour or {}
    count = int(hour.get("count", 0))
    value = reading.temperature_c
    return {
        "min_c": min(hour.get("min_c", value), value) if count else value,
        "max_c": max(hour.get("max_c", value), value) if count else value,
        "sum_c": round(float(hour.get("sum_c", 0.0)) + value, 6),
        "count": count + 1,
    }


def alert_text(room_name: str, temperature_c: float) -> str:
    """The Telegram alert to customers training in a room whose air conditioner came on."""
    return (f"It is getting hot in {room_name} ({temperature_c:.1f} °C): "
            "the air conditioner is now on. Drink some water!")
