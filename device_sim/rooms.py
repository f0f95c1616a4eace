"""Room thermometers: rooms warm up over the day, the air conditioner pulls them back.

Each `Thermometer` owns its room's simulated temperature. The air around the room follows a daily
curve (cool at night, hottest mid-afternoon, a few degrees above the room's ``ac_on_at_c``); the
room drifts towards it, and while the room's air conditioner is on (as the cloud decided, read
back from Firestore) it cools fast enough to reach ``ac_off_at_c``. A day can be compressed
(``day_s``) so that a few minutes show rooms heating and cooling. Now and then a thermometer sends
an impossible value, the way real ones fail (-127 and 85 °C are a DS18B20's "disconnected" and
"power-on reset" values).

A thermometer writes only ``temperature_c`` and ``measured_at`` (an update, never the whole
document): the thresholds and the air conditioner belong to the manager and the trigger.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

FAULTY_VALUES_C = (-300.0, 1000.0, -127.0, 85.0)
ROOM_TIME_CONSTANT_S = 3600.0  # how fast a room follows the air around it
AC_COOLING_C_PER_H = 8.0
NOISE_C = 0.05
PEAK_HOUR = 15.0


@dataclass
class Thermometer:
    """The thermometer of one room, and the room's simulated air."""

    room_id: str
    on_at_c: float
    off_at_c: float
    temperature_c: float
    rng: random.Random
    fault_rate: float = 0.0
    sent: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if not 0 <= self.fault_rate <= 1:
            raise ValueError(f"fault rate must be within 0 and 1, got {self.fault_rate}")
        if self.off_at_c >= self.on_at_c:
            raise ValueError(f"{self.room_id}: ac_off_at_c {self.off_at_c} must be below "
                             f"ac_on_at_c {self.on_at_c}")

    def outside_c(self, hour: float) -> float:
        """The air around the room at `hour` of the day: hottest at PEAK_HOUR."""
        low, high = self.off_at_c - 3.0, self.on_at_c + 3.0
        return low + (high - low) * (1 + math.cos(2 * math.pi * (hour - PEAK_HOUR) / 24)) / 2

    def advance(self, seconds: float, hour: float, ac_on: bool) -> float:
        """Let `seconds` of simulated time pass; returns the room's new temperature."""
        pull = 1 - math.exp(-seconds / ROOM_TIME_CONSTANT_S)
        self.temperature_c += (self.outside_c(hour) - self.temperature_c) * pull
        if ac_on:
            self.temperature_c -= AC_COOLING_C_PER_H * seconds / 3600
        self.temperature_c += self.rng.gauss(0, NOISE_C)
        return self.temperature_c

    def reading(self) -> tuple[float, bool]:
        """What the thermometer reports now: (value in °C, whether it is a faulty value)."""
        if self.rng.random() < self.fault_rate:
            self.sent["faulty"] += 1
            return self.rng.choice(FAULTY_VALUES_C), True
        self.sent["valid"] += 1
        return round(self.temperature_c, 1), False


def thermometers_from_catalogue(rooms: Mapping[str, Mapping[str, Any]], count: int,
                                fault_rate: float, rng: random.Random) -> list[Thermometer]:
    """Thermometers for `count` rooms (0: all), the catalogue's numbered rooms first."""
    def order(room_id: str) -> tuple[int, int, str]:
        match = re.fullmatch(r"room-(\d+)", room_id)
        return (0, int(match.group(1)), room_id) if match else (1, 0, room_id)

    chosen = sorted(rooms, key=order)[: count or None]
    thermometers = []
    for room_id in chosen:
        room = rooms[room_id]
        start = room.get("temperature_c")
        if not isinstance(start, int | float) or not -40 <= start <= 60:
            start = (float(room["ac_on_at_c"]) + float(room["ac_off_at_c"])) / 2
        thermometers.append(Thermometer(room_id, float(room["ac_on_at_c"]),
                                        float(room["ac_off_at_c"]), float(start), rng,
                                        fault_rate))
    return thermometers


@dataclass
class RoomWatch:
    """What the simulator saw of the air conditioners (for the progress line and summary)."""

    ac_on: dict[str, bool] = field(default_factory=dict)
    switches: Counter[str] = field(default_factory=Counter)
    low_c: dict[str, float] = field(default_factory=dict)
    high_c: dict[str, float] = field(default_factory=dict)

    def saw(self, room_id: str, ac_on: bool, temperature_c: float) -> None:
        if room_id in self.ac_on and self.ac_on[room_id] != ac_on:
            self.switches[f"{room_id}:{'on' if ac_on else 'off'}"] += 1
        self.ac_on[room_id] = ac_on
        self.low_c[room_id] = min(self.low_c.get(room_id, temperature_c), temperature_c)
        self.high_c[room_id] = max(self.high_c.get(room_id, temperature_c), temperature_c)

    def line(self, thermometers: Sequence[Thermometer]) -> str:
        """Each room's temperature, with ❄ where the air conditioner is on."""
        return " ".join(
            f"{t.room_id}={t.temperature_c:.1f}°C{'❄' if self.ac_on.get(t.room_id) else ''}"
            for t in thermometers
        )


def run_rooms(args: argparse.Namespace) -> int:
    """Write thermometer readings every `interval` seconds for `duration` seconds (0: forever)."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import firestore
    from tqdm import tqdm

    project = args.project
    db = firestore.Client(project=project, credentials=AnonymousCredentials())
    rooms = {snap.id: snap.to_dict() or {} for snap in db.collection("rooms").stream()}
    rng = random.Random(args.seed)
    thermometers = thermometers_from_catalogue(rooms, args.rooms, args.fault_rate, rng)
    if not thermometers:
        logger.error("no rooms in Firestore: seed first (python -m emulators.seed)")
        return 1
    refs = {t.room_id: db.collection("rooms").document(t.room_id) for t in thermometers}
    speed = 86400 / args.day_s
    hour = args.start_hour
    ticks = int(args.duration / args.interval) if args.duration else None
    watch = RoomWatch()
    logger.info("simulating rooms=%s interval=%ss day=%ss (x%.0f) fault_rate=%.2f",
                ",".join(refs), args.interval, args.day_s, speed, args.fault_rate)
    started = time.monotonic()
    tick = 0
    try:
        with tqdm(total=ticks, unit="tick", desc="room thermometers", file=sys.stderr) as bar:
            while ticks is None or tick < ticks:
                snaps = {s.id: s.to_dict() or {} for s in db.get_all(list(refs.values()))}
                hour = (hour + args.interval * speed / 3600) % 24
                now = datetime.now(UTC)
                for thermometer in thermometers:
                    ac_on = bool(snaps.get(thermometer.room_id, {}).get("ac_on"))
                    thermometer.advance(args.interval * speed, hour, ac_on)
                    watch.saw(thermometer.room_id, ac_on, thermometer.temperature_c)
                    value, _faulty = thermometer.reading()
                    refs[thermometer.room_id].update({"temperature_c": value, "measured_at": now})
                tick += 1
                bar.update(1)
                bar.set_postfix_str(f"{int(hour):02d}:{int(hour % 1 * 60):02d} "
                                    f"{watch.line(thermometers)}", refresh=False)
                delay = started + tick * args.interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
    except KeyboardInterrupt:
        logger.info("interrupted")
    sent = sum((t.sent for t in thermometers), Counter())
    ranges = " ".join(f"{r}={watch.low_c[r]:.1f}..{watch.high_c[r]:.1f}°C" for r in watch.low_c)
    logger.info("rooms done readings=%d valid=%d faulty=%d ac_switches=%s ranges=%s "
                "seconds=%.1f", sent["valid"] + sent["faulty"], sent["valid"], sent["faulty"],
                dict(watch.switches), ranges, time.monotonic() - started)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `rooms` subcommand's options."""
    parser.add_argument("--rooms", type=int, default=3, help="rooms to simulate (0: all)")
    parser.add_argument("--interval", type=float, default=5.0,
                        help="seconds between readings of each room")
    parser.add_argument("--duration", type=float, default=300,
                        help="seconds to run (0: until Ctrl-C)")
    parser.add_argument("--day-s", type=float, default=600.0,
                        help="real seconds per simulated day (86400: real time)")
    parser.add_argument("--start-hour", type=float, default=11.0,
                        help="simulated time of day to start at")
    parser.add_argument("--fault-rate", type=float, default=0.02,
                        help="share of impossible readings, 0 to 1")
    parser.add_argument("--seed", type=int, default=None, help="random seed (repeatable runs)")
    parser.add_argument("--project", default=os.environ.get("GCLOUD_PROJECT", "demo-gymiot"))
