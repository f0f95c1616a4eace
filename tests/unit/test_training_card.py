"""Training-card rules: order, one reminder per step and cycle, counted once, cycle reset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gymiot.errors import InvalidCardChange
from gymiot.training_card import (
    CardEvent,
    apply_events,
    log_reps,
    new_card,
    next_step,
    reminder_text,
)

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
STEPS = [
    {"machine_id": "treadmill-1", "kcal_target": 200},
    {"exercise": "bench-press", "reps_target": 30},
    {"machine_id": "bike-1", "kcal_target": 150},
]


def card():
    return new_card("c42", STEPS, NOW)


def test_apply_events_lowers_the_machine_step_once_per_event():
    """C1: the same event applied twice lowers the step once."""
    event = CardEvent("e-001", "treadmill-1", 120)
    update = apply_events(card(), [event], NOW)
    again = apply_events(update.card, [event], NOW)
    assert update.card["steps"][0]["kcal_left"] == 80
    assert again.card["steps"][0]["kcal_left"] == 80
    assert (update.applied, again.applied, again.changed) == (1, 0, False)
    assert again.card["applied_event_ids"] == ["e-001"]


def test_apply_events_never_goes_below_zero():
    update = apply_events(card(), [CardEvent("e", "treadmill-1", 500)], NOW)
    assert update.card["steps"][0]["kcal_left"] == 0
    assert next_step(update.card) == 1


def test_apply_events_reminds_once_per_step_and_cycle_when_skipping_ahead():
    update = apply_events(card(), [CardEvent("e1", "bike-1", 20), CardEvent("e2", "bike-1", 20)],
                          NOW)
    assert len(update.reminders) == 1
    reminder = update.reminders[0]
    assert (reminder.cycle, reminder.step) == (1, 2)
    assert [s.get("machine_id") or s.get("exercise") for s in reminder.undone] == [
        "treadmill-1", "bench-press"]
    assert update.card["steps"][2]["kcal_left"] == 110
    later = apply_events(update.card, [CardEvent("e3", "bike-1", 20)], NOW)
    assert later.reminders == []


def test_apply_events_in_order_sends_no_reminder():
    update = apply_events(card(), [CardEvent("e1", "treadmill-1", 200)], NOW)
    assert update.reminders == []


def test_apply_events_ignores_machines_not_on_the_card():
    update = apply_events(card(), [CardEvent("e1", "rower-1", 100)], NOW)
    assert update.applied == 0
    assert [s.get("kcal_left", s.get("reps_left")) for s in update.card["steps"]] == [200, 30, 150]


def test_finishing_every_step_starts_the_next_cycle_with_targets_reset():
    later = datetime(2026, 12, 4, tzinfo=UTC)
    update = apply_events(card(), [CardEvent("e1", "treadmill-1", 200)], NOW)
    update = log_reps(update.card, "bench-press", 30, NOW)
    update = apply_events(update.card, [CardEvent("e2", "bike-1", 150)], later)
    assert update.card["cycle"] == 2
    assert update.card["cycle_started_at"] == later
    assert [s.get("kcal_left", s.get("reps_left")) for s in update.card["steps"]] == [200, 30, 150]
    assert update.card["reminded_steps"] == []


def test_log_reps_lowers_the_exercise_and_reminds_when_out_of_order():
    update = log_reps(card(), "bench-press", 12, NOW)
    assert update.card["steps"][1]["reps_left"] == 18
    assert len(update.reminders) == 1
    assert update.reminders[0].undone[0]["machine_id"] == "treadmill-1"


@pytest.mark.parametrize("reps", [0, -3, 1001, 2.5, True, "10"])
def test_log_reps_refuses_impossible_counts(reps):
    with pytest.raises(InvalidCardChange, match="reps must be a whole number"):
        log_reps(card(), "bench-press", reps, NOW)


def test_log_reps_names_the_exercises_on_the_card_when_unknown():
    with pytest.raises(InvalidCardChange, match=r"no exercise 'squat'.*\['bench-press'\]"):
        log_reps(card(), "squat", 10, NOW)


def test_reminder_text_lists_what_is_left_in_each_unit():
    text = reminder_text([{"machine_id": "treadmill-1", "kcal_left": 80.5, "kcal_target": 200},
                          {"exercise": "bench-press", "reps_left": 30, "reps_target": 30}])
    assert "treadmill-1: 80.5 kcal left" in text
    assert "bench-press: 30 reps left" in text


def test_apply_events_accepts_a_stored_card_without_bookkeeping_fields():
    stored = {"customer_id": "c42", "steps": [
        {"machine_id": "treadmill-1", "kcal_target": 200, "kcal_left": 200}]}
    update = apply_events(stored, [CardEvent("e1", "treadmill-1", 50)], NOW)
    assert update.card["steps"][0]["kcal_left"] == 150
    assert update.card["applied_event_ids"] == ["e1"]
    assert update.card["cycle"] == 1
