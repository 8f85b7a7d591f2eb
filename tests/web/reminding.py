"""Helpers for the pages of the workers' work: send the reminders a sweep plans, as the
workers would (the core's sweep and delivery, mails into the instance's mail folder), and
have one of them fail."""

from __future__ import annotations

from casemgr.mail import DeliveryFailed, FolderMailer
from tests.conftest import OPERATOR


class Down:
    """A mail server that refuses everything."""

    def send(self, message):  # type: ignore[no-untyped-def]
        raise DeliveryFailed("smtp.example.jp:25: ConnectionRefusedError: [Errno 111] Connection refused")


def core_of(client):  # type: ignore[no-untyped-def]
    return client.application.extensions["casemgr"]


def send_reminders(client, failing: str | None = None) -> list[str]:
    """Sweep today and deliver every planned reminder; those of the incident ``failing``
    (POLICY/REFERENCE) meet a server that is down. The keys planned."""
    core = core_of(client)
    service = core.service
    planned = service.sweep(OPERATOR).planned
    broken = str(service.find_incident(OPERATOR, failing)) if failing else None
    mailer = FolderMailer(core.settings.mail_folder)
    for key in planned:
        service.deliver_reminder(OPERATOR, key, Down() if key.split("|")[0] == broken else mailer)
    service.catch_up()
    return planned
