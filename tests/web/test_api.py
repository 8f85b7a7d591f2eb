"""The JSON API (DOMAIN §9.1) through the test client: tokens, the access table, the worked
example, the error shape and codes, the OpenAPI document, and schemathesis against it."""

from __future__ import annotations

import copy
import datetime as dt
import json
from urllib.parse import quote

import pytest

from casemgr.errors import ConcurrentUpdate
from events.errors import AlreadySent
from tests.conftest import OPERATOR, SEED_001
from tests.conftest import ROOT as ROOT_DIR
from tests.web.conftest import ALICE, BOB, ROOT, SATO, login
from web.api.auth import TokenCache

API = "/api/v1"
PROGRAMME_FILE = json.loads((ROOT_DIR / "examples" / "programmes" / "shokokai-2005.json").read_text(encoding="utf-8"))
OWN_ID, OTHER_ID = "SK-1/INC-1", "SK-2/INC-1"
NOTE = {"type": "NoteAdded", "on": "2005-06-02", "text": "called the vendor"}
CALLERS = ("none", "bad", "alice", "bob", "sato", "root")


def enc(ref: str) -> str:
    return quote(ref, safe="")


@pytest.fixture
def tokens(web_app):
    accounts = web_app.extensions["casemgr"].accounts
    made = {who: accounts.create_token(email, "test", OPERATOR)
            for who, email in (("alice", ALICE), ("bob", BOB), ("sato", SATO), ("root", ROOT))}
    made["bad"] = made["alice"][:-4] + "AAAA"
    return made


@pytest.fixture
def api(client, tokens):
    """``api(who, method, path, body=None)`` -> response; ``who`` one of CALLERS."""
    def call(who: str, method: str, path: str, body=None, raw: bytes | None = None, **kwargs):
        headers = {} if who == "none" else {"Authorization": f"Bearer {tokens[who]}"}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return client.open(API + path, method=method, data=data, headers=headers,
                           content_type="application/json", **kwargs)
    return call


def policy_terms(number: str, programme: str, business: str = "B1") -> dict:
    return {"number": number, "programme": programme, "pattern": "D", "insured": {"code": business, "name": "Co."},
            "period_start": "2005-04-01T16:00:00+09:00", "period_end": "2006-04-01T16:00:00+09:00"}


def leak(on: str = "2005-06-01") -> dict:
    return {"type": "LeakDiscovered", "on": on, "summary": "USB stick lost", "cause": "negligence",
            "media": "electronic", "data_items": ["name"], "affected_count": 10}


# -- the access table: every route x caller x own/other -----------------------------------------------

R, W = "read", "write"
EXPECTED = {
    # caller: (own, other) for a route that reads an incident or policy
    R: {"none": (401, 401), "bad": (401, 401), "alice": (200, 404), "bob": (404, 200), "sato": (200, 404),
        "root": (200, 200)},
    # recording a NoteAdded: insured and staff may, an admin may not (a rule: 422)
    W: {"none": (401, 401), "bad": (401, 401), "alice": (201, 404), "bob": (404, 201), "sato": (201, 404),
        "root": (422, 422)},
    # opening an incident: only the insured records LeakDiscovered
    "open": {"none": (401, 401), "bad": (401, 401), "alice": (201, 404), "bob": (404, 201), "sato": (422, 404),
             "root": (422, 422)},
    # issuing a policy or importing a log in programme P1 (sato's) / P2: staff only, own programme only
    "issue": {"none": (401, 401), "bad": (401, 401), "alice": (422, 422), "bob": (422, 422), "sato": (201, 422),
              "root": (422, 422)},
    # a policy event (a debit): the programme's staff only; insured users and admins are refused by a rule
    "debit": {"none": (401, 401), "bad": (401, 401), "alice": (422, 404), "bob": (404, 422), "sato": (201, 404),
              "root": (422, 422)},
    # a programme and its estimates: its staff and admins; to anyone else it does not exist
    "programme": {"none": (401, 401), "bad": (401, 401), "alice": (404, 404), "bob": (404, 404), "sato": (200, 404),
                  "root": (200, 200)},
    # lists answer everyone with a token (what they hold is scoped: see below)
    "list": {"none": (401, 401), "bad": (401, 401), "alice": (200, 200), "bob": (200, 200), "sato": (200, 200),
             "root": (200, 200)},
}
TARGETS = {"own": (OWN_ID, "SK-1", "P1"), "other": (OTHER_ID, "SK-2", "P2")}
ROUTES = {
    "GET /incidents/{id}": (R, "GET", lambda t, n: f"/incidents/{enc(t[0])}", None),
    "GET /incidents/{id}/events": (R, "GET", lambda t, n: f"/incidents/{enc(t[0])}/events", None),
    "POST /incidents/{id}/events": (W, "POST", lambda t, n: f"/incidents/{enc(t[0])}/events", lambda t, n: NOTE),
    "GET /incidents/{id}/statement": (R, "GET", lambda t, n: f"/incidents/{enc(t[0])}/statement", None),
    "GET /incidents/{id}/whatif": (R, "GET", lambda t, n: f"/incidents/{enc(t[0])}/whatif", None),
    "GET /incidents/{id}/export": (R, "GET", lambda t, n: f"/incidents/{enc(t[0])}/export", None),
    "GET /policies/{policy}": (R, "GET", lambda t, n: f"/policies/{enc(t[1])}", None),
    "POST /incidents": ("open", "POST", lambda t, n: "/incidents",
                        lambda t, n: {"policy": t[1], "reference": f"NEW-{n}", "event": leak()}),
    "POST /policies": ("issue", "POST", lambda t, n: "/policies", lambda t, n: policy_terms(f"NP-{n}", t[2])),
    "POST /imports": ("issue", "POST", lambda t, n: "/imports",
                      lambda t, n: {"policy": policy_terms(f"IP-{n}", t[2]), "incidents": []}),
    "POST /policies/{policy}/events": ("debit", "POST", lambda t, n: f"/policies/{enc(t[1])}/events",
                                       lambda t, n: {"type": "PremiumDebited", "on": "2005-05-02", "amount_yen": 80_000}),
    "GET /programmes/{programme}": ("programme", "GET", lambda t, n: f"/programmes/{t[2]}", None),
    "GET /premium": ("programme", "GET", lambda t, n: f"/premium?programme={t[2]}&pattern=B&industry=retail"
                                                      "&revenue_yen=300000000", None),
    "GET /incidents": ("list", "GET", lambda t, n: "/incidents", None),
    "GET /deadlines": ("list", "GET", lambda t, n: "/deadlines", None),
    "GET /policies": ("list", "GET", lambda t, n: "/policies", None),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route_answers_each_caller_by_the_access_table(api, web_app, route):
    kind, method, path, body = ROUTES[route]
    if route == "GET /premium":  # programmes priced by the seed's table
        for code in ("P1", "P2"):
            web_app.extensions["casemgr"].service.import_programme(OPERATOR, {**PROGRAMME_FILE, "code": code})
    got, want = {}, {}
    for n, (who, (target, (label, t))) in enumerate(
            (who, item) for who in CALLERS for item in enumerate(TARGETS.items())):
        response = api(who, method, path(t, n), body(t, n) if body else None)
        got[(who, label)] = response.status_code
        want[(who, label)] = EXPECTED[kind][who][target]
        assert response.is_json, (who, label, response.data[:200])
        if response.status_code >= 400:
            assert set(response.get_json()["error"]) == {"field", "message"}
    assert got == want


def test_not_yours_is_answered_exactly_as_missing(api):
    theirs = api("alice", "GET", f"/incidents/{enc(OTHER_ID)}/statement")
    missing = api("alice", "GET", f"/incidents/{enc('SK-2/INC-404')}/statement")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json()["error"]["message"].replace("SK-2/INC-1", "X") == \
        missing.get_json()["error"]["message"].replace("SK-2/INC-404", "X")


def test_lists_hold_only_what_the_caller_may_see(api):
    def refs(who, path):
        return sorted(row.get("reference") or row["number"] for row in api(who, "GET", path).get_json()["items"])
    assert refs("alice", "/incidents") == ["SK-1/INC-1"]
    assert refs("bob", "/incidents") == ["SK-2/INC-1"]
    assert refs("sato", "/incidents") == ["SK-1/INC-1"]
    assert refs("root", "/incidents") == ["SK-1/INC-1", "SK-2/INC-1"]
    assert set(refs("bob", "/deadlines?today=2005-06-03")) == {"SK-2/INC-1"}
    assert refs("alice", "/policies") == ["SK-1"]
    assert refs("alice", "/incidents?programme=P2") == []  # a filter narrows, never widens


def test_a_browser_session_without_a_token_is_refused(client, api):
    login(client, ALICE)
    response = client.get(API + "/incidents")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_state_changing_calls_need_no_csrf_token_only_the_bearer_token(api):
    assert api("alice", "POST", f"/incidents/{enc(OWN_ID)}/events", NOTE).status_code == 201


# -- the worked example (DOMAIN §7) ------------------------------------------------------------------


def test_the_worked_example_imported_opened_recorded_and_its_statement_read(api):
    seed = json.loads(SEED_001.read_text(encoding="utf-8"))
    policy = {**seed["policy"], "programme": "P1", "insured": {**seed["policy"]["insured"], "code": "B1"}}
    imported = api("sato", "POST", "/imports", {"policy": policy, "incidents": []})
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json() == {"policy": imported.get_json()["policy"], "incidents": {}}
    first, *rest = seed["incidents"][0]["events"]
    opened = api("alice", "POST", "/incidents", {"policy": "SK-2005-0001", "reference": "INC-1", "event": first})
    assert opened.status_code == 201, opened.get_json()
    incident = opened.get_json()["id"]
    assert opened.headers["Location"].endswith(f"/incidents/{incident}")
    for n, event in enumerate(rest, start=2):
        recorded = api("alice", "POST", f"/incidents/{enc('SK-2005-0001/INC-1')}/events", event)
        assert recorded.status_code == 201, recorded.get_json()
        assert recorded.get_json() == {"id": f"e{n}"}
    statement = api("alice", "GET", f"/incidents/{incident}/statement").get_json()
    assert statement["liability"]["payable_yen"] == 79_900_000
    assert statement["expenses"]["payable_yen"] == 8_910_000
    assert statement["total_payable_yen"] == 88_810_000
    assert api("alice", "GET", f"/incidents/{incident}/statement?version=1").get_json()["total_payable_yen"] == 0
    due = {row["deadline"]: row["due"] for row in api(
        "sato", "GET", f"/deadlines?incident={incident}&today=2005-07-28&per_page=500").get_json()["items"]}
    assert due["ppc_final"] == "2005-08-01" and due["expense_window"] == "2005-11-16"
    assert due["claim_filing_liability"] == "2006-01-19" and due["insurer_notice"] == "2005-06-06"
    history = api("sato", "GET", f"/incidents/{incident}/events").get_json()
    assert [row["type"] for row in history] == [e["type"] for e in seed["incidents"][0]["events"]]
    assert history[1]["by"] == ALICE
    exported = api("root", "GET", f"/incidents/{incident}/export").get_json()
    assert [e["type"] for e in exported["incidents"][0]["events"]] == [row["type"] for row in history]
    summary = api("alice", "GET", f"/incidents/{enc('SK-2005-0001/INC-1')}?today=2005-07-28").get_json()
    assert summary["incident"] == incident and summary["business"] == "B1" and summary["version"] == 8
    shown = api("sato", "GET", "/policies/SK-2005-0001").get_json()
    assert shown["used"] == {"liability_yen": 79_900_000, "expenses_yen": 8_910_000}


def test_a_whole_log_with_incidents_is_the_consoles_not_staffs(api):
    seed = json.loads(SEED_001.read_text(encoding="utf-8"))
    seed["policy"]["programme"] = "P1"
    response = api("sato", "POST", "/imports", seed)
    assert response.status_code == 422
    assert "recorded by insured" in response.get_json()["error"]["message"]


# -- errors: shape and codes -----------------------------------------------------------------------


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"field", "message"}, body
    return body["error"]


@pytest.mark.parametrize("raw, words", [
    (b'{"type": "NoteAdded", "on": ', "not valid JSON"),
    (b'{"type": "NoteAdded", "type": "NoteAdded", "on": "2005-06-02", "text": "x"}', "appears twice"),
    (b"[" * 100 + b"]" * 100, "nested too deeply"),
    (b'{"n": NaN}', "not a JSON number"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[1, 2]", "must be a JSON object"),
    (b"", "not valid JSON"),
])
def test_unreadable_json_is_a_400_naming_the_body(api, raw, words):
    response = api("alice", "POST", f"/incidents/{enc(OWN_ID)}/events", raw=raw)
    assert response.status_code == 400
    error = error_of(response)
    assert error["field"] == "body" and words in error["message"]


def test_an_event_over_the_size_limit_is_a_400(api):
    big = {**NOTE, "text": "x" * (2 * 2**20)}
    response = api("alice", "POST", f"/incidents/{enc(OWN_ID)}/events", big)
    assert response.status_code == 400 and "larger than" in error_of(response)["message"]


@pytest.mark.parametrize("event, field, words", [
    ({**NOTE, "colour": "red"}, "NoteAdded.colour", "is not a field of this event type"),
    ({"type": "ExpensePaid", "on": "2005-06-02", "category": "consulting", "cost_yen": -1}, "ExpensePaid.cost_yen",
     "greater than or equal to 0"),
    ({**NOTE, "on": "2005-02-30"}, "NoteAdded.on", "not a real date"),
    ({"type": "Nonsense", "on": "2005-06-02"}, "type", "unknown event type"),
    ({"type": "DefenceCostPaid", "on": "2005-06-02", "claim_ref": "C9", "cost_yen": 1}, None, "C9"),
    ({"type": "ExclusionApplied", "on": "2005-06-02", "scope": "incident", "reason": "intent"}, "type",
     "recorded by staff"),
])
def test_an_event_the_rules_refuse_is_a_422_naming_the_field_and_nothing_is_stored(api, event, field, words):
    before = len(api("alice", "GET", f"/incidents/{enc(OWN_ID)}/events").get_json())
    response = api("alice", "POST", f"/incidents/{enc(OWN_ID)}/events", event)
    assert response.status_code == 422
    error = error_of(response)
    if field is not None:
        assert error["field"] == field
    assert words in error["message"]
    assert len(api("alice", "GET", f"/incidents/{enc(OWN_ID)}/events").get_json()) == before


def test_the_console_says_the_same_words(api, web_app):
    """The API's message is the core's DomainError message, as the console prints it after the field."""
    response = api("alice", "POST", f"/incidents/{enc(OWN_ID)}/events", {**NOTE, "colour": "red"})
    assert error_of(response) == {"field": "NoteAdded.colour", "message": "is not a field of this event type"}


@pytest.mark.parametrize("query, status, field", [
    ("?per_page=ten", 400, "per_page"),
    ("?per_page=0", 422, "per_page"),
    ("?per_page=501", 422, "per_page"),
    ("?today=2005-13-01", 400, "today"),
    ("?closed=maybe", 400, "closed"),
    ("?page=not-a-cursor", 400, "page"),
    ("?statuses=overdue", 400, "statuses"),
    ("?per_page=1&per_page=2", 400, "per_page"),
    ("?status=late", 422, "status"),
    ("?deadline=tomorrow", 422, "deadline"),
    ("?incident=SK-2%2FINC-1", 404, "incident"),
])
def test_query_parameters_that_do_not_parse_are_400_and_refused_values_422(api, query, status, field):
    response = api("bob" if "incident" not in query else "alice", "GET", "/deadlines" + query)
    assert response.status_code == status
    assert error_of(response)["field"] == field


def test_a_conflict_is_a_409(api, web_app, monkeypatch):
    def busy(*args, **kwargs):
        raise ConcurrentUpdate("the incident kept changing under 10 attempts; nothing was stored", None)
    monkeypatch.setattr(web_app.extensions["casemgr"].service, "record", busy)
    response = api("alice", "POST", f"/incidents/{enc(OWN_ID)}/events", NOTE)
    assert response.status_code == 409 and "nothing was stored" in error_of(response)["message"]


def test_a_reminder_already_sent_is_a_409(api, web_app, monkeypatch):
    """A repeated ReminderSent is the system's to record and no API user can be ``system``
    (tokens belong to insured, staff and admin users): through the API a ReminderSent is a
    role refusal (422). The 409 its AlreadySent would get is checked by raising it."""
    reminder = {"type": "ReminderSent", "on": "2005-06-02", "deadline": "insurer_notice", "due": "2005-06-06",
                "offset_days": 3, "to": [ALICE], "message_id": "<r1@casemgr>"}
    assert error_of(api("alice", "POST", f"/incidents/{enc(OWN_ID)}/events", reminder))["field"] == "type"

    def sent(*args, **kwargs):
        raise AlreadySent("this reminder was already sent (e2)", "ReminderSent")
    monkeypatch.setattr(web_app.extensions["casemgr"].service, "record", sent)
    response = api("alice", "POST", f"/incidents/{enc(OWN_ID)}/events", reminder)
    assert response.status_code == 409 and error_of(response)["field"] == "ReminderSent"


def test_an_unknown_path_is_a_json_404_and_a_wrong_method_a_json_405(api):
    assert api("alice", "GET", "/nothing/here").status_code == 404
    assert error_of(api("alice", "GET", "/incidents/a%0Ab/export"))["field"] == "incident"
    assert api("alice", "GET", "/policies/a%0Ab").status_code == 404
    assert error_of(api("alice", "GET", "/nothing/here"))["message"].startswith("no such path")
    wrong = api("alice", "DELETE", "/incidents")
    assert wrong.status_code == 405 and set(wrong.headers["Allow"].split(", ")) == {"GET", "POST"}
    wrong = api("alice", "POST", f"/incidents/{enc(OWN_ID)}/statement", NOTE)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET"
    assert api("alice", "GET", f"/incidents/{enc(OWN_ID)}/nothing").status_code == 404


def test_opening_an_incident_checks_its_body_like_an_event(api):
    def refused(body):
        response = api("alice", "POST", "/incidents", body)
        assert response.status_code == 422, response.get_json()
        return error_of(response)
    assert refused({"policy": "SK-1", "reference": "X"})["field"] == "event"
    assert refused({"policy": "SK-1", "reference": "X", "event": leak(), "extra": 1})["field"] == "extra"
    assert refused({"policy": "SK-1", "reference": "X", "event": NOTE})["field"] == "event.type"
    assert refused({"policy": "SK-1", "reference": "X", "event": {**leak(), "cause": "aliens"}})["field"] == \
        "event.LeakDiscovered.cause"
    assert refused({"policy": "SK-1", "reference": "A/B", "event": leak()})["field"] == "reference"
    assert refused({"policy": "SK-1", "reference": "INC-1", "event": leak()})["field"] == "reference"


# -- naming an incident ----------------------------------------------------------------------------------


def test_an_incident_is_named_by_its_id_or_its_encoded_policy_and_reference(api):
    by_ref = api("alice", "GET", f"/incidents/{enc(OWN_ID)}").get_json()
    by_id = api("alice", "GET", f"/incidents/{by_ref['incident']}").get_json()
    assert by_ref == by_id and by_ref["reference"] == OWN_ID


def test_a_reference_that_reads_like_a_sub_resource_is_still_the_incident(api):
    assert api("alice", "POST", "/incidents", {"policy": "SK-1", "reference": "events", "event": leak()}
               ).status_code == 201
    summary = api("alice", "GET", f"/incidents/{enc('SK-1/events')}")
    assert summary.status_code == 200 and summary.get_json()["reference"] == "SK-1/events"
    timeline = api("alice", "GET", f"/incidents/{enc('SK-1/events')}/events")
    assert timeline.status_code == 200 and [row["type"] for row in timeline.get_json()] == ["LeakDiscovered"]


# -- paging --------------------------------------------------------------------------------------------


def test_lists_are_paged_by_an_opaque_cursor_given_back_as_page(api):
    for n in range(3):
        api("alice", "POST", "/incidents", {"policy": "SK-1", "reference": f"P-{n}", "event": leak(f"2005-07-0{n + 1}")})
    seen, page = [], None
    while True:
        answer = api("alice", "GET", "/incidents?per_page=2" + (f"&page={page}" if page else "")).get_json()
        seen += [row["reference"] for row in answer["items"]]
        assert len(answer["items"]) <= 2
        if (page := answer["next"]) is None:
            break
    assert seen == ["SK-1/P-2", "SK-1/P-1", "SK-1/P-0", "SK-1/INC-1"]
    rows, page = [], None
    while True:
        answer = api("alice", "GET", "/deadlines?today=2005-07-28&per_page=3" + (f"&page={page}" if page else "")
                     ).get_json()
        rows += answer["items"]
        if (page := answer["next"]) is None:
            break
    everything = api("alice", "GET", "/deadlines?today=2005-07-28&per_page=500").get_json()
    assert rows == everything["items"] and everything["next"] is None


# -- tokens ------------------------------------------------------------------------------------------------


def test_a_token_is_checked_once_then_remembered_for_a_minute(api, web_app, monkeypatch):
    accounts = web_app.extensions["casemgr"].accounts
    calls = []
    real = accounts.authenticate_token
    monkeypatch.setattr(accounts, "authenticate_token", lambda token: calls.append(1) or real(token))
    for _ in range(3):
        assert api("alice", "GET", "/incidents").status_code == 200
    assert len(calls) == 1
    for _ in range(2):
        assert api("bad", "GET", "/incidents").status_code == 401
    assert len(calls) == 3  # a refused token is never remembered


def test_the_token_cache_forgets_after_its_time_and_keeps_no_token():
    clock = [0.0]
    cache = TokenCache(ttl=60, size=2, now=lambda: clock[0])
    cache.put("cm_secret", OPERATOR)
    assert cache.get("cm_secret") == OPERATOR
    assert all(b"cm_secret" not in key for key in cache._entries)
    clock[0] = 61
    assert cache.get("cm_secret") is None
    for n in range(3):
        cache.put(f"t{n}", OPERATOR)
    assert cache.get("t0") is None and cache.get("t2") == OPERATOR


def test_a_deactivated_users_token_stops_working_once_the_cache_forgets(api, web_app):
    assert api("bob", "GET", "/incidents").status_code == 200
    web_app.extensions["casemgr"].accounts.deactivate_user(BOB, OPERATOR)
    web_app.extensions["casemgr.api_tokens"].clear()
    assert api("bob", "GET", "/incidents").status_code == 401


# -- the OpenAPI document ---------------------------------------------------------------------------------


@pytest.fixture
def document(client):
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_openapi_document_is_valid_openapi_3_and_needs_no_token(document):
    from openapi_spec_validator import validate
    validate(document)
    assert document["openapi"].startswith("3.")


def test_the_openapi_document_lists_every_route_of_domain_9_1(document, web_app):
    listed = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert {("POST", "/api/v1/imports"), ("GET", "/api/v1/incidents"), ("POST", "/api/v1/incidents"),
            ("GET", "/api/v1/incidents/{incident}"), ("POST", "/api/v1/incidents/{incident}/events"),
            ("GET", "/api/v1/incidents/{incident}/events"), ("GET", "/api/v1/incidents/{incident}/statement"),
            ("GET", "/api/v1/incidents/{incident}/export"), ("GET", "/api/v1/deadlines"),
            ("GET", "/api/v1/policies/{policy}"), ("POST", "/api/v1/policies")} <= listed
    for rule in web_app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.incident_resource", "api.unknown"):
            path = rule.rule.replace("<anypath:", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, path) in listed


def test_the_event_schemas_are_the_cores_one_of_by_type(document):
    from events.values import SCHEMAS
    event = document["components"]["schemas"]["Event"]
    assert event["discriminator"]["propertyName"] == "type"
    assert len(event["oneOf"]) == len(SCHEMAS)
    leak_schema = document["components"]["schemas"]["LeakDiscovered"]
    assert leak_schema["additionalProperties"] is False
    assert leak_schema["properties"]["on"]["anyOf"][0]["format"] == "date"
    assert leak_schema["properties"]["affected_count"]["minimum"] == 0


def test_answers_match_their_documented_schemas(api, document):
    from jsonschema import Draft202012Validator

    def check(name, value):
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        errors = list(Draft202012Validator(schema).iter_errors(value))
        assert not errors, (name, errors[0].message)
    ref = enc(OWN_ID)
    api("alice", "POST", f"/incidents/{ref}/events", NOTE)
    check("IncidentSummary", api("alice", "GET", f"/incidents/{ref}?today=2005-07-28").get_json())
    check("History", api("alice", "GET", f"/incidents/{ref}/events").get_json())
    check("Statement", api("alice", "GET", f"/incidents/{ref}/statement").get_json())
    check("WhatIf", api("alice", "GET", f"/incidents/{ref}/whatif").get_json())
    declared = {"type": "OtherInsuranceDeclared", "on": "2005-07-01", "insurer": "Other Mutual", "part": "expenses",
                "limit_yen": 1, "deductible_yen": 0, "coinsurance_pct": 90}
    assert api("alice", "POST", f"/incidents/{ref}/events", declared).status_code == 201
    shared = api("alice", "GET", f"/incidents/{ref}/statement").get_json()
    check("Statement", shared)
    assert shared["apportionments"][0]["others"][0]["insurer"] == "Other Mutual"
    check("IncidentLog", api("alice", "GET", f"/incidents/{ref}/export").get_json())
    check("IncidentList", api("root", "GET", "/incidents").get_json())
    check("DeadlineList", api("root", "GET", "/deadlines?today=2005-07-28").get_json())
    check("PolicyList", api("root", "GET", "/policies").get_json())
    check("PolicyUsage", api("root", "GET", "/policies/SK-1").get_json())
    check("Error", api("alice", "GET", f"/incidents/{enc(OTHER_ID)}").get_json())
    check("Recorded", api("alice", "POST", f"/incidents/{ref}/events", NOTE).get_json())


def test_premiums_and_debits_through_the_api_are_the_consoles(api, web_app, document):
    """The estimate equals the core's; a debit, two failures (the cancellation) and the voiding
    of the second are recorded and the policy says what the console says (decision P15)."""
    from jsonschema import Draft202012Validator

    from casemgr.formatting import policy_json, premium_json

    def check(name, value):
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        errors = list(Draft202012Validator(schema).iter_errors(value))
        assert not errors, (name, errors[0].message)
    service = web_app.extensions["casemgr"].service
    service.import_programme(OPERATOR, {**PROGRAMME_FILE, "code": "P1"})
    query = "programme=P1&pattern=B&industry=retail&revenue_yen=300000000&pl=true&applied=2005-06-15"
    estimate = api("sato", "GET", f"/premium?{query}")
    assert estimate.status_code == 200, estimate.get_json()
    assert estimate.get_json() == premium_json(service.premium_estimate(
        OPERATOR, "P1", "B", "retail", 300_000_000, True, dt.date(2005, 6, 15)))
    assert estimate.get_json()["premium_yen"] == 80_000 * 8 // 12 * 95 // 100 and estimate.get_json()["approximate"]
    check("PremiumEstimate", estimate.get_json())
    check("Programme", api("sato", "GET", "/programmes/P1").get_json())
    assert api("sato", "GET", "/programmes/P1").get_json()["reminder_offsets"] == [7, 3, 1, 0]
    for on in ("2005-04-27", "2005-05-27"):
        assert api("sato", "POST", "/policies/SK-1/events", {"type": "PremiumDebitFailed", "on": on}).status_code == 201
    assert api("sato", "GET", "/policies/SK-1").get_json()["debits"]["cancelled_from_start"]
    voided = api("sato", "POST", "/policies/SK-1/events",
                 {"type": "EventVoided", "on": "2005-06-01", "event": "e4", "reason": "the bank's error"})
    assert voided.status_code == 201 and voided.get_json() == {"id": "e5"}
    shown = api("sato", "GET", "/policies/SK-1").get_json()
    check("PolicyUsage", shown)
    assert {k: v for k, v in shown.items() if k != "id"} == policy_json(service.policy(OPERATOR, "SK-1"))
    assert not shown["debits"]["cancelled_from_start"] and shown["voided_debits"][0]["voided_by"] == "e5"
    again = api("sato", "POST", "/policies/SK-1/events",
                {"type": "EventVoided", "on": "2005-06-01", "event": "e4", "reason": "twice"})
    assert again.status_code == 422 and again.get_json()["error"] == {
        "field": "EventVoided.event", "message": "event e4 was already voided by e5"}


@pytest.mark.parametrize("query, status, field", [
    ("pattern=B&industry=retail&revenue_yen=1", 400, "programme"),
    ("programme=P1&pattern=B&industry=retail&revenue_yen=1e9", 400, "revenue_yen"),
    ("programme=P1&pattern=B&industry=retail&revenue_yen=1&pl=yes", 400, "pl"),
    ("programme=P1&pattern=B&industry=mining&revenue_yen=1", 422, "industry"),
    ("programme=NOPE&pattern=B&industry=retail&revenue_yen=1", 404, "programme"),
])
def test_a_bad_estimate_request_names_the_field(api, web_app, query, status, field):
    web_app.extensions["casemgr"].service.import_programme(OPERATOR, {**PROGRAMME_FILE, "code": "P1"})
    response = api("root", "GET", f"/premium?{query}")
    assert (response.status_code, response.get_json()["error"]["field"]) == (status, field), response.get_json()


# -- schemathesis against the app's own document ------------------------------------------------------------

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from casemgr.settings import Settings  # noqa: E402
from tests.web.conftest import incident_log  # noqa: E402
from web import create_app  # noqa: E402


@pytest.fixture
def fuzzed(sqlite_url, clock, tmp_path):
    """The app on SQLite with the conftest's two incidents and an insured user's token."""
    app = create_app(Settings(sqlite_url, instance=str(tmp_path / "instance")), clock=clock, config={"TESTING": True})
    core = app.extensions["casemgr"]
    core.service.import_log(OPERATOR, incident_log("SK-1", "P1", "B1"))
    core.service.import_log(OPERATOR, incident_log("SK-2", "P2", "B2"))
    core.accounts.add_user(ALICE, "insured", "Alice", "ja", "correct horse battery staple", OPERATOR, business="B1")
    app.config["API_TEST_TOKEN"] = core.accounts.create_token(ALICE, "fuzz", OPERATOR)
    yield app
    core.close()


@pytest.mark.parametrize("mode", ["positive", "negative", "own"])
def test_schemathesis_finds_no_server_error(fuzzed, mode):
    """Every operation of the app's own /api/v1/openapi.json, through the WSGI app with a valid
    token: data that fits the document, data that does not, and data that fits aimed at the
    caller's own incident and policy (random ids are mostly 404s); never a 5xx.

    (The Python API rather than ``schemathesis.pytest.from_fixture``: its lazy loader reads a
    pytest internal that pytest 9 no longer has.)"""
    from collections import Counter

    from hypothesis import given
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_wsgi(API + "/openapi.json", fuzzed)
    headers = {"Authorization": f"Bearer {fuzzed.config['API_TEST_TOKEN']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len({(op.method, op.path) for op in operations}) >= 12
    calls: Counter = Counter()
    for operation in operations:
        aimed = {name: value for name, value in (("incident", OWN_ID), ("policy", "SK-1"))
                 if mode == "own" and "{" + name + "}" in operation.path}
        strategy = operation.as_strategy(generation_mode=GenerationMode("negative" if mode == "negative" else "positive"),
                                         path_parameters=aimed or None)

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            calls[response.status_code] += 1
            assert response.headers.get("content-type", [""])[0].startswith("application/json"), (case.formatted_path,
                                                                                       response.status_code)
        run()
    assert calls and max(calls) < 500, calls
    assert calls[200] + calls[201] > 0, calls  # some calls got through, not only refusals


EXAMPLES = 30
