"""Starting process-payment executions with the official google-cloud-workflows client."""

from __future__ import annotations

import functools
import json
import logging
import os

from google.cloud.workflows import executions_v1

from workflows.clients import executions_client, executions_emulator

logger = logging.getLogger(__name__)

PROCESS_PAYMENT = "process-payment"


@functools.cache
def _client() -> executions_v1.ExecutionsClient:
    return executions_client(executions_emulator())


def start_process_payment(project_id: str, payment_id: str) -> str:
    """Start process-payment for one payment; returns the execution's name."""
    region = os.environ.get("WORKFLOWS_REGION", "europe-west1")
    parent = f"projects/{project_id}/locations/{region}/workflows/{PROCESS_PAYMENT}"
    execution = _client().create_execution(
        parent=parent,
        execution=executions_v1.Execution(argument=json.dumps({"payment_id": payment_id})),
        timeout=10,
    )
    logger.info("process-payment started payment_id=%s execution=%s", payment_id,
                execution.name)
    return execution.name
