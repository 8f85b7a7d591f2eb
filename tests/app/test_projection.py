"""The deadline read model: exactly once, rebuildable, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casemgr.bootstrap import build_app, build_projection
from casemgr.errors import DomainError
from casemgr.settings import Settings
from tests.conftest import INSURED, OPERATOR, STAFF

TODAY = dt.date(2005, 7, 28)


def rows(projection, today=TODAY):
    return [(r.incident, r.deadline, r.claim_ref, r.due, r.met_on, r.status, r.rule) for r in projection.deadlines(today)]


def second_incident(seed_log, reference="INC-2", discovered="2005-07-01"):
    log = copy.deepcopy(seed_log)
    log["incidents"][0]["reference"] = reference
    log["incidents"][0]["events"][0]["on"] = discovered
    log["incidents"][0]["events"][0]["cause"] = "negligence"
    log["incidents"][0]["events"][0]["wrongful_purpose_suspected"] = False
    del log["incidents"][0]["events"][1:]
    return log


@pytest.fixture
def projection(app):
    view = build_projection(app)
    yield view
    view.close()


def test_the_view_holds_the_same_deadlines_as_the_incident_itself(app, projection, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    assert projection.catch_up() == 10
    from_view = {(r.deadline, r.claim_ref): (r.due, r.met_on) for r in projection.deadlines(TODAY, incident)}
    from_history = {(d.name, d.claim_ref): (d.due, d.met_on) for d in app.deadlines(incident)}
    assert from_view == from_history
    assert from_view[("ppc_final", None)] == (dt.date(2005, 8, 1), None)


def test_catching_up_twice_applies_each_event_once(app, projection, seed_log):
    app.import_log(seed_log, OPERATOR)
    projection.catch_up()
    before = rows(projection)
    assert projection.catch_up() == 0
    assert rows(projection) == before
    assert projection.position == app.recorder.max_notification_id()


def test_a_later_event_moves_only_its_incident(app, projection, seed_log):
    first = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    second = app.import_log(second_incident(seed_log), OPERATOR).incidents["INC-2"]
    projection.catch_up()
    untouched = [r for r in rows(projection) if r[0] == first]
    app.record(second, {"type": "InsurerNotified", "on": "2005-07-02", "channel": "email"}, INSURED)
    assert projection.catch_up() == 1
    assert [r for r in rows(projection) if r[0] == first] == untouched
    notice = next(r for r in projection.deadlines(TODAY, second) if r.deadline == "insurer_notice")
    assert notice.status == "met"


def test_voiding_the_notice_reopens_its_deadline_in_the_view(app, projection, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    projection.catch_up()
    app.record(incident, {"type": "EventVoided", "on": "2005-06-03", "event": "e3", "reason": "wrong date"}, STAFF)
    projection.catch_up()
    notice = next(r for r in projection.deadlines(TODAY, incident) if r.deadline == "insurer_notice")
    assert notice.status == "overdue" and notice.met_on is None


def test_a_rebuilt_view_equals_the_incrementally_built_one(app, projection, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    projection.catch_up()
    for day in ("2005-06-04", "2005-06-05"):
        app.record(incident, {"type": "NoteAdded", "on": day, "text": "called"}, INSURED)
        projection.catch_up()
    app.record(incident, {"type": "RegulatorReported", "on": "2005-06-05", "stage": "preliminary"}, INSURED)
    app.import_log(second_incident(seed_log), OPERATOR)
    projection.catch_up(batch_size=3)
    incremental = rows(projection)
    assert projection.rebuild() == app.recorder.max_notification_id()
    assert rows(projection) == incremental


def test_two_projection_processes_catching_up_together_apply_each_event_once(app, seed_log, store_url, clock):
    app.import_log(seed_log, OPERATOR)
    for n in range(5):
        app.import_log(second_incident(seed_log, f"INC-{n + 2}", f"2005-07-0{n + 1}"), OPERATOR)
    apps = [build_app(Settings(store_url), clock=clock) for _ in range(2)]
    views = [build_projection(a) for a in apps]
    try:
        threads = [threading.Thread(target=v.catch_up, kwargs={"batch_size": 2}) for v in views]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        views[0].catch_up()
        concurrent = rows(views[0])
        views[0].rebuild()
        assert rows(views[0]) == concurrent
        assert len({r[0] for r in concurrent}) == 6
    finally:
        for v in views:
            v.close()
        for a in apps:
            a.close()


EVENTS = st.sampled_from([
    {"type": "InsurerNotified", "on": "2005-06-08", "channel": "phone"},
    {"type": "RegulatorReported", "on": "2005-06-04", "stage": "preliminary"},
    {"type": "RegulatorReported", "on": "2005-08-02", "stage": "final"},
    {"type": "LeakOccurred", "on": "2005-04-30"},
    {"type": "AffectedCountRevised", "on": "2005-06-20", "affected_count": 900},
    {"type": "ExpensesFinalized", "on": "2005-11-01"},
    {"type": "InsuranceClaimFiled", "on": "2005-11-20", "part": "expenses", "amount_requested_yen": 1},
    {"type": "NoteAdded", "on": "2005-06-02", "text": "n"},
    {"type": "ExpensePaid", "on": "2005-07-01", "category": "consulting", "cost_yen": 10},
    {"type": "DefenceCostPaid", "on": "2005-12-02", "claim_ref": "C1", "cost_yen": 10},
    {"type": "ClaimReceived", "on": "2005-12-03", "claim_ref": "C2", "kind": "victims", "claimants": 1,
     "amount_claimed_yen": 1, "forum": "japan", "lawsuit": False},
    {"type": "ExclusionApplied", "on": "2005-12-04", "scope": "expenses", "reason": "intent"},
    "void-last",
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(EVENTS, st.booleans()), min_size=1, max_size=12))
def test_property_rebuilding_from_scratch_equals_catching_up_step_by_step(tmp_path_factory, clock, seed_log, steps):
    url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'casemgr.sqlite'}"
    app = build_app(Settings(url), clock=clock)
    view = build_projection(app)
    try:
        incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
        recorded: list[str] = []
        for event, catch_up_now in steps:
            if event == "void-last":
                if not recorded:
                    continue
                event = {"type": "EventVoided", "on": "2005-11-30", "event": recorded.pop(), "reason": "wrong"}
                app.record(incident, event, STAFF)
            else:
                try:
                    recorded.append(app.record(incident, event, STAFF if event["type"] == "ExclusionApplied" else INSURED))
                except DomainError:
                    continue  # e.g. a second ClaimReceived C2: refused, nothing stored
            if catch_up_now:
                view.catch_up(batch_size=2)
        view.catch_up()
        incremental = rows(view)
        view.rebuild()
        assert rows(view) == incremental
        assert {(r[1], r[2]): (r[3], r[4]) for r in incremental} == {
            (d.name, d.claim_ref): (d.due, d.met_on) for d in app.deadlines(incident)}
    finally:
        view.close()
        app.close()
