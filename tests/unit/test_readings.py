"""Validation of machine readings: what counts, and the reason for what does not (C3, C4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from gymiot.errors import InvalidReading
from gymiot.readings import Catalogue, parse_reading

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
CATALOGUE = Catalogue(
    machine_rooms={"treadmill-3": "room-1", "bike-1": "room-2"},
    rooms=frozenset({"room-1", "room-2"}),
    customers=frozenset({"c42"}),
)


def body(**changes: object) -> dict[str, object]:
    reading: dict[str, object] = {
        "event_id": "e-001", "machine_id": "treadmill-3", "customer_id": "c42",
        "room_id": "room-1", "started_at": "2025-03-01T10:00:00Z", "duration_s": 900,
        "calories_kcal": 120,
    }
    reading.update(changes)
    return reading


def raw(field: str, token: str) -> bytes:
    return json.dumps(body(**{field: "__RAW__"})).replace('"__RAW__"', token).encode()


def test_parse_reading_accepts_the_c1_reading():
    reading = parse_reading(json.dumps(body()).encode(), NOW, CATALOGUE)
    assert reading.calories_kcal == 120
    assert reading.duration_s == 900
    assert reading.started_at == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert reading.minutes == 15


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (raw("calories_kcal", "NaN"), "body is not valid JSON: NaN is not a number JSON allows"),
        (raw("duration_s", "NaN"), "body is not valid JSON: NaN is not a number JSON allows"),
        (raw("calories_kcal", '"NaN"'),
         "calories_kcal: Input should be a valid number (got 'NaN')"),
        (raw("calories_kcal", "null"), "calories_kcal: Input should be a valid number (got None)"),
        (raw("calories_kcal", "Infinity"),
         "body is not valid JSON: Infinity is not a number JSON allows"),
        (raw("duration_s", "-Infinity"),
         "body is not valid JSON: -Infinity is not a number JSON allows"),
        (raw("calories_kcal", "1e308"), "calories_kcal: 1e+308 kcal in 900.0 s is above 30.0 "
                                        "kcal/min"),
        (raw("duration_s", "1e308"),
         "duration_s: must be above 0 and at most 14400 s, got 1e+308"),
    ],
)
def test_parse_reading_rejects_not_a_number_readings_with_reason(data: bytes, reason: str):
    """C3."""
    with pytest.raises(InvalidReading) as error:
        parse_reading(data, NOW, CATALOGUE)
    assert str(error.value) == reason


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"calories_kcal": -50}, "calories_kcal: must not be negative, got -50.0"),
        ({"calories_kcal": 1e9}, "calories_kcal: 1000000000.0 kcal in 900.0 s is above 30.0 "
                                 "kcal/min"),
        ({"duration_s": 0, "calories_kcal": 300},
         "duration_s: must be above 0 and at most 14400 s, got 0.0"),
        ({"duration_s": 90000}, "duration_s: must be above 0 and at most 14400 s, got 90000.0"),
        ({"duration_s": 60, "calories_kcal": 31},
         "calories_kcal: 31.0 kcal in 60.0 s is above 30.0 kcal/min"),
    ],
)
def test_parse_reading_rejects_implausible_spikes_with_reason(changes, reason):
    """C4."""
    with pytest.raises(InvalidReading) as error:
        parse_reading(json.dumps(body(**changes)).encode(), NOW, CATALOGUE)
    assert str(error.value) == reason


def test_parse_reading_accepts_thirty_kcal_a_minute_exactly():
    reading = parse_reading(json.dumps(body(duration_s=60, calories_kcal=30)).encode(), NOW)
    assert reading.calories_kcal == 30


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_s": "900"}, "duration_s"),
        ({"calories_kcal": True}, "calories_kcal"),
        ({"event_id": ""}, "event_id"),
        ({"customer_id": 42}, "customer_id"),
        ({"started_at": "2025-03-01T10:00:00"}, "started_at"),
        ({"started_at": 1740823200}, "started_at"),
    ],
)
def test_parse_reading_rejects_wrong_types_naming_the_field(changes, field):
    with pytest.raises(InvalidReading) as error:
        parse_reading(json.dumps(body(**changes)).encode(), NOW)
    assert error.value.field == field


def test_parse_reading_names_a_missing_field():
    reading = body()
    del reading["customer_id"]
    with pytest.raises(InvalidReading) as error:
        parse_reading(json.dumps(reading).encode(), NOW)
    assert error.value.field == "customer_id"
    assert "Field required" in error.value.reason


@pytest.mark.parametrize("data", [b"", b"not json", b"[1, 2]", b"\xff\xfe"])
def test_parse_reading_rejects_bodies_that_are_not_json_objects(data):
    with pytest.raises(InvalidReading) as error:
        parse_reading(data, NOW)
    assert "JSON" in error.value.reason


def test_parse_reading_allows_small_clock_skew_but_not_the_future():
    soon = (NOW + timedelta(seconds=90)).isoformat()
    assert parse_reading(json.dumps(body(started_at=soon)).encode(), NOW).event_id == "e-001"
    later = (NOW + timedelta(minutes=10)).isoformat()
    with pytest.raises(InvalidReading) as error:
        parse_reading(json.dumps(body(started_at=later)).encode(), NOW)
    assert error.value.field == "started_at"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"machine_id": "ghost"}, "machine_id: unknown machine 'ghost'"),
        ({"room_id": "room-9"}, "room_id: unknown room 'room-9'"),
        ({"room_id": "room-2"}, "room_id: machine 'treadmill-3' stands in 'room-1', not 'room-2'"),
        ({"customer_id": "c99"}, "customer_id: unknown customer 'c99'"),
    ],
)
def test_parse_reading_rejects_unknown_or_inconsistent_ids(changes, reason):
    with pytest.raises(InvalidReading) as error:
        parse_reading(json.dumps(body(**changes)).encode(), NOW, CATALOGUE)
    assert str(error.value) == reason
