"""Dashboard tests with NiceGUI's simulated user, against the running emulators.

NiceGUI's own `user` fixture (nicegui.testing.user_plugin) needs pytest-asyncio's auto mode and
a `main_file` ini option, both global to the whole test suite; this conftest builds the same
fixture from NiceGUI's `user_simulation` instead, for these tests only.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from nicegui import app
from nicegui.storage import Storage
from nicegui.testing.user import User
from nicegui.testing.user_simulation import user_simulation

from emulators import suite

MAIN_FILE = suite.ROOT / "web" / "__main__.py"

os.environ.update(suite.client_environment())
# Session storage of the simulated browsers goes to a throwaway folder (as NiceGUI's plugin does).
Storage.path = Path(tempfile.mkdtemp(prefix="gymiot-nicegui-storage-")).resolve()
app.storage = Storage()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/web" in str(item.path):
            item.add_marker(pytest.mark.emulators)


@pytest.fixture(scope="session")
def db(local_suite: None) -> firestore.Client:
    return firestore.Client(project=suite.PROJECT_ID, credentials=AnonymousCredentials())


@pytest_asyncio.fixture
async def user(local_suite: None, caplog: pytest.LogCaptureFixture) -> AsyncIterator[User]:
    """A simulated browser on the dashboard (`python -m web`'s main file)."""
    async with user_simulation(main_file=MAIN_FILE) as simulated:
        yield simulated
    errors = [r for r in caplog.get_records("call") if r.levelname == "ERROR"]
    assert not errors, f"unexpected ERROR logs: {[r.getMessage() for r in errors]}"
