"""The operations of DOMAIN §9.1, each a thin call of ``casemgr.service`` with the token's actor.

Request bodies are read with ``casemgr.jsonio`` (size, depth, a key twice, NaN: the same
refusals and messages as the console command, as 400) and then validated by the core
exactly as a form or the console would (``validate_event``, the policy terms): the OpenAPI
schemas document that validation, they do not replace it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request, url_for

from casemgr.errors import DomainError
from casemgr.formatting import deadline_json, policy_json, premium_json, programme_json, statement_json, whatif_json
from casemgr.jsonio import MAX_EVENT_BYTES, MAX_IMPORT_BYTES, load_json, read_limited
from casemgr.readmodels.queries import DeadlineFilter
from casemgr.rules.deadlines import STATUSES
from events.values import DEADLINES, Actor
from web.api.routes import Malformed, Param, check_query, operation, q_bool, q_date, q_int, q_list, q_str

MAX_PER_PAGE = 500
VIEW_WARNING = "X-Casemgr-Warning"  # set when a write is stored but the read model could not follow yet

TODAY = Param("today", {"type": "string", "format": "date"},
              "Deadline statuses as of this business date (YYYY-MM-DD, JST); default: today.")
PAGE = Param("page", {"type": "string", "maxLength": 2000},
             "The opaque cursor of the page to show: the `next` of the previous page (absent: the first).")
PER_PAGE = Param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50},
                 "Rows per page, 1 to 500.")
PROGRAMME = Param("programme", {"type": "string"}, "Only this programme (repeat for several); "
                  "narrows what you may see, never widens it.", repeat=True)
BUSINESS = Param("business", {"type": "string"}, "Only this business (member code; repeat for several).",
                 repeat=True)
CLOSED = Param("closed", {"type": "boolean"}, "`true`: only closed incidents; `false`: only open ones.")


def _actor() -> Actor:
    return g.api_actor


def _service() -> Any:
    return current_app.extensions["casemgr"].service


def _body(limit: int = MAX_EVENT_BYTES, must_be_object: bool = True) -> Any:
    """The request's JSON, read as the console reads a file: hostile JSON is a 400."""
    try:
        value = load_json(read_limited(request.stream, limit, "body"), "body", limit)
    except DomainError as exc:
        raise Malformed(exc.message, exc.field) from None
    if must_be_object and not isinstance(value, dict):
        raise Malformed("must be a JSON object", "body")
    return value


def _created(payload: dict[str, Any], view_error: str | None, location: str | None = None) -> Any:
    response = jsonify(payload)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    if view_error:
        response.headers[VIEW_WARNING] = f"stored; the read model will catch up later ({view_error})"[:500]
    return response


def _cursor(page: str | None) -> str | None:
    if page is not None and (not page or len(page) > 2000):
        raise Malformed("is not a cursor this list gave out", "page")
    return page


def _paged(fetch: Any) -> Any:
    try:
        return fetch()
    except DomainError as exc:
        if exc.field == "cursor":
            raise Malformed(exc.message, "page") from None
        raise


def _incident_url(incident: str) -> str:
    return url_for("api.incident_resource", rest=incident)


# -- imports and policies ----------------------------------------------------------------------


@operation("POST", "/imports", "Import an incident log (DOMAIN §8)", body="IncidentLog", status=201,
           answer="Imported", refusals=(400, 401, 409, 422),
           description="All of it or nothing. Staff import into their own programmes, and only what staff may "
                       "record: a policy with no incidents (an incident opens with the insured's LeakDiscovered). "
                       "A whole log with incidents is the console operator's (`casemgr import`).")
def import_log() -> Any:
    check_query("import_log")
    log = _body(MAX_IMPORT_BYTES)
    result = _service().import_log(_actor(), log)
    return _created({"policy": str(result.policy), "incidents": {k: str(v) for k, v in result.incidents.items()}},
                    result.view_error)


@operation("GET", "/policies", "The policies you may see (at most 500, by number)", answer="PolicyList",
           query=(PROGRAMME, BUSINESS), refusals=(400, 401))
def list_policies() -> Any:
    check_query("list_policies")
    rows = _service().policies(_actor(), q_list("programme"), q_list("business"))
    items = [{"id": r["policy_id"], "number": r["number"], "programme": r["programme"], "business": r["business"]}
             for r in rows]
    return jsonify({"items": items, "next": None})


@operation("POST", "/policies", "Issue a policy (DOMAIN §2 terms)", body="PolicyTerms", status=201,
           answer="Created", refusals=(400, 401, 409, 422),
           description="Staff of the policy's programme. Limits not given take the pattern's; the rest the "
                       "defaults of §2.")
def issue_policy() -> Any:
    check_query("issue_policy")
    payload = _body()
    result = _service().issue_policy(_actor(), payload)
    return _created({"id": result.id}, result.view_error, url_for("api.show_policy", policy=result.id))


@operation("GET", "/policies/{policy}", "A policy's terms, the limits its incidents have used, its premium and debits",
           answer="PolicyUsage", path_params={"policy": "The policy's id or number."},
           description="The same as `casemgr policy show --json`, with the policy's id.")
def show_policy(policy: str) -> Any:
    check_query("show_policy")
    usage = _service().policy(_actor(), policy)
    return jsonify({"id": str(_service().find_policy(_actor(), policy)), **policy_json(usage)})


@operation("POST", "/policies/{policy}/events", "Record a policy event: a premium debit, a failed debit, or the "
           "voiding of one (DOMAIN §10)", body="PolicyEvent", status=201, answer="Recorded",
           refusals=(400, 401, 404, 409, 422), path_params={"policy": "The policy's id or number."},
           description="Staff of the policy's programme (as `casemgr policy record`). Two failed debits in a row "
                       "cancel the policy from its start; a debit event recorded by mistake is voided by "
                       "`EventVoided` naming it.")
def record_policy_event(policy: str) -> Any:
    check_query("record_policy_event")
    payload = _body()
    result = _service().record_policy_event(_actor(), policy, payload)
    return _created({"id": result.id}, result.view_error)


# -- programmes and premiums -----------------------------------------------------------------------

PATTERN = Param("pattern", {"type": "string", "enum": ["A", "B", "C", "D", "E"]}, "The pattern the table prices.")
INDUSTRY = Param("industry", {"type": "string", "minLength": 1, "maxLength": 100},
                 "An industry class of the programme's table (e.g. `retail`).")
REVENUE = Param("revenue_yen", {"type": "integer", "minimum": 0, "maximum": 10**15 - 1},
                "The business's annual revenue in yen.")
PL = Param("pl", {"type": "boolean", "default": False}, "`true`: holds a valid SME PL policy (5% off).")
APPLIED = Param("applied", {"type": "string", "format": "date"},
                "A mid-term application date: cover from the 1st of the second month after it.")


@operation("GET", "/programmes/{programme}", "A programme's terms, premium table, reminder days and size",
           answer="Programme", path_params={"programme": "The programme's code."},
           description="Its staff and admins (as `casemgr programmes show --json`).")
def show_programme(programme: str) -> Any:
    check_query("show_programme")
    return jsonify(programme_json(_service().programme(_actor(), programme)))


@operation("GET", "/premium", "Estimate a premium under a programme's table (DOMAIN §10)", answer="PremiumEstimate",
           query=(Param("programme", {"type": "string"}, "The programme's code."), PATTERN, INDUSTRY, REVENUE, PL,
                  APPLIED),
           description="As `casemgr premium --json`: the band, the months of a mid-term enrolment, the PL discount "
                       "and the first debit date; `premium_yen` is null when quoted individually. The programme's "
                       "staff and admins.")
def estimate_premium() -> Any:
    check_query("estimate_premium")
    given = {name: q_str(name) for name in ("programme", "pattern", "industry", "revenue_yen")}
    missing = next((name for name, value in given.items() if value is None), None)
    if missing:
        raise Malformed("is required", missing)
    revenue = q_int("revenue_yen", digits=15)
    quote = _service().premium_estimate(_actor(), given["programme"], given["pattern"], given["industry"], revenue,
                                        bool(q_bool("pl")), q_date("applied"))
    return jsonify(premium_json(quote))


# -- incidents -------------------------------------------------------------------------------------


@operation("GET", "/incidents", "The incidents you may see, newest discovery first", answer="IncidentList",
           query=(PROGRAMME, BUSINESS, CLOSED, Param("policy", {"type": "string"}, "Only this policy (id or number)."),
                  TODAY, PAGE, PER_PAGE),
           description="Each with its deadlines counted by status. Paged: pass the answer's `next` as `page`.")
def list_incidents() -> Any:
    check_query("list_incidents")
    per_page = q_int("per_page", 50)
    page = _paged(lambda: _service().incidents(
        _actor(), q_date("today"), q_bool("closed"), q_list("programme"), q_list("business"), q_str("policy"),
        per_page, _cursor(q_str("page"))))
    return jsonify({"items": [_incident_row(r) for r in page.rows], "next": page.next})


def _incident_row(r: Any) -> dict[str, Any]:
    return {"incident": str(r.incident), "reference": f"{r.policy_number}/{r.reference}",
            "policy": str(r.policy_id), "programme": r.programme, "business": r.business,
            "discovered_on": r.discovered_on.isoformat(), "accident_date": r.accident_date.isoformat(),
            "affected_count": r.affected_count, "closed": r.closed, "version": r.version, "deadlines": r.statuses}


@operation("POST", "/incidents", "Report a leak: open an incident with its LeakDiscovered", body="OpenIncident",
           status=201, answer="Created", refusals=(400, 401, 404, 409, 422))
def open_incident() -> Any:
    check_query("open_incident")
    body = _body()
    for name in body:
        if name not in ("policy", "reference", "event"):
            raise DomainError("is not a field of this request (policy, reference, event)", name)
    for name in ("policy", "reference", "event"):
        if name not in body:
            raise DomainError("is required", name)
    if not isinstance(body["policy"], str):
        raise DomainError("must be the policy's id or number (a string)", "policy")
    if not isinstance(body["event"], dict):
        raise DomainError("must be a LeakDiscovered event (an object)", "event")
    try:
        result = _service().open_incident(_actor(), body["policy"], body["reference"], body["event"])
    except DomainError as exc:
        if exc.field and exc.field != "policy" and exc.field != "reference" and not exc.field.startswith("event"):
            raise exc.within("event") from None
        raise
    return _created({"id": result.id}, result.view_error, _incident_url(result.id))


@operation("GET", "/incidents/{incident}", "The incident's summary and its deadlines", answer="IncidentSummary",
           query=(TODAY,), path_params={"incident": "The incident's id, or POLICY-NUMBER/REFERENCE with the / "
                                                   "URL-encoded (SK-2005-0001%2FINC-1)."})
def show_incident(incident: str) -> Any:
    check_query("show_incident")
    today = q_date("today")
    service = _service()
    view = service.incident(_actor(), incident)
    deadlines = service.incident_deadlines(_actor(), str(view.id), today)
    return jsonify({
        "incident": str(view.id), "reference": f"{view.policy_number}/{view.reference}",
        "policy": str(view.policy_id), "policy_number": view.policy_number,
        "programme": view.terms.programme, "business": view.terms.business,
        "version": view.version, "closed": view.closed, "summary": view.summary,
        "discovered_on": view.discovered_on.isoformat(), "accident_date": view.accident_date.isoformat(),
        "accident_estimated": view.accident_estimated, "affected_count": view.affected_count,
        "deadlines": [deadline_json(d) for d in deadlines],
    })


@operation("POST", "/incidents/{incident}/events", "Record one event (DOMAIN §3.1)", body="Event", status=201,
           answer="Recorded", refusals=(400, 401, 404, 409, 422),
           path_params={"incident": "The incident's id, or POLICY-NUMBER/REFERENCE URL-encoded."},
           description="Refused (422, naming the field; nothing stored): an unknown type or field, a negative "
                       "amount, an impossible date, an unknown claim, a role that may not record this type. "
                       "409: the incident kept changing under us, or this reminder was already sent.")
def record_event(incident: str) -> Any:
    check_query("record_event")
    event = _body()
    result = _service().record(_actor(), incident, event)
    return _created({"id": result.id}, result.view_error)


@operation("GET", "/incidents/{incident}/events", "The timeline: every event, voided ones included",
           answer="History", path_params={"incident": "The incident's id, or POLICY-NUMBER/REFERENCE URL-encoded."})
def list_events(incident: str) -> Any:
    check_query("list_events")
    rows = _service().history(_actor(), incident)
    return jsonify([
        {"id": r.id, "version": r.version, "type": r.type, "on": r.on.isoformat(), "at": r.at,
         "recorded_at": r.recorded_at.isoformat(), "by": r.by, "role": r.role, "note": r.note,
         "data": r.data, "voided_by": r.voided_by}
        for r in rows
    ])


@operation("GET", "/incidents/{incident}/statement", "What the policy pays, line by line (casemgr statement --json)",
           answer="Statement", query=(Param("version", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                                            "As the incident stood at this version."),),
           path_params={"incident": "The incident's id, or POLICY-NUMBER/REFERENCE URL-encoded."})
def show_statement(incident: str) -> Any:
    check_query("show_statement")
    return jsonify(statement_json(_service().statement(_actor(), incident, q_int("version"))))


@operation("GET", "/incidents/{incident}/whatif",
           "What if: the statement under each pattern A–E and the policy's own terms (casemgr whatif --json)",
           answer="WhatIf", path_params={"incident": "The incident's id, or POLICY-NUMBER/REFERENCE URL-encoded."},
           description="DOMAIN §12. Each column keeps the policy's deductible, coinsurance, riders and period and "
                       "takes the pattern's limits; the policy's earlier incidents use them up first. Each part "
                       "names the cap that binds it. Read only.")
def show_whatif(incident: str) -> Any:
    check_query("show_whatif")
    return jsonify(whatif_json(_service().whatif(_actor(), incident)))


@operation("GET", "/incidents/{incident}/export", "The incident log of one incident, re-importable",
           answer="IncidentLog", path_params={"incident": "The incident's id, or POLICY-NUMBER/REFERENCE URL-encoded."})
def export_incident(incident: str) -> Any:
    check_query("export_incident")
    return jsonify(_service().export(_actor(), incident))


# -- deadlines ---------------------------------------------------------------------------------------


@operation("GET", "/deadlines", "Deadlines across the incidents you may see: overdue first, then by due date",
           answer="DeadlineList",
           query=(TODAY, Param("incident", {"type": "string"}, "Only this incident (id or POLICY-NUMBER/REFERENCE)."),
                  Param("status", {"type": "string", "enum": list(STATUSES)}, "Only these statuses (repeat).",
                        repeat=True),
                  Param("deadline", {"type": "string", "enum": list(DEADLINES)}, "Only this kind of deadline."),
                  PROGRAMME, BUSINESS, CLOSED, PAGE, PER_PAGE),
           description="From the read model. Paged: pass the answer's `next` as `page`.")
def list_deadlines() -> Any:
    check_query("list_deadlines")
    service, actor = _service(), _actor()
    per_page, today, closed = q_int("per_page", 50), q_date("today"), q_bool("closed")
    incident = q_str("incident")
    target = service.find_incident(actor, incident) if incident is not None else None
    flt = DeadlineFilter(statuses=q_list("status") or STATUSES, deadline=q_str("deadline"), incident=target,
                         closed=closed)
    if flt.deadline is not None and flt.deadline not in DEADLINES:
        raise DomainError(f"unknown deadline {flt.deadline!r}; one of {', '.join(DEADLINES)}", "deadline")
    page = _paged(lambda: service.deadlines(actor, today, flt, q_list("programme"), q_list("business"),
                                            per_page, _cursor(q_str("page"))))
    return jsonify({"items": [deadline_json(r) for r in page.rows], "next": page.next})


# -- the document ------------------------------------------------------------------------------------


@operation("GET", "/openapi.json", "This document (OpenAPI 3.1); needs no token", answer=None, refusals=(),
           public=True)
def openapi() -> Any:
    from web.api.openapi import document
    return jsonify(document())
