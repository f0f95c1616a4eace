"""The local Cloud Workflows emulator, driven only through the official google-cloud-workflows
clients.

Deploys go through the WorkflowsClient (REST transport); executions through the ExecutionsClient
(gRPC on an insecure channel: the library has no REST transport for executions). The payment
workflow runs against a fake functions server here, so retries and branches can be counted.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.cloud import workflows_v1
from google.cloud.workflows import executions_v1
from google.protobuf import field_mask_pb2

from emulators import suite
from tests.integration.local_services import running
from workflows.clients import executions_client, workflows_client
from workflows.deploy import PROCESS_PAYMENT, wanted_workflow

PARENT = f"projects/{suite.PROJECT_ID}/locations/{suite.REGION}"
State = executions_v1.Execution.State

# Google's public sample workflows-samples/src/array.workflows.yaml (Apache-2.0), unchanged.
GOOGLE_ARRAY_SAMPLE = """\
- define:
    assign:
      - array: ["foo", "ba", "r"]
      - result: ""
      - i: 0
- check_condition:
    switch:
      - condition: ${len(array) > i}
        next: iterate
    next: exit_loop
- iterate:
    assign:
      - result: ${result + array[i]}
      - i: ${i+1}
    next: check_condition
- exit_loop:
    return:
      concat_result: ${result}
"""
# Google's public sample workflows-samples/src/args.workflows.yaml (Apache-2.0), unchanged.
GOOGLE_ARGS_SAMPLE = """\
main:
  params: [args]
  steps:
    - step1:
        assign:
          - outputVar: ${"Hello " + args.firstName + " " + args.lastName}
    - step2:
        return: ${outputVar}
"""
RAISES = """\
main:
  steps:
    - fail:
        raise:
          code: 55
          message: card reader on fire
"""
SLEEPS = """\
main:
  steps:
    - wait:
        call: sys.sleep
        args:
          seconds: 60
    - done:
        return: late
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[None]:
    with running("workflows"):
        yield


DEPLOYED: list[str] = []


@pytest.fixture(scope="module")
def workflows(emulator: None) -> Iterator[workflows_v1.WorkflowsClient]:
    """The client; the workflows the tests deployed are deleted afterwards."""
    client = workflows_client(f"http://{suite.WORKFLOWS}")
    yield client
    for name in DEPLOYED:
        client.delete_workflow(name=name).result(timeout=30)
    DEPLOYED.clear()


@pytest.fixture(scope="module")
def executions(emulator: None) -> executions_v1.ExecutionsClient:
    return executions_client(suite.WORKFLOWS_GRPC)


def deploy(client: workflows_v1.WorkflowsClient, source: str, env: dict[str, str] | None = None
           ) -> str:
    """Deploy `source` under a fresh id; returns the workflow name."""
    workflow_id = f"test-{uuid.uuid4().hex[:10]}"
    workflow = workflows_v1.Workflow(source_contents=source, user_env_vars=env or {})
    deployed = client.create_workflow(parent=PARENT, workflow=workflow,
                                      workflow_id=workflow_id).result(timeout=30)
    DEPLOYED.append(deployed.name)
    return deployed.name


def execute(client: executions_v1.ExecutionsClient, workflow: str,
            argument: dict[str, Any] | None = None) -> executions_v1.Execution:
    execution = executions_v1.Execution(argument=json.dumps(argument) if argument else "")
    return client.create_execution(parent=workflow, execution=execution)


def finished(client: executions_v1.ExecutionsClient, name: str, timeout_s: float = 60
             ) -> executions_v1.Execution:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        execution = client.get_execution(name=name)
        if execution.state != State.ACTIVE:
            return execution
        time.sleep(0.2)
    raise AssertionError(f"execution {name} still ACTIVE after {timeout_s} s")


class TestDeploy:
    def test_deploy_creates_gets_lists_and_updates_when_using_the_official_client(
            self, workflows: workflows_v1.WorkflowsClient):
        name = deploy(workflows, GOOGLE_ARRAY_SAMPLE)
        got = workflows.get_workflow(name=name)
        assert got.source_contents == GOOGLE_ARRAY_SAMPLE
        assert got.state == workflows_v1.Workflow.State.ACTIVE
        assert got.revision_id.startswith("000001-")
        assert name in [w.name for w in workflows.list_workflows(parent=PARENT)]

        changed = workflows_v1.Workflow(name=name, source_contents=GOOGLE_ARGS_SAMPLE)
        updated = workflows.update_workflow(
            workflow=changed, update_mask=field_mask_pb2.FieldMask(paths=["source_contents"]),
        ).result(timeout=30)
        assert updated.revision_id.startswith("000002-")
        assert workflows.get_workflow(name=name).source_contents == GOOGLE_ARGS_SAMPLE

    def test_deploy_is_refused_when_the_workflow_exists_or_is_invalid(
            self, workflows: workflows_v1.WorkflowsClient):
        name = deploy(workflows, GOOGLE_ARRAY_SAMPLE)
        with pytest.raises(gexc.Conflict):
            workflows.create_workflow(
                parent=PARENT, workflow=workflows_v1.Workflow(source_contents=RAISES),
                workflow_id=name.rsplit("/", 1)[1]).result(timeout=30)
        with pytest.raises(gexc.BadRequest, match="Invalid workflow definition"):
            workflows.create_workflow(
                parent=PARENT, workflow=workflows_v1.Workflow(source_contents="main: 3"),
                workflow_id=f"bad-{uuid.uuid4().hex[:8]}").result(timeout=30)

    def test_get_is_not_found_when_the_workflow_does_not_exist(
            self, workflows: workflows_v1.WorkflowsClient):
        with pytest.raises(gexc.NotFound):
            workflows.get_workflow(name=f"{PARENT}/workflows/missing-{uuid.uuid4().hex[:8]}")


class TestExecutions:
    def test_google_array_sample_succeeds_with_its_documented_result(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        started = execute(executions, deploy(workflows, GOOGLE_ARRAY_SAMPLE))
        assert started.state == State.ACTIVE
        done = finished(executions, started.name)
        assert done.state == State.SUCCEEDED
        assert json.loads(done.result) == {"concat_result": "foobar"}
        assert done.end_time >= done.start_time

    def test_google_args_sample_succeeds_when_given_arguments(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        workflow = deploy(workflows, GOOGLE_ARGS_SAMPLE)
        started = execute(executions, workflow, {"firstName": "Ada", "lastName": "Lovelace"})
        done = finished(executions, started.name)
        assert json.loads(done.result) == "Hello Ada Lovelace"
        assert json.loads(done.argument) == {"firstName": "Ada", "lastName": "Lovelace"}

    def test_execution_fails_with_the_error_when_the_workflow_raises(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        done = finished(executions, execute(executions, deploy(workflows, RAISES)).name)
        assert done.state == State.FAILED
        payload = json.loads(done.error.payload)
        assert payload == {"code": 55, "message": "card reader on fire"}
        assert not done.result

    def test_list_gives_the_newest_execution_first(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        workflow = deploy(workflows, GOOGLE_ARRAY_SAMPLE)
        first = execute(executions, workflow)
        second = execute(executions, workflow)
        listed = [e.name for e in executions.list_executions(parent=workflow)]
        assert listed == [second.name, first.name]

    def test_cancel_stops_an_active_execution_and_is_refused_after(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        started = execute(executions, deploy(workflows, SLEEPS))
        cancelled = executions.cancel_execution(name=started.name)
        assert cancelled.state == State.CANCELLED
        time.sleep(0.5)
        assert executions.get_execution(name=started.name).state == State.CANCELLED
        with pytest.raises(gexc.FailedPrecondition):
            executions.cancel_execution(name=started.name)

    def test_execution_is_not_found_when_the_workflow_does_not_exist(
            self, executions: executions_v1.ExecutionsClient):
        with pytest.raises(gexc.NotFound):
            execute(executions, f"{PARENT}/workflows/missing-{uuid.uuid4().hex[:8]}")


class FakeFunctions:
    """HTTP functions that answer from a script: {step: [status, ...]}, then 200."""

    def __init__(self, tip_minor: int, script: dict[str, list[int]]) -> None:
        self.calls: Counter[str] = Counter()
        self.bodies: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib's name)
                step = self.path.rsplit("/", 1)[1]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.calls[step] += 1
                fake.bodies.append(body)
                planned = script.get(step, [])
                status = planned.pop(0) if planned else 200
                reply = json.dumps({"payment_id": body["payment_id"], "bill_id": "c01_2026-03",
                                    "tip_minor": tip_minor, "invoice_number": "INV-1"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_payment_workflow(workflows: workflows_v1.WorkflowsClient,
                         executions: executions_v1.ExecutionsClient, fake: FakeFunctions
                         ) -> executions_v1.Execution:
    source = wanted_workflow("unused", PROCESS_PAYMENT, fake.url)
    name = deploy(workflows, source.source_contents, dict(source.user_env_vars))
    return finished(executions, execute(executions, name, {"payment_id": "tg-test-1"}).name)


class TestProcessPayment:
    def test_steps_run_in_order_and_retry_a_transient_503(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        fake = FakeFunctions(tip_minor=500, script={"mark_bill_paid": [503]})
        try:
            done = run_payment_workflow(workflows, executions, fake)
        finally:
            fake.close()
        assert done.state == State.SUCCEEDED, done.error.payload
        assert json.loads(done.result) == {"payment_id": "tg-test-1", "bill_id": "c01_2026-03",
                                           "invoice_number": "INV-1", "tip_minor": 500}
        assert fake.calls == {"mark_bill_paid": 2, "email_invoice": 1, "email_tip_note": 1}
        assert {b["payment_id"] for b in fake.bodies} == {"tg-test-1"}

    def test_step_is_retried_when_its_function_answers_500(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        """A worker that dropped the request answers 500; the steps are idempotent, so retry."""
        fake = FakeFunctions(tip_minor=0, script={"email_invoice": [500, 502]})
        try:
            done = run_payment_workflow(workflows, executions, fake)
        finally:
            fake.close()
        assert done.state == State.SUCCEEDED, done.error.payload
        assert fake.calls == {"mark_bill_paid": 1, "email_invoice": 3}

    def test_tip_note_is_skipped_when_no_tip_was_paid(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        fake = FakeFunctions(tip_minor=0, script={})
        try:
            done = run_payment_workflow(workflows, executions, fake)
        finally:
            fake.close()
        assert done.state == State.SUCCEEDED
        assert fake.calls == {"mark_bill_paid": 1, "email_invoice": 1}

    def test_execution_fails_without_retry_when_a_function_answers_404(
            self, workflows: workflows_v1.WorkflowsClient,
            executions: executions_v1.ExecutionsClient):
        fake = FakeFunctions(tip_minor=0, script={"mark_bill_paid": [404]})
        try:
            done = run_payment_workflow(workflows, executions, fake)
        finally:
            fake.close()
        assert done.state == State.FAILED
        assert json.loads(done.error.payload)["code"] == 404
        assert fake.calls == {"mark_bill_paid": 1}
