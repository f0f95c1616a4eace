"""A local stand-in for the Telegram Bot API, so the unchanged bot runs offline.

The bot points its base URL at it (``http://127.0.0.1:8092/bot``). Control endpoints under
``/control`` play customers: a message, a payment (pre-checkout query, then the successful
payment); ``/`` lists every chat's messages.
"""
