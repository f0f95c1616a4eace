"""Monthly bills and their Telegram payments, recorded once and processed idempotently.

``bills/{customer_id}_{YYYY-MM}``: customer_id, period, amount_minor, currency, max_tip_minor,
status (unpaid | paid), payment_id (the charge that claimed it), invoice_number, paid_at.
``payments/{telegram_payment_charge_id}``: bill_id, customer_id, period, amount_minor,
tip_minor, total_minor, currency, status (received | paid | duplicate_charge | needs_review),
execution (the process-payment workflow run) and one flag per side effect already done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.api_core import exceptions as gexc
from google.cloud import firestore

from gymiot import money
from gymiot.config import Settings
from gymiot.errors import PaymentRefused
from gymiot.mail import send_mail

logger = logging.getLogger(__name__)

BILLS = "bills"
PAYMENTS = "payments"
PAYLOAD_PREFIX = "bill:"


def billing_period(now: datetime, timezone: ZoneInfo) -> str:
    """The gym-local month `YYYY-MM` that `now` falls in."""
    return now.astimezone(timezone).strftime("%Y-%m")


def bill_id(customer_id: str, period: str) -> str:
    return f"{customer_id}_{period}"


def invoice_payload(bill_ref_id: str) -> str:
    """The invoice payload that names a bill (Telegram echoes it at checkout)."""
    return f"{PAYLOAD_PREFIX}{bill_ref_id}"


def bill_from_payload(payload: str) -> str | None:
    """The bill id named by an invoice payload, or None for a payload we did not send."""
    if not payload.startswith(PAYLOAD_PREFIX) or "/" in payload:
        return None
    return payload[len(PAYLOAD_PREFIX):] or None


def new_bill(customer_id: str, customer: dict[str, Any], period: str, now: datetime
             ) -> dict[str, Any]:
    """The unpaid bill of one month, priced from the customer's monthly fee."""
    currency = str(customer.get("currency") or "EUR")
    amount = customer.get("monthly_fee_minor")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise PaymentRefused("Your monthly fee is not set yet; please ask at the front desk.")
    max_tip, _ = money.tip_options(currency)
    return {"customer_id": customer_id, "period": period, "amount_minor": amount,
            "currency": currency, "max_tip_minor": max_tip, "status": "unpaid",
            "payment_id": None, "created_at": now}


def ensure_bill(db: firestore.Client, customer_id: str, customer: dict[str, Any], period: str,
                now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """The customer's bill for `period`, created on first request."""
    ref = db.collection(BILLS).document(bill_id(customer_id, period))
    snapshot = ref.get()
    if snapshot.exists:
        return ref.id, snapshot.to_dict() or {}
    bill = new_bill(customer_id, customer, period, now or datetime.now(UTC))
    try:
        ref.create(bill)
        logger.info("bill created bill_id=%s amount_minor=%d currency=%s", ref.id,
                    bill["amount_minor"], bill["currency"])
    except gexc.AlreadyExists:
        return ref.id, ref.get().to_dict() or {}
    return ref.id, bill


def invoice_request(bill_ref_id: str, bill: dict[str, Any]) -> dict[str, Any]:
    """sendInvoice fields for a bill, validated (raises InvalidAmount before anything is sent)."""
    currency = bill["currency"]
    max_tip, suggested = money.tip_options(currency)
    max_tip = min(max_tip, int(bill.get("max_tip_minor", max_tip)))
    suggested = [tip for tip in suggested if tip <= max_tip]
    fields = money.invoice_fields(bill["amount_minor"], currency, max_tip, suggested)
    label = f"Membership {bill['period']}"
    request: dict[str, Any] = {
        "title": f"GymIoT membership {bill['period']}",
        "description": f"Monthly fee for {bill['period']}: "
                       f"{money.format_amount(bill['amount_minor'], currency)}. A tip is welcome.",
        "payload": invoice_payload(bill_ref_id),
        "currency": currency,
        "prices": [(label, fields["total_amount"])],
    }
    for key in ("max_tip_amount", "suggested_tip_amounts"):
        if key in fields:
            request[key] = fields[key]
    return request


def check_payment(bill: dict[str, Any] | None, customer_id: str, currency: str,
                  total_minor: int, payment_id: str | None = None) -> int:
    """The tip in a payment of `total_minor` for `bill`; PaymentRefused with a readable reason."""
    if bill is None:
        raise PaymentRefused("This invoice is no longer valid. Send /pay for a new one.")
    if bill.get("customer_id") != customer_id:
        raise PaymentRefused("This invoice belongs to another account.")
    claimed = bill.get("payment_id")
    if bill.get("status") == "paid" or (claimed and claimed != payment_id):
        raise PaymentRefused(f"Your bill for {bill.get('period')} is already paid. Thank you!")
    if currency != bill.get("currency"):
        raise PaymentRefused(
            f"This invoice is in {bill.get('currency')}, not {currency}. Send /pay again."
        )
    tip = total_minor - int(bill["amount_minor"])
    if tip < 0:
        raise PaymentRefused("The amount does not match your bill. Send /pay again.")
    max_tip = int(bill.get("max_tip_minor") or 0)
    if tip > max_tip:
        raise PaymentRefused(
            f"The tip is above the maximum of {money.format_amount(max_tip, currency)}."
        )
    return tip


def check_pre_checkout(db: firestore.Client, payload: str, customer_id: str | None,
                       currency: str, total_minor: int) -> int:
    """Whether a checkout may go on (returns the tip); PaymentRefused otherwise."""
    if customer_id is None:
        raise PaymentRefused("Your Telegram account is not linked yet: send /start <code>.")
    name = bill_from_payload(payload)
    if name is None:
        raise PaymentRefused("This invoice is not one of ours. Send /pay for a new one.")
    snapshot = db.collection(BILLS).document(name).get()
    return check_payment(snapshot.to_dict() if snapshot.exists else None, customer_id,
                         currency, total_minor)


@dataclass(frozen=True)
class RecordedPayment:
    """A successful payment after recording: new or seen before, and whether it is suspicious."""

    payment_id: str
    payment: dict[str, Any]
    created: bool

    @property
    def flagged(self) -> bool:
        return self.payment.get("status") in ("duplicate_charge", "needs_review")


def record_payment(db: firestore.Client, charge_id: str, provider_charge_id: str, payload: str,
                   customer_id: str | None, currency: str, total_minor: int, chat_id: int,
                   now: datetime | None = None) -> RecordedPayment:
    """Record a successful payment once, keyed by Telegram's charge id; claim its bill."""
    now = now or datetime.now(UTC)
    pay_ref = db.collection(PAYMENTS).document(charge_id)
    name = bill_from_payload(payload) or ""
    bill_ref = db.collection(BILLS).document(name) if name else None

    @firestore.transactional
    def record(transaction: firestore.Transaction) -> RecordedPayment:
        existing = pay_ref.get(transaction=transaction)
        if existing.exists:
            return RecordedPayment(charge_id, existing.to_dict() or {}, created=False)
        bill_snapshot = bill_ref.get(transaction=transaction) if bill_ref else None
        bill = bill_snapshot.to_dict() if bill_snapshot and bill_snapshot.exists else None
        payment: dict[str, Any] = {
            "bill_id": name, "customer_id": customer_id, "chat_id": chat_id,
            "currency": currency, "total_minor": total_minor,
            "provider_payment_charge_id": provider_charge_id, "created_at": now,
            "period": (bill or {}).get("period"),
            "amount_minor": int((bill or {}).get("amount_minor", total_minor)),
            "execution": None,
        }
        try:
            payment["tip_minor"] = check_payment(bill, customer_id or "", currency, total_minor,
                                                 charge_id)
            payment["status"] = "received"
            transaction.update(bill_ref, {"payment_id": charge_id, "claimed_at": now})
        except PaymentRefused as refused:
            payment["tip_minor"] = max(0, total_minor - payment["amount_minor"])
            already = bill is not None and (bill.get("status") == "paid"
                                            or bill.get("payment_id"))
            payment["status"] = "duplicate_charge" if already else "needs_review"
            payment["flag_reason"] = str(refused)
        transaction.create(pay_ref, payment)
        return RecordedPayment(charge_id, payment, created=True)

    outcome = record(db.transaction())
    logger.info("payment %s payment_id=%s bill_id=%s status=%s total_minor=%d",
                "recorded" if outcome.created else "seen before", charge_id, name,
                outcome.payment.get("status"), total_minor)
    return outcome


def set_execution(db: firestore.Client, payment_id: str, execution: str) -> None:
    """Keep the name of the process-payment execution on the payment."""
    db.collection(PAYMENTS).document(payment_id).update(
        {"execution": execution, "execution_started_at": datetime.now(UTC)})


def unstarted_payments(db: firestore.Client) -> list[str]:
    """Recorded payments whose process-payment run was never started (e.g. the start failed)."""
    query = db.collection(PAYMENTS).where(filter=firestore.FieldFilter("execution", "==", None))
    return [snapshot.id for snapshot in query.stream()
            if (snapshot.to_dict() or {}).get("status") == "received"]


def flag_to_manager(db: firestore.Client, settings: Settings, recorded: RecordedPayment) -> None:
    """Email the manager about a charge that must be looked at (for example a second charge)."""
    payment = recorded.payment
    if payment.get("flag_emailed_at"):
        return
    amount = money.format_amount(int(payment["total_minor"]), payment["currency"])
    send_mail(
        settings, settings.manager_email,
        f"[GymIoT] Payment to check: {amount} from {payment.get('customer_id')}",
        f"Telegram charge {recorded.payment_id} of {amount} from customer "
        f"{payment.get('customer_id')} for bill {payment.get('bill_id')} was not applied:\n"
        f"{payment.get('flag_reason')}\n\nRefund it or apply it by hand.",
        message_id=f"payment-flag-{recorded.payment_id}",
    )
    db.collection(PAYMENTS).document(recorded.payment_id).update(
        {"flag_emailed_at": datetime.now(UTC)})
    logger.warning("payment flagged to manager payment_id=%s status=%s", recorded.payment_id,
                   payment.get("status"))


def load_payment(db: firestore.Client, payment_id: str) -> dict[str, Any]:
    """The payment document; LookupError when there is none."""
    snapshot = db.collection(PAYMENTS).document(payment_id).get()
    if not snapshot.exists:
        raise LookupError(f"payment_id: no payment {payment_id!r}")
    return snapshot.to_dict() or {}


def mark_bill_paid(db: firestore.Client, payment_id: str, now: datetime | None = None
                   ) -> dict[str, Any]:
    """Mark the payment's bill paid and give it an invoice number; a repeat changes nothing."""
    now = now or datetime.now(UTC)
    pay_ref = db.collection(PAYMENTS).document(payment_id)

    @firestore.transactional
    def mark(transaction: firestore.Transaction) -> dict[str, Any]:
        snapshot = pay_ref.get(transaction=transaction)
        if not snapshot.exists:
            raise LookupError(f"payment_id: no payment {payment_id!r}")
        payment = snapshot.to_dict() or {}
        if payment.get("status") not in ("received", "paid"):
            raise PaymentRefused(f"payment {payment_id} is {payment.get('status')}, not applied")
        result = {"payment_id": payment_id, "bill_id": payment["bill_id"],
                  "tip_minor": int(payment.get("tip_minor", 0)),
                  "invoice_number": payment.get("invoice_number"), "changed": False}
        if payment.get("bill_marked_paid_at"):
            return result
        year = now.year
        counter_ref = db.collection("counters").document(f"invoices-{year}")
        counter = counter_ref.get(transaction=transaction)
        number = int((counter.to_dict() or {}).get("last", 0)) + 1 if counter.exists else 1
        invoice_number = f"INV-{year}-{number:06d}"
        transaction.set(counter_ref, {"last": number, "updated_at": now})
        transaction.update(db.collection(BILLS).document(payment["bill_id"]), {
            "status": "paid", "paid_at": now, "payment_id": payment_id,
            "tip_minor": result["tip_minor"], "total_minor": payment["total_minor"],
            "invoice_number": invoice_number,
        })
        transaction.update(pay_ref, {"status": "paid", "bill_marked_paid_at": now,
                                     "invoice_number": invoice_number})
        return {**result, "invoice_number": invoice_number, "changed": True}

    result = mark(db.transaction())
    logger.info("bill paid bill_id=%s payment_id=%s invoice=%s changed=%s", result["bill_id"],
                payment_id, result["invoice_number"], result["changed"])
    return result


def tip_note(customer_name: str, customer_id: str, tip_minor: int, currency: str,
             period: str | None) -> tuple[str, str]:
    """Subject and text of the manager's email about a tip."""
    tip = money.format_amount(tip_minor, currency)
    subject = f"[GymIoT] Tip of {tip} from {customer_name}"
    text = (f"{customer_name} ({customer_id}) paid the bill for {period} with a tip of {tip}.\n"
            "Say thank you next time you see them!")
    return subject, text


def email_tip_note(db: firestore.Client, settings: Settings, payment_id: str) -> dict[str, Any]:
    """Email the manager who tipped and how much, once per payment; nothing when no tip."""
    payment = load_payment(db, payment_id)
    tip_minor = int(payment.get("tip_minor", 0))
    if tip_minor <= 0 or payment.get("tip_note_emailed_at"):
        return {"payment_id": payment_id, "sent": False, "tip_minor": tip_minor}
    customer_id = str(payment.get("customer_id"))
    customer = db.collection("customers").document(customer_id).get().to_dict() or {}
    subject, text = tip_note(str(customer.get("name") or customer_id), customer_id, tip_minor,
                             payment["currency"], payment.get("period"))
    send_mail(settings, settings.manager_email, subject, text,
              message_id=f"tip-{payment_id}")
    db.collection(PAYMENTS).document(payment_id).update({"tip_note_emailed_at":
                                                         datetime.now(UTC)})
    logger.info("tip note emailed payment_id=%s customer_id=%s tip_minor=%d", payment_id,
                customer_id, tip_minor)
    return {"payment_id": payment_id, "sent": True, "tip_minor": tip_minor}
