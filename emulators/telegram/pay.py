"""Play a customer paying this month's bill: ``python -m emulators.telegram.pay --customer c01``.

Through the Telegram stand-in only, the way a customer would: link the chat with a one-time code
if it is not linked yet (the code is issued as the dashboard does), send /pay, pay the invoice
with an optional tip, then wait for the workflow to mark the bill paid.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import urllib.request
import zlib
from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from emulators import suite

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions"))

from gymiot.linking import issue_link_code  # noqa: E402
from gymiot.money import format_amount  # noqa: E402

logger = logging.getLogger(__name__)


def chat_id_for(customer_id: str) -> int:
    """A stable, made-up Telegram chat id for a customer (private chat ids are positive)."""
    return 500_000_000 + zlib.crc32(customer_id.encode()) % 400_000_000


class StandIn:
    """The stand-in's control endpoints."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              timeout_s: float = 30) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.load(response)

    def say(self, chat_id: int, text: str, first_name: str = "Customer") -> None:
        self._call("POST", "/control/messages",
                   {"chat_id": chat_id, "text": text, "first_name": first_name})

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return self._call("GET", f"/control/chats/{chat_id}/messages")

    def pay(self, chat_id: int, tip_minor: int, charge_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"chat_id": chat_id, "tip_minor": tip_minor}
        if charge_id:
            body["charge_id"] = charge_id
        return self._call("POST", "/control/payments", body)

    def replay(self, update: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/control/updates", update)

    def wait_reply(self, chat_id: int, after: int, timeout_s: float = 20) -> dict[str, Any]:
        """The bot's first message in the chat after the first `after` messages."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            replies = [m for m in self.messages(chat_id)[after:] if m["direction"] == "out"]
            if replies:
                return replies[0]
            time.sleep(0.2)
        raise TimeoutError(f"the bot did not answer in chat {chat_id} within {timeout_s:.0f} s "
                           "(is `python -m bot` running against the stand-in?)")


def ensure_linked(db: firestore.Client, stand_in: StandIn, customer_id: str) -> int:
    """The customer's chat id, linking a made-up chat with a fresh code when needed."""
    customer = db.collection("customers").document(customer_id).get()
    if not customer.exists:
        raise SystemExit(f"no customer {customer_id!r} (seed data: make seed)")
    chat_id = (customer.to_dict() or {}).get("telegram_chat_id")
    if chat_id:
        return int(chat_id)
    chat_id = chat_id_for(customer_id)
    code = issue_link_code(db, customer_id)
    before = len(stand_in.messages(chat_id))
    stand_in.say(chat_id, f"/start {code.code}", str(customer.get("name") or customer_id))
    reply = stand_in.wait_reply(chat_id, before)
    logger.info("bot: %s", reply["text"])
    return chat_id


def pay_bill(db: firestore.Client, stand_in: StandIn, customer_id: str, tip_minor: int,
             wait_s: float) -> int:
    """Link if needed, ask for the invoice, pay it; 0 when the bill ends up paid."""
    chat_id = ensure_linked(db, stand_in, customer_id)
    before = len(stand_in.messages(chat_id))
    stand_in.say(chat_id, "/pay")
    reply = stand_in.wait_reply(chat_id, before)
    if reply["kind"] != "invoice":
        logger.info("bot: %s", reply["text"])
        return 1
    logger.info("invoice: %s", reply["text"])
    outcome = stand_in.pay(chat_id, tip_minor)
    if not outcome.get("ok"):
        logger.info("checkout refused: %s", outcome.get("error_message"))
        return 1
    charge_id = outcome["update"]["message"]["successful_payment"]["telegram_payment_charge_id"]
    currency = outcome["update"]["message"]["successful_payment"]["currency"]
    logger.info("paid %s (checkout answered in %.3f s), charge %s",
                format_amount(outcome["total_amount"], currency), outcome["seconds"], charge_id)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        payment = db.collection("payments").document(charge_id).get().to_dict() or {}
        if payment.get("invoice_emailed_at"):
            logger.info("bill %s paid, invoice %s emailed; inbox http://127.0.0.1:%d/",
                        payment["bill_id"], payment.get("invoice_number"), suite.MAIL_WEB_PORT)
            return 0
        time.sleep(0.5)
    logger.warning("payment recorded but not processed within %.0f s: check the workflows "
                   "emulator log", wait_s)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.telegram.pay", description=__doc__)
    parser.add_argument("--customer", required=True, help="customer id, e.g. c01")
    parser.add_argument("--tip", type=int, default=0, help="tip in minor units (500 = 5.00 EUR)")
    parser.add_argument("--stand-in", default=f"http://{suite.TELEGRAM}",
                        help="the Telegram stand-in's URL")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for the workflow")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    suite.use_local_suite()
    db = firestore.Client(project=suite.PROJECT_ID, credentials=AnonymousCredentials())
    return pay_bill(db, StandIn(args.stand_in), args.customer, args.tip, args.wait)


if __name__ == "__main__":
    sys.exit(main())
