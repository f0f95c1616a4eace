"""Integration tests run against the local suite: started here unless it is already up."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore, pubsub_v1

from emulators import suite

logger = logging.getLogger(__name__)
T = TypeVar("T")

os.environ.update(suite.client_environment())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.emulators)


@pytest.fixture(scope="session", autouse=True)
def _suite_for_integration(local_suite: None) -> None:
    """Every integration test runs against the local suite."""


@pytest.fixture(scope="session")
def db(local_suite: None) -> firestore.Client:
    return firestore.Client(project=suite.PROJECT_ID, credentials=AnonymousCredentials())


@pytest.fixture(scope="session")
def publisher(local_suite: None) -> pubsub_v1.PublisherClient:
    return pubsub_v1.PublisherClient()


@pytest.fixture(scope="session")
def subscriber(local_suite: None) -> Iterator[pubsub_v1.SubscriberClient]:
    with pubsub_v1.SubscriberClient() as client:
        yield client


def eventually(check: Callable[[], T], timeout_s: float = 60.0, what: str = "condition") -> T:
    """Poll `check` until it returns a truthy value (functions run asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s} s (last: {value!r})")
        time.sleep(0.5)


@dataclass
class GymFixture:
    """A room, a machine, customers and their cards, all with ids unique to one test."""

    suffix: str
    room_id: str
    machine_id: str
    customers: list[str]
    kcal_target: float = 1000.0

    def reading(self, customer: str, event_id: str, started_at: str = "2025-03-01T10:00:00Z",
                duration_s: Any = 900, calories_kcal: Any = 120) -> dict[str, Any]:
        return {
            "event_id": f"{event_id}-{self.suffix}", "machine_id": self.machine_id,
            "customer_id": customer, "room_id": self.room_id, "started_at": started_at,
            "duration_s": duration_s, "calories_kcal": calories_kcal,
        }


@pytest.fixture
def gym(db: firestore.Client) -> GymFixture:
    """Catalogue documents for one test, as the seed would write them."""
    suffix = uuid.uuid4().hex[:8]
    fixture = GymFixture(
        suffix=suffix, room_id=f"room-{suffix}", machine_id=f"treadmill-{suffix}",
        customers=[f"c42-{suffix}", f"c43-{suffix}", f"c44-{suffix}"],
    )
    now = datetime.now(UTC)
    db.collection("rooms").document(fixture.room_id).set(
        {"name": "Test room", "ac_on_at_c": 28.0, "ac_off_at_c": 25.0, "temperature_c": 24.0,
         "measured_at": now, "ac_on": False})
    db.collection("machines").document(fixture.machine_id).set(
        {"room_id": fixture.room_id, "kind": "cardio", "kcal_per_min": 11.0,
         "name": "Test treadmill"})
    for customer in fixture.customers:
        db.collection("customers").document(customer).set(
            {"name": f"Customer {customer}", "email": f"{customer}@example.test"})
        db.collection("training_cards").document(customer).set({
            "customer_id": customer, "cycle": 1, "cycle_started_at": now,
            "steps": [{"machine_id": fixture.machine_id, "kcal_target": fixture.kcal_target,
                       "kcal_left": fixture.kcal_target}],
            "reminded_steps": [], "applied_event_ids": [],
        })
    return fixture


def mails(search: str) -> list[dict[str, Any]]:
    """Emails in the mail catcher whose text mentions `search`."""
    url = f"http://127.0.0.1:{suite.MAIL_WEB_PORT}/api/email"
    with urllib.request.urlopen(url, timeout=5) as response:
        emails = json.load(response)
    return [e for e in emails if search in (e.get("text") or "") + (e.get("subject") or "")]
