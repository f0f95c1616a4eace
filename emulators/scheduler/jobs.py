"""The Job resource: validation, defaults, updates and state changes, as REST JSON dicts."""

from __future__ import annotations

import base64
import binascii
import copy
import logging
import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from emulators.scheduler.errors import invalid
from emulators.scheduler.schedule import (
    DEFAULT_TIME_ZONE,
    check_schedule,
    check_time_zone,
    next_run_time,
)
from emulators.scheduler.timestamps import format_time, parse_duration

logger = logging.getLogger(__name__)

Job = dict[str, Any]

STATES = ("STATE_UNSPECIFIED", "ENABLED", "PAUSED", "DISABLED", "UPDATE_FAILED")
HTTP_METHODS = (
    "HTTP_METHOD_UNSPECIFIED",
    "POST",
    "GET",
    "HEAD",
    "PUT",
    "DELETE",
    "PATCH",
    "OPTIONS",
)
TARGETS = ("pubsubTarget", "httpTarget", "appEngineHttpTarget")
OUTPUT_ONLY = ("state", "status", "userUpdateTime", "scheduleTime", "lastAttemptTime")
DEFAULT_ATTEMPT_DEADLINE = "180s"
DEFAULT_RETRY_CONFIG: dict[str, Any] = {
    "retryCount": 0,
    "maxRetryDuration": "0s",
    "minBackoffDuration": "5s",
    "maxBackoffDuration": "3600s",
    "maxDoublings": 5,
}
_MAP_FIELDS = ("attributes", "headers")
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,500}$")
_PARENT = re.compile(r"^projects/[^/]+/locations/[^/]+$")
_TOPIC = re.compile(r"^projects/[^/]+/topics/[^/]+$")


def camel(key: str) -> str:
    """``time_zone`` -> ``timeZone`` (protobuf JSON accepts either spelling)."""
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camelize(value: Any) -> Any:
    """Camel-case the field names of a JSON message, leaving map keys as they are."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = camel(key)
        out[name] = dict(item) if name in _MAP_FIELDS and isinstance(item, dict) else camelize(item)
    return out


def parent_of(name: str) -> str:
    """``projects/p/locations/l/jobs/j`` -> ``projects/p/locations/l``."""
    return name.rsplit("/jobs/", 1)[0]


def job_name(parent: str, job_id: str) -> str:
    """Build a job name, checking the parent and the job id."""
    if not _PARENT.match(parent):
        raise invalid(f"Invalid parent: {parent!r}")
    if not _JOB_ID.match(job_id):
        raise invalid(f"Invalid job id {job_id!r}: use letters, digits, '-' or '_' (max 500)")
    return f"{parent}/jobs/{job_id}"


def _enum(value: Any, names: tuple[str, ...], field: str) -> str:
    """Accept an enum as its name or its number (the REST client sends numbers)."""
    if isinstance(value, int) and 0 <= value < len(names):
        return names[value]
    if isinstance(value, str) and value in names:
        return value
    raise invalid(f"Invalid value for {field}: {value!r}")


def _base64(value: Any, field: str) -> bytes:
    """Decode a protobuf JSON bytes field (standard or URL-safe base64)."""
    if not isinstance(value, str):
        raise invalid(f"Invalid value for {field}: expected base64 text")
    try:
        padded = value + "=" * (-len(value) % 4)
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid(f"Invalid base64 in {field}") from exc


def _string_map(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise invalid(f"Invalid value for {field}: expected a map of strings")
    return dict(value)


def _check_pubsub(target: dict[str, Any]) -> dict[str, Any]:
    topic = target.get("topicName", "")
    if not isinstance(topic, str) or not _TOPIC.match(topic):
        raise invalid(f"Invalid pubsubTarget.topicName: {topic!r} (projects/P/topics/T)")
    out: dict[str, Any] = {"topicName": topic}
    data = _base64(target["data"], "pubsubTarget.data") if target.get("data") else b""
    attributes = _string_map(target.get("attributes", {}), "pubsubTarget.attributes")
    if not data and not attributes:
        raise invalid("Pub/Sub message must contain either non-empty data, or an attribute")
    if data:
        out["data"] = base64.b64encode(data).decode()
    if attributes:
        out["attributes"] = attributes
    return out


def _check_http(target: dict[str, Any]) -> dict[str, Any]:
    uri = target.get("uri", "")
    parsed = urlparse(uri) if isinstance(uri, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise invalid(f"Invalid httpTarget.uri: {uri!r}")
    method = _enum(target.get("httpMethod", "POST"), HTTP_METHODS, "httpTarget.httpMethod")
    out: dict[str, Any] = dict(target)
    out["uri"] = uri
    out["httpMethod"] = "POST" if method == "HTTP_METHOD_UNSPECIFIED" else method
    if target.get("headers"):
        out["headers"] = _string_map(target["headers"], "httpTarget.headers")
    if target.get("body"):
        if out["httpMethod"] not in ("POST", "PUT", "PATCH"):
            raise invalid("httpTarget.body is allowed only for POST, PUT and PATCH")
        out["body"] = base64.b64encode(_base64(target["body"], "httpTarget.body")).decode()
    else:
        out.pop("body", None)
    return out


def validate(job: Job) -> Job:
    """Check a job's user-settable fields and fill in defaults; returns a new dict."""
    out = copy.deepcopy(job)
    schedule = out.get("schedule")
    if not isinstance(schedule, str) or not schedule.strip():
        raise invalid("Job.schedule is required")
    out["schedule"] = " ".join(schedule.split())
    out["timeZone"] = out.get("timeZone") or DEFAULT_TIME_ZONE
    try:
        check_schedule(out["schedule"])
        check_time_zone(out["timeZone"])
    except ValueError as exc:
        raise invalid(str(exc)) from exc
    present = [t for t in TARGETS if out.get(t)]
    if len(present) != 1:
        raise invalid("Exactly one of pubsubTarget, httpTarget, appEngineHttpTarget is required")
    if present[0] == "pubsubTarget":
        out["pubsubTarget"] = _check_pubsub(out["pubsubTarget"])
    elif present[0] == "httpTarget":
        out["httpTarget"] = _check_http(out["httpTarget"])
    for other in TARGETS:
        if other != present[0]:
            out.pop(other, None)
    out["attemptDeadline"] = out.get("attemptDeadline") or DEFAULT_ATTEMPT_DEADLINE
    try:
        parse_duration(out["attemptDeadline"])
    except ValueError as exc:
        raise invalid(f"Invalid attemptDeadline: {out['attemptDeadline']!r}") from exc
    out["retryConfig"] = {**DEFAULT_RETRY_CONFIG, **(out.get("retryConfig") or {})}
    return out


def _user_fields(body: dict[str, Any]) -> Job:
    fields = camelize(body)
    for key in (*OUTPUT_ONLY, "name"):
        fields.pop(key, None)
    return fields


def _schedule_next(job: Job, now: datetime) -> None:
    if job["state"] == "ENABLED":
        job["scheduleTime"] = format_time(next_run_time(job["schedule"], job["timeZone"], now))
    else:
        job.pop("scheduleTime", None)


def new_job(parent: str, body: dict[str, Any], now: datetime) -> Job:
    """Build an ENABLED job from a CreateJob body under ``parent``."""
    if not _PARENT.match(parent):
        raise invalid(f"Invalid parent: {parent!r}")
    name = body.get("name") or f"{parent}/jobs/{uuid.uuid4().hex}"
    prefix = f"{parent}/jobs/"
    if not isinstance(name, str) or not name.startswith(prefix):
        raise invalid(f"Job name {name!r} is not under {parent}")
    job = validate({"name": job_name(parent, name[len(prefix) :]), **_user_fields(body)})
    job["state"] = "ENABLED"
    job["userUpdateTime"] = format_time(now)
    _schedule_next(job, now)
    return job


def _set_path(target: dict[str, Any], path: list[str], source: dict[str, Any]) -> None:
    """Copy ``path`` from ``source`` into ``target``, deleting it when ``source`` lacks it."""
    head, rest = path[0], path[1:]
    if not rest:
        if head in source:
            target[head] = copy.deepcopy(source[head])
        else:
            target.pop(head, None)
        return
    child_source = source.get(head)
    child_target = target.setdefault(head, {})
    _set_path(child_target, rest, child_source if isinstance(child_source, dict) else {})


def updated_job(job: Job, body: dict[str, Any], update_mask: str | None, now: datetime) -> Job:
    """Apply an UpdateJob body (and optional comma-separated field mask) to ``job``."""
    fields = _user_fields(body)
    out = copy.deepcopy(job)
    paths = [camel(p.strip()) for p in (update_mask or "").split(",") if p.strip()]
    if paths:
        for path in paths:
            segments = [camel(s) for s in path.split(".")]
            if segments[0] in ("name", *OUTPUT_ONLY):
                raise invalid(f"Field {path!r} cannot be updated")
            _set_path(out, segments, fields)
    else:
        out.update(fields)
    chosen = [t for t in TARGETS if t in fields and fields[t] and (not paths or t in paths)]
    for other in TARGETS:
        if chosen and other not in chosen:
            out.pop(other, None)
    out = validate(out)
    out["userUpdateTime"] = format_time(now)
    _schedule_next(out, now)
    return out


def paused(job: Job, now: datetime) -> Job:
    """The job in state PAUSED (no next schedule time)."""
    out = copy.deepcopy(job)
    out["state"] = "PAUSED"
    out["userUpdateTime"] = format_time(now)
    _schedule_next(out, now)
    return out


def resumed(job: Job, now: datetime) -> Job:
    """The job in state ENABLED, next run computed from ``now``."""
    out = copy.deepcopy(job)
    out["state"] = "ENABLED"
    out["userUpdateTime"] = format_time(now)
    _schedule_next(out, now)
    return out


def rescheduled(job: Job, now: datetime) -> Job:
    """The job with its next run computed from ``now`` (skipping any missed ticks)."""
    out = copy.deepcopy(job)
    _schedule_next(out, now)
    return out


def attempted(job: Job, when: datetime, status: dict[str, Any]) -> Job:
    """The job after a dispatch attempt at ``when`` with google.rpc.Status ``status``."""
    out = copy.deepcopy(job)
    out["lastAttemptTime"] = format_time(when)
    out["status"] = status
    return out
