"""Seed data: rooms, machines, customers, training cards and two years of history.

The history is made of machine readings folded by the same rollup code the poller uses, so the
charts show what the pipeline would have produced. Seeding is skipped when `meta/seed` exists
(Firestore data persists across restarts); `--force` writes it again.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from emulators import suite

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))

from gymiot.readings import MachineReading  # noqa: E402
from gymiot.rollups import day_figures, local_day, year_figures  # noqa: E402
from gymiot.training_card import new_card  # noqa: E402

logger = logging.getLogger(__name__)

SEED_VERSION = 1
TIMEZONE = ZoneInfo("Europe/Rome")

ROOMS = {
    "room-1": {"name": "Cardio room", "ac_on_at_c": 28.0, "ac_off_at_c": 25.0},
    "room-2": {"name": "Weights room", "ac_on_at_c": 27.0, "ac_off_at_c": 24.0},
    "room-3": {"name": "Studio", "ac_on_at_c": 26.0, "ac_off_at_c": 23.0},
}
# kcal_per_min: a typical rate for a moderate session (cardio machines report calories).
MACHINES = {
    "treadmill-1": {"room_id": "room-1", "kind": "cardio", "name": "Treadmill 1",
                    "kcal_per_min": 11.0, "session_min": (15, 45)},
    "treadmill-2": {"room_id": "room-1", "kind": "cardio", "name": "Treadmill 2",
                    "kcal_per_min": 11.0, "session_min": (15, 45)},
    "bike-1": {"room_id": "room-1", "kind": "cardio", "name": "Exercise bike",
               "kcal_per_min": 8.0, "session_min": (20, 60)},
    "rower-1": {"room_id": "room-1", "kind": "cardio", "name": "Rowing machine",
                "kcal_per_min": 9.5, "session_min": (10, 30)},
    "elliptical-1": {"room_id": "room-3", "kind": "cardio", "name": "Elliptical",
                     "kcal_per_min": 9.0, "session_min": (15, 40)},
    "stairclimber-1": {"room_id": "room-3", "kind": "cardio", "name": "Stair climber",
                       "kcal_per_min": 12.0, "session_min": (10, 25)},
    "bench-press-1": {"room_id": "room-2", "kind": "strength", "name": "Bench press",
                      "exercise": "bench-press"},
    "leg-press-1": {"room_id": "room-2", "kind": "strength", "name": "Leg press",
                    "exercise": "leg-press"},
    "lat-pulldown-1": {"room_id": "room-2", "kind": "strength", "name": "Lat pulldown",
                       "exercise": "lat-pulldown"},
}
CUSTOMERS = {
    "c01": {"name": "Alice Rossi", "email": "alice@example.test"},
    "c02": {"name": "Bruno Bianchi", "email": "bruno@example.test"},
    "c03": {"name": "Chiara Verdi", "email": "chiara@example.test"},
    "c04": {"name": "Davide Russo", "email": "davide@example.test"},
    "c05": {"name": "Elena Ferrari", "email": "elena@example.test"},
}
CARD_STEPS = [
    {"machine_id": "treadmill-1", "kcal_target": 250},
    {"exercise": "bench-press", "reps_target": 36},
    {"machine_id": "bike-1", "kcal_target": 200},
    {"exercise": "leg-press", "reps_target": 30},
    {"machine_id": "rower-1", "kcal_target": 120},
]
CARDIO = [m for m, spec in MACHINES.items() if spec["kind"] == "cardio"]
RECENT_DAYS = 14


def history(customer_id: str, start: date, end: date, rng: random.Random
            ) -> list[MachineReading]:
    """Plausible machine readings of one customer from `start` to `end` (local days)."""
    readings = []
    fitness = rng.uniform(0.8, 1.2)
    day = start
    while day <= end:
        # A customer trains two to four times a week and a bit more as the year goes on.
        if rng.random() < (0.3 + 0.1 * day.month / 12) * fitness:
            moment = datetime.combine(day, time(rng.randint(7, 20), rng.randint(0, 59)), TIMEZONE)
            for machine_id in rng.sample(CARDIO, rng.randint(1, 3)):
                spec = MACHINES[machine_id]
                minutes = rng.randint(*spec["session_min"])
                kcal = round(minutes * spec["kcal_per_min"] * rng.uniform(0.8, 1.2) * fitness, 1)
                readings.append(MachineReading(
                    event_id=f"seed-{uuid.UUID(int=rng.getrandbits(128))}",
                    machine_id=machine_id, customer_id=customer_id,
                    room_id=spec["room_id"], started_at=moment.astimezone(UTC),
                    duration_s=float(minutes * 60), calories_kcal=kcal,
                ))
                moment += timedelta(minutes=minutes + rng.randint(2, 10))
        day += timedelta(days=1)
    return readings


def seed(db: firestore.Client, today: date, force: bool = False) -> int:
    """Write the seed data; returns how many documents were written (0 when already seeded)."""
    marker = db.collection("meta").document("seed")
    if marker.get().exists and not force:
        logger.info("already seeded; use --force to write the seed data again")
        return 0
    now = datetime.now(UTC)
    writer = db.bulk_writer()
    count = 0
    for room_id, room in ROOMS.items():
        writer.set(db.collection("rooms").document(room_id),
                   {**room, "temperature_c": 24.0, "measured_at": now, "ac_on": False})
        count += 1
    for machine_id, machine in MACHINES.items():
        writer.set(db.collection("machines").document(machine_id), machine)
        count += 1
    rng = random.Random(2025)
    start = date(today.year - 1, 1, 1)
    for customer_id, profile in CUSTOMERS.items():
        customer_ref = db.collection("customers").document(customer_id)
        writer.set(customer_ref, {
            **profile, "role": "customer", "monthly_fee_minor": 4990, "currency": "EUR",
            "telegram_chat_id": None, "created_at": now,
        })
        writer.set(db.collection("training_cards").document(customer_id),
                   new_card(customer_id, CARD_STEPS, now))
        readings = history(customer_id, start, today - timedelta(days=1), rng)
        for year, figures in year_figures(readings, TIMEZONE).items():
            writer.set(customer_ref.collection("years").document(str(year)),
                       {**figures, "year": year, "customer_id": customer_id})
        recent = [r for r in readings
                  if (today - local_day(r.started_at, TIMEZONE)).days <= RECENT_DAYS]
        ids = defaultdict(list)
        for reading in recent:
            ids[local_day(reading.started_at, TIMEZONE).isoformat()].append(reading.event_id)
        for day, figures in day_figures(recent, TIMEZONE).items():
            writer.set(customer_ref.collection("days").document(day),
                       {**figures, "date": day, "event_ids": ids[day]})
        count += 2 + len(year_figures(readings, TIMEZONE)) + len(ids)
        logger.info("seeded customer_id=%s readings=%d", customer_id, len(readings))
    writer.close()
    marker.set({"version": SEED_VERSION, "seeded_at": now, "documents": count})
    logger.info("seed written documents=%d", count)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.seed", description=__doc__)
    parser.add_argument("--force", action="store_true", help="write the seed data again")
    parser.add_argument("--project", default="demo-gymiot")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    suite.use_local_suite()  # seed data is for the local suite
    db = firestore.Client(project=args.project, credentials=AnonymousCredentials())
    seed(db, datetime.now(TIMEZONE).date(), force=args.force)
    if os.environ.get("FIREBASE_AUTH_EMULATOR_HOST"):
        # Dashboard logins (Auth emulator only); idempotent, so they follow a skipped seed too.
        from web.seed_users import seed_users

        seed_users(CUSTOMERS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
