"""A programme's own reminder offsets (DOMAIN §9 "reminder offsets", §4.2; decision P14): its
incidents are reminded on its days, the others on the installation's setting, by the listing,
the sweep and the delivery alike. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from casemgr.bootstrap import bootstrap
from casemgr.clock import FixedClock
from casemgr.mail import FolderMailer
from casemgr.settings import Settings
from events.errors import DomainError
from events.premiums import parse_terms
from events.values import JST, Actor
from tests.conftest import OPERATOR, SEED_001

SYSTEM = Actor("system", "sweeper")
START = dt.date(2005, 6, 1)  # both incidents discovered: insurer notice due on 2005-06-06
PROGRAMME = {"code": "OWN-DAYS", "name": "A programme with its own reminder days", "insurer": "Example Fire",
             "period_start": "2005-04-01T16:00:00+09:00", "period_end": "2006-04-01T16:00:00+09:00",
             "patterns": ["A", "B", "C", "D", "E"], "reminder_offsets": [2, 14]}


def discovery() -> dict:
    return {"type": "LeakDiscovered", "on": START.isoformat(), "summary": "s", "cause": "vendor", "media": "paper",
            "data_items": ["name"], "affected_count": 10}


@pytest.fixture
def core(store_url, tmp_path):
    clock = FixedClock(dt.datetime.combine(START, dt.time(9), JST))
    with bootstrap(Settings(store_url, instance=str(tmp_path), reminder_offsets=(7, 3, 1, 0)), clock) as made:
        made.service.import_programme(OPERATOR, PROGRAMME)
        for number, programme in (("SK-2005-0001", "default"), ("SK-2005-0002", "OWN-DAYS")):
            made.accounts.add_business(number, "Example Retail", OPERATOR, contacts=["risk@example.jp"])
            log = json.loads(SEED_001.read_text())
            log["policy"].update(number=number, programme=programme)
            log["policy"]["insured"]["code"] = number
            log["incidents"] = [{"reference": "INC-1", "events": [discovery()]}]
            made.service.import_log(OPERATOR, log)
        yield made


def notice_reminders(core, days: int) -> dict[str, list[tuple[str, int]]]:
    """A daily sweep over ``days`` days, each reminder recorded as sent: the insurer-notice
    reminders by policy number, as (day, offset)."""
    out: dict[str, list[tuple[str, int]]] = {}
    for n in range(days):
        day = START + dt.timedelta(days=n)
        core.clock.current = dt.datetime.combine(day, dt.time(9), JST)
        for r in core.service.reminders_due(SYSTEM, day):
            if r.deadline == "insurer_notice":
                out.setdefault(r.policy_number, []).append((day.isoformat(), r.offset_days))
            core.service.record(SYSTEM, str(r.incident), {
                "type": "ReminderSent", "on": day.isoformat(), "deadline": r.deadline, "claim_ref": r.claim_ref,
                "due": r.due.isoformat(), "offset_days": r.offset_days, "to": ["a@example.jp"],
                "message_id": f"<{r.incident}.{r.deadline}.{r.offset_days}@casemgr.test>"})
    return out


def test_a_programme_with_its_own_offsets_is_reminded_on_its_days_the_others_on_the_setting(core):
    sent = notice_reminders(core, 8)
    assert sent["SK-2005-0001"] == [("2005-06-01", 7), ("2005-06-03", 3), ("2005-06-05", 1), ("2005-06-06", 0),
                                    ("2005-06-07", -1)]
    # 5 days before the due date only 14 is a candidate (the smallest offset ≥ 5), then 2, then overdue.
    assert sent["SK-2005-0002"] == [("2005-06-01", 14), ("2005-06-04", 2), ("2005-06-07", -1)]


def test_a_reminder_planned_on_the_programmes_own_day_is_delivered_not_superseded(core, tmp_path):
    day = START + dt.timedelta(days=3)  # 2 days before the due date: the programme's own offset 2
    core.clock.current = dt.datetime.combine(day, dt.time(9), JST)
    planned = core.service.sweep(SYSTEM, day).planned
    key = next(k for k in planned if k.endswith("|insurer_notice||2005-06-06|2"))
    assert core.service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail")).state == "sent"
    # the installation's offsets would have sent 3 that day, for the other policy only
    assert sum(k.endswith("|insurer_notice||2005-06-06|3") for k in planned) == 1


def test_the_programme_shows_its_offsets_and_the_others_the_setting(core):
    assert core.service.programme(OPERATOR, "OWN-DAYS").reminder_offsets == (14, 2)
    assert core.service.programme(OPERATOR, "default").reminder_offsets == (7, 3, 1, 0)


@pytest.mark.parametrize("bad", [[], [3, 3], [-1], [366], ["7"], [1.5], [True], list(range(11)), "7,3"])
def test_bad_offsets_in_a_programme_file_are_refused_naming_the_field(bad):
    with pytest.raises(DomainError) as refused:
        parse_terms({**PROGRAMME, "reminder_offsets": bad})
    assert refused.value.field == "reminder_offsets"


def test_a_programme_file_without_offsets_keeps_its_terms_as_before():
    """Terms stored before the field existed compare equal: re-importing records nothing."""
    assert "reminder_offsets" not in parse_terms({k: v for k, v in PROGRAMME.items() if k != "reminder_offsets"})
    assert parse_terms(PROGRAMME)["reminder_offsets"] == [14, 2]
