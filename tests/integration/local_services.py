"""Start a suite service for a test when nobody runs it yet; stop only what we started."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from emulators import suite

logger = logging.getLogger(__name__)


def named_service(name: str) -> suite.Service:
    """One of the suite's services (emulators, or the bot) by name."""
    for service in [*suite.services(persist=False), *suite.bot_services()]:
        if service.name == name:
            return service
    raise KeyError(f"no suite service named {name!r} (is TELEGRAM_BOT_TOKEN set?)")


@contextlib.contextmanager
def running(name: str) -> Iterator[suite.Service]:
    """The service running for the duration; started here only if it was not running."""
    service = named_service(name)
    already = service.running_pgid() is not None or service.ready()
    if not already:
        service.start()
    try:
        yield service
    finally:
        if not already:
            service.stop()
