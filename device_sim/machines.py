"""Machine sensors: each use of a cardio machine becomes one message on `machine-usage`.

A sensor knows its machine (room, typical calorie rate, session lengths) and produces plausible
readings; at a chosen rate it produces a faulty one instead, of the kinds real sensors send
(not-a-number values, spikes, zero or endless sessions, unknown ids, missing fields).
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

    def reading(self, customer_id: str, now: datetime, rng: random.Random) -> dict[str, Any]:
        """A plausible use that has just ended."""
        minutes = rng.randint(*self.session_min)
        seconds = minutes * 60 + rng.randint(0, 59)
        kcal = round(seconds / 60 * self.kcal_per_min * rng.uniform(0.75, 1.25), 1)
        return {
            "event_id": f"ev-{uuid.UUID(int=rng.getrandbits(128))}",
            "machine_id": self.machine_id, "customer_id": customer_id, "room_id": self.room_id,
            "started_at": (now - timedelta(seconds=seconds)).isoformat(),
            "duration_s": seconds, "calories_kcal": kcal,
        }

    def faulty_body(self, customer_id: str, now: datetime, rng: random.Random, kind: str
                    ) -> bytes:
        """A reading broken in one of the ways real sensors break."""
        body = self.reading(customer_id, now, rng)
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


@dataclass
class Gym:
    """Customers using machines at random; produces (body, attributes, fault kind or None)."""

    sensors: list[MachineSensor]
    customers: list[str]
    fault_rate: float
    rng: random.Random

    def __post_init__(self) -> None:
        if not self.sensors or not self.customers:
            raise ValueError("the gym needs at least one cardio machine and one customer")
        if not 0 <= self.fault_rate <= 1:
            raise ValueError(f"fault rate must be within 0 and 1, got {self.fault_rate}")
        self.sent: Counter[str] = Counter()

    def next_message(self, now: datetime | None = None) -> tuple[bytes, dict[str, str], str | None]:
        now = now or datetime.now(UTC)
        sensor = self.rng.choice(self.sensors)
        customer_id = self.rng.choice(self.customers)
        if self.rng.random() < self.fault_rate:
            kind = self.rng.choice(FAULT_KINDS)
            self.sent[f"fault:{kind}"] += 1
            body = sensor.faulty_body(customer_id, now, self.rng, kind)
            return body, {"machine_id": sensor.machine_id}, kind
        self.sent["valid"] += 1
        body = json.dumps(sensor.reading(customer_id, now, self.rng)).encode()
        return body, {"machine_id": sensor.machine_id}, None
