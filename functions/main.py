"""GymIoT's Cloud Functions: thin triggers that decode the event and call the domain code."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from firebase_functions import options, pubsub_fn

from gymiot import clients
from gymiot.card_store import update_card
from gymiot.config import settings
from gymiot.devices import devices_with_pending_faults, email_due, record_faults
from gymiot.poller import Poller
from gymiot.training_card import CardEvent

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
logger = logging.getLogger(__name__)

REGION = "europe-west1"
MAX_EVENT_AGE = timedelta(hours=6)

options.set_global_options(region=REGION)


def _too_old(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData]) -> bool:
    """Retries stop once an event is older than MAX_EVENT_AGE (no poison loops)."""
    published = event.data.message.publish_time
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    if datetime.now(UTC) - published > MAX_EVENT_AGE:
        logger.error("dropping stale event message_id=%s published=%s",
                     event.data.message.message_id, published.isoformat())
        return True
    return False


@pubsub_fn.on_message_published(
    topic="poll-tick", timeout_sec=300, memory=options.MemoryOption.MB_512
)
def poll_machine_usage(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData]) -> None:
    """Every minute: drain the machine-usage backlog into customers' totals."""
    config = settings()
    poller = Poller(config, clients.db(), clients.publisher(), clients.subscriber())
    poller.drain()


@pubsub_fn.on_message_published(topic="poll-tick")
def flush_device_fault_digests(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData]
                               ) -> None:
    """Every minute: email the fault digests whose window has ended."""
    config = settings()
    for device_id in sorted(devices_with_pending_faults(clients.db())):
        email_due(clients.db(), config, device_id)


@pubsub_fn.on_message_published(topic="training-card", retry=True)
def update_training_card(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData]) -> None:
    """A customer's counted machine uses lower their training card's steps."""
    if _too_old(event):
        return
    body = event.data.message.json or {}
    events = [
        CardEvent(e["event_id"], e["machine_id"], float(e["calories_kcal"]))
        for e in body.get("events", [])
    ]
    update_card(clients.db(), body["customer_id"], events)


@pubsub_fn.on_message_published(topic="device-errors", retry=True)
def email_device_faults(event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData]) -> None:
    """Faulty readings are kept and the manager is emailed (one digest per device and window)."""
    if _too_old(event):
        return
    body = event.data.message.json or {}
    device_id = str(body.get("device_id", "unknown"))
    record_faults(clients.db(), device_id, body.get("faults", []))
    email_due(clients.db(), settings(), device_id)
