"""Provision what Firebase does not deploy: topics, the poller's subscription, the every-minute
poll job and the workflows. The same code runs against the local emulators and a real project.

    python -m emulators.provision                     # the local suite (emulator endpoints)
    python -m emulators.provision --project P --real --dry-run   # a real project: the plan
    python -m emulators.provision --project P --real             # ... and carry it out
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from google.api_core import exceptions as gexc
from google.auth.exceptions import DefaultCredentialsError

from emulators.scheduler_client import _differs, ensure_job, scheduler_client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))

from gymiot import topics  # noqa: E402

logger = logging.getLogger(__name__)

REGION = "europe-west1"
POLL_JOB = "poll-machine-usage"
POLL_SCHEDULE = "* * * * *"
POLL_TIME_ZONE = "Europe/Rome"


def plan_poll_job(project: str, scheduler_endpoint: str | None) -> str:
    """What provisioning would do to the poll job: create, update (fields) or nothing."""
    from google.cloud.scheduler_v1 import Job, PubsubTarget

    client = scheduler_client(scheduler_endpoint)
    name = f"projects/{project}/locations/{REGION}/jobs/{POLL_JOB}"
    wanted = Job(name=name, schedule=POLL_SCHEDULE, time_zone=POLL_TIME_ZONE,
                 pubsub_target=PubsubTarget(topic_name=topics.topic_path(project,
                                                                         topics.POLL_TICK),
                                            data=b"tick"))
    try:
        current = client.get_job(name=name)
    except gexc.NotFound:
        return f"create {name} ({POLL_SCHEDULE} {POLL_TIME_ZONE})"
    paths = _differs(current, wanted)
    return f"update {name} ({', '.join(paths)})" if paths else f"none {name}"


def provision(project: str, scheduler_endpoint: str | None, workflows_endpoint: str | None,
              dry_run: bool = False) -> None:
    """Topics and subscription, the poll job, the workflows; with dry_run only the plan."""
    from workflows.deploy import deploy

    if dry_run:
        logger.info("plan: topics %s and subscription %s (created when missing)",
                    ", ".join(topics.ALL_TOPICS), topics.USAGE_SUBSCRIPTION)
        try:
            logger.info("plan: %s", plan_poll_job(project, scheduler_endpoint))
        except DefaultCredentialsError:
            logger.warning("no Google credentials: the plan cannot read what is deployed now")
            logger.info("plan: create or update projects/%s/locations/%s/jobs/%s (%s %s)",
                        project, REGION, POLL_JOB, POLL_SCHEDULE, POLL_TIME_ZONE)
        deploy(project, REGION, endpoint=workflows_endpoint, dry_run=True)
        return
    topics.provision(project)
    ensure_job(scheduler_client(scheduler_endpoint), project, REGION, POLL_JOB,
               schedule=POLL_SCHEDULE, time_zone=POLL_TIME_ZONE,
               topic=topics.topic_path(project, topics.POLL_TICK))
    deploy(project, REGION, endpoint=workflows_endpoint)
    logger.info("provisioned project=%s topics, subscription, job %s, workflows", project,
                POLL_JOB)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.provision", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", default="demo-gymiot")
    parser.add_argument("--real", action="store_true",
                        help="a real project (application default credentials), not emulators")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.real:
        for variable in ("PUBSUB_EMULATOR_HOST", "SCHEDULER_EMULATOR_HOST",
                         "WORKFLOWS_EMULATOR_HOST"):
            os.environ.pop(variable, None)
        provision(args.project, None, None, args.dry_run)
    else:
        from emulators import suite

        os.environ.update(suite.client_environment())
        provision(args.project, f"http://{suite.SCHEDULER}", f"http://{suite.WORKFLOWS}",
                  args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
