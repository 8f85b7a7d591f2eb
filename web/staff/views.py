"""The staff pages: each view reads its form, makes one core call (or the two a page shows:
rows and counts) and renders the page or, for htmx, the fragment it includes."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from flask import current_app, flash, redirect, request, url_for
from flask_babel import format_date, gettext as _, ngettext
from werkzeug.routing import BuildError

from casemgr.errors import DomainError, NotFound, NotPermitted
from casemgr.readmodels.queries import Page
from casemgr.terms import PATTERNS, mid_term_start
from events.values import DEADLINES, JST
from web.auth import current_actor
from web.filters import refusal
from web.extensions import htmx
from web.htmx import render
from web.staff import bp
from web.staff import counts as counting
from web.staff.counts import deadline_counts
from web.staff.forms import (
    DEADLINE_LABELS, DEBIT_FIELD_OF, DEBIT_STATES, DEBIT_TYPES, LIMIT_FIELDS, PATTERN_CHOICES, RIDER_CHOICES,
    RIDER_LABELS, STATUS_LABELS, STATUS_ORDER, Listing, debit_payload, debit_values, field_of, listing,
    policy_payload, policy_values, yen_number,
)


def _service():  # type: ignore[no-untyped-def]
    return current_app.extensions["casemgr"].service


def incident_url(number: str, reference: str) -> str:
    """The incident page (``incidents.show``); its URL names POLICY/REFERENCE, URL-encoded. A
    policy's own deadline (no reference: its next premium debit) links to the policy page."""
    if not reference:
        return url_for("staff.policy", number=number)
    ref = f"{number}/{reference}"
    try:
        return url_for("incidents.show", ref=ref)
    except BuildError:  # that blueprint is not installed: the same URL by hand
        return "/incidents/" + quote(ref, safe="/")


def day(value: dt.date | None) -> str:
    """A due date with its weekday in the user's language: 2005-06-06 (月) / 2005-06-06 (Mon)."""
    return format_date(value, "yyyy-MM-dd (EEE)") if value else ""


def instant(value: str | None) -> str:
    """An ISO instant of the policy's terms, in JST."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).astimezone(JST).strftime("%Y-%m-%d %H:%M")


def when(row: Any, today: dt.date) -> str:
    """Days left, or overdue by, or when it was met."""
    if row.status in ("met", "met_late"):
        return _("met on %(day)s", day=day(row.met_on))
    if row.status == "not_applicable":
        return "—"
    left = (row.due - today).days
    if left > 0:
        return ngettext("%(num)d day left", "%(num)d days left", left)
    if left == 0:
        return _("due today")
    return ngettext("overdue by %(num)d day", "overdue by %(num)d days", -left)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"deadline_label": lambda name: DEADLINE_LABELS.get(name, name),
            "status_label": lambda name: STATUS_LABELS.get(name, name),
            "rider_label": lambda name: RIDER_LABELS.get(name, name),
            "incident_url": incident_url, "day": day, "when": when, "instant": instant,
            "STATUS_ORDER": STATUS_ORDER, "DEADLINES": DEADLINES}


def _own_programmes() -> tuple[str, ...]:
    return tuple(sorted(current_actor().programmes))


def _failed(f: Listing, exc: DomainError) -> None:
    f.errors[exc.field if exc.field in ("cursor", "per_page", "status") else ""] = refusal(exc)


# -- the deadline dashboard ----------------------------------------------------------------

@bp.route("/")
def dashboard():  # type: ignore[no-untyped-def]
    actor, service = current_actor(), _service()
    f = listing(request.args)
    today = service.today()
    page, counts = Page((), None), {}
    if not f.errors:
        try:
            page = service.deadlines(actor, today, f.flt, f.programmes, f.businesses, f.per_page, f.cursor)
            counts = deadline_counts(service, actor, today, f)
        except DomainError as exc:
            _failed(f, exc)
    return render("staff/dashboard.html", "staff/_deadlines.html", 400 if f.errors else 200,
                  f=f, result=page, counts=counts, count_cap=counting.CAP, today=today, programmes=_own_programmes(),
                  statuses=STATUS_ORDER)


# -- incidents -----------------------------------------------------------------------------

@bp.route("/incidents")
def incidents():  # type: ignore[no-untyped-def]
    actor, service = current_actor(), _service()
    f = listing(request.args, deadlines=False)
    policy = request.args.get("policy", "").strip() or None
    if policy:
        f.values["policy"] = policy
    today = service.today()
    page, counts = Page((), None), {}
    if not f.errors:
        try:
            page = service.incidents(actor, today, f.closed, f.programmes, f.businesses, policy, f.per_page, f.cursor)
            counts = service.incident_counts(actor, f.programmes, f.businesses)
        except DomainError as exc:
            _failed(f, exc)
    return render("staff/incidents.html", "staff/_incidents.html", 400 if f.errors else 200,
                  f=f, result=page, counts=counts, today=today, programmes=_own_programmes())


# -- policies ------------------------------------------------------------------------------

@bp.route("/policies")
def policies():  # type: ignore[no-untyped-def]
    rows = _service().policies(current_actor())
    return render("staff/policies.html", rows=rows, may_issue=current_actor().role == "staff")


def _issuer() -> tuple[str, ...]:
    """Only insurer staff issue policies, in their own programmes."""
    if current_actor().role != "staff":
        raise NotPermitted(_("Only insurer staff issue policies, in the programmes they are assigned to."))
    return _own_programmes()


def preview(values: dict[str, Any]) -> dict[str, Any]:
    """What the form would give: the limits and when coverage starts (for the preview only;
    the core decides on submit)."""
    out: dict[str, Any] = {"limits": PATTERNS.get(values["pattern"]), "pattern": values["pattern"],
                           "start": None, "problem": None}
    if values["pattern"] == "custom":
        limits = []
        for name in LIMIT_FIELDS:
            try:
                limits.append(int(str(values[name]).replace(",", "")))
            except ValueError:
                limits.append(None)
        if limits[1] is None:
            limits[1] = limits[2]
        out["limits"] = tuple(limits)
    try:
        start = dt.datetime.fromisoformat(values["period_start"]).replace(tzinfo=JST)
        end = dt.datetime.fromisoformat(values["period_end"]).replace(tzinfo=JST)
    except ValueError:
        return out
    out["start"], out["end"] = start, end
    if values["enrolment_applied_on"]:
        try:
            applied = dt.date.fromisoformat(values["enrolment_applied_on"])
        except ValueError:
            out["problem"] = _("Enter a date as YYYY-MM-DD.")
            return out
        out["start"] = mid_term_start(applied)
        out["mid_term"] = True
        if out["start"] <= start:
            out["problem"] = _("A mid-term enrolment must start after the programme starts.")
        elif out["start"] >= end:
            out["problem"] = _("Coverage would start at or after the end of the period.")
    return out


def premium_preview(values: dict[str, Any]) -> dict[str, Any]:
    """The premium estimate for the form's values (DOMAIN §10) under the programme's table: the
    core's ``premium_estimate``, or why there is none; the table's industry classes (offered
    beside the industry field) and the programme-size warning."""
    out: dict[str, Any] = {"quote": None, "problem": None, "warning": None, "classes": ()}
    if not values["programme"]:
        return out
    service = _service()
    try:
        summary = service.programme(current_actor(), values["programme"])
    except DomainError:
        return out
    out["warning"] = summary.warning
    premiums = (summary.programme.terms or {}).get("premiums")
    if not premiums:
        out["problem"] = _("This programme has no premium table: no estimate.")
        return out
    out["classes"] = tuple(dict.fromkeys(c for p, rows in premiums.items() if p != "bands_yen" for c in rows))
    revenue = yen_number(values["annual_revenue_yen"] or "0")
    applied = None
    if values["enrolment_applied_on"]:
        try:
            applied = dt.date.fromisoformat(values["enrolment_applied_on"])
        except ValueError:
            return out  # the coverage preview says so
    if values["pattern"] not in PATTERN_CHOICES:
        out["problem"] = _("Custom limits: the premium is quoted individually.")
    elif not values["industry"]:
        out["problem"] = _("Enter the industry class to see the premium.")
    elif revenue is None:
        out["problem"] = _("Enter the annual revenue as a whole number of yen.")
    else:
        try:
            out["quote"] = service.premium_estimate(current_actor(), values["programme"], values["pattern"],
                                                    values["industry"], revenue, bool(values["pl_insurance"]),
                                                    applied)
        except DomainError as exc:
            out["problem"] = refusal(exc)
    return out


def _policy_form(values: dict[str, Any], errors: dict[str, str], status: int = 200):  # type: ignore[no-untyped-def]
    return render("staff/policy_new.html", status=status, values=values, errors=errors,
                  programmes=_own_programmes(), patterns=PATTERNS, pattern_choices=PATTERN_CHOICES,
                  riders=RIDER_CHOICES, rider_labels=RIDER_LABELS, preview=preview(values),
                  premium=premium_preview(values))


@bp.route("/policies/new", methods=["GET", "POST"])
def new_policy():  # type: ignore[no-untyped-def]
    programmes = _issuer()
    if request.method == "GET":
        values = policy_values(request.args, programmes)
        if "period_start" not in request.args and "period_end" not in request.args:
            values.update(_programme_period(values["programme"]))
        return _policy_form(values, {})
    values = policy_values(request.form, programmes)
    payload, errors = policy_payload(values)
    if not errors:
        try:
            recorded = _service().issue_policy(current_actor(), payload)
        except DomainError as exc:
            errors[field_of(exc.field)] = refusal(exc)
        else:
            flash(_("Policy %(number)s issued.", number=payload["number"]))
            if recorded.view_error:
                flash(_("The lists may take a moment to show it."))
            return redirect(url_for("staff.policy", number=payload["number"]), 303)
    return _policy_form(values, errors, 422)


def _programme_period(code: str) -> dict[str, str]:
    """The programme's own period (from its programme file) as the form's defaults, in JST."""
    terms = _service().programme(current_actor(), code).programme.terms if code else None
    if not terms:
        return {}
    return {name: dt.datetime.fromisoformat(terms[name]).astimezone(JST).strftime("%Y-%m-%dT%H:%M")
            for name in ("period_start", "period_end")}


@bp.route("/policies/preview")
def policy_preview():  # type: ignore[no-untyped-def]
    values = policy_values(request.args, _issuer())
    return render("staff/policy_preview.html", "staff/_policy_preview.html", preview=preview(values),
                  premium=premium_preview(values))


def _debit_defaults(usage: Any, today: dt.date) -> dict[str, str]:
    """The debit form's defaults: a debit of the estimated premium on the day it is due (or today)."""
    due = usage.debits.due if usage.debits else today
    amount = usage.premium.premium_yen if usage.premium and usage.premium.premium_yen else ""
    return {"type": "PremiumDebited", "on": min(due, today).isoformat(), "amount_yen": str(amount), "note": ""}


def _policy_page(number: str, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 status: int = 200, trigger: str | None = None,
                 recorded: str | None = None):  # type: ignore[no-untyped-def]
    actor, service = current_actor(), _service()
    usage = service.policy(actor, number)
    today = service.today()
    may_void = actor.role == "staff" and usage.terms.programme in actor.programmes
    may_record = may_void and usage.cancelled_on is None
    return render("staff/policy.html", "staff/_policy.html", status, trigger=trigger, usage=usage, terms=usage.terms,
                  debits=usage.debits, values=values or _debit_defaults(usage, today), errors=errors or {},
                  may_record=may_record, may_void=may_void, today=today, debit_types=DEBIT_TYPES,
                  debit_states=DEBIT_STATES, recorded=recorded)


@bp.route("/policies/<path:number>")
def policy(number: str):  # type: ignore[no-untyped-def]
    return _policy_page(number)


@bp.route("/policies/<path:number>/debits", methods=["POST"])
def record_debit(number: str):  # type: ignore[no-untyped-def]
    """Staff record a debit or a failed debit (DOMAIN §10); two failures in a row cancel the
    policy from its start. The page (or, for htmx, the policy fragment) shows the outcome."""
    actor, service = current_actor(), _service()
    usage = service.policy(actor, number)  # NotFound first: not yours is not there
    values = debit_values(request.form, _debit_defaults(usage, service.today()))
    payload, errors = debit_payload(values)
    return _record_policy_event(number, payload, values, errors)


@bp.route("/policies/<path:number>/void", methods=["POST"])
def void_debit(number: str):  # type: ignore[no-untyped-def]
    """Staff void a debit event recorded by mistake (decision P15): the schedule, a
    cancellation and every statement under the policy follow the debits that remain."""
    actor, service = current_actor(), _service()
    usage = service.policy(actor, number)  # NotFound first: not yours is not there
    void = {"event": request.form.get("event", "").strip(), "reason": request.form.get("reason", "").strip()}
    errors = {} if void["reason"] else {"reason": str(_("Say why the event is wrong."))}
    payload = {"type": "EventVoided", "on": service.today().isoformat(), **void}
    values = {**_debit_defaults(usage, service.today()), **void}
    return _record_policy_event(number, payload, values, errors)


def _record_policy_event(number: str, payload: dict[str, Any], values: dict[str, str],
                         errors: dict[str, str]):  # type: ignore[no-untyped-def]
    if not errors:
        try:
            recorded = _service().record_policy_event(current_actor(), number, payload)
        except (NotFound, NotPermitted):
            raise
        except DomainError as exc:
            errors[DEBIT_FIELD_OF.get(exc.field or "", "")] = refusal(exc)
        else:
            if not htmx:
                flash(_("Recorded as %(id)s.", id=recorded.id))
                return redirect(url_for("staff.policy", number=number), 303)
            return _policy_page(number, trigger="policy-changed", recorded=recorded.id)
    return _policy_page(number, values, errors, 422)
