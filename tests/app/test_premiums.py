"""Premiums and the policy's life through the service (DOMAIN §10), on SQLite and PostgreSQL:
importing a programme file (idempotent; a new table is one event; a bad file stores nothing),
the estimate and who may ask, debits recorded by staff or the system, the cancellation from the
start after two failures in a row — shown on the policy, on every statement under it and on its
incidents' deadlines — the next debit as a deadline row with its reminders, mailed end to end,
and the small-programme warning."""

from __future__ import annotations

import copy
import datetime as dt
import email
import email.policy
import json

import pytest

from casemgr.bootstrap import bootstrap
from casemgr.clock import FixedClock
from casemgr.errors import DomainError, NotFound, NotPermitted
from casemgr.mail import FolderMailer
from casemgr.readmodels.queries import DeadlineFilter
from casemgr.settings import Settings
from events.values import JST, Actor
from tests.conftest import OPERATOR, ROOT, SEED_001

FILE = json.loads((ROOT / "examples" / "programmes" / "shokokai-2005.json").read_text(encoding="utf-8"))
CODE = "SHOKOKAI-2005"
STAFF = Actor("staff", "sato@insurer.jp", programmes=frozenset({CODE}))
OTHER_STAFF = Actor("staff", "kato@insurer.jp", programmes=frozenset({"default"}))
INSURED = Actor("insured", "alice@shop.jp", business="SK-2005-0001")
ADMIN = Actor("admin", "root@insurer.jp")
SYSTEM = Actor("system", "casemgr-workers")
NUMBER, REF = "SK-2005-0001", "SK-2005-0001/INC-1"


def seed_in_programme(**insured) -> dict:  # type: ignore[no-untyped-def]
    """The worked example (DOMAIN §7) as a pattern-B policy of the seed's programme."""
    log = json.loads(SEED_001.read_text(encoding="utf-8"))
    log["policy"].update(programme=CODE, pattern="B")
    log["policy"]["insured"].update({"industry": "retail", "annual_revenue_yen": 300_000_000, **insured})
    return log


@pytest.fixture
def core(store_url, tmp_path):
    clock = FixedClock(dt.datetime(2006, 1, 25, 10, 0, tzinfo=JST))
    with bootstrap(Settings(store_url, instance=str(tmp_path)), clock=clock) as made:
        made.service.import_programme(OPERATOR, FILE)
        made.service.import_log(OPERATOR, seed_in_programme())
        yield made


def failed(on: str) -> dict:
    return {"type": "PremiumDebitFailed", "on": on}


def stored_events(core) -> int:  # type: ignore[no-untyped-def]
    return core.service.notification_count()


# -- the programme file -----------------------------------------------------------------------------

def test_importing_the_same_programme_file_again_records_nothing(core):
    before = stored_events(core)
    result = core.service.import_programme(OPERATOR, copy.deepcopy(FILE))
    assert (result.created, result.changed) == (False, False)
    assert stored_events(core) == before
    assert core.service.programme(ADMIN, CODE).programme.terms["premiums"]["B"]["retail"][0] == 75_000


def test_a_changed_premium_table_is_one_new_event_and_new_estimates_use_it(core):
    before = stored_events(core)
    newer = copy.deepcopy(FILE)
    newer["premiums"]["B"]["retail"][0] = 76_000
    newer["name"] = "全国商工会個人情報漏えい保険制度（改訂）"
    result = core.service.import_programme(OPERATOR, newer)
    assert (result.created, result.changed) == (False, True)
    assert stored_events(core) == before + 2  # the new name, the new terms (the whole table)
    assert core.service.premium_estimate(STAFF, CODE, "B", "retail", 1).estimate.annual_yen == 76_000
    # The policy issued before keeps the estimate of the table in force when it was issued.
    assert core.service.policy(STAFF, NUMBER).premium.annual_yen == 80_000


@pytest.mark.parametrize("change, field", [
    ({"premiums": {"bands_yen": [1, 2], "B": {"retail": [1]}}}, "premiums.B.retail"),
    ({"period_end": "2005-01-01T00:00:00+09:00"}, "period_end"),
    ({"code": "A/B"}, "code"),
    ({"name": ""}, "name"),
    ({"fee": 1}, "fee"),
])
def test_a_bad_programme_file_is_refused_naming_the_field_and_nothing_is_stored(core, change, field):
    before = stored_events(core)
    with pytest.raises(DomainError) as caught:
        core.service.import_programme(OPERATOR, {**FILE, "code": "NEW-1", **change})
    assert caught.value.field == field
    assert stored_events(core) == before


def test_only_admins_and_the_operator_import_programme_files(core):
    for actor in (STAFF, INSURED, SYSTEM):
        with pytest.raises(NotPermitted):
            core.service.import_programme(actor, {**FILE, "code": "NEW-2"})
    assert core.service.import_programme(ADMIN, {**FILE, "code": "NEW-2"}).created


# -- the estimate -------------------------------------------------------------------------------------

def test_the_estimate_for_the_seeds_programme_with_the_small_programme_warning(core):
    quote = core.service.premium_estimate(STAFF, CODE, "B", "retail", 300_000_000, True, dt.date(2005, 6, 15))
    e = quote.estimate
    assert (e.annual_yen, e.approximate, e.months, e.premium_yen, e.first_debit_on) == (
        80_000, True, 8, 50_666, dt.date(2005, 8, 29))
    assert quote.enrolled_businesses == 1 and "99 or fewer" in quote.warning


@pytest.mark.parametrize("actor", [OTHER_STAFF, INSURED])
def test_staff_of_other_programmes_and_insured_users_are_told_the_programme_does_not_exist(core, actor):
    with pytest.raises(NotFound):
        core.service.premium_estimate(actor, CODE, "B", "retail", 1)
    with pytest.raises(NotFound):
        core.service.premium_estimate(ADMIN, "NO-SUCH", "B", "retail", 1)


def test_a_programme_without_terms_has_no_estimate(core):
    core.accounts.add_programme("BARE", "Bare", OPERATOR)
    with pytest.raises(DomainError) as caught:
        core.service.premium_estimate(ADMIN, "BARE", "B", "retail", 1)
    assert caught.value.field == "programme"


# -- debits and the cancellation ------------------------------------------------------------------------

def test_a_policy_of_a_programme_with_a_table_has_its_next_debit_as_a_deadline(core):
    usage = core.service.policy(STAFF, NUMBER)
    assert usage.debits.state == "due" and usage.debits.due == dt.date(2005, 4, 27)
    assert usage.premium.premium_yen == 80_000 and usage.premium.approximate
    rows = core.service.deadlines(STAFF, dt.date(2005, 4, 21), DeadlineFilter(deadline="premium_debit")).rows
    assert [(r.policy_number, r.reference, r.due, r.status, r.of_policy) for r in rows] == [
        (NUMBER, "", dt.date(2005, 4, 27), "due_soon", True)]
    # The seed's own programme has no table: its policies' debits are not tracked.
    log = json.loads(SEED_001.read_text(encoding="utf-8"))
    log["policy"]["number"] = "SK-OTHER"
    core.service.import_log(OPERATOR, log)
    rows = core.service.deadlines(ADMIN, dt.date(2005, 4, 21), DeadlineFilter(deadline="premium_debit")).rows
    assert [r.policy_number for r in rows] == [NUMBER]


def test_a_failed_debit_moves_the_deadline_to_the_next_month_and_a_debit_meets_it(core):
    assert core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27")).id == "e3"
    row = core.service.deadlines(STAFF, dt.date(2005, 5, 1), DeadlineFilter(deadline="premium_debit")).rows[0]
    assert (row.due, row.status) == (dt.date(2005, 5, 27), "open")
    assert "retry after the failed debit of 2005-04-27" in row.rule
    core.service.record_policy_event(SYSTEM, NUMBER, {"type": "PremiumDebited", "on": "2005-05-27",
                                                      "amount_yen": 80_000})
    row = core.service.deadlines(STAFF, dt.date(2005, 6, 1), DeadlineFilter(deadline="premium_debit")).rows[0]
    assert (row.status, row.met_on) == ("met", dt.date(2005, 5, 27))
    usage = core.service.policy(STAFF, NUMBER)
    assert usage.cancelled_on is None and usage.debits.paid_yen == 80_000
    assert core.service.statement(STAFF, REF).statement.total_payable_yen > 0


def test_a_debit_cannot_fail_before_it_is_attempted(core):
    with pytest.raises(DomainError) as caught:
        core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-26"))
    assert caught.value.field == "PremiumDebitFailed.on"


def test_two_failures_in_a_row_cancel_the_policy_and_every_statement_and_deadline_under_it_says_so(core):
    payable = core.service.statement(STAFF, REF).statement.total_payable_yen
    assert payable > 0
    core.clock.advance(minutes=1)  # the failures are recorded after the incident's last event
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-05-27"))
    usage = core.service.policy(STAFF, NUMBER)
    assert usage.cancelled_on == dt.date(2005, 5, 27)
    assert (usage.liability_used_yen, usage.expenses_used_yen) == (0, 0)
    s = core.service.statement(INSURED, REF).statement
    assert (s.liability.payable_yen, s.expenses.payable_yen, s.total_payable_yen) == (0, 0, 0)
    assert s.lines and {line.rule for line in s.lines} == {"policy cancelled from its start: premium not collected"}
    assert {line.counted_yen for line in s.lines} == {0}
    assert any("cancelled from its start" in flag for flag in s.flags)
    deadlines = {r.deadline: r for r in core.service.incident_deadlines(INSURED, REF, dt.date(2006, 1, 25))}
    for name in ("insurer_notice", "expense_window", "claim_filing_liability", "claim_filing_expenses",
                 "claims_made_cutoff"):
        assert deadlines[name].status == "not_applicable"
        assert deadlines[name].rule.startswith("policy cancelled from its start: premium not collected")
    assert deadlines["ppc_final"].status == "overdue"  # the law's deadlines stand
    # The policy's own row, the policy list and the programme's size say it too.
    row = core.service.deadlines(STAFF, dt.date(2005, 6, 1), DeadlineFilter(deadline="premium_debit")).rows[0]
    assert row.status == "not_applicable" and "two debits failed in a row" in row.rule
    assert core.service.policies(STAFF)[0]["cancelled_on"] == "2005-05-27"
    assert core.service.programme(ADMIN, CODE).enrolled_businesses == 0
    # As the incident stood before the cancellation, it paid.
    assert core.service.statement(STAFF, REF, version=8).statement.total_payable_yen == payable
    with pytest.raises(DomainError, match="cancelled from its start"):
        core.service.record_policy_event(STAFF, NUMBER, {"type": "PremiumDebited", "on": "2005-06-27",
                                                         "amount_yen": 80_000})


def test_the_workers_stored_statement_is_not_shown_once_the_policy_is_cancelled(core):
    policy = core.service.policies(OPERATOR)[0]["policy_id"]
    core.service.recompute_statements(SYSTEM, policy)
    assert core.service.statement(STAFF, REF).computed_at is not None  # the stored one
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-05-27"))
    result = core.service.statement(STAFF, REF)
    assert result.computed_at is None and result.statement.total_payable_yen == 0
    core.service.recompute_statements(SYSTEM, policy)
    result = core.service.statement(STAFF, REF)
    assert result.computed_at is not None and result.statement.total_payable_yen == 0


@pytest.mark.parametrize("actor, expected", [
    (STAFF, "ok"), (SYSTEM, "ok"), (OPERATOR, "ok"), (ADMIN, NotPermitted), (INSURED, NotPermitted),
    (OTHER_STAFF, NotFound), (Actor("insured", "bob@other.jp", business="B2"), NotFound),
])
def test_who_records_a_debit(core, actor, expected):
    event = {"type": "PremiumDebited", "on": "2005-04-27", "amount_yen": 80_000}
    if expected == "ok":
        assert core.service.record_policy_event(actor, NUMBER, event).id == "e3"
    else:
        with pytest.raises(expected):
            core.service.record_policy_event(actor, NUMBER, event)


# -- voiding a debit event (decision P15) ----------------------------------------------------------


def void(ref: str, on: str = "2006-01-25", reason: str = "the bank debited it after all") -> dict:
    return {"type": "EventVoided", "on": on, "event": ref, "reason": reason}


def test_voiding_the_failure_that_cancelled_the_policy_restores_it_and_every_statement_under_it(core):
    payable = core.service.statement(STAFF, REF).statement.total_payable_yen
    core.clock.advance(minutes=1)
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
    second = core.service.record_policy_event(STAFF, NUMBER, failed("2005-05-27")).id
    cancelled_version = core.service.incident(STAFF, REF).version
    assert core.service.statement(STAFF, REF).statement.total_payable_yen == 0
    core.clock.advance(minutes=1)
    voiding = core.service.record_policy_event(STAFF, NUMBER, void(second)).id
    usage = core.service.policy(STAFF, NUMBER)
    assert usage.cancelled_on is None and usage.debits.state == "due"
    assert usage.debits.due == dt.date(2005, 5, 27)  # the retry after the one failure that stands
    assert [(v.id, v.type, v.voided_by, v.reason) for v in usage.voided_debits] == [
        (second, "PremiumDebitFailed", voiding, "the bank debited it after all")]
    assert core.service.statement(INSURED, REF).statement.total_payable_yen == payable
    assert core.service.policies(STAFF)[0]["cancelled_on"] is None  # the read model follows
    row = core.service.deadlines(STAFF, dt.date(2005, 6, 1), DeadlineFilter(deadline="premium_debit")).rows[0]
    assert (row.status, row.due) == ("overdue", dt.date(2005, 5, 27))
    assert core.service.statement(STAFF, REF, version=cancelled_version).statement.total_payable_yen == payable
    # the debit that was due can now be recorded, after the failure that stands
    core.service.record_policy_event(STAFF, NUMBER, {"type": "PremiumDebited", "on": "2005-05-27",
                                                     "amount_yen": 80_000})
    assert core.service.policy(STAFF, NUMBER).debits.state == "paid"


def test_a_statement_as_it_stood_before_the_voiding_still_shows_the_cancellation(core):
    core.clock.advance(minutes=1)
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
    second = core.service.record_policy_event(STAFF, NUMBER, failed("2005-05-27")).id
    core.clock.advance(minutes=1)
    core.service.record(STAFF, REF, {"type": "NoteAdded", "on": "2006-01-25", "text": "the bank is asked"})
    noted = core.service.incident(STAFF, REF).version
    core.clock.advance(minutes=1)
    core.service.record_policy_event(STAFF, NUMBER, void(second))
    assert core.service.statement(STAFF, REF, version=noted).statement.total_payable_yen == 0
    assert core.service.statement(STAFF, REF).statement.total_payable_yen > 0


@pytest.mark.parametrize("ref, on, message", [
    ("e1", "2006-01-25", "no debit event 'e1' on this policy"),  # the policy's issue
    ("e2", "2006-01-25", "no debit event 'e2' on this policy"),  # the incident's registration
    ("e99", "2006-01-25", "no debit event 'e99' on this policy"),
    ("3", "2006-01-25", "no debit event '3' on this policy"),
    ("e3", "2005-04-26", "is before the event it voids (PremiumDebitFailed on 2005-04-27)"),
])
def test_only_a_debit_event_that_stands_is_voided(core, ref, on, message):
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
    before = stored_events(core)
    with pytest.raises(DomainError) as refused:
        core.service.record_policy_event(STAFF, NUMBER, void(ref, on))
    assert message in refused.value.message and refused.value.field.startswith("EventVoided.")
    assert stored_events(core) == before


def test_an_event_is_voided_once_and_a_blank_reason_is_refused(core):
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
    first = core.service.record_policy_event(STAFF, NUMBER, void("e3")).id
    with pytest.raises(DomainError, match=f"event e3 was already voided by {first}"):
        core.service.record_policy_event(STAFF, NUMBER, void("e3"))
    with pytest.raises(DomainError) as refused:
        core.service.record_policy_event(STAFF, NUMBER, void("e3", reason=""))
    assert refused.value.field == "EventVoided.reason"


@pytest.mark.parametrize("actor, expected", [
    (STAFF, "ok"), (SYSTEM, "ok"), (OPERATOR, "ok"), (ADMIN, NotPermitted), (INSURED, NotPermitted),
    (OTHER_STAFF, NotFound),
])
def test_who_voids_a_debit_event(core, actor, expected):
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
    if expected == "ok":
        assert core.service.record_policy_event(actor, NUMBER, void("e3")).id == "e4"
    else:
        with pytest.raises(expected):
            core.service.record_policy_event(actor, NUMBER, void("e3"))


def test_the_read_model_rebuilt_from_the_log_equals_the_one_kept_up_to_date(core):
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-05-27"))
    core.service.record_policy_event(STAFF, NUMBER, void("e4"))
    core.service.record_policy_event(STAFF, NUMBER, failed("2005-06-27"))

    def everything():  # type: ignore[no-untyped-def]
        rows = core.service.deadlines(OPERATOR, dt.date(2005, 6, 1), per_page=500).rows
        return [(r.incident, r.deadline, r.due, r.status, str(r.rule)) for r in rows], core.service.policies(OPERATOR)

    before = everything()
    core.service.rebuild_read_model(OPERATOR)
    assert everything() == before


# -- the next debit's reminders, end to end -----------------------------------------------------------

def test_the_sweep_reminds_of_the_next_debit_and_a_mail_goes_out_once(store_url, tmp_path):
    day = dt.date(2005, 4, 20)  # seven days before the first debit
    clock = FixedClock(dt.datetime.combine(day, dt.time(9, 30), JST))
    with bootstrap(Settings(store_url, instance=str(tmp_path)), clock=clock) as made:
        service = made.service
        service.import_programme(OPERATOR, FILE)
        made.accounts.add_business(NUMBER, "Example Retail", OPERATOR, contacts=["risk@shop.example.jp"])
        log = seed_in_programme()
        log["incidents"] = []
        service.import_log(OPERATOR, log)
        due = service.reminders_due(OPERATOR, day)
        assert [(r.deadline, r.due, r.offset_days, r.to) for r in due] == [
            ("premium_debit", dt.date(2005, 4, 27), 7, ("risk@shop.example.jp",))]
        [key] = service.sweep(SYSTEM, day).planned
        mailer = FolderMailer(tmp_path / "mail")
        assert service.deliver_reminder(SYSTEM, key, mailer).state == "sent"
        assert service.deliver_reminder(SYSTEM, key, mailer).state == "already"
        [mail] = (tmp_path / "mail").glob("*.eml")
        message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
        body = message.get_body().get_content()
        assert message["Subject"].startswith("【保険料の引落し】SK-2005-0001")
        assert "/staff/policies/SK-2005-0001" in body and "2005-04-27" in body
        service.catch_up()
        assert service.reminders_due(OPERATOR, day) == []  # recorded on the policy: never again
        sent = service.notifications(STAFF)
        assert [(p.deadline, number, reference) for p, number, reference in sent] == [("premium_debit", NUMBER, "")]
        assert service.policy(STAFF, NUMBER).debits.state == "due"
        # A failure moves the deadline: the retry is a new deadline, reminded afresh.
        clock.advance(days=7)
        service.record_policy_event(STAFF, NUMBER, failed("2005-04-27"))
        clock.advance(days=23)  # 2005-05-20: seven days before the retry
        [key] = service.sweep(SYSTEM, dt.date(2005, 5, 20)).planned
        assert key.endswith("|premium_debit||2005-05-27|7")
        assert service.deliver_reminder(SYSTEM, key, mailer).state == "sent"
        assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_a_read_model_made_by_an_earlier_casemgr_is_rebuilt_when_opened(store_url, tmp_path, clock):
    """rm_policies had four columns before the policy's cancellation and version: a store made
    then is rebuilt once when this casemgr opens it, so writes go on."""
    settings = Settings(store_url, instance=str(tmp_path))
    with bootstrap(settings, clock=clock) as made:
        made.service.import_log(OPERATOR, json.loads(SEED_001.read_text(encoding="utf-8")))
        view = made.service._view.view
        table = view.table("policies")
        view.execute(f"DROP TABLE {table}")
        view.execute(f"CREATE TABLE {table} (policy_id TEXT PRIMARY KEY, number TEXT NOT NULL,"
                     " programme TEXT NOT NULL, business TEXT NOT NULL)")
        assert view.outdated() == ["policies"]
    with bootstrap(settings, clock=clock) as made:
        assert made.service._view.view.outdated() == []
        assert made.service.policies(OPERATOR)[0]["number"] == NUMBER
        assert made.service.record_policy_event(OPERATOR, NUMBER, failed("2005-04-27")).view_error is None
