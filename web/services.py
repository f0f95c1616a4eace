"""What the pages share in one dashboard process: Firestore, the listeners, room history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from web.live import LiveHub, Watch
from web.rooms import TRAINING_WINDOW, TemperatureHistory


@dataclass
class Services:
    """The dashboard's shared state; the pages read it, the listeners keep it fresh."""

    db: firestore.Client
    hub: LiveHub
    temperatures: TemperatureHistory = field(default_factory=TemperatureHistory)
    _rooms_fed: bool = False
    _recent_key: str | None = None

    def machines(self) -> Watch:
        return self.hub.query("machines", lambda db: db.collection("machines"))

    def machine_names(self) -> dict[str, str]:
        return {m["id"]: str(m.get("name") or m["id"]) for m in self.machines().value}

    def rooms(self) -> Watch:
        watch = self.hub.query("rooms", lambda db: db.collection("rooms"))
        if not self._rooms_fed:
            # Fed once per process, whatever the number of browsers watching the rooms.
            watch.changed.subscribe(self.temperatures.add, unsubscribe_on_delete=False)
            self._rooms_fed = True
        return watch

    def customers(self) -> Watch:
        return self.hub.query("customers", lambda db: db.collection("customers"))

    def recent_customers(self, now: datetime | None = None) -> Watch:
        """Customers who used a machine since the training window before this hour began.

        A range query on `last_machine_event_at` (indexed by Firestore on its own), not the
        whole customers collection; the pages still apply the exact window. The bound moves
        each hour: the listener of the hour before is closed.
        """
        hour = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
        since = hour - TRAINING_WINDOW
        key = f"customers-since:{since.isoformat()}"
        if self._recent_key is not None and self._recent_key != key:
            self.hub.drop(f"query:{self._recent_key}")
        self._recent_key = key
        return self.hub.query(key, lambda db: db.collection("customers").where(
            filter=firestore.FieldFilter("last_machine_event_at", ">=", since)))

    def document(self, path: str) -> Watch:
        return self.hub.document(path)

    def query(self, key: str, build: Any) -> Watch:
        return self.hub.query(key, build)
