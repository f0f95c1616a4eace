"""Messages to customers on Telegram, through a transactional outbox.

A message is first a document in the `outbox` collection, written in the same transaction as the
change it reports (so it exists exactly when the change does, and a retry cannot write it twice:
its id is derived from what it reports). Without a bot token (local runs) the outbox is where
messages stay, and the dashboard shows them; with `TELEGRAM_BOT_TOKEN` set, a trigger on the
outbox delivers them through the Bot API and records the outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def outbox_message(customer_id: str, text: str, kind: str, now: datetime) -> dict[str, Any]:
    """An outbox document for one Telegram message to a customer."""
    return {
        "channel": "telegram", "customer_id": customer_id, "text": text, "kind": kind,
        "status": "pending", "created_at": now,
    }
