"""Pub/Sub topic and subscription names, and their creation (local and in a real project)."""

from __future__ import annotations

import logging

from google.api_core import exceptions
from google.cloud import pubsub_v1

logger = logging.getLogger(__name__)

POLL_TICK = "poll-tick"
MACHINE_USAGE = "machine-usage"
MACHINE_USAGE_DEAD = "machine-usage-dead"
TRAINING_CARD = "training-card"
DEVICE_ERRORS = "device-errors"
USAGE_SUBSCRIPTION = "machine-usage-poller"
USAGE_ACK_DEADLINE_S = 60
USAGE_MAX_DELIVERY_ATTEMPTS = 5

ALL_TOPICS = (POLL_TICK, MACHINE_USAGE, MACHINE_USAGE_DEAD, TRAINING_CARD, DEVICE_ERRORS)


def topic_path(project: str, topic: str) -> str:
    return f"projects/{project}/topics/{topic}"


def subscription_path(project: str, subscription: str) -> str:
    return f"projects/{project}/subscriptions/{subscription}"


def ensure_topic(publisher: pubsub_v1.PublisherClient, project: str, topic: str) -> None:
    """Create the topic unless it exists (never delete: that detaches triggered functions)."""
    try:
        publisher.create_topic(name=topic_path(project, topic))
        logger.info("created topic %s", topic)
    except exceptions.AlreadyExists:
        logger.debug("topic %s exists", topic)


def ensure_pull_subscription(
    subscriber: pubsub_v1.SubscriberClient,
    project: str,
    topic: str,
    subscription: str,
    dead_letter_topic: str | None = None,
) -> None:
    """Create a pull subscription with an ack deadline and, optionally, dead-lettering."""
    request: dict[str, object] = {
        "name": subscription_path(project, subscription),
        "topic": topic_path(project, topic),
        "ack_deadline_seconds": USAGE_ACK_DEADLINE_S,
    }
    if dead_letter_topic:
        request["dead_letter_policy"] = {
            "dead_letter_topic": topic_path(project, dead_letter_topic),
            "max_delivery_attempts": USAGE_MAX_DELIVERY_ATTEMPTS,
        }
    try:
        subscriber.create_subscription(request=request)
        logger.info("created subscription %s on %s", subscription, topic)
    except exceptions.AlreadyExists:
        logger.debug("subscription %s exists", subscription)


def provision(project: str) -> None:
    """All topics, and the poller's pull subscription on machine-usage."""
    publisher = pubsub_v1.PublisherClient()
    for topic in ALL_TOPICS:
        ensure_topic(publisher, project, topic)
    with pubsub_v1.SubscriberClient() as subscriber:
        ensure_pull_subscription(
            subscriber, project, MACHINE_USAGE, USAGE_SUBSCRIPTION, MACHINE_USAGE_DEAD
        )
        ensure_pull_subscription(subscriber, project, MACHINE_USAGE_DEAD, "machine-usage-dead-keep")
