"""The bot's Application: handlers registered in one place."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    CommandHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot import handlers

logger = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("start", "link your account with the dashboard's code"),
    BotCommand("card", "your training card"),
    BotCommand("reps", "log reps: /reps <exercise> <n>"),
    BotCommand("pay", "pay this month's bill"),
    BotCommand("help", "what the bot can do"),
]


async def _on_start(application: Application) -> None:
    await application.bot.set_my_commands(COMMANDS)
    await handlers.resume_payments()
    logger.info("bot ready username=%s", application.bot.username)


def build_application(token: str, api_base: str) -> Application:
    """The bot against `api_base` (https://api.telegram.org, or the local stand-in)."""
    api_base = api_base.rstrip("/")
    application = (
        Application.builder().token(token)
        .base_url(f"{api_base}/bot").base_file_url(f"{api_base}/file/bot")
        .post_init(_on_start)
        .build()
    )

    # Account linking and help.
    application.add_handler(CommandHandler("start", handlers.start_command))

    application.add_handler(CommandHandler("help", handlers.help_command))

    # Training card: show it, log reps.
    application.add_handler(CommandHandler("card", handlers.card_command))

    application.add_handler(CommandHandler("reps", handlers.reps_command))

    # Payment: the invoice, the checkout answer (no chat: outside any conversation), the payment.
    application.add_handler(CommandHandler("pay", handlers.pay_command))

    application.add_handler(PreCheckoutQueryHandler(handlers.precheckout_callback))

    application.add_handler(
        MessageHandler(filters.SUCCESSFUL_PAYMENT, handlers.successful_payment_callback))

    # Anything else gets a clear answer.
    application.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))

    application.add_handler(MessageHandler(filters.TEXT, handlers.text_message))

    # One error handler: log it, apologise.
    application.add_error_handler(handlers.error_handler)
    return application


def run(token: str, api_base: str) -> None:
    """Poll for updates until SIGINT/SIGTERM."""
    build_application(token, api_base).run_polling(allowed_updates=Update.ALL_TYPES)
