"""Admin views: each form is read, handed to one ``core.accounts`` call with the acting
admin, and the page shown again — with the error beside its field (422) when the core
refuses, after a redirect (303) when it stored something."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from casemgr.errors import DomainError
from web.admin import bp
from web.auth import current_actor
from web.filters import refusal
from web.htmx import render

FORMS: dict[str, tuple[str, ...]] = {  # form -> its fields (the core's field names where they match)
    "programme": ("code", "name", "insurer"),
    "business": ("code", "name", "industry", "annual_revenue_yen", "contacts", "lang"),
    "contacts": ("code", "contacts", "lang"),
    "user": ("email", "role", "name", "lang", "password", "business", "programmes"),
    "deactivate": ("email", "confirm"),
}
ROLES, LANGUAGES = ("insured", "staff", "admin"), ("ja", "en")


def _accounts():  # type: ignore[no-untyped-def]
    return current_app.extensions["casemgr"].accounts


def _split(raw: str) -> list[str]:
    return [part for part in re.split(r"[\s,、]+", raw) if part]


def _overview() -> dict[str, Any]:
    """Every programme and business (by code) and every user (in the order they were added)."""
    actor, accounts = current_actor(), _accounts()
    return {"users": accounts.list_users(actor),
            "programmes": sorted(accounts.list_programmes(actor), key=lambda p: p.code),
            "businesses": sorted(accounts.list_businesses(actor), key=lambda b: b.code),
            "offsets_for": current_app.extensions["casemgr"].settings.offsets_for}


def _page(status: int = 200, form: str | None = None, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return render("admin/index.html", status=status, form=form, values=values or {}, errors=errors or {},
                  roles=ROLES, languages=LANGUAGES, **_overview())


def _refused(form: str, exc: DomainError):  # type: ignore[no-untyped-def]
    field = re.sub(r"\[\d+\]$", "", (exc.field or "").split(".")[-1])  # contacts[0] -> contacts
    values = {k: v for k, v in request.form.items() if k not in ("password", "csrf_token")}
    return _page(422, form, values, {field if field in FORMS[form] else "": refusal(exc)})


def _done(message: str, section: str):  # type: ignore[no-untyped-def]
    flash(message)
    return redirect(url_for("admin.index", _anchor=section), 303)


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    return _page()


@bp.route("/programmes", methods=["POST"])
def add_programme():  # type: ignore[no-untyped-def]
    f = request.form
    try:
        added = _accounts().add_programme(f.get("code", "").strip(), f.get("name", "").strip(), current_actor(),
                                          insurer=f.get("insurer", "").strip())
    except DomainError as exc:
        return _refused("programme", exc)
    return _done(_("Programme %(code)s added.", code=added.code), "programmes")


@bp.route("/businesses", methods=["POST"])
def add_business():  # type: ignore[no-untyped-def]
    f = request.form
    raw_revenue = f.get("annual_revenue_yen", "").replace(",", "").strip() or "0"
    if not raw_revenue.isdigit():
        return _refused("business", DomainError(_("Enter a whole number of yen, 0 or more."), "annual_revenue_yen"))
    try:
        added = _accounts().add_business(
            f.get("code", "").strip(), f.get("name", "").strip(), current_actor(),
            industry=f.get("industry", "").strip(), annual_revenue_yen=int(raw_revenue),
            contacts=_split(f.get("contacts", "")), lang=f.get("lang", "ja"))
    except DomainError as exc:
        return _refused("business", exc)
    return _done(_("Business %(code)s added.", code=added.code), "businesses")


@bp.route("/businesses/contacts", methods=["POST"])
def update_contacts():  # type: ignore[no-untyped-def]
    f = request.form
    try:
        updated = _accounts().update_business(f.get("code", ""), current_actor(),
                                              contacts=_split(f.get("contacts", "")), lang=f.get("lang") or None)
    except DomainError as exc:
        return _refused("contacts", exc)
    return _done(_("Contacts of %(code)s saved.", code=updated.code), "businesses")


@bp.route("/users", methods=["POST"])
def add_user():  # type: ignore[no-untyped-def]
    f = request.form
    role = f.get("role", "")
    try:
        added = _accounts().add_user(
            f.get("email", "").strip(), role, f.get("name", "").strip(), f.get("lang", "ja"), f.get("password", ""),
            current_actor(), business=(f.get("business", "").strip() or None) if role == "insured" else None,
            programmes=_split(f.get("programmes", "")) if role == "staff" else ())
    except DomainError as exc:
        return _refused("user", exc)
    return _done(_("User %(email)s added.", email=added.email), "users")


@bp.route("/users/deactivate", methods=["POST"])
def deactivate_user():  # type: ignore[no-untyped-def]
    f = request.form
    if f.get("confirm") != "yes":
        return _refused("deactivate", DomainError(_("Tick the box to confirm."), "confirm"))
    if f.get("email", "").strip().lower() == current_actor().user.lower():
        return _refused("deactivate", DomainError(_("You cannot deactivate yourself."), "email"))
    try:
        user = _accounts().deactivate_user(f.get("email", "").strip(), current_actor())
    except DomainError as exc:
        return _refused("deactivate", exc)
    return _done(_("User %(email)s deactivated: they can no longer log in.", email=user.email), "users")
