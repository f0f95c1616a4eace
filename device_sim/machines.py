"""Machine sensors: each use of a cardio machine becomes one message on `machine-usage`.

A sensor knows its machine (room, typical calorie rate, session lengths) and produces plausible
readings; at a chosen rate it produces a faulty one instead, of the kinds real sensors send
(not-a-number values, spikes, zero or endless sessions, unknown ids, missing fields).

The gym keeps its customers plausible: each trains on one machine at a time and rests a few
minutes between machines, and a machine has one user at a time, so a customer's minutes never
exceed the time that has passed. A reading is sent when its use ends.

`pace` shortens every use and rest by that factor (a demo of a few minutes shows what an evening
shows); readings stay plausible, since calories follow the shortened time. Faults are spread
evenly at the chosen share, so a rate of 0.1 sends one within every ten readings.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

logger = logging.getLogger(__name__)

REST_S = (60, 300)  # seconds a customer takes between two machines

FAULT_KINDS = (
    "nan_token", "nan_string", "null_calories", "negative_calories", "calorie_spike",
    "zero_duration", "endless_session", "unknown_machine", "missing_field", "future_start",
)


@dataclass(frozen=True)
class MachineSensor:
    """The sensor on one cardio machine."""

    machine_id: str
    room_id: str
    kcal_per_min: float
    session_min: tuple[int, int] = (10, 40)

    def use_seconds(self, rng: random.Random) -> int:
        """How long a typical use of this machine lasts."""
        return rng.randint(*self.session_min) * 60 + rng.randint(0, 59)

    def reading(self, customer_id: str, now: datetime, rng: random.Random,
                seconds: int | None = None) -> dict[str, Any]:
        """A plausible use that has just ended (`seconds` long, else of a typical length)."""
        seconds = self.use_seconds(rng) if seconds is None else seconds
        kcal = round(seconds / 60 * self.kcal_per_min * rng.uniform(0.75, 1.25), 1)
        return {
            "event_id": f"ev-{uuid.UUID(int=rng.getrandbits(128))}",
            "machine_id": self.machine_id, "customer_id": customer_id, "room_id": self.room_id,
            "started_at": (now - timedelta(seconds=seconds)).isoformat(),
            "duration_s": seconds, "calories_kcal": kcal,
        }

    def faulty_body(self, customer_id: str, now: datetime, rng: random.Random, kind: str,
                    seconds: int | None = None) -> bytes:
        """A reading broken in one of the ways real sensors break."""
        body = self.reading(customer_id, now, rng, seconds)
        if kind == "nan_token":
            return json.dumps(body).replace(
                f'"calories_kcal": {body["calories_kcal"]}', '"calories_kcal": NaN'
            ).encode()
        changes: dict[str, Callable[[dict[str, Any]], None]] = {
            "nan_string": lambda b: b.update(calories_kcal="NaN"),
            "null_calories": lambda b: b.update(calories_kcal=None),
            "negative_calories": lambda b: b.update(calories_kcal=-50),
            "calorie_spike": lambda b: b.update(calories_kcal=1e9),
            "zero_duration": lambda b: b.update(duration_s=0),
            "endless_session": lambda b: b.update(duration_s=90000),
            "unknown_machine": lambda b: b.update(machine_id=f"{self.machine_id}-ghost"),
            "missing_field": lambda b: b.pop("customer_id"),
            "future_start": lambda b: b.update(
                started_at=(now + timedelta(hours=3)).isoformat()
            ),
        }
        changes[kind](body)
        return json.dumps(body).encode()


def sensors_from_catalogue(machines: Mapping[str, Mapping[str, Any]]) -> list[MachineSensor]:
    """Sensors for the cardio machines of a catalogue (strength machines report no calories)."""
    return [
        MachineSensor(machine_id, spec["room_id"], float(spec["kcal_per_min"]),
                      tuple(spec.get("session_min", (10, 40))))
        for machine_id, spec in sorted(machines.items()) if spec.get("kind") == "cardio"
    ]


@dataclass(frozen=True)
class Use:
    """A customer's use of one machine, planned ahead."""

    customer_id: str
    sensor: MachineSensor
    started_at: datetime
    seconds: int

    @property
    def ends_at(self) -> datetime:
        return self.started_at + timedelta(seconds=self.seconds)


@dataclass
class Gym:
    """Customers moving from machine to machine; yields (body, attributes, fault kind or None)."""

    sensors: list[MachineSensor]
    customers: list[str]
    fault_rate: float
    rng: random.Random
    rest_s: tuple[int, int] = REST_S
    pace: float = 1.0

    def __post_init__(self) -> None:
        if not self.sensors or not self.customers:
            raise ValueError("the gym needs at least one cardio machine and one customer")
        if not 0 <= self.fault_rate <= 1:
            raise ValueError(f"fault rate must be within 0 and 1, got {self.fault_rate}")
        if self.pace < 1:
            raise ValueError(f"pace must be 1 or more, got {self.pace}")
        self._fault_credit = self.rng.random()  # faults fall where the credit passes 1
        self.sent: Counter[str] = Counter()
        self.uses: dict[str, Use] = {}  # each customer's current or next use

    def next_message(self, now: datetime | None = None
                     ) -> tuple[bytes, dict[str, str], str | None] | None:
        """The reading of the use that ended first, or None while every customer is mid-use."""
        now = now or datetime.now(UTC)
        if not self.uses:
            for customer_id in self.customers:
                self.uses[customer_id] = self._first_use(customer_id, now)
        use = min(self.uses.values(), key=lambda u: u.ends_at)
        if use.ends_at > now:
            return None
        rest = timedelta(seconds=self.rng.randint(*self.rest_s) / self.pace)
        self.uses[use.customer_id] = self._next_use(use.customer_id, use.ends_at + rest)
        attributes = {"machine_id": use.sensor.machine_id}
        self._fault_credit += self.fault_rate
        if self._fault_credit >= 1:
            self._fault_credit -= 1
            kind = self.rng.choice(FAULT_KINDS)
            self.sent[f"fault:{kind}"] += 1
            body = use.sensor.faulty_body(use.customer_id, use.ends_at, self.rng, kind,
                                          use.seconds)
            return body, attributes, kind
        self.sent["valid"] += 1
        reading = use.sensor.reading(use.customer_id, use.ends_at, self.rng, use.seconds)
        return json.dumps(reading).encode(), attributes, None

    def _use_seconds(self, sensor: MachineSensor) -> int:
        return max(5, round(sensor.use_seconds(self.rng) / self.pace))

    def _free(self, customer_id: str, sensor: MachineSensor, start: datetime, seconds: int
              ) -> bool:
        """Nobody else uses the machine in that time."""
        end = start + timedelta(seconds=seconds)
        return not any(
            other.sensor.machine_id == sensor.machine_id and other.started_at < end
            and start < other.ends_at
            for other in self.uses.values() if other.customer_id != customer_id
        )

    def _first_use(self, customer_id: str, now: datetime) -> Use:
        """The use a customer is in when the simulation starts: it ends within a minute."""
        for sensor in self.rng.sample(self.sensors, len(self.sensors)):
            seconds = self._use_seconds(sensor)
            start = now - timedelta(seconds=seconds - self.rng.randint(0, min(60, seconds)))
            if self._free(customer_id, sensor, start, seconds):
                return Use(customer_id, sensor, start, seconds)
        return self._next_use(customer_id, now)  # more customers than machines: some wait

    def _next_use(self, customer_id: str, start: datetime) -> Use:
        """The customer's next machine: one that is free then, or the first to become free."""
        while True:
            for sensor in self.rng.sample(self.sensors, len(self.sensors)):
                seconds = self._use_seconds(sensor)
                if self._free(customer_id, sensor, start, seconds):
                    return Use(customer_id, sensor, start, seconds)
            start = min(other.ends_at for other in self.uses.values()
                        if other.customer_id != customer_id and other.ends_at > start)
