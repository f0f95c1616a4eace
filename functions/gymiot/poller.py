"""The every-minute poll of `machine-usage`: pull the backlog in batches and count it.

A batch is up to `poll_batch_size` messages (20,000 by default, gathered by pulls of at most
1,000): large enough that a customer's events of one batch share one commit and one
`training-card` message (commits and card invocations per batch are bounded by the customers in
it, not the events), small enough that memory stays flat however long the backlog is.

Each batch is validated; valid readings are committed per customer (one transaction each), then
forwarded to `training-card` (one message per customer per batch) and invalid ones to
`device-errors` (one message per device per batch, each fault with its reason). Messages are acked
only after their customer's commit and the forwards succeeded. A crash anywhere before the ack
leaves the batch to be redelivered, and redelivery counts nothing twice (see `usage`).
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore, pubsub_v1
from google.pubsub_v1.types import ReceivedMessage

from gymiot import topics
from gymiot.catalogue import load_catalogue
from gymiot.config import Settings
from gymiot.errors import InvalidReading
from gymiot.readings import Catalogue, MachineReading, check_catalogue, parse_reading
from gymiot.usage import UsageCommit, record_usage

logger = logging.getLogger(__name__)

MAX_FAULT_READING_CHARS = 2000
PULL_TIMEOUT_S = 10.0
PULL_MAX_MESSAGES = 1000  # Pub/Sub's most per pull
ACK_CHUNK = 1000
COMMIT_WORKERS = 8


@dataclass
class PollStats:
    """What one poll did, for the log line and the benchmark."""

    batches: int = 0
    pulled: int = 0
    counted: int = 0
    duplicates: int = 0
    rejected: int = 0
    commits: int = 0
    retried: int = 0
    pull_calls: int = 0

    def add(self, other: PollStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Fault:
    """A reading that cannot count, with the reason and as much of the reading as we have."""

    device_id: str
    room_id: str
    reason: str
    reading: str
    message_id: str

    def as_message(self, detected_at: datetime) -> dict[str, Any]:
        return {
            "device_id": self.device_id, "room_id": self.room_id, "reason": self.reason,
            "reading": self.reading, "message_id": self.message_id,
            "detected_at": detected_at.isoformat(),
        }


@dataclass
class Batch:
    """One pulled batch sorted into valid readings per customer and faults."""

    valid: dict[str, list[tuple[str, MachineReading]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    faults: list[tuple[str, Fault]] = field(default_factory=list)


def _ids_of(body: bytes) -> dict[str, Any]:
    """Whatever ids a rejected body still names (lenient JSON: NaN tokens allowed here)."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _fault(message: ReceivedMessage, error: InvalidReading) -> Fault:
    body = message.message.data
    parsed = _ids_of(body)
    device = parsed.get("machine_id") or message.message.attributes.get("machine_id") or "unknown"
    return Fault(
        device_id=str(device)[:128],
        room_id=str(parsed.get("room_id") or "unknown")[:128],
        reason=str(error),
        reading=body.decode("utf-8", errors="replace")[:MAX_FAULT_READING_CHARS],
        message_id=message.message.message_id,
    )


def sort_batch(
    messages: Sequence[ReceivedMessage], now: datetime,
    load: Callable[[set[str]], Catalogue],
) -> Batch:
    """Validate a batch: readings that pass, grouped by customer, and faults with reasons."""
    batch = Batch()
    parsed: list[tuple[ReceivedMessage, MachineReading]] = []
    for message in messages:
        try:
            parsed.append((message, parse_reading(message.message.data, now)))
        except InvalidReading as error:
            batch.faults.append((message.ack_id, _fault(message, error)))
    catalogue = load({reading.customer_id for _, reading in parsed})
    for message, reading in parsed:
        try:
            check_catalogue(reading, catalogue)
        except InvalidReading as error:
            batch.faults.append((message.ack_id, _fault(message, error)))
            continue
        batch.valid[reading.customer_id].append((message.ack_id, reading))
    return batch


def card_message(customer_id: str, readings: Sequence[MachineReading]) -> bytes:
    """The one `training-card` message for a customer's readings of a batch."""
    events = [
        {"event_id": r.event_id, "machine_id": r.machine_id, "calories_kcal": r.calories_kcal,
         "started_at": r.started_at.isoformat()}
        for r in readings
    ]
    return json.dumps({"customer_id": customer_id, "events": events}).encode()


class Poller:
    """Drains one pull subscription of machine readings."""

    def __init__(
        self, settings: Settings, db: firestore.Client,
        publisher: pubsub_v1.PublisherClient, subscriber: pubsub_v1.SubscriberClient,
        subscription: str | None = None,
        after_commit: Callable[[UsageCommit], None] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.publisher = publisher
        self.subscriber = subscriber
        self.subscription = topics.subscription_path(
            settings.project_id, subscription or settings.usage_subscription
        )
        self.after_commit = after_commit
        self.pull_calls = 0

    def _catalogue(self, customer_ids: set[str]) -> Catalogue:
        return load_catalogue(self.db, customer_ids)

    def _topic(self, name: str) -> str:
        return topics.topic_path(self.settings.project_id, name)

    def _commit(self, customer_id: str, readings: list[MachineReading]) -> UsageCommit:
        result = record_usage(self.db, customer_id, readings, self.settings.timezone)
        if self.after_commit is not None:
            self.after_commit(result)
        return result

    def process(self, messages: Sequence[ReceivedMessage]) -> PollStats:
        """Count one pulled batch; ack what is done, nack what failed."""
        stats = PollStats(batches=1, pulled=len(messages))
        now = datetime.now(UTC)
        batch = sort_batch(messages, now, self._catalogue)
        done: list[str] = []
        failed: list[str] = []
        futures = []
        with ThreadPoolExecutor(max_workers=COMMIT_WORKERS) as pool:
            jobs = {
                customer_id: pool.submit(self._commit, customer_id, [r for _, r in items])
                for customer_id, items in batch.valid.items()
            }
        for customer_id, job in jobs.items():
            ack_ids = [ack_id for ack_id, _ in batch.valid[customer_id]]
            error = job.exception()
            if error is not None and not _is_transient(error):
                raise error
            if error is not None:
                logger.warning("commit failed customer_id=%s error=%s", customer_id, error)
                failed.extend(ack_ids)
                continue
            result = job.result()
            stats.commits += 1 if result.counted else 0
            stats.counted += len(result.counted)
            stats.duplicates += len(result.duplicates)
            readings = [r for _, r in batch.valid[customer_id]]
            futures.append(self.publisher.publish(
                self._topic(topics.TRAINING_CARD), card_message(customer_id, readings),
                customer_id=customer_id,
            ))
            done.extend(ack_ids)
        by_device: dict[str, list[Fault]] = defaultdict(list)
        for ack_id, fault in batch.faults:
            by_device[fault.device_id].append(fault)
            done.append(ack_id)
            logger.warning(
                "reading rejected device_id=%s message_id=%s reason=%s",
                fault.device_id, fault.message_id, fault.reason,
            )
        for device_id, faults in by_device.items():
            body = {"device_id": device_id, "faults": [f.as_message(now) for f in faults]}
            futures.append(self.publisher.publish(
                self._topic(topics.DEVICE_ERRORS), json.dumps(body).encode(), device_id=device_id,
            ))
        stats.rejected = len(batch.faults)
        for future in futures:
            future.result(timeout=60)
        for chunk in _chunks(done):
            self.subscriber.acknowledge(subscription=self.subscription, ack_ids=chunk)
        for chunk in _chunks(failed):
            self.subscriber.modify_ack_deadline(
                subscription=self.subscription, ack_ids=chunk, ack_deadline_seconds=0
            )
        stats.retried = len(failed)
        return stats

    def pull(self) -> list[ReceivedMessage]:
        """One batch: pulls of at most PULL_MAX_MESSAGES until the batch is full or none come."""
        messages: list[ReceivedMessage] = []
        while len(messages) < self.settings.poll_batch_size:
            pulled = self._pull_once(
                min(PULL_MAX_MESSAGES, self.settings.poll_batch_size - len(messages))
            )
            self.pull_calls += 1
            if not pulled:
                break
            messages.extend(pulled)
        return messages

    def _pull_once(self, max_messages: int) -> Sequence[ReceivedMessage]:
        """At most `max_messages`, or nothing when the backlog is empty.

        return_immediately keeps a poll from idling in a long pull on an empty backlog. Pub/Sub
        may answer it with fewer messages than are waiting, or none: whatever it leaves behind
        is taken by the next tick a minute later.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # return_immediately, on purpose
            response = self.subscriber.pull(
                request={
                    "subscription": self.subscription,
                    "max_messages": max_messages,
                    "return_immediately": True,
                },
                timeout=PULL_TIMEOUT_S,
            )
        return response.received_messages

    def drain(self, max_batches: int | None = None) -> PollStats:
        """Pull and process batches until the backlog is empty or the time budget is spent."""
        stats = PollStats()
        started = time.monotonic()
        self.pull_calls = 0
        while max_batches is None or stats.batches < max_batches:
            messages = self.pull()
            if not messages:
                break
            stats.add(self.process(messages))
            if time.monotonic() - started > self.settings.poll_budget_s:
                logger.info("poll budget spent, leaving the rest for the next tick")
                break
        logger.info(
            "poll done subscription=%s batches=%d pulled=%d counted=%d duplicates=%d "
            "rejected=%d retried=%d commits=%d pull_calls=%d seconds=%.2f",
            self.subscription, stats.batches, stats.pulled, stats.counted, stats.duplicates,
            stats.rejected, stats.retried, stats.commits, self.pull_calls,
            time.monotonic() - started,
        )
        stats.pull_calls = self.pull_calls
        return stats


def _chunks(ack_ids: list[str]) -> list[list[str]]:
    """Ack ids in requests of a size Pub/Sub accepts."""
    return [ack_ids[i:i + ACK_CHUNK] for i in range(0, len(ack_ids), ACK_CHUNK)]


def _is_transient(error: BaseException) -> bool:
    """Errors worth a redelivery of the customer's messages rather than a crash of the poll."""
    return isinstance(error, exceptions.GoogleAPICallError | exceptions.RetryError)
