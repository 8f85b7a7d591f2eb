"""Dates are ``YYYY-MM-DD`` and instants ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` with an offset
or ``Z``, in the years 1900-2999, everywhere (events, policies, ``--today``); nothing a
business does about a leak is dated before it knew of it (issue 5, item 6)."""

from __future__ import annotations

import pytest

from events.values import validate_event
from tests.conftest import INSURED, OPERATOR
from tests.hostile.conftest import assert_refused, refused

NOTE = {"type": "NoteAdded", "text": "x"}


@pytest.mark.parametrize("on", [
    "2005-W51-4", "2005-355", "20050601", "2005-6-1", "2005-06-1", "２００５-06-01", "2005-06-0١",
    "2005-06-01T00:00", "2005-06-01 ", " 2005-06-01", "2005/06/01", "+2005-06-01", "2005-02-29", 20050601,
])
def test_a_business_date_is_written_yyyy_mm_dd_and_nothing_else(on):
    error = refused(validate_event, {**NOTE, "on": on})
    assert error.field == "NoteAdded.on"


@pytest.mark.parametrize("at", [
    "2005-06-01 10:00+09:00", "2005-06-01T10:00", "2005-06-01T10+09:00", "2005-06-01T10:00:00+09:00:30",
    "2005-W22-3T10:00+09:00", "20050601T100000+0900", "2005-06-01T10:00:00.1234567+09:00", "2005-06-01t10:00Z",
    "2005-06-01T10:00:00+09", "2005-06-01T24:00+09:00",
])
def test_an_instant_is_written_in_one_iso_8601_form(at):
    assert refused(validate_event, {**NOTE, "at": at}).field == "NoteAdded.at"


@pytest.mark.parametrize("at", [
    "2005-06-01T10:00+09:00", "2005-06-01T10:00:30+09:00", "2005-06-01T10:00:30.5+09:00",
    "2005-06-01T01:00:30.123456Z", "2005-06-01T01:00:00-00:00",
])
def test_the_iso_8601_instants_we_accept(at):
    assert validate_event({**NOTE, "at": at})[1]["on"] == "2005-06-01"


@pytest.mark.parametrize("field, value", [
    ("period_start", "2005-W13-5T16:00+09:00"), ("period_end", "2006-04-01 16:00+09:00"),
    ("initial_inception", "2005-04-01"), ("enrolment_applied_on", "2005-W20-1"),
])
def test_policy_dates_are_as_strict(app, seed_log, field, value):
    seed_log["policy"][field] = value
    assert refused(app.import_log, seed_log, OPERATOR).field == f"policy.{field}"


# -- nothing the business does about the leak comes before it knew of it -------------------

@pytest.fixture
def incident(app, seed_log):
    return app.import_log(seed_log, OPERATOR).incidents["INC-1"]  # discovered 2005-06-01


@pytest.mark.parametrize("payload", [
    {"type": "InsurerNotified", "channel": "written"},
    {"type": "RegulatorReported", "stage": "preliminary"},
    {"type": "RegulatorReported", "stage": "final"},
])
def test_a_notice_to_the_insurer_or_a_report_to_the_ppc_before_the_discovery_is_refused(app, incident, payload):
    error = refused(app.record, incident, {**payload, "on": "2005-05-31"}, INSURED)
    assert error.field == f"{payload['type']}.on" and "before the leak was discovered (2005-06-01)" in error.message
    assert len(app.history(incident)) == 8
    assert app.record(incident, {**payload, "on": "2005-06-01"}, INSURED) == "e9"  # the same day is fine


@pytest.mark.parametrize("payload", [
    {"type": "LeakOccurred"}, {"type": "Publicized", "how": "media_report"}, NOTE,
    {"type": "ExpensePaid", "category": "consulting", "cost_yen": 1},
    {"type": "ClaimReceived", "claim_ref": "C2", "kind": "victims", "claimants": 1, "amount_claimed_yen": 1,
     "forum": "japan", "lawsuit": False},
])
def test_the_leak_its_publication_costs_and_claims_may_come_before_the_discovery(app, incident, payload):
    # the statement judges a cost's or a claim's date (docs/decisions.md, Hostile input)
    assert app.record(incident, {**payload, "on": "2005-05-25"}, INSURED) == "e9"


def test_a_notice_dated_years_before_the_discovery_does_not_meet_the_insurer_deadline(app, seed_log):
    seed_log["incidents"][0]["events"][2]["on"] = "2001-01-01"  # InsurerNotified
    error = refused(app.import_log, seed_log, OPERATOR)
    assert error.field == "incidents[0].events[2].InsurerNotified.on"


def test_a_corrected_discovery_may_not_come_after_a_notice(app, incident):
    discovery = {"type": "LeakDiscovered", "on": "2005-06-05", "summary": "s", "cause": "vendor", "media": "paper",
                 "data_items": ["name"], "affected_count": 10}
    error = refused(app.record, incident, discovery, INSURED)
    assert error.field == "LeakDiscovered.on" and "e3 (InsurerNotified, 2005-06-02)" in error.message
    assert app.record(incident, {**discovery, "on": "2005-05-30"}, INSURED) == "e9"  # earlier is fine


def test_voiding_a_correction_may_not_bring_back_a_discovery_after_a_notice(app, seed_log):
    seed_log["incidents"][0]["events"][0]["on"] = "2005-06-02"
    del seed_log["incidents"][0]["events"][2:]  # keep the discovery and LeakOccurred
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    corrected = {"type": "LeakDiscovered", "on": "2005-06-01", "summary": "s", "cause": "vendor", "media": "paper",
                 "data_items": ["name"], "affected_count": 10}
    assert app.record(incident, corrected, INSURED) == "e3"
    assert app.record(incident, {"type": "InsurerNotified", "on": "2005-06-01", "channel": "email"}, INSURED) == "e4"
    void = {"type": "EventVoided", "on": "2005-06-03", "event": "e3", "reason": "typo"}
    assert refused(app.record, incident, void, INSURED).field == "EventVoided.event"


# -- the command line ------------------------------------------------------------------------

@pytest.mark.parametrize("today", ["0001-01-01", "1899-12-31", "3000-01-01", "2005-W51-4", "2005-7-28", "yesterday"])
def test_deadlines_today_is_a_plausible_business_date(run, today):
    assert_refused(run("deadlines", "--today", today), "--today")


def test_deadlines_today_takes_a_plain_date(run, imported):
    assert run("deadlines", "--today", "1900-01-01", "--json").returncode == 0
