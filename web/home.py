"""The start page: each role to its own first page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from web.auth import current_actor
from web.htmx import render

bp = Blueprint("home", __name__)


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    role = current_actor().role
    target = {"insured": "incidents.index", "staff": "staff.dashboard", "admin": "staff.dashboard"}.get(role)
    try:
        return redirect(url_for(target)) if target else render("home.html")
    except Exception:  # noqa: BLE001 — that feature's pages are not installed
        return render("home.html")
