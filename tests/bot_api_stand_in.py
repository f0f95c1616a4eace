"""A tiny stand-in for the Telegram Bot API's sendMessage, started inside a test.

Each chat id can be given answers in order (then a default): ``"ok"``, ``"blocked"`` (403),
``"flood"`` (429 with retry_after), ``"down"`` (500). It checks what Telegram checks about a
message (at most 4096 UTF-16 units, balanced HTML when parse_mode is HTML) and counts requests,
so tests can prove there is no retry storm.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456:TEST-token"

ANSWERS: dict[str, tuple[int, dict[str, Any]]] = {
    "blocked": (403, {"ok": False, "error_code": 403,
                      "description": "Forbidden: bot was blocked by the user"}),
    "flood": (429, {"ok": False, "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1}}),
    "down": (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
}


def _balanced(text: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<\s*(/?)\s*([a-zA-Z][\w-]*)[^>]*>", text):
        if not closing:
            stack.append(name.lower())
        elif not stack or stack.pop() != name.lower():
            return False
    return not stack


class BotApiStandIn:
    """A local HTTP server answering sendMessage per chat id, as scripted."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.default: dict[str, str] = {}
        self.scripted: dict[str, deque[str]] = defaultdict(deque)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def always(self, chat_id: int | str, answer: str) -> None:
        self.default[str(chat_id)] = answer

    def then(self, chat_id: int | str, *answers: str) -> None:
        self.scripted[str(chat_id)].extend(answers)

    def requests_for(self, chat_id: int | str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if str(r.get("chat_id")) == str(chat_id)]

    def texts_for(self, chat_id: int | str) -> list[str]:
        return [r["text"] for r in self.requests_for(chat_id) if r.get("answered") == 200]

    def __enter__(self) -> BotApiStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path != f"/bot{self.token}/sendMessage":
            return 401 if self.token not in path else 404, {"ok": False, "error_code": 401,
                                                            "description": "Unauthorized"}
        chat = str(payload.get("chat_id"))
        text = str(payload.get("text", ""))
        with self._lock:
            queue = self.scripted[chat]
            answer = queue.popleft() if queue else self.default.get(chat, "ok")
            count = len(self.requests)
        if answer in ANSWERS:
            return ANSWERS[answer]
        if not text.strip() or len(text.encode("utf-16-le")) // 2 > 4096:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: message is too long or empty"}
        if payload.get("parse_mode") == "HTML" and not _balanced(text):
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: can't parse entities"}
        return 200, {"ok": True, "result": {"message_id": count + 1, "chat": {"id": chat},
                                            "text": text}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                status, body = stand_in._answer(self.path, payload)
                with stand_in._lock:
                    stand_in.requests.append({**payload, "answered": status})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
