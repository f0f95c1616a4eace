"""Customers' usage totals in Firestore: one transaction per customer and batch, counted once.

A customer's events of one batch are committed together: the day documents they fall on (which
also hold the ids of the events already counted that day), the year rollups and the customer's
current room. An event whose id a day document already holds is a redelivery and counts nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from google.cloud import firestore

from gymiot.readings import MachineReading
from gymiot.rollups import as_increments, day_figures, local_day, year_figures

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UsageCommit:
    """What one customer's transaction counted and what it recognised as already counted."""

    customer_id: str
    counted: tuple[MachineReading, ...]
    duplicates: tuple[MachineReading, ...]


def _split_repeats(readings: Sequence[MachineReading]
                   ) -> tuple[list[MachineReading], list[MachineReading]]:
    """The first reading of each event id, and the later copies in the same batch."""
    seen: set[str] = set()
    unique, repeats = [], []
    for reading in readings:
        (repeats if reading.event_id in seen else unique).append(reading)
        seen.add(reading.event_id)
    return unique, repeats


def record_usage(
    db: firestore.Client, customer_id: str, readings: Sequence[MachineReading], tz: ZoneInfo
) -> UsageCommit:
    """Count one customer's readings in one transaction; events already counted are skipped."""
    customer_ref = db.collection("customers").document(customer_id)
    readings, repeats = _split_repeats(readings)
    day_refs = {
        day: customer_ref.collection("days").document(day)
        for day in {local_day(r.started_at, tz).isoformat() for r in readings}
    }

    @firestore.transactional
    def commit(transaction: firestore.Transaction) -> UsageCommit:
        snapshots = {
            snap.reference.path: snap
            for snap in db.get_all([customer_ref, *day_refs.values()], transaction=transaction)
        }
        counted_ids: set[str] = set()
        for ref in day_refs.values():
            snap = snapshots.get(ref.path)
            if snap is not None and snap.exists:
                counted_ids.update((snap.to_dict() or {}).get("event_ids", []))
        fresh = tuple(r for r in readings if r.event_id not in counted_ids)
        duplicates = (*repeats, *(r for r in readings if r.event_id in counted_ids))
        if not fresh:
            return UsageCommit(customer_id, (), duplicates)

        for day, figures in day_figures(fresh, tz).items():
            ids = [r.event_id for r in fresh if local_day(r.started_at, tz).isoformat() == day]
            transaction.set(
                day_refs[day],
                {**as_increments(figures), "date": day, "event_ids": firestore.ArrayUnion(ids)},
                merge=True,
            )
        for year, figures in year_figures(fresh, tz).items():
            transaction.set(
                customer_ref.collection("years").document(str(year)),
                {**as_increments(figures), "year": year, "customer_id": customer_id},
                merge=True,
            )
        # Presence in a room counts from the end of the customer's latest use.
        latest = max(fresh, key=lambda r: r.ended_at)
        customer = snapshots.get(customer_ref.path)
        last_seen = (customer.to_dict() or {}).get("last_machine_event_at") if customer else None
        if last_seen is None or latest.ended_at > last_seen:
            transaction.set(
                customer_ref,
                {
                    "current_room_id": latest.room_id,
                    "last_machine_id": latest.machine_id,
                    "last_machine_event_at": latest.ended_at,
                },
                merge=True,
            )
        return UsageCommit(customer_id, fresh, duplicates)

    result = commit(db.transaction())
    logger.info(
        "usage committed customer_id=%s counted=%d duplicates=%d",
        customer_id, len(result.counted), len(result.duplicates),
    )
    return result
