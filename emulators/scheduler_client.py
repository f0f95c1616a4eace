"""Cloud Scheduler clients that work the same against a real project and the local emulator."""

from __future__ import annotations

import logging

from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud.scheduler_v1 import CloudSchedulerClient, Job, PubsubTarget
from google.protobuf import field_mask_pb2

logger = logging.getLogger(__name__)


def scheduler_client(endpoint: str | None) -> CloudSchedulerClient:
    """A real client when ``endpoint`` is None, else one for the emulator at ``endpoint``.

    ``endpoint`` is ``http://host:port`` (``host:port`` is taken as plain http).
    """
    if endpoint is None:
        return CloudSchedulerClient()
    if "://" not in endpoint:
        endpoint = f"http://{endpoint}"
    return CloudSchedulerClient(
        transport="rest",
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=endpoint),
    )


def _differs(job: Job, wanted: Job) -> list[str]:
    """The update-mask paths on which ``job`` differs from ``wanted``."""
    paths = []
    if job.schedule != wanted.schedule:
        paths.append("schedule")
    if job.time_zone != wanted.time_zone:
        paths.append("time_zone")
    have, want = job.pubsub_target, wanted.pubsub_target
    if (
        "pubsub_target" not in job
        or have.topic_name != want.topic_name
        or have.data != want.data
        or dict(have.attributes) != dict(want.attributes)
    ):
        paths.append("pubsub_target")
    return paths


def ensure_job(
    client: CloudSchedulerClient,
    project: str,
    location: str,
    job_id: str,
    schedule: str,
    time_zone: str,
    topic: str,
    data: bytes = b"tick",
) -> Job:
    """Create the Pub/Sub-target job, or update it to match; a no-op when it already matches."""
    parent = f"projects/{project}/locations/{location}"
    name = f"{parent}/jobs/{job_id}"
    wanted = Job(
        name=name,
        schedule=schedule,
        time_zone=time_zone,
        pubsub_target=PubsubTarget(topic_name=topic, data=data),
    )
    try:
        current = client.get_job(name=name)
    except gexc.NotFound:
        try:
            job = client.create_job(parent=parent, job=wanted)
            logger.info("created scheduler job %s (%s %s -> %s)", name, schedule, time_zone, topic)
            return job
        except gexc.Conflict:  # created meanwhile (REST: Conflict, gRPC: AlreadyExists)
            current = client.get_job(name=name)
    paths = _differs(current, wanted)
    if not paths:
        logger.info("scheduler job %s already up to date", name)
        return current
    job = client.update_job(job=wanted, update_mask=field_mask_pb2.FieldMask(paths=paths))
    logger.info("updated scheduler job %s (%s)", name, ", ".join(paths))
    return job
