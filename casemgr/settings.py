"""Settings, read from the environment in this one place."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from events.errors import DomainError

CIPHER_TOPIC = "eventsourcing.cipher:AESCipher"


@dataclass(frozen=True)
class Settings:
    """Everything a casemgr process is configured by. Read from the environment here and
    nowhere else: the eventsourcing library gets exactly ``eventsourcing_env()``, so a
    stray variable it would read on its own (``CASEMGR_IS_SNAPSHOTTING_ENABLED``, …)
    changes nothing."""

    database_url: str
    cipher_key: str | None = None
    snapshot_interval: int = 100
    aggregate_cache: int = 1000
    pool_size: int = 3
    pool_max_overflow: int = 3
    reminder_offsets: tuple[int, ...] = (7, 3, 1, 0)
    secret_key: str | None = None  # signs web sessions; None: one kept in the instance folder
    base_url: str = "http://127.0.0.1:5000"  # where people reach the web app (links in mails; https → Secure cookies)
    instance: str = "instance"
    # The workers (issue 8; see workers/celery_app.py and docs/architecture.md "Workers").
    broker_url: str = ""  # empty: the single-machine broker, files under <instance>/broker
    smtp_url: str = ""  # empty: mails are written to <instance>/mail (the demo's mail viewer reads them)
    mail_from: str = "casemgr <casemgr@localhost>"
    sweep_at: dt.time = dt.time(9, 0)  # JST
    clock: str = ""  # empty: the system clock; "file:PATH" a clock that can be moved (demo, tests)
    lease_seconds: int = 120  # a reminder being sent is left alone this long (then a crash is assumed)
    tick_seconds: int = 15  # how often beat checks for the sweep, re-deliveries and stale statements
    retry_seconds: int = 30  # a refused mail is tried again after this, doubling each time (at most an hour)
    proxy_hops: int = 0  # reverse proxies in front of the web app whose X-Forwarded-For is trusted

    def offsets_for(self, programme_terms: Mapping[str, Any] | None) -> tuple[int, ...]:
        """The reminder offsets of a programme: its own (a programme file's ``reminder_offsets``),
        else this installation's (decision P14)."""
        own = (programme_terms or {}).get("reminder_offsets")
        return tuple(own) if own else self.reminder_offsets

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        instance = Path(environ.get("CASEMGR_INSTANCE", "instance"))
        url = environ.get("CASEMGR_DATABASE_URL") or f"sqlite:///{instance / 'casemgr.sqlite'}"
        numbers = {}
        for name, default in (("CASEMGR_SNAPSHOT_INTERVAL", "100"), ("CASEMGR_AGGREGATE_CACHE", "1000"),
                              ("CASEMGR_POOL_SIZE", "3"), ("CASEMGR_POOL_MAX_OVERFLOW", "3")):
            value = environ.get(name, default)
            if not (value.isascii() and value.isdigit()) or len(value) > 9:
                raise DomainError("must be a whole number (0 turns it off)", name)
            numbers[name] = int(value)
        for name, default in (("CASEMGR_LEASE_SECONDS", "120"), ("CASEMGR_TICK_SECONDS", "15"),
                              ("CASEMGR_RETRY_SECONDS", "30")):
            value = environ.get(name, default)
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value[:9]) <= 86400:
                raise DomainError("must be a whole number of seconds from 1 to 86400", name)
            numbers[name] = int(value)
        if numbers["CASEMGR_POOL_SIZE"] < 1:
            raise DomainError("must be 1 or more", "CASEMGR_POOL_SIZE")
        smtp_url = environ.get("CASEMGR_SMTP_URL", "")
        if smtp_url:
            parse_smtp_url(smtp_url)
        hops = environ.get("CASEMGR_PROXY_HOPS", "0")
        if not (hops.isascii() and hops.isdigit() and len(hops) == 1 and int(hops) <= 5):
            raise DomainError("must be the number of reverse proxies in front of the web app, 0 to 5",
                              "CASEMGR_PROXY_HOPS")
        clock = environ.get("CASEMGR_CLOCK", "")
        if clock and not (clock.startswith("file:") and len(clock) > 5):
            raise DomainError("must be empty (the system clock) or file:PATH (a clock that can be moved)",
                              "CASEMGR_CLOCK")
        return cls(url, environ.get("CASEMGR_CIPHER_KEY") or None,
                   numbers["CASEMGR_SNAPSHOT_INTERVAL"], numbers["CASEMGR_AGGREGATE_CACHE"],
                   numbers["CASEMGR_POOL_SIZE"], numbers["CASEMGR_POOL_MAX_OVERFLOW"],
                   parse_offsets(environ.get("CASEMGR_REMINDER_OFFSETS", "7,3,1,0")),
                   environ.get("CASEMGR_SECRET_KEY") or None,
                   parse_base_url(environ.get("CASEMGR_BASE_URL", "http://127.0.0.1:5000")), str(instance),
                   environ.get("CASEMGR_BROKER_URL", ""), smtp_url,
                   environ.get("CASEMGR_MAIL_FROM") or "casemgr <casemgr@localhost>",
                   parse_time(environ.get("CASEMGR_SWEEP_AT", "09:00")), clock,
                   numbers["CASEMGR_LEASE_SECONDS"], numbers["CASEMGR_TICK_SECONDS"],
                   numbers["CASEMGR_RETRY_SECONDS"], int(hops))

    @property
    def broker(self) -> str:
        """The Celery broker: CASEMGR_BROKER_URL, else the single-machine file broker."""
        return self.broker_url or "filesystem://"

    @property
    def broker_folder(self) -> Path:
        return Path(self.instance) / "broker"

    @property
    def mail_folder(self) -> Path:
        return Path(self.instance) / "mail"

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this database URL."""
        env = store_env(self.database_url)
        if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
            env["POSTGRES_POOL_SIZE"] = str(self.pool_size)
            env["POSTGRES_MAX_OVERFLOW"] = str(self.pool_max_overflow)
        env["IS_SNAPSHOTTING_ENABLED"] = "y" if self.snapshot_interval else "n"
        if self.aggregate_cache:
            # The library's cache: each command fast-forwards the cached incident
            # from the store (so several processes stay correct) and works on a copy.
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.aggregate_cache)
            env["AGGREGATE_CACHE_FASTFORWARD"] = "y"
        if self.cipher_key:
            env["CIPHER_TOPIC"] = CIPHER_TOPIC
            env["CIPHER_KEY"] = self.cipher_key
        return env


def parse_base_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DomainError("must be an http:// or https:// URL, e.g. https://casemgr.example.jp", "CASEMGR_BASE_URL")
    return text.rstrip("/")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str | None
    password: str | None
    tls: bool  # smtps:// — TLS from the first byte
    starttls: bool  # ?starttls=1 — upgrade a plain connection


def parse_smtp_url(text: str) -> SmtpServer:
    """``smtp://user:password@host:port``, ``smtps://…`` for TLS, ``?starttls=1``."""
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1:
        raise DomainError("must be smtp://[user:password@]host[:port] or smtps://…, e.g. smtp://localhost:1025",
                          "CASEMGR_SMTP_URL")
    query = parse_qs(parts.query)
    tls = parts.scheme == "smtps"
    return SmtpServer(parts.hostname, port or (465 if tls else 25),
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None,
                      tls, query.get("starttls", ["0"])[0] in ("1", "true", "yes"))


def parse_time(text: str) -> dt.time:
    try:
        hours, minutes = text.split(":")
        if not (len(hours) == 2 and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()):
            raise ValueError
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise DomainError("must be HH:MM (JST), e.g. 09:00", "CASEMGR_SWEEP_AT") from None


def parse_offsets(text: str) -> tuple[int, ...]:
    """``7,3,1,0`` → (7, 3, 1, 0): days before a due date on which to remind (DOMAIN §4.2)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or not all(p.isascii() and p.isdigit() and int(p) <= 365 for p in parts):
        raise DomainError("must be whole numbers of days from 0 to 365, e.g. 7,3,1,0", "CASEMGR_REMINDER_OFFSETS")
    return tuple(sorted({int(p) for p in parts}, reverse=True))


def store_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc:
            raise DomainError("write sqlite:///relative/path or sqlite:////absolute/path", "CASEMGR_DATABASE_URL")
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise DomainError("names no database file", "CASEMGR_DATABASE_URL")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": "file::memory:?cache=shared" if path == ":memory:" else path,
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    if parts.scheme in ("postgresql", "postgres"):
        query = parse_qs(parts.query)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "casemgr",
            "POSTGRES_HOST": parts.hostname or "localhost",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "casemgr"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", [""])[0],
            "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", ["10"])[0],
        }
    raise DomainError(
        f"unsupported database {parts.scheme or url!r}: use sqlite:///FILE or postgresql://USER@HOST/DB",
        "CASEMGR_DATABASE_URL",
    )
