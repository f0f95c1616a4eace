"""Deploy the workflows: ``python -m workflows.deploy [--project P] [--dry-run]``.

The same google-cloud-workflows client deploys to the local emulator (WORKFLOWS_EMULATOR_HOST or
``--emulator``) and to a real project (application default credentials). A workflow is created,
updated when its source or environment differs, and left alone when it already matches.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from google.api_core import exceptions as gexc
from google.auth.exceptions import DefaultCredentialsError
from google.cloud import workflows_v1
from google.protobuf import field_mask_pb2

from workflows.clients import emulator_endpoint, workflows_client

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
REGION = "europe-west1"
PROCESS_PAYMENT = "process-payment"
#: workflow id -> definition file beside this module
DEFINITIONS = {PROCESS_PAYMENT: "process_payment.yaml"}


def functions_url(project: str, region: str, local: bool) -> str:
    """Base URL of the HTTP functions the workflows call."""
    if local:
        return f"http://127.0.0.1:5001/{project}/{region}"
    return f"https://{region}-{project}.cloudfunctions.net"


@dataclass(frozen=True)
class Plan:
    """What deploying one workflow will do: create, update (with the fields), or nothing."""

    name: str
    action: str
    fields: tuple[str, ...] = ()


def wanted_workflow(name: str, workflow_id: str, base_url: str) -> workflows_v1.Workflow:
    return workflows_v1.Workflow(
        name=name,
        description=f"GymIoT {workflow_id} (workflows/{DEFINITIONS[workflow_id]})",
        source_contents=(HERE / DEFINITIONS[workflow_id]).read_text(),
        user_env_vars={"GYMIOT_FUNCTIONS_URL": base_url},
    )


def plan(client: workflows_v1.WorkflowsClient, wanted: workflows_v1.Workflow) -> Plan:
    """Compare the deployed workflow with the wanted one."""
    try:
        current = client.get_workflow(name=wanted.name)
    except gexc.NotFound:
        return Plan(wanted.name, "create")
    fields = tuple(f for f in ("source_contents", "user_env_vars", "description")
                   if getattr(current, f) != getattr(wanted, f))
    return Plan(wanted.name, "update" if fields else "none", fields)


def apply(client: workflows_v1.WorkflowsClient, wanted: workflows_v1.Workflow, step: Plan
          ) -> workflows_v1.Workflow | None:
    """Carry out a plan; returns the deployed workflow (None when nothing was to do)."""
    if step.action == "create":
        parent, workflow_id = wanted.name.rsplit("/workflows/", 1)
        try:
            return client.create_workflow(parent=parent, workflow=wanted,
                                          workflow_id=workflow_id).result(timeout=300)
        except gexc.Conflict:  # created meanwhile: update it instead
            step = plan(client, wanted)
    if step.action == "update":
        return client.update_workflow(
            workflow=wanted, update_mask=field_mask_pb2.FieldMask(paths=list(step.fields)),
        ).result(timeout=300)
    return None


def deploy(project: str, region: str = REGION, endpoint: str | None = None,
           dry_run: bool = False) -> list[Plan]:
    """Deploy every workflow in DEFINITIONS; with dry_run only work out the plan."""
    base_url = functions_url(project, region, local=endpoint is not None)
    try:
        client = workflows_client(endpoint)
    except DefaultCredentialsError:
        if not dry_run:
            raise
        # Without credentials the current state is unknown: show what would be deployed.
        logger.warning("no Google credentials: the plan cannot read what is deployed now")
        for workflow_id, source in DEFINITIONS.items():
            logger.info("plan: create or update projects/%s/locations/%s/workflows/%s from "
                        "workflows/%s (functions at %s)", project, region, workflow_id, source,
                        base_url)
        return []
    plans = []
    for workflow_id in DEFINITIONS:
        name = f"projects/{project}/locations/{region}/workflows/{workflow_id}"
        wanted = wanted_workflow(name, workflow_id, base_url)
        step = plan(client, wanted)
        plans.append(step)
        if dry_run:
            logger.info("plan: %s %s %s (functions at %s)", step.action, name,
                        ",".join(step.fields), base_url)
            continue
        deployed = apply(client, wanted, step)
        logger.info("workflow %s: %s%s", name, step.action,
                    f" revision {deployed.revision_id}" if deployed else "")
    return plans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflows.deploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", default="demo-gymiot")
    parser.add_argument("--region", default=REGION)
    parser.add_argument("--emulator", default=emulator_endpoint(),
                        help="emulator URL (default WORKFLOWS_EMULATOR_HOST); "
                             "'' deploys to the real project")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    endpoint = args.emulator or None
    if endpoint and "://" not in endpoint:
        endpoint = f"http://{endpoint}"
    logger.info("deploying to %s", endpoint or f"project {args.project}")
    deploy(args.project, args.region, endpoint, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
