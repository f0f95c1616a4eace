"""Room thermometers against the running emulators: the trigger, the air conditioner, the alerts.

Readings are written the way a thermometer writes them (an update of `temperature_c` and
`measured_at`), and the real `switch_air_conditioner` trigger in the Functions emulator reacts.
Telegram delivery runs the outbox code against a stand-in Bot API started in the test (the
emulator's functions have no bot token, so they leave the outbox alone).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from gymiot.config import settings
from gymiot.room_store import apply_room_event
from gymiot.rooms import Outcome
from gymiot.telegram_api import MESSAGE_LIMIT, BotApi, utf16_len
from gymiot.telegram_delivery import deliver
from tests.bot_api_stand_in import TOKEN, BotApiStandIn
from tests.integration.conftest import eventually, mails

SETTLE_S = 4.0  # time for any echo event to be processed before asserting "nothing happened"


@dataclass
class Room:
    """One room of a test, with its thermometer."""

    db: firestore.Client
    room_id: str
    clock: datetime

    @property
    def ref(self) -> firestore.DocumentReference:
        return self.db.collection("rooms").document(self.room_id)

    def doc(self) -> dict[str, Any]:
        return self.ref.get().to_dict() or {}

    def read(self, temperature_c: Any, seconds_later: float = 10) -> datetime:
        """The thermometer's write: two fields, never the whole document."""
        self.clock += timedelta(seconds=seconds_later)
        self.ref.update({"temperature_c": temperature_c, "measured_at": self.clock})
        return self.clock

    def applied_at(self) -> datetime | None:
        snap = self.ref.collection("thermostat").document("latest").get()
        return snap.get("measured_at") if snap.exists else None

    def read_and_wait(self, temperature_c: float) -> datetime:
        """A valid reading, waited for until the trigger has applied it."""
        at = self.read(temperature_c)
        eventually(lambda: self.applied_at() == at, 60, f"reading {temperature_c} applied")
        return at

    def history_count(self) -> int:
        return sum(int(s.get("count")) for s in self.ref.collection("hours").stream())

    def alerts(self) -> dict[str, dict[str, Any]]:
        query = self.db.collection("outbox").where(filter=FieldFilter("room_id", "==",
                                                                      self.room_id))
        return {snap.id: snap.to_dict() for snap in query.stream()}


def require_pending(db: firestore.Client, message_ids: list[str]) -> None:
    """These tests deliver the outbox themselves, to a stand-in they control.

    If the Functions emulator was started with a bot token, its own trigger races them for the
    messages; the tests then cannot count requests and are skipped rather than flaky.
    """
    time.sleep(1.0)
    statuses = [db.collection("outbox").document(m).get().get("status") for m in message_ids]
    if any(status != "pending" for status in statuses):
        pytest.skip(f"the emulator's send_telegram_message delivered first: {statuses}")


@pytest.fixture
def room(db: firestore.Client) -> Iterator[Room]:
    """A room of its own at 24 °C, air conditioner off, thresholds 28 / 25 °C."""
    room_id = f"room-ac-{uuid.uuid4().hex[:10]}"
    start = datetime.now(UTC) - timedelta(minutes=10)
    db.collection("rooms").document(room_id).set({
        "name": f"Test room {room_id}", "ac_on_at_c": 28.0, "ac_off_at_c": 25.0,
        "temperature_c": 24.0, "measured_at": start, "ac_on": False,
    })
    yield Room(db, room_id, start)


def customer(db: firestore.Client, room_id: str, minutes_ago: float,
             chat_id: int | None = None) -> str:
    """A customer whose last machine event was in `room_id` `minutes_ago` minutes ago."""
    customer_id = f"c-ac-{uuid.uuid4().hex[:10]}"
    db.collection("customers").document(customer_id).set({
        "name": f"Customer {customer_id}", "email": f"{customer_id}@example.test",
        "telegram_chat_id": chat_id, "current_room_id": room_id,
        "last_machine_event_at": datetime.now(UTC) - timedelta(minutes=minutes_ago),
    })
    return customer_id


def test_crossing_switches_on_once_and_alerts_present_customers_once_when_echoed(room: Room):
    """C5: 27.9 → 28.4 switches on; the echo and 28.4 → 28.6 do nothing."""
    here = [customer(room.db, room.room_id, 5), customer(room.db, room.room_id, 44)]
    customer(room.db, room.room_id, 120)  # trained here two hours ago: gone home
    customer(room.db, f"{room.room_id}-other", 2)  # training now, in another room
    room.read_and_wait(27.9)
    assert room.doc()["ac_on"] is False

    room.read(28.4)
    eventually(lambda: room.doc()["ac_on"] is True, 60, "air conditioner on")
    switched = room.doc()
    alerts = eventually(lambda: len(room.alerts()) == 2 and room.alerts(), 30, "two alerts")
    assert sorted(a["customer_id"] for a in alerts.values()) == sorted(here)
    for alert in alerts.values():
        assert alert["status"] == "pending"
        assert alert["kind"] == "room_ac"
        assert "28.4 °C" in alert["text"] and "air conditioner is now on" in alert["text"]

    room.read_and_wait(28.6)
    time.sleep(SETTLE_S)
    after = room.doc()
    assert after["ac_on"] is True
    assert after["ac_changed_at"] == switched["ac_changed_at"]
    assert set(room.alerts()) == set(alerts)
    assert room.history_count() == 3


def test_redelivered_event_switches_and_alerts_once_when_applied_twice(db: firestore.Client):
    """Firestore delivers events at least once: the same event id changes nothing twice."""
    room_id = f"room-ac-{uuid.uuid4().hex[:10]}"
    now = datetime.now(UTC)
    before = {"name": "Redelivery room", "ac_on_at_c": 28.0, "ac_off_at_c": 25.0,
              "temperature_c": 27.9, "measured_at": now - timedelta(seconds=30), "ac_on": False}
    after = {**before, "temperature_c": 28.4, "measured_at": now}
    db.collection("rooms").document(room_id).set(after)  # a create: the trigger stays out
    present = customer(db, room_id, 1)

    first = apply_room_event(db, settings(), room_id, "ev-redelivered", before, after)
    second = apply_room_event(db, settings(), room_id, "ev-redelivered", before, after)

    assert (first.decision.outcome, first.alerted, first.history_added) == (
        Outcome.SWITCH_ON, [present], True)
    assert (second.decision.outcome, second.alerted, second.history_added) == (
        Outcome.STEADY, [], False)
    hours = list(db.collection("rooms").document(room_id).collection("hours").stream())
    assert [h.get("count") for h in hours] == [1]
    alerts = db.collection("outbox").where(filter=FieldFilter("room_id", "==", room_id)).get()
    assert [a.id for a in alerts] == [f"ac-{room_id}-ev-redelivered-{present}"]


def test_air_conditioner_switches_off_at_the_off_threshold_without_flapping_between(room: Room):
    room.read(29.0)
    eventually(lambda: room.doc()["ac_on"] is True, 60, "air conditioner on")
    for temperature_c in (27.5, 26.0, 25.1, 27.9):  # between the thresholds: stays on
        room.read_and_wait(temperature_c)
        assert room.doc()["ac_on"] is True

    room.read(25.0)
    eventually(lambda: room.doc()["ac_on"] is False, 60, "air conditioner off")
    off_at = room.doc()["ac_changed_at"]
    for temperature_c in (26.0, 27.9):  # warming again, still below 28: stays off
        room.read_and_wait(temperature_c)
    time.sleep(SETTLE_S)
    assert room.doc()["ac_on"] is False
    assert room.doc()["ac_changed_at"] == off_at


@pytest.mark.parametrize(("before_c", "temperature_c", "ac_on"), [
    (29.0, -300, True),   # would switch the air conditioner off if it counted
    (27.5, 1000, False),  # would switch it on
])
def test_impossible_temperature_is_a_device_fault_and_leaves_the_room_when_read(
        room: Room, before_c: float, temperature_c: float, ac_on: bool):
    """C4: -300 / 1000 °C are recorded with the reason, emailed, and switch nothing."""
    applied = room.read_and_wait(before_c)
    eventually(lambda: room.doc()["ac_on"] is ac_on, 60, f"air conditioner on={ac_on}")
    state = room.doc()
    room.read(temperature_c)
    device_id = f"thermometer-{room.room_id}"

    def faults() -> list[dict[str, Any]]:
        query = room.db.collection("device_errors").where(
            filter=FieldFilter("device_id", "==", device_id))
        return [snap.to_dict() for snap in query.stream()]

    fault = eventually(faults, 60, "fault recorded")[0]
    reason = (f"temperature_c: {temperature_c:g} °C is impossible for a room "
              "(accepted -40 to 60)")
    assert fault["reason"] == reason
    assert fault["room_id"] == room.room_id
    assert f"temperature_c={temperature_c}" in fault["reading"]
    device = eventually(lambda: room.db.collection("devices").document(device_id).get()
                        .to_dict(), 30, "device summary")
    assert (device["fault_count"], device["room_id"]) == (1, room.room_id)
    email = eventually(lambda: mails(device_id), 60, "fault email")[0]
    assert reason in email["text"]
    time.sleep(SETTLE_S)
    assert room.doc()["ac_on"] is ac_on
    assert room.doc().get("ac_changed_at") == state.get("ac_changed_at")
    assert room.applied_at() == applied
    assert room.history_count() == 1


def test_stale_reading_goes_to_history_only_when_older_than_the_last_applied(room: Room):
    room.read_and_wait(26.0)
    room.read(29.5, seconds_later=-120)  # a reading buffered by a thermometer that reconnected
    eventually(lambda: room.history_count() == 2, 60, "stale reading in history")
    time.sleep(SETTLE_S)
    assert room.doc()["ac_on"] is False
    assert room.alerts() == {}
    hours = [snap.to_dict() for snap in room.ref.collection("hours").stream()]
    assert max(h["max_c"] for h in hours) == 29.5


def test_blocked_customer_does_not_stop_the_others_when_the_bot_answers_403(room: Room):
    """C11: three customers, the second blocked the bot."""
    chats = [random.randint(10**9, 2 * 10**9) for _ in range(3)]
    ids = [customer(room.db, room.room_id, 3, chat) for chat in chats]
    room.read(28.5)
    eventually(lambda: room.doc()["ac_on"] is True, 60, "air conditioner on")
    alerts = eventually(lambda: len(room.alerts()) == 3 and room.alerts(), 30, "three alerts")
    by_customer = {alert["customer_id"]: message_id for message_id, alert in alerts.items()}
    require_pending(room.db, list(by_customer.values()))

    with BotApiStandIn() as stand_in, BotApi(TOKEN, stand_in.url, backoff_s=0.01) as api:
        stand_in.always(chats[1], "blocked")
        statuses = [deliver(room.db, api, by_customer[c]) for c in ids]
        again = [deliver(room.db, api, by_customer[c]) for c in ids]
        assert statuses == ["sent", "unreachable", "sent"]
        assert again == [None, None, None]
        assert [len(stand_in.requests_for(chat)) for chat in chats] == [1, 1, 1]
        assert "air conditioner is now on" in stand_in.texts_for(chats[0])[0]
        assert stand_in.texts_for(chats[2]) == stand_in.texts_for(chats[0])

    customers = room.db.collection("customers")
    assert customers.document(ids[1]).get().get("telegram_unreachable") is True
    assert customers.document(ids[0]).get().to_dict().get("telegram_unreachable") is None
    outbox = {c: room.db.collection("outbox").document(by_customer[c]).get().to_dict()
              for c in ids}
    assert [outbox[c]["status"] for c in ids] == ["sent", "unreachable", "sent"]
    assert "bot was blocked by the user" in outbox[ids[1]]["error"]
    assert room.doc()["ac_on"] is True


def test_long_card_summary_arrives_split_with_nothing_lost_when_over_4096(db: firestore.Client):
    """C13: a ~6000-character training-card summary."""
    chat = random.randint(10**9, 2 * 10**9)
    customer_id = customer(db, "nowhere", 600, chat)
    summary = "<b>Your training card</b>\n" + "\n".join(
        f"<b>{n}.</b> treadmill-{n % 4}: <i>{n * 3} kcal left</i> &amp; 12 reps of lunges"
        for n in range(1, 88))
    assert 5500 < len(summary) < 6500
    message_id = f"card-summary-{uuid.uuid4().hex[:10]}"
    db.collection("outbox").document(message_id).set({
        "channel": "telegram", "customer_id": customer_id, "text": summary, "kind": "card",
        "parse_mode": "HTML", "status": "pending", "created_at": datetime.now(UTC),
    })
    require_pending(db, [message_id])

    with BotApiStandIn() as stand_in, BotApi(TOKEN, stand_in.url) as api:
        assert deliver(db, api, message_id) == "sent"
        received = stand_in.texts_for(chat)

    assert len(received) == 2
    assert all(utf16_len(text) <= MESSAGE_LIMIT for text in received)
    assert "\n".join(received) == summary
    stored = db.collection("outbox").document(message_id).get().to_dict()
    assert (stored["parts"], stored["parts_sent"]) == (2, 2)


def test_unlinked_customer_leaves_the_message_unlinked_when_no_chat_id(db: firestore.Client):
    customer_id = customer(db, "nowhere", 600, chat_id=None)
    message_id = f"unlinked-{uuid.uuid4().hex[:10]}"
    db.collection("outbox").document(message_id).set({
        "channel": "telegram", "customer_id": customer_id, "text": "hi <3 & bye",
        "kind": "test", "status": "pending", "created_at": datetime.now(UTC),
    })
    require_pending(db, [message_id])
    with BotApiStandIn() as stand_in, BotApi(TOKEN, stand_in.url) as api:
        assert deliver(db, api, message_id) == "unlinked"
        assert stand_in.requests == []
    assert db.collection("outbox").document(message_id).get().get("status") == "unlinked"
