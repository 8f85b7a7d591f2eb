"""Reminders sent (DOMAIN §4.2) about the incidents the user may see, newest first:
``/notifications``. The core scopes the list like every other (an insured user its
business's incidents, staff their programmes', admins all); the deadline and the timing
are worded by the incidents blueprint's vocabulary (``web.incidents.labels``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, current_app

from web.auth import current_actor
from web.htmx import render
from web.incidents import labels

bp = Blueprint("notifications", __name__, template_folder="templates")

LIMIT = 50


@dataclass(frozen=True)
class Row:
    """One reminder as the list shows it."""

    ref: str  # POLICY-NUMBER/REFERENCE, or the policy number for a policy's own deadline (its next debit)
    deadline: str  # its label, with the claim code when there is one
    due: dt.date
    when: str  # n days before, on the due date, overdue
    overdue: bool
    sent_at: dt.datetime | None
    recipients: tuple[str, ...]
    of_policy: bool = False  # a reminder of the policy's next premium debit (DOMAIN §10)


def row(planned, number: str, reference: str) -> Row:  # type: ignore[no-untyped-def]
    deadline = labels.value(planned.deadline) + (f" ({planned.claim_ref})" if planned.claim_ref else "")
    sent_at = dt.datetime.fromisoformat(planned.updated_at) if planned.updated_at else None
    return Row(f"{number}/{reference}" if reference else number, deadline, planned.due,
               labels.offset(planned.offset_days), planned.offset_days < 0, sent_at, tuple(planned.recipients),
               not reference)


@bp.route("/notifications")
def index():  # type: ignore[no-untyped-def]
    service = current_app.extensions["casemgr"].service
    rows = [row(p, number, reference) for p, number, reference in service.notifications(current_actor(), LIMIT)]
    return render("notifications/index.html", rows=rows, limit=LIMIT)
