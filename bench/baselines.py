"""The two yardsticks for the poller: the first design's per-event transactions, and the least
work the emulator must do for the same result."""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

from google.cloud import firestore, pubsub_v1

from gymiot.poller import COMMIT_WORKERS
from gymiot.readings import MachineReading
from gymiot.rollups import day_figures, local_day, year_figures

PULL_MAX = 1000


def _add_into(target: dict[str, Any], figures: Mapping[str, Any]) -> None:
    for key, value in figures.items():
        if isinstance(value, Mapping):
            _add_into(target.setdefault(key, {}), value)
        else:
            target[key] = target.get(key, 0) + value


def naive_event(db: firestore.Client, reading: MachineReading, tz: ZoneInfo) -> None:
    """How the first design counted: read, add and overwrite, one transaction per event,
    then the same again for the training card."""
    customer = db.collection("customers").document(reading.customer_id)
    day = local_day(reading.started_at, tz)
    day_ref = customer.collection("days").document(day.isoformat())
    year_ref = customer.collection("years").document(str(day.year))
    card_ref = db.collection("training_cards").document(reading.customer_id)

    @firestore.transactional
    def totals(transaction: firestore.Transaction) -> None:
        day_doc = day_ref.get(transaction=transaction).to_dict() or {}
        year_doc = year_ref.get(transaction=transaction).to_dict() or {}
        _add_into(day_doc, day_figures([reading], tz)[day.isoformat()])
        day_doc.setdefault("event_ids", []).append(reading.event_id)
        _add_into(year_doc, year_figures([reading], tz)[day.year])
        transaction.set(day_ref, day_doc)
        transaction.set(year_ref, year_doc)

    @firestore.transactional
    def card(transaction: firestore.Transaction) -> None:
        doc = card_ref.get(transaction=transaction).to_dict() or {}
        for step in doc.get("steps", []):
            if step.get("machine_id") == reading.machine_id:
                step["kcal_left"] = max(0.0, step["kcal_left"] - reading.calories_kcal)
                break
        doc.setdefault("applied_event_ids", []).append(reading.event_id)
        transaction.set(card_ref, doc)

    totals(db.transaction())
    card(db.transaction())


def pull_all(subscriber: pubsub_v1.SubscriberClient, subscription: str) -> list[Any]:
    """Pull and ack the whole backlog once; returns the messages."""
    messages = []
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            response = subscriber.pull(request={
                "subscription": subscription, "max_messages": PULL_MAX,
                "return_immediately": True}, timeout=30)
        if not response.received_messages:
            return messages
        messages.extend(response.received_messages)
        subscriber.acknowledge(subscription=subscription,
                               ack_ids=[m.ack_id for m in response.received_messages])


def limit_write(db: firestore.Client, readings: Sequence[MachineReading], tz: ZoneInfo,
                cards: Mapping[str, dict[str, Any]]) -> int:
    """One batched write per customer with totals computed in memory; returns the commits."""
    by_customer: dict[str, list[MachineReading]] = defaultdict(list)
    for reading in readings:
        by_customer[reading.customer_id].append(reading)

    def write(customer_id: str) -> None:
        mine = by_customer[customer_id]
        customer = db.collection("customers").document(customer_id)
        batch = db.batch()
        for day, figures in day_figures(mine, tz).items():
            batch.set(customer.collection("days").document(day),
                      {**figures, "event_ids": [r.event_id for r in mine]})
        for year, figures in year_figures(mine, tz).items():
            batch.set(customer.collection("years").document(str(year)), figures)
        card = copy.deepcopy(cards[customer_id])
        for reading in mine:
            for step in card["steps"]:
                if step.get("machine_id") == reading.machine_id:
                    step["kcal_left"] -= reading.calories_kcal
                    break
        batch.set(db.collection("training_cards").document(customer_id), card)
        batch.commit()

    with ThreadPoolExecutor(max_workers=COMMIT_WORKERS) as pool:
        list(pool.map(write, by_customer))
    return len(by_customer)
