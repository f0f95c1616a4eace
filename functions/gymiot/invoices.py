"""PDF invoices for paid bills, emailed to the customer once per payment."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF
from google.cloud import firestore

from gymiot import money
from gymiot.config import Settings
from gymiot.errors import PaymentRefused
from gymiot.mail import Attachment, send_mail
from gymiot.payments import PAYMENTS, load_payment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount_minor: int


@dataclass(frozen=True)
class Invoice:
    """What an invoice shows; amounts in minor units of `currency`."""

    number: str
    issued_on: str
    period: str
    customer_id: str
    customer_name: str
    customer_email: str
    currency: str
    lines: tuple[InvoiceLine, ...]
    payment_id: str

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)


def invoice_for(payment_id: str, payment: dict[str, Any], customer: dict[str, Any],
                issued_on: str) -> Invoice:
    """The invoice of a paid payment: the membership line and, if any, the tip line."""
    lines = [InvoiceLine(f"Membership fee {payment.get('period')}",
                         int(payment["amount_minor"]))]
    if int(payment.get("tip_minor", 0)) > 0:
        lines.append(InvoiceLine("Tip (thank you!)", int(payment["tip_minor"])))
    return Invoice(
        number=str(payment["invoice_number"]), issued_on=issued_on,
        period=str(payment.get("period")), customer_id=str(payment.get("customer_id")),
        customer_name=str(customer.get("name") or payment.get("customer_id")),
        customer_email=str(customer.get("email") or ""), currency=payment["currency"],
        lines=tuple(lines), payment_id=payment_id,
    )


def _latin1(text: str) -> str:
    """The PDF core fonts cover Latin-1 only; other characters become '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def invoice_pdf(invoice: Invoice) -> bytes:
    """A one-page A4 PDF of the invoice."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author("GymIoT")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 12, "GymIoT - Invoice", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for label, value in (
        ("Invoice number", invoice.number), ("Issued on", invoice.issued_on),
        ("Period", invoice.period), ("Customer", f"{invoice.customer_name} "
                                                 f"({invoice.customer_id})"),
        ("Email", invoice.customer_email), ("Currency", invoice.currency),
        ("Telegram payment", invoice.payment_id),
    ):
        pdf.cell(45, 7, _latin1(label + ":"))
        pdf.cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(130, 8, "Description", border="B")
    pdf.cell(0, 8, "Amount", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for line in invoice.lines:
        pdf.cell(130, 8, _latin1(line.description))
        pdf.cell(0, 8, money.format_amount(line.amount_minor, invoice.currency), align="R",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(130, 10, "Total paid", border="T")
    pdf.cell(0, 10, money.format_amount(invoice.total_minor, invoice.currency), border="T",
             align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def invoice_text(invoice: Invoice) -> str:
    """The plain-text body of the invoice email."""
    lines = "\n".join(f"  {line.description}: "
                      f"{money.format_amount(line.amount_minor, invoice.currency)}"
                      for line in invoice.lines)
    return (f"Hello {invoice.customer_name},\n\nthank you for your payment. Your invoice "
            f"{invoice.number} for {invoice.period} is attached.\n\n{lines}\n  Total paid: "
            f"{money.format_amount(invoice.total_minor, invoice.currency)}\n\nGymIoT")


def email_invoice(db: firestore.Client, settings: Settings, payment_id: str,
                  now: datetime | None = None) -> dict[str, Any]:
    """Email the customer the PDF invoice of a paid bill, once per payment."""
    payment = load_payment(db, payment_id)
    if payment.get("invoice_emailed_at"):
        return {"payment_id": payment_id, "sent": False}
    if not payment.get("invoice_number"):
        raise PaymentRefused(f"payment {payment_id}: bill not marked paid yet")
    customer = (db.collection("customers").document(str(payment.get("customer_id"))).get()
                .to_dict() or {})
    if not customer.get("email"):
        raise PaymentRefused(f"customer {payment.get('customer_id')} has no email address")
    now = now or datetime.now(UTC)
    invoice = invoice_for(payment_id, payment, customer,
                          now.astimezone(settings.timezone).date().isoformat())
    # Sent before the flag is set: a crash in between sends the invoice twice on the retry,
    # which is better than never sending it (SMTP gives us no idempotency key to dedupe on).
    send_mail(settings, customer["email"], f"[GymIoT] Invoice {invoice.number} for "
              f"{invoice.period}", invoice_text(invoice),
              attachments=[Attachment(f"{invoice.number}.pdf", invoice_pdf(invoice))],
              message_id=f"invoice-{payment_id}")
    db.collection(PAYMENTS).document(payment_id).update({"invoice_emailed_at": now})
    logger.info("invoice emailed payment_id=%s invoice=%s customer_id=%s", payment_id,
                invoice.number, invoice.customer_id)
    return {"payment_id": payment_id, "sent": True, "invoice_number": invoice.number}
