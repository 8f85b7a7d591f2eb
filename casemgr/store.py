"""A store knows whether it is encrypted, and refuses to be used with the wrong key.

The first process to open a store records a ``StoreMarker`` in it — an aggregate of its
own, encrypted like every event when ``CASEMGR_CIPHER_KEY`` is set. Every later process
reads it back: a store opened without its key, with another key, or with a key when it
holds plaintext cannot decode the marker (or, for a store older than markers, its first
event) and is refused before anything is read or written. So plaintext can never land
beside ciphertext.
"""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from casemgr.errors import DomainError
from casemgr.settings import Settings

# What decoding stored state with the wrong cipher raises: a failed MAC or bad JSON
# (ValueError, incl. UnicodeDecodeError and JSONDecodeError), or a wrong shape.
UNDECODABLE = (ValueError, TypeError, KeyError, IndexError)
MARKER_ID = uuid.UUID("0b7c6f1e-3d5a-5c39-9a0e-5f1f6c0e2a01")


class StoreError(DomainError):
    """The store cannot be used with these settings (wrong or missing key)."""


class StoreMarker(Aggregate):
    class Created(Aggregate.Created):
        encrypted: bool

    def __init__(self, encrypted: bool):
        self.encrypted = encrypted


def _refusal(settings: Settings) -> StoreError:
    if settings.cipher_key:
        return StoreError("the store cannot be read with this key: it was written with another key, or "
                          "without encryption", "CASEMGR_CIPHER_KEY")
    return StoreError("the store is encrypted: set CASEMGR_CIPHER_KEY to its key", "CASEMGR_CIPHER_KEY")


def check_cipher(app: Application, settings: Settings) -> None:
    """Refuse a store whose encryption does not match ``settings``; mark a new one."""
    try:
        marker: Any = app.repository.get(MARKER_ID)
    except AggregateNotFoundError:
        marker = None
    except UNDECODABLE:  # encrypted differently (a connection failure is not caught here)
        raise _refusal(settings) from None
    if marker is not None:
        if bool(marker.encrypted) != bool(settings.cipher_key):
            raise _refusal(settings)
        return
    first = app.recorder.select_notifications(start=1, limit=1)
    if first:  # a store from before markers: its first event must decode
        try:
            app.mapper.to_domain_event(first[0])
        except UNDECODABLE:
            raise _refusal(settings) from None
    try:
        app.save(StoreMarker._create(StoreMarker.Created, id=MARKER_ID, encrypted=bool(settings.cipher_key)))
    except IntegrityError:
        check_cipher(app, settings)  # another process marked it first: check theirs
