"""An event is named ``e<version>``: ``e`` and ASCII digits without a leading zero. ``e09``
and ``e٩`` (an Arabic-Indic nine, which str.isdigit accepts) named ``e9``, so one event
could be voided three times (issue 5, item 5)."""

from __future__ import annotations

import pytest

from tests.conftest import INSURED, OPERATOR, STAFF
from tests.hostile.conftest import refused

NOTE = {"type": "NoteAdded", "on": "2005-06-02", "text": "x"}


def _void(ref: str) -> dict:
    return {"type": "EventVoided", "on": "2005-06-03", "event": ref, "reason": "duplicate"}


@pytest.mark.parametrize("ref", ["e09", "e٩", "e९", "e９", "e+9", "e 9", "E9", "e9 ", "e0", "e", "9"])
def test_only_e_and_ascii_digits_without_a_leading_zero_name_an_event(app, seed_log, ref):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    assert app.record(incident, NOTE, INSURED) == "e9"
    error = refused(app.record, incident, _void(ref), INSURED)
    assert error.field == "EventVoided.event"
    assert len(app.history(incident)) == 9


def test_an_event_is_voided_once_whatever_the_spelling(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    app.record(incident, NOTE, INSURED)
    assert app.record(incident, _void("e9"), INSURED) == "e10"
    for ref in ("e9", "e09", "e٩"):
        refused(app.record, incident, _void(ref), INSURED)
    assert [r.voided_by for r in app.history(incident)].count("e10") == 1


def test_coverage_is_decided_on_an_event_named_exactly(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    app.record(incident, {"type": "ExpensePaid", "on": "2005-06-10", "category": "other", "cost_yen": 1}, INSURED)
    decision = {"type": "CoverageDecided", "on": "2005-06-11", "covered": True}
    assert refused(app.record, incident, {**decision, "event": "e09"}, STAFF).field == "CoverageDecided.event"
    assert app.record(incident, {**decision, "event": "e9"}, STAFF) == "e10"


@pytest.mark.parametrize("ref", ["e05", "e٥", "e5x"])
def test_an_import_names_its_earlier_events_exactly_too(app, seed_log, ref):
    seed_log["incidents"][0]["events"].append(_void(ref))
    error = refused(app.import_log, seed_log, OPERATOR)
    assert error.field == "incidents[0].events[8].event"


def test_a_void_reference_of_thousands_of_digits_is_refused_without_a_trace(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    assert refused(app.record, incident, _void("e" + "9" * 199), INSURED).field == "EventVoided.event"
    seed_log["incidents"][0]["events"].append(_void("e" + "9" * 5000))
    seed_log["policy"]["number"] = "SK-2005-0002"
    assert refused(app.import_log, seed_log, OPERATOR).field == "incidents[0].events[8].event"
