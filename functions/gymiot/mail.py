"""Email over SMTP: locally a mail catcher with a web inbox, deployed any SMTP relay."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from gymiot.config import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


def send_mail(
    settings: Settings, to: str, subject: str, text: str,
    attachments: Sequence[Attachment] = (), message_id: str | None = None,
) -> None:
    """Send one plain-text email; raises on SMTP failure so the trigger is retried."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["X-GymIoT-Id"] = message_id
    message.set_content(text)
    for attachment in attachments:
        maintype, subtype = attachment.mime_type.split("/", 1)
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    logger.info("mail sent to=%s subject=%r message_id=%s", to, subject, message_id)
