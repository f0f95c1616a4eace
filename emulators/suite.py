"""Start and stop the local suite: Firebase emulators, mail catcher, Scheduler emulator.

Each service runs in its own process group, recorded in ``<state>/run/<name>.pid``, so that
stopping ends everything it started (the Firebase CLI leaves Python workers behind otherwise).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from emulators.binaries import emulator_environment

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
PROJECT_ID = "demo-gymiot"
REGION = "europe-west1"
FIRESTORE = "127.0.0.1:8080"
PUBSUB = "127.0.0.1:8085"
AUTH = "127.0.0.1:9099"
FUNCTIONS = "127.0.0.1:5001"
HUB = "127.0.0.1:4400"
SCHEDULER = "127.0.0.1:8090"
SMTP_PORT = 1025
MAIL_WEB_PORT = 1080
POLL_JOB = "poll-machine-usage"
FUNCTION_IDS = (
    "poll_machine_usage", "flush_device_fault_digests", "update_training_card",
    "email_device_faults",
)


def state_dir() -> Path:
    """Where runtime state lives (GYMIOT_STATE_DIR, default .local in the checkout)."""
    return Path(os.environ.get("GYMIOT_STATE_DIR", ROOT / ".local")).resolve()


def client_environment() -> dict[str, str]:
    """Environment variables that point Google clients at the local emulators."""
    return {
        "FIRESTORE_EMULATOR_HOST": FIRESTORE,
        "PUBSUB_EMULATOR_HOST": PUBSUB,
        "FIREBASE_AUTH_EMULATOR_HOST": AUTH,
        "GCLOUD_PROJECT": PROJECT_ID,
        "GOOGLE_CLOUD_PROJECT": PROJECT_ID,
        "SCHEDULER_EMULATOR_HOST": SCHEDULER,
    }


def port_open(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, int(port))) == 0


def wait_until(check: Callable[[], bool], what: str, timeout_s: float) -> None:
    """Poll `check` until it is true; raise TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what} not ready after {timeout_s:.0f} s")


def functions_loaded() -> bool:
    """True once the Functions emulator has loaded every GymIoT trigger."""
    try:
        with urllib.request.urlopen(f"http://{FUNCTIONS}/backends", timeout=2) as response:
            backends = json.load(response)["backends"]
    except (OSError, ValueError, KeyError):
        return False
    loaded = {t["entryPoint"] for b in backends for t in b.get("functionTriggers", [])}
    return set(FUNCTION_IDS) <= loaded


@dataclass
class Service:
    """One background process of the suite."""

    name: str
    command: Sequence[str]
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=dict)
    stop_signal: int = signal.SIGTERM
    start_timeout_s: float = 60.0

    def pid_file(self) -> Path:
        return state_dir() / "run" / f"{self.name}.pid"

    def log_file(self) -> Path:
        return state_dir() / "logs" / f"{self.name}.log"

    def running_pgid(self) -> int | None:
        try:
            pgid = int(self.pid_file().read_text())
            os.killpg(pgid, 0)
        except (OSError, ValueError):
            return None
        return pgid

    def start(self) -> None:
        if self.running_pgid() is not None or self.ready():
            logger.info("service already running name=%s", self.name)
            return
        self.pid_file().parent.mkdir(parents=True, exist_ok=True)
        self.log_file().parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env}
        with open(self.log_file(), "ab") as log:
            process = subprocess.Popen(
                list(self.command), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.pid_file().write_text(str(process.pid))
        logger.info("service started name=%s pid=%d log=%s", self.name, process.pid,
                    self.log_file())
        try:
            wait_until(
                lambda: process.poll() is None and self.ready(), self.name, self.start_timeout_s
            )
        except TimeoutError:
            tail = self.log_file().read_text(errors="replace")[-3000:]
            raise TimeoutError(f"{self.name} did not start; its log ends:\n{tail}") from None

    def stop(self, timeout_s: float = 30.0) -> None:
        pgid = self.running_pgid()
        if pgid is None:
            return
        os.killpg(pgid, self.stop_signal)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except OSError:
                break
            time.sleep(0.2)
        else:
            logger.warning("service did not stop in time, killing name=%s", self.name)
            os.killpg(pgid, signal.SIGKILL)
        self.pid_file().unlink(missing_ok=True)
        logger.info("service stopped name=%s", self.name)


def _firebase_command(data_dir: Path, persist: bool) -> list[str]:
    command = [str(ROOT / "node_modules/.bin/firebase"), "emulators:start",
               "--project", PROJECT_ID, "--only", "firestore,pubsub,functions,auth"]
    if persist:
        data_dir.mkdir(parents=True, exist_ok=True)
        if (data_dir / "firebase-export-metadata.json").exists():
            command += ["--import", str(data_dir)]
        command += ["--export-on-exit", str(data_dir)]
    return command


def services(persist: bool = True) -> list[Service]:
    """The suite's services in start order (stopped in reverse)."""
    state = state_dir()
    clients = client_environment()
    python = sys.executable
    return [
        Service(
            "maildev",
            [str(ROOT / "node_modules/.bin/maildev"), "--ip", "127.0.0.1", "--web-ip", "127.0.0.1",
             "--smtp", str(SMTP_PORT), "--web", str(MAIL_WEB_PORT)],
            ready=lambda: port_open(f"127.0.0.1:{SMTP_PORT}")
            and port_open(f"127.0.0.1:{MAIL_WEB_PORT}"),
        ),
        Service(
            "firebase",
            _firebase_command(state / "firebase-data", persist),
            ready=lambda: all(port_open(a) for a in (FIRESTORE, PUBSUB, AUTH, HUB))
            and functions_loaded(),
            env={**emulator_environment(state)},
            stop_signal=signal.SIGINT,
            start_timeout_s=120.0,
        ),
        Service(
            "scheduler",
            [python, "-m", "emulators.scheduler", "--host", "127.0.0.1",
             "--port", SCHEDULER.rsplit(":", 1)[1],
             "--state", str(state / "scheduler" / "jobs.json")],
            ready=lambda: port_open(SCHEDULER),
            env=clients,
        ),
    ]


def provision() -> None:
    """Topics, the poller's subscription and the every-minute poll job (same code as deploy)."""
    os.environ.update(client_environment())
    sys.path.insert(0, str(ROOT / "functions"))
    from emulators.scheduler_client import ensure_job, scheduler_client
    from gymiot import topics

    topics.provision(PROJECT_ID)
    ensure_job(
        scheduler_client(f"http://{SCHEDULER}"), PROJECT_ID, REGION, POLL_JOB,
        schedule="* * * * *", time_zone="Europe/Rome",
        topic=topics.topic_path(PROJECT_ID, topics.POLL_TICK),
    )
    logger.info("provisioned topics, subscription and scheduler job %s", POLL_JOB)


def up(persist: bool = True) -> None:
    """Start every service that is not running yet, then provision."""
    for service in services(persist):
        service.start()
    provision()
    logger.info(
        "suite up: Firestore %s, Pub/Sub %s, Auth %s, Functions %s, Scheduler %s, "
        "mail inbox http://127.0.0.1:%d/index.html",
        FIRESTORE, PUBSUB, AUTH, FUNCTIONS, SCHEDULER, MAIL_WEB_PORT,
    )


def down() -> None:
    """Stop every service this checkout started (Firestore data is exported on the way)."""
    for service in reversed(services(persist=False)):
        service.stop()


def is_up() -> bool:
    return all(port_open(a) for a in (FIRESTORE, PUBSUB, HUB, SCHEDULER)) and functions_loaded()


def product_services(customers: int) -> list[Service]:
    """What `run` adds on top of the suite: the device simulators."""
    clients = client_environment()
    python = sys.executable
    return [
        Service(
            "device-sim-machines",
            [python, "-m", "device_sim", "machines", "--customers", str(customers),
             "--rate", "0.5", "--duration", "0", "--fault-rate", "0.05"],
            ready=lambda: True,
            env=clients,
        ),
    ]
