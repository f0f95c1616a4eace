"""Workflows and executions of the emulator: deployed revisions kept in a JSON file, runs in memory.

Executions are kept in memory only: an emulator restart forgets them (an ACTIVE one could not
go on anyway, its child process ends with the emulator).
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import ValidationError, validate

from emulators.workflows.errors import ApiError, invalid, not_found

logger = logging.getLogger(__name__)

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
BASIC_FIELDS = ("name", "startTime", "endTime", "state", "workflowRevisionId", "callLogLevel",
                "labels", "duration")


def timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 UTC with microseconds, as the Google APIs write it."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_source(source: str) -> dict[str, Any] | list[Any]:
    """Parse and validate a workflow definition; INVALID_ARGUMENT when it is not one."""
    from workflows_emulator.main import WORKFLOW_SCHEMA

    try:
        config = yaml.safe_load(source)
        validate(config, WORKFLOW_SCHEMA)
    except (yaml.YAMLError, ValidationError) as exc:
        raise invalid(f"Invalid workflow definition: {str(exc).splitlines()[0]}") from exc
    if not isinstance(config, dict | list):
        raise invalid("Invalid workflow definition: expected a map or a list of steps")
    return config


class Store:
    """Thread-safe state of the emulator."""

    def __init__(self, state_path: Path | None) -> None:
        self.state_path = state_path
        self.lock = threading.RLock()
        self.workflows: dict[str, dict[str, Any]] = {}
        self.executions: dict[str, dict[str, Any]] = {}
        self.children: dict[str, subprocess.Popen[str]] = {}
        self.operations: dict[str, dict[str, Any]] = {}

    def load(self) -> None:
        if self.state_path and self.state_path.exists():
            self.workflows = json.loads(self.state_path.read_text())
            logger.info("loaded %d workflow(s) from %s", len(self.workflows), self.state_path)

    def _save(self) -> None:
        if not self.state_path:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.workflows, indent=1))
        tmp.replace(self.state_path)

    # Workflows -----------------------------------------------------------------------------

    def put_workflow(self, name: str, body: dict[str, Any], create: bool,
                     mask: list[str] | None = None) -> dict[str, Any]:
        """Create a workflow or a new revision of it."""
        with self.lock:
            current = self.workflows.get(name)
            if create and current is not None:
                raise ApiError("ALREADY_EXISTS", f"Resource '{name}' already exists")
            if not create and current is None:
                raise not_found(name)
            now = timestamp()
            merged = dict(current or {})
            fields = mask or [k for k in ("description", "labels", "sourceContents",
                                          "serviceAccount", "userEnvVars", "callLogLevel")
                              if k in body]
            for key in fields:
                if key in body:
                    merged[key] = body[key]
                else:
                    merged.pop(key, None)
            source = merged.get("sourceContents")
            if not source:
                raise invalid("sourceContents: a workflow definition is required")
            check_source(source)
            revision = int((current or {}).get("revisionId", "0-").split("-")[0]) + 1
            digest = hashlib.sha256(source.encode()).hexdigest()[:3]
            merged.update({
                "name": name, "state": "ACTIVE", "revisionId": f"{revision:06d}-{digest}",
                "createTime": (current or {}).get("createTime", now), "updateTime": now,
                "revisionCreateTime": now,
            })
            self.workflows[name] = merged
            self._save()
            return dict(merged)

    def get_workflow(self, name: str) -> dict[str, Any]:
        with self.lock:
            if name not in self.workflows:
                raise not_found(name)
            return dict(self.workflows[name])

    def list_workflows(self, parent: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(w) for n, w in sorted(self.workflows.items())
                    if n.startswith(parent + "/workflows/")]

    def delete_workflow(self, name: str) -> None:
        with self.lock:
            if self.workflows.pop(name, None) is None:
                raise not_found(name)
            self._save()

    def operation(self, parent: str, verb: str, target: str, response: dict[str, Any],
                  response_type: str) -> dict[str, Any]:
        """A long-running operation that is already done (deploys here are instant)."""
        now = timestamp()
        name = f"{parent}/operations/operation-{uuid.uuid4().hex}"
        operation = {
            "name": name, "done": True,
            "metadata": {"@type": "type.googleapis.com/google.cloud.workflows.v1.OperationMetadata",
                         "createTime": now, "endTime": now, "target": target, "verb": verb,
                         "apiVersion": "v1"},
            "response": {"@type": response_type, **response},
        }
        with self.lock:
            self.operations[name] = operation
        return operation

    def get_operation(self, name: str) -> dict[str, Any]:
        with self.lock:
            if name not in self.operations:
                raise not_found(name)
            return self.operations[name]

    # Executions ----------------------------------------------------------------------------

    def start_execution(self, workflow_name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Record an ACTIVE execution and run it in a child process."""
        workflow = self.get_workflow(workflow_name)
        argument = body.get("argument")
        if argument:
            try:
                json.loads(argument)
            except ValueError as exc:
                raise invalid(f"argument: not valid JSON: {exc}") from exc
        execution_id = str(uuid.uuid4())
        execution = {
            "name": f"{workflow_name}/executions/{execution_id}", "state": "ACTIVE",
            "startTime": timestamp(), "argument": argument or "null",
            "workflowRevisionId": workflow["revisionId"],
            "callLogLevel": body.get("callLogLevel", "CALL_LOG_LEVEL_UNSPECIFIED"),
            "labels": body.get("labels", {}),
        }
        with self.lock:
            self.executions[execution["name"]] = execution
        project, location, workflow_id = (workflow_name.split("/")[i] for i in (1, 3, 5))
        env = {
            **workflow.get("userEnvVars", {}),
            "GOOGLE_CLOUD_PROJECT_ID": project, "GOOGLE_CLOUD_LOCATION": location,
            "GOOGLE_CLOUD_WORKFLOW_ID": workflow_id,
            "GOOGLE_CLOUD_WORKFLOW_REVISION_ID": workflow["revisionId"],
            "GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID": execution_id,
        }
        threading.Thread(target=self._run, args=(execution["name"], workflow["sourceContents"],
                                                 argument, env),
                         name=f"execution-{execution_id}", daemon=True).start()
        logger.info("execution started name=%s revision=%s", execution["name"],
                    workflow["revisionId"])
        return dict(execution)

    def _run(self, name: str, source: str, argument: str | None, env: dict[str, str]) -> None:
        import os

        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "emulators.workflows.interpreter"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, text=True,
            env={**os.environ, **env},
        )
        with self.lock:
            self.children[name] = child
        out, _ = child.communicate(json.dumps({"source": source, "argument": argument}))
        with self.lock:
            self.children.pop(name, None)
            execution = self.executions[name]
            if execution["state"] != "ACTIVE":
                return
            try:
                outcome = json.loads(out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                outcome = {"state": "FAILED", "error": {
                    "payload": {"message": f"interpreter exited with code {child.returncode}",
                                "tags": ["SystemError"]}, "context": "interpreter"}}
            execution["state"] = outcome["state"]
            if outcome["state"] == "SUCCEEDED":
                execution["result"] = json.dumps(outcome["result"])
            else:
                error = outcome["error"]
                execution["error"] = {"payload": json.dumps(error["payload"]),
                                      "context": error.get("context", "")}
            execution["endTime"] = timestamp()
            execution["duration"] = f"{time.monotonic() - started:.6f}s"
        logger.info("execution finished name=%s state=%s", name, outcome["state"])

    def get_execution(self, name: str) -> dict[str, Any]:
        with self.lock:
            if name not in self.executions:
                raise not_found(name)
            return dict(self.executions[name])

    def list_executions(self, workflow_name: str) -> list[dict[str, Any]]:
        """Executions of a workflow, newest first."""
        self.get_workflow(workflow_name)
        with self.lock:
            found = [dict(e) for n, e in self.executions.items()
                     if n.startswith(workflow_name + "/executions/")]
        return sorted(found, key=lambda e: e["startTime"], reverse=True)

    def cancel_execution(self, name: str) -> dict[str, Any]:
        with self.lock:
            execution = self.executions.get(name)
            if execution is None:
                raise not_found(name)
            if execution["state"] != "ACTIVE":
                raise ApiError("FAILED_PRECONDITION",
                               f"Execution {name} is {execution['state']}, not ACTIVE")
            execution.update({"state": "CANCELLED", "endTime": timestamp()})
            child = self.children.pop(name, None)
        if child is not None:
            child.kill()
        logger.info("execution cancelled name=%s", name)
        return dict(execution)

    def stop_all(self) -> None:
        with self.lock:
            children = list(self.children.values())
        for child in children:
            child.kill()
