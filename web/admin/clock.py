"""The demo clock (admin only): ``/admin/clock``. With ``CASEMGR_CLOCK=file:PATH`` the core's
clock is a ``FileClock`` kept in a file that every process of the installation reads (the
web app's workers, the Celery workers, the console), so a move made here is the time the
workers sweep and remind by. The admin moves it forward a day or a week, or sets it
(JST); bad input changes nothing. The system clock cannot be moved, and the page says so."""

from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from casemgr.clock import FileClock
from events.values import JST
from web.admin import bp
from web.htmx import render

STEPS = {"1": dt.timedelta(days=1), "7": dt.timedelta(days=7)}


def movable() -> FileClock | None:
    clock = current_app.extensions["casemgr"].clock
    return clock if isinstance(clock, FileClock) else None


def parse_instant(raw: str) -> dt.datetime:
    """``YYYY-MM-DDTHH:MM`` (what a datetime-local field sends), JST unless an offset is given."""
    raw = raw.strip()
    try:
        value = dt.datetime.fromisoformat(raw) if 10 < len(raw) <= 40 else None
    except ValueError:
        value = None
    if value is None or not 1900 <= value.year <= 2999:
        raise ValueError(_("Enter a date and time as YYYY-MM-DD HH:MM (JST)."))
    return value if value.tzinfo else value.replace(tzinfo=JST)


def _page(clock: FileClock | None, status: int = 200, error: str | None = None,
          value: str = ""):  # type: ignore[no-untyped-def]
    core = current_app.extensions["casemgr"]
    now = core.clock.now()
    return render("admin/clock.html", status=status, movable=clock is not None, now=now,
                  system=clock.system.now() if clock else None, sweep_at=core.settings.sweep_at, error=error,
                  value=value or now.astimezone(JST).strftime("%Y-%m-%dT%H:%M"))


@bp.route("/clock", methods=["GET", "POST"])
def clock():  # type: ignore[no-untyped-def]
    moved = movable()
    if request.method == "GET":
        return _page(moved)
    if moved is None:
        return _page(None, 409, _("The system clock is used: it cannot be moved."))
    action, raw = request.form.get("action", ""), request.form.get("instant", "")
    try:
        if action == "advance" and request.form.get("days") in STEPS:
            moved.advance(STEPS[request.form["days"]])
        elif action == "set":
            try:
                instant = parse_instant(raw)
            except ValueError as exc:
                return _page(moved, 422, str(exc), raw[:40])
            moved.set(instant)
        elif action == "reset":
            moved.set(moved.system.now())
        else:
            return _page(moved, 422, _("Choose how to move the clock."))
    except OSError as exc:
        return _page(moved, 500, _("The clock file could not be written: %(error)s", error=exc.strerror or str(exc)))
    flash(_("The clock now reads %(now)s (JST).", now=moved.now().astimezone(JST).strftime("%Y-%m-%d %H:%M")))
    return redirect(url_for("admin.clock"), 303)
