"""The Executions v1 API over gRPC, on the same store as the REST routes.

google-cloud-workflows ships its ExecutionsClient with gRPC transports only (no REST, up to at
least 1.24.0), so the official client reaches the emulator through an insecure gRPC channel;
the WorkflowsClient (deploys) has a REST transport and uses the REST routes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from google.cloud.workflows.executions_v1.types import executions as types

from emulators.workflows.errors import ApiError
from emulators.workflows.store import BASIC_FIELDS, Store

logger = logging.getLogger(__name__)

SERVICE = "google.cloud.workflows.executions.v1.Executions"


def _message(execution: dict[str, Any]) -> types.Execution:
    return types.Execution.from_json(json.dumps(execution), ignore_unknown_fields=True)


def _abort(context: grpc.ServicerContext, error: ApiError) -> None:
    code = getattr(grpc.StatusCode, error.status, grpc.StatusCode.UNKNOWN)
    context.abort(code, error.message)


def _guarded(action: Callable[[Any, grpc.ServicerContext], Any]
             ) -> Callable[[Any, grpc.ServicerContext], Any]:
    def call(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return action(request, context)
        except ApiError as error:
            _abort(context, error)
    return call


def build_grpc_server(address: str, store: Store) -> grpc.Server:
    """A gRPC server for the Executions service, not started yet."""

    def create(request: types.CreateExecutionRequest, _: grpc.ServicerContext
               ) -> types.Execution:
        body = json.loads(types.Execution.to_json(request.execution))
        return _message(store.start_execution(request.parent, body))

    def get(request: types.GetExecutionRequest, _: grpc.ServicerContext) -> types.Execution:
        return _message(store.get_execution(request.name))

    def list_(request: types.ListExecutionsRequest, _: grpc.ServicerContext
              ) -> types.ListExecutionsResponse:
        executions = store.list_executions(request.parent)
        if request.view != types.ExecutionView.FULL:
            executions = [{k: v for k, v in e.items() if k in BASIC_FIELDS} for e in executions]
        start = int(request.page_token or 0)
        size = request.page_size or 100
        page = executions[start:start + size]
        token = str(start + size) if start + size < len(executions) else ""
        return types.ListExecutionsResponse(executions=[_message(e) for e in page],
                                            next_page_token=token)

    def cancel(request: types.CancelExecutionRequest, _: grpc.ServicerContext
               ) -> types.Execution:
        return _message(store.cancel_execution(request.name))

    def method(action: Callable[..., Any], request: Any, response: Any
               ) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(
            _guarded(action), request_deserializer=request.deserialize,
            response_serializer=response.serialize,
        )

    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "CreateExecution": method(create, types.CreateExecutionRequest, types.Execution),
        "GetExecution": method(get, types.GetExecutionRequest, types.Execution),
        "ListExecutions": method(list_, types.ListExecutionsRequest,
                                 types.ListExecutionsResponse),
        "CancelExecution": method(cancel, types.CancelExecutionRequest, types.Execution),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((handler,))
    if server.add_insecure_port(address) == 0:
        raise OSError(f"cannot listen on {address}")
    return server
