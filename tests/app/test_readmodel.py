"""The read model at scale, in the small: filtered and paged in SQL (overdue first, then by due
date), followed by the library's runner on PostgreSQL and a pull loop on SQLite, read from
several threads at once; and the settings that configure it come from Settings only."""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import time

import pytest

from casemgr.bootstrap import bootstrap, build_app
from casemgr.errors import DomainError
from casemgr.readmodels.queries import DeadlineFilter
from casemgr.rules.deadlines import STATUSES
from casemgr.settings import Settings
from tests.conftest import OPERATOR, SEED_001

DAYS = [dt.date(2005, 6, 3), dt.date(2005, 7, 28), dt.date(2005, 11, 20), dt.date(2006, 2, 1)]


def many(n: int) -> list[dict]:
    """Incident logs over three programmes and five businesses, discovered on different days."""
    seed = json.loads(SEED_001.read_text())
    logs = []
    for k in range(n):
        log = copy.deepcopy(seed)
        log["policy"]["number"] = f"SK-{k}"
        log["policy"]["programme"] = f"P{k % 3}"
        log["policy"]["insured"]["code"] = f"B{k % 5}"
        events = log["incidents"][0]["events"]
        events[0]["on"] = (dt.date(2005, 6, 1) + dt.timedelta(days=7 * k)).isoformat()
        del events[1:k % 4 + 2]  # some keep their notices, some not
        events[:] = [e for e in events if e["on"] >= events[0]["on"]]
        logs.append(log)
    return logs


@pytest.fixture
def core(store_url, clock):
    with bootstrap(Settings(store_url), clock=clock) as core:
        for log in many(12):
            core.service.import_log(OPERATOR, log)
        yield core


def expected_order(rows):
    return sorted(rows, key=lambda r: (r.status != "overdue", r.due, str(r.incident), r.deadline, r.claim_ref or ""))


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("statuses", [STATUSES, ("overdue", "due_soon", "open"), ("overdue",), ("met", "met_late"),
                                      ("not_applicable",), ("due_soon",), ("open",)])
def test_pages_walked_by_cursor_are_the_filtered_rows_overdue_first_then_by_due_date(core, day, statuses):
    everything = core._readmodel.deadlines(day)
    wanted = expected_order([r for r in everything if r.status in statuses])
    walked, cursor = [], None
    while True:
        page = core.service.deadlines(OPERATOR, day, DeadlineFilter(statuses=statuses), per_page=7, cursor=cursor)
        walked += page.rows
        if (cursor := page.next) is None:
            break
    assert [(r.incident, r.deadline, r.claim_ref) for r in walked] == \
        [(r.incident, r.deadline, r.claim_ref) for r in wanted]
    counts = core.service.deadline_counts(OPERATOR, day, DeadlineFilter(statuses=statuses))
    assert counts == {s: sum(r.status == s for r in everything) for s in ("overdue", "due_soon", "open")}


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("programmes", [None, ("P1",), ("P0", "P2")])
def test_capped_counts_are_exact_below_the_cap(core, day, programmes):
    """With a cap, each count is exact up to the cap and cap + 1 ("more") above it, across
    every index range and scope stream the count adds up (decision 63)."""
    exact = core.service.deadline_counts(OPERATOR, day, programmes=programmes)
    assert max(exact.values()) > 3  # the data reach above the smallest cap tried
    for cap in (0, 1, 3, 10, 1000):
        capped = core.service.deadline_counts(OPERATOR, day, programmes=programmes, cap=cap)
        assert capped == {s: min(n, cap + 1) for s, n in exact.items()}, cap


@pytest.mark.parametrize("kwargs, keep", [
    ({"programmes": ("P1",)}, lambda r: r.programme == "P1"),
    ({"businesses": ("B2", "B3")}, lambda r: r.business in ("B2", "B3")),
    ({"programmes": ("P0", "P2"), "businesses": ("B0",)}, lambda r: r.programme in ("P0", "P2") and r.business == "B0"),
    ({"businesses": ("B0", "B1", "B2", "B3", "B4")}, lambda r: True),  # many codes: one range with IN
    ({"businesses": ("B4", "B1", "B3", "B0")}, lambda r: r.business != "B2"),
    ({"flt": DeadlineFilter(deadline="ppc_final")}, lambda r: r.deadline == "ppc_final"),
    ({"flt": DeadlineFilter(due_from=dt.date(2005, 8, 1), due_to=dt.date(2005, 9, 30))},
     lambda r: dt.date(2005, 8, 1) <= r.due <= dt.date(2005, 9, 30)),
])
def test_filters_are_applied_in_sql_with_the_same_order(core, kwargs, keep):
    day = DAYS[1]
    wanted = expected_order([r for r in core._readmodel.deadlines(day) if keep(r)])
    got, cursor = [], None
    while True:  # small pages: the merge of several ranges is walked across cursors
        page = core.service.deadlines(OPERATOR, day, per_page=4, cursor=cursor, **kwargs)
        got += page.rows
        if (cursor := page.next) is None:
            break
    assert [(r.incident, r.deadline) for r in got] == [(r.incident, r.deadline) for r in wanted]


def test_closed_incidents_are_filtered_and_counted(core):
    core.service.record(OPERATOR, "SK-0/INC-1", {"type": "IncidentClosed", "on": "2005-12-01", "reason": "done"})
    closed = core.service.incidents(OPERATOR, closed=True).rows
    assert [r.policy_number for r in closed] == ["SK-0"]
    assert core.service.incident_counts(OPERATOR) == {"open": 11, "closed": 1}
    assert {r.policy_number for r in core.service.deadlines(OPERATOR, DAYS[1], DeadlineFilter(closed=True),
                                                            per_page=100).rows} == {"SK-0"}
    newest_first = [r.discovered_on for r in core.service.incidents(OPERATOR, per_page=100).rows]
    assert newest_first == sorted(newest_first, reverse=True)


@pytest.mark.parametrize("cursor", ["garbage", "WyJ4Il0", "W10"])
def test_a_cursor_not_given_out_is_refused(core, cursor):
    with pytest.raises(DomainError) as caught:
        core.service.deadlines(OPERATOR, DAYS[0], cursor=cursor)
    assert caught.value.field == "cursor"


def test_the_view_is_followed_in_the_background(store_url, clock):
    """On PostgreSQL the library's subscription runner pushes; on SQLite a pull loop polls."""
    with bootstrap(Settings(store_url), clock=clock) as reader, bootstrap(Settings(store_url), clock=clock) as writer:
        writer.service.import_log(OPERATOR, many(1)[0])
        with reader.service.following():
            # Written by another process's application: nothing catches the reader's view up but the follower.
            writer._app.record(writer._app.resolve("SK-0/INC-1"),
                               {"type": "RegulatorReported", "on": "2005-06-02", "stage": "preliminary"}, OPERATOR)
            deadline = time.monotonic() + 20
            while reader.service.view_lag() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert reader.service.view_lag() == 0
            rows = reader.service.incident_deadlines(OPERATOR, "SK-0/INC-1", DAYS[0])
            assert {r.deadline: r.status for r in rows}["ppc_preliminary"] == "met"


def test_reads_from_several_threads_while_another_writes(core):
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                assert core.service.deadlines(OPERATOR, DAYS[1], per_page=20).rows
                core.service.incidents(OPERATOR, per_page=5)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(6)]
    for t in readers:
        t.start()
    for n in range(10):
        core.service.record(OPERATOR, "SK-1/INC-1", {"type": "NoteAdded", "on": "2005-06-09", "text": f"n{n}"})
    stop.set()
    for t in readers:
        t.join(30)
    assert errors == []


def test_stray_library_variables_in_the_environment_change_nothing(monkeypatch, sqlite_url):
    monkeypatch.setenv("CASEMGR_IS_SNAPSHOTTING_ENABLED", "y")
    monkeypatch.setenv("AGGREGATE_CACHE_MAXSIZE", "7")
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.popo")
    app = build_app(Settings(sqlite_url, snapshot_interval=0, aggregate_cache=0))
    try:
        assert app.snapshots is None
        assert "AGGREGATE_CACHE_MAXSIZE" not in app.env
        assert type(app.recorder).__module__ == "eventsourcing.sqlite"
    finally:
        app.close()


def test_pool_sizes_and_reminder_offsets_are_settings():
    settings = Settings.from_env({"CASEMGR_DATABASE_URL": "postgresql://u:p@db/x", "CASEMGR_POOL_SIZE": "9",
                                  "CASEMGR_POOL_MAX_OVERFLOW": "2", "CASEMGR_REMINDER_OFFSETS": "1, 14,3"})
    env = settings.eventsourcing_env()
    assert (env["POSTGRES_POOL_SIZE"], env["POSTGRES_MAX_OVERFLOW"]) == ("9", "2")
    assert settings.reminder_offsets == (14, 3, 1)
    for bad in ("", "x", "-1", "7,,a"):
        with pytest.raises(DomainError) as caught:
            Settings.from_env({"CASEMGR_REMINDER_OFFSETS": bad})
        assert caught.value.field == "CASEMGR_REMINDER_OFFSETS"


def test_two_processes_writing_in_turn_keep_the_view_true(store_url, clock):
    """Each process keeps copies of incidents; one that missed another's events drops them."""
    with bootstrap(Settings(store_url), clock=clock) as a, bootstrap(Settings(store_url), clock=clock) as b:
        log = many(1)[0]
        del log["incidents"][0]["events"][1:]  # the discovery alone: nothing met yet
        a.service.import_log(OPERATOR, log)
        ref, day = "SK-0/INC-1", dt.date(2005, 6, 20)
        b.service.record(OPERATOR, ref, {"type": "LeakOccurred", "on": "2005-05-30"})  # b holds a copy now
        a.service.record(OPERATOR, ref, {"type": "InsurerNotified", "on": "2005-06-02", "channel": "written"})
        b.service.record(OPERATOR, ref, {"type": "RegulatorReported", "on": "2005-06-03", "stage": "final"})
        view = {r.deadline: r.status for r in a.service.incident_deadlines(OPERATOR, ref, day)}
        truth = {d.name: d.status(day) for d in a._app.deadlines(a._app.resolve(ref))}
        assert view == {name: truth[name] for name in view}
        assert view["insurer_notice"] == "met"


def test_a_code_asked_for_twice_counts_once(core):
    day = DAYS[1]
    once = core.service.deadlines(OPERATOR, day, businesses=("B1",), per_page=500).rows
    twice = core.service.deadlines(OPERATOR, day, businesses=("B1", "B1"), per_page=500).rows
    assert once == twice and once
    assert core.service.incident_counts(OPERATOR, businesses=("B1", "B1")) == \
        core.service.incident_counts(OPERATOR, businesses=("B1",))


def test_a_claim_ref_holding_a_bar_does_not_stop_the_read_model(core):
    ref = "SK-1/INC-1"
    for event in ({"type": "ClaimReceived", "on": "2005-06-10", "claim_ref": "C|1", "kind": "victims",
                   "claimants": 1, "amount_claimed_yen": 1000, "forum": "japan", "lawsuit": False},
                  {"type": "ClaimResolved", "on": "2005-06-20", "claim_ref": "C|1", "outcome": "settlement",
                   "amount_yen": 500},
                  {"type": "ReminderSent", "on": "2005-06-21", "deadline": "claim_filing_liability",
                   "claim_ref": "C|1", "due": "2005-07-20", "offset_days": 7, "to": ["a@example.jp"],
                   "message_id": "<c1@casemgr.test>"}):
        assert core.service.record(OPERATOR, ref, event).view_error is None
    rows = {r.claim_ref: r for r in core.service.incident_deadlines(OPERATOR, ref) if r.claim_ref}
    assert rows["C|1"].reminded == 7
