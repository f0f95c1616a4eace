"""One callback per command or update; state lives in Firestore, never in the bot's memory."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from typing import Any

from telegram import LabeledPrice, Update
from telegram.ext import ContextTypes

from bot.training import as_messages, card_text, load_card, record_reps, reps_reply
from bot.workflow import start_process_payment
from gymiot import clients, money, payments
from gymiot.config import settings
from gymiot.errors import InvalidAmount, InvalidCardChange, InvalidLinkCode, PaymentRefused
from gymiot.linking import customer_for_chat, redeem_link_code

logger = logging.getLogger(__name__)

HELP = (
    "GymIoT bot commands:\n"
    "/start <code> - link your Telegram account (get the code on the dashboard)\n"
    "/card - your training card\n"
    "/reps <exercise> <n> - log reps, e.g. /reps bench-press 12\n"
    "/pay - pay this month's bill (a tip is welcome)\n"
    "/help - this list"
)
NOT_LINKED = "Your Telegram account is not linked yet. Get a code on the dashboard and send " \
             "/start <code>."
CHECK_FAILED = "Sorry, we could not check your bill right now. Please try again in a minute."


async def _customer(update: Update) -> tuple[str, dict[str, Any]] | None:
    """The customer linked to this chat; tells the user how to link when there is none."""
    chat = update.effective_chat
    found = await asyncio.to_thread(customer_for_chat, clients.db(), chat.id) if chat else None
    if found is None and update.effective_message:
        await update.effective_message.reply_text(NOT_LINKED)
    return found


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Links the Telegram account to a customer with the dashboard's one-time code."""
    message = update.effective_message
    if not context.args:
        await message.reply_text("Welcome to GymIoT! " + NOT_LINKED)
        return
    user_id = update.effective_user.id if update.effective_user else None
    try:
        customer_id = await asyncio.to_thread(
            redeem_link_code, clients.db(), context.args[0], update.effective_chat.id, user_id)
    except InvalidLinkCode as exc:
        await message.reply_text(str(exc))
        return
    await message.reply_text(f"Your Telegram account is now linked to GymIoT customer "
                             f"{customer_id}. Send /help to see what I can do.")


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the commands."""
    await update.effective_message.reply_text(HELP)


async def card_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the customer's training card."""
    found = await _customer(update)
    if found is None:
        return
    card = await asyncio.to_thread(load_card, clients.db(), found[0])
    if card is None:
        await update.effective_message.reply_text("You have no training card yet; ask at the "
                                                  "front desk.")
        return
    for chunk in as_messages(card_text(card)):
        await update.effective_message.reply_text(chunk, parse_mode="HTML")


async def reps_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs reps of an exercise on the training card."""
    found = await _customer(update)
    if found is None:
        return
    message = update.effective_message
    if len(context.args or []) != 2 or not context.args[1].isdigit():
        await message.reply_text("Send /reps <exercise> <n>, for example /reps bench-press 12.")
        return
    exercise, reps = context.args[0], int(context.args[1])
    try:
        result = await asyncio.to_thread(record_reps, clients.db(), found[0], exercise, reps)
    except InvalidCardChange as exc:
        await message.reply_text(f"Not logged: {exc}.")
        return
    for chunk in as_messages(reps_reply(result, exercise, reps)):
        await message.reply_text(chunk, parse_mode="HTML")


async def pay_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends the invoice of this month's bill."""
    found = await _customer(update)
    if found is None:
        return
    customer_id, customer = found
    message = update.effective_message
    period = payments.billing_period(datetime.now(UTC), settings().timezone)
    try:
        bill_id, bill = await asyncio.to_thread(payments.ensure_bill, clients.db(), customer_id,
                                                customer, period)
        payments.check_payment(bill, customer_id, bill["currency"], bill["amount_minor"])
        invoice = payments.invoice_request(bill_id, bill)
    except PaymentRefused as exc:
        await message.reply_text(str(exc))
        return
    except InvalidAmount as exc:
        logger.warning("invoice refused before sending customer_id=%s bill_id=%s reason=%s",
                       customer_id, payments.bill_id(customer_id, period), exc)
        await message.reply_text("Sorry, this bill cannot be paid in Telegram "
                                  f"({exc}). Please pay at the front desk.")
        return
    extra = {key: invoice[key] for key in ("max_tip_amount", "suggested_tip_amounts")
             if key in invoice}
    await context.bot.send_invoice(
        chat_id=update.effective_chat.id, title=invoice["title"],
        description=invoice["description"], payload=invoice["payload"],
        provider_token=os.environ.get("TELEGRAM_PAYMENT_PROVIDER_TOKEN", ""),
        currency=invoice["currency"],
        prices=[LabeledPrice(label, amount) for label, amount in invoice["prices"]], **extra,
    )
    logger.info("invoice sent customer_id=%s bill_id=%s amount_minor=%d currency=%s",
                customer_id, bill_id, bill["amount_minor"], bill["currency"])


async def precheckout_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the checkout: ok only for this customer's unpaid bill at the invoiced amount."""
    query = update.pre_checkout_query
    try:
        found = await asyncio.to_thread(customer_for_chat, clients.db(), query.from_user.id)
        await asyncio.to_thread(payments.check_pre_checkout, clients.db(), query.invoice_payload,
                                found[0] if found else None, query.currency, query.total_amount)
    except PaymentRefused as exc:
        logger.info("checkout refused user_id=%s payload=%s reason=%s", query.from_user.id,
                    query.invoice_payload, exc)
        await query.answer(ok=False, error_message=str(exc))
        return
    except Exception:
        # Telegram gives us 10 s: answer now rather than leave the customer waiting.
        logger.exception("checkout check failed user_id=%s payload=%s", query.from_user.id,
                         query.invoice_payload)
        await query.answer(ok=False, error_message=CHECK_FAILED)
        return
    await query.answer(ok=True)


async def successful_payment_callback(update: Update, context: ContextTypes.DEFAULT_TYPE
                                      ) -> None:
    """Records the payment once and starts the process-payment workflow."""
    message = update.effective_message
    paid = message.successful_payment
    db = clients.db()
    found = await asyncio.to_thread(customer_for_chat, db, message.chat.id)
    recorded = await asyncio.to_thread(
        payments.record_payment, db, paid.telegram_payment_charge_id,
        paid.provider_payment_charge_id, paid.invoice_payload, found[0] if found else None,
        paid.currency, paid.total_amount, message.chat.id)
    if recorded.flagged:
        await asyncio.to_thread(payments.flag_to_manager, db, settings(), recorded)
        if recorded.created:
            await message.reply_text("We received this payment but your bill was already paid."
                                     " The manager has been told and will refund it.")
        return
    if recorded.payment.get("execution"):
        logger.info("payment already processed payment_id=%s", recorded.payment_id)
        return
    total = money.format_amount(paid.total_amount, paid.currency)
    try:
        await process_payment(recorded.payment_id)
    except Exception:
        # The payment is recorded; resume_payments starts its workflow when the bot restarts.
        logger.exception("process-payment not started payment_id=%s", recorded.payment_id)
        await message.reply_text(f"Thank you! Your payment of {total} is received. Your "
                                 "invoice will follow by email a little later.")
        return
    if recorded.created:
        await message.reply_text(f"Thank you! Your payment of {total} is received; the invoice "
                                 "is on its way to your email.")


async def process_payment(payment_id: str) -> None:
    """Start process-payment for a recorded payment and keep the execution on it."""
    execution = await asyncio.to_thread(start_process_payment, settings().project_id,
                                        payment_id)
    await asyncio.to_thread(payments.set_execution, clients.db(), payment_id, execution)


async def resume_payments() -> None:
    """Start the workflow of payments recorded while it could not be started."""
    for payment_id in await asyncio.to_thread(payments.unstarted_payments, clients.db()):
        try:
            await process_payment(payment_id)
        except Exception:
            logger.exception("process-payment still not started payment_id=%s", payment_id)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a command the bot does not know."""
    await update.effective_message.reply_text("Sorry, I don't know that command. " + HELP)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers plain text: the bot works with commands."""
    await update.effective_message.reply_text("I work with commands only. " + HELP)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the error and tells the customer politely."""
    logger.error("update failed update=%s", update, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id,
                                           "Sorry, something went wrong on our side. Please try "
                                           "again in a moment.")
        except Exception:  # the apology itself may fail (e.g. the bot was blocked)
            logger.warning("could not send the apology chat_id=%s", update.effective_chat.id)
