"""Build and run the dashboard: pages, shared services and NiceGUI's server."""

from __future__ import annotations

import logging
import os

from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from nicegui import app, ui

from web import pages_auth, pages_customer, pages_manager
from web.auth import project_id
from web.live import LiveHub
from web.services import Services

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
PORT = 8000


def firestore_client() -> firestore.Client:
    """Firestore with anonymous credentials on the emulator, default credentials otherwise."""
    credentials = AnonymousCredentials() if os.environ.get("FIRESTORE_EMULATOR_HOST") else None
    return firestore.Client(project=project_id(), credentials=credentials)


def build() -> Services:
    """Register every page on a fresh set of services (called again by each test run)."""
    services = Services(db=firestore_client(), hub=LiveHub(firestore_client()))
    pages_auth.register(services)
    pages_customer.register(services)
    pages_manager.register(services)
    app.on_shutdown(services.hub.close)
    return services


def storage_secret() -> str:
    """Signs the browser id cookie; the session data itself stays on the server."""
    secret = os.environ.get("DASHBOARD_STORAGE_SECRET")
    if secret:
        return secret
    if os.environ.get("FIRESTORE_EMULATOR_HOST"):
        return "gymiot-local-emulator-only"
    raise RuntimeError("set DASHBOARD_STORAGE_SECRET to run the dashboard against a real project")


def main(host: str = HOST, port: int = PORT) -> None:
    build()
    logger.info("dashboard at http://%s:%d", host, port)
    ui.run(host=host, port=port, title="GymIoT", storage_secret=storage_secret(), reload=False,
           show=False, favicon="🏋", show_welcome_message=False)
