"""The signed-in user of a browser, kept server-side in NiceGUI's per-user storage.

Only uid, email, role and customer id are stored (never the customer record or a token); every page
asks this module who is signed in and whether they may see what they asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nicegui import app

from web.auth import Account

logger = logging.getLogger(__name__)

KEY = "session"


@dataclass(frozen=True)
class Session:
    """Who uses this browser."""

    uid: str
    role: str
    customer_id: str | None
    email: str = ""

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def may_view_customer(session: Session | None, customer_id: str) -> bool:
    """A customer sees only their own pages; the manager sees everyone's."""
    if session is None:
        return False
    return session.is_manager or session.customer_id == customer_id


def current() -> Session | None:
    """The session of the browser of the current request, or None when signed out."""
    stored = app.storage.user.get(KEY)
    if not isinstance(stored, dict) or "uid" not in stored:
        return None
    return Session(uid=stored["uid"], role=stored.get("role", "customer"),
                   customer_id=stored.get("customer_id"), email=stored.get("email", ""))


def start(account: Account) -> Session:
    """Remember the signed-in account for this browser."""
    app.storage.user[KEY] = {"uid": account.uid, "email": account.email, "role": account.role,
                             "customer_id": account.customer_id}
    return Session(uid=account.uid, role=account.role, customer_id=account.customer_id,
                   email=account.email)


def end() -> None:
    app.storage.user.pop(KEY, None)
