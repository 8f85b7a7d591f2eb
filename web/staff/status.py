"""How the background workers are doing (issue 8), for staff and admins: ``/staff/status``.

One core call (``service.status``) gives the figures; the page shows them and, for htmx,
its one fragment refreshes itself every few seconds (``hx-trigger="every 5s"``, no script).
The failed deliveries are shown only for incidents the user may see (the core's access
rule, asked once per row: there are at most a few)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from web.auth import current_actor
from web.htmx import render
from web.incidents import labels
from web.staff import bp

STATES = {  # the delivery ledger's states (casemgr.readmodels.work), in the order a reminder goes through them
    "pending": _l("Owed, waiting to be sent"),
    "queued": _l("Handed to a worker"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "superseded": _l("No longer owed"),
}
REFRESH_SECONDS = 5


@dataclass(frozen=True)
class Failed:
    """A reminder not delivered yet whose last attempt failed."""

    number: str
    reference: str
    deadline: str
    due: dt.date
    when: str
    attempts: int
    last_error: str
    at: dt.datetime | None


def instant(value: str | None) -> dt.datetime | None:
    """A stamp the core stores (UTC ISO) as a datetime the ``jst`` filter writes."""
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def failed(rows: list[Any]) -> list[Failed]:
    """The core gives only the failed deliveries of incidents the user may see."""
    out = []
    for p, number, reference in rows:
        deadline = labels.value(p.deadline) + (f" ({p.claim_ref})" if p.claim_ref else "")
        out.append(Failed(number, reference, deadline, p.due, labels.offset(p.offset_days),
                          p.attempts, p.last_error or "", instant(p.updated_at)))
    return out


@bp.route("/status")
def status():  # type: ignore[no-untyped-def]
    actor, service = current_actor(), current_app.extensions["casemgr"].service
    s = service.status(actor)
    queue = s.figures.get("queue_depth")
    sweep = s.last_sweep
    ledger = [(state, label, s.ledger.get(state, 0)) for state, label in STATES.items()]
    ledger += [(state, state, n) for state, n in sorted(s.ledger.items()) if state not in STATES]
    return render(
        "staff/status.html", "staff/_status.html", workers=s, ledger=ledger, failed=failed(s.failing),
        queue=(queue[0], instant(queue[1])) if queue else None,
        sweep={"day": sweep["day"], "started_at": instant(sweep["started_at"]),
               "finished_at": instant(sweep["finished_at"]), "planned": sweep["planned"]} if sweep else None,
        now=service.clock.now(), refresh=REFRESH_SECONDS)
