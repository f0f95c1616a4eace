"""Tests for the local Cloud Scheduler emulator (emulators/scheduler).

The emulator runs as a subprocess and is driven only through the official
``google-cloud-scheduler`` client (REST transport). Pub/Sub targets go to the gcloud Pub/Sub
emulator, started here unless PUBSUB_EMULATOR_HOST is already set. Over REST the client maps
errors by HTTP status, so ALREADY_EXISTS arrives as ``Conflict`` and INVALID_ARGUMENT as
``BadRequest`` (the parents of AlreadyExists / InvalidArgument); the tests also check the
Google error ``status`` in the body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from google.api_core import exceptions as gexc
from google.cloud import pubsub_v1, scheduler_v1
from google.protobuf import field_mask_pb2

from emulators.scheduler import jobs
from emulators.scheduler.dispatch import Outcome
from emulators.scheduler.runner import Runner
from emulators.scheduler.schedule import next_run_time
from emulators.scheduler.store import JobStore
from emulators.scheduler.timestamps import format_time, parse_time
from emulators.scheduler_client import ensure_job, scheduler_client

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
PUBSUB_EMULATOR = Path(
    "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
)
PROJECT = "demo-gymiot"
LOCATION = "europe-west1"
PARENT = f"projects/{PROJECT}/locations/{LOCATION}"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def wait_until(check: Any, timeout: float, what: str) -> Any:
    """Poll ``check()`` until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="module")
def pubsub_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """PUBSUB_EMULATOR_HOST: the one already set, or a gcloud Pub/Sub emulator we start."""
    existing = os.environ.get("PUBSUB_EMULATOR_HOST")
    if existing:
        yield existing
        return
    if not PUBSUB_EMULATOR.exists():
        pytest.fail(f"{PUBSUB_EMULATOR} missing: install google-cloud-cli-pubsub-emulator")
    port = free_port()
    log = tmp_path_factory.mktemp("pubsub") / "pubsub.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(PUBSUB_EMULATOR), "--host=127.0.0.1", f"--port={port}"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_until(lambda: _listening(port) or proc.poll() is not None, 60, "Pub/Sub emulator")
        assert proc.poll() is None, log.read_text()
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PUBSUB_EMULATOR_HOST", f"127.0.0.1:{port}")
            yield f"127.0.0.1:{port}"
    finally:
        stop_group(proc)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Emulator:
    """A running scheduler emulator subprocess."""

    proc: subprocess.Popen[bytes]
    endpoint: str
    state: Path
    log: Path

    def client(self) -> scheduler_v1.CloudSchedulerClient:
        """An official client pointed at this emulator."""
        return scheduler_client(self.endpoint)


def start_emulator(state: Path, pubsub: str, port: int | None = None) -> Emulator:
    """Start ``python -m emulators.scheduler`` and wait until it answers."""
    port = port or free_port()
    state.parent.mkdir(parents=True, exist_ok=True)
    log = state.with_suffix(f".{port}.log")
    env = {**os.environ, "PUBSUB_EMULATOR_HOST": pubsub, "PYTHONPATH": str(REPO)}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "emulators.scheduler", "--host", "127.0.0.1",
             "--port", str(port), "--state", str(state), "--tick", "0.2"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert proc.poll() is None, f"emulator exited: {log.read_text()}"
        try:
            with urllib.request.urlopen(endpoint + "/", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    wait_until(ready, 20, "scheduler emulator")
    return Emulator(proc, endpoint, state, log)


@pytest.fixture(scope="module")
def emulator(pubsub_host: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One scheduler emulator shared by the module's API tests."""
    running = start_emulator(tmp_path_factory.mktemp("scheduler") / "jobs.json", pubsub_host)
    yield running
    stop_group(running.proc)


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> scheduler_v1.CloudSchedulerClient:
    """The official client against the shared emulator."""
    return emulator.client()


def unique(prefix: str) -> str:
    """A job or topic id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def pubsub_job(job_id: str, schedule: str = "* * * * *", **target: Any) -> scheduler_v1.Job:
    """A Pub/Sub-target job under PARENT."""
    fields = {"topic_name": f"projects/{PROJECT}/topics/unused", "data": b"tick", **target}
    return scheduler_v1.Job(
        name=f"{PARENT}/jobs/{job_id}",
        schedule=schedule,
        time_zone="Europe/Rome",
        pubsub_target=scheduler_v1.PubsubTarget(**fields),
    )


def error_status(exc: gexc.GoogleAPICallError) -> str:
    """The Google error ``status`` the emulator put in the JSON body."""
    assert exc.response is not None
    return str(exc.response.json()["error"]["status"])


# --- the API through the official client ---------------------------------------------------


def test_create_get_list_delete(client: scheduler_v1.CloudSchedulerClient) -> None:
    job_id = unique("crud")
    before = datetime.now(UTC)
    created = client.create_job(
        parent=PARENT, job=pubsub_job(job_id, attributes={"kind": "poll"})
    )
    assert created.name == f"{PARENT}/jobs/{job_id}"
    assert created.schedule == "* * * * *"
    assert created.time_zone == "Europe/Rome"
    assert created.state == scheduler_v1.Job.State.ENABLED
    assert created.pubsub_target.topic_name == f"projects/{PROJECT}/topics/unused"
    assert created.pubsub_target.data == b"tick"
    assert dict(created.pubsub_target.attributes) == {"kind": "poll"}
    assert before - timedelta(seconds=1) <= created.user_update_time <= datetime.now(UTC)
    assert created.schedule_time.second == 0
    assert timedelta(0) < created.schedule_time - before <= timedelta(seconds=61)
    assert created.attempt_deadline == timedelta(seconds=180)

    fetched = client.get_job(name=created.name)
    assert fetched == created

    other = client.create_job(parent=PARENT, job=pubsub_job(unique("crud")))
    names = [job.name for job in client.list_jobs(request={"parent": PARENT, "page_size": 1})]
    assert created.name in names and other.name in names
    assert names == sorted(names)

    client.delete_job(name=created.name)
    with pytest.raises(gexc.NotFound):
        client.get_job(name=created.name)
    remaining = [job.name for job in client.list_jobs(parent=PARENT)]
    assert created.name not in remaining and other.name in remaining
    assert list(client.list_jobs(parent=f"projects/{PROJECT}/locations/nowhere")) == []


def test_errors(client: scheduler_v1.CloudSchedulerClient) -> None:
    job = pubsub_job(unique("err"))
    client.create_job(parent=PARENT, job=job)
    with pytest.raises(gexc.Conflict) as exists:
        client.create_job(parent=PARENT, job=job)
    assert exists.value.code == 409 and error_status(exists.value) == "ALREADY_EXISTS"

    missing = f"{PARENT}/jobs/{unique('missing')}"
    for call in (client.get_job, client.delete_job, client.pause_job, client.run_job):
        with pytest.raises(gexc.NotFound) as not_found:
            call(name=missing)
        assert error_status(not_found.value) == "NOT_FOUND"
        assert missing in not_found.value.message
    with pytest.raises(gexc.NotFound):
        client.update_job(job=pubsub_job(missing.rsplit("/", 1)[1]))

    bad_cron = pubsub_job(unique("err"), schedule="61 * * * *")
    bad_zone = pubsub_job(unique("err"))
    bad_zone.time_zone = "Mars/Olympus_Mons"
    no_target = scheduler_v1.Job(name=f"{PARENT}/jobs/{unique('err')}", schedule="* * * * *")
    for bad, words in ((bad_cron, "schedule"), (bad_zone, "time zone"), (no_target, "Target")):
        with pytest.raises(gexc.BadRequest) as invalid:
            client.create_job(parent=PARENT, job=bad)
        assert invalid.value.code == 400 and error_status(invalid.value) == "INVALID_ARGUMENT"
        assert words in invalid.value.message
        with pytest.raises(gexc.NotFound):
            client.get_job(name=bad.name)


def test_pause_and_resume(client: scheduler_v1.CloudSchedulerClient) -> None:
    created = client.create_job(parent=PARENT, job=pubsub_job(unique("pause")))
    paused = client.pause_job(name=created.name)
    assert paused.state == scheduler_v1.Job.State.PAUSED
    assert "schedule_time" not in paused
    assert client.get_job(name=created.name).state == scheduler_v1.Job.State.PAUSED

    resumed = client.resume_job(name=created.name)
    assert resumed.state == scheduler_v1.Job.State.ENABLED
    assert resumed.schedule_time > datetime.now(UTC) - timedelta(seconds=1)
    assert resumed.schedule_time.second == 0
    assert client.get_job(name=created.name).state == scheduler_v1.Job.State.ENABLED


def test_update_with_and_without_mask(client: scheduler_v1.CloudSchedulerClient) -> None:
    created = client.create_job(parent=PARENT, job=pubsub_job(unique("upd")))
    change = scheduler_v1.Job(name=created.name, schedule="0 9 * * 1", time_zone="Asia/Tokyo")
    mask = field_mask_pb2.FieldMask(paths=["schedule", "time_zone"])
    updated = client.update_job(job=change, update_mask=mask)
    assert (updated.schedule, updated.time_zone) == ("0 9 * * 1", "Asia/Tokyo")
    assert updated.pubsub_target.data == b"tick"  # not in the mask: kept
    assert updated.user_update_time > created.user_update_time
    local = updated.schedule_time.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)

    switch = scheduler_v1.Job(
        name=created.name,
        http_target=scheduler_v1.HttpTarget(uri="http://127.0.0.1:9/hook"),
    )
    switched = client.update_job(job=switch)
    assert switched.http_target.uri == "http://127.0.0.1:9/hook"
    assert switched.http_target.http_method == scheduler_v1.HttpMethod.POST
    assert "pubsub_target" not in switched
    assert switched.schedule == "0 9 * * 1"

    with pytest.raises(gexc.BadRequest):
        client.update_job(
            job=scheduler_v1.Job(name=created.name, schedule="every day"),
            update_mask=field_mask_pb2.FieldMask(paths=["schedule"]),
        )
    assert client.get_job(name=created.name).schedule == "0 9 * * 1"


# --- firing targets -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def subscription(pubsub_host: str) -> Iterator[tuple[str, str]]:
    """A fresh topic and a pull subscription on it in the Pub/Sub emulator."""
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(PROJECT, unique("poll-tick"))
    sub = subscriber.subscription_path(PROJECT, unique("poll-tick-sub"))
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=sub, topic=topic)
    yield topic, sub
    subscriber.delete_subscription(subscription=sub)
    publisher.delete_topic(topic=topic)
    subscriber.close()


def pull_one(sub: str) -> pubsub_v1.types.PubsubMessage:
    """Pull (and ack) exactly one message, waiting up to 10 s."""
    subscriber = pubsub_v1.SubscriberClient()
    try:
        def attempt() -> Any:
            response = subscriber.pull(subscription=sub, max_messages=10, timeout=5)
            return response.received_messages

        received = wait_until(attempt, 10, f"a message on {sub}")
        subscriber.acknowledge(subscription=sub, ack_ids=[m.ack_id for m in received])
        assert len(received) == 1
        return received[0].message
    finally:
        subscriber.close()


def test_run_publishes_to_pubsub(
    client: scheduler_v1.CloudSchedulerClient, subscription: tuple[str, str]
) -> None:
    topic, sub = subscription
    job = pubsub_job(unique("run"), topic_name=topic, data=b'{"poll": 1}',
                     attributes={"source": "scheduler", "gym": "g1"})
    created = client.create_job(parent=PARENT, job=job)
    assert "last_attempt_time" not in created

    ran = client.run_job(name=created.name)
    message = pull_one(sub)
    assert message.data == b'{"poll": 1}'
    assert dict(message.attributes) == {"source": "scheduler", "gym": "g1"}
    assert ran.status.code == 0
    assert datetime.now(UTC) - ran.last_attempt_time < timedelta(seconds=10)
    assert client.get_job(name=created.name).last_attempt_time == ran.last_attempt_time


def test_run_to_missing_topic_records_failure(client: scheduler_v1.CloudSchedulerClient) -> None:
    job = pubsub_job(unique("run"), topic_name=f"projects/{PROJECT}/topics/{unique('none')}")
    created = client.create_job(parent=PARENT, job=job)
    ran = client.run_job(name=created.name)
    assert ran.status.code == 5  # google.rpc.Code.NOT_FOUND from Pub/Sub
    assert "last_attempt_time" in ran


@pytest.fixture()
def http_sink() -> Iterator[tuple[str, queue.Queue[dict[str, Any]]]]:
    """A local HTTP server recording each request; ``/fail`` answers 500."""
    seen: queue.Queue[dict[str, Any]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen.put({"method": self.command, "path": self.path, "body": body,
                      "headers": dict(self.headers)})
            self.send_response(500 if self.path.startswith("/fail") else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            logger.debug(format, *args)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_run_http_target(
    client: scheduler_v1.CloudSchedulerClient,
    http_sink: tuple[str, queue.Queue[dict[str, Any]]],
) -> None:
    base, seen = http_sink
    job_id = unique("http")
    job = scheduler_v1.Job(
        name=f"{PARENT}/jobs/{job_id}",
        schedule="*/15 * * * *",
        http_target=scheduler_v1.HttpTarget(
            uri=f"{base}/hooks/poll?gym=g1",
            http_method=scheduler_v1.HttpMethod.PUT,
            headers={"Content-Type": "application/json", "X-Gym": "g1"},
            body=b'{"poll": true}',
        ),
    )
    created = client.create_job(parent=PARENT, job=job)
    assert created.time_zone == "Etc/UTC"
    ran = client.run_job(name=created.name)
    request = seen.get(timeout=5)
    assert request["method"] == "PUT"
    assert request["path"] == "/hooks/poll?gym=g1"
    assert request["body"] == b'{"poll": true}'
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Gym"] == "g1"
    assert request["headers"]["X-CloudScheduler-JobName"] == job_id
    assert ran.status.code == 0

    failing = scheduler_v1.Job(
        name=f"{PARENT}/jobs/{unique('http')}",
        schedule="*/15 * * * *",
        http_target=scheduler_v1.HttpTarget(
            uri=f"{base}/fail", http_method=scheduler_v1.HttpMethod.GET
        ),
    )
    client.create_job(parent=PARENT, job=failing)
    failed = client.run_job(name=failing.name)
    assert seen.get(timeout=5)["method"] == "GET"
    assert failed.status.code == 13  # INTERNAL for an HTTP 500
    assert "500" in failed.status.message


# --- persistence ----------------------------------------------------------------------------


def test_jobs_survive_restart_and_missed_ticks_are_not_replayed(
    pubsub_host: str, tmp_path: Path
) -> None:
    state = tmp_path / "state" / "jobs.json"
    first = start_emulator(state, pubsub_host)
    try:
        api = first.client()
        kept = api.create_job(parent=PARENT, job=pubsub_job("kept", attributes={"a": "1"}))
        held = api.pause_job(name=api.create_job(parent=PARENT, job=pubsub_job("held")).name)
    finally:
        stop_group(first.proc)

    document = json.loads(state.read_text())
    assert sorted(job["name"] for job in document["jobs"]) == [held.name, kept.name]
    assert not list(state.parent.glob(f".{state.name}.*"))  # no temp files left behind
    # Pretend the service was down for an hour: the job's next run lies in the past.
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    for job in document["jobs"]:
        if job["name"] == kept.name:
            job["scheduleTime"] = format_time(long_ago)
    state.write_text(json.dumps(document))

    second = start_emulator(state, pubsub_host)
    try:
        api = second.client()
        again = api.get_job(name=kept.name)
        assert (again.schedule, again.time_zone) == (kept.schedule, kept.time_zone)
        assert again.pubsub_target == kept.pubsub_target
        assert again.user_update_time == kept.user_update_time
        assert again.state == scheduler_v1.Job.State.ENABLED
        assert "last_attempt_time" not in again  # the missed run was not replayed
        assert again.schedule_time > datetime.now(UTC) - timedelta(seconds=1)
        assert api.get_job(name=held.name).state == scheduler_v1.Job.State.PAUSED
    finally:
        stop_group(second.proc)


# --- ensure_job (the provisioning helper) ---------------------------------------------------


def test_ensure_job_is_idempotent(emulator: Emulator) -> None:
    api = scheduler_client(emulator.endpoint.removeprefix("http://"))
    job_id = unique("poll-machine-usage")
    topic = f"projects/{PROJECT}/topics/poll-tick"
    first = ensure_job(api, PROJECT, LOCATION, job_id, "* * * * *", "Etc/UTC", topic)
    assert first.name == f"{PARENT}/jobs/{job_id}"
    assert (first.schedule, first.pubsub_target.topic_name) == ("* * * * *", topic)
    assert first.pubsub_target.data == b"tick"

    second = ensure_job(api, PROJECT, LOCATION, job_id, "* * * * *", "Etc/UTC", topic)
    assert second.user_update_time == first.user_update_time  # nothing to change

    third = ensure_job(api, PROJECT, LOCATION, job_id, "*/2 * * * *", "Europe/Rome", topic)
    assert (third.schedule, third.time_zone) == ("*/2 * * * *", "Europe/Rome")
    assert third.user_update_time > first.user_update_time
    assert [j.name for j in api.list_jobs(parent=PARENT)].count(first.name) == 1


# --- pure parts: schedule computation and the firing loop -----------------------------------


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        ("2024-01-15T07:00:00Z", "Europe/Rome", "2024-01-15T08:00:00Z"),  # CET, UTC+1
        ("2024-07-15T06:00:00Z", "Europe/Rome", "2024-07-15T07:00:00Z"),  # CEST, UTC+2
        ("2024-01-15T08:00:00Z", "Europe/Rome", "2024-01-16T08:00:00Z"),  # strictly after now
        ("2024-01-15T07:00:00Z", "America/New_York", "2024-01-15T14:00:00Z"),
        ("2024-01-15T07:00:00Z", "Etc/UTC", "2024-01-15T09:00:00Z"),
    ],
)
def test_next_run_time_honours_time_zone(now: str, zone: str, expected: str) -> None:
    assert next_run_time("0 9 * * *", zone, parse_time(now)) == parse_time(expected)


def test_next_run_time_across_dst_change() -> None:
    # 02:30 does not exist in Rome on 2024-03-31; the run moves to 03:00 CEST (01:00Z).
    now = parse_time("2024-03-30T23:00:00Z")
    assert next_run_time("30 2 * * *", "Europe/Rome", now) == parse_time("2024-03-31T01:00:00Z")
    every_minute = next_run_time("* * * * *", "Europe/Rome", parse_time("2024-03-31T00:59:30Z"))
    assert every_minute == parse_time("2024-03-31T01:00:00Z")


@pytest.mark.parametrize("bad", ["", "* * * *", "* * * * * *", "61 * * * *", "every 5 minutes"])
def test_bad_schedules_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        next_run_time(bad, "Etc/UTC", datetime.now(UTC))


class FakeClock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordingDispatcher:
    """Records what would be sent instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None]] = []

    async def dispatch(self, job: jobs.Job, schedule_time: str | None = None) -> Outcome:
        self.sent.append((job["name"], schedule_time))
        return Outcome("fake", {}, "OK")

    async def close(self) -> None:
        return None


def _runner(tmp_path: Path, start: datetime) -> tuple[Runner, FakeClock, RecordingDispatcher]:
    clock, dispatcher = FakeClock(start), RecordingDispatcher()
    store = JobStore(tmp_path / "jobs.json")
    return Runner(store, dispatcher, clock=clock), clock, dispatcher


async def _tick(runner: Runner) -> int:
    tasks = runner.tick()
    await asyncio.gather(*tasks)
    return len(tasks)


def test_paused_job_does_not_fire(tmp_path: Path) -> None:
    start = parse_time("2024-01-15T07:00:30Z")
    runner, clock, dispatcher = _runner(tmp_path, start)
    body = {"schedule": "* * * * *", "pubsubTarget": {"topicName": "projects/p/topics/t",
                                                      "data": "dGljaw=="}}
    on = jobs.new_job(PARENT, {**body, "name": f"{PARENT}/jobs/on"}, start)
    off = jobs.paused(jobs.new_job(PARENT, {**body, "name": f"{PARENT}/jobs/off"}, start), start)
    runner.store.put(on)
    runner.store.put(off)

    async def scenario() -> None:
        assert await _tick(runner) == 0  # nothing due yet
        clock.now = parse_time("2024-01-15T07:01:00.2Z")
        assert await _tick(runner) == 1
        clock.now = parse_time("2024-01-15T07:02:00.1Z")
        assert await _tick(runner) == 1

    asyncio.run(scenario())
    assert dispatcher.sent == [
        (on["name"], "2024-01-15T07:01:00Z"),
        (on["name"], "2024-01-15T07:02:00Z"),
    ]
    fired, idle = runner.store.get(on["name"]), runner.store.get(off["name"])
    assert fired is not None and idle is not None
    assert fired["scheduleTime"] == "2024-01-15T07:03:00Z"
    assert fired["lastAttemptTime"] == "2024-01-15T07:02:00.100000Z"
    assert fired["status"] == {}
    assert "lastAttemptTime" not in idle and "scheduleTime" not in idle
    saved = JobStore(runner.store.path)
    saved.load()
    assert saved.get(on["name"]) == fired  # every change reached the file


def test_missed_ticks_fire_only_the_next_one(tmp_path: Path) -> None:
    start = parse_time("2024-01-15T07:00:30Z")
    runner, clock, dispatcher = _runner(tmp_path, start)
    body = {"name": f"{PARENT}/jobs/j", "schedule": "*/5 * * * *",
            "pubsubTarget": {"topicName": "projects/p/topics/t", "attributes": {"a": "b"}}}
    runner.store.put(jobs.new_job(PARENT, body, start))
    clock.now = parse_time("2024-01-15T07:31:10Z")  # the service was down for 30 minutes
    runner.skip_missed()
    job = runner.store.get(f"{PARENT}/jobs/j")
    assert job is not None and job["scheduleTime"] == "2024-01-15T07:35:00Z"

    async def scenario() -> None:
        assert await _tick(runner) == 0
        clock.now = parse_time("2024-01-15T07:35:00Z")
        assert await _tick(runner) == 1

    asyncio.run(scenario())
    assert dispatcher.sent == [(f"{PARENT}/jobs/j", "2024-01-15T07:35:00Z")]
