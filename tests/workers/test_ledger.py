"""The core's side of the workers, without Celery: the delivery ledger and its leases, what a
delivery checks before it sends, the statement store, settings, and the console commands.
On SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess

import pytest

from casemgr import statements
from casemgr.bootstrap import bootstrap
from casemgr.clock import FixedClock
from casemgr.errors import NotPermitted
from casemgr.mail import FolderMailer
from casemgr.settings import Settings
from events.errors import DomainError
from events.values import JST, Actor
from tests.conftest import INSURED, OPERATOR, SEED_001
from tests.hostile.conftest import CASEMGR

SYSTEM = Actor("system", "test")
DAY = dt.date(2005, 6, 2)  # the seed incident was discovered on 2005-06-01


@pytest.fixture
def core(store_url, tmp_path):
    clock = FixedClock(dt.datetime.combine(DAY, dt.time(9, 30), JST))
    with bootstrap(Settings(store_url, instance=str(tmp_path), lease_seconds=60), clock) as made:
        made.accounts.add_business("SK-2005-0001", "Example Retail", OPERATOR, contacts=["risk@example.jp"])
        log = json.loads(SEED_001.read_text())
        log["incidents"][0]["events"] = log["incidents"][0]["events"][:1]  # the discovery alone
        made.service.import_log(OPERATOR, log)
        yield made


def wall_at(core, seconds: float) -> None:
    core.service._reminders.wall = lambda: seconds  # the ledger's wall clock, moved by hand


def test_a_leased_reminder_is_left_alone_until_its_lease_runs_out(core, tmp_path):
    wall_at(core, 1000.0)
    [key, *_] = core.service.sweep(SYSTEM, DAY).planned
    work = core.service._work
    assert work.take(key, 1000.0, 60, "t") is not None  # a worker took it ...
    assert work.take(key, 1010.0, 60, "t") is None  # ... another finds it leased
    assert core.service.owed_reminders(SYSTEM) == [] or key not in core.service.owed_reminders(SYSTEM)
    wall_at(core, 1061.0)  # the first worker died: its lease ran out
    assert key in core.service.owed_reminders(SYSTEM)
    assert core.service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail")).state == "sent"
    assert core.service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail")).state == "already"
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_a_reminder_whose_deadline_was_met_meanwhile_is_superseded_not_sent(core, tmp_path):
    result = core.service.sweep(SYSTEM, DAY)
    key = next(k for k in result.planned if "|insurer_notice|" in k)
    core.service.record(OPERATOR, "SK-2005-0001/INC-1", {"type": "InsurerNotified", "on": DAY.isoformat(),
                                                         "channel": "written"})
    outcome = core.service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail"))
    assert outcome.state == "superseded"
    assert not (tmp_path / "mail").exists()


def test_a_reminder_recorded_by_another_sender_is_not_mailed_again(core, tmp_path):
    key = core.service.sweep(SYSTEM, DAY).planned[0]
    _, deadline, claim, due, offset = key.split("|")
    core.service.record(SYSTEM, "SK-2005-0001/INC-1", {
        "type": "ReminderSent", "on": DAY.isoformat(), "deadline": deadline, "due": due,
        "offset_days": int(offset), "to": ["risk@example.jp"], "message_id": "<other@casemgr.test>"})
    assert core.service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail")).state == "already"
    assert not (tmp_path / "mail").exists()


def test_an_attempt_that_died_after_recording_leaves_the_ledger_with_its_id(core, tmp_path):
    """The kill drill's window: the mail accepted and ReminderSent recorded, the worker killed
    before the ledger row was finished. The retry finds it recorded and finishes the row with
    the id the mail and the event carry (not with none); a reminder recorded by another sender,
    never mailed from this row, gets none."""
    from casemgr.reminders import reminder_id

    key, other = core.service.sweep(SYSTEM, DAY).planned[:2]
    work, domain = core.service._work, core.service._reminders.domain
    for k, mailed in ((key, True), (other, False)):
        assert work.take(k, 1000.0, 60, "t") is not None  # an attempt took it ...
        if mailed:
            work.note_mailed(k, "ja")  # ... the server accepted its mail ...
        _, deadline, claim, due, offset = k.split("|")
        core.service.record(SYSTEM, "SK-2005-0001/INC-1", {  # ... and it was recorded; then the kill
            "type": "ReminderSent", "on": DAY.isoformat(), "deadline": deadline, "due": due,
            "offset_days": int(offset), "to": ["risk@example.jp"],
            "message_id": reminder_id(k, domain) if mailed else "<other@casemgr.test>"})
    wall_at(core, 2000.0)  # the leases ran out
    for k in (key, other):
        assert core.service.deliver_reminder(SYSTEM, k, FolderMailer(tmp_path / "mail")).state == "already"
    assert core.service.reminder(SYSTEM, key).message_id == reminder_id(key, domain)
    assert core.service.reminder(SYSTEM, other).message_id is None
    assert not (tmp_path / "mail").exists()  # nothing mailed again


def test_a_reminder_planned_days_ago_is_superseded_by_the_one_owed_today(core, tmp_path):
    """§4.2: a sweep that missed days sends the reminder it missed once, late, never the older."""
    key = next(k for k in core.service.sweep(SYSTEM, DAY).planned if "|insurer_notice|" in k)
    assert key.endswith("|7")  # due 2005-06-06: on 06-02 the 7-day reminder
    later = DAY + dt.timedelta(days=3)  # 06-05: the 1-day reminder is owed now
    core.service._app.clock.current = dt.datetime.combine(later, dt.time(9, 30), JST)
    assert core.service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail"), later).state == "superseded"
    owed = [k for k in core.service.sweep(SYSTEM, later).planned if "|insurer_notice|" in k]
    assert [k.rsplit("|", 1)[1] for k in owed] == ["1"]


def test_nobody_to_tell_postpones_the_reminder_and_says_why(store_url, tmp_path):
    clock = FixedClock(dt.datetime.combine(DAY, dt.time(9, 30), JST))
    with bootstrap(Settings(store_url, instance=str(tmp_path)), clock) as made:
        log = json.loads(SEED_001.read_text())
        log["incidents"][0]["events"] = log["incidents"][0]["events"][:1]
        made.service.import_log(OPERATOR, log)
        key = made.service.sweep(SYSTEM, DAY).planned[0]
        outcome = made.service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail"))
        assert outcome.state == "postponed" and "nobody to tell" in outcome.detail
        [(failing, number, reference)] = made.service.status(SYSTEM).failing
        assert (number, reference) == ("SK-2005-0001", "INC-1")
        assert made.service.status(Actor("staff", "s", programmes=frozenset({"other"}))).failing == []
        assert failing.attempts == 1 and "nobody to tell" in failing.last_error


def test_the_statement_store_keeps_the_latest_and_is_read_back_equal(core):
    policy = str(core.service._app.resolve("SK-2005-0001/INC-1"))
    policy = str(core.service.incident(SYSTEM, "SK-2005-0001/INC-1").policy_id)
    assert core.service.statement(SYSTEM, "SK-2005-0001/INC-1").computed_at is None  # nothing stored yet
    assert core.service.recompute_statements(SYSTEM, policy) == 1
    stored = core.service.statement(SYSTEM, "SK-2005-0001/INC-1")
    assert stored.computed_at is not None
    assert stored.statement == core.service._app.statement(stored.incident.id).statement
    assert core.service.recompute_statements(SYSTEM, policy) == 0  # the same position: kept as it is
    core.service.record(OPERATOR, "SK-2005-0001/INC-1", {"type": "Publicized", "on": DAY.isoformat(),
                                                         "how": "website"})
    assert core.service.statement(SYSTEM, "SK-2005-0001/INC-1").computed_at is None  # stale: computed now
    assert core.service.stale_statement_policies(SYSTEM) == [policy]
    assert core.service.recompute_statements(SYSTEM, policy) == 1
    assert core.service.stale_statement_policies(SYSTEM) == []


def test_the_statement_codec_round_trips_the_worked_example(app):
    from tests.app.builders import import_one

    incident = import_one(app, json.loads(SEED_001.read_text()))
    s = app.statement(incident).statement
    assert statements.decode(statements.encode(s)) == s
    with pytest.raises(ValueError, match="format"):
        statements.decode(json.dumps({"format": 99}))


def test_only_the_system_admins_and_the_console_run_the_workers_work(core):
    with pytest.raises(NotPermitted):
        core.service.sweep(INSURED, DAY)
    with pytest.raises(NotPermitted):
        core.service.recompute_statements(Actor("staff", "s", programmes=frozenset({"default"})), "x")
    with pytest.raises(NotPermitted):
        core.service.status(INSURED)


@pytest.mark.parametrize("name, value, says", [
    ("CASEMGR_SMTP_URL", "http://mail", "smtp://"),
    ("CASEMGR_SMTP_URL", "smtp://host:notaport", "smtp://"),
    ("CASEMGR_SWEEP_AT", "9:00", "HH:MM"),
    ("CASEMGR_SWEEP_AT", "25:00", "HH:MM"),
    ("CASEMGR_CLOCK", "fixed", "file:PATH"),
    ("CASEMGR_LEASE_SECONDS", "0", "seconds"),
    ("CASEMGR_RETRY_SECONDS", "x", "seconds"),
])
def test_bad_worker_settings_are_refused_by_name(name, value, says):
    with pytest.raises(DomainError) as caught:
        Settings.from_env({name: value})
    assert caught.value.field == name and says in str(caught.value)


def test_smtp_urls_name_tls_starttls_and_credentials():
    from casemgr.settings import parse_smtp_url

    assert parse_smtp_url("smtps://u%40x:p%2Fw@mail.example.jp").port == 465
    server = parse_smtp_url("smtp://u:p@mail.example.jp:587?starttls=1")
    assert (server.user, server.password, server.port, server.tls, server.starttls) == ("u", "p", 587, False, True)


def run_cli(tmp_path, *args, **env):
    environ = {**os.environ, "CASEMGR_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}",
               "CASEMGR_INSTANCE": str(tmp_path), **env}
    environ.pop("CASEMGR_CLOCK", None) if "CASEMGR_CLOCK" not in env else None
    return subprocess.run([str(CASEMGR), *args], capture_output=True, text=True, env=environ, timeout=120)


def test_the_console_sweeps_by_hand_and_shows_the_status(tmp_path):
    assert run_cli(tmp_path, "import", str(SEED_001)).returncode == 0
    environ = {**os.environ, "CASEMGR_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}"}
    added = subprocess.run([str(CASEMGR), "users", "add", "staff@insurer.jp", "--role", "staff", "--programme",
                            "default", "--password-stdin"], input="correct horse battery staple\n",
                           capture_output=True, text=True, env=environ, timeout=120)
    assert added.returncode == 0, added.stderr
    swept = run_cli(tmp_path, "reminders", "sweep", "--today", "2005-07-25", "--json")
    assert swept.returncode == 0, swept.stderr
    result = json.loads(swept.stdout)
    assert result["planned"] and {o["state"] for o in result["outcomes"].values()} == {"sent"}
    assert len(list((tmp_path / "mail").glob("*.eml"))) == len(result["planned"])
    again = json.loads(run_cli(tmp_path, "reminders", "sweep", "--today", "2005-07-25", "--json").stdout)
    assert again["planned"] == []  # sent once
    status = json.loads(run_cli(tmp_path, "status", "--json").stdout)
    assert status["reminders"] == {"sent": len(result["planned"])} and status["read_model_lag"] == 0
    refused = run_cli(tmp_path, "reminders", "sweep", "--today", "2999-01-01")
    assert refused.returncode == 2 and "after today" in refused.stderr and "Traceback" not in refused.stderr
    insured = run_cli(tmp_path, "--as", "insured:nobody@example.jp", "status")
    assert insured.returncode == 2


def test_the_console_moves_a_file_clock_and_refuses_to_move_the_system_clock(tmp_path):
    clock = f"file:{tmp_path / 'clock'}"
    shown = run_cli(tmp_path, "clock", "set", "2026-12-01T08:59", CASEMGR_CLOCK=clock)
    assert shown.returncode == 0 and shown.stdout.startswith("2026-12-01 08:59")
    moved = run_cli(tmp_path, "clock", "advance", "1d", CASEMGR_CLOCK=clock)
    assert moved.stdout.startswith("2026-12-02 08:59")
    bad = run_cli(tmp_path, "clock", "advance", "tomorrow", CASEMGR_CLOCK=clock)
    assert bad.returncode == 2 and "AMOUNT" in bad.stderr
    system = run_cli(tmp_path, "clock", "advance", "1d")
    assert system.returncode == 2 and "cannot be moved" in system.stderr


def test_a_stored_statement_keeps_its_rules_sayable_in_japanese(app):
    from casemgr.texts import Text, localize
    from tests.app.builders import import_one

    incident = import_one(app, json.loads(SEED_001.read_text()))
    s = statements.decode(statements.encode(app.statement(incident).statement))
    line = next(line for line in s.lines if isinstance(line.rule, Text))
    assert localize(line.rule, "ja") != str(line.rule)  # the Japanese, from the stored structure


def test_a_reminder_mail_in_japanese_says_the_rule_in_japanese(core, tmp_path):
    import email
    import email.policy

    key = next(k for k in core.service.sweep(SYSTEM, DAY).planned if "|insurer_notice|" in k)
    core.service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail"))
    [path] = (tmp_path / "mail").glob("*.eml")
    body = email.message_from_bytes(path.read_bytes(), policy=email.policy.default).get_content()
    assert "根拠:" in body and "discovery 2005-06-01" not in body


def test_a_recomputation_asked_for_a_position_already_reflected_does_nothing(core):
    policy = str(core.service.incident(SYSTEM, "SK-2005-0001/INC-1").policy_id)
    reached = core.service.notification_count()
    assert core.service.recompute_statements(SYSTEM, policy, reached) == 1
    assert core.service.recompute_statements(SYSTEM, policy, reached) == 0  # a later task got there first
    core.service.record(OPERATOR, "SK-2005-0001/INC-1", {"type": "Publicized", "on": DAY.isoformat(),
                                                         "how": "website"})
    assert core.service.recompute_statements(SYSTEM, policy, core.service.notification_count()) == 1
