"""The Workflows v1 and Executions v1 REST routes (what the google-cloud-workflows clients call)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulators.workflows.errors import ApiError, invalid
from emulators.workflows.store import BASIC_FIELDS, Store

logger = logging.getLogger(__name__)

_SEGMENT = r"[^/:]+"
PARENT = rf"projects/{_SEGMENT}/locations/{_SEGMENT}"
WORKFLOW = rf"{PARENT}/workflows/{_SEGMENT}"
EXECUTION = rf"{WORKFLOW}/executions/{_SEGMENT}"
WORKFLOW_TYPE = "type.googleapis.com/google.cloud.workflows.v1.Workflow"
EMPTY_TYPE = "type.googleapis.com/google.protobuf.Empty"
DEFAULT_PAGE_SIZE = 100

Route = tuple[str, re.Pattern[str], Callable[["Handler", str, dict[str, Any]], dict[str, Any]]]


def _page(items: list[dict[str, Any]], query: dict[str, str], key: str) -> dict[str, Any]:
    try:
        size = int(query.get("pageSize") or DEFAULT_PAGE_SIZE)
        start = int(query.get("pageToken") or 0)
    except ValueError as exc:
        raise invalid("Invalid pageSize or pageToken") from exc
    page: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        page["nextPageToken"] = str(start + size)
    return page


class Handler(BaseHTTPRequestHandler):
    """One request: match a route, answer JSON (errors as Google JSON errors)."""

    store: Store
    routes: list[Route]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        logger.debug("%s %s", self.address_string(), format % args)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise invalid(f"Invalid JSON payload: {exc}") from exc
        if not isinstance(body, dict):
            raise invalid("Invalid JSON payload: expected an object")
        return body

    def _reply(self, payload: dict[str, Any], status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            body = self._body() if method in ("POST", "PATCH") else {}
            if url.path in ("/", "/healthz"):
                self._reply({"status": "ok", "workflows": len(self.store.workflows)})
                return
            for verb, pattern, action in self.routes:
                match = pattern.fullmatch(url.path)
                if verb == method and match:
                    self._reply(action(self, match.group(1), {**query, "_body": body}))
                    return
            raise ApiError("NOT_FOUND", f"{method} {url.path}: no such method")
        except ApiError as exc:
            self._reply(exc.to_json(), exc.http_code)
        except Exception:
            logger.exception("unhandled error in %s %s", method, url.path)
            self._reply({"error": {"code": 500, "message": "internal emulator error",
                                   "status": "INTERNAL"}}, 500)

    def do_GET(self) -> None:  # noqa: N802 (stdlib's name)
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    # Workflows v1 --------------------------------------------------------------------------

    def create_workflow(self, parent: str, query: dict[str, Any]) -> dict[str, Any]:
        workflow_id = query.get("workflowId") or ""
        if not re.fullmatch(r"[a-z]([a-z0-9_-]{0,62}[a-z0-9])?", workflow_id):
            raise invalid(f"workflowId: {workflow_id!r} is not a valid workflow id")
        name = f"{parent}/workflows/{workflow_id}"
        workflow = self.store.put_workflow(name, query["_body"], create=True)
        logger.info("deployed workflow %s revision %s", name, workflow["revisionId"])
        return self.store.operation(parent, "create", name, workflow, WORKFLOW_TYPE)

    def update_workflow(self, name: str, query: dict[str, Any]) -> dict[str, Any]:
        mask = [_camel(p) for p in query["updateMask"].split(",")] \
            if query.get("updateMask") else None
        workflow = self.store.put_workflow(name, query["_body"], create=False, mask=mask)
        logger.info("updated workflow %s revision %s", name, workflow["revisionId"])
        return self.store.operation(name.rsplit("/workflows/", 1)[0], "update", name, workflow,
                                    WORKFLOW_TYPE)

    def get_workflow(self, name: str, query: dict[str, Any]) -> dict[str, Any]:
        return self.store.get_workflow(name)

    def list_workflows(self, parent: str, query: dict[str, Any]) -> dict[str, Any]:
        return _page(self.store.list_workflows(parent), query, "workflows")

    def delete_workflow(self, name: str, query: dict[str, Any]) -> dict[str, Any]:
        self.store.delete_workflow(name)
        return self.store.operation(name.rsplit("/workflows/", 1)[0], "delete", name, {},
                                    EMPTY_TYPE)

    def get_operation(self, name: str, query: dict[str, Any]) -> dict[str, Any]:
        return self.store.get_operation(name)

    # Executions v1 -------------------------------------------------------------------------

    def create_execution(self, workflow: str, query: dict[str, Any]) -> dict[str, Any]:
        return self.store.start_execution(workflow, query["_body"])

    def get_execution(self, name: str, query: dict[str, Any]) -> dict[str, Any]:
        return self.store.get_execution(name)

    def list_executions(self, workflow: str, query: dict[str, Any]) -> dict[str, Any]:
        executions = self.store.list_executions(workflow)
        if query.get("view") != "FULL":
            executions = [{k: v for k, v in e.items() if k in BASIC_FIELDS} for e in executions]
        return _page(executions, query, "executions")

    def cancel_execution(self, name: str, query: dict[str, Any]) -> dict[str, Any]:
        return self.store.cancel_execution(name)


def _camel(path: str) -> str:
    head, *rest = path.strip().split("_")
    return head + "".join(part.title() for part in rest)


def _routes() -> list[Route]:
    def route(verb: str, path: str, action: Callable[..., dict[str, Any]]) -> Route:
        return verb, re.compile(path), action

    return [
        route("POST", rf"/v1/({PARENT})/workflows", Handler.create_workflow),
        route("GET", rf"/v1/({PARENT})/workflows", Handler.list_workflows),
        route("GET", rf"/v1/({WORKFLOW})", Handler.get_workflow),
        route("PATCH", rf"/v1/({WORKFLOW})", Handler.update_workflow),
        route("DELETE", rf"/v1/({WORKFLOW})", Handler.delete_workflow),
        route("GET", rf"/v1/({PARENT}/operations/{_SEGMENT})", Handler.get_operation),
        route("POST", rf"/v1/({WORKFLOW})/executions", Handler.create_execution),
        route("GET", rf"/v1/({WORKFLOW})/executions", Handler.list_executions),
        route("GET", rf"/v1/({EXECUTION})", Handler.get_execution),
        route("POST", rf"/v1/({EXECUTION}):cancel", Handler.cancel_execution),
    ]


def build_server(host: str, port: int, store: Store) -> ThreadingHTTPServer:
    """The HTTP server, each request in its own thread."""
    handler = type("WorkflowsHandler", (Handler,), {"store": store, "routes": _routes()})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
