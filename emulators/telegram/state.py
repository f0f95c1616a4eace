"""What the Telegram stand-in remembers: pending updates, each chat's messages, open checkouts."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

BOT_USER = {
    "id": 7000000001, "is_bot": True, "first_name": "GymIoT", "username": "gymiot_local_bot",
    "can_join_groups": False, "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_TEXT = 4096


class BotApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code", "description"}``."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class Chat:
    """A private chat between one customer and the bot."""

    chat_id: int
    first_name: str
    blocked: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
    last_invoice: dict[str, Any] | None = None

    def as_chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": "private", "first_name": self.first_name}

    def as_user(self) -> dict[str, Any]:
        return {"id": self.chat_id, "is_bot": False, "first_name": self.first_name}


class BotState:
    """Updates waiting for getUpdates, chats, and pre-checkout queries waiting for an answer."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        # Ids go on growing across restarts (a polling bot confirms by offset): start at now.
        self.update_ids = itertools.count(int(time.time()))
        self.message_ids = itertools.count(1)
        self.changed = asyncio.Condition()
        self.chats: dict[int, Chat] = {}
        self.checkouts: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.last_poll: float | None = None
        self.pollers = 0

    def chat(self, chat_id: int, first_name: str | None = None) -> Chat:
        if chat_id not in self.chats:
            self.chats[chat_id] = Chat(chat_id, first_name or f"Customer {chat_id}")
        return self.chats[chat_id]

    def known_chat(self, chat_id: Any) -> Chat:
        """The chat a bot method names; errors as Telegram answers them."""
        try:
            chat = self.chats[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            raise BotApiError(400, "Bad Request: chat not found") from None
        if chat.blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def log(self, chat: Chat, direction: str, kind: str, text: str, **extra: Any) -> None:
        chat.messages.append({"direction": direction, "kind": kind, "text": text,
                              "at": time.time(), **extra})

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for the bot's next getUpdates."""
        update = {**update, "update_id": next(self.update_ids)}
        async with self.changed:
            self.updates.append(update)
            self.changed.notify_all()
        return update

    async def get_updates(self, offset: int | None, limit: int, timeout_s: float
                          ) -> list[dict[str, Any]]:
        """Confirm updates below `offset`, then wait up to `timeout_s` for the rest."""
        self.last_poll = time.monotonic()
        async with self.changed:
            if offset is not None:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout_s > 0:
                self.pollers += 1
                try:
                    await asyncio.wait_for(self.changed.wait(), timeout_s)
                except TimeoutError:
                    pass
                finally:
                    self.pollers -= 1
            self.last_poll = time.monotonic()
            return self.updates[:limit]

    def new_message(self, chat: Chat, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        return {"message_id": next(self.message_ids), "date": int(time.time()),
                "chat": chat.as_chat(), "from": sender, **content}

    def open_checkout(self) -> tuple[str, asyncio.Future[dict[str, Any]]]:
        query_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.checkouts[query_id] = future
        return query_id, future

    def answer_checkout(self, query_id: str, answer: dict[str, Any]) -> None:
        future = self.checkouts.pop(query_id, None)
        if future is None:
            raise BotApiError(400, "Bad Request: query is too old and response timeout expired "
                                   "or query ID is invalid")
        if not future.done():
            future.set_result(answer)
