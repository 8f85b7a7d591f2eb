"""Policies across imports, snapshots of long incidents, statements at a version."""

from __future__ import annotations

import copy

import pytest

from casemgr.bootstrap import build_app
from casemgr.errors import DomainError, NotFound
from casemgr.settings import Settings
from tests.conftest import INSURED, OPERATOR, STAFF


def another_incident(seed_log, reference):
    log = copy.deepcopy(seed_log)
    log["incidents"][0]["reference"] = reference
    return log


def test_a_second_file_of_the_same_policy_adds_its_incidents(app, seed_log):
    first = app.import_log(seed_log, OPERATOR)
    second = app.import_log(another_incident(seed_log, "INC-2"), OPERATOR)
    assert second.policy == first.policy
    assert set(app.policy_incidents(first.policy)) == {"INC-1", "INC-2"}


def test_a_file_with_other_terms_for_an_existing_policy_number_is_refused(app, seed_log):
    app.import_log(seed_log, OPERATOR)
    changed = another_incident(seed_log, "INC-2")
    changed["policy"]["pattern"] = "E"
    with pytest.raises(DomainError, match="exists with other terms"):
        app.import_log(changed, OPERATOR)
    assert set(app.policy_incidents(app.import_log(another_incident(seed_log, "INC-3"), OPERATOR).policy)) == {"INC-1", "INC-3"}


def test_an_insured_user_cannot_import_a_policy(app, seed_log):
    with pytest.raises(DomainError, match="only insurer staff"):
        app.import_log(seed_log, INSURED)


def test_unknown_incidents_and_versions_are_clear_errors(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    with pytest.raises(NotFound):
        app.statement(app.resolve("SK-2005-0001/INC-9"))
    with pytest.raises(DomainError, match="only 8 versions"):
        app.statement(incident, version=9)


def test_a_long_incident_loads_from_its_snapshot_the_same_as_from_all_its_events(sqlite_url, clock, seed_log):
    app = build_app(Settings(sqlite_url, snapshot_interval=100), clock=clock)
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    for n in range(250):
        app.record(incident, {"type": "NoteAdded", "on": "2005-06-02", "text": f"call {n}"}, INSURED)
    app.record(incident, {"type": "ApologyAdPublished", "on": "2005-06-05", "media": "Asahi", "cost_yen": 1_000_000}, INSURED)
    snapshots = list(app.snapshots.get(incident))
    assert [s.originator_version for s in snapshots] == [100, 200]
    plain = build_app(Settings(sqlite_url, snapshot_interval=0), clock=clock)
    assert plain.snapshots is None
    assert app.statement(incident) == plain.statement(incident)
    assert app.statement(incident).statement.expenses.eligible_yen == 11_000_000
    assert app.statement(incident, version=150) == plain.statement(incident, version=150)
    app.close()
    plain.close()


def test_a_statement_at_a_version_takes_earlier_incidents_as_they_stood_then(app, seed_log, clock):
    first = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    later = another_incident(seed_log, "INC-2")
    later["incidents"][0]["events"][0]["on"] = "2005-07-01"
    later["incidents"][0]["events"][2]["on"] = "2005-07-02"  # the insurer is notified after the discovery
    del later["incidents"][0]["events"][5:]  # letters only: 10,000,000 of expenses
    second = app.import_log(later, OPERATOR).incidents["INC-2"]
    before = app.statement(second).statement
    assert before.expenses.aggregate_left_yen == 10_000_000 - 8_910_000
    assert before.expenses.payable_yen == 10_000_000 - 8_910_000
    clock.advance(minutes=1)
    app.record(first, {"type": "EventVoided", "on": "2005-06-11", "event": "e5", "reason": "never sent"}, STAFF)
    assert app.statement(second).statement.expenses.payable_yen == 8_910_000
    assert app.statement(second, version=5).statement == before
