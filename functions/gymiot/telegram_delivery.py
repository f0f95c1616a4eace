"""Delivering the outbox to Telegram: one outbox message, one claim, one outcome recorded.

Every function that tells a customer something writes an outbox document (see `notify`); this is
the one place that sends them. Without a bot token nothing is sent and the messages stay
``pending`` for the dashboard. With one, a message goes ``pending`` → ``sending`` (claimed in a
transaction, so two deliveries of the same trigger event cannot both send) → one of:

- ``sent``: every part delivered;
- ``unlinked``: the customer has no Telegram chat yet;
- ``unreachable``: the customer blocked the bot (403); the customer is marked
  ``telegram_unreachable`` and nothing is retried. Later messages are still tried once each (a
  403 costs one request), so a customer who unblocks the bot is reached again and unmarked;
- ``failed``: a permanent error, or retries exhausted; ``parts_sent`` says how far it got, and a
  new claim (after the lease) resumes from there.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore

from gymiot.telegram_api import BotApi, as_html

logger = logging.getLogger(__name__)

SENDING_LEASE = timedelta(minutes=5)
DONE = frozenset({"sent", "unlinked", "unreachable", "failed"})


def _claim(db: firestore.Client, ref: firestore.DocumentReference, now: datetime
           ) -> dict[str, Any] | None:
    """Mark the message as being sent by us; None when it is not ours to send."""

    @firestore.transactional
    def claim(transaction: firestore.Transaction) -> dict[str, Any] | None:
        snapshot = ref.get(transaction=transaction)
        if not snapshot.exists:
            return None
        message = snapshot.to_dict() or {}
        status = message.get("status", "pending")
        if message.get("channel", "telegram") != "telegram" or status in DONE:
            return None
        claimed_at = message.get("claimed_at")
        if status == "sending" and claimed_at is not None and now - claimed_at < SENDING_LEASE:
            return None
        transaction.update(ref, {"status": "sending", "claimed_at": now,
                                 "attempts": firestore.Increment(1)})
        return message

    return claim(db.transaction())


def deliver(db: firestore.Client, api: BotApi, message_id: str,
            now: datetime | None = None) -> str | None:
    """Send one outbox message; returns its new status (None when it was not ours to send)."""
    now = now or datetime.now(UTC)
    ref = db.collection("outbox").document(message_id)
    message = _claim(db, ref, now)
    if message is None:
        logger.debug("outbox message not ours to send message_id=%s", message_id)
        return None
    customer_id = str(message.get("customer_id") or "unknown")
    customer_ref = db.collection("customers").document(customer_id)
    customer = customer_ref.get().to_dict() or {}
    chat_id = customer.get("telegram_chat_id")
    if chat_id is None:
        ref.update({"status": "unlinked", "finished_at": now})
        logger.info("outbox message unlinked message_id=%s customer_id=%s",
                    message_id, customer_id)
        return "unlinked"

    text = str(message.get("text", ""))
    html_text = text if message.get("parse_mode") == "HTML" else as_html(text)
    delivery = api.send_html(chat_id, html_text, start_part=int(message.get("parts_sent", 0)))
    outcome: dict[str, Any] = {
        "status": delivery.status, "parts": delivery.parts, "parts_sent": delivery.parts_sent,
        "error": delivery.error, "finished_at": now,
    }
    if delivery.message_ids:
        outcome["telegram_message_ids"] = firestore.ArrayUnion(delivery.message_ids)
    ref.update(outcome)
    if delivery.status == "unreachable":
        customer_ref.update({"telegram_unreachable": True, "telegram_unreachable_at": now})
    elif delivery.status == "sent" and customer.get("telegram_unreachable"):
        customer_ref.update({"telegram_unreachable": False})
    logger.info("outbox message delivered message_id=%s customer_id=%s status=%s parts=%d "
                "requests=%d", message_id, customer_id, delivery.status, delivery.parts,
                delivery.requests)
    return delivery.status
