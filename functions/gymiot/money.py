"""Money in integer minor units: exponents, exact conversion, formatting, invoice and tip rules.

Amounts never pass through a float. A major-unit amount (``Decimal`` or its string) becomes an
integer count of the currency's minor unit (cents for EUR, yen for JPY), and an amount with more
precision than the currency has is refused rather than rounded.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from gymiot.errors import InvalidAmount

logger = logging.getLogger(__name__)

#: ISO 4217 minor-unit exponents of the currencies we may bill in.
EXPONENTS: dict[str, int] = {
    "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "PLN": 2, "SEK": 2, "CZK": 2,
    "JPY": 0, "KRW": 0, "HUF": 2, "BHD": 3, "KWD": 3,
}

#: The smallest invoice total Telegram accepts, in minor units. The real values come from
#: Telegram's https://core.telegram.org/bots/payments/currencies.json (about 1 USD in each
#: currency, and they move with exchange rates); this table is a hard-coded snapshot of the
#: ones we bill in, so refresh it from that file when adding a currency.
MIN_AMOUNTS: dict[str, int] = {
    "EUR": 100, "USD": 100, "GBP": 100, "CHF": 100, "PLN": 400, "SEK": 1000, "CZK": 2300,
    "JPY": 150, "KRW": 1300, "HUF": 36000, "BHD": 380, "KWD": 310,
}

MAX_SUGGESTED_TIPS = 4


def exponent(currency: str) -> int:
    """The number of decimals of `currency`'s minor unit (2 for EUR, 0 for JPY)."""
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise InvalidAmount(
            f"currency: {currency!r} is not supported; use one of {sorted(EXPONENTS)}"
        ) from None


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Exact minor units of a major-unit amount; refuses floats and sub-minor precision."""
    if isinstance(amount, float) or isinstance(amount, bool):
        raise InvalidAmount(f"amount: {amount!r} must be a Decimal or a string, never a float")
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError):
        raise InvalidAmount(f"amount: {amount!r} is not a number") from None
    if not value.is_finite():
        raise InvalidAmount(f"amount: {amount!r} must be finite")
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise InvalidAmount(
            f"amount: {amount} {currency} has more than {exponent(currency)} decimal place(s)"
        )
    return int(minor)


def to_major(minor: int, currency: str) -> Decimal:
    """The major-unit Decimal of an amount in minor units."""
    return Decimal(minor).scaleb(-exponent(currency))


def format_amount(minor: int, currency: str) -> str:
    """`5.00 EUR`, `5000 JPY`: the amount with exactly the currency's decimals."""
    digits = exponent(currency)
    return f"{to_major(minor, currency):.{digits}f} {currency}"


def check_invoice_amount(minor: int, currency: str) -> None:
    """Refuse an invoice total Telegram would reject (not a positive integer, or too small)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise InvalidAmount(f"amount: {minor!r} must be an integer number of minor units")
    exponent(currency)
    minimum = MIN_AMOUNTS.get(currency)
    if minimum is None:
        raise InvalidAmount(f"currency: no known minimum amount for {currency}")
    if minor < minimum:
        raise InvalidAmount(
            f"amount: {format_amount(minor, currency)} is below the payment provider's "
            f"minimum of {format_amount(minimum, currency)}"
        )


def check_tips(max_tip: int, suggested: Sequence[int]) -> None:
    """Refuse tips the Bot API would reject: at most four, positive, increasing, <= max_tip."""
    if isinstance(max_tip, bool) or not isinstance(max_tip, int) or max_tip < 0:
        raise InvalidAmount(f"max_tip_amount: {max_tip!r} must be a non-negative integer")
    if not suggested:
        return
    if max_tip == 0:
        raise InvalidAmount("suggested_tip_amounts: tips suggested but max_tip_amount is 0")
    if len(suggested) > MAX_SUGGESTED_TIPS:
        raise InvalidAmount(
            f"suggested_tip_amounts: {len(suggested)} given, at most {MAX_SUGGESTED_TIPS} allowed"
        )
    for tip in suggested:
        if isinstance(tip, bool) or not isinstance(tip, int) or tip <= 0:
            raise InvalidAmount(f"suggested_tip_amounts: {tip!r} must be a positive integer")
        if tip > max_tip:
            raise InvalidAmount(
                f"suggested_tip_amounts: {tip} is above max_tip_amount {max_tip}"
            )
    if any(b <= a for a, b in zip(suggested, suggested[1:], strict=False)):
        raise InvalidAmount(
            f"suggested_tip_amounts: {list(suggested)} must be strictly increasing"
        )


def invoice_fields(
    amount_minor: int, currency: str, max_tip: int = 0, suggested_tips: Sequence[int] = ()
) -> dict[str, Any]:
    """The amount-related sendInvoice fields, validated; tip fields only when tips are offered."""
    check_invoice_amount(amount_minor, currency)
    check_tips(max_tip, suggested_tips)
    fields: dict[str, Any] = {"currency": currency, "total_amount": amount_minor}
    if max_tip:
        fields["max_tip_amount"] = max_tip
    if suggested_tips:
        fields["suggested_tip_amounts"] = list(suggested_tips)
    return fields


#: Suggested tips and the maximum tip per currency, in major units (a tip stays optional).
TIP_OPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "EUR": ("10", ("1", "2", "5")),
    "USD": ("10", ("1", "2", "5")),
    "GBP": ("10", ("1", "2", "5")),
    "CHF": ("10", ("1", "2", "5")),
    "JPY": ("1500", ("100", "200", "500")),
}


def tip_options(currency: str) -> tuple[int, list[int]]:
    """(max_tip, suggested tips) in minor units for `currency`; (0, []) where none are set."""
    if currency not in TIP_OPTIONS:
        return 0, []
    maximum, suggested = TIP_OPTIONS[currency]
    return to_minor(maximum, currency), [to_minor(tip, currency) for tip in suggested]
