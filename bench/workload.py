"""The benchmark's gym: its own room, machines, customers and cards, and a backlog of readings."""

from __future__ import annotations

import json
import logging
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.cloud import firestore
from tqdm import tqdm

logger = logging.getLogger(__name__)

ROOM_KCAL_PER_MIN = {"treadmill": 11.0, "bike": 8.0, "rower": 9.5, "elliptical": 9.0}


@dataclass
class Workload:
    """Catalogue ids of one benchmark run (unique, so runs never mix)."""

    run_id: str
    customers: list[str]
    machines: list[str]
    room_id: str

    @classmethod
    def create(cls, db: firestore.Client, customers: int, run_id: str | None = None) -> Workload:
        run_id = run_id or uuid.uuid4().hex[:6]
        room_id = f"bench-{run_id}-room"
        machines = [f"bench-{run_id}-{kind}" for kind in ROOM_KCAL_PER_MIN]
        ids = [f"bench-{run_id}-c{n:04d}" for n in range(customers)]
        now = datetime.now(UTC)
        writer = db.bulk_writer()
        writer.set(db.collection("rooms").document(room_id), {
            "name": "Benchmark room", "ac_on_at_c": 28.0, "ac_off_at_c": 25.0,
            "temperature_c": 22.0, "measured_at": now, "ac_on": False})
        for machine_id, rate in zip(machines, ROOM_KCAL_PER_MIN.values(), strict=True):
            writer.set(db.collection("machines").document(machine_id), {
                "room_id": room_id, "kind": "cardio", "kcal_per_min": rate})
        steps = [{"machine_id": m, "kcal_target": 1e9, "kcal_left": 1e9} for m in machines]
        for customer_id in ids:
            writer.set(db.collection("customers").document(customer_id),
                       {"name": customer_id, "email": f"{customer_id}@bench.test"})
            writer.set(db.collection("training_cards").document(customer_id), {
                "customer_id": customer_id, "cycle": 1, "cycle_started_at": now,
                "steps": steps, "reminded_steps": [0, 1, 2, 3], "applied_event_ids": []})
        writer.close()
        return cls(run_id, ids, machines, room_id)

    def delete(self, db: firestore.Client) -> None:
        """Remove everything of this run (customers with their rollups, cards, catalogue), so
        benchmarks leave the local data as they found it."""
        refs = [db.collection("rooms").document(self.room_id),
                *(db.collection("machines").document(m) for m in self.machines)]
        for customer_id in self.customers:
            refs += [db.collection("customers").document(customer_id),
                     db.collection("training_cards").document(customer_id)]
        for ref in tqdm(refs, desc="removing benchmark data", unit="doc", file=sys.stderr):
            db.recursive_delete(ref)  # closes the bulk writer it is given: one each
        logger.info("benchmark data removed run_id=%s documents=%d (and their subcollections)",
                    self.run_id, len(refs))

    def readings(self, count: int, seed: int = 1, now: datetime | None = None
                 ) -> list[dict[str, object]]:
        """`count` valid readings of the last hour, customers and machines at random."""
        rng = random.Random(seed)
        now = now or datetime.now(UTC)
        result = []
        for number in range(count):
            machine_id = rng.choice(self.machines)
            minutes = rng.randint(10, 40)
            rate = ROOM_KCAL_PER_MIN[machine_id.rsplit("-", 1)[1]]
            started = now - timedelta(seconds=rng.randint(minutes * 60, 3600))
            result.append({
                "event_id": f"bench-{self.run_id}-{seed}-{number}",
                "machine_id": machine_id, "customer_id": rng.choice(self.customers),
                "room_id": self.room_id,
                "started_at": started.isoformat(),
                "duration_s": minutes * 60,
                "calories_kcal": round(minutes * rate * rng.uniform(0.8, 1.2), 1),
            })
        return result


def encode(reading: dict[str, object]) -> bytes:
    return json.dumps(reading).encode()
