"""Helpers of the dashboard tests: test customers, a manager, and signing in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from nicegui.testing.user import User

PASSWORD = "web-test-pass"


def make_customer(db: firestore.Client, **fields: Any) -> dict[str, str]:
    """A customer document and Auth login with ids unique to one test."""
    from web.auth import ensure_user

    customer_id = f"web-{uuid.uuid4().hex[:10]}"
    email = f"{customer_id}@example.test"
    db.collection("customers").document(customer_id).set(
        {"name": f"Tester {customer_id}", "email": email, "role": "customer",
         "created_at": datetime.now(UTC), **fields})
    ensure_user(customer_id, email, PASSWORD, "customer")
    return {"id": customer_id, "email": email}


def make_manager() -> dict[str, str]:
    from web.auth import ensure_user

    uid = f"mgr-{uuid.uuid4().hex[:10]}"
    ensure_user(uid, f"{uid}@gymiot.test", PASSWORD, "manager")
    return {"id": uid, "email": f"{uid}@gymiot.test"}


async def sign_in(user: User, email: str, password: str = PASSWORD) -> None:
    """Fill in the sign-in form and submit it."""
    await user.open("/login")
    user.find("email").type(email)
    user.find("password").type(password)
    user.find("sign-in").click()
