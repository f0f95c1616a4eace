"""Firestore listeners shared by every page: one `on_snapshot` per document or query.

A page never polls. It asks the hub for the watch of what it shows, reads the latest value and
subscribes to the watch's `changed` event; the listener thread hands each snapshot to the event
loop, which emits it to the pages. Watches live until the dashboard stops: a gym has tens of
customers, so keeping one listener per customer ever opened is cheaper than reopening them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from google.cloud import firestore
from nicegui import Event, run

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = 10.0


class Watch:
    """The latest value of one document (dict or None) or query (list of dicts with "id")."""

    def __init__(self, key: str, is_query: bool) -> None:
        self.key = key
        self.is_query = is_query
        self.value: Any = [] if is_query else None
        self.changed: Event[Any] = Event()
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: Any = None

    def start(self, target: firestore.DocumentReference | firestore.Query,
              loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._handle = target.on_snapshot(self._on_snapshot)

    def _on_snapshot(self, snapshots: list[Any], changes: Any, read_time: Any) -> None:
        if self.is_query:
            value: Any = [{**(snap.to_dict() or {}), "id": snap.id} for snap in snapshots]
        else:
            snap = snapshots[0] if snapshots else None
            value = (snap.to_dict() or {}) if snap is not None and snap.exists else None
        self.value = value
        self.ready.set()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.changed.emit, value)
        logger.debug("snapshot key=%s", self.key)

    async def wait_ready(self) -> Any:
        """The value once the first snapshot arrived (or the empty value after a timeout)."""
        if not self.ready.is_set():
            arrived = await run.io_bound(self.ready.wait, READY_TIMEOUT_S)
            if not arrived:
                logger.warning("no first snapshot in time key=%s", self.key)
        return self.value

    def close(self) -> None:
        if self._handle is not None:
            self._handle.unsubscribe()
            self._handle = None


class LiveHub:
    """One watch per key for the whole process, created on first use."""

    def __init__(self, db: firestore.Client) -> None:
        self.db = db
        self._watches: dict[str, Watch] = {}
        self._lock = threading.Lock()

    def _get(self, key: str, is_query: bool,
             target: Callable[[], firestore.DocumentReference | firestore.Query]) -> Watch:
        with self._lock:
            watch = self._watches.get(key)
            if watch is None:
                watch = Watch(key, is_query)
                watch.start(target(), asyncio.get_running_loop())
                self._watches[key] = watch
                logger.info("listener opened key=%s", key)
            return watch

    def document(self, path: str) -> Watch:
        return self._get(path, False, lambda: self.db.document(path))

    def query(self, key: str, build: Callable[[firestore.Client], firestore.Query]) -> Watch:
        return self._get(f"query:{key}", True, lambda: build(self.db))

    def drop(self, key: str) -> None:
        """Close one watch (pages that still hold it keep its last value)."""
        with self._lock:
            watch = self._watches.pop(key, None)
        if watch is not None:
            watch.close()
            logger.info("listener closed key=%s", key)

    def close(self) -> None:
        with self._lock:
            for watch in self._watches.values():
                watch.close()
            logger.info("listeners closed count=%d", len(self._watches))
            self._watches.clear()
