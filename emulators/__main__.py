"""`python -m emulators up|down|run|status`: the local suite from the command line."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading

from emulators import suite

logger = logging.getLogger("emulators")


def _run_product(args: argparse.Namespace) -> int:
    """Everything in the foreground: the suite, seed data, simulators; Ctrl-C stops it all."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        suite.up(telegram=True)
        subprocess.run([sys.executable, "-m", "emulators.seed"], check=True,
                       env={**os.environ, **suite.client_environment()}, cwd=suite.ROOT)
        for extra in suite.product_services(args.customers):
            extra.start()
        logger.info("GymIoT is running; mail inbox http://127.0.0.1:%d/index.html; "
                    "logs in %s; Ctrl-C stops everything", suite.MAIL_WEB_PORT,
                    suite.state_dir() / "logs")
        logger.info("dashboard: http://%s (alice@example.test or manager@gymiot.test, "
                    "password gymiot-demo)", suite.DASHBOARD)
        stop.wait()
    finally:
        logger.info("stopping")
        for extra in reversed(suite.product_services(args.customers)):
            extra.stop()
        suite.down()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the suite in the background")
    commands.add_parser("down", help="stop everything this checkout started")
    commands.add_parser("status", help="say whether the suite is up")
    run = commands.add_parser("run", help="the whole product in the foreground")
    run.add_argument("--customers", type=int, default=5, help="simulated customers")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.command == "up":
        suite.up()
    elif args.command == "down":
        for extra in reversed(suite.product_services(0)):
            extra.stop()
        suite.down()
    elif args.command == "status":
        up = suite.is_up()
        logger.info("suite is %s", "up" if up else "down")
        return 0 if up else 1
    else:
        return _run_product(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
