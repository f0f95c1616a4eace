"""The manager's fault email: every fault with device, room, reading and reason."""

from __future__ import annotations

from gymiot.devices import digest_text, fault_id


def test_digest_text_lists_every_fault_with_its_reason_and_reading():
    faults = [
        {"room_id": "room-1", "reason": "calories_kcal: must not be negative, got -50.0",
         "reading": '{"calories_kcal": -50}', "detected_at": "2026-12-03T10:00:00+00:00"},
        {"room_id": "room-1", "reason": "duration_s: must be above 0", "reading": "{}",
         "detected_at": "2026-12-03T10:01:00+00:00"},
    ]
    subject, body = digest_text("treadmill-3", faults)
    assert subject == "[GymIoT] 2 faulty reading(s) from treadmill-3"
    assert "Device treadmill-3 in room-1" in body
    assert "1. 2026-12-03T10:00:00+00:00" in body
    assert "reason:  calories_kcal: must not be negative, got -50.0" in body
    assert 'reading: {"calories_kcal": -50}' in body
    assert "2. 2026-12-03T10:01:00+00:00" in body


def test_fault_id_is_stable_per_message_and_distinct_between_messages():
    assert fault_id({"message_id": "17"}) == fault_id({"message_id": "17", "reason": "x"})
    assert fault_id({"message_id": "17"}) != fault_id({"message_id": "18"})
    assert len(fault_id({"device_id": "d", "reading": "r"})) == 32
