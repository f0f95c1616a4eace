"""The training card on the dashboard: rows to show, and reps entered by hand.

Reps go through the card's own rule (`gymiot.training_card.log_reps`) in a Firestore transaction,
so a machine reading landing at the same moment cannot be lost; reminders the entry causes go to
the outbox in the same commit, as the card trigger does it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from gymiot.errors import InvalidCardChange
from gymiot.notify import outbox_message
from gymiot.training_card import log_reps, next_step, reminder_text, step_left

logger = logging.getLogger(__name__)


def card_path(customer_id: str) -> str:
    return f"training_cards/{customer_id}"


def card_rows(card: Mapping[str, Any] | None,
              machine_names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per step, in order: what it is, target, left, and which is next."""
    if not card:
        return []
    names = machine_names or {}
    upcoming = next_step(card)
    rows = []
    for index, step in enumerate(card.get("steps", [])):
        is_machine = "machine_id" in step
        target = step["kcal_target"] if is_machine else step["reps_target"]
        left = step_left(step)
        rows.append({
            "number": index + 1,
            "name": names.get(step["machine_id"], step["machine_id"]) if is_machine
            else step["exercise"].replace("-", " ").capitalize(),
            "exercise": None if is_machine else step["exercise"],
            "unit": "kcal" if is_machine else "reps",
            "target": round(target, 1) if is_machine else int(target),
            "left": round(left, 1) if is_machine else int(left),
            "done": left <= 0,
            "next": index == upcoming,
        })
    return rows


def parse_reps(text: str | float | None) -> int:
    """Reps typed in a form: a whole number from 1 to 1000, else InvalidCardChange."""
    try:
        value = float(text) if text not in (None, "") else None
    except (TypeError, ValueError):
        value = None
    if value is None or not value.is_integer():
        raise InvalidCardChange(f"reps must be a whole number from 1 to 1000, got {text!r}")
    return int(value)


def record_reps(db: firestore.Client, customer_id: str, exercise: str, reps: int,
                now: datetime | None = None) -> dict[str, Any]:
    """Lower `exercise` on the customer's card by `reps` in one transaction; returns the card."""
    ref = db.document(card_path(customer_id))
    now = now or datetime.now(UTC)

    @firestore.transactional
    def commit(transaction: firestore.Transaction) -> dict[str, Any]:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            raise InvalidCardChange("there is no training card yet; ask the staff for one")
        update = log_reps(snapshot.to_dict() or {}, exercise, reps, now)
        for reminder in update.reminders:
            transaction.set(
                db.collection("outbox").document(
                    f"card-{customer_id}-c{reminder.cycle}-s{reminder.step}"),
                outbox_message(customer_id, reminder_text(reminder.undone), "training_card", now),
            )
        transaction.update(ref, {
            "steps": update.card["steps"], "cycle": update.card["cycle"],
            "cycle_started_at": update.card["cycle_started_at"],
            "reminded_steps": update.card["reminded_steps"], "updated_at": now,
        })
        return update.card

    card = commit(db.transaction())
    logger.info("reps entered customer_id=%s exercise=%s reps=%d", customer_id, exercise, reps)
    return card
