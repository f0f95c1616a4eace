"""The machine simulator's readings against the validation they feed."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from device_sim.machines import FAULT_KINDS, Gym, MachineSensor, sensors_from_catalogue
from gymiot.errors import InvalidReading
from gymiot.readings import Catalogue, parse_reading

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
SENSOR = MachineSensor("treadmill-1", "room-1", kcal_per_min=11.0, session_min=(15, 45))
CATALOGUE = Catalogue({"treadmill-1": "room-1"}, frozenset({"room-1"}), frozenset({"c01"}))
SENSORS = [SENSOR, MachineSensor("bike-1", "room-1", 8.0, (20, 60)),
           MachineSensor("rower-1", "room-2", 9.5, (10, 30))]
GYM_CATALOGUE = Catalogue({"treadmill-1": "room-1", "bike-1": "room-1", "rower-1": "room-2"},
                          frozenset({"room-1", "room-2"}),
                          frozenset(f"c{n:02d}" for n in range(1, 9)))


def test_plausible_readings_all_pass_validation():
    rng = random.Random(7)
    for _ in range(500):
        body = json.dumps(SENSOR.reading("c01", NOW, rng)).encode()
        reading = parse_reading(body, NOW, CATALOGUE)
        assert 15 * 60 <= reading.duration_s < 46 * 60
        assert reading.calories_kcal / reading.minutes <= 11.0 * 1.25 + 0.1


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_kind_is_rejected(kind: str):
    body = SENSOR.faulty_body("c01", NOW, random.Random(1), kind)
    with pytest.raises(InvalidReading):
        parse_reading(body, NOW, CATALOGUE)


def test_sensors_from_catalogue_skip_strength_machines():
    sensors = sensors_from_catalogue({
        "bike-1": {"room_id": "room-1", "kind": "cardio", "kcal_per_min": 8, "session_min": [5, 9]},
        "bench-1": {"room_id": "room-2", "kind": "strength"},
    })
    assert sensors == [MachineSensor("bike-1", "room-1", 8.0, (5, 9))]


def test_gym_sends_faults_at_about_the_chosen_rate():
    gym = Gym([SENSOR], ["c01"], fault_rate=0.2, rng=random.Random(3))
    messages = [gym.next_message(NOW + timedelta(hours=hour)) for hour in range(2000)]
    faults = sum(message is not None and message[2] is not None for message in messages)
    sent = sum(message is not None for message in messages)
    assert sent >= 1999  # one use an hour at least (sessions under 45 min, rests under 5)
    assert abs(faults - 0.2 * sent) <= 1
    assert gym.sent["valid"] == sent - faults


def test_faults_are_spread_one_in_every_ten_readings_when_rate_is_a_tenth():
    gym = Gym([SENSOR], ["c01"], fault_rate=0.1, rng=random.Random(4))
    messages = [m for hour in range(200) if (m := gym.next_message(NOW + timedelta(hours=hour)))]
    kinds = [message[2] for message in messages]
    assert all(sum(k is not None for k in kinds[i:i + 10]) == 1
               for i in range(0, len(kinds) - 9))


def test_pace_shortens_uses_and_rests_and_readings_stay_valid():
    gym = Gym(SENSORS, ["c01", "c02"], fault_rate=0, rng=random.Random(6), pace=30)
    readings = []
    for second in range(0, 600):
        now = NOW + timedelta(seconds=second)
        if (message := gym.next_message(now)) is not None:
            readings.append(parse_reading(message[0], now, GYM_CATALOGUE))
    assert all(5 <= r.duration_s <= 60 * 60 / 30 + 2 for r in readings)  # uses of 10-60 min
    assert len(readings) >= 2 * 600 / (60 * 60 / 30 + 10)  # back to back, rests of 2-10 s
    for customer in ("c01", "c02"):
        minutes = sum(r.minutes for r in readings if r.customer_id == customer)
        assert minutes <= (600 + 122) / 60  # the ten minutes that passed, plus the first use


def test_each_customer_reports_a_use_within_the_first_minute_when_machines_suffice():
    customers = ["c01", "c02", "c03"]
    gym = Gym(SENSORS, customers, fault_rate=0, rng=random.Random(5))
    first = [gym.next_message(NOW + timedelta(seconds=second)) for second in range(0, 62)]
    bodies = [json.loads(message[0]) for message in first if message is not None]
    assert sorted(body["customer_id"] for body in bodies) == customers


def test_uses_never_overlap_for_a_customer_or_a_machine_over_three_hours():
    gym = Gym(SENSORS, [f"c{n:02d}" for n in range(1, 9)], fault_rate=0, rng=random.Random(9))
    readings = []
    for second in range(0, 3 * 3600, 2):
        now = NOW + timedelta(seconds=second)
        message = gym.next_message(now)
        if message is not None:
            readings.append(parse_reading(message[0], now, GYM_CATALOGUE))
    assert len(readings) >= 15  # three machines busy for three hours, uses of 10-60 min
    assert {r.machine_id for r in readings} == {sensor.machine_id for sensor in SENSORS}
    for key in ("customer_id", "machine_id"):
        spans: dict[str, list[tuple[datetime, datetime]]] = {}
        for reading in readings:
            end = reading.started_at + timedelta(seconds=reading.duration_s)
            spans.setdefault(getattr(reading, key), []).append((reading.started_at, end))
        for uses in spans.values():
            uses.sort()
            pairs = zip(uses, uses[1:], strict=False)
            assert all(earlier[1] <= later[0] for earlier, later in pairs)
    first_start = min(r.started_at for r in readings)
    for customer in {r.customer_id for r in readings}:
        minutes = sum(r.minutes for r in readings if r.customer_id == customer)
        assert minutes <= (NOW + timedelta(hours=3) - first_start).total_seconds() / 60


def test_gym_waits_while_every_customer_is_mid_use():
    gym = Gym([SENSOR], ["c01"], fault_rate=0, rng=random.Random(2))
    first = next(m for s in range(62) if (m := gym.next_message(NOW + timedelta(seconds=s))))
    assert first is not None
    assert gym.next_message(NOW + timedelta(minutes=2)) is None


def test_gym_refuses_a_pace_below_one():
    with pytest.raises(ValueError, match="pace"):
        Gym([SENSOR], ["c01"], fault_rate=0, rng=random.Random(), pace=0.5)


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_gym_refuses_a_fault_rate_outside_zero_to_one(rate: float):
    with pytest.raises(ValueError, match="fault rate"):
        Gym([SENSOR], ["c01"], fault_rate=rate, rng=random.Random())
