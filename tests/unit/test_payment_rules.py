"""Bills, checkout checks, tip notes and invoices, without an emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gymiot import payments
from gymiot.errors import InvalidAmount, InvalidLinkCode, PaymentRefused
from gymiot.invoices import invoice_for, invoice_pdf, invoice_text
from gymiot.linking import check_code

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def bill(**changes: object) -> dict[str, object]:
    base = {"customer_id": "c01", "period": "2026-03", "amount_minor": 4990, "currency": "EUR",
            "max_tip_minor": 1000, "status": "unpaid", "payment_id": None}
    return {**base, **changes}


class TestBills:
    def test_billing_period_is_the_local_month_when_utc_is_still_last_year(self):
        moment = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
        assert payments.billing_period(moment, ZoneInfo("Europe/Rome")) == "2026-01"

    def test_new_bill_takes_the_monthly_fee_in_minor_units(self):
        new = payments.new_bill("c01", {"monthly_fee_minor": 4990, "currency": "EUR"},
                                "2026-03", NOW)
        assert (new["amount_minor"], new["currency"], new["status"]) == (4990, "EUR", "unpaid")
        assert new["max_tip_minor"] == 1000

    def test_new_bill_is_refused_when_the_fee_is_not_an_integer(self):
        with pytest.raises(PaymentRefused, match="monthly fee"):
            payments.new_bill("c01", {"monthly_fee_minor": 49.9}, "2026-03", NOW)

    def test_payload_names_the_bill_and_is_read_back(self):
        payload = payments.invoice_payload("c01_2026-03")
        assert payload == "bill:c01_2026-03"
        assert payments.bill_from_payload(payload) == "c01_2026-03"
        assert payments.bill_from_payload("bill:../x/y") is None
        assert payments.bill_from_payload("something-else") is None

    def test_invoice_request_has_suggested_tips_when_the_currency_has_them(self):
        request = payments.invoice_request("c01_2026-03", bill())
        assert request["prices"] == [("Membership 2026-03", 4990)]
        assert request["max_tip_amount"] == 1000
        assert request["suggested_tip_amounts"] == [100, 200, 500]

    def test_invoice_request_leaves_tips_out_when_the_currency_has_none(self):
        request = payments.invoice_request("c01_2026-03", bill(currency="SEK",
                                                               amount_minor=50000))
        assert "suggested_tip_amounts" not in request
        assert "max_tip_amount" not in request

    def test_invoice_request_is_refused_when_below_the_minimum(self):
        with pytest.raises(InvalidAmount, match="below"):
            payments.invoice_request("c01_2026-03", bill(amount_minor=10))


class TestCheckPayment:
    def test_check_gives_the_tip_when_the_bill_is_unpaid_and_amounts_match(self):
        assert payments.check_payment(bill(), "c01", "EUR", 5490) == 500
        assert payments.check_payment(bill(), "c01", "EUR", 4990) == 0

    def test_check_refuses_when_the_bill_is_already_paid(self):
        with pytest.raises(PaymentRefused, match="already paid"):
            payments.check_payment(bill(status="paid"), "c01", "EUR", 4990)

    def test_check_refuses_when_another_charge_claimed_the_bill(self):
        with pytest.raises(PaymentRefused, match="already paid"):
            payments.check_payment(bill(payment_id="tg-1"), "c01", "EUR", 4990, "tg-2")
        assert payments.check_payment(bill(payment_id="tg-1"), "c01", "EUR", 4990, "tg-1") == 0

    def test_check_refuses_when_the_bill_is_someone_elses(self):
        with pytest.raises(PaymentRefused, match="another account"):
            payments.check_payment(bill(), "c02", "EUR", 4990)

    def test_check_refuses_when_currency_or_amount_differ(self):
        with pytest.raises(PaymentRefused, match="in EUR, not USD"):
            payments.check_payment(bill(), "c01", "USD", 4990)
        with pytest.raises(PaymentRefused, match="does not match"):
            payments.check_payment(bill(), "c01", "EUR", 4000)
        with pytest.raises(PaymentRefused, match="maximum of 10.00 EUR"):
            payments.check_payment(bill(), "c01", "EUR", 4990 + 1001)

    def test_check_refuses_when_the_bill_is_gone(self):
        with pytest.raises(PaymentRefused, match="no longer valid"):
            payments.check_payment(None, "c01", "EUR", 4990)


class TestNotesAndInvoices:
    def test_tip_note_names_the_customer_and_the_tip_in_major_units(self):
        subject, text = payments.tip_note("Alice Rossi", "c01", 500, "EUR", "2026-03")
        assert subject == "[GymIoT] Tip of 5.00 EUR from Alice Rossi"
        assert "Alice Rossi (c01)" in text and "5.00 EUR" in text

    def test_invoice_has_fee_tip_and_total_when_a_tip_was_paid(self):
        payment = {"invoice_number": "INV-2026-000007", "period": "2026-03",
                   "customer_id": "c01", "currency": "EUR", "amount_minor": 4990,
                   "tip_minor": 500}
        invoice = invoice_for("tg-1", payment, {"name": "Alice Rossi",
                                                "email": "a@example.test"}, "2026-03-01")
        assert [line.amount_minor for line in invoice.lines] == [4990, 500]
        assert invoice.total_minor == 5490
        assert "Total paid: 54.90 EUR" in invoice_text(invoice)
        pdf = invoice_pdf(invoice)
        assert pdf.startswith(b"%PDF-")
        assert len(pdf) > 1000

    def test_invoice_has_no_tip_line_when_no_tip_was_paid(self):
        payment = {"invoice_number": "INV-2026-000008", "period": "2026-03",
                   "customer_id": "c01", "currency": "JPY", "amount_minor": 5000,
                   "tip_minor": 0}
        invoice = invoice_for("tg-2", payment, {"name": "Ken"}, "2026-03-01")
        assert len(invoice.lines) == 1
        assert "Total paid: 5000 JPY" in invoice_text(invoice)


class TestLinkCodes:
    def test_code_gives_the_customer_when_unused_and_fresh(self):
        data = {"customer_id": "c01", "used": False, "expires_at": NOW + timedelta(minutes=5)}
        assert check_code(data, NOW) == "c01"

    def test_code_is_refused_when_used_expired_or_unknown(self):
        with pytest.raises(InvalidLinkCode, match="already used"):
            check_code({"customer_id": "c01", "used": True,
                        "expires_at": NOW + timedelta(minutes=5)}, NOW)
        with pytest.raises(InvalidLinkCode, match="expired"):
            check_code({"customer_id": "c01", "used": False, "expires_at": NOW}, NOW)
        with pytest.raises(InvalidLinkCode, match="unknown"):
            check_code(None, NOW)
