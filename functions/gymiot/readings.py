"""Machine readings: the message schema and the checks a reading must pass to count."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from gymiot.errors import InvalidReading

MAX_DURATION_S = 4 * 3600
MAX_KCAL_PER_MINUTE = 30.0
MAX_CLOCK_SKEW = timedelta(minutes=2)

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Identifier = Annotated[str, Field(strict=True, min_length=1, max_length=128)]


class MachineReading(BaseModel):
    """One use of one machine, as a sensor publishes it on `machine-usage`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: Identifier
    machine_id: Identifier
    customer_id: Identifier
    room_id: Identifier
    started_at: AwareDatetime
    duration_s: Number
    calories_kcal: Number

    @field_validator("started_at", mode="before")
    @classmethod
    def _rfc3339_text(cls, value: Any) -> Any:
        if not isinstance(value, str | datetime):
            raise ValueError("must be an RFC 3339 timestamp with an offset, as text")
        return value

    @property
    def minutes(self) -> float:
        return self.duration_s / 60

    @property
    def ended_at(self) -> datetime:
        return self.started_at + timedelta(seconds=self.duration_s)


@dataclass(frozen=True)
class Catalogue:
    """The ids a reading may name: machines (with their room), rooms and customers."""

    machine_rooms: dict[str, str]
    rooms: frozenset[str]
    customers: frozenset[str]


def _reject_constant(token: str) -> float:
    raise InvalidReading(f"{token} is not a number JSON allows", None)


def decode(data: bytes) -> dict[str, Any]:
    """Parse a message body as strict JSON (no NaN or Infinity tokens)."""
    try:
        body = json.loads(data, parse_constant=_reject_constant)
    except InvalidReading as error:
        raise InvalidReading(f"body is not valid JSON: {error.reason}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidReading(f"body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise InvalidReading("body must be a JSON object")
    return body


def _first_error(error: ValidationError) -> InvalidReading:
    detail = error.errors()[0]
    field = ".".join(str(part) for part in detail["loc"]) or None
    return InvalidReading(f"{detail['msg']} (got {detail.get('input')!r})", field)


def check_plausible(reading: MachineReading, now: datetime) -> None:
    """Raise InvalidReading unless a human could have produced this reading."""
    if not 0 < reading.duration_s <= MAX_DURATION_S:
        raise InvalidReading(
            f"must be above 0 and at most {MAX_DURATION_S} s, got {reading.duration_s}",
            "duration_s",
        )
    if reading.calories_kcal < 0:
        raise InvalidReading(f"must not be negative, got {reading.calories_kcal}", "calories_kcal")
    rate = reading.calories_kcal / reading.minutes
    if not math.isfinite(rate) or rate > MAX_KCAL_PER_MINUTE:
        raise InvalidReading(
            f"{reading.calories_kcal} kcal in {reading.duration_s} s is above "
            f"{MAX_KCAL_PER_MINUTE} kcal/min",
            "calories_kcal",
        )
    if reading.started_at - now > MAX_CLOCK_SKEW:
        raise InvalidReading(
            f"is in the future ({reading.started_at.isoformat()} > {now.isoformat()})",
            "started_at",
        )


def check_catalogue(reading: MachineReading, catalogue: Catalogue) -> None:
    """Raise InvalidReading unless machine, room and customer are known and consistent."""
    machine_room = catalogue.machine_rooms.get(reading.machine_id)
    if machine_room is None:
        raise InvalidReading(f"unknown machine {reading.machine_id!r}", "machine_id")
    if reading.room_id not in catalogue.rooms:
        raise InvalidReading(f"unknown room {reading.room_id!r}", "room_id")
    if machine_room != reading.room_id:
        raise InvalidReading(
            f"machine {reading.machine_id!r} stands in {machine_room!r}, not {reading.room_id!r}",
            "room_id",
        )
    if reading.customer_id not in catalogue.customers:
        raise InvalidReading(f"unknown customer {reading.customer_id!r}", "customer_id")


def parse_reading(data: bytes, now: datetime, catalogue: Catalogue | None = None) -> MachineReading:
    """Decode and validate one message body; raise InvalidReading with the reason."""
    body = decode(data)
    try:
        reading = MachineReading.model_validate(body)
    except ValidationError as error:
        raise _first_error(error) from None
    check_plausible(reading, now)
    if catalogue is not None:
        check_catalogue(reading, catalogue)
    return reading
