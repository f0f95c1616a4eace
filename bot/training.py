"""The training card as the bot shows and changes it (reps entered by hand)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from gymiot.errors import InvalidCardChange
from gymiot.telegram_api import as_html, split_html
from gymiot.training_card import (
    CardUpdate,
    log_reps,
    next_step,
    reminder_text,
    step_label,
    step_left,
)

logger = logging.getLogger(__name__)


def card_text(card: dict[str, Any]) -> str:
    """The card as a message: each step with what is left, the next one marked."""
    current = next_step(card)
    lines = [f"Your training card, cycle {card.get('cycle', 1)}:"]
    for index, step in enumerate(card.get("steps", [])):
        mark = "➡️" if index == current else ("✅" if step_left(step) <= 0 else "•")
        lines.append(f"{mark} {index + 1}. {step_label(step)}")
    return "\n".join(lines)


def as_messages(text: str) -> list[str]:
    """Plain text as Telegram HTML messages: escaped, split at 4096 UTF-16 units (an emoji
    counts two) on line ends, by the same splitter the functions' notifier uses."""
    return split_html(as_html(text))


def load_card(db: firestore.Client, customer_id: str) -> dict[str, Any] | None:
    snapshot = db.collection("training_cards").document(customer_id).get()
    return snapshot.to_dict() if snapshot.exists else None


def record_reps(db: firestore.Client, customer_id: str, exercise: str, reps: int) -> CardUpdate:
    """Lower an exercise step by `reps` in one transaction (InvalidCardChange on bad input)."""
    ref = db.collection("training_cards").document(customer_id)
    now = datetime.now(UTC)

    @firestore.transactional
    def commit(transaction: firestore.Transaction) -> CardUpdate:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            raise InvalidCardChange("you have no training card yet; ask at the front desk")
        update = log_reps(snapshot.to_dict() or {}, exercise, reps, now)
        card = update.card
        transaction.update(ref, {"steps": card["steps"], "cycle": card["cycle"],
                                 "cycle_started_at": card["cycle_started_at"],
                                 "reminded_steps": card["reminded_steps"], "updated_at": now})
        return update

    update = commit(db.transaction())
    logger.info("reps logged customer_id=%s exercise=%s reps=%d", customer_id, exercise, reps)
    return update


def reps_reply(update: CardUpdate, exercise: str, reps: int) -> str:
    """What the bot answers after reps were logged."""
    lines = [f"Logged {reps} reps of {exercise}."]
    lines += [reminder_text(reminder.undone) for reminder in update.reminders]
    lines.append(card_text(update.card))
    return "\n\n".join(lines)
