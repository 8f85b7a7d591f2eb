"""Who sees and does what (DOMAIN §9), as one table: each role × each command and query ×
its own incident / another business's → the outcome. Anything not one's own is NotFound,
worded exactly as for an id that does not exist."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from casemgr.bootstrap import bootstrap
from casemgr.errors import NotFound, NotPermitted
from casemgr.readmodels.queries import DeadlineFilter
from casemgr.settings import Settings
from events.values import Actor
from tests.conftest import OPERATOR

OWN, OTHER, MISSING = "SK-1/INC-1", "SK-2/INC-1", "SK-9/INC-9"
PASSWORD = "correct horse battery staple"

INSURED = Actor("insured", "alice@b1.jp", business="B1")
STAFF = Actor("staff", "sato@insurer.jp", programmes=frozenset({"P1"}))
ADMIN = Actor("admin", "root@insurer.jp")
STRANGER = Actor("insured", "mallory@b3.jp", business="B3")  # a business with no incidents


def log(number: str, programme: str, business: str) -> dict:
    return {
        "policy": {"number": number, "programme": programme, "pattern": "D",
                   "insured": {"code": business, "name": f"{business} K.K."},
                   "period_start": "2005-04-01T16:00:00+09:00", "period_end": "2006-04-01T16:00:00+09:00"},
        "incidents": [{"reference": "INC-1", "events": [
            {"type": "LeakDiscovered", "on": "2005-06-01", "summary": "USB stick lost", "cause": "negligence",
             "media": "electronic", "data_items": ["name"], "affected_count": 10},
        ]}],
    }


@pytest.fixture
def service(store_url, clock):
    with bootstrap(Settings(store_url), clock=clock) as core:
        core.service.import_log(OPERATOR, log("SK-1", "P1", "B1"))
        core.service.import_log(OPERATOR, log("SK-2", "P2", "B2"))
        yield core.service


NOTE = {"type": "NoteAdded", "on": "2005-06-02", "text": "called the vendor"}
READS = {
    "incident": lambda s, a, ref: s.incident(a, ref),
    "statement": lambda s, a, ref: s.statement(a, ref),
    "history": lambda s, a, ref: s.history(a, ref),
    "export": lambda s, a, ref: s.export(a, ref),
    "deadlines of one incident": lambda s, a, ref: s.incident_deadlines(a, ref),
    "policy": lambda s, a, ref: s.policy(a, ref.split("/")[0]),
    "record a note": lambda s, a, ref: s.record(a, ref, NOTE),
    "open an incident": lambda s, a, ref: s.open_incident(a, ref.split("/")[0], "INC-NEW", {
        "type": "LeakDiscovered", "on": "2005-07-01", "summary": "s", "cause": "unknown", "media": "paper",
        "data_items": ["name"], "affected_count": 1}),
    "record a premium debit": lambda s, a, ref: s.record_policy_event(a, ref.split("/")[0], {
        "type": "PremiumDebited", "on": "2005-04-27", "amount_yen": 75_000}),
}
# (actor, incident) -> what happens: "ok", or the error type.
TABLE = [
    (INSURED, OWN, "ok"), (INSURED, OTHER, NotFound),
    (STAFF, OWN, "ok"), (STAFF, OTHER, NotFound),
    (ADMIN, OWN, "ok"), (ADMIN, OTHER, "ok"),
    (OPERATOR, OWN, "ok"), (OPERATOR, OTHER, "ok"),
    (STRANGER, OWN, NotFound), (STRANGER, OTHER, NotFound),
]
# What a role may not record even on what it sees (DOMAIN §3.1 "recorded by").
RECORDS_NOTHING = {("admin", "record a note"), ("admin", "open an incident"), ("staff", "open an incident"),
                   ("admin", "record a premium debit"), ("insured", "record a premium debit")}


@pytest.mark.parametrize("operation", READS)
@pytest.mark.parametrize("actor, incident, expected", TABLE, ids=lambda v: getattr(v, "user", v))
def test_access_table(service, operation, actor, incident, expected):
    if expected == "ok" and (actor.role, operation) in RECORDS_NOTHING:
        expected = NotPermitted
    if expected == "ok":
        assert READS[operation](service, actor, incident) is not None
        return
    with pytest.raises(expected) as caught:
        READS[operation](service, actor, incident)
    if expected is NotFound:
        with pytest.raises(NotFound) as missing:
            READS[operation](service, ADMIN, MISSING)
        # Not yours reads exactly like does not exist (only the name typed differs).
        assert caught.value.field == missing.value.field
        assert caught.value.message.replace(incident, "X").replace(incident.split("/")[0], "X") == \
            missing.value.message.replace(MISSING, "X").replace(MISSING.split("/")[0], "X")


@pytest.mark.parametrize("actor, visible", [
    (INSURED, {"SK-1"}), (STAFF, {"SK-1"}), (ADMIN, {"SK-1", "SK-2"}), (OPERATOR, {"SK-1", "SK-2"}),
    (STRANGER, set()), (Actor("staff", "nobody@insurer.jp"), set()),
])
def test_lists_hold_only_what_the_actor_may_see(service, actor, visible):
    today = dt.date(2005, 6, 3)
    deadlines = service.deadlines(actor, today, per_page=100).rows
    incidents = service.incidents(actor, today, per_page=100).rows
    assert {r.policy_number for r in deadlines} == visible
    assert {r.policy_number for r in incidents} == visible
    assert sum(service.incident_counts(actor).values()) == len(visible)
    # Asking for someone else's programme or business narrows to nothing; it never widens.
    assert service.deadlines(actor, today, programmes=("P2",), per_page=100).rows == () or actor.role in (
        "admin", "operator")
    assert service.incidents(actor, today, businesses=("B2",)).rows == () or actor.role in ("admin", "operator")


def test_an_insured_user_logged_in_by_password_sees_its_own_business_only(service, store_url, clock):
    with bootstrap(Settings(store_url), clock=clock) as core:
        core.accounts.add_user("alice@b1.jp", "insured", "Alice", "ja", PASSWORD, OPERATOR, business="B1")
        core.accounts.add_user("sato@insurer.jp", "staff", "Sato", "ja", PASSWORD, OPERATOR, programmes=("P2",))
        alice = core.accounts.authenticate_password("alice@b1.jp", PASSWORD)
        sato = core.accounts.authenticate_password("sato@insurer.jp", PASSWORD)
        assert core.service.statement(alice, OWN).incident.policy_number == "SK-1"
        with pytest.raises(NotFound):
            core.service.statement(alice, OTHER)
        assert core.service.statement(sato, OTHER).incident.policy_number == "SK-2"
        with pytest.raises(NotFound):
            core.service.record(sato, OWN, NOTE)


def test_staff_import_only_into_their_programmes_and_insured_users_not_at_all(service):
    mine, theirs = log("SK-3", "P1", "B9"), log("SK-4", "P2", "B9")
    staff = Actor("staff", "sato@insurer.jp", programmes=frozenset({"P1"}))
    with pytest.raises(NotPermitted):
        service.import_log(staff, theirs)
    with pytest.raises(NotPermitted):
        service.import_log(INSURED, copy.deepcopy(mine))
    assert service.deadlines(ADMIN, dt.date(2005, 6, 3), DeadlineFilter(), programmes=("P2",)).rows[0].business == "B2"


@pytest.mark.parametrize("actor, numbers", [(INSURED, ["SK-1"]), (STAFF, ["SK-1"]), (ADMIN, ["SK-1", "SK-2"]),
                                            (STRANGER, [])])
def test_policies_listed_are_those_the_actor_may_see(service, actor, numbers):
    assert [p["number"] for p in service.policies(actor)] == numbers
