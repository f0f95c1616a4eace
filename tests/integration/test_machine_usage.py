"""The machine-use pipeline against the emulators: counted once, faults rejected, local calendar.

These tests drive the same Poller the scheduled function runs, on a topic and subscription of
their own (so the every-minute function poll cannot take their messages), and let the real
`training-card` and `device-errors` functions react to what the poller forwards.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from google.cloud import firestore, pubsub_v1
from google.cloud.firestore_v1.base_query import FieldFilter

from emulators import suite
from gymiot import topics
from gymiot.config import settings
from gymiot.poller import Poller, PollStats
from gymiot.usage import UsageCommit
from tests.integration.conftest import GymFixture, eventually, mails

ACK_DEADLINE_S = 10


class Crash(Exception):
    """Stands for the poller's process dying between two commits."""


@pytest.fixture
def usage_topic(
    publisher: pubsub_v1.PublisherClient, subscriber: pubsub_v1.SubscriberClient
) -> Iterator[tuple[str, str]]:
    """A machine-usage topic and pull subscription of the test's own."""
    name = f"usage-test-{uuid.uuid4().hex[:8]}"
    topic = topics.topic_path(suite.PROJECT_ID, name)
    subscription = topics.subscription_path(suite.PROJECT_ID, name)
    publisher.create_topic(name=topic)
    subscriber.create_subscription(
        request={"name": subscription, "topic": topic, "ack_deadline_seconds": ACK_DEADLINE_S}
    )
    yield topic, name
    subscriber.delete_subscription(subscription=subscription)
    publisher.delete_topic(topic=topic)


class RecordingPoller(Poller):
    """A poller that notes the id of every message it pulls."""

    seen: list[str]

    def pull(self):
        messages = super().pull()
        self.seen = getattr(self, "seen", []) + [m.message.message_id for m in messages]
        return messages


def make_poller(db: firestore.Client, publisher: pubsub_v1.PublisherClient,
                subscriber: pubsub_v1.SubscriberClient, subscription: str,
                after_commit=None) -> RecordingPoller:
    config = replace(settings(), project_id=suite.PROJECT_ID, timezone_name="Europe/Rome")
    return RecordingPoller(config, db, publisher, subscriber, subscription=subscription,
                  after_commit=after_commit)


def publish(publisher: pubsub_v1.PublisherClient, topic: str, body: bytes | dict) -> str:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return publisher.publish(topic, data).result(timeout=30)


def drain_until(poller: Poller, expected: int, timeout_s: float = 30.0) -> PollStats:
    """Drain until `expected` messages were pulled (redeliveries come after the ack deadline)."""
    total = PollStats()
    deadline = time.monotonic() + timeout_s
    while total.pulled < expected and time.monotonic() < deadline:
        total.add(poller.drain())
        time.sleep(0.5)
    return total


def year(db: firestore.Client, customer: str, year_number: int) -> dict:
    snap = db.document(f"customers/{customer}/years/{year_number}").get()
    return snap.to_dict() or {}


def card_left(db: firestore.Client, customer: str) -> float:
    return db.document(f"training_cards/{customer}").get().get("steps")[0]["kcal_left"]


def test_reading_delivered_twice_and_republished_counts_once(db, publisher, subscriber,
                                                             usage_topic, gym: GymFixture):
    """C1: a redelivery (same message id) and a republish (new message id) add nothing."""
    topic, subscription = usage_topic
    customer = gym.customers[0]
    reading = gym.reading(customer, "e-001")
    message_id = publish(publisher, topic, reading)

    def crash_after_commit(result: UsageCommit) -> None:
        raise Crash("process died before the ack")

    crashing = make_poller(db, publisher, subscriber, subscription, crash_after_commit)
    with pytest.raises(Crash):
        crashing.drain()
    assert year(db, customer, 2025)["months"]["03"]["calories_kcal"] == 120

    poller = make_poller(db, publisher, subscriber, subscription)
    stats = drain_until(poller, expected=1, timeout_s=ACK_DEADLINE_S + 20)
    assert poller.seen == [message_id]
    assert (stats.counted, stats.duplicates) == (0, 1)

    publish(publisher, topic, reading)
    stats = drain_until(poller, expected=1)
    assert (stats.counted, stats.duplicates) == (0, 1)
    assert poller.drain().pulled == 0  # every delivery was acknowledged

    figures = year(db, customer, 2025)
    assert figures["calories_kcal"] == 120
    assert figures["months"]["03"]["calories_kcal"] == 120
    assert figures["months"]["03"]["machines"][gym.machine_id]["sessions"] == 1
    assert figures["months"]["03"]["duration_s"] == 900
    day = db.document(f"customers/{customer}/days/2025-03-01").get().to_dict()
    assert day["event_ids"] == [reading["event_id"]]
    profile = db.document(f"customers/{customer}").get().to_dict()
    assert profile["last_machine_event_at"] == datetime(2025, 3, 1, 10, 15, tzinfo=UTC)  # the end
    eventually(lambda: card_left(db, customer) == gym.kcal_target - 120, 60, "card lowered")
    time.sleep(3)  # all three training-card messages have had time to land
    card = db.document(f"training_cards/{customer}").get().to_dict()
    assert card["steps"][0]["kcal_left"] == gym.kcal_target - 120
    assert card["applied_event_ids"] == [reading["event_id"]]


def test_two_copies_in_one_batch_count_once_and_one_is_a_duplicate(db, publisher, subscriber,
                                                                   usage_topic, gym: GymFixture):
    """C1 within one pull: the device's retry lands beside the first send."""
    topic, subscription = usage_topic
    customer = gym.customers[0]
    reading = gym.reading(customer, "e-002")
    publish(publisher, topic, reading)
    publish(publisher, topic, reading)

    stats = drain_until(make_poller(db, publisher, subscriber, subscription), expected=2)

    assert (stats.pulled, stats.counted, stats.duplicates) == (2, 1, 1)
    assert year(db, customer, 2025)["months"]["03"]["calories_kcal"] == 120


def test_crash_between_customer_commits_loses_and_doubles_nothing(db, publisher, subscriber,
                                                                  usage_topic, gym: GymFixture):
    """A poller dying after one customer's commit: the redelivered batch completes the rest."""
    topic, subscription = usage_topic
    first, second = gym.customers[:2]
    for customer, calories in ((first, 100), (second, 200)):
        publish(publisher, topic, gym.reading(customer, f"e-{customer}", calories_kcal=calories))
        publish(publisher, topic, gym.reading(customer, f"f-{customer}", calories_kcal=10,
                                              started_at="2025-03-02T10:00:00Z"))
    committed: list[str] = []

    def crash_after_first(result: UsageCommit) -> None:
        committed.append(result.customer_id)
        if len(committed) == 1:
            raise Crash("process died between two customers' commits")

    with pytest.raises(Crash):
        make_poller(db, publisher, subscriber, subscription, crash_after_first).drain()
    assert committed, "at least one customer committed before the crash"

    stats = drain_until(make_poller(db, publisher, subscriber, subscription), expected=4,
                        timeout_s=ACK_DEADLINE_S + 20)
    assert stats.pulled == 4
    assert stats.counted + stats.duplicates == 4
    assert year(db, first, 2025)["calories_kcal"] == 110
    assert year(db, second, 2025)["calories_kcal"] == 210
    assert make_poller(db, publisher, subscriber, subscription).drain().pulled == 0


def raw_body(gym: GymFixture, customer: str, name: str, field: str, raw: str) -> bytes:
    """A reading whose `field` holds `raw` JSON text as is (NaN and Infinity tokens too)."""
    reading = gym.reading(customer, name)
    reading[field] = "__RAW__"
    return json.dumps(reading).replace('"__RAW__"', raw).encode()


def test_not_a_number_readings_are_rejected_with_reasons_and_emailed(
        db, publisher, subscriber, usage_topic, gym: GymFixture):
    """C3: NaN, "NaN", null, Infinity, 1e308 go to device-errors; totals never move."""
    topic, subscription = usage_topic
    customer = gym.customers[0]
    bodies = [
        raw_body(gym, customer, "nan-token", "calories_kcal", "NaN"),
        raw_body(gym, customer, "nan-string", "calories_kcal", '"NaN"'),
        raw_body(gym, customer, "null", "calories_kcal", "null"),
        raw_body(gym, customer, "infinity", "duration_s", "Infinity"),
        raw_body(gym, customer, "huge", "calories_kcal", "1e308"),
    ]
    for body in bodies:
        publish(publisher, topic, body)
    stats = drain_until(make_poller(db, publisher, subscriber, subscription), expected=5)
    assert (stats.pulled, stats.rejected, stats.counted) == (5, 5, 0)
    assert not db.document(f"customers/{customer}/years/2025").get().exists

    email = eventually(lambda: mails(gym.machine_id), 60, "fault email")
    assert len(email) == 1
    text = email[0]["text"]
    assert "5 faulty reading(s)" in email[0]["subject"]
    for reason in ("NaN is not a number JSON allows", "(got 'NaN')", "(got None)",
                   "Infinity is not a number JSON allows", "above 30.0 kcal/min"):
        assert reason in text
    assert gym.room_id in text
    faults = list(db.collection("device_errors")
                  .where(filter=FieldFilter("device_id", "==", gym.machine_id)).stream())
    assert len(faults) == 5
    assert all(f.get("emailed") for f in faults)
    time.sleep(2)
    assert card_left(db, customer) == gym.kcal_target


def test_implausible_spikes_are_rejected_and_nothing_moves(db, publisher, subscriber,
                                                           usage_topic, gym: GymFixture):
    """C4: negative, 1e9 kcal, zero and 25-hour sessions are faults with their reasons."""
    topic, subscription = usage_topic
    customer = gym.customers[1]
    cases = [
        gym.reading(customer, "neg", calories_kcal=-50),
        gym.reading(customer, "spike", calories_kcal=1e9),
        gym.reading(customer, "zero", duration_s=0, calories_kcal=300),
        gym.reading(customer, "long", duration_s=90000),
    ]
    for reading in cases:
        publish(publisher, topic, reading)
    stats = drain_until(make_poller(db, publisher, subscriber, subscription), expected=4)
    assert (stats.rejected, stats.counted) == (4, 0)
    reasons = sorted(
        f.get("reason") for f in db.collection("device_errors")
        .where(filter=FieldFilter("device_id", "==", gym.machine_id)).stream()
    )
    assert reasons == sorted([
        "calories_kcal: must not be negative, got -50.0",
        "calories_kcal: 1000000000.0 kcal in 900.0 s is above 30.0 kcal/min",
        "duration_s: must be above 0 and at most 14400 s, got 0.0",
        "duration_s: must be above 0 and at most 14400 s, got 90000.0",
    ])
    assert not db.document(f"customers/{customer}/years/2025").get().exists
    assert card_left(db, customer) == gym.kcal_target


def test_year_and_month_buckets_follow_the_gym_time_zone(db, publisher, subscriber,
                                                         usage_topic, gym: GymFixture):
    """C14: New Year's Eve in UTC is January in Rome; each workout in its own local year."""
    topic, subscription = usage_topic
    customer = gym.customers[2]
    for name, started in (("nye-2020", "2020-12-31T10:00:00Z"),
                          ("jan-2021", "2021-01-02T10:00:00Z"),
                          ("rome-2026", "2025-12-31T23:30:00Z")):
        publish(publisher, topic, gym.reading(customer, name, started_at=started,
                                              calories_kcal=100))
    drain_until(make_poller(db, publisher, subscriber, subscription), expected=3)
    assert set(year(db, customer, 2020)["months"]) == {"12"}
    assert set(year(db, customer, 2021)["months"]) == {"01"}
    assert set(year(db, customer, 2026)["months"]) == {"01"}
    assert not db.document(f"customers/{customer}/years/2025").get().exists
    assert db.document(f"customers/{customer}/days/2026-01-01").get().get("calories_kcal") == 100
