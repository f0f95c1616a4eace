"""The background loop that fires due jobs, and the one-shot ``run`` used by the API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from emulators.scheduler import jobs
from emulators.scheduler.dispatch import Outcome
from emulators.scheduler.errors import not_found
from emulators.scheduler.store import JobStore
from emulators.scheduler.timestamps import parse_time, utcnow

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
DRAIN_SECONDS = 5.0


class Sender(Protocol):
    """What the runner needs from a dispatcher (see :class:`dispatch.Dispatcher`)."""

    async def dispatch(self, job: jobs.Job, schedule_time: str | None = None) -> Outcome:
        """Deliver the job once."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class Runner:
    """Fires ENABLED jobs whose ``scheduleTime`` has come, then moves it to the next tick."""

    def __init__(
        self,
        store: JobStore,
        dispatcher: Sender,
        clock: Clock = utcnow,
        tick_seconds: float = 0.5,
    ) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._inflight: set[asyncio.Task[Outcome]] = set()

    def skip_missed(self) -> None:
        """Move every enabled job whose time passed (while we were down) to its next tick."""
        now = self.clock()
        for job in self.store.list():
            if job["state"] != "ENABLED":
                continue
            due = job.get("scheduleTime")
            if due is None or parse_time(due) <= now:
                updated = jobs.rescheduled(job, now)
                logger.info(
                    "job %s: missed run at %s not replayed, next at %s",
                    job["name"],
                    due,
                    updated["scheduleTime"],
                )
                self.store.put(updated)

    def due(self, now: datetime) -> list[jobs.Job]:
        """Enabled jobs whose next schedule time is at or before ``now``."""
        return [
            job
            for job in self.store.list()
            if job["state"] == "ENABLED"
            and "scheduleTime" in job
            and parse_time(job["scheduleTime"]) <= now
        ]

    def tick(self) -> list[asyncio.Task[Outcome]]:
        """Start a fire for every due job (advancing its schedule first); returns the tasks."""
        now = self.clock()
        tasks = []
        for job in self.due(now):
            scheduled_for = job["scheduleTime"]
            self.store.put(jobs.rescheduled(job, now))
            task = asyncio.create_task(self.fire(job, scheduled_for))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
            tasks.append(task)
        return tasks

    async def run_now(self, name: str) -> jobs.Job:
        """Fire the job now (RunJob) and return it with its attempt recorded."""
        job = self.store.get(name)
        if job is None:
            raise not_found(name)
        await self.fire(job, None)
        return self.store.get(name) or job

    async def fire(self, job: jobs.Job, scheduled_for: str | None) -> Outcome:
        """Dispatch one job, log one line, and record the attempt on the stored job."""
        started = self.clock()
        outcome = await self.dispatcher.dispatch(job, scheduled_for)
        level = logging.INFO if outcome.ok else logging.WARNING
        trigger = f"scheduled {scheduled_for}" if scheduled_for else "run now"
        logger.log(
            level,
            "fired job %s (%s) -> %s: %s",
            job["name"],
            trigger,
            outcome.target,
            outcome.detail,
        )
        current = self.store.get(job["name"])
        if current is not None:
            self.store.put(jobs.attempted(current, started, outcome.status))
        return outcome

    async def run_forever(self) -> None:
        """Tick until cancelled (call :meth:`skip_missed` once before)."""
        while True:
            try:
                self.tick()
            except Exception:
                logger.exception("scheduler tick failed")
            await asyncio.sleep(self.tick_seconds)

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Give fires still in flight ``timeout`` seconds to finish, then cancel them."""
        if not self._inflight:
            return
        _, pending = await asyncio.wait(set(self._inflight), timeout=timeout)
        for task in pending:
            logger.warning("cancelling a fire still running at shutdown")
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
