"""Time is injected: the application asks its clock, never the system directly."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from events.values import JST


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class FixedClock:
    """A clock that says what it is told; tests move it by hand."""

    def __init__(self, now: dt.datetime):
        self.current = now

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def today(clock: Clock) -> dt.date:
    """The business date (JST) of the clock's now."""
    return clock.now().astimezone(JST).date()
