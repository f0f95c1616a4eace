"""Money in minor units (C8) and the tip rules of the Bot API (C9)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gymiot import money
from gymiot.errors import InvalidAmount


class TestToMinor:
    def test_to_minor_gives_cents_when_eur_has_two_decimals(self):
        assert money.to_minor("49.90", "EUR") == 4990
        assert money.to_minor(Decimal("49.9"), "EUR") == 4990

    def test_to_minor_gives_yen_when_jpy_has_no_minor_unit(self):
        assert money.to_minor("5000", "JPY") == 5000

    def test_to_minor_is_exact_when_a_float_would_round(self):
        # 0.1 + 0.2 != 0.3 in binary floating point; Decimal strings stay exact.
        assert money.to_minor("0.29", "EUR") == 29
        assert money.to_minor("1234567.89", "EUR") == 123456789

    def test_to_minor_refuses_when_given_a_float(self):
        with pytest.raises(InvalidAmount, match="never a float"):
            money.to_minor(49.9, "EUR")  # type: ignore[arg-type]

    def test_to_minor_refuses_when_precision_is_below_the_minor_unit(self):
        with pytest.raises(InvalidAmount, match="more than 2 decimal"):
            money.to_minor("49.905", "EUR")
        with pytest.raises(InvalidAmount, match="more than 0 decimal"):
            money.to_minor("5000.5", "JPY")

    def test_to_minor_refuses_when_currency_is_unknown(self):
        with pytest.raises(InvalidAmount, match="currency: 'XYZ'"):
            money.to_minor("1", "XYZ")

    def test_to_minor_refuses_when_amount_is_not_finite(self):
        with pytest.raises(InvalidAmount, match="finite"):
            money.to_minor("NaN", "EUR")


class TestFormat:
    def test_format_amount_shows_the_currency_decimals(self):
        assert money.format_amount(500, "EUR") == "5.00 EUR"
        assert money.format_amount(5000, "JPY") == "5000 JPY"
        assert money.format_amount(1500, "KWD") == "1.500 KWD"


class TestInvoiceAmount:
    def test_invoice_fields_keep_integer_totals_when_amounts_are_valid(self):
        assert money.invoice_fields(4990, "EUR")["total_amount"] == 4990
        assert money.invoice_fields(5000, "JPY")["total_amount"] == 5000

    def test_invoice_is_refused_when_below_the_provider_minimum(self):
        with pytest.raises(InvalidAmount, match="0.10 EUR is below .* minimum of 1.00 EUR"):
            money.check_invoice_amount(money.to_minor("0.10", "EUR"), "EUR")

    def test_invoice_is_refused_when_amount_is_not_an_integer(self):
        with pytest.raises(InvalidAmount, match="integer"):
            money.check_invoice_amount(49.9, "EUR")  # type: ignore[arg-type]


class TestTips:
    def test_tips_are_refused_when_not_increasing(self):
        with pytest.raises(InvalidAmount, match="strictly increasing"):
            money.check_tips(1000, [500, 200])

    def test_tips_are_refused_when_more_than_four(self):
        with pytest.raises(InvalidAmount, match="5 given, at most 4"):
            money.check_tips(1000, [100, 200, 300, 400, 500])

    def test_tips_are_refused_when_above_the_maximum(self):
        with pytest.raises(InvalidAmount, match="2000 is above max_tip_amount 1000"):
            money.check_tips(1000, [2000])

    def test_tips_are_refused_when_not_positive(self):
        with pytest.raises(InvalidAmount, match="positive"):
            money.check_tips(1000, [0, 100])

    def test_tip_fields_are_left_out_when_there_are_no_tips(self):
        fields = money.invoice_fields(4990, "EUR", max_tip=0, suggested_tips=[])
        assert fields == {"currency": "EUR", "total_amount": 4990}
        assert "suggested_tip_amounts" not in fields
        assert "max_tip_amount" not in fields

    def test_tip_fields_are_sent_when_tips_are_valid(self):
        fields = money.invoice_fields(4990, "EUR", 1000, [100, 200, 500])
        assert fields["max_tip_amount"] == 1000
        assert fields["suggested_tip_amounts"] == [100, 200, 500]

    def test_tip_options_are_in_minor_units_per_currency(self):
        assert money.tip_options("EUR") == (1000, [100, 200, 500])
        assert money.tip_options("JPY") == (1500, [100, 200, 500])
        assert money.tip_options("SEK") == (0, [])
