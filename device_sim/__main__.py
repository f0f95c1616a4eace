"""`python -m device_sim machines|rooms ...`: simulated gym sensors feeding the local suite."""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time

from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore, pubsub_v1
from tqdm import tqdm

from device_sim import rooms
from device_sim.machines import Gym, sensors_from_catalogue
from emulators.suite import use_local_suite

logger = logging.getLogger("device_sim")

MACHINE_USAGE = "machine-usage"


def _project() -> str:
    return os.environ.get("GCLOUD_PROJECT", "demo-gymiot")


def run_machines(args: argparse.Namespace) -> int:
    """Send each machine use as it ends, at most `rate` readings per second, for `duration`
    seconds (0: until Ctrl-C)."""
    db = firestore.Client(project=_project(), credentials=AnonymousCredentials())
    machines = {snap.id: snap.to_dict() for snap in db.collection("machines").stream()}
    customers = sorted(snap.id for snap in db.collection("customers").select([]).stream())
    customers = customers[: args.customers]
    gym = Gym(sensors_from_catalogue(machines), customers, args.fault_rate,
              random.Random(args.seed), pace=args.pace)
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(_project(), MACHINE_USAGE)
    ticks = int(args.rate * args.duration) if args.duration else None
    logger.info("simulating customers=%d machines=%d rate<=%.2f/s duration=%ss fault_rate=%.2f "
                "pace=%g", len(customers), len(gym.sensors), args.rate, args.duration or "∞",
                args.fault_rate, args.pace)
    interval = 1.0 / args.rate
    started = time.monotonic()
    futures = []
    sent = tick = 0
    try:
        with tqdm(total=ticks, unit="tick", desc="machine-usage", file=sys.stderr) as bar:
            while ticks is None or tick < ticks:
                tick += 1
                message = gym.next_message()
                if message is not None:
                    body, attributes, _ = message
                    futures.append(publisher.publish(topic, body, **attributes))
                    sent += 1
                bar.update(1)
                bar.set_postfix(
                    valid=gym.sent["valid"], faulty=sent - gym.sent["valid"], refresh=False
                )
                delay = started + tick * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
    except KeyboardInterrupt:
        logger.info("interrupted")
    for future in futures:
        future.result(timeout=60)
    faults = {k.split(":", 1)[1]: v for k, v in gym.sent.items() if k.startswith("fault:")}
    logger.info("published readings=%d valid=%d faulty=%d seconds=%.1f faults=%s",
                sent, gym.sent["valid"], sent - gym.sent["valid"],
                time.monotonic() - started, faults)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m device_sim", description=__doc__)
    kinds = parser.add_subparsers(dest="kind", required=True)
    machines = kinds.add_parser("machines", help="machine-use sensors")
    machines.add_argument("--customers", type=int, default=5, help="customers training")
    machines.add_argument("--rate", type=float, default=1.0,
                          help="most readings per second (each use is sent when it ends)")
    machines.add_argument("--duration", type=float, default=60,
                          help="seconds to run (0: until Ctrl-C)")
    machines.add_argument("--fault-rate", type=float, default=0.05,
                          help="share of faulty readings, 0 to 1")
    machines.add_argument("--pace", type=float, default=1.0,
                          help="uses and rests this many times shorter (1: real time)")
    machines.add_argument("--seed", type=int, default=None, help="random seed (repeatable runs)")
    rooms.add_arguments(kinds.add_parser("rooms", help="room thermometers"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    use_local_suite()  # the simulators feed the local suite
    if args.kind == "rooms":
        if args.interval <= 0 or args.day_s <= 0:
            parser.error("--interval and --day-s must be above 0")
        return rooms.run_rooms(args)
    if args.rate <= 0 or args.pace < 1:
        parser.error("--rate must be above 0 and --pace at least 1")
    return run_machines(args)


if __name__ == "__main__":
    sys.exit(main())
