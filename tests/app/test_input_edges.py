"""Inputs at the edges of the contract: each refused with its field named, nothing stored."""

from __future__ import annotations

import pytest

from events.errors import DomainError
from events.values import validate_event
from tests.conftest import INSURED, OPERATOR, STAFF

DISCOVERY = {"type": "LeakDiscovered", "on": "2005-06-01", "summary": "s", "cause": "vendor",
             "media": "paper", "data_items": ["name"], "affected_count": 10}


def refused_import(app, log) -> DomainError:
    with pytest.raises(DomainError) as caught:
        app.import_log(log, OPERATOR)
    return caught.value


@pytest.mark.parametrize("reference, message", [
    ("A/B", "contains '/'"), ("", "1 to 100 characters"), (7, "1 to 100 characters")])
def test_a_bad_incident_reference_is_refused_under_its_own_field(app, seed_log, reference, message):
    seed_log["incidents"][0]["reference"] = reference
    error = refused_import(app, seed_log)
    assert error.field == "incidents[0].reference" and message in error.message


def test_a_reference_used_twice_in_one_file_is_refused_under_the_second(app, seed_log):
    seed_log["incidents"].append(dict(seed_log["incidents"][0]))
    error = refused_import(app, seed_log)
    assert error.field == "incidents[1].reference" and "already has an incident 'INC-1'" in error.message


@pytest.mark.parametrize("name", ["incident", "liability", "expenses"])
def test_a_claim_cannot_take_the_name_of_an_exclusion_scope(app, seed_log, name):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    with pytest.raises(DomainError, match="names an exclusion scope"):
        app.record(incident, {"type": "ClaimReceived", "on": "2005-09-02", "claim_ref": name, "kind": "victims",
                              "claimants": 1, "amount_claimed_yen": 1, "forum": "japan", "lawsuit": False}, INSURED)


@pytest.mark.parametrize("payload, field", [
    ({"type": "NoteAdded", "on": "0001-01-01", "text": "x"}, "NoteAdded.on"),
    ({"type": "NoteAdded", "at": "9999-12-31T23:00:00-05:00", "text": "x"}, "NoteAdded.at"),
    ({"type": "NoteAdded", "at": "0001-01-01T00:00:00+10:00", "text": "x"}, "NoteAdded.at"),
])
def test_implausible_years_are_refused(payload, field):
    with pytest.raises(DomainError) as caught:
        validate_event(payload)
    assert caught.value.field == field and "plausible" in caught.value.message


def test_a_policy_period_in_an_implausible_year_is_refused(app, seed_log):
    seed_log["policy"]["period_start"] = "0001-01-01T00:00:00+10:00"
    assert refused_import(app, seed_log).field == "policy.period_start"


def test_a_corrected_discovery_cannot_put_the_leak_after_its_discovery(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]  # occurred 2005-05-20
    with pytest.raises(DomainError) as caught:
        app.record(incident, {**DISCOVERY, "on": "2005-05-19"}, INSURED)
    assert caught.value.field == "LeakDiscovered.on"
    assert app.record(incident, {**DISCOVERY, "on": "2005-05-21"}, INSURED) == "e9"
    assert app.deadlines(incident)[0].due.isoformat() == "2005-05-26"  # insurer notice moved


@pytest.mark.parametrize("reminder, field", [
    ({"deadline": "ppc_final", "offset_days": 7, "to": [], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"}, "ReminderSent.to"),
    ({"deadline": "insurer_notice", "claim_ref": "C1", "offset_days": 7, "to": ["a@example.jp"], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"}, "ReminderSent.claim_ref"),
    ({"deadline": "claim_filing_liability", "claim_ref": "NOPE", "offset_days": 7, "to": ["a@example.jp"], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"},
     "ReminderSent.claim_ref"),
    ({"deadline": "claim_filing_liability", "offset_days": 7, "to": ["a@example.jp"], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"}, "ReminderSent.claim_ref"),
])
def test_a_reminder_that_names_no_real_deadline_or_nobody_is_refused(app, seed_log, reminder, field):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    with pytest.raises(DomainError) as caught:
        app.record(incident, {"type": "ReminderSent", "on": "2006-01-12", **reminder}, OPERATOR)
    assert caught.value.field == field
    assert len(app.history(incident)) == 8
    assert app.record(incident, {"type": "ReminderSent", "on": "2006-01-12", "deadline": "claim_filing_liability",
                                 "claim_ref": "C1", "offset_days": 7, "to": ["a@example.jp"], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"}, OPERATOR) == "e9"


def test_an_import_may_refer_to_an_earlier_event_by_its_stored_style_id(app, seed_log):
    seed_log["incidents"][0]["events"].append({"type": "EventVoided", "on": "2005-06-04", "event": "e4",
                                               "reason": "the press release was withdrawn"})
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    assert app.history(incident)[3].voided_by == "e9"
    assert app.statement(incident).statement.expenses.payable_yen == 0  # no longer publicized
    seed_log["incidents"][0]["events"][-1]["event"] = "e10"  # not an earlier event
    seed_log["incidents"][0]["reference"] = "INC-2"
    assert "which no earlier event" in refused_import(app, seed_log).message


def test_staff_exclusion_of_the_expense_part_does_not_touch_claims(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    app.record(incident, {"type": "ExclusionApplied", "on": "2005-12-21", "scope": "expenses", "reason": "intent"}, STAFF)
    s = app.statement(incident).statement
    assert (s.liability.payable_yen, s.expenses.payable_yen) == (79_900_000, 0)
