"""Command line: ``python -m emulators.scheduler --host 127.0.0.1 --port 8090 --state PATH``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from aiohttp import web

from emulators.scheduler.api import build

logger = logging.getLogger(__name__)

DEFAULT_STATE = ".local/scheduler/jobs.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m emulators.scheduler",
        description="Local Cloud Scheduler emulator (Cloud Scheduler v1 REST API).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8090, help="port to listen on")
    parser.add_argument("--state", default=DEFAULT_STATE, help="JSON file the jobs are kept in")
    parser.add_argument(
        "--tick", type=float, default=0.5, help="seconds between checks for due jobs"
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ...")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        app = build(args.state, tick_seconds=args.tick)
    except ValueError as exc:
        logger.error("%s", exc)
        return 2
    logger.info(
        "Cloud Scheduler emulator on http://%s:%d, state %s", args.host, args.port, args.state
    )
    if not os.environ.get("PUBSUB_EMULATOR_HOST"):
        logger.warning("PUBSUB_EMULATOR_HOST is not set: Pub/Sub targets go to the real service")
    web.run_app(app, host=args.host, port=args.port, print=None, handle_signals=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
