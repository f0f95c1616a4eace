"""Auth emulator logins for the seeded customers (uid = customer id) and the manager."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from web.auth import ensure_user

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "gymiot-demo"  # local emulator only: these accounts exist nowhere else
MANAGER_UID = "manager"
MANAGER_EMAIL = "manager@gymiot.test"


def seed_users(customers: Mapping[str, Mapping[str, str]], password: str = DEMO_PASSWORD
               ) -> int:
    """Create the logins that are missing (role claims are set every time); returns created."""
    created = 0
    for customer_id, profile in customers.items():
        created += ensure_user(customer_id, profile["email"], password, "customer")
    created += ensure_user(MANAGER_UID, MANAGER_EMAIL, password, "manager")
    logger.info("auth users seeded created=%d customers=%d", created, len(customers))
    return created
