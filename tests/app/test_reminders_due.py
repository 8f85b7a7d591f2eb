"""The reminder rule (DOMAIN §4.2) as a query over the read model's index: what a sweep on a
day would send equals a plain reading of §4.2 over the incidents' own histories, and no
reminder is ever listed again once it is recorded."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casemgr.bootstrap import bootstrap
from casemgr.clock import FixedClock
from casemgr.rules.facts import Facts
from casemgr.settings import Settings
from events.errors import AlreadySent, DomainError
from events.values import JST, Actor
from tests.conftest import OPERATOR, SEED_001

SYSTEM = Actor("system", "sweeper")
START = dt.date(2005, 6, 1)
OFFSETS = (7, 3, 1, 0)


def discovery(on: dt.date, reportable: bool) -> dict:
    return {"type": "LeakDiscovered", "on": on.isoformat(), "summary": "s", "cause": "vendor", "media": "paper",
            "data_items": ["name", "credit_card"] if reportable else ["name"], "affected_count": 10}


def actions_on(day: dt.date, kind: str) -> dict:
    on = day.isoformat()
    return {
        "notice_written": {"type": "InsurerNotified", "on": on, "channel": "written"},
        "ppc_preliminary": {"type": "RegulatorReported", "on": on, "stage": "preliminary"},
        "ppc_final": {"type": "RegulatorReported", "on": on, "stage": "final"},
        "letters": {"type": "IndividualsNotified", "on": on, "recipients": 10, "cost_yen": 1000},
        "occurred_earlier": {"type": "LeakOccurred", "on": (START - dt.timedelta(days=170)).isoformat()},
        "finalized": {"type": "ExpensesFinalized", "on": on},
        "close": {"type": "IncidentClosed", "on": on, "reason": "done"},
        "claim": {"type": "ClaimReceived", "on": on, "claim_ref": "C|1", "kind": "victims", "claimants": 1,
                  "amount_claimed_yen": 1000, "forum": "japan", "lawsuit": False},
        "resolve": {"type": "ClaimResolved", "on": on, "claim_ref": "C|1", "outcome": "settlement",
                    "amount_yen": 500},
        "file": {"type": "InsuranceClaimFiled", "on": on, "part": "both", "amount_requested_yen": 1},
        "reopen": {"type": "IncidentReopened", "on": on, "reason": "more"},
    }[kind]


def plain_reading(core, incident, day: dt.date) -> set[tuple]:
    """§4.2 read literally, from the incident's own history (no read model)."""
    app = core._app
    aggregate = app._incident(incident)
    if aggregate.closed:
        return set()
    sent = [r.data for r in app.history(incident) if r.type == "ReminderSent"]
    out = set()
    for d in app.deadlines(incident):
        if d.name == "claims_made_cutoff":
            continue
        state, due = d.status(day), d.due
        same = [s["offset_days"] for s in sent
                if (s["deadline"], s["claim_ref"], s["due"]) == (d.name, d.claim_ref, due.isoformat())]
        if state in ("open", "due_soon"):
            candidates = [o for o in OFFSETS if due - dt.timedelta(days=o) <= day <= due]
            if candidates and not any(o <= min(candidates) for o in same):
                out.add((str(incident), d.name, d.claim_ref, due, min(candidates)))
        elif state == "overdue" and -1 not in same:
            out.add((str(incident), d.name, d.claim_ref, due, -1))
    return out


STEPS = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from(
        ["notice_written", "ppc_preliminary", "ppc_final", "letters", "occurred_earlier", "finalized", "close",
         "claim", "resolve", "file", "reopen"])),
    max_size=8)


def open_incidents(service, reportable: list[bool]) -> list[uuid.UUID]:
    """The seed's policy with one incident discovered on START per flag (reportable or not)."""
    seed = json.loads(SEED_001.read_text())
    seed["incidents"] = [{"reference": f"INC-{n}", "events": [discovery(START, r)]} for n, r in enumerate(reportable)]
    return list(service.import_log(OPERATOR, seed).incidents.values())


def move_to(service, clock, incidents, steps, n: int) -> dt.date:
    """Day ``n`` of the script at 09:00: the clock moved there and that day's steps recorded."""
    day = START + dt.timedelta(days=n)
    clock.current = dt.datetime.combine(day, dt.time(9), JST)
    for when, kind in steps:
        if when == n:
            for incident in incidents:
                try:
                    service.record(OPERATOR, str(incident), actions_on(day, kind))
                except DomainError:  # e.g. a second closing, a resolution before the claim: refused
                    pass
    return day


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_store(request, tmp_path_factory):
    """A maker of empty stores, one per hypothesis example: SQLite files, or databases on the
    session's PostgreSQL server."""
    if request.param == "sqlite":
        return lambda: f"sqlite:///{tmp_path_factory.mktemp('rem') / 'casemgr.sqlite'}"
    server = request.getfixturevalue("postgres_server")

    def make() -> str:
        name = f"t_{uuid.uuid4().hex}"
        with server.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return server.url_for(name)
    return make


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reportable=st.lists(st.booleans(), min_size=1, max_size=2), steps=STEPS,
       skipped=st.sets(st.integers(0, 45), max_size=25))
def test_property_reminders_due_equal_a_plain_reading_and_never_repeat(fresh_store, reportable, steps, skipped):
    url = fresh_store()
    clock = FixedClock(dt.datetime.combine(START, dt.time(9), JST))
    with bootstrap(Settings(url, reminder_offsets=OFFSETS), clock=clock) as core:
        service = core.service
        incidents = open_incidents(service, reportable)
        recorded: set[tuple] = set()
        for n in range(46):
            day = move_to(service, clock, incidents, steps, n)
            if n in skipped:
                continue  # the sweep did not run that day
            due = service.reminders_due(SYSTEM, day)
            listed = {(str(r.incident), r.deadline, r.claim_ref, r.due, r.offset_days) for r in due}
            expected = set().union(*(plain_reading(core, i, day) for i in incidents))
            assert listed == expected, day
            assert not {(i, d, c, u, o) for (i, d, c, u, o) in listed} & recorded
            for r in due:  # the sweep sends and records each
                service.record(SYSTEM, str(r.incident), {
                    "type": "ReminderSent", "on": day.isoformat(), "deadline": r.deadline, "claim_ref": r.claim_ref,
                    "due": r.due.isoformat(), "offset_days": r.offset_days, "to": ["risk@example.jp"],
                    "message_id": f"<{r.incident}.{r.deadline}.{r.due}.{r.offset_days}@casemgr.test>"})
                recorded.add((str(r.incident), r.deadline, r.claim_ref, r.due, r.offset_days))


def test_a_daily_sweep_sends_seven_three_one_zero_then_overdue_once(tmp_path):
    clock = FixedClock(dt.datetime.combine(START, dt.time(9), JST))
    with bootstrap(Settings(f"sqlite:///{tmp_path / 'c.sqlite'}"), clock=clock) as core:
        seed = json.loads(SEED_001.read_text())
        seed["incidents"] = [{"reference": "INC-1", "events": [discovery(START, False)]}]
        incident = core.service.import_log(OPERATOR, seed).incidents["INC-1"]
        sent = []
        for n in range(12):
            day = START + dt.timedelta(days=n)
            clock.current = dt.datetime.combine(day, dt.time(9), JST)
            for r in core.service.reminders_due(SYSTEM, day):
                if r.deadline == "insurer_notice":
                    sent.append((day.isoformat(), r.offset_days))
                payload = {"type": "ReminderSent", "on": day.isoformat(), "deadline": r.deadline,
                           "claim_ref": r.claim_ref, "due": r.due.isoformat(), "offset_days": r.offset_days,
                           "to": ["a@example.jp"], "message_id": "<x@casemgr.test>"}
                core.service.record(SYSTEM, str(incident), payload)
                try:
                    core.service.record(SYSTEM, str(incident), payload)
                    raise AssertionError("a second ReminderSent for the same reminder was stored")
                except AlreadySent:
                    pass
        # insurer notice due 2005-06-06 (discovery + 5): on day 1 only 7 is a candidate, then 3, 1, 0, overdue.
        assert sent == [("2005-06-01", 7), ("2005-06-03", 3), ("2005-06-05", 1), ("2005-06-06", 0),
                        ("2005-06-07", -1)]


def test_reminders_due_on_the_command_line_lists_the_recipients(tmp_path):
    import os
    import subprocess

    from tests.hostile.conftest import CASEMGR

    env = {**os.environ, "CASEMGR_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}"}

    def casemgr(*args, stdin=None):
        return subprocess.run([str(CASEMGR), *args], capture_output=True, text=True, env=env, input=stdin, timeout=120)

    assert casemgr("import", str(SEED_001)).returncode == 0
    assert casemgr("businesses", "add", "X", "--name", "x").returncode == 0
    added = casemgr("users", "add", "staff@insurer.jp", "--role", "staff", "--programme", "default",
                    "--password-stdin", stdin="correct horse battery staple\n")
    assert added.returncode == 0, added.stderr
    rows = json.loads(casemgr("reminders", "due", "--today", "2005-07-28", "--json").stdout)
    assert {(r["deadline"], r["offset_days"]) for r in rows} >= {("ppc_final", 7)}
    assert all(r["to"] == ["staff@insurer.jp"] for r in rows)
    assert rows[0]["reference"] == "SK-2005-0001/INC-1"
