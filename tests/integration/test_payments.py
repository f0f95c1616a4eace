"""The real bot, driven through the Telegram stand-in: linking, card, invoices, payments (C7-C9).

The bot, the stand-in and the Workflows emulator are started here when nobody runs them (and
stopped after); process-payment runs on the Workflows emulator and calls the real HTTP functions
on the Functions emulator, which email through the mail catcher.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from google.cloud import firestore

from emulators import suite
from emulators.telegram.pay import StandIn
from gymiot.linking import issue_link_code
from gymiot.payments import record_payment
from gymiot.training_card import new_card
from tests.integration.conftest import eventually, mails
from tests.integration.local_services import running
from workflows.deploy import deploy


@pytest.fixture(scope="module")
def stand_in(local_suite: None) -> Iterator[StandIn]:
    """Workflows emulator (with process-payment deployed), Telegram stand-in and the bot."""
    with running("workflows"), running("telegram"):
        deploy(suite.PROJECT_ID, suite.REGION, endpoint=f"http://{suite.WORKFLOWS}")
        with running("bot"):
            yield StandIn(f"http://{suite.TELEGRAM}")


@dataclass
class Member:
    """A customer of one test, with a private chat linked to the bot."""

    customer_id: str
    name: str
    email: str
    chat_id: int
    stand_in: StandIn

    def say(self, text: str) -> dict[str, Any]:
        """Send `text` to the bot and return its first answer."""
        before = len(self.stand_in.messages(self.chat_id))
        self.stand_in.say(self.chat_id, text, self.name)
        return self.stand_in.wait_reply(self.chat_id, before)

    def messages(self) -> list[dict[str, Any]]:
        return self.stand_in.messages(self.chat_id)


def make_member(db: firestore.Client, stand_in: StandIn, fee_minor: int = 4990,
                currency: str = "EUR") -> Member:
    suffix = uuid.uuid4().hex[:8]
    member = Member(f"pay-{suffix}", f"Payer {suffix}", f"pay-{suffix}@example.test",
                    random.randint(600_000_000, 999_999_999), stand_in)
    now = datetime.now(UTC)
    db.collection("customers").document(member.customer_id).set({
        "name": member.name, "email": member.email, "monthly_fee_minor": fee_minor,
        "currency": currency, "telegram_chat_id": None, "created_at": now})
    db.collection("training_cards").document(member.customer_id).set(new_card(
        member.customer_id, [{"exercise": "bench-press", "reps_target": 36}], now))
    code = issue_link_code(db, member.customer_id)
    assert "now linked" in member.say(f"/start {code.code}")["text"]
    return member


@pytest.fixture
def member(db: firestore.Client, stand_in: StandIn) -> Member:
    return make_member(db, stand_in)


def invoice_params(member: Member) -> dict[str, Any]:
    reply = member.say("/pay")
    assert reply["kind"] == "invoice", reply["text"]
    return reply["params"]


def settled(db: firestore.Client, payment_id: str, *flags: str) -> dict[str, Any]:
    """The payment once every flag is set (the workflow runs asynchronously)."""
    def check() -> dict[str, Any] | None:
        payment = db.collection("payments").document(payment_id).get().to_dict() or {}
        return payment if all(payment.get(flag) for flag in flags) else None
    return eventually(check, 60, f"payment {payment_id} with {flags}")


def quiet(member: Member) -> None:
    """Wait until the bot has handled everything sent so far (it handles updates in order)."""
    assert "/card" in member.say("/help")["text"]


class TestLinking:
    def test_start_links_the_chat_once_when_given_a_dashboard_code(
            self, db: firestore.Client, stand_in: StandIn):
        member = make_member(db, stand_in)
        customer = db.collection("customers").document(member.customer_id).get().to_dict()
        assert customer["telegram_chat_id"] == member.chat_id

        code = issue_link_code(db, member.customer_id)
        assert "now linked" in member.say(f"/start {code.code}")["text"]
        stranger = Member("nobody", "Stranger", "", member.chat_id + 1, stand_in)
        assert "already used" in stranger.say(f"/start {code.code}")["text"]
        assert "unknown" in stranger.say("/start NOSUCHCODE")["text"]
        assert "not linked" in stranger.say("/pay")["text"]

    def test_card_and_reps_update_the_card_when_linked(self, member: Member,
                                                       db: firestore.Client):
        assert "bench-press: 36 reps left" in member.say("/card")["text"]
        assert "Logged 12 reps of bench-press" in member.say("/reps bench-press 12")["text"]
        card = db.collection("training_cards").document(member.customer_id).get().to_dict()
        assert card["steps"][0]["reps_left"] == 24
        assert "no exercise 'squat'" in member.say("/reps squat 5")["text"]
        assert "/reps <exercise> <n>" in member.say("/reps bench-press")["text"]

    def test_bot_answers_clearly_when_the_message_is_not_a_known_command(self, member: Member):
        assert "don't know that command" in member.say("/dance")["text"]
        assert "commands only" in member.say("hello there")["text"]


class TestInvoices:
    def test_invoice_is_in_minor_units_with_valid_tips_when_eur(self, member: Member):
        params = invoice_params(member)
        assert params["currency"] == "EUR"
        assert params["prices"] == [{"label": f"Membership {params['payload'][-7:]}",
                                     "amount": 4990}]
        assert params["max_tip_amount"] == 1000
        assert params["suggested_tip_amounts"] == [100, 200, 500]
        assert params["payload"].startswith(f"bill:{member.customer_id}_")

    def test_invoice_total_is_5000_when_the_currency_has_no_minor_unit(
            self, db: firestore.Client, stand_in: StandIn):
        member = make_member(db, stand_in, fee_minor=5000, currency="JPY")
        params = invoice_params(member)
        assert (params["currency"], params["prices"][0]["amount"]) == ("JPY", 5000)
        assert params["suggested_tip_amounts"] == [100, 200, 500]

    def test_invoice_is_refused_before_sending_when_below_the_provider_minimum(
            self, db: firestore.Client, stand_in: StandIn):
        member = make_member(db, stand_in, fee_minor=10)
        reply = member.say("/pay")
        assert reply["kind"] == "text"
        assert "0.10 EUR is below the payment provider's minimum of 1.00 EUR" in reply["text"]
        assert not [m for m in member.messages() if m["kind"] == "invoice"]

    def test_tip_fields_are_left_out_when_the_currency_has_no_tips(
            self, db: firestore.Client, stand_in: StandIn):
        member = make_member(db, stand_in, fee_minor=50000, currency="SEK")
        params = invoice_params(member)
        assert "suggested_tip_amounts" not in params
        assert "max_tip_amount" not in params


class TestPayment:
    def test_payment_with_tip_pays_the_bill_and_emails_invoice_and_tip_note_once(
            self, member: Member, db: firestore.Client, stand_in: StandIn):
        params = invoice_params(member)
        bill_id = params["payload"].removeprefix("bill:")

        outcome = stand_in.pay(member.chat_id, tip_minor=500)
        assert outcome["ok"] is True
        assert outcome["seconds"] < 5  # C7: answered well within Telegram's 10 s
        update = outcome["update"]
        charge_id = update["message"]["successful_payment"]["telegram_payment_charge_id"]
        payment = settled(db, charge_id, "invoice_emailed_at", "tip_note_emailed_at")
        assert (payment["amount_minor"], payment["tip_minor"], payment["total_minor"]) == (
            4990, 500, 5490)
        assert payment["execution"].startswith(
            f"projects/{suite.PROJECT_ID}/locations/{suite.REGION}/workflows/process-payment/")
        bill = db.collection("bills").document(bill_id).get().to_dict()
        assert (bill["status"], bill["payment_id"], bill["tip_minor"]) == ("paid", charge_id, 500)

        invoices = eventually(lambda: [m for m in mails(member.name)
                                       if m["subject"].startswith("[GymIoT] Invoice")], 30)
        assert [to["address"] for to in invoices[0]["to"]] == [member.email]
        assert [(a["filename"], a["contentType"]) for a in invoices[0]["attachments"]] == [
            (f"{payment['invoice_number']}.pdf", "application/pdf")]
        tips = eventually(lambda: [m for m in mails(member.name)
                                   if m["subject"].startswith("[GymIoT] Tip")], 30)
        assert tips[0]["subject"] == f"[GymIoT] Tip of 5.00 EUR from {member.name}"

        # The same successful-payment update again: nothing changes, nobody is emailed twice.
        chat_before = len(member.messages())
        stand_in.replay(update)
        quiet(member)
        assert db.collection("payments").document(charge_id).get().to_dict() == payment
        assert len(member.messages()) == chat_before + 2  # only /help and its answer
        time.sleep(2)
        assert len(mails(member.name)) == 2

        # C7: a checkout for the bill already paid is answered not-ok, with a reason.
        again = stand_in.pay(member.chat_id, tip_minor=0)
        assert (again["answered"], again["ok"]) == (True, False)
        assert "already paid" in again["error_message"]
        assert again["seconds"] < 5

    def test_payment_without_tip_sends_no_tip_note(self, member: Member, db: firestore.Client,
                                                   stand_in: StandIn):
        invoice_params(member)
        outcome = stand_in.pay(member.chat_id, tip_minor=0)
        charge_id = outcome["update"]["message"]["successful_payment"][
            "telegram_payment_charge_id"]
        payment = settled(db, charge_id, "invoice_emailed_at")
        assert payment["tip_minor"] == 0
        time.sleep(2)
        assert [m["subject"] for m in mails(member.name)] == [
            f"[GymIoT] Invoice {payment['invoice_number']} for {payment['period']}"]

    def test_second_charge_for_a_paid_bill_is_flagged_to_the_manager(
            self, member: Member, db: firestore.Client, stand_in: StandIn):
        invoice_params(member)
        first = stand_in.pay(member.chat_id, tip_minor=0)["update"]
        first_id = first["message"]["successful_payment"]["telegram_payment_charge_id"]
        settled(db, first_id, "invoice_emailed_at")

        second = {"message": {**first["message"], "successful_payment": {
            **first["message"]["successful_payment"],
            "telegram_payment_charge_id": f"tg-second-{uuid.uuid4().hex}"}}}
        second_id = second["message"]["successful_payment"]["telegram_payment_charge_id"]
        stand_in.replay(second)
        flagged = settled(db, second_id, "flag_emailed_at")
        assert flagged["status"] == "duplicate_charge"
        assert flagged["execution"] is None
        bill = db.collection("bills").document(flagged["bill_id"]).get().to_dict()
        assert bill["payment_id"] == first_id
        notes = eventually(lambda: mails(second_id), 30, "manager flag email")
        assert notes[0]["subject"].startswith("[GymIoT] Payment to check: 49.90 EUR")
        assert "will refund" in member.messages()[-1]["text"]

    def test_recorded_payment_gets_its_workflow_when_the_update_comes_again(
            self, member: Member, db: firestore.Client, stand_in: StandIn):
        """A payment recorded while the workflow could not start is processed on redelivery."""
        payload = invoice_params(member)["payload"]
        charge_id = f"tg-resume-{uuid.uuid4().hex}"
        recorded = record_payment(db, charge_id, "provider-1", payload, member.customer_id,
                                  "EUR", 4990, member.chat_id)
        assert (recorded.created, recorded.payment["execution"]) == (True, None)

        user = {"id": member.chat_id, "is_bot": False, "first_name": member.name}
        stand_in.replay({"message": {
            "message_id": 1, "date": int(time.time()), "from": user,
            "chat": {"id": member.chat_id, "type": "private", "first_name": member.name},
            "successful_payment": {"currency": "EUR", "total_amount": 4990,
                                   "invoice_payload": payload,
                                   "telegram_payment_charge_id": charge_id,
                                   "provider_payment_charge_id": "provider-1"}}})
        payment = settled(db, charge_id, "execution", "invoice_emailed_at")
        assert payment["status"] == "paid"
