"""Bot API methods the GymIoT bot uses, control endpoints that play customers, and a chat page."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from emulators.telegram.state import BOT_USER, MAX_TEXT, BotApiError, BotState

logger = logging.getLogger(__name__)

STATE_KEY = web.AppKey("state", BotState)
#: Parameters sent as plain strings (python-telegram-bot JSON-encodes every other value).
STRING_FIELDS = {
    "text", "title", "description", "payload", "provider_token", "currency", "error_message",
    "pre_checkout_query_id", "parse_mode", "start_parameter", "photo_url", "provider_data",
    "language_code", "url", "secret_token", "callback_query_id", "business_connection_id",
}
#: Currencies the stand-in takes and their smallest total, as Telegram's currencies.json.
MIN_AMOUNTS = {"EUR": 100, "USD": 100, "GBP": 100, "CHF": 100, "JPY": 150, "SEK": 1000,
               "PLN": 400, "CZK": 2300, "HUF": 36000, "KRW": 1300}
#: Currencies without a minor unit (Telegram's currencies.json "exp": 0); the rest have two.
NO_MINOR_UNIT = {"JPY", "KRW"}
CHECKOUT_TIMEOUT_S = 10.0

Method = Callable[[BotState, dict[str, Any]], Awaitable[Any]]


def _money(minor: int, currency: str) -> str:
    """An amount in minor units as the Telegram app shows it: 49.90 EUR, 5000 JPY."""
    digits = 0 if currency in NO_MINOR_UNIT else 2
    return f"{Decimal(minor).scaleb(-digits):.{digits}f} {currency}"


async def _params(request: web.Request) -> dict[str, Any]:
    """Method parameters from a query string, a form or a JSON body."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
            return params
        params.update(await request.post())
    for key, value in list(params.items()):
        if isinstance(value, str) and key not in STRING_FIELDS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
    return params


async def get_me(state: BotState, params: dict[str, Any]) -> Any:
    return BOT_USER


async def get_updates(state: BotState, params: dict[str, Any]) -> Any:
    return await state.get_updates(params.get("offset"), int(params.get("limit") or 100),
                                   float(params.get("timeout") or 0))


async def send_message(state: BotState, params: dict[str, Any]) -> Any:
    chat = state.known_chat(params.get("chat_id"))
    text = params.get("text") or ""
    if not text.strip():
        raise BotApiError(400, "Bad Request: message text is empty")
    if len(text) > MAX_TEXT:
        raise BotApiError(400, "Bad Request: message is too long")
    state.log(chat, "out", "text", text)
    return state.new_message(chat, BOT_USER, text=text)


def _check_invoice(params: dict[str, Any]) -> int:
    """Validate sendInvoice as Telegram does; returns the total in minor units."""
    currency = params.get("currency")
    if currency not in MIN_AMOUNTS:
        raise BotApiError(400, "Bad Request: CURRENCY_INVALID")
    prices = params.get("prices")
    if not isinstance(prices, list) or not prices:
        raise BotApiError(400, "Bad Request: PRICES_INVALID")
    total = sum(int(p["amount"]) for p in prices)
    if total < MIN_AMOUNTS[currency]:
        raise BotApiError(400, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID")
    max_tip = params.get("max_tip_amount", 0)
    if "suggested_tip_amounts" in params:
        tips = params["suggested_tip_amounts"]
        if (not isinstance(tips, list) or not tips or len(tips) > 4
                or any(t <= 0 or t > max_tip for t in tips)
                or any(b <= a for a, b in zip(tips, tips[1:], strict=False))):
            raise BotApiError(400, "Bad Request: SUGGESTED_TIP_AMOUNTS_INVALID")
    return total


async def send_invoice(state: BotState, params: dict[str, Any]) -> Any:
    chat = state.known_chat(params.get("chat_id"))
    for key in ("title", "description", "payload", "currency", "prices"):
        if not params.get(key):
            raise BotApiError(400, f"Bad Request: {key} is empty")
    total = _check_invoice(params)
    invoice = {"title": params["title"], "description": params["description"],
               "start_parameter": params.get("start_parameter", ""),
               "currency": params["currency"], "total_amount": total}
    chat.last_invoice = {**params, "total_amount": total}
    state.log(chat, "out", "invoice", f"{params['title']}: {_money(total, params['currency'])}",
              params=params)
    return state.new_message(chat, BOT_USER, invoice=invoice)


async def answer_pre_checkout_query(state: BotState, params: dict[str, Any]) -> Any:
    ok = params.get("ok")
    if ok is not True and not params.get("error_message"):
        raise BotApiError(400, "Bad Request: error_message is required when ok is false")
    state.answer_checkout(str(params.get("pre_checkout_query_id")),
                          {"ok": ok is True, "error_message": params.get("error_message")})
    return True


async def accept(state: BotState, params: dict[str, Any]) -> Any:
    """Methods that only configure the bot (commands, webhook): accepted and ignored."""
    return True


METHODS: dict[str, Method] = {
    "getme": get_me, "getupdates": get_updates, "sendmessage": send_message,
    "sendinvoice": send_invoice, "answerprecheckoutquery": answer_pre_checkout_query,
    "setmycommands": accept, "deletewebhook": accept, "deletemycommands": accept,
    "setchatmenubutton": accept, "close": accept, "logout": accept,
}


async def bot_method(request: web.Request) -> web.Response:
    """POST|GET /bot<token>/<method>"""
    method = METHODS.get(request.match_info["method"].lower())
    if method is None:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"},
                                 status=404)
    try:
        result = await method(request.app[STATE_KEY], await _params(request))
    except BotApiError as exc:
        logger.info("bot method %s refused: %s", request.match_info["method"], exc.description)
        return web.json_response({"ok": False, "error_code": exc.code,
                                  "description": exc.description}, status=exc.code)
    return web.json_response({"ok": True, "result": result})


# Control endpoints ------------------------------------------------------------------------


async def _control_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    if not isinstance(body, dict) or "chat_id" not in body:
        raise web.HTTPBadRequest(text="chat_id is required")
    return body


async def customer_message(request: web.Request) -> web.Response:
    """POST /control/messages {chat_id, text, first_name?}: a customer writes to the bot."""
    state = request.app[STATE_KEY]
    body = await _control_body(request)
    chat = state.chat(int(body["chat_id"]), body.get("first_name"))
    text = str(body.get("text", ""))
    message = state.new_message(chat, chat.as_user(), text=text)
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    state.log(chat, "in", "text", text)
    update = await state.push({"message": message})
    return web.json_response({"update_id": update["update_id"],
                              "message_id": message["message_id"]})


async def customer_payment(request: web.Request) -> web.Response:
    """POST /control/payments {chat_id, tip_minor?, charge_id?}: pay the chat's last invoice.

    Sends the pre-checkout query (it carries no chat, as in Telegram) and waits up to 10 s for
    the answer; when it is ok, sends the successful-payment message.
    """
    state = request.app[STATE_KEY]
    body = await _control_body(request)
    chat = state.chat(int(body["chat_id"]))
    invoice = chat.last_invoice
    if invoice is None:
        raise web.HTTPConflict(text=f"chat {chat.chat_id} has no invoice to pay")
    tip = int(body.get("tip_minor", 0))
    if tip < 0 or tip > int(invoice.get("max_tip_amount", 0)):
        raise web.HTTPBadRequest(text=f"tip {tip} is above max_tip_amount "
                                      f"{invoice.get('max_tip_amount', 0)}")
    total = int(invoice["total_amount"]) + tip
    query_id, answer = state.open_checkout()
    started = time.monotonic()
    await state.push({"pre_checkout_query": {
        "id": query_id, "from": chat.as_user(), "currency": invoice["currency"],
        "total_amount": total, "invoice_payload": invoice["payload"],
    }})
    try:
        outcome = await asyncio.wait_for(answer, CHECKOUT_TIMEOUT_S)
    except TimeoutError:
        state.checkouts.pop(query_id, None)
        state.log(chat, "in", "checkout", "checkout timed out: the bot did not answer in 10 s")
        return web.json_response({"answered": False, "ok": False, "seconds": CHECKOUT_TIMEOUT_S})
    seconds = round(time.monotonic() - started, 3)
    result: dict[str, Any] = {"answered": True, "ok": outcome["ok"], "seconds": seconds,
                              "error_message": outcome["error_message"], "total_amount": total}
    if not outcome["ok"]:
        state.log(chat, "in", "checkout", f"checkout refused: {outcome['error_message']}")
        return web.json_response(result)
    payment = {"currency": invoice["currency"], "total_amount": total,
               "invoice_payload": invoice["payload"],
               "telegram_payment_charge_id": body.get("charge_id") or f"tg-{uuid.uuid4().hex}",
               "provider_payment_charge_id": f"provider-{uuid.uuid4().hex[:12]}"}
    message = state.new_message(chat, chat.as_user(), successful_payment=payment)
    currency = invoice["currency"]
    state.log(chat, "in", "payment",
              f"paid {_money(total, currency)} (tip {_money(tip, currency)}), "
              f"charge {payment['telegram_payment_charge_id']}")
    update = await state.push({"message": message})
    result["update"] = update
    return web.json_response(result)


async def raw_update(request: web.Request) -> web.Response:
    """POST /control/updates {update}: deliver an update again (a new update_id), e.g. a replay."""
    update = await request.json()
    update.pop("update_id", None)
    pushed = await request.app[STATE_KEY].push(update)
    return web.json_response({"update_id": pushed["update_id"]})


async def block_chat(request: web.Request) -> web.Response:
    """POST /control/chats/{chat_id}/block: the customer blocks the bot (403 from then on)."""
    state = request.app[STATE_KEY]
    state.chat(int(request.match_info["chat_id"])).blocked = True
    return web.json_response({"blocked": True})


async def chat_messages(request: web.Request) -> web.Response:
    """GET /control/chats/{chat_id}/messages"""
    chat = request.app[STATE_KEY].chats.get(int(request.match_info["chat_id"]))
    return web.json_response(chat.messages if chat else [])


async def status(request: web.Request) -> web.Response:
    """GET /control/status: is a bot polling, and how many updates wait."""
    state = request.app[STATE_KEY]
    age = None if state.last_poll is None else round(time.monotonic() - state.last_poll, 1)
    polling = state.pollers > 0 or (age is not None and age < 5)
    return web.json_response({"bot_polling": polling, "seconds_since_poll": age,
                              "pending_updates": len(state.updates), "chats": len(state.chats)})


async def page(request: web.Request) -> web.Response:
    """GET /: every chat and its messages, newest chat first."""
    state = request.app[STATE_KEY]
    parts = ["<!doctype html><meta charset='utf-8'><title>Telegram stand-in</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
             ".in{color:#205}.out{color:#052}pre{white-space:pre-wrap;margin:0}</style>",
             "<h1>Telegram stand-in: chats with the GymIoT bot</h1>"]
    if not state.chats:
        parts.append("<p>No chats yet.</p>")
    for chat in reversed(list(state.chats.values())):
        parts.append(f"<h2>{html.escape(chat.first_name)} (chat {chat.chat_id})"
                     f"{' - blocked the bot' if chat.blocked else ''}</h2><table>")
        for message in chat.messages:
            when = time.strftime("%H:%M:%S", time.localtime(message["at"]))
            who = "customer" if message["direction"] == "in" else "bot"
            parts.append(f"<tr class='{message['direction']}'><td>{when}</td><td>{who}</td>"
                         f"<td>{message['kind']}</td><td><pre>{html.escape(message['text'])}"
                         "</pre></td></tr>")
        parts.append("</table>")
    return web.Response(text="\n".join(parts), content_type="text/html")


def create_app() -> web.Application:
    app = web.Application()
    app[STATE_KEY] = BotState()
    app.router.add_route("*", "/bot{token}/{method}", bot_method)
    app.router.add_post("/control/messages", customer_message)
    app.router.add_post("/control/payments", customer_payment)
    app.router.add_post("/control/updates", raw_update)
    app.router.add_post("/control/chats/{chat_id}/block", block_chat)
    app.router.add_get("/control/chats/{chat_id}/messages", chat_messages)
    app.router.add_get("/control/status", status)
    app.router.add_get("/", page)
    return app
