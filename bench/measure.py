"""What the benchmark observes: completion in Firestore, the functions log, workers' memory."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from google.cloud import firestore

ROME = ZoneInfo("Europe/Rome")
POLL_LINE = re.compile(
    r"poll done subscription=\S+/(?P<sub>\S+) batches=(?P<batches>\d+) pulled=(?P<pulled>\d+) "
    r"counted=(?P<counted>\d+) duplicates=(?P<duplicates>\d+) rejected=\d+ retried=\d+ "
    r"commits=(?P<commits>\d+) pull_calls=(?P<pull_calls>\d+)"
)
INVOCATION = re.compile(r'Beginning execution of "[\w-]+?-(?P<name>\w+)"')
FINISHED = re.compile(r'Finished "[\w-]+?-(?P<name>\w+)" in (?P<ms>[\d.]+)ms')


def day_keys(readings: Iterable[dict[str, object]]) -> set[tuple[str, str]]:
    """(customer, local day) pairs that the readings fall on."""
    return {
        (str(r["customer_id"]),
         datetime.fromisoformat(str(r["started_at"])).astimezone(ROME).date().isoformat())
        for r in readings
    }


def counted_events(db: firestore.Client, keys: set[tuple[str, str]]) -> set[str]:
    """Event ids the day documents of those (customer, day) pairs hold."""
    refs = [db.document(f"customers/{c}/days/{d}") for c, d in sorted(keys)]
    ids: set[str] = set()
    for start in range(0, len(refs), 300):
        for snap in db.get_all(refs[start:start + 300], field_paths=["event_ids"]):
            if snap.exists:
                ids.update((snap.to_dict() or {}).get("event_ids", []))
    return ids


def carded_events(db: firestore.Client, customers: Iterable[str]) -> set[str]:
    """Event ids the customers' training cards have applied."""
    refs = [db.document(f"training_cards/{c}") for c in sorted(set(customers))]
    ids: set[str] = set()
    for start in range(0, len(refs), 300):
        for snap in db.get_all(refs[start:start + 300], field_paths=["applied_event_ids"]):
            ids.update((snap.to_dict() or {}).get("applied_event_ids", []))
    return ids


def last_write(db: firestore.Client, paths: Iterable[str]) -> datetime:
    """When the latest of these documents was last written, by the emulator's clock (this
    machine's): completion to the millisecond, not to the observer's polling interval."""
    refs = [db.document(path) for path in sorted(set(paths))]
    latest: datetime | None = None
    for start in range(0, len(refs), 300):
        for snap in db.get_all(refs[start:start + 300], field_paths=["__name__"]):
            if snap.exists and (latest is None or snap.update_time > latest):
                latest = snap.update_time
    if latest is None:
        raise LookupError("none of the documents exists")
    return latest


class LogWatch:
    """Reads what the functions emulator logged after a given moment."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def text(self) -> str:
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            return log.read().decode(errors="replace")

    def invocations(self) -> Counter[str]:
        return Counter(match["name"] for match in INVOCATION.finditer(self.text()))

    def settled_invocations(self, quiet_s: float = 2.0, timeout_s: float = 30.0
                            ) -> Counter[str]:
        """Invocations once the log has stopped growing for `quiet_s`: the emulator logs an
        invocation after the function's own write, so the last few land late."""
        counts = self.invocations()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            time.sleep(quiet_s)
            latest = self.invocations()
            if latest == counts:
                break
            counts = latest
        return counts

    def durations_ms(self, name: str) -> list[float]:
        """How long each finished invocation of function `name` ran, as the emulator timed it."""
        return [float(m["ms"]) for m in FINISHED.finditer(self.text()) if m["name"] == name]

    def polls(self, subscription: str) -> list[dict[str, int]]:
        return [
            {k: int(v) for k, v in match.groupdict().items() if k != "sub"}
            for match in POLL_LINE.finditer(self.text()) if match["sub"] == subscription
        ]


def _worker_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"functions/venv/bin/python" in cmdline or b"functions-framework" in cmdline:
            pids.append(int(entry.name))
    return pids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class WorkerMemory:
    """Samples the resident memory of the Python functions workers until stopped."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.interval_s = interval_s
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in _worker_pids():
                self.peak_kib = max(self.peak_kib, _rss_kib(pid))
            time.sleep(self.interval_s)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024
