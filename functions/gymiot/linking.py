"""Linking a Telegram account to a customer with a one-time code (never by matching a name).

The dashboard issues a code (``link_codes/{code}``: customer_id, expires_at, used); the customer
sends ``/start <code>`` to the bot, which redeems it once, in a transaction, and stores the chat
on the customer.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore

from gymiot.errors import InvalidLinkCode

logger = logging.getLogger(__name__)

LINK_CODES = "link_codes"
CODE_TTL = timedelta(minutes=15)
# No 0/O or 1/I/L: codes are typed by hand.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class LinkCode:
    """An issued code and when it stops working."""

    code: str
    customer_id: str
    expires_at: datetime


def new_code() -> str:
    """A random code of CODE_LENGTH unambiguous characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def issue_link_code(db: firestore.Client, customer_id: str, now: datetime | None = None,
                    ttl: timedelta = CODE_TTL) -> LinkCode:
    """Store a fresh single-use code for `customer_id` and return it."""
    now = now or datetime.now(UTC)
    code = LinkCode(new_code(), customer_id, now + ttl)
    db.collection(LINK_CODES).document(code.code).create({
        "customer_id": customer_id, "expires_at": code.expires_at, "used": False,
        "created_at": now,
    })
    logger.info("link code issued customer_id=%s expires_at=%s", customer_id,
                code.expires_at.isoformat())
    return code


def check_code(data: dict[str, Any] | None, now: datetime) -> str:
    """The customer id of a redeemable code document; raises InvalidLinkCode otherwise."""
    if data is None:
        raise InvalidLinkCode("This code is unknown. Ask for a new one on the dashboard.")
    if data.get("used"):
        raise InvalidLinkCode("This code was already used. Ask for a new one on the dashboard.")
    expires_at = data.get("expires_at")
    if not isinstance(expires_at, datetime) or expires_at <= now:
        raise InvalidLinkCode("This code has expired. Ask for a new one on the dashboard.")
    return str(data["customer_id"])


def redeem_link_code(db: firestore.Client, code: str, chat_id: int,
                     user_id: int | None = None, now: datetime | None = None) -> str:
    """Use `code` once: mark it used and store the chat on its customer; returns customer_id."""
    now = now or datetime.now(UTC)
    code = code.strip().upper()
    if not code or "/" in code:
        raise InvalidLinkCode("Send /start followed by the code from the dashboard.")
    ref = db.collection(LINK_CODES).document(code)

    @firestore.transactional
    def redeem(transaction: firestore.Transaction) -> str:
        snapshot = ref.get(transaction=transaction)
        customer_id = check_code(snapshot.to_dict() if snapshot.exists else None, now)
        transaction.update(ref, {"used": True, "used_at": now, "chat_id": chat_id})
        transaction.set(db.collection("customers").document(customer_id), {
            "telegram_chat_id": chat_id,
            "telegram_user_id": user_id if user_id is not None else chat_id,
            "telegram_linked_at": now,
        }, merge=True)
        return customer_id

    customer_id = redeem(db.transaction())
    logger.info("telegram linked customer_id=%s chat_id=%s", customer_id, chat_id)
    return customer_id


def customer_for_chat(db: firestore.Client, chat_id: int) -> tuple[str, dict[str, Any]] | None:
    """The customer linked to a Telegram chat (or user: the same id in a private chat)."""
    for field in ("telegram_chat_id", "telegram_user_id"):
        query = db.collection("customers").where(
            filter=firestore.FieldFilter(field, "==", chat_id)).limit(1)
        for snapshot in query.stream():
            return snapshot.id, snapshot.to_dict() or {}
    return None
