"""The dashboard's counts (overdue, due soon, open), kept per app for as long as they hold.

A filter's counts are the same on every page of it and change only when the read model
moves (an event recorded, the view catching up) or the day turns; counting is what costs:
an admin's count walks every overdue and pending row (≈ 0.4 s at a million incidents on
SQLite), the page itself a few index ranges (bench/web.py). So the counts are kept under
(scope, filter, day, the store's last notification id, the view's lag): any event recorded
or projected changes the key, and the next page counts again. Each gunicorn worker keeps
its own; the key is read from the store, so a write through another worker is seen too.
A count stops at CAP + 1 and is shown as "1,000+", so even a miss reads at most that many
index entries per status."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app

from casemgr.service import scope_of
from events.values import Actor
from web.staff.forms import Listing

SIZE = 256  # filters kept per app (least recently used dropped)
CAP = 1000  # a count above it is shown as "1,000+": counting stops there (decision 63)


class Counts:
    def __init__(self, size: int = SIZE):
        self.size = size
        self.entries: OrderedDict[tuple, dict[str, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], dict[str, int]]) -> dict[str, int]:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return dict(self.entries[key])
        value = compute()
        with self.lock:
            self.entries[key] = dict(value)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value


def deadline_counts(service: Any, actor: Actor, today: dt.date, f: Listing) -> dict[str, int]:
    """``service.deadline_counts`` for the dashboard's filter, counted once per state of the store."""
    cache: Counts = current_app.extensions.setdefault("casemgr.staff.counts", Counts())
    key = (scope_of(actor, f.programmes, f.businesses), f.flt, today,
           service.notification_count(), service.view_lag())
    return cache.get(key, lambda: service.deadline_counts(actor, today, f.flt, f.programmes, f.businesses, CAP))
