"""The errors GymIoT raises on bad input.

    GymIoTError
    ├── InvalidReading      a machine reading that cannot count (goes to device-errors)
    ├── InvalidCardChange   a training-card change that breaks the card's rules
    ├── InvalidAmount       an amount, currency or tip that cannot go on an invoice
    ├── PaymentRefused      a payment that must not go through (the reason is for the customer)
    └── InvalidLinkCode     a Telegram link code that is unknown, used or expired
"""

from __future__ import annotations


class GymIoTError(Exception):
    """Base of GymIoT's own errors."""


class InvalidReading(GymIoTError):
    """A machine reading that cannot count: the field at fault and why."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field


class InvalidCardChange(GymIoTError):
    """A training-card change that the card's rules do not allow."""


class InvalidAmount(GymIoTError):
    """An amount, currency or tip that cannot go on an invoice: the field at fault and why."""


class PaymentRefused(GymIoTError):
    """A payment that must not go through; the message is shown to the customer."""


class InvalidLinkCode(GymIoTError):
    """A Telegram link code that is unknown, already used or expired."""
