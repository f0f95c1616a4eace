"""GymIoT's Cloud Functions: thin triggers that decode the event and call the domain code."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

from firebase_functions import firestore_fn, https_fn, options, pubsub_fn

from gymiot import clients, invoices, payments
from gymiot.card_store import update_card
from gymiot.config import settings
from gymiot.devices import devices_with_pending_faults, email_due, record_faults
from gymiot.errors import PaymentRefused
from gymiot.poller import Poller
from gymiot.room_store import apply_room_event
from gymiot.telegram_api import BotApi
from gymiot.telegram_delivery import deliver
from gymiot.training_card import CardEvent

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
logger = logging.getLogger(__name__)

REGION = "europe-west1"
MAX_EVENT_AGE = timedelta(hours=6)
# A tick may name another machine-usage subscription (the benchmark drains its own backlog).
USAGE_SUBSCRIPTION = re.compile(r"machine-usage(-[a-z0-9-]{1,60})?")

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
    subscription = event.data.message.attributes.get("subscription")
    if subscription and not USAGE_SUBSCRIPTION.fullmatch(subscription):
        logger.error("refusing to poll subscription=%s", subscription)
        return
    poller = Poller(config, clients.db(), clients.publisher(), clients.subscriber(), subscription)
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


def _payment_step(request: https_fn.Request, step: str) -> https_fn.Response:
    """Run one process-payment step for the POSTed payment_id; errors map to HTTP codes here.

    404 and 409 are final (the workflow does not retry them); 5xx is retried by the workflow.
    """
    if request.method != "POST":
        return https_fn.Response("use POST", status=405, headers={"Allow": "POST"})
    body = request.get_json(silent=True) or {}
    payment_id = body.get("payment_id")
    if not isinstance(payment_id, str) or not payment_id:
        return https_fn.Response(json.dumps({"error": "payment_id: a string is required"}),
                                 status=400, mimetype="application/json")
    config = settings()
    try:
        if step == "mark_bill_paid":
            result = payments.mark_bill_paid(clients.db(), payment_id)
        elif step == "email_invoice":
            result = invoices.email_invoice(clients.db(), config, payment_id)
        else:
            result = payments.email_tip_note(clients.db(), config, payment_id)
    except LookupError as exc:
        status, result = 404, {"error": str(exc)}
    except PaymentRefused as exc:
        status, result = 409, {"error": str(exc)}
    else:
        status = 200
    if status != 200:
        logger.error("payment step refused step=%s payment_id=%s status=%d reason=%s",
                     step, payment_id, status, result["error"])
    return https_fn.Response(json.dumps(result), status=status, mimetype="application/json")


@https_fn.on_request()
def mark_bill_paid(request: https_fn.Request) -> https_fn.Response:
    """process-payment step: the payment's bill becomes paid and gets an invoice number."""
    return _payment_step(request, "mark_bill_paid")


@https_fn.on_request(timeout_sec=120)
def email_invoice(request: https_fn.Request) -> https_fn.Response:
    """process-payment step: the customer is emailed the PDF invoice (once per payment)."""
    return _payment_step(request, "email_invoice")


@https_fn.on_request()
def email_tip_note(request: https_fn.Request) -> https_fn.Response:
    """process-payment step: the manager is emailed who tipped and how much (once per payment)."""
    return _payment_step(request, "email_tip_note")


# A room reading is worth acting on for minutes, not hours; later deliveries are dropped.
MAX_ROOM_EVENT_AGE = timedelta(minutes=30)


@firestore_fn.on_document_updated(document="rooms/{room_id}")
def switch_air_conditioner(
    event: firestore_fn.Event[firestore_fn.Change[firestore_fn.DocumentSnapshot | None]],
) -> None:
    """A room's new reading switches its air conditioner and alerts the customers training there.

    Every write is idempotent per event id, so a redelivered event changes nothing twice.
    """
    if datetime.now(UTC) - event.time > MAX_ROOM_EVENT_AGE:
        logger.error("dropping stale room event event_id=%s document=%s time=%s",
                     event.id, event.document, event.time.isoformat())
        return
    before = event.data.before.to_dict() if event.data.before is not None else None
    after = event.data.after.to_dict() if event.data.after is not None else None
    if after is None:
        return
    apply_room_event(clients.db(), settings(), event.params["room_id"], event.id, before, after)


@firestore_fn.on_document_created(document="outbox/{message_id}", timeout_sec=120)
def send_telegram_message(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]
                          ) -> None:
    """A new outbox message goes out on Telegram when a bot token is set (else it stays there).

    Not retried: the outcome (sent, unlinked, unreachable, failed) is recorded on the message.
    """
    config = settings()
    if not config.telegram_bot_token:
        return
    with BotApi(config.telegram_bot_token, config.telegram_api_base) as api:
        deliver(clients.db(), api, event.params["message_id"])
