"""The gym's catalogue in Firestore: machines (and the room each stands in), rooms, customers."""

from __future__ import annotations

from collections.abc import Iterable

from google.cloud import firestore

from gymiot.readings import Catalogue


def load_catalogue(db: firestore.Client, customer_ids: Iterable[str]) -> Catalogue:
    """Machines and rooms in full (a gym has tens), and which of the named customers exist."""
    machine_rooms = {
        snap.id: (snap.to_dict() or {}).get("room_id", "")
        for snap in db.collection("machines").stream()
    }
    rooms = frozenset(snap.id for snap in db.collection("rooms").select([]).stream())
    refs = [db.collection("customers").document(cid) for cid in set(customer_ids)]
    customers = frozenset(snap.id for snap in db.get_all(refs, field_paths=[]) if snap.exists)
    return Catalogue(machine_rooms=machine_rooms, rooms=rooms, customers=customers)
