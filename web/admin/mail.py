"""The demo's mail viewer (admin only): ``/admin/mail`` lists the mails the workers wrote to
the mail folder (``settings.mail_folder``) when no SMTP server is configured, newest first;
``/admin/mail/<name>`` shows one, decoded (its headers and its text). A name is served only
if it is one of the names listed from the folder, so no path can reach another file."""

from __future__ import annotations

import datetime as dt
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import Any

from flask import abort, current_app

from casemgr.settings import parse_smtp_url
from web.admin import bp
from web.htmx import render

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,250}\.eml")  # what the folder mailer writes
LIMIT = 200  # the newest files listed
MAX_BYTES = 2 * 1024 * 1024  # a bigger file is not a reminder: it is not shown
HEADERS = ("Date", "From", "To", "Cc", "Subject", "Message-ID", "References", "Content-Language")


@dataclass(frozen=True)
class Mail:
    name: str
    date: dt.datetime | None
    to: str
    subject: str


def _settings() -> Any:
    return current_app.extensions["casemgr"].settings


def listed(folder: Path) -> dict[str, Path]:
    """The mail files of the folder (name -> path): regular files named like the folder
    mailer's, no hidden or temporary ones, no links."""
    try:
        entries = list(folder.iterdir())
    except OSError:  # no mail yet: the folder is made by the first one
        return {}
    return {p.name: p for p in entries
            if NAME.fullmatch(p.name) and not p.is_symlink() and p.is_file()}


def _date(message: Any) -> dt.datetime | None:
    try:
        header = message["Date"]
        return header.datetime if header is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


def summary(path: Path) -> Mail:
    with path.open("rb") as source:
        head = BytesHeaderParser(policy=email.policy.default).parse(source)
    date = _date(head)
    if date is None or date.tzinfo is None:
        date = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    return Mail(path.name, date, str(head["To"] or ""), str(head["Subject"] or ""))


def newest(files: dict[str, Path]) -> list[Mail]:
    """The newest files (by when they were written), each summarised, newest first by their Date."""
    def written(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0
    recent = sorted(files.values(), key=written, reverse=True)[:LIMIT]
    mails = []
    for path in recent:
        try:
            mails.append(summary(path))
        except (OSError, ValueError):
            continue  # removed meanwhile, or not a mail
    return sorted(mails, key=lambda m: (m.date or dt.datetime.min.replace(tzinfo=dt.timezone.utc), m.name),
                  reverse=True)


def _smtp(settings: Any) -> str | None:
    """Where mails go when a server is configured: host:port only (never the password)."""
    if not settings.smtp_url:
        return None
    server = parse_smtp_url(settings.smtp_url)
    return f"{server.host}:{server.port}"


@bp.route("/mail")
def mail():  # type: ignore[no-untyped-def]
    settings = _settings()
    smtp = _smtp(settings)
    files = {} if smtp else listed(settings.mail_folder)
    return render("admin/mail.html", smtp=smtp, folder=settings.mail_folder, mails=newest(files),
                  total=len(files), limit=LIMIT)


@bp.route("/mail/<name>")
def mail_message(name: str):  # type: ignore[no-untyped-def]
    settings = _settings()
    path = None if _smtp(settings) else listed(settings.mail_folder).get(name)
    if path is None:
        abort(404)
    try:
        if path.stat().st_size > MAX_BYTES:
            abort(404)
        with path.open("rb") as source:
            message: EmailMessage = BytesParser(policy=email.policy.default).parse(source)  # type: ignore[assignment]
    except OSError:
        abort(404)
    headers = [(h, str(message[h])) for h in HEADERS if message[h] is not None]
    body = None
    try:
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else None
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        body = None
    return render("admin/mail_message.html", name=name, headers=headers, body=body, date=_date(message))
