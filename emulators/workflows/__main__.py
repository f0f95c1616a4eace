"""``python -m emulators.workflows --port 8091 --grpc-port 8093 --state PATH`` (.venv-workflows)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from emulators.workflows.api import build_server
from emulators.workflows.grpc_api import build_grpc_server
from emulators.workflows.store import Store

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m emulators.workflows",
        description="Local Cloud Workflows emulator (Workflows v1 and Executions v1 REST APIs).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8091, help="port to listen on")
    parser.add_argument("--grpc-port", type=int, default=8093,
                        help="port of the Executions API over gRPC (the official client's only"
                             " transport)")
    parser.add_argument("--state", default=".local/workflows/workflows.json",
                        help="JSON file the deployed workflows are kept in ('' keeps none)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ...")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = Store(Path(args.state) if args.state else None)
    store.load()
    server = build_server(args.host, args.port, store)
    grpc_server = build_grpc_server(f"{args.host}:{args.grpc_port}", store)
    grpc_server.start()

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("Cloud Workflows emulator on http://%s:%d (REST), executions also over gRPC on "
                "%s:%d, state %s", args.host, args.port, args.host, args.grpc_port,
                args.state or "(none)")
    server.serve_forever()
    grpc_server.stop(grace=2)
    store.stop_all()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
