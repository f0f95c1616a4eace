"""A small Telegram Bot API client for sending messages: HTML, split at the limit, careful retries.

Texts go out with ``parse_mode=HTML``: plain text is escaped first (`as_html`), and a text longer
than Telegram's 4096 characters is split (`split_html`) at line ends where it can, never inside a
tag or an entity, with the tags open at a cut closed at the end of one part and opened again at
the start of the next. Errors are sorted by what a retry can change:

- 403 (the user blocked the bot, or the account is gone): ``unreachable``, never retried;
- 429: retried after the ``parameters.retry_after`` Telegram asks for (bounded);
- 5xx and network errors: a few retries with exponential backoff;
- any other 4xx: ``failed`` at once (a retry would get the same answer).
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and a Bot API URL carries the token.
logging.getLogger("httpx").setLevel(logging.WARNING)

MESSAGE_LIMIT = 4096
_ATOM = re.compile(r"<[^<>]*>|&#?\w+;|\n| |[^<&\n ]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)[^>]*?(/?)\s*>")

Status = Literal["sent", "unreachable", "failed"]


def as_html(text: str) -> str:
    """Plain text made safe for ``parse_mode=HTML`` (only <, > and & need escaping)."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units; an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _after(stack: list[tuple[str, str]], atom: str) -> list[tuple[str, str]]:
    """The open-tag stack after one atom."""
    match = _TAG.fullmatch(atom)
    if match is None or match.group(3):
        return stack
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        return [*stack, (name, atom)]
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == name:
            return stack[:index] + stack[index + 1:]
    return stack


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _visible(chunk: str) -> str:
    return re.sub(r"<[^<>]*>", "", chunk)


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into parts of at most `limit` UTF-16 units each.

    Cuts fall on a line end where one fits, else on a space, else between characters; never
    inside a tag or an entity. The separator at a cut is dropped, so when every cut fell on a line
    end and no tag was open across it, ``"\\n".join(parts) == text``.
    """
    if utf16_len(text) <= limit:
        return [text]
    atoms = _ATOM.findall(text)
    parts: list[str] = []
    open_at_start: list[tuple[str, str]] = []
    start = 0
    while start < len(atoms):
        prefix = "".join(tag for _, tag in open_at_start)
        stack = list(open_at_start)
        length = utf16_len(prefix)
        line_cut: tuple[int, list[tuple[str, str]]] | None = None
        space_cut: tuple[int, list[tuple[str, str]]] | None = None
        end = start
        while end < len(atoms):
            atom = atoms[end]
            grown = _after(stack, atom)
            if length + utf16_len(atom) + utf16_len(_closing(grown)) > limit:
                break
            if atom == "\n" and end > start:
                line_cut = (end, list(stack))
            elif atom == " " and end > start:
                space_cut = (end, list(stack))
            length += utf16_len(atom)
            stack = grown
            end += 1
        if end == len(atoms):
            parts.append(prefix + "".join(atoms[start:]) + _closing(stack))
            break
        cut = line_cut or space_cut
        if cut is not None:
            (end, stack), skip = cut, 1
        elif end == start:
            # One word longer than a whole part: cut it between characters.
            room = max(1, limit - length - utf16_len(_closing(stack)))
            word = atoms[start]
            size = 0
            for position, char in enumerate(word):
                size += utf16_len(char)
                if size > room:
                    atoms[start:start + 1] = [word[:max(1, position)], word[max(1, position):]]
                    break
            continue
        else:
            skip = 0
        parts.append(prefix + "".join(atoms[start:end]) + _closing(stack))
        open_at_start = stack
        start = end + skip
    return [part for part in parts if _visible(part).strip()]


@dataclass
class Delivery:
    """The outcome of sending one text (possibly in several parts) to one chat."""

    status: Status
    parts_sent: int
    parts: int
    error: str = ""
    requests: int = 0
    waited_s: float = 0.0
    message_ids: list[int] = field(default_factory=list)


class BotApi:
    """Sends messages through the Bot API at `base_url` (the real one, or a local stand-in)."""

    def __init__(
        self, token: str, base_url: str = "https://api.telegram.org", *,
        client: httpx.Client | None = None, max_attempts: int = 4, backoff_s: float = 0.5,
        max_retry_after_s: float = 10.0, max_wait_s: float = 30.0, timeout_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """A client for one bot.

        Args:
            max_attempts: requests per part at most (429 and 5xx are retried, nothing else).
            backoff_s: the first wait after a 5xx or a network error; it doubles each time.
            max_retry_after_s: a 429 asking for a longer wait fails the message instead.
            max_wait_s: waiting per message at most, so a function ends within its timeout.
        """
        if not token:
            raise ValueError("a bot token is needed: set TELEGRAM_BOT_TOKEN")
        self._url = f"{base_url.rstrip('/')}/bot{token}"
        self._client = client or httpx.Client(timeout=timeout_s)
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.max_wait_s = max_wait_s
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> BotApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, method: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = self._client.post(f"{self._url}/{method}", json=payload)
        try:
            body = response.json()
        except ValueError:
            body = {"ok": False, "description": response.text[:200]}
        return response.status_code, body if isinstance(body, dict) else {}

    def send_html(self, chat_id: int | str, text: str, start_part: int = 0) -> Delivery:
        """Send Telegram HTML to a chat, split as needed, from part `start_part` on."""
        parts = split_html(text)
        delivery = Delivery("sent", start_part, len(parts))
        for part in parts[start_part:]:
            payload = {"chat_id": chat_id, "text": part, "parse_mode": "HTML",
                       "link_preview_options": {"is_disabled": True}}
            status, error, message_id = self._send_part(payload, delivery)
            if status != "sent":
                delivery.status, delivery.error = status, error
                logger.warning("telegram send stopped chat_id=%s status=%s part=%d/%d error=%s",
                               chat_id, status, delivery.parts_sent + 1, len(parts), error)
                return delivery
            delivery.parts_sent += 1
            if message_id is not None:
                delivery.message_ids.append(message_id)
        logger.info("telegram message sent chat_id=%s parts=%d requests=%d",
                    chat_id, len(parts), delivery.requests)
        return delivery

    def _send_part(self, payload: dict[str, Any], delivery: Delivery
                   ) -> tuple[Status, str, int | None]:
        """One part, with the retries its errors deserve: (status, error, message id)."""
        error = ""
        for attempt in range(1, self.max_attempts + 1):
            delivery.requests += 1
            try:
                code, body = self._post("sendMessage", payload)
            except httpx.TransportError as transport_error:
                code, body = 0, {"description": f"{type(transport_error).__name__}"}
            error = f"{code} {body.get('description', '')}".strip()
            if code == 200 and body.get("ok"):
                return "sent", "", (body.get("result") or {}).get("message_id")
            if code == 403:
                return "unreachable", error, None
            if code == 429:
                wait = float((body.get("parameters") or {}).get("retry_after", 1))
                if wait > self.max_retry_after_s:
                    return "failed", f"{error} (retry after {wait:g} s is too long to wait)", None
            elif code == 0 or code >= 500:
                wait = self.backoff_s * 2 ** (attempt - 1)
            else:
                return "failed", error, None
            if attempt < self.max_attempts:
                if delivery.waited_s + wait > self.max_wait_s:
                    return "failed", f"{error} (waited {delivery.waited_s:g} s already)", None
                logger.info("telegram retry chat_id=%s attempt=%d wait_s=%.2f error=%s",
                            payload["chat_id"], attempt, wait, error)
                self._sleep(wait)
                delivery.waited_s += wait
        return "failed", f"{error} (gave up after {self.max_attempts} attempts)", None
