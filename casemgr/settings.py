"""Settings, read from the environment in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from events.errors import DomainError

CIPHER_TOPIC = "eventsourcing.cipher:AESCipher"


@dataclass(frozen=True)
class Settings:
    database_url: str
    cipher_key: str | None = None
    snapshot_interval: int = 100
    aggregate_cache: int = 1000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        instance = Path(environ.get("CASEMGR_INSTANCE", "instance"))
        url = environ.get("CASEMGR_DATABASE_URL") or f"sqlite:///{instance / 'casemgr.sqlite'}"
        numbers = {}
        for name, default in (("CASEMGR_SNAPSHOT_INTERVAL", "100"), ("CASEMGR_AGGREGATE_CACHE", "1000")):
            value = environ.get(name, default)
            if not value.isdigit():
                raise DomainError("must be a whole number (0 turns it off)", name)
            numbers[name] = int(value)
        return cls(url, environ.get("CASEMGR_CIPHER_KEY") or None,
                   numbers["CASEMGR_SNAPSHOT_INTERVAL"], numbers["CASEMGR_AGGREGATE_CACHE"])

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this database URL."""
        env = store_env(self.database_url)
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
            "POSTGRES_POOL_SIZE": "3",
            "POSTGRES_MAX_OVERFLOW": "3",
        }
    raise DomainError(
        f"unsupported database {parts.scheme or url!r}: use sqlite:///FILE or postgresql://USER@HOST/DB",
        "CASEMGR_DATABASE_URL",
    )
