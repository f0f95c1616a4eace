"""The machine simulator's readings against the validation they feed."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from device_sim.machines import FAULT_KINDS, Gym, MachineSensor, sensors_from_catalogue
from gymiot.errors import InvalidReading
from gymiot.readings import Catalogue, parse_reading

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
SENSOR = MachineSensor("treadmill-1", "room-1", kcal_per_min=11.0, session_min=(15, 45))
CATALOGUE = Catalogue({"treadmill-1": "room-1"}, frozenset({"room-1"}), frozenset({"c01"}))


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
    faults = sum(gym.next_message(NOW)[2] is not None for _ in range(2000))
    assert 300 < faults < 500
    assert gym.sent["valid"] == 2000 - faults


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_gym_refuses_a_fault_rate_outside_zero_to_one(rate: float):
    with pytest.raises(ValueError, match="fault rate"):
        Gym([SENSOR], ["c01"], fault_rate=rate, rng=random.Random())
