"""Start and stop the local suite: Firebase emulators, mail catcher, Scheduler emulator.

Each service runs in its own process group, recorded in ``<state>/run/<name>.pid``, so that
stopping ends everything it started (the Firebase CLI leaves Python workers behind otherwise).
"""

from __future__ import annotations

import contextlib
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
WORKFLOWS = "127.0.0.1:8091"  # Workflows v1 and Executions v1 over REST
WORKFLOWS_GRPC = "127.0.0.1:8093"  # Executions v1 over gRPC (the official client's transport)
TELEGRAM = "127.0.0.1:8092"  # Telegram Bot API stand-in
LOCAL_BOT_TOKEN = "1000001:local-stand-in-token"
DASHBOARD = "127.0.0.1:8000"  # the NiceGUI dashboard (python -m web)
SMTP_PORT = 1025
MAIL_WEB_PORT = 1080
POLL_JOB = "poll-machine-usage"  # created by emulators.provision
FUNCTIONS_PARALLEL = 4  # invocations the functions emulator runs at once (see services())
FUNCTION_IDS = (
    "poll_machine_usage", "flush_device_fault_digests", "update_training_card",
    "email_device_faults",
    "mark_bill_paid", "email_invoice", "email_tip_note",
    "switch_air_conditioner", "send_telegram_message",
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
        "WORKFLOWS_EMULATOR_HOST": WORKFLOWS,
        "WORKFLOWS_EXECUTIONS_EMULATOR_HOST": WORKFLOWS_GRPC,
    }


def use_local_suite() -> None:
    """Point this process's Google clients at the local emulators, unless already pointed."""
    for name, value in client_environment().items():
        os.environ.setdefault(name, value)


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
    # A service that answers on a port may have been started by someone else; a simulator
    # (ready at once) is running only if our pid file says so.
    shared: bool = True

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
        if self.running_pgid() is not None or (self.shared and self.ready()):
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
        """Signal the service's leader, wait for it, then end whatever is left of its group.

        Only the leader gets the stop signal first: the Firebase CLI exports Firestore data on
        SIGINT and stops its own workers, and Python workers hit by the same SIGINT can hang in
        their shutdown.
        """
        pgid = self.running_pgid()
        if pgid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pgid, self.stop_signal)
        if not _wait_gone(pgid, timeout_s, group=False):
            logger.warning("service leader did not stop in time name=%s", self.name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        if not _wait_gone(pgid, 5.0, group=True):
            logger.warning("service did not stop in time, killing name=%s", self.name)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        self.pid_file().unlink(missing_ok=True)
        logger.info("service stopped name=%s", self.name)


def _wait_gone(pid: int, timeout_s: float, group: bool) -> bool:
    """Wait until the process (or its whole group) has exited; False on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _reap(pid)
        try:
            (os.killpg if group else os.kill)(pid, 0)
        except OSError:
            return True
        time.sleep(0.2)
    return False


def _reap(pgid: int) -> None:
    """Collect our exited children in group `pgid`: a zombie still counts as a group member."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-pgid, os.WNOHANG)[0]:
            pass


def _firebase_command(data_dir: Path, persist: bool) -> list[str]:
    command = [str(ROOT / "node_modules/.bin/firebase"), "emulators:start",
               "--project", PROJECT_ID, "--only", "firestore,pubsub,functions,auth"]
    if persist:
        data_dir.mkdir(parents=True, exist_ok=True)
        if (data_dir / "firebase-export-metadata.json").exists():
            command += ["--import", str(data_dir)]
        command += ["--export-on-exit", str(data_dir)]
    return command


def telegram_stand_in_environment() -> dict[str, str]:
    """Bot settings that send through the local Telegram stand-in, unless a real token is set."""
    if os.environ.get("TELEGRAM_BOT_TOKEN"):
        return {}
    return {"TELEGRAM_BOT_TOKEN": LOCAL_BOT_TOKEN, "TELEGRAM_API_BASE": f"http://{TELEGRAM}"}


def services(persist: bool = True, telegram: bool = False) -> list[Service]:
    """The suite's services in start order (stopped in reverse).

    With `telegram`, the functions send outbox messages to the Telegram stand-in (as `run`
    does); without, they stay in the outbox, where the tests deliver them to stand-ins of their
    own.
    """
    state = state_dir()
    clients = client_environment()
    python = sys.executable
    firebase_env = {**emulator_environment(state),
                    "FUNCTIONS_EMULATOR_PARALLEL": str(FUNCTIONS_PARALLEL)}
    if telegram:
        firebase_env.update(telegram_stand_in_environment())
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
            # Each concurrent invocation without an idle worker starts a Python worker on a
            # port picked at random; bursts of Pub/Sub pushes then race for ports and invocations
            # fail (and the emulator acks the message anyway). A few parallel invocations keep
            # workers reused. Deployed, Cloud Functions scales instances instead.
            env=firebase_env,
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
        Service(
            "workflows",
            [str(ROOT / ".venv-workflows/bin/python"), "-m", "emulators.workflows",
             "--host", "127.0.0.1", "--port", WORKFLOWS.rsplit(":", 1)[1],
             "--grpc-port", WORKFLOWS_GRPC.rsplit(":", 1)[1],
             "--state", str(state / "workflows" / "workflows.json")],
            ready=lambda: port_open(WORKFLOWS) and port_open(WORKFLOWS_GRPC),
            env=clients,
        ),
        Service(
            "telegram",
            [python, "-m", "emulators.telegram", "--host", "127.0.0.1",
             "--port", TELEGRAM.rsplit(":", 1)[1]],
            ready=lambda: port_open(TELEGRAM),
        ),
    ]


def provision() -> None:
    """Topics, the poller's subscription, the poll job, the workflows (same code as deploy)."""
    os.environ.update(client_environment())
    from emulators.provision import provision as provision_project

    provision_project(PROJECT_ID, f"http://{SCHEDULER}", f"http://{WORKFLOWS}")


def up(persist: bool = True, telegram: bool = False) -> None:
    """Start every service that is not running yet, then provision."""
    for service in services(persist, telegram):
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
             "--rate", "0.5", "--duration", "0", "--fault-rate", "0.1", "--pace", "30"],
            ready=lambda: True,
            shared=False,
            env=clients,
        ),
        Service(
            "device-sim-rooms",
            [python, "-m", "device_sim", "rooms", "--rooms", "3", "--interval", "5",
             "--duration", "0", "--day-s", "600", "--fault-rate", "0.01"],
            ready=lambda: True,
            shared=False,
            env=clients,
        ),
        Service(
            "dashboard",
            [python, "-m", "web"],
            ready=lambda: port_open(DASHBOARD),
            env={**clients, "DASHBOARD_PORT": DASHBOARD.rsplit(":", 1)[1]},
        ),
    ] + bot_services()


def bot_polling() -> bool:
    """True while a bot long-polls the Telegram stand-in."""
    try:
        with urllib.request.urlopen(f"http://{TELEGRAM}/control/status", timeout=2) as response:
            return bool(json.load(response)["bot_polling"])
    except (OSError, ValueError, KeyError):
        return False


def bot_services() -> list[Service]:
    """The Telegram bot against the local stand-in, when no real TELEGRAM_BOT_TOKEN is set.

    With a real token, run ``python -m bot`` yourself (it then talks to api.telegram.org).
    """
    stand_in = telegram_stand_in_environment()
    if not stand_in:
        return []
    return [
        Service(
            "bot",
            [sys.executable, "-m", "bot"],
            ready=bot_polling,
            env={**client_environment(), **stand_in},
        ),
    ]
