"""Reading the staff pages' forms and query strings into what the core takes.

Only the shape is checked here (a number is a number, a date a date); every rule of the
policy itself is the core's (``service.issue_policy``), and its errors are put back beside
the field they name (``field_of``). Filters go back into links unchanged (``query``)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from casemgr.readmodels.queries import STATUSES, DeadlineFilter
from casemgr.terms import PATTERNS, RIDERS
from events.values import DEADLINES

PER_PAGE, MAX_PER_PAGE = 50, 500
CLOSED = {"": None, "open": False, "closed": True}

DEADLINE_LABELS = {
    "insurer_notice": _l("Accident notice to the insurer"),
    "ppc_preliminary": _l("PPC preliminary report"),
    "ppc_final": _l("PPC final report"),
    "individual_notice": _l("Notice to the individuals"),
    "expense_window": _l("Expense window"),
    "claim_filing_liability": _l("Insurance claim (liability)"),
    "claim_filing_expenses": _l("Insurance claim (expenses)"),
    "claims_made_cutoff": _l("Claims-made cut-off"),
    "premium_debit": _l("Premium debit"),
}
STATUS_LABELS = {
    "overdue": _l("Overdue"),
    "due_soon": _l("Due soon"),
    "open": _l("Open"),
    "met": _l("Met"),
    "met_late": _l("Met late"),
    "not_applicable": _l("Not applicable"),
}
STATUS_ORDER = ("overdue", "due_soon", "open", "met", "met_late", "not_applicable")
assert set(DEADLINE_LABELS) == set(DEADLINES) and set(STATUS_LABELS) == set(STATUSES)


@dataclass
class Listing:
    """The filters of a list page as the user gave them, what the core takes, and errors."""

    values: dict[str, Any]
    flt: DeadlineFilter = field(default_factory=DeadlineFilter)
    programmes: tuple[str, ...] | None = None
    businesses: tuple[str, ...] | None = None
    closed: bool | None = None
    per_page: int = PER_PAGE
    cursor: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **extra: Any) -> dict[str, Any]:
        """The filters as query arguments (for the next-page link), blanks left out."""
        out = {k: v for k, v in self.values.items() if v not in ("", None, [], ())}
        if self.per_page != PER_PAGE:
            out["per_page"] = self.per_page
        out.update({k: v for k, v in extra.items() if v is not None})
        return out


def _date(args: MultiDict, name: str, errors: dict[str, str]) -> dt.date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = str(_l("Enter a date as YYYY-MM-DD."))
        return None


def _codes(args: MultiDict, name: str) -> tuple[str, ...] | None:
    codes = tuple(c.strip() for c in args.getlist(name) if c.strip())
    return codes or None


def listing(args: MultiDict, deadlines: bool = True) -> Listing:
    """The dashboard's (``deadlines``) or the incident list's filters from a query string."""
    errors: dict[str, str] = {}
    closed_raw = args.get("closed", "")
    if closed_raw not in CLOSED:
        errors["closed"] = str(_l("Choose open, closed or all."))
        closed_raw = ""
    values: dict[str, Any] = {
        "programme": list(_codes(args, "programme") or ()), "business": list(_codes(args, "business") or ()),
        "closed": closed_raw,
    }
    result = Listing(values, programmes=_codes(args, "programme"), businesses=_codes(args, "business"),
                     closed=CLOSED[closed_raw], cursor=args.get("cursor") or None, errors=errors)
    try:
        result.per_page = int(args.get("per_page", PER_PAGE))
        if not 1 <= result.per_page <= MAX_PER_PAGE:
            raise ValueError
    except ValueError:
        errors["per_page"] = str(_l("Choose 1 to 500 rows a page."))
        result.per_page = PER_PAGE
    if deadlines:
        statuses = [s for s in args.getlist("status") if s]
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            errors["status"] = str(_l("Choose among the statuses shown."))
        deadline = args.get("deadline", "")
        if deadline and deadline not in DEADLINES:
            errors["deadline"] = str(_l("Choose among the deadlines shown."))
            deadline = ""
        due_from, due_to = _date(args, "due_from", errors), _date(args, "due_to", errors)
        if due_from and due_to and due_to < due_from:
            errors["due_to"] = str(_l("The end is before the start."))
        known = tuple(s for s in STATUSES if s in statuses)
        values.update(status=list(known), deadline=deadline, due_from=args.get("due_from", "").strip(),
                      due_to=args.get("due_to", "").strip())
        result.flt = DeadlineFilter(statuses=known or STATUSES, deadline=deadline or None,
                                    closed=result.closed, due_from=due_from, due_to=due_to)
    return result


# -- the new-policy form -------------------------------------------------------------------

PROGRAMME_START, PROGRAMME_END = "2005-04-01T16:00", "2006-04-01T16:00"  # the seeds' group programme, JST
PATTERN_CHOICES = tuple(PATTERNS)
RIDER_CHOICES = RIDERS
LIMIT_FIELDS = ("liability_limit_yen", "third_party_sublimit_yen", "expense_limit_yen")
RIDER_LABELS = {"network": _l("Network rider"), "credit_card": _l("Credit-card rider")}

# The core's field names (DomainError.field) -> this form's fields.
FIELD_OF = {
    "policy.number": "number", "number": "number", "programme": "programme", "policy.programme": "programme",
    "policy.insured.code": "business_code", "policy.insured.name": "business_name",
    "policy.insured.industry": "industry", "policy.insured.annual_revenue_yen": "annual_revenue_yen",
    "policy.insured": "business_name", "policy.pattern": "pattern",
    "policy.period_start": "period_start", "policy.period_end": "period_end",
    "policy.initial_inception": "period_start", "policy.enrolment_applied_on": "enrolment_applied_on",
    "policy.liability_limit_yen": "liability_limit_yen",
    "policy.third_party_sublimit_yen": "third_party_sublimit_yen",
    "policy.expense_limit_yen": "expense_limit_yen", "policy.deductible_yen": "deductible_yen",
    "policy.expense_coinsurance_pct": "expense_coinsurance_pct", "policy.riders": "riders",
    "policy.pl_insurance": "pl_insurance",
}


def field_of(core_field: str | None) -> str:
    """The form field a core error names; ``""`` for the form as a whole."""
    if not core_field:
        return ""
    if core_field in FIELD_OF:
        return FIELD_OF[core_field]
    head = core_field.split("[", 1)[0]
    return FIELD_OF.get(head, "")


def policy_defaults(programmes: tuple[str, ...]) -> dict[str, Any]:
    return {"programme": programmes[0] if len(programmes) == 1 else "", "number": "", "business_code": "",
            "business_name": "", "industry": "", "annual_revenue_yen": "", "pattern": "D",
            "liability_limit_yen": "", "third_party_sublimit_yen": "", "expense_limit_yen": "",
            "deductible_yen": "100000", "expense_coinsurance_pct": "90",
            "period_start": PROGRAMME_START, "period_end": PROGRAMME_END, "enrolment_applied_on": "",
            "riders": [], "pl_insurance": False}


def policy_values(form: MultiDict, programmes: tuple[str, ...]) -> dict[str, Any]:
    """The form's values as typed (to show them again), defaults where nothing was sent."""
    values = policy_defaults(programmes)
    for name in values:
        if name == "riders":
            values[name] = [r for r in form.getlist("riders") if r]
        elif name == "pl_insurance":
            values[name] = form.get("pl_insurance") in ("1", "on", "true", "yes")
        elif name in form:
            values[name] = form.get(name, "").strip()
    return values


def _instant(raw: str) -> str:
    """``YYYY-MM-DDTHH:MM`` read as JST (what a datetime-local input sends) -> ISO with offset."""
    value = dt.datetime.fromisoformat(raw)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone(dt.timedelta(hours=9)))
    return value.isoformat()


def policy_payload(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The payload of ``service.issue_policy`` from the form's values, and shape errors."""
    errors: dict[str, str] = {}
    insured: dict[str, Any] = {"name": values["business_name"], "industry": values["industry"]}
    if values["business_code"]:
        insured["code"] = values["business_code"]
    payload: dict[str, Any] = {"number": values["number"], "programme": values["programme"] or "default",
                               "insured": insured, "riders": list(values["riders"]),
                               "pl_insurance": bool(values["pl_insurance"])}

    def integer(name: str, required: bool = False) -> int | None:
        raw = str(values[name]).replace(",", "").replace("_", "").strip()
        if not raw:
            if required:
                errors[name] = str(_l("Enter an amount."))
            return None
        try:
            return int(raw)
        except ValueError:
            errors[name] = str(_l("Enter a whole number."))
            return None

    revenue = integer("annual_revenue_yen")
    insured["annual_revenue_yen"] = 0 if revenue is None else revenue
    for name in ("deductible_yen", "expense_coinsurance_pct"):
        number = integer(name)
        if number is not None:
            payload[name] = number
    if values["pattern"] in PATTERN_CHOICES:
        payload["pattern"] = values["pattern"]
    elif values["pattern"] == "custom":
        for name in LIMIT_FIELDS:
            number = integer(name, required=name != "third_party_sublimit_yen")
            if number is not None:
                payload[name] = number
    else:
        errors["pattern"] = str(_l("Choose a pattern or custom limits."))
    for name in ("period_start", "period_end"):
        try:
            payload[name] = _instant(values[name])
        except ValueError:
            errors[name] = str(_l("Enter a date and time (JST)."))
    if values["enrolment_applied_on"]:
        try:
            payload["enrolment_applied_on"] = dt.date.fromisoformat(values["enrolment_applied_on"]).isoformat()
        except ValueError:
            errors["enrolment_applied_on"] = str(_l("Enter a date as YYYY-MM-DD."))
    if values["programme"] == "":
        errors["programme"] = str(_l("Choose a programme."))
    return payload, errors


# -- premiums (DOMAIN §10): the estimate in the new-policy preview, debits on the policy page ----

DEBIT_TYPES = {"PremiumDebited": _l("Debited"), "PremiumDebitFailed": _l("Debit failed")}
DEBIT_STATES = {"due": _l("Not yet debited"), "paid": _l("Paid"), "cancelled": _l("Cancelled from its start")}
# The core's field names for a policy event -> the debit form's fields.
DEBIT_FIELD_OF = {"type": "type", "on": "on", "PremiumDebited.on": "on", "PremiumDebitFailed.on": "on",
                  "PremiumDebited.amount_yen": "amount_yen", "PremiumDebited.note": "note",
                  "PremiumDebitFailed.note": "note", "EventVoided.reason": "reason", "EventVoided.event": "event", "EventVoided.on": "event"}


def yen_number(raw: Any) -> int | None:
    """``１，２００円`` or ``1,200`` → 1200; None for anything that is not a whole number of yen."""
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "").replace("_", "").removesuffix("円")
    return int(text) if text.isascii() and text.isdigit() else None


def debit_values(form: MultiDict, defaults: dict[str, Any]) -> dict[str, Any]:
    """The debit form's values as typed, defaults where nothing was sent."""
    return {name: form.get(name, default).strip() for name, default in defaults.items()}


def debit_payload(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The policy event (``PremiumDebited`` / ``PremiumDebitFailed``) from the form, and shape errors."""
    errors: dict[str, str] = {}
    kind = values["type"]
    if kind not in DEBIT_TYPES:
        errors["type"] = str(_l("Choose debited or debit failed."))
    payload: dict[str, Any] = {"type": kind, "on": values["on"]}
    try:
        dt.date.fromisoformat(values["on"])
    except ValueError:
        errors["on"] = str(_l("Enter a date as YYYY-MM-DD."))
    if kind == "PremiumDebited":
        amount = yen_number(values["amount_yen"])
        if amount is None:
            errors["amount_yen"] = str(_l("Enter the amount debited, in yen."))
        payload["amount_yen"] = amount
    if values.get("note"):
        payload["note"] = values["note"]
    return payload, errors
