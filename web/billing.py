"""Bills and payments as the dashboard shows them (the payment pipeline writes them).

Bills are `bills/{customer_id}_{YYYY-MM}` (amount_minor, currency, status, period and, once
invoiced, `invoice_pdf`: the PDF's bytes or a URL). Payments are `payments/{charge_id}`.
Amounts stay integers in minor units until formatted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from gymiot.money import format_amount

PAID = "paid"


def money(minor: Any, currency: Any) -> str:
    """An amount in minor units as text; shows a dash for a missing or unusable amount."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        return "—"
    try:
        return format_amount(minor, str(currency or "EUR"))
    except Exception:  # an unknown currency still shows its integer amount
        return f"{minor} {currency} (minor units)"


def bill_id(customer_id: str, period: str) -> str:
    return f"{customer_id}_{period}"


def customer_bills_query(db: firestore.Client, customer_id: str) -> firestore.Query:
    """The customer's bills by document id prefix (`{customer_id}_`), whatever their fields."""
    bills = db.collection("bills")
    return (bills.where(filter=firestore.FieldFilter(FieldPath.document_id(), ">=",
                                                     bills.document(f"{customer_id}_")))
            .where(filter=firestore.FieldFilter(FieldPath.document_id(), "<",
                                                bills.document(f"{customer_id}`"))))


def bill_rows(bills: Iterable[Mapping[str, Any]], customer_id: str) -> list[dict[str, Any]]:
    """Bills newest period first, with a readable amount and where their invoice is."""
    rows = []
    for bill in bills:
        bill_key = str(bill.get("id", ""))
        period = str(bill.get("period") or bill_key.removeprefix(f"{customer_id}_"))
        pdf = bill.get("invoice_pdf")
        tip = bill.get("tip_minor")
        rows.append({
            "id": bill_key, "period": period,
            "amount": money(bill.get("amount_minor"), bill.get("currency")),
            "tip": money(tip, bill.get("currency")) if isinstance(tip, int) and tip else None,
            "invoice_number": bill.get("invoice_number"),
            "status": str(bill.get("status", "unpaid")),
            "paid": bill.get("status") == PAID,
            "invoice_url": pdf if isinstance(pdf, str) and pdf.startswith("http") else
            (f"/customers/{customer_id}/bills/{period}/invoice.pdf" if pdf else None),
        })
    return sorted(rows, key=lambda row: row["period"], reverse=True)


def invoice_bytes(bill: Mapping[str, Any] | None) -> bytes | None:
    """The stored PDF of a bill, when it holds the bytes themselves."""
    pdf = (bill or {}).get("invoice_pdf")
    return bytes(pdf) if isinstance(pdf, bytes | bytearray) else None


def payment_rows(payments: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Payments newest first: who, which period, amount and tip."""
    rows = []
    for payment in payments:
        currency = payment.get("currency", "EUR")
        total = payment.get("total_minor", payment.get("amount_minor"))
        tip = payment.get("tip_minor", 0)
        rows.append({
            "id": str(payment.get("id", "")),
            "customer_id": str(payment.get("customer_id", "")),
            "period": str(payment.get("period", "")),
            "amount": money(payment.get("amount_minor"), currency),
            "tip": money(tip, currency) if tip else "—",
            "total": money(total, currency),
            "tip_minor": tip if isinstance(tip, int) else 0,
            "status": str(payment.get("status", "")),
            "when": str(payment.get("paid_at") or payment.get("created_at") or "")[:19],
        })
    return sorted(rows, key=lambda row: row["when"], reverse=True)


def tips_total(rows: Iterable[Mapping[str, Any]]) -> int:
    return sum(row["tip_minor"] for row in rows)
