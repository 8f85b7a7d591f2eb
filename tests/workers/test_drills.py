"""The workers with real parts: redis-server, celery worker and beat processes, an SMTP
server on loopback. Nobody may miss a deadline because a process restarted or a server
was down (issue 8), and nobody gets a reminder twice except in DOMAIN §4.2's one window."""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import time

from events.values import JST, Actor
from tests.conftest import OPERATOR, SEED_001
from tests.workers.conftest import Instance, wait_until

SYSTEM = Actor("system", "test")
TODAY = dt.date(2026, 11, 24)
HOW = "website"


def discovery(on: dt.date) -> dict:
    return {"type": "LeakDiscovered", "on": on.isoformat(), "summary": "USB stick lost", "cause": "negligence",
            "media": "electronic", "data_items": ["name", "credit_card"], "affected_count": 1200}


def populate(instance: Instance, incidents: int, contacts: tuple[str, ...] = ("risk@acme.example.jp",)) -> list[str]:
    """A policy of business ACME (its contacts, one English-speaking staff user) with
    ``incidents`` incidents discovered a few days ago: each has deadlines due around today."""
    with instance.core() as core:
        core.accounts.add_business("ACME", "Acme KK", OPERATOR, contacts=contacts, lang="ja")
        core.accounts.ensure_programme("default", OPERATOR)
        core.accounts.add_user("staff@insurer.example.jp", "staff", "Staff", "en", "correct horse battery staple",
                               OPERATOR, programmes=["default"])
        log = json.loads(SEED_001.read_text(encoding="utf-8"))
        log["policy"]["number"] = "ACME-2026-0001"
        log["policy"]["period_start"] = "2026-04-01T00:00:00+09:00"
        log["policy"]["period_end"] = "2027-04-01T00:00:00+09:00"
        log["policy"].setdefault("insured", {})["code"] = "ACME"
        log["incidents"] = [{"reference": f"INC-{n}", "events": [discovery(TODAY - dt.timedelta(days=n % 6))]}
                            for n in range(incidents)]
        imported = core.service.import_log(OPERATOR, log)
        return [str(i) for i in imported.incidents.values()]


def due_now(instance: Instance) -> set[str]:
    """The ledger keys of what a sweep today owes (from the core's own query)."""
    with instance.core() as core:
        core.service.catch_up()
        return {f"{r.incident}|{r.deadline}|{r.claim_ref or ''}|{r.due.isoformat()}|{r.offset_days}"
                for r in core.service.reminders_due(SYSTEM, TODAY)}


def recorded(instance: Instance) -> collections.Counter:
    """ReminderSent events in the store, by reminder (should each be 1)."""
    with instance.core() as core:
        out = collections.Counter()
        for incident in core.service.incidents(SYSTEM, per_page=500).rows:
            for row in core.service.history(SYSTEM, str(incident.incident)):
                if row.type == "ReminderSent":
                    d = row.data
                    out[f"{incident.incident}|{d['deadline']}|{d.get('claim_ref') or ''}|{d['due']}|"
                        f"{d['offset_days']}"] += 1
        return out


def ledger_settled(instance: Instance) -> bool:
    with instance.core() as core:
        counts = core.service.status(SYSTEM).ledger
    return not any(counts.get(state) for state in ("pending", "queued", "sending"))


def test_a_scheduled_sweep_mails_each_due_reminder_once_in_each_language(instance):
    populate(instance, 3)
    expected = due_now(instance)
    assert expected, "the scenario has reminders due today"
    instance.worker()
    instance.beat()
    wait_until(lambda: set(recorded(instance)) == expected, 60, what="every due reminder recorded")
    wait_until(lambda: ledger_settled(instance), 30, what="the ledger to settle")
    counts = recorded(instance)
    assert set(counts.values()) == {1}
    mails = instance.mailbox.messages
    assert len(mails) == 2 * len(expected)  # one Japanese (the business), one English (the staff user)
    by_language = collections.Counter(m["Content-Language"] for m in mails)
    assert by_language == {"ja": len(expected), "en": len(expected)}
    ja = next(m for m in mails if m["Content-Language"] == "ja")
    body = ja.get_content()
    assert "ACME-2026-0001/INC-" in ja["Subject"] and "https://casemgr.test/incidents/ACME-2026-0001/INC-" in body
    assert "期日" in body and ja["To"] == "risk@acme.example.jp"
    en = next(m for m in mails if m["Content-Language"] == "en")
    assert en["To"] == "staff@insurer.example.jp" and "Due:" in en.get_content()
    assert len(set(instance.mailbox.ids())) == len(mails)  # a Message-ID per reminder and language


def test_an_event_recorded_is_followed_by_its_statement_recomputed_and_stored(instance):
    [incident] = populate(instance, 1)
    instance.worker()
    instance.beat()
    with instance.core() as core:
        core.service.record(OPERATOR, incident, {"type": "Publicized", "on": TODAY.isoformat(), "how": HOW})
        core.service.record(OPERATOR, incident, {"type": "ApologyAdPublished", "on": TODAY.isoformat(),
                                                 "media": "newspaper", "cost_yen": 1_200_000})

        def stored():
            result = core.service.statement(SYSTEM, incident)
            return result if result.computed_at else None

        result = wait_until(stored, 30, what="the statement stored by the workers")
        assert result.incident.version == core.service.incident(SYSTEM, incident).version >= 3
        assert result.statement == core._app.statement(core._app.resolve(incident)).statement  # the same figures
        assert any(line.type == "ApologyAdPublished" for line in result.statement.lines)


def test_kill_9_workers_during_a_sweep_many_times_every_reminder_is_delivered_once(instance):
    """A worker (with its pool) killed mid-sweep, again and again: every due reminder is
    recorded exactly once and mailed; a mail is repeated only in §4.2's window (accepted by
    the server, the worker killed before ReminderSent was stored), with the same Message-ID."""
    populate(instance, 12)
    expected = due_now(instance)
    assert len(expected) >= 20
    instance.mailbox.delay = 0.05  # a slow server: kills land mid-send
    instance.beat()
    kills = 0
    rng = random.Random(8)
    for _ in range(6):
        worker = instance.worker()
        time.sleep(rng.uniform(1.0, 2.5))
        instance.kill(worker)
        kills += 1
    instance.worker()
    wait_until(lambda: set(recorded(instance)) == expected, 120, what="every reminder recorded after the kills")
    wait_until(lambda: ledger_settled(instance), 60, what="the ledger to settle")
    counts = recorded(instance)
    assert set(counts.values()) == {1}, "a reminder was recorded twice"
    assert set(instance.mailbox.reminders()) == {ledger_reminder_id(instance, k) for k in expected}
    repeats = collections.Counter(instance.mailbox.ids())
    duplicates = sum(n - 1 for n in repeats.values())
    # Each kill can catch each of the worker's 2 pool processes between a mail's acceptance
    # and its note in the ledger: at most one repeated mail per process per kill.
    assert duplicates <= kills * 2, f"{duplicates} repeated mails after {kills} kills"


def ledger_reminder_id(instance: Instance, key: str) -> str:
    with instance.core() as core:
        return core.service.reminder(SYSTEM, key).message_id


def test_redis_down_while_events_are_recorded_loses_nothing(instance):
    [incident] = populate(instance, 1)
    instance.worker()
    instance.beat()
    wait_until(lambda: ledger_settled(instance) and recorded(instance), 60, what="the first sweep")
    instance.redis.stop()
    with instance.core() as core:
        core.service.record(OPERATOR, incident, {"type": "Publicized", "on": TODAY.isoformat(), "how": HOW})
        core.service.record(OPERATOR, incident, {"type": "CallCenterOperated", "on": TODAY.isoformat(),
                                                 "from": TODAY.isoformat(), "to": TODAY.isoformat(),
                                                 "calls": 30, "cost_yen": 900_000})
        time.sleep(3)  # the follower tries, and cannot hand the change on
        assert core.service.status(SYSTEM).follower_lag > 0
        assert core.service.statement(SYSTEM, incident).computed_at is None  # not stored: computed on asking
    instance.clock.advance(dt.timedelta(days=1))  # the next day's sweep is due while Redis is down
    time.sleep(2)
    instance.redis.start()
    with instance.core() as core:
        wait_until(lambda: core.service.statement(SYSTEM, incident).computed_at, 60,
                   what="the statement stored after Redis came back")
        assert core.service.statement(SYSTEM, incident).incident.version >= 3
        wait_until(lambda: core.service.status(SYSTEM).follower_lag == 0, 30, what="the follower to catch up")
    next_day = TODAY + dt.timedelta(days=1)
    wait_until(lambda: _sent_on(instance, next_day), 60, what="the next day's reminders after Redis came back")
    assert set(recorded(instance).values()) == {1}


def _sent_on(instance: Instance, day: dt.date) -> bool:
    with instance.core() as core:
        for incident in core.service.incidents(SYSTEM, per_page=500).rows:
            if any(r.type == "ReminderSent" and r.on == day for r in core.service.history(SYSTEM, str(incident.incident))):
                return True
    return False


def test_a_mail_server_refusing_for_a_while_gets_each_reminder_later_once(instance):
    populate(instance, 2)
    expected = due_now(instance)
    instance.mailbox.refusing = 6  # the first six mails are refused (451)
    instance.worker()
    instance.beat()
    wait_until(lambda: instance.mailbox.refused >= 6, 60, what="the server to refuse")
    wait_until(lambda: set(recorded(instance)) == expected, 120, what="every reminder delivered after the refusals")
    wait_until(lambda: ledger_settled(instance), 60, what="the ledger to settle")
    assert set(recorded(instance).values()) == {1}
    repeats = collections.Counter(instance.mailbox.ids())
    assert set(repeats.values()) == {1}, "a mail was accepted twice"
    with instance.core() as core:
        retried = [p for p in core.service._work.ledger(("sent",)) if p.attempts > 0]
    assert retried, "some reminder was retried after a refusal"


def test_a_moved_clock_sweeps_the_new_day(instance):
    """Moving the (demo) clock to the next day makes beat's tick run that day's sweep."""
    populate(instance, 1)
    instance.worker()
    instance.beat()
    wait_until(lambda: recorded(instance), 60, what="today's sweep")
    first = set(recorded(instance))
    instance.clock.set(dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(9, 1), JST))
    wait_until(lambda: set(recorded(instance)) - first, 60, what="the next day's sweep")
    assert all(v == 1 for v in recorded(instance).values())
