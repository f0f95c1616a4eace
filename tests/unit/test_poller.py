"""Sorting a pulled batch: readings per customer, faults with device and reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from google.pubsub_v1.types import PubsubMessage, ReceivedMessage

from gymiot.poller import card_message, sort_batch
from gymiot.readings import Catalogue

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
CATALOGUE = Catalogue({"treadmill-3": "room-1"}, frozenset({"room-1"}),
                      frozenset({"c42", "c43"}))


def message(number: int, data: bytes, **attributes: str) -> ReceivedMessage:
    return ReceivedMessage(ack_id=f"ack-{number}", message=PubsubMessage(
        data=data, message_id=str(number), attributes=attributes))


def reading(event_id: str, customer: str = "c42", **changes: object) -> bytes:
    body = {"event_id": event_id, "machine_id": "treadmill-3", "customer_id": customer,
            "room_id": "room-1", "started_at": "2025-03-01T10:00:00Z", "duration_s": 900,
            "calories_kcal": 120, **changes}
    return json.dumps(body).encode()


def test_sort_batch_groups_valid_readings_per_customer():
    batch = sort_batch(
        [message(1, reading("a")), message(2, reading("b", "c43")), message(3, reading("c"))],
        NOW, lambda ids: CATALOGUE,
    )
    assert {c: [ack for ack, _ in items] for c, items in batch.valid.items()} == {
        "c42": ["ack-1", "ack-3"], "c43": ["ack-2"]}
    assert batch.faults == []


def test_sort_batch_keeps_the_device_of_a_reading_with_a_nan_token():
    data = reading("a").replace(b'"calories_kcal": 120', b'"calories_kcal": NaN')
    batch = sort_batch([message(1, data)], NOW, lambda ids: CATALOGUE)
    ack_id, fault = batch.faults[0]
    assert (ack_id, fault.device_id, fault.room_id) == ("ack-1", "treadmill-3", "room-1")
    assert fault.reason == "body is not valid JSON: NaN is not a number JSON allows"
    assert "NaN" in fault.reading


def test_sort_batch_takes_the_device_from_attributes_when_the_body_is_garbage():
    batch = sort_batch([message(1, b"\x00\x01garbage", machine_id="bike-9")], NOW,
                       lambda ids: CATALOGUE)
    assert batch.faults[0][1].device_id == "bike-9"
    assert batch.faults[0][1].room_id == "unknown"


def test_sort_batch_rejects_unknown_customers_after_one_catalogue_lookup():
    asked: list[set[str]] = []

    def load(ids: set[str]) -> Catalogue:
        asked.append(ids)
        return CATALOGUE

    batch = sort_batch([message(1, reading("a", "c99")), message(2, reading("b"))], NOW, load)
    assert asked == [{"c99", "c42"}]
    assert batch.faults[0][1].reason == "customer_id: unknown customer 'c99'"
    assert list(batch.valid) == ["c42"]


def test_card_message_carries_every_event_of_the_customer_once():
    batch = sort_batch([message(1, reading("a")), message(2, reading("b"))], NOW,
                       lambda ids: CATALOGUE)
    body = json.loads(card_message("c42", [r for _, r in batch.valid["c42"]]))
    assert body["customer_id"] == "c42"
    assert [e["event_id"] for e in body["events"]] == ["a", "b"]
    assert body["events"][0]["calories_kcal"] == 120
