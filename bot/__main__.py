"""``python -m bot``: run the bot (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE from the environment)."""

from __future__ import annotations

import logging
import sys

from bot.app import run
from gymiot.config import settings

logger = logging.getLogger("bot")


def main() -> int:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = settings()
    if not config.telegram_bot_token:
        logger.error("TELEGRAM_BOT_TOKEN is not set; nothing to run")
        return 2
    logger.info("bot starting api_base=%s project=%s", config.telegram_api_base,
                config.project_id)
    run(config.telegram_bot_token, config.telegram_api_base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
