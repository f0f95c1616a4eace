"""Jobs kept in memory and in a JSON file, rewritten atomically on every change."""

from __future__ import annotations

import copy
import json
import logging
import os
import tempfile
from pathlib import Path

from emulators.scheduler.jobs import Job, parent_of

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


class JobStore:
    """Jobs by name, persisted to ``path`` (``{"version": 1, "jobs": [...]}``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._jobs: dict[str, Job] = {}

    def load(self) -> None:
        """Read the state file if it exists; a corrupt file raises ``ValueError``."""
        if not self.path.exists():
            logger.info("no state file at %s, starting empty", self.path)
            return
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            jobs = document["jobs"]
            self._jobs = {job["name"]: job for job in jobs}
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"unreadable scheduler state file {self.path}: {exc}") from exc
        logger.info("loaded %d job(s) from %s", len(self._jobs), self.path)

    def get(self, name: str) -> Job | None:
        """A copy of the job called ``name``, or None."""
        job = self._jobs.get(name)
        return copy.deepcopy(job) if job is not None else None

    def list(self, parent: str | None = None) -> list[Job]:
        """Copies of the jobs (under ``parent`` if given), sorted by name."""
        return [
            copy.deepcopy(job)
            for name, job in sorted(self._jobs.items())
            if parent is None or parent_of(name) == parent
        ]

    def put(self, job: Job) -> None:
        """Insert or replace a job and save."""
        self._jobs[job["name"]] = copy.deepcopy(job)
        self.save()

    def delete(self, name: str) -> bool:
        """Remove a job and save; False if there was none."""
        if self._jobs.pop(name, None) is None:
            return False
        self.save()
        return True

    def save(self) -> None:
        """Write all jobs to a temp file beside ``path``, fsync it, then rename over ``path``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"version": FORMAT_VERSION, "jobs": list(self._jobs.values())}
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
