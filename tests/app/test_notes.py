"""Notes are history only: not kept in the incident's state, yet voidable like any fact."""

from __future__ import annotations

import pytest

from events.errors import DomainError, NotPermitted
from tests.conftest import INSURED, OPERATOR, OTHER_INSURED, STAFF

NOTE = {"type": "NoteAdded", "on": "2005-06-02", "text": "called the vendor"}


def void(ref: str) -> dict:
    return {"type": "EventVoided", "on": "2005-06-03", "event": ref, "reason": "wrong incident"}


def test_the_author_of_a_note_voids_it_and_the_timeline_shows_it_struck(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    note = app.record(incident, NOTE, INSURED)
    assert app.record(incident, void(note), INSURED) == "e10"
    assert [(r.id, r.voided_by) for r in app.history(incident)][-2:] == [("e9", "e10"), ("e10", None)]
    with pytest.raises(DomainError, match="already voided by e10"):
        app.record(incident, void(note), STAFF)


def test_another_insured_user_cannot_void_a_note_but_staff_can(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    note = app.record(incident, NOTE, INSURED)
    with pytest.raises(NotPermitted, match="only events they recorded"):
        app.record(incident, void(note), OTHER_INSURED)
    assert len(app.history(incident)) == 9
    assert app.record(incident, void(note), STAFF) == "e10"


def test_a_note_voided_in_the_same_import_file(app, seed_log):
    seed_log["incidents"][0]["events"] += [{**NOTE, "id": "n1"}, {**void("n1"), "id": "v1"}]
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    assert [(r.type, r.voided_by) for r in app.history(incident)][-2:] == [("NoteAdded", "e10"), ("EventVoided", None)]


def test_reminders_voidings_and_closings_cannot_be_voided(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    reminder = app.record(incident, {"type": "ReminderSent", "on": "2005-06-02", "deadline": "ppc_final",
                                     "offset_days": 7, "to": ["risk@example.co.jp"], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"}, OPERATOR)
    with pytest.raises(DomainError, match="cannot be voided"):
        app.record(incident, void(reminder), STAFF)


def test_notes_do_not_grow_the_incident_state(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]

    def state() -> dict:
        return {k: v for k, v in vars(app.repository.get(incident)).items() if k not in ("_version", "_modified_on")}

    before = state()
    for _ in range(20):
        app.record(incident, NOTE, INSURED)
    assert state() == before


def test_a_cached_incident_is_not_changed_by_a_refused_or_a_lost_command(app, seed_log, store_url, clock):
    """The library copies the cached incident for each command (our __deepcopy__ shares only
    immutable event data): a copy voided in memory but never saved leaves the cache as it was."""
    import copy as copying

    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    cached = app.repository.get(incident)
    clone = copying.deepcopy(cached)
    clone.record("EventVoided", {"on": "2005-06-11", "at": None, "note": None,
                                 "data": {"event": "e5", "reason": "x"}}, STAFF, clock.now(), clock.now().date())
    assert clone.entries["e5"][6] == 9 and cached.entries["e5"][6] is None
    assert "e5" not in cached.voided and cached.version == 8
    assert app.statement(incident).statement.expenses.eligible_yen == 10_000_000

    from casemgr.bootstrap import build_app
    from casemgr.settings import Settings
    other = build_app(Settings(store_url), clock=clock)
    other.record(incident, void("e5"), STAFF)  # written by another process
    assert app.statement(incident).statement.expenses.eligible_yen == 0  # the cache fast-forwards
    assert app.record(incident, NOTE, INSURED) == "e10"
    other.close()
