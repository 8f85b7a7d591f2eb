"""Sending mail: over SMTP (``CASEMGR_SMTP_URL``), or into a folder of ``.eml`` files when
no server is configured (the single-machine default; the demo shows them)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from casemgr.settings import Settings, parse_smtp_url

TIMEOUT = 30


class DeliveryFailed(Exception):
    """The mail was not accepted; try again later."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> set[str]:
        """Hand the mail over; the recipients refused (the rest accepted it). Raises
        ``DeliveryFailed`` when nobody accepted it."""


class SmtpMailer:
    def __init__(self, url: str):
        self.server = parse_smtp_url(url)

    def send(self, message: EmailMessage) -> set[str]:
        s = self.server
        try:
            if s.tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT,
                                                         context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
            with client:
                if s.starttls:
                    client.starttls(context=ssl.create_default_context())
                if s.user:
                    client.login(s.user, s.password or "")
                refused = client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{s.host}:{s.port}: {type(exc).__name__}: {exc}"[:500]) from exc
        return set(refused)  # some accepted it (smtplib raises when all refuse)


class FolderMailer:
    """Each mail as ``<folder>/<Message-ID>.eml``; the same reminder writes the same file."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage) -> set[str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in ".-" else "_" for c in message["Message-ID"].strip("<>"))
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(bytes(message))
        temporary.replace(self.folder / f"{name}.eml")
        return set()


def mailer_for(settings: Settings) -> Mailer:
    return SmtpMailer(settings.smtp_url) if settings.smtp_url else FolderMailer(settings.mail_folder)
