"""Google Cloud clients, anonymous when they talk to the local emulators."""

from __future__ import annotations

import functools
import os

from google.auth.credentials import AnonymousCredentials, Credentials
from google.cloud import firestore, pubsub_v1

from gymiot.config import settings


def _credentials() -> Credentials | None:
    if os.environ.get("FIRESTORE_EMULATOR_HOST"):
        return AnonymousCredentials()
    return None


@functools.cache
def db() -> firestore.Client:
    """The Firestore client; the emulator when FIRESTORE_EMULATOR_HOST is set."""
    return firestore.Client(project=settings().project_id, credentials=_credentials())


@functools.cache
def publisher() -> pubsub_v1.PublisherClient:
    """A publisher that batches nothing: each call is sent at once."""
    return pubsub_v1.PublisherClient()


@functools.cache
def subscriber() -> pubsub_v1.SubscriberClient:
    return pubsub_v1.SubscriberClient()
