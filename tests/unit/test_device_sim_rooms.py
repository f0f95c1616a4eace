"""The room thermometer simulator, driven by the real hysteresis rule over simulated days."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from device_sim.rooms import FAULTY_VALUES_C, Thermometer, thermometers_from_catalogue
from gymiot.errors import InvalidReading
from gymiot.rooms import Thresholds, parse_reading, wanted_ac

NOW = datetime(2026, 7, 14, 15, 0, tzinfo=UTC)
STEP_S = 600.0  # ten simulated minutes per reading


def thermometer(fault_rate: float = 0.0, seed: int = 1) -> Thermometer:
    return Thermometer("room-1", on_at_c=28.0, off_at_c=25.0, temperature_c=24.0,
                       rng=random.Random(seed), fault_rate=fault_rate)


def test_hot_afternoon_pushes_the_room_over_its_threshold_when_the_ac_stays_off():
    sensor = thermometer()
    temperatures = [sensor.advance(STEP_S, hour=(10 + n * STEP_S / 3600), ac_on=False)
                    for n in range(36)]  # 10:00 to 16:00
    assert max(temperatures) >= 28.0
    assert sensor.outside_c(15.0) == pytest.approx(31.0)
    assert sensor.outside_c(3.0) == pytest.approx(22.0)


def test_air_conditioner_pulls_the_room_back_to_its_off_threshold_when_on():
    sensor = thermometer()
    sensor.temperature_c = 29.0
    for _ in range(12):  # two hours at the hottest time of day
        sensor.advance(STEP_S, hour=15.0, ac_on=True)
    assert sensor.temperature_c <= 25.0


def test_a_simulated_day_switches_the_ac_on_and_off_when_driven_by_the_hysteresis():
    sensor = thermometer(seed=4)
    limits = Thresholds(on_at_c=28.0, off_at_c=25.0)
    ac_on, switches = False, []
    for n in range(144):  # a whole day from midnight
        hour = n * STEP_S / 3600
        temperature_c = sensor.advance(STEP_S, hour, ac_on)
        wanted = wanted_ac(temperature_c, ac_on, limits)
        if wanted != ac_on:
            switches.append(("on" if wanted else "off", round(hour, 1)))
        ac_on = wanted
    assert switches[0][0] == "on" and 9 < switches[0][1] < 18
    assert ("off", switches[1][1]) == switches[1]
    assert not ac_on  # the night is cool


def test_faulty_readings_are_impossible_values_that_the_trigger_rejects():
    sensor = thermometer(fault_rate=0.5, seed=9)
    readings = [sensor.reading() for _ in range(400)]
    faulty = [value for value, is_faulty in readings if is_faulty]
    assert 150 < len(faulty) < 250
    assert set(faulty) == set(FAULTY_VALUES_C)
    assert sensor.sent["faulty"] == len(faulty)
    for value in set(faulty):
        with pytest.raises(InvalidReading):
            parse_reading({"temperature_c": value, "measured_at": NOW}, NOW)
    good = [value for value, is_faulty in readings if not is_faulty]
    assert parse_reading({"temperature_c": good[0], "measured_at": NOW}, NOW).temperature_c \
        == good[0]


def test_catalogue_rooms_are_taken_in_numeric_order_when_fewer_are_asked():
    rooms = {room_id: {"ac_on_at_c": 28.0, "ac_off_at_c": 25.0, "temperature_c": 1000}
             for room_id in ("room-10", "room-2", "room-ab12", "room-1")}
    chosen = thermometers_from_catalogue(rooms, 3, 0.0, random.Random(1))
    assert [t.room_id for t in chosen] == ["room-1", "room-2", "room-10"]
    assert chosen[0].temperature_c == 26.5  # an impossible stored value is not a start
    assert len(thermometers_from_catalogue(rooms, 0, 0.0, random.Random(1))) == 4


def test_thermometer_refuses_inverted_thresholds_when_built():
    with pytest.raises(ValueError, match="ac_off_at_c 29.0 must be below ac_on_at_c 28.0"):
        Thermometer("room-x", 28.0, 29.0, 24.0, random.Random(1))
