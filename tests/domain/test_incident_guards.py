"""DOMAIN §3: validation of the event vocabulary and the guards of the Incident aggregate.

Every refusal is a DomainError whose ``field`` names what is at fault, and a
refused command records nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid

import pytest

from events.errors import AlreadySent, DomainError, NotPermitted
from events.incident import Incident
from events.values import JST, validate_event
from tests.conftest import INSURED, OPERATOR, OTHER_INSURED, STAFF

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=JST)
TODAY = NOW.date()
POLICY = uuid.uuid4()

DISCOVERY = {
    "type": "LeakDiscovered", "on": "2005-06-01", "summary": "A USB stick was lost",
    "cause": "negligence", "media": "electronic", "data_items": ["name", "address"],
    "affected_count": 200,
}
LETTERS = {"type": "IndividualsNotified", "on": "2005-06-10", "recipients": 200, "cost_yen": 20_000}
CLAIM = {"type": "ClaimReceived", "on": "2005-09-01", "claim_ref": "C1", "kind": "victims", "claimants": 3,
         "amount_claimed_yen": 900_000, "forum": "japan", "lawsuit": False}
OTHER = {"type": "ExpensePaid", "on": "2005-06-12", "category": "other", "cost_yen": 50_000}


def refused(payload: dict, **changes) -> DomainError:
    """The error validate_event raises for the payload with changes."""
    with pytest.raises(DomainError) as caught:
        validate_event({**payload, **changes})
    return caught.value


def opened() -> Incident:
    _, fields = validate_event(DISCOVERY)
    return Incident.open(POLICY, "INC-1", fields, INSURED, NOW, TODAY)


def record(incident: Incident, payload: dict, actor=INSURED) -> str:
    kind, fields = validate_event(payload)
    return incident.record(kind, fields, actor, NOW, TODAY)


def refused_by(incident: Incident, payload: dict, actor=INSURED, error=DomainError) -> DomainError:
    """Record the payload, expect a refusal, check that nothing was triggered."""
    version, pending = incident.version, len(incident.pending_events)
    with pytest.raises(error) as caught:
        record(incident, payload, actor)
    assert incident.version == version
    assert len(incident.pending_events) == pending
    return caught.value


# -- the vocabulary ----------------------------------------------------------------


def test_an_unknown_event_type_is_refused():
    assert refused(LETTERS, type="LettersSent").field == "type"


def test_an_event_without_a_type_is_refused():
    assert refused({k: v for k, v in LETTERS.items() if k != "type"}).field == "type"


def test_an_unknown_field_is_refused_and_named():
    error = refused(LETTERS, colour="blue")
    assert error.field == "IndividualsNotified.colour"
    assert "not a field" in error.message


def test_a_victims_name_cannot_sneak_in_as_a_field():
    assert refused(LETTERS, names=["Taro Yamada"]).field == "IndividualsNotified.names"


def test_a_negative_amount_is_refused():
    assert refused(LETTERS, cost_yen=-1).field == "IndividualsNotified.cost_yen"


def test_a_zero_amount_is_accepted():
    assert validate_event({**LETTERS, "cost_yen": 0})[1]["data"]["cost_yen"] == 0


def test_a_float_amount_is_refused_even_when_whole():
    assert refused(LETTERS, cost_yen=20_000.0).field == "IndividualsNotified.cost_yen"


def test_a_count_given_as_a_string_is_refused():
    assert refused(LETTERS, recipients="200").field == "IndividualsNotified.recipients"


def test_a_count_given_as_a_boolean_is_refused():
    assert refused(LETTERS, recipients=True).field == "IndividualsNotified.recipients"


def test_a_negative_count_is_refused():
    assert refused(CLAIM, claimants=-3).field == "ClaimReceived.claimants"


def test_an_impossible_date_is_refused():
    error = refused(LETTERS, on="2005-02-30")
    assert error.field == "IndividualsNotified.on"
    assert "not a real date" in error.message


def test_a_date_not_written_yyyy_mm_dd_is_refused():
    assert refused(LETTERS, on="2005/06/10").field == "IndividualsNotified.on"


def test_an_instant_without_an_offset_is_refused():
    payload = {k: v for k, v in LETTERS.items() if k != "on"}
    error = refused(payload, at="2005-06-10T09:30:00")
    assert error.field == "IndividualsNotified.at"
    assert "offset" in error.message


def test_an_instant_with_an_offset_gives_the_jst_business_date():
    payload = {k: v for k, v in LETTERS.items() if k != "on"}
    _, fields = validate_event({**payload, "at": "2005-06-10T16:00:00+00:00"})
    assert fields["on"] == "2005-06-11"  # 01:00 JST the next day


def test_on_and_at_naming_different_jst_days_are_refused():
    with pytest.raises(DomainError):
        validate_event({**LETTERS, "at": "2005-06-09T10:00:00+09:00"})


def test_an_unknown_enumerated_value_is_refused():
    assert refused(CLAIM, kind="employees").field == "ClaimReceived.kind"
    assert refused(DISCOVERY, data_items=["name", "fingerprint"]).field.startswith("LeakDiscovered.data_items")


def test_a_data_item_listed_twice_is_refused():
    assert refused(DISCOVERY, data_items=["name", "name"]).field == "LeakDiscovered.data_items"


def test_a_withdrawn_claim_owing_damages_is_refused():
    resolution = {"type": "ClaimResolved", "on": "2005-10-01", "claim_ref": "C1", "outcome": "withdrawn"}
    withdrawn = refused(resolution, amount_yen=1)
    assert (withdrawn.field, withdrawn.message) == (
        "ClaimResolved.amount_yen", "must be 0: a withdrawn claim owes no damages")
    assert "a dismissed claim owes no damages" in refused(resolution, outcome="dismissed", amount_yen=5).message
    assert validate_event({**resolution, "amount_yen": 0})[0] == "ClaimResolved"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "ClaimResolved", "on": "2005-10-01", "claim_ref": "C1", "outcome": "withdrawn",
          "amount_yen": 1}, "ClaimResolved.amount_yen"),
        ({"type": "CallCenterOperated", "on": "2005-07-01", "from": "2005-06-20", "to": "2005-06-10",
          "calls": 10, "cost_yen": 1}, "CallCenterOperated.to"),
        ({"type": "IndividualsNotified", "recipients": 1, "cost_yen": 1}, "IndividualsNotified.on"),
    ],
)
def test_a_cross_field_refusal_names_the_field_at_fault(payload, field):
    assert refused(payload).field == field


def test_litigation_is_refused_as_an_expense_and_pointed_to_defence_cost_paid():
    error = refused(OTHER, category="litigation")
    assert error.field == "ExpensePaid.category"
    assert "DefenceCostPaid" in error.message


def test_the_rules_accept_the_seed_vocabulary(seed_log):
    for event in seed_log["incidents"][0]["events"]:
        kind, fields = validate_event(event)
        assert kind == event["type"]
        assert fields["on"] == event["on"]


# -- the aggregate's guards ----------------------------------------------------------


def test_a_date_after_today_is_refused():
    incident = opened()
    error = refused_by(incident, {**LETTERS, "on": "2026-11-23"})
    assert error.field == "on"
    assert "future" in error.message
    record(incident, {**LETTERS, "on": "2026-11-22"})  # today is fine


def test_an_instant_that_is_tomorrow_in_jst_is_refused():
    payload = {k: v for k, v in LETTERS.items() if k != "on"}
    refused_by(opened(), {**payload, "at": "2026-11-22T15:30:00+00:00"})  # 00:30 JST on the 23rd


def test_a_leak_cannot_occur_after_it_was_discovered():
    incident = opened()
    assert refused_by(incident, {"type": "LeakOccurred", "on": "2005-06-02"}).field == "LeakOccurred.on"
    record(incident, {"type": "LeakOccurred", "on": "2005-06-01"})


def test_defence_costs_for_an_unknown_claim_are_refused():
    incident = opened()
    error = refused_by(incident, {"type": "DefenceCostPaid", "on": "2005-10-01", "claim_ref": "C9", "cost_yen": 1})
    assert error.field == "DefenceCostPaid.claim_ref"


def test_an_event_about_a_claim_cannot_predate_its_receipt():
    incident = opened()
    record(incident, CLAIM)
    error = refused_by(incident, {"type": "DefenceCostPaid", "on": "2005-08-31", "claim_ref": "C1", "cost_yen": 1})
    assert error.field == "DefenceCostPaid.on"


def test_a_claim_reference_is_received_once():
    incident = opened()
    record(incident, CLAIM)
    assert refused_by(incident, {**CLAIM, "on": "2005-09-02"}).field == "ClaimReceived.claim_ref"


def test_a_claim_is_resolved_only_once_until_the_resolution_is_voided():
    incident = opened()
    record(incident, CLAIM)
    resolution = {"type": "ClaimResolved", "on": "2005-10-01", "claim_ref": "C1", "outcome": "judgment",
                  "amount_yen": 300_000}
    first = record(incident, resolution)
    assert refused_by(incident, {**resolution, "amount_yen": 400_000}).field == "ClaimResolved.claim_ref"
    record(incident, {"type": "EventVoided", "on": "2005-10-02", "event": first, "reason": "wrong amount"})
    record(incident, {**resolution, "amount_yen": 400_000})


def test_a_claim_cannot_be_voided_while_events_about_it_are_live():
    incident = opened()
    received = record(incident, CLAIM)
    record(incident, {"type": "DefenceCostPaid", "on": "2005-10-01", "claim_ref": "C1", "cost_yen": 1})
    error = refused_by(incident, {"type": "EventVoided", "on": "2005-10-02", "event": received, "reason": "x"})
    assert error.field == "EventVoided.event"


def test_the_discovery_that_opened_the_incident_cannot_be_voided():
    incident = opened()
    error = refused_by(incident, {"type": "EventVoided", "on": "2005-06-02", "event": "e1", "reason": "x"}, STAFF)
    assert error.field == "EventVoided.event"


def test_voiding_an_event_that_does_not_exist_is_refused():
    incident = opened()
    for ref in ("e99", "ad1", "e0"):
        assert refused_by(incident, {"type": "EventVoided", "on": "2005-06-02", "event": ref, "reason": "x"},
                          STAFF).field == "EventVoided.event"


def test_an_event_is_voided_once():
    incident = opened()
    letters = record(incident, LETTERS)
    record(incident, {"type": "EventVoided", "on": "2005-06-11", "event": letters, "reason": "x"})
    error = refused_by(incident, {"type": "EventVoided", "on": "2005-06-12", "event": letters, "reason": "x"})
    assert "already voided" in error.message


def test_coverage_is_decided_only_on_an_other_expense():
    incident = opened()
    letters = record(incident, LETTERS)
    error = refused_by(incident, {"type": "CoverageDecided", "on": "2005-06-20", "event": letters,
                                  "covered": True}, STAFF)
    assert error.field == "CoverageDecided.event"


def test_an_exclusion_scope_must_be_a_part_or_a_received_claim():
    incident = opened()
    error = refused_by(incident, {"type": "ExclusionApplied", "on": "2005-06-20", "scope": "C7",
                                  "reason": "intent"}, STAFF)
    assert error.field == "ExclusionApplied.scope"


def test_a_closed_incident_accepts_only_reopening_notes_and_payments():
    incident = opened()
    record(incident, {"type": "IncidentClosed", "on": "2005-12-01", "reason": "done"}, STAFF)
    refused_by(incident, LETTERS)
    record(incident, {"type": "InsurerPaid", "on": "2005-12-02", "part": "expenses", "amount_yen": 1}, STAFF)
    record(incident, {"type": "IncidentReopened", "on": "2005-12-03", "reason": "a late claim"}, STAFF)
    record(incident, LETTERS)


def test_a_reminder_is_recorded_once_per_deadline_due_date_and_offset():
    incident = opened()
    system = type(INSURED)("system", "worker")
    reminder = {"type": "ReminderSent", "on": "2005-06-01", "deadline": "insurer_notice", "offset_days": 3,
                "to": ["staff@example.jp"], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"}
    record(incident, reminder, system)
    repeat = refused_by(incident, {**reminder, "on": "2005-06-02"}, system, AlreadySent)
    assert repeat.field == "ReminderSent" and "already sent" in repeat.message
    record(incident, {**reminder, "offset_days": 1}, system)
    record(incident, {**reminder, "due": "2005-06-07"}, system)  # a moved deadline is a new deadline


# -- who may record what ---------------------------------------------------------------


def test_the_insured_cannot_decide_coverage():
    incident = opened()
    expense = record(incident, OTHER)
    error = refused_by(incident, {"type": "CoverageDecided", "on": "2005-06-20", "event": expense,
                                  "covered": True}, INSURED, NotPermitted)
    assert error.field == "type"


def test_staff_cannot_record_that_individuals_were_notified():
    error = refused_by(opened(), LETTERS, STAFF, NotPermitted)
    assert error.field == "type"


def test_the_insured_cannot_record_what_only_the_system_records():
    reminder = {"type": "ReminderSent", "on": "2005-06-01", "deadline": "insurer_notice", "offset_days": 3, "to": ["a@b.jp"], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"}
    refused_by(opened(), reminder, INSURED, NotPermitted)


def test_staff_cannot_open_an_incident():
    _, fields = validate_event(DISCOVERY)
    with pytest.raises(NotPermitted):
        Incident.open(POLICY, "INC-1", fields, STAFF, NOW, TODAY)


def test_the_insured_may_void_its_own_event():
    incident = opened()
    letters = record(incident, LETTERS, INSURED)
    record(incident, {"type": "EventVoided", "on": "2005-06-11", "event": letters, "reason": "typo"}, INSURED)
    assert letters not in {f.id for f in incident.facts()}


def test_the_insured_cannot_void_another_users_event():
    incident = opened()
    letters = record(incident, LETTERS, INSURED)
    error = refused_by(incident, {"type": "EventVoided", "on": "2005-06-11", "event": letters, "reason": "x"},
                       OTHER_INSURED, NotPermitted)
    assert error.field == "EventVoided.event"


def test_the_insured_cannot_void_an_event_staff_recorded():
    incident = opened()
    occurred = record(incident, {"type": "LeakOccurred", "on": "2005-05-30"}, STAFF)
    refused_by(incident, {"type": "EventVoided", "on": "2005-06-11", "event": occurred, "reason": "x"},
               INSURED, NotPermitted)


def test_the_insured_cannot_void_an_expense_once_staff_decided_on_it():
    incident = opened()
    expense = record(incident, OTHER, INSURED)
    record(incident, {"type": "CoverageDecided", "on": "2005-06-20", "event": expense, "covered": False}, STAFF)
    voiding = {"type": "EventVoided", "on": "2005-06-21", "event": expense, "reason": "x"}
    error = refused_by(incident, voiding, INSURED, NotPermitted)
    assert error.field == "EventVoided.event"
    assert "staff have decided" in error.message
    record(incident, voiding, STAFF)  # staff still may


def test_the_insured_cannot_void_a_claim_event_once_staff_consented_to_its_settlement():
    incident = opened()
    record(incident, CLAIM, INSURED)
    request = record(incident, {"type": "SettlementConsentRequested", "on": "2005-10-01", "claim_ref": "C1",
                                "amount_yen": 100_000}, INSURED)
    record(incident, {"type": "SettlementConsentGiven", "on": "2005-10-05", "claim_ref": "C1",
                      "amount_yen": 100_000}, STAFF)
    refused_by(incident, {"type": "EventVoided", "on": "2005-10-06", "event": request, "reason": "x"},
               INSURED, NotPermitted)


def test_settlement_consent_needs_a_request_first():
    incident = opened()
    record(incident, CLAIM, INSURED)
    error = refused_by(incident, {"type": "SettlementConsentGiven", "on": "2005-10-05", "claim_ref": "C1",
                                  "amount_yen": 1}, STAFF)
    assert error.field == "SettlementConsentGiven.claim_ref"


# -- through the application: nothing is stored ----------------------------------------


@pytest.fixture
def seeded(app, seed_log):
    return app.import_log(seed_log, OPERATOR).incidents["INC-1"]


@pytest.mark.parametrize(
    ("payload", "actor", "field"),
    [
        ({"type": "Nope", "on": "2005-06-01"}, INSURED, "type"),
        ({**LETTERS, "cost_yen": -5}, INSURED, "IndividualsNotified.cost_yen"),
        ({**LETTERS, "on": "2005-02-30"}, INSURED, "IndividualsNotified.on"),
        ({**LETTERS, "on": "2027-01-01"}, INSURED, "on"),
        ({"type": "DefenceCostPaid", "on": "2005-10-01", "claim_ref": "C9", "cost_yen": 1}, INSURED,
         "DefenceCostPaid.claim_ref"),
        ({"type": "ClaimResolved", "on": "2005-12-21", "claim_ref": "C1", "outcome": "settlement",
          "amount_yen": 1}, STAFF, "ClaimResolved.claim_ref"),
        ({"type": "CoverageDecided", "on": "2005-12-21", "event": "e5", "covered": True}, INSURED, "type"),
        (LETTERS, STAFF, "type"),
        ({"type": "EventVoided", "on": "2005-12-21", "event": "e5", "reason": "x"}, INSURED,
         "EventVoided.event"),  # recorded by the operator's import, not by alice
    ],
)
def test_a_refused_record_stores_nothing(app, seeded, payload, actor, field):
    before = len(app.history(seeded))
    with pytest.raises(DomainError) as caught:
        app.record(seeded, payload, actor)
    assert caught.value.field == field
    assert len(app.history(seeded)) == before
    assert app.statement(seeded).statement.total_payable_yen == 88_810_000


def test_an_import_must_start_with_leak_discovered_and_stores_nothing_when_it_does_not(app, seed_log):
    log = copy.deepcopy(seed_log)
    events = log["incidents"][0]["events"]
    events[0], events[1] = events[1], events[0]
    with pytest.raises(DomainError) as caught:
        app.import_log(log, OPERATOR)
    assert caught.value.field == "incidents[0].events[0].type"
    with pytest.raises(DomainError):  # NotFound: neither the policy nor the incident was stored
        app.incident(app.resolve("SK-2005-0001/INC-1"))


def test_an_import_with_one_bad_event_stores_nothing_and_names_it(app, seed_log):
    log = copy.deepcopy(seed_log)
    log["incidents"][0]["events"][4]["cost_yen"] = 1.5
    with pytest.raises(DomainError) as caught:
        app.import_log(log, OPERATOR)
    assert caught.value.field == "incidents[0].events[4].IndividualsNotified.cost_yen"
    with pytest.raises(DomainError):
        app.incident(app.resolve("SK-2005-0001/INC-1"))
    app.import_log(seed_log, OPERATOR)  # the good log still imports afterwards


def test_an_import_refers_to_an_event_only_by_an_earlier_local_id(app, seed_log):
    log = copy.deepcopy(seed_log)
    log["incidents"][0]["events"].append({"type": "EventVoided", "on": "2005-12-21", "event": "ad1", "reason": "x"})
    with pytest.raises(DomainError) as caught:
        app.import_log(log, OPERATOR)
    assert caught.value.field == "incidents[0].events[8].event"


def test_importing_the_same_incident_twice_is_refused(app, seed_log):
    app.import_log(seed_log, OPERATOR)
    with pytest.raises(DomainError):
        app.import_log(seed_log, OPERATOR)


def test_a_corrected_leak_discovered_stands_over_the_first(app, seeded):
    corrected = {**DISCOVERY, "on": "2005-06-01", "affected_count": 120_000}
    app.record(seeded, corrected, INSURED)
    assert app.incident(seeded).affected_count == 120_000


def test_an_import_with_a_second_leak_discovered_is_stored_or_refused_cleanly(app, seed_log):
    log = copy.deepcopy(seed_log)
    log["incidents"][0]["events"].append({**DISCOVERY, "on": "2005-06-02"})
    try:
        app.import_log(log, OPERATOR)
    except DomainError:
        pass
