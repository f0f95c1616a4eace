"""google-cloud-workflows clients for a real project or the local Workflows emulator."""

from __future__ import annotations

import os

import grpc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import workflows_v1
from google.cloud.workflows import executions_v1
from google.cloud.workflows.executions_v1.services.executions.transports import (
    ExecutionsGrpcTransport,
)

EMULATOR_ENV = "WORKFLOWS_EMULATOR_HOST"
#: The emulator's Executions API over gRPC: the ExecutionsClient has no REST transport.
EXECUTIONS_EMULATOR_ENV = "WORKFLOWS_EXECUTIONS_EMULATOR_HOST"
DEFAULT_EXECUTIONS_EMULATOR = "127.0.0.1:8093"


def emulator_endpoint() -> str | None:
    """``http://host:port`` of the emulator from WORKFLOWS_EMULATOR_HOST, or None."""
    host = os.environ.get(EMULATOR_ENV)
    if not host:
        return None
    return host if "://" in host else f"http://{host}"


def workflows_client(endpoint: str | None) -> workflows_v1.WorkflowsClient:
    """A real client when ``endpoint`` is None, else one for the emulator (REST, anonymous)."""
    if endpoint is None:
        return workflows_v1.WorkflowsClient()
    return workflows_v1.WorkflowsClient(
        transport="rest", credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=endpoint),
    )


def executions_emulator() -> str | None:
    """``host:port`` of the emulator's gRPC Executions API when the emulator is in use."""
    if not os.environ.get(EMULATOR_ENV):
        return None
    return os.environ.get(EXECUTIONS_EMULATOR_ENV, DEFAULT_EXECUTIONS_EMULATOR)


def executions_client(address: str | None) -> executions_v1.ExecutionsClient:
    """A real client when ``address`` is None, else one on an insecure channel to the emulator.

    google-cloud-workflows 1.24 has no REST transport for executions, so the emulator serves
    them over gRPC at ``address`` (``host:port``).
    """
    if address is None:
        return executions_v1.ExecutionsClient()
    channel = grpc.insecure_channel(address.split("://", 1)[-1])
    return executions_v1.ExecutionsClient(transport=ExecutionsGrpcTransport(channel=channel))
