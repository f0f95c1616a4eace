"""Shared by every test folder: the local suite, started once per session when needed."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from emulators import suite


@pytest.fixture(scope="session")
def local_suite() -> Iterator[None]:
    """The emulators; started (with a throwaway state folder) only if nobody runs them yet."""
    os.environ.update(suite.client_environment())
    if suite.is_up():
        yield
        return
    os.environ.setdefault("GYMIOT_STATE_DIR", str(suite.ROOT / ".local" / "test"))
    try:
        suite.up(persist=False)
        yield
    finally:
        suite.down()
