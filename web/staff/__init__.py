"""Insurer staff pages: the deadline dashboard, the incident list and the policies.

Staff see the programmes they are assigned to, admins everything — the core decides
(``casemgr.service`` scopes every query by the acting user). An insured user is told that
these pages do not exist (404), like anything else that is not theirs."""

from __future__ import annotations

from flask import Blueprint, abort

from web.auth import current_actor

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates",
               static_folder="static", static_url_path="/static")

STAFF_ROLES = ("staff", "admin")


@bp.before_request
def _staff_only():  # type: ignore[no-untyped-def]
    if current_actor().role not in STAFF_ROLES:
        abort(404)


from web.staff import views  # noqa: E402,F401 — the routes register on ``bp``
from web.staff import status  # noqa: E402,F401 — /staff/status
