"""Bearer tokens: ``Authorization: Bearer cm_<user>_<token-id>_<secret>``.

Checking a token is an scrypt hash by design (a stolen database must not give tokens
away), about as slow as a password check. So a token that checked out is remembered in
this process for ``TTL_SECONDS``, keyed by the SHA-256 of the token (the token itself is
never kept): a client making many calls pays the hash once a minute. The price: a revoked
token, or a deactivated user, may go on working for up to ``TTL_SECONDS`` in a process that
checked it just before. A refused token is never remembered, so it costs a hash each time.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Flask, Response

from events.values import Actor

TTL_SECONDS = 60.0
MAX_ENTRIES = 10_000  # distinct live tokens remembered per process; the oldest go first
CHALLENGE = 'Bearer realm="casemgr"'


class TokenCache:
    """Actors of tokens that checked out, for ``ttl`` seconds; thread-safe."""

    def __init__(self, ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES, now: Any = time.monotonic):
        self.ttl, self.size, self.now = ttl, size, now
        self._entries: OrderedDict[bytes, tuple[Actor, float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()

    def get(self, token: str) -> Actor | None:
        key = self.key(token)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            actor, until = found
            if until <= self.now():
                del self._entries[key]
                return None
            return actor

    def put(self, token: str, actor: Actor) -> None:
        key = self.key(token)
        with self._lock:
            self._entries[key] = (actor, self.now() + self.ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def token_cache(app: Flask) -> TokenCache:
    cache = app.extensions.get("casemgr.api_tokens")
    if cache is None:
        cache = app.extensions.setdefault("casemgr.api_tokens", TokenCache())
    return cache


def authenticate(app: Flask, header: str | None) -> tuple[Actor | None, Response | None]:
    """The actor of the request's bearer token, or the 401 answer to send instead."""
    from web.api.routes import error

    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        response = error(401, "send the API token as `Authorization: Bearer <token>` "
                              "(casemgr tokens create EMAIL prints one)", "Authorization")
        response.headers["WWW-Authenticate"] = CHALLENGE
        return None, response
    cache = token_cache(app)
    actor = cache.get(token)
    if actor is None:
        actor = app.extensions["casemgr"].accounts.authenticate_token(token)
        if actor is None:
            response = error(401, "this token is not valid: mistyped, revoked, or its user deactivated",
                             "Authorization")
            response.headers["WWW-Authenticate"] = CHALLENGE + ', error="invalid_token"'
            return None, response
        cache.put(token, actor)
    return actor, None
