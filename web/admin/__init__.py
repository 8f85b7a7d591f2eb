"""The admin page: programmes, businesses and users (DOMAIN §9), through the core's
accounts service with the acting admin. Anyone else is told the page does not exist."""

from __future__ import annotations

from flask import Blueprint, abort

from web.auth import current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.before_request
def _admin_only():  # type: ignore[no-untyped-def]
    if current_actor().role != "admin":
        abort(404)


from web.admin import views  # noqa: E402,F401 — the routes register on ``bp``
from web.admin import clock, mail  # noqa: E402,F401 — /admin/clock, /admin/mail (the demo's tools)
