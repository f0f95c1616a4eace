"""How fast the machine-use pipeline drains a backlog, against a naive design and the limit.

Run against the local suite (started here if it is not up): `make bench`, or
`.venv/bin/python -m bench.pipeline --help`. Figures come from one run on one machine and are
compared as ratios; the table is logged and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore, pubsub_v1
from tqdm import tqdm

from bench.baselines import limit_write, naive_event, pull_all
from bench.measure import (
    LogWatch,
    WorkerMemory,
    carded_events,
    counted_events,
    day_keys,
    last_write,
)
from bench.workload import Workload, encode
from emulators import suite
from gymiot import topics
from gymiot.readings import MachineReading

logger = logging.getLogger("bench.pipeline")
ROME = ZoneInfo("Europe/Rome")


@dataclass
class Result:
    """One scenario's figures."""

    scenario: str
    events: int
    seconds: float
    events_per_s: float
    commits_per_1000: float | None = None
    pull_calls_per_1000: float | None = None
    invocations_per_1000: float | None = None
    peak_worker_mib: float | None = None
    seconds_to_totals: float | None = None
    card_ms_mean: float | None = None
    card_floor_s: float | None = None


class Bench:
    def __init__(self, customers: int) -> None:
        self.db = firestore.Client(project=suite.PROJECT_ID, credentials=AnonymousCredentials())
        self.publisher = pubsub_v1.PublisherClient(
            batch_settings=pubsub_v1.types.BatchSettings(max_messages=1000, max_latency=0.05)
        )
        self.subscriber = pubsub_v1.SubscriberClient()
        self.workload = Workload.create(self.db, customers)
        self.workloads = [self.workload]
        self.log = suite.state_dir() / "logs" / "firebase.log"
        self.seed = 0
        self.backlogs: list[str] = []
        logger.info("workload run_id=%s customers=%d", self.workload.run_id, customers)

    def clean_up(self) -> None:
        """Delete the run's subscriptions, topics and every workload's Firestore documents."""
        for name in self.backlogs:
            self.subscriber.delete_subscription(
                subscription=topics.subscription_path(suite.PROJECT_ID, name))
            self.publisher.delete_topic(topic=topics.topic_path(suite.PROJECT_ID, name))
        for workload in self.workloads:
            workload.delete(self.db)

    def backlog(self, events: int) -> tuple[str, list[dict[str, object]]]:
        """A fresh subscription holding `events` readings (publishing is not timed)."""
        self.seed += 1
        name = f"machine-usage-bench-{self.workload.run_id}-{self.seed}"
        topic = topics.topic_path(suite.PROJECT_ID, name)
        self.backlogs.append(name)
        self.publisher.create_topic(name=topic)
        self.subscriber.create_subscription(request={
            "name": topics.subscription_path(suite.PROJECT_ID, name), "topic": topic,
            "ack_deadline_seconds": 60})
        readings = self.workload.readings(events, seed=self.seed)
        futures = [self.publisher.publish(topic, encode(r)) for r in
                   tqdm(readings, desc=f"publish {events}", unit="event", file=sys.stderr)]
        for future in futures:
            future.result(timeout=120)
        return name, readings

    def wait_done(self, readings: list[dict[str, object]], started: datetime, timeout_s: float
                  ) -> tuple[float, float]:
        """Seconds from `started` until every event is in the totals, and in the training cards.

        Completion is detected by polling, then timed by the documents' own update times, so the
        polling interval does not pad the figure.
        """
        keys = day_keys(readings)
        wanted = {str(r["event_id"]) for r in readings}
        customers = {c for c, _ in keys}
        counted = carded = 0
        deadline = time.monotonic() + timeout_s
        with tqdm(total=len(wanted) * 2, desc="counted+carded", unit="event",
                  file=sys.stderr) as bar:
            while counted + carded < 2 * len(wanted):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"backlog not drained within {timeout_s} s")
                time.sleep(1.0)
                if counted < len(wanted):
                    counted = len(wanted & counted_events(self.db, keys))
                carded = len(wanted & carded_events(self.db, customers))
                bar.n = counted + carded
                bar.refresh()
        days = [f"customers/{c}/days/{d}" for c, d in keys]
        cards = [f"training_cards/{c}" for c in customers]
        return ((last_write(self.db, days) - started).total_seconds(),
                (last_write(self.db, cards) - started).total_seconds())

    def ours(self, events: int) -> Result:
        """One poll tick through the real functions drains the backlog (fresh customers, so
        runs of different sizes start alike)."""
        self.workload = Workload.create(self.db, len(self.workload.customers))
        self.workloads.append(self.workload)
        name, readings = self.backlog(events)
        watch = LogWatch(self.log)
        with WorkerMemory() as memory:
            started = datetime.now(UTC)
            self.publisher.publish(topics.topic_path(suite.PROJECT_ID, topics.POLL_TICK),
                                   b"bench", subscription=name).result()
            to_totals, seconds = self.wait_done(readings, started, max(600, events / 20))
        polls = eventually_logged(watch, name)
        invocations = watch.settled_invocations()
        card_ms = watch.durations_ms("update_training_card")
        # The functions emulator runs at most FUNCTIONS_EMULATOR_PARALLEL invocations at once.
        floor_s = sum(card_ms) / 1000 / suite.FUNCTIONS_PARALLEL
        logger.info("cards: invocations=%d mean=%.1f ms; %d at a time need >= %.1f s; they "
                    "ended %.1f s after the totals", len(card_ms), statistics.fmean(card_ms),
                    suite.FUNCTIONS_PARALLEL, floor_s, seconds - to_totals)
        commits = sum(p["commits"] for p in polls) + invocations["update_training_card"]
        per_1000 = 1000 / events
        return Result(
            f"ours ({events})", events, seconds, events / seconds,
            commits_per_1000=commits * per_1000,
            pull_calls_per_1000=sum(p["pull_calls"] for p in polls) * per_1000,
            invocations_per_1000=sum(invocations.values()) * per_1000,
            peak_worker_mib=memory.peak_mib, seconds_to_totals=to_totals,
            card_ms_mean=statistics.fmean(card_ms), card_floor_s=floor_s,
        )

    def warm_up(self, events: int = 2000) -> None:
        """One untimed poll first: a suite just started has cold function workers and a cold
        Firestore JIT, which would otherwise be charged to whichever scenario runs first."""
        started = time.monotonic()
        self.ours(events)
        logger.info("warm-up poll events=%d seconds=%.1f (not reported)", events,
                    time.monotonic() - started)

    def naive(self, events: int) -> Result:
        """The first design: a read-modify-write transaction per event, totals then card."""
        readings = [MachineReading.model_validate(r)
                    for r in self.workload.readings(events, seed=1000 + self.seed)]
        started = time.monotonic()
        for reading in tqdm(readings, desc="naive", unit="event", file=sys.stderr):
            naive_event(self.db, reading, ROME)
        seconds = time.monotonic() - started
        return Result("naive, per-event transactions", events, seconds, events / seconds,
                      commits_per_1000=2000.0)

    def limit(self, events: int) -> Result:
        """Pull and ack the backlog once, one batched write per customer."""
        name, _ = self.backlog(events)
        refs = [self.db.document(f"training_cards/{c}") for c in self.workload.customers]
        cards = {snap.id: snap.to_dict() for snap in self.db.get_all(refs)}
        started = time.monotonic()
        messages = pull_all(self.subscriber, topics.subscription_path(suite.PROJECT_ID, name))
        readings = [MachineReading.model_validate_json(m.message.data) for m in messages]
        commits = limit_write(self.db, readings, ROME, cards)
        seconds = time.monotonic() - started
        return Result("limit, one batch per customer", len(readings), seconds,
                      len(readings) / seconds, commits_per_1000=commits * 1000 / len(readings))

    def trickle(self, rate: float, duration_s: float) -> Result:
        """Readings at `rate`/s on the real topic with the scheduler ticking: publish→commit."""
        topic = topics.topic_path(suite.PROJECT_ID, topics.MACHINE_USAGE)
        readings = self.workload.readings(int(rate * duration_s), seed=2000)
        customers = {str(r["customer_id"]) for r in readings}
        keys = day_keys(readings)
        published: dict[str, float] = {}
        committed: dict[str, float] = {}
        started = time.monotonic()
        for number, reading in enumerate(tqdm(readings, desc="trickle", file=sys.stderr)):
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.publisher.publish(topic, encode(reading))
            published[str(reading["event_id"])] = time.monotonic()
            if number % int(rate) == 0:
                self._note_commits(keys, published, committed)
        while len(committed) < len(published) and time.monotonic() - started < duration_s + 180:
            self._note_commits(keys, published, committed)
            time.sleep(0.5)
        latencies = sorted(committed[e] - published[e] for e in committed)
        logger.info("trickle customers=%d committed=%d/%d", len(customers), len(committed),
                    len(published))
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return Result(f"trickle {rate:g}/s p50={p50:.1f}s p99={p99:.1f}s", len(latencies),
                      time.monotonic() - started, len(latencies) / (time.monotonic() - started),
                      seconds_to_totals=p99)

    def _note_commits(self, keys: set[tuple[str, str]], published: dict[str, float],
                      committed: dict[str, float]) -> None:
        now = time.monotonic()
        for event_id in counted_events(self.db, keys):
            if event_id in published and event_id not in committed:
                committed[event_id] = now


def median_run(runs: list[Result]) -> Result:
    """The run with the median time (the upper one of an even count)."""
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def eventually_logged(watch: LogWatch, subscription: str) -> list[dict[str, int]]:
    """The poll's summary line, which the worker may flush after the cards are done."""
    for _ in range(60):
        polls = watch.polls(subscription)
        if polls:
            return polls
        time.sleep(1)
    raise TimeoutError(f"no poll summary for {subscription} in the functions log")


def profile_poll(bench: Bench, events: int, top: int = 25) -> None:
    """Run the poller in this process on a backlog under cProfile and log where time goes."""
    import cProfile
    import io
    import pstats

    from gymiot.config import settings
    from gymiot.poller import Poller

    name, _ = bench.backlog(events)
    poller = Poller(settings(), bench.db, bench.publisher, bench.subscriber, name)
    profiler = cProfile.Profile()
    started = time.monotonic()
    profiler.runcall(poller.drain)
    seconds = time.monotonic() - started
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    logger.info("in-process poll of %d events: %.1f s (%.0f events/s); profile by cumulative "
                "time:\n%s", events, seconds, events / seconds, out.getvalue())


def table(results: list[Result]) -> str:
    header = (f"{'scenario':<38} {'events':>7} {'seconds':>8} {'events/s':>9} {'commits/1k':>10}"
              f" {'pulls/1k':>8} {'invoc/1k':>8} {'peak MiB':>8} {'to totals':>9}"
              f" {'card ms':>7}")

    def cell(value: float | None, width: int, digits: int = 1) -> str:
        return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"

    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.scenario:<38} {r.events:>7} {cell(r.seconds, 8)} {cell(r.events_per_s, 9)} "
            f"{cell(r.commits_per_1000, 10)} {cell(r.pull_calls_per_1000, 8, 2)} "
            f"{cell(r.invocations_per_1000, 8)} {cell(r.peak_worker_mib, 8)} "
            f"{cell(r.seconds_to_totals, 9)} {cell(r.card_ms_mean, 7)}")
    return "\n".join(lines)


def scenarios(bench: Bench, args: argparse.Namespace) -> list[Result]:
    """Ours, the naive baseline and the limit first (in that order), then scale and trickle."""
    bench.warm_up()
    ours_runs: list[Result] = []
    limit_runs: list[Result] = []
    for _ in range(args.repeats):  # interleaved, so a noisy spell hits both alike
        ours_runs.append(bench.ours(args.events))
        limit_runs.append(bench.limit(args.events))
    logger.info("repeats seconds ours=%s limit=%s", [round(r.seconds, 1) for r in ours_runs],
                [round(r.seconds, 1) for r in limit_runs])
    results = [median_run(ours_runs), bench.naive(args.naive_events), median_run(limit_runs)]
    scales = [int(s) for s in args.scales.split(",") if s]
    results += [bench.ours(n) for n in scales if n != args.events]
    if args.trickle_seconds:
        results.append(bench.trickle(args.trickle_rate, args.trickle_seconds))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--naive-events", type=int, default=2000,
                        help="the per-event baseline runs on a sample (its cost is per event)")
    parser.add_argument("--scales", default="5000,20000,80000",
                        help="backlog sizes for the growth series ('' to skip)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of ours and of the limit (the median run is reported)")
    parser.add_argument("--trickle-rate", type=float, default=20)
    parser.add_argument("--trickle-seconds", type=float, default=120, help="0 to skip")
    parser.add_argument("--out", type=Path, default=Path("bench/results/pipeline.json"))
    parser.add_argument("--profile", action="store_true",
                        help="only profile the poller in this process on --events readings")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    os.environ.update(suite.client_environment())
    started_suite = not suite.is_up()
    if started_suite:  # a suite of its own, whose data is thrown away after
        os.environ["GYMIOT_STATE_DIR"] = str(suite.ROOT / ".local" / "bench")
        suite.up(persist=False)
    try:
        bench = Bench(args.customers)
        try:
            if args.profile:
                profile_poll(bench, args.events)
                return 0
            results = scenarios(bench, args)
        finally:
            if not started_suite:  # a suite the bench started throws its state away instead
                bench.clean_up()
    finally:
        if started_suite:
            suite.down()
    ours, naive, limit = results[:3]
    ratios = {
        "ours_vs_naive_events_per_s": ours.events_per_s / naive.events_per_s,
        "ours_vs_limit_events_per_s": ours.events_per_s / limit.events_per_s,
        "ours_totals_only_vs_limit": (ours.events / ours.seconds_to_totals) / limit.events_per_s,
    }
    growth = sorted((r for r in results if r.scenario.startswith("ours")), key=lambda r: r.events)
    logger.info("results\n%s", table(results))
    logger.info("ratios %s", {k: round(v, 2) for k, v in ratios.items()})
    logger.info("growth (events: seconds, s per 1k): %s",
                [(r.events, round(r.seconds, 1), round(r.seconds * 1000 / r.events, 2))
                 for r in growth])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "measured_at": datetime.now(UTC).isoformat(), "customers": args.customers,
        "results": [asdict(r) for r in results], "ratios": ratios,
    }, indent=2))
    logger.info("written %s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
