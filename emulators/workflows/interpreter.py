"""Run one workflow execution in this process: ``python -m emulators.workflows.interpreter``.

Reads ``{"source": yaml, "argument": json-string-or-null}`` on stdin and writes one JSON line,
``{"state": "SUCCEEDED", "result": ...}`` or ``{"state": "FAILED", "error": {...}}``, on stdout.
The interpreter's own log goes to stderr. A child process per execution gives each one its own
environment (sys.get_env reads os.environ) and lets a cancel stop it outright.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import requests
import yaml

logger = logging.getLogger(__name__)


def _patch_http_errors() -> None:
    """Make connection failures retryable the way Cloud Workflows does.

    workflows-emulator 1.10 only turns the builtin ConnectionError/TimeoutError into workflow
    errors; requests raises its own classes, which would end the execution instead of reaching
    the retry predicate (tags ConnectionError / TimeoutError).
    """
    from workflows_emulator.lib import http_utils

    original = http_utils.request

    def request(method: str, **kwargs: Any) -> Any:
        try:
            return original(method, **kwargs)
        except requests.exceptions.Timeout as exc:
            raise TimeoutError(str(exc)) from exc
        except requests.exceptions.ConnectionError as exc:
            raise ConnectionError(str(exc)) from exc

    http_utils.request = request


def _plain(value: Any) -> Any:
    """JSON-ready copy of interpreter values (ContextDicts and the like)."""
    return json.loads(json.dumps(value, default=str))


def run(source: str, argument: str | None) -> dict[str, Any]:
    """Execute `source` with `argument`; the outcome as the emulator stores it."""
    from jsonschema import ValidationError, validate
    from workflows_emulator.main import WORKFLOW_SCHEMA, execute_workflow
    from workflows_emulator.utils import WorkflowError

    _patch_http_errors()
    try:
        config = yaml.safe_load(source)
        validate(config, WORKFLOW_SCHEMA)
        params: dict[str, Any] = {}
        main = config.get("main", {}) if isinstance(config, dict) else {}
        if main.get("params"):
            params = {main["params"][0]: json.loads(argument) if argument else None}
        result = execute_workflow(config, params)
    except WorkflowError as exc:
        payload = exc.payload
        payload = payload.to_dict() if hasattr(payload, "to_dict") else payload
        return {"state": "FAILED", "error": {"payload": _plain(payload),
                                             "context": str(exc)}}
    except (ValidationError, yaml.YAMLError) as exc:
        return {"state": "FAILED", "error": {"payload": {"message": str(exc).splitlines()[0],
                                                         "tags": ["SyntaxError"]},
                                             "context": "workflow definition"}}
    except Exception as exc:  # the interpreter's own failures end the execution, as in GCP
        logger.exception("execution failed outside the workflow's error handling")
        return {"state": "FAILED", "error": {"payload": {"message": str(exc),
                                                         "tags": [type(exc).__name__]},
                                             "context": "interpreter"}}
    return {"state": "SUCCEEDED", "result": _plain(result)}


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    request = json.load(sys.stdin)
    outcome = run(request["source"], request.get("argument"))
    sys.stdout.write(json.dumps(outcome) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
