"""Rooms in Firestore: apply a thermometer reading, switch the air conditioner, alert, keep history.

One transaction per trigger event reads the room, the thermostat's last applied reading
(``rooms/{id}/thermostat/latest``) and the reading's hour of history
(``rooms/{id}/hours/{YYYY-MM-DDTHH}``, UTC), and writes:

- the hour's min/max/sum/count, once per event id (the ids are kept in the hour document, so a
  redelivered event adds nothing). The trigger writes history, not the thermometer, because the
  trigger already reads the hour in its transaction and is the one place that sees every reading,
  stale ones included; thermometers stay dumb (two fields, one merge write).
- the last applied reading, in a sub-document so that writing it does not fire the trigger again;
- ``ac_on`` and ``ac_changed_at`` on the room, only when the state changes: the echo of that write
  carries no new reading and no new thresholds, so it is ignored and writes nothing;
- on switching on, one outbox message per customer training in the room now, with ids derived
  from the event, so an echo or a retry cannot alert anyone twice.

Impossible readings are device faults: kept in ``device_errors`` and emailed to the manager, with
the room untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from gymiot.config import Settings
from gymiot.devices import email_due, record_faults
from gymiot.notify import outbox_message
from gymiot.rooms import Outcome, RoomDecision, add_to_hour, alert_text, decide, hour_id

logger = logging.getLogger(__name__)

ALERT_KIND = "room_ac"


@dataclass
class RoomUpdate:
    """What one room event did."""

    decision: RoomDecision
    alerted: list[str] = field(default_factory=list)
    history_added: bool = False


def thermometer_id(room_id: str, room: Mapping[str, Any]) -> str:
    """The device id a room's thermometer faults are filed under."""
    return str(room.get("thermometer_id") or f"thermometer-{room_id}")


def present_customers(db: firestore.Client, room_id: str, now: datetime, minutes: int
                      ) -> list[str]:
    """Customers whose last machine event was in this room within `minutes` (indexed query)."""
    since = now - timedelta(minutes=minutes)
    query = (
        db.collection("customers")
        .where(filter=FieldFilter("current_room_id", "==", room_id))
        .where(filter=FieldFilter("last_machine_event_at", ">=", since))
    )
    return sorted(snap.id for snap in query.select([]).stream())


def alert_id(room_id: str, event_id: str, customer_id: str) -> str:
    """The outbox id of one switch-on alert: one per room event and customer."""
    return f"ac-{room_id}-{event_id}-{customer_id}"


def apply_room_event(
    db: firestore.Client, settings: Settings, room_id: str, event_id: str,
    before: Mapping[str, Any] | None, after: Mapping[str, Any], now: datetime | None = None,
) -> RoomUpdate:
    """Apply one update of `rooms/{room_id}` (the trigger's before/after documents)."""
    now = now or datetime.now(UTC)
    room_ref = db.collection("rooms").document(room_id)
    state_ref = room_ref.collection("thermostat").document("latest")
    measured_at = after.get("measured_at")
    hour_ref = (room_ref.collection("hours").document(hour_id(measured_at))
                if isinstance(measured_at, datetime) else None)

    @firestore.transactional
    def commit(transaction: firestore.Transaction) -> RoomUpdate:
        refs = [room_ref, state_ref] + ([hour_ref] if hour_ref is not None else [])
        snaps = {s.reference.path: s for s in db.get_all(refs, transaction=transaction)}
        room_snap = snaps[room_ref.path]
        if not room_snap.exists:
            return RoomUpdate(RoomDecision(Outcome.IGNORED, False, None, "room deleted"))
        room = room_snap.to_dict() or {}
        state_snap = snaps[state_ref.path]
        state = (state_snap.to_dict() or {}) if state_snap.exists else {}
        decision = decide(before, after, now, state.get("measured_at"), current=room)
        update = RoomUpdate(decision)
        reading = decision.reading

        present: list[str] = []
        if decision.outcome is Outcome.SWITCH_ON:
            present = present_customers(db, room_id, now, settings.room_presence_minutes)

        if decision.counts_as_history and reading is not None and hour_ref is not None:
            hour_snap = snaps[hour_ref.path]
            hour = (hour_snap.to_dict() or {}) if hour_snap.exists else {}
            if event_id not in hour.get("event_ids", []):
                transaction.set(hour_ref, {
                    **add_to_hour(hour, reading), "room_id": room_id, "hour": hour_ref.id,
                    "event_ids": firestore.ArrayUnion([event_id]),
                }, merge=True)
                update.history_added = True
        if decision.new_reading and reading is not None and decision.outcome is not Outcome.STALE:
            transaction.set(state_ref, {
                "temperature_c": reading.temperature_c, "measured_at": reading.measured_at,
                "event_id": event_id, "applied_at": now,
            })
        if decision.ac_on is not None:
            transaction.update(room_ref, {"ac_on": decision.ac_on, "ac_changed_at": now})
        for customer_id in present:
            temperature_c = reading.temperature_c if reading is not None else float("nan")
            text = alert_text(str(room.get("name") or room_id), temperature_c)
            transaction.set(
                db.collection("outbox").document(alert_id(room_id, event_id, customer_id)),
                {**outbox_message(customer_id, text, ALERT_KIND, now), "room_id": room_id},
            )
        update.alerted = present
        return update

    update = commit(db.transaction())
    decision = update.decision
    if decision.outcome is Outcome.FAULT:
        _record_fault(db, settings, room_id, event_id, after, decision.reason, now)
    elif decision.switches:
        logger.info("air conditioner switched room_id=%s ac_on=%s temperature_c=%s "
                    "event_id=%s alerted=%d", room_id, decision.ac_on,
                    decision.reading.temperature_c if decision.reading else None,
                    event_id, len(update.alerted))
    elif decision.outcome is Outcome.STALE:
        logger.info("stale reading kept as history only room_id=%s event_id=%s %s",
                    room_id, event_id, decision.reason)
    elif decision.outcome is Outcome.IGNORED and decision.new_reading:
        logger.warning("room reading not applied room_id=%s event_id=%s reason=%s",
                       room_id, event_id, decision.reason)
    else:
        logger.debug("room update room_id=%s event_id=%s outcome=%s",
                     room_id, event_id, decision.outcome)
    return update


def _record_fault(db: firestore.Client, settings: Settings, room_id: str, event_id: str,
                  after: Mapping[str, Any], reason: str, now: datetime) -> None:
    """Keep an impossible reading as a device fault and email the manager."""
    device_id = thermometer_id(room_id, after)
    measured_at = after.get("measured_at")
    reading = (f"temperature_c={after.get('temperature_c')!r} measured_at="
               f"{measured_at.isoformat() if isinstance(measured_at, datetime) else measured_at}")
    fault = {"device_id": device_id, "room_id": room_id, "reason": reason, "reading": reading,
             "message_id": f"room-{room_id}-{event_id}", "detected_at": now.isoformat()}
    logger.warning("room reading rejected room_id=%s device_id=%s event_id=%s reason=%s",
                   room_id, device_id, event_id, reason)
    record_faults(db, device_id, [fault])
    email_due(db, settings, device_id)
