"""Time is injected: the application asks its clock, never the system directly."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
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


class FileClock:
    """The system clock moved by an offset kept in a file, so that every process of one
    installation (web, workers, the console) sees the same moved time: the demo's clock,
    and the worker tests'. Time still flows; ``set`` and ``advance`` move it."""

    def __init__(self, path: str | Path, system: Clock | None = None):
        self.path = Path(path)
        self.system = system or SystemClock()
        self._seen: tuple[float, float] | None = None  # (file mtime, offset seconds)

    def offset(self) -> dt.timedelta:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return dt.timedelta(0)
        if self._seen is None or self._seen[0] != mtime:
            text = self.path.read_text(encoding="ascii").strip() or "0"
            self._seen = (mtime, float(text))
        return dt.timedelta(seconds=self._seen[1])

    def now(self) -> dt.datetime:
        return self.system.now() + self.offset()

    def set(self, instant: dt.datetime) -> None:
        self._write(instant - self.system.now())

    def advance(self, delta: dt.timedelta) -> None:
        self._write(self.offset() + delta)

    def _write(self, offset: dt.timedelta) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".new")
        temporary.write_text(f"{offset.total_seconds():.6f}\n", encoding="ascii")
        os.replace(temporary, self.path)  # readers see the old offset or the new one, whole


def clock_from(spec: str) -> Clock:
    """The clock a setting names: "" the system's, "file:PATH" a movable one."""
    return FileClock(spec[5:]) if spec.startswith("file:") else SystemClock()
