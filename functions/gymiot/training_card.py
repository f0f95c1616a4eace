"""Training-card rules: ordered steps, what a workout lowers, and when the customer is told.

A card is an ordered list of steps. A machine step has a calorie target (``kcal_left`` counts
down as readings of that machine arrive); an exercise step has a repetitions target
(``reps_left`` counts down as the customer enters reps). Working on a step while an earlier one
is unfinished is "not following the card": the customer is told which earlier steps are left,
once per step and cycle. When every step is done, the next cycle starts with the targets reset.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gymiot.errors import InvalidCardChange

APPLIED_EVENTS_KEPT = 1000


@dataclass(frozen=True)
class CardEvent:
    """A counted machine use, as it reaches the card."""

    event_id: str
    machine_id: str
    calories_kcal: float


@dataclass(frozen=True)
class Reminder:
    """Earlier steps left undone when the customer worked on step `step` of cycle `cycle`."""

    cycle: int
    step: int
    undone: list[dict[str, Any]]


@dataclass
class CardUpdate:
    """The card after some events, and the reminders owed to the customer."""

    card: dict[str, Any]
    reminders: list[Reminder] = field(default_factory=list)
    applied: int = 0
    changed: bool = False


def new_card(customer_id: str, steps: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, Any]:
    """A fresh card in cycle 1 with every target left in full."""
    card_steps = []
    for step in steps:
        if "machine_id" in step:
            target = float(step["kcal_target"])
            card_steps.append({"machine_id": step["machine_id"], "kcal_target": target,
                               "kcal_left": target})
        else:
            reps = int(step["reps_target"])
            card_steps.append(
                {"exercise": step["exercise"], "reps_target": reps, "reps_left": reps}
            )
    return {"customer_id": customer_id, "cycle": 1, "cycle_started_at": now, "steps": card_steps,
            "reminded_steps": [], "applied_event_ids": []}


def step_left(step: Mapping[str, Any]) -> float:
    """What is left of a step, in its own unit."""
    return step["kcal_left"] if "machine_id" in step else step["reps_left"]


def step_label(step: Mapping[str, Any]) -> str:
    """A customer-readable description of what is left of a step."""
    if "machine_id" in step:
        return f"{step['machine_id']}: {step['kcal_left']:g} kcal left"
    return f"{step['exercise']}: {step['reps_left']} reps left"


def next_step(card: Mapping[str, Any]) -> int | None:
    """Index of the first unfinished step, or None when the cycle is done."""
    for index, step in enumerate(card["steps"]):
        if step_left(step) > 0:
            return index
    return None


def _work_on(card: dict[str, Any], index: int, now: datetime, update: CardUpdate) -> None:
    """Bookkeeping after work on step `index`: reminder if out of order, reset when done."""
    earlier = [step for step in card["steps"][:index] if step_left(step) > 0]
    if earlier and index not in card["reminded_steps"]:
        card["reminded_steps"].append(index)
        update.reminders.append(Reminder(card["cycle"], index, [dict(s) for s in earlier]))
    if next_step(card) is None:
        for step in card["steps"]:
            if "machine_id" in step:
                step["kcal_left"] = step["kcal_target"]
            else:
                step["reps_left"] = step["reps_target"]
        card["cycle"] += 1
        card["cycle_started_at"] = now
        card["reminded_steps"] = []


def _editable(card: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy with the bookkeeping fields a stored card may lack (older or hand-made)."""
    editable = copy.deepcopy(dict(card))
    editable.setdefault("steps", [])
    editable.setdefault("cycle", 1)
    editable.setdefault("reminded_steps", [])
    editable.setdefault("applied_event_ids", [])
    return editable


def apply_events(card: Mapping[str, Any], events: Iterable[CardEvent], now: datetime
                 ) -> CardUpdate:
    """Lower the machine steps by the events not applied before; collect reminders."""
    update = CardUpdate(card=_editable(card))
    new = update.card
    applied_ids: list[str] = list(new["applied_event_ids"])
    seen = set(applied_ids)
    for event in events:
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        applied_ids.append(event.event_id)
        update.changed = True
        index = next(
            (i for i, step in enumerate(new["steps"])
             if step.get("machine_id") == event.machine_id and step["kcal_left"] > 0),
            None,
        )
        if index is None:
            continue
        step = new["steps"][index]
        step["kcal_left"] = round(max(0.0, step["kcal_left"] - event.calories_kcal), 3)
        update.applied += 1
        _work_on(new, index, now, update)
    new["applied_event_ids"] = applied_ids[-APPLIED_EVENTS_KEPT:]
    return update


def log_reps(card: Mapping[str, Any], exercise: str, reps: int, now: datetime) -> CardUpdate:
    """Lower an exercise step by reps entered by hand."""
    if isinstance(reps, bool) or not isinstance(reps, int) or not 0 < reps <= 1000:
        raise InvalidCardChange(f"reps must be a whole number from 1 to 1000, got {reps!r}")
    update = CardUpdate(card=_editable(card), changed=True)
    new = update.card
    candidates = [i for i, step in enumerate(new["steps"]) if step.get("exercise") == exercise]
    if not candidates:
        names = sorted({s["exercise"] for s in new["steps"] if "exercise" in s})
        raise InvalidCardChange(f"no exercise {exercise!r} on the card; it has {names}")
    open_steps = [i for i in candidates if new["steps"][i]["reps_left"] > 0]
    if not open_steps:
        raise InvalidCardChange(f"{exercise!r} is already done this cycle")
    index = open_steps[0]
    step = new["steps"][index]
    step["reps_left"] = max(0, step["reps_left"] - reps)
    update.applied = 1
    _work_on(new, index, now, update)
    return update


def reminder_text(steps: Iterable[Mapping[str, Any]]) -> str:
    """The Telegram text for steps left undone before the one the customer started."""
    lines = "\n".join(f"• {step_label(step)}" for step in steps)
    return f"You skipped ahead on your training card. Still to do first:\n{lines}"
