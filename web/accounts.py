"""Customer accounts: sign-up creates the profile and a starter training card."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from gymiot.training_card import new_card
from web import auth
from web.auth import Account, SignInError

logger = logging.getLogger(__name__)

MONTHLY_FEE_MINOR = 4990
CURRENCY = "EUR"
STARTER_STEPS: list[dict[str, Any]] = [
    {"machine_id": "treadmill-1", "kcal_target": 150},
    {"exercise": "bench-press", "reps_target": 24},
    {"machine_id": "bike-1", "kcal_target": 120},
    {"exercise": "leg-press", "reps_target": 20},
]


def profile(name: str, email: str, now: datetime) -> dict[str, Any]:
    """A new customer's profile document."""
    return {"name": name, "email": email, "role": "customer",
            "monthly_fee_minor": MONTHLY_FEE_MINOR, "currency": CURRENCY,
            "telegram_chat_id": None, "created_at": now}


def create_customer(db: firestore.Client, name: str, email: str, password: str) -> Account:
    """Sign up with Firebase Auth, then write `customers/{uid}` and the starter card."""
    name = name.strip()
    if not name:
        raise SignInError("Enter your name.")
    account = auth.sign_up(email, password)
    now = datetime.now(UTC)
    batch = db.batch()
    batch.create(db.collection("customers").document(account.uid),
                 profile(name, account.email, now))
    batch.create(db.collection("training_cards").document(account.uid),
                 new_card(account.uid, STARTER_STEPS, now))
    batch.commit()
    logger.info("customer created customer_id=%s", account.uid)
    return account
