"""Deliver a job to its target: publish to Pub/Sub, or send an HTTP request."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from google.api_core import exceptions as gexc
from google.pubsub_v1 import PublisherClient, PubsubMessage

from emulators.scheduler.errors import RPC_CODES
from emulators.scheduler.jobs import Job
from emulators.scheduler.timestamps import parse_duration

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 30.0
USER_AGENT = "Google-Cloud-Scheduler"

_HTTP_TO_RPC = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@dataclass
class Outcome:
    """The result of one attempt: a google.rpc.Status dict and a one-line summary."""

    target: str
    status: dict[str, Any] = field(default_factory=dict)
    detail: str = "OK"

    @property
    def ok(self) -> bool:
        """True when the target accepted the job."""
        return not self.status.get("code")


def _failure(target: str, code: str, message: str) -> Outcome:
    return Outcome(target, {"code": RPC_CODES[code], "message": message}, f"{code}: {message}")


def http_status_code(http_status: int) -> str:
    """The google.rpc.Code name Cloud Scheduler reports for an HTTP response status."""
    if http_status in _HTTP_TO_RPC:
        return _HTTP_TO_RPC[http_status]
    return "FAILED_PRECONDITION" if 400 <= http_status < 500 else "UNKNOWN"


class Dispatcher:
    """Sends jobs to Pub/Sub (honouring PUBSUB_EMULATOR_HOST) or to HTTP endpoints."""

    def __init__(self) -> None:
        self._publisher: PublisherClient | None = None
        self._publisher_lock = threading.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Release the HTTP session and the Pub/Sub channel."""
        if self._session is not None:
            await self._session.close()
        if self._publisher is not None:
            await asyncio.to_thread(self._publisher.transport.close)

    async def dispatch(self, job: Job, schedule_time: str | None = None) -> Outcome:
        """Deliver ``job`` once; never raises for target failures."""
        deadline = parse_duration(job.get("attemptDeadline", "180s"))
        if "pubsubTarget" in job:
            return await self._publish(job["pubsubTarget"])
        if "httpTarget" in job:
            return await self._http(job, deadline, schedule_time)
        return _failure("appengine", "UNIMPLEMENTED", "App Engine targets are not emulated")

    def _publish_sync(self, topic: str, data: bytes, attributes: dict[str, str]) -> str:
        with self._publisher_lock:
            if self._publisher is None:
                self._publisher = PublisherClient()  # honours PUBSUB_EMULATOR_HOST
        message = PubsubMessage(data=data, attributes=attributes)
        response = self._publisher.publish(
            topic=topic, messages=[message], timeout=PUBLISH_TIMEOUT_SECONDS
        )
        return response.message_ids[0]

    async def _publish(self, target: dict[str, Any]) -> Outcome:
        topic = target["topicName"]
        label = f"pubsub:{topic}"
        data = base64.b64decode(target.get("data", ""))
        try:
            message_id = await asyncio.to_thread(
                self._publish_sync, topic, data, dict(target.get("attributes", {}))
            )
        except gexc.GoogleAPICallError as exc:
            code = exc.grpc_status_code.name if exc.grpc_status_code else "UNKNOWN"
            return _failure(label, code if code in RPC_CODES else "UNKNOWN", exc.message)
        except Exception as exc:  # credentials, channel or other client-side failures
            return _failure(label, "UNAVAILABLE", f"{type(exc).__name__}: {exc}")
        return Outcome(label, {}, f"OK message_id={message_id}")

    async def _http(self, job: Job, deadline: float, schedule_time: str | None) -> Outcome:
        target = job["httpTarget"]
        method, uri = target.get("httpMethod", "POST"), target["uri"]
        label = f"http:{method} {uri}"
        body = base64.b64decode(target["body"]) if target.get("body") else None
        headers = {
            "User-Agent": USER_AGENT,
            "X-CloudScheduler": "true",
            "X-CloudScheduler-JobName": job["name"].rsplit("/", 1)[1],
            **({"X-CloudScheduler-ScheduleTime": schedule_time} if schedule_time else {}),
            **({"Content-Type": "application/octet-stream"} if body is not None else {}),
            **target.get("headers", {}),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.request(
                method,
                uri,
                headers=headers,
                data=body,
                timeout=aiohttp.ClientTimeout(total=deadline),
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return Outcome(label, {}, f"OK HTTP {response.status}")
                message = f"HTTP {response.status} from {uri}"
                return _failure(label, http_status_code(response.status), message)
        except TimeoutError:
            return _failure(label, "DEADLINE_EXCEEDED", f"no response within {deadline:g}s")
        except aiohttp.ClientError as exc:
            return _failure(label, "UNAVAILABLE", f"{type(exc).__name__}: {exc}")
