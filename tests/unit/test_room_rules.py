"""The room thermostat's rules: hysteresis, echoes, stale and impossible readings, history."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gymiot.errors import InvalidReading
from gymiot.rooms import (
    Outcome,
    RoomReading,
    Thresholds,
    add_to_hour,
    decide,
    hour_id,
    parse_reading,
    thresholds,
    wanted_ac,
)

NOW = datetime(2026, 7, 14, 15, 0, tzinfo=UTC)
LIMITS = Thresholds(on_at_c=28.0, off_at_c=25.0)


def room(temperature_c: Any, seconds_ago: float = 0, ac_on: bool = False, **extra: Any
         ) -> dict[str, Any]:
    return {"name": "Cardio room", "ac_on_at_c": 28.0, "ac_off_at_c": 25.0,
            "temperature_c": temperature_c, "measured_at": NOW - timedelta(seconds=seconds_ago),
            "ac_on": ac_on, **extra}


def test_crossing_the_on_threshold_switches_on_when_off():
    decision = decide(room(27.9, 60), room(28.4, 0), NOW)
    assert decision.outcome is Outcome.SWITCH_ON
    assert decision.ac_on is True
    assert decision.reading == RoomReading(28.4, NOW)


def test_echo_of_the_switch_does_nothing_when_the_reading_is_unchanged():
    before = room(28.4, 0, ac_on=False)
    after = {**before, "ac_on": True, "ac_changed_at": NOW}
    decision = decide(before, after, NOW, last_applied_at=NOW)
    assert decision.outcome is Outcome.IGNORED
    assert decision.new_reading is False
    assert decision.ac_on is None


def test_manual_switch_by_the_manager_is_not_overruled_when_the_reading_is_unchanged():
    before = room(29.0, 0, ac_on=True)
    decision = decide(before, {**before, "ac_on": False}, NOW, last_applied_at=NOW)
    assert decision.outcome is Outcome.IGNORED


def test_new_thresholds_apply_to_the_last_reading_when_the_manager_lowers_them():
    before = room(26.5, 0)
    decision = decide(before, {**before, "ac_on_at_c": 26.0, "ac_off_at_c": 23.0}, NOW,
                      last_applied_at=NOW)
    assert decision.outcome is Outcome.SWITCH_ON
    assert decision.new_reading is False


def test_staying_above_the_threshold_changes_nothing_when_already_on():
    decision = decide(room(28.4, 60, ac_on=True), room(28.6, 0, ac_on=True), NOW)
    assert decision.outcome is Outcome.STEADY
    assert decision.new_reading is True


@pytest.mark.parametrize("temperature_c", [25.0, 24.2])
def test_falling_to_the_off_threshold_switches_off_when_on(temperature_c: float):
    decision = decide(room(25.5, 60, ac_on=True), room(temperature_c, 0, ac_on=True), NOW)
    assert decision.outcome is Outcome.SWITCH_OFF
    assert decision.ac_on is False


@pytest.mark.parametrize(("temperature_c", "ac_on"), [(27.9, False), (25.1, False),
                                                      (27.9, True), (25.1, True)])
def test_between_the_thresholds_the_state_is_kept_either_way(temperature_c: float, ac_on: bool):
    assert wanted_ac(temperature_c, ac_on, LIMITS) is ac_on
    decision = decide(room(26.0, 60, ac_on=ac_on), room(temperature_c, 0, ac_on=ac_on), NOW)
    assert decision.outcome is Outcome.STEADY


def test_thresholds_come_from_the_room_document():
    hot_room = {**room(26.5, 0), "ac_on_at_c": 26.0, "ac_off_at_c": 23.0}
    decision = decide(room(25.0, 60), hot_room, NOW)
    assert decision.outcome is Outcome.SWITCH_ON


def test_current_room_state_wins_over_the_event_when_given():
    """The trigger decides on the room as it is now (another event may have switched it)."""
    decision = decide(room(27.9, 60), room(28.4, 0), NOW, current=room(28.4, 0, ac_on=True))
    assert decision.outcome is Outcome.STEADY


@pytest.mark.parametrize("temperature_c", [-300, 1000, -41, 60.5, math.nan, math.inf, "hot",
                                           None, True])
def test_impossible_temperature_is_a_fault_when_it_is_a_new_reading(temperature_c: Any):
    decision = decide(room(27.0, 60), room(temperature_c, 0), NOW)
    assert decision.outcome is Outcome.FAULT
    assert decision.ac_on is None
    assert decision.reason.startswith("temperature_c: ")


def test_impossible_temperature_reason_names_the_value_and_the_accepted_range():
    with pytest.raises(InvalidReading) as error:
        parse_reading(room(-300), NOW)
    assert str(error.value) == ("temperature_c: -300 °C is impossible for a room "
                                "(accepted -40 to 60)")


def test_fault_left_in_the_document_is_ignored_when_another_field_changes():
    faulty = room(1000, 0)
    decision = decide(faulty, {**faulty, "ac_on_at_c": 29.0}, NOW)
    assert decision.outcome is Outcome.IGNORED
    assert decision.new_reading is False


def test_reading_from_the_future_is_a_fault_when_beyond_the_clock_skew():
    decision = decide(room(26.0, 60), room(26.0, -3600), NOW)
    assert decision.outcome is Outcome.FAULT
    assert decision.reason.startswith("measured_at: ")


def test_reading_older_than_the_last_applied_one_is_stale_when_it_would_switch():
    decision = decide(room(26.0, 10), room(29.0, 120), NOW, last_applied_at=NOW - timedelta(
        seconds=10))
    assert decision.outcome is Outcome.STALE
    assert decision.counts_as_history is True
    assert decision.ac_on is None


def test_thresholds_that_cannot_drive_a_hysteresis_are_ignored_when_inverted():
    decision = decide(room(26.0, 60), room(30.0, 0, ac_on_at_c=24.0, ac_off_at_c=26.0), NOW)
    assert decision.outcome is Outcome.IGNORED
    assert "ac_off_at_c (26) must be below ac_on_at_c (24)" in decision.reason
    with pytest.raises(ValueError, match="ac_on_at_c must be a number"):
        thresholds({"ac_off_at_c": 20.0})


def test_hour_id_is_the_utc_hour_when_the_reading_has_another_offset():
    rome = datetime(2026, 3, 29, 3, 30, tzinfo=UTC).astimezone()
    assert hour_id(rome) == "2026-03-29T03"
    assert hour_id(datetime(2025, 12, 31, 23, 59, tzinfo=UTC)) == "2025-12-31T23"


def test_add_to_hour_keeps_min_max_sum_and_count():
    hour = add_to_hour(None, RoomReading(26.5, NOW))
    hour = add_to_hour(hour, RoomReading(24.0, NOW))
    hour = add_to_hour(hour, RoomReading(28.25, NOW))
    assert hour == {"min_c": 24.0, "max_c": 28.25, "sum_c": 78.75, "count": 3}
