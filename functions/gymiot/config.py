"""Settings read from the environment (functions/.env.<project> locally, runtime env deployed)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_PROJECT = "demo-gymiot"


@dataclass(frozen=True)
class Settings:
    """What the functions need to know about the gym and its channels."""

    project_id: str = DEFAULT_PROJECT
    timezone_name: str = "Europe/Rome"
    manager_email: str = "manager@gymiot.test"
    mail_from: str = "GymIoT <noreply@gymiot.test>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    telegram_bot_token: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    usage_subscription: str = "machine-usage-poller"
    poll_batch_size: int = 20000
    poll_budget_s: float = 240.0
    fault_email_window_s: int = 300
    room_presence_minutes: int = 45

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone_name)


def settings() -> Settings:
    """Settings from the current environment; unset variables keep the defaults."""
    env = os.environ
    defaults = Settings()
    return Settings(
        project_id=env.get("GCLOUD_PROJECT") or env.get("GOOGLE_CLOUD_PROJECT")
        or defaults.project_id,
        timezone_name=env.get("GYM_TIMEZONE", defaults.timezone_name),
        manager_email=env.get("MANAGER_EMAIL", defaults.manager_email),
        mail_from=env.get("MAIL_FROM", defaults.mail_from),
        smtp_host=env.get("SMTP_HOST", defaults.smtp_host),
        smtp_port=int(env.get("SMTP_PORT", defaults.smtp_port)),
        smtp_user=env.get("SMTP_USER", ""),
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_starttls=env.get("SMTP_STARTTLS", "0") == "1",
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", ""),
        telegram_api_base=env.get("TELEGRAM_API_BASE", defaults.telegram_api_base),
        usage_subscription=env.get("USAGE_SUBSCRIPTION", defaults.usage_subscription),
        poll_batch_size=int(env.get("POLL_BATCH_SIZE", defaults.poll_batch_size)),
        poll_budget_s=float(env.get("POLL_BUDGET_S", defaults.poll_budget_s)),
        fault_email_window_s=int(env.get("FAULT_EMAIL_WINDOW_S", defaults.fault_email_window_s)),
        room_presence_minutes=int(
            env.get("ROOM_PRESENCE_MINUTES", defaults.room_presence_minutes)
        ),
    )
