"""The Cloud Scheduler v1 REST routes, served with aiohttp."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from emulators.scheduler import jobs
from emulators.scheduler.dispatch import Dispatcher
from emulators.scheduler.errors import ApiError, already_exists, invalid, not_found
from emulators.scheduler.runner import Runner
from emulators.scheduler.store import JobStore

logger = logging.getLogger(__name__)

RUNNER_KEY = web.AppKey("runner", Runner)
PARENT = "/v1/projects/{project}/locations/{location}"
JOB = PARENT + "/jobs/{job:[^/:]+}"
DEFAULT_PAGE_SIZE = 500

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _reply(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


@web.middleware
async def google_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every failure as a Google JSON error so the client raises the right class."""
    try:
        return await handler(request)
    except ApiError as exc:
        return _reply(exc.to_json(), exc.http_code)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        status = "NOT_FOUND" if exc.status in (404, 405) else "INVALID_ARGUMENT"
        error = {"code": 404 if status == "NOT_FOUND" else exc.status, "status": status}
        error["message"] = f"{request.method} {request.path}: {exc.reason}"
        return _reply({"error": error}, error["code"])
    except Exception:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        error = {"code": 500, "message": "internal emulator error", "status": "INTERNAL"}
        return _reply({"error": error}, 500)


def _runner(request: web.Request) -> Runner:
    return request.app[RUNNER_KEY]


def _parent(request: web.Request) -> str:
    info = request.match_info
    return f"projects/{info['project']}/locations/{info['location']}"


def _name(request: web.Request) -> str:
    return f"{_parent(request)}/jobs/{request.match_info['job']}"


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError as exc:
        raise invalid(f"Invalid JSON payload: {exc}") from exc
    if not isinstance(body, dict):
        raise invalid("Invalid JSON payload: expected an object")
    return body


async def create_job(request: web.Request) -> web.Response:
    """POST /v1/{parent}/jobs"""
    runner = _runner(request)
    job = jobs.new_job(_parent(request), await _body(request), runner.clock())
    if runner.store.get(job["name"]) is not None:
        raise already_exists(job["name"])
    runner.store.put(job)
    logger.info("created job %s (%s %s)", job["name"], job["schedule"], job["timeZone"])
    return _reply(job)


async def list_jobs(request: web.Request) -> web.Response:
    """GET /v1/{parent}/jobs?pageSize&pageToken"""
    try:
        size = int(request.query.get("pageSize") or DEFAULT_PAGE_SIZE)
        start = int(request.query.get("pageToken") or 0)
    except ValueError as exc:
        raise invalid("Invalid pageSize or pageToken") from exc
    if size <= 0 or start < 0:
        raise invalid("Invalid pageSize or pageToken")
    found = _runner(request).store.list(_parent(request))
    page: dict[str, Any] = {"jobs": found[start : start + size]}
    if start + size < len(found):
        page["nextPageToken"] = str(start + size)
    return _reply(page)


async def get_job(request: web.Request) -> web.Response:
    """GET /v1/{name}"""
    name = _name(request)
    job = _runner(request).store.get(name)
    if job is None:
        raise not_found(name)
    return _reply(job)


async def update_job(request: web.Request) -> web.Response:
    """PATCH /v1/{job.name}?updateMask=..."""
    runner, name = _runner(request), _name(request)
    job = runner.store.get(name)
    if job is None:
        raise not_found(name)
    mask = request.query.get("updateMask")
    job = jobs.updated_job(job, await _body(request), mask, runner.clock())
    runner.store.put(job)
    logger.info("updated job %s (%s)", name, mask or "all fields given")
    return _reply(job)


async def delete_job(request: web.Request) -> web.Response:
    """DELETE /v1/{name}"""
    name = _name(request)
    if not _runner(request).store.delete(name):
        raise not_found(name)
    logger.info("deleted job %s", name)
    return _reply({})


async def job_action(request: web.Request) -> web.Response:
    """POST /v1/{name}:pause | :resume | :run"""
    runner, name = _runner(request), _name(request)
    verb = request.match_info["verb"]
    await _body(request)
    if verb == "run":
        return _reply(await runner.run_now(name))
    job = runner.store.get(name)
    if job is None:
        raise not_found(name)
    if verb == "pause":
        job = jobs.paused(job, runner.clock())
    elif verb == "resume":
        job = jobs.resumed(job, runner.clock())
    else:
        raise ApiError("NOT_FOUND", f"Unknown method {verb!r}")
    runner.store.put(job)
    logger.info("%s job %s", "paused" if verb == "pause" else "resumed", name)
    return _reply(job)


async def health(request: web.Request) -> web.Response:
    """GET / for readiness probes."""
    return _reply({"status": "ok", "jobs": len(_runner(request).store.list())})


async def _background(app: web.Application) -> AsyncIterator[None]:
    runner = app[RUNNER_KEY]
    runner.skip_missed()
    loop_task = asyncio.create_task(runner.run_forever())
    yield
    loop_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop_task
    await runner.drain()
    await runner.dispatcher.close()


def create_app(runner: Runner) -> web.Application:
    """The aiohttp application; starts the firing loop with the app and stops it after."""
    app = web.Application(middlewares=[google_errors])
    app[RUNNER_KEY] = runner
    app.router.add_get("/", health)
    app.router.add_post(PARENT + "/jobs", create_job)
    app.router.add_get(PARENT + "/jobs", list_jobs)
    app.router.add_get(JOB, get_job)
    app.router.add_patch(JOB, update_job)
    app.router.add_delete(JOB, delete_job)
    app.router.add_post(JOB + ":{verb}", job_action)
    app.cleanup_ctx.append(_background)
    return app


def build(state_path: str, tick_seconds: float = 0.5) -> web.Application:
    """Load the state file and build the app around a fresh store, dispatcher and runner."""
    store = JobStore(Path(state_path))
    store.load()
    return create_app(Runner(store, Dispatcher(), tick_seconds=tick_seconds))
