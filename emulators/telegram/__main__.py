"""``python -m emulators.telegram --port 8092``: the Telegram Bot API stand-in."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from emulators.telegram.api import create_app

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m emulators.telegram", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logger.info("Telegram Bot API stand-in on http://%s:%d (bot base URL http://%s:%d/bot)",
                args.host, args.port, args.host, args.port)
    web.run_app(create_app(), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
