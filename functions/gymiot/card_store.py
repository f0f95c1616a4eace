"""Training cards in Firestore: apply a customer's events once, remind once per step and cycle."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from google.cloud import firestore

from gymiot.notify import outbox_message
from gymiot.training_card import CardEvent, CardUpdate, apply_events, reminder_text

logger = logging.getLogger(__name__)


def update_card(db: firestore.Client, customer_id: str, events: Sequence[CardEvent]
                ) -> CardUpdate | None:
    """Apply events to the customer's card; its reminders go to the outbox in the same commit."""
    ref = db.collection("training_cards").document(customer_id)
    now = datetime.now(UTC)

    @firestore.transactional
    def commit(transaction: firestore.Transaction) -> CardUpdate | None:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            return None
        update = apply_events(snapshot.to_dict() or {}, events, now)
        for reminder in update.reminders:
            transaction.set(
                db.collection("outbox").document(
                    f"card-{customer_id}-c{reminder.cycle}-s{reminder.step}"
                ),
                outbox_message(customer_id, reminder_text(reminder.undone), "training_card", now),
            )
        if update.changed:
            transaction.set(ref, {
                "steps": update.card["steps"], "cycle": update.card["cycle"],
                "cycle_started_at": update.card["cycle_started_at"],
                "reminded_steps": update.card["reminded_steps"],
                "applied_event_ids": update.card["applied_event_ids"],
                "updated_at": now,
            }, merge=True)
        return update

    update = commit(db.transaction())
    if update is None:
        logger.info("no training card customer_id=%s events=%d", customer_id, len(events))
        return None
    logger.info("training card updated customer_id=%s applied=%d reminders=%d",
                customer_id, update.applied, len(update.reminders))
    return update
