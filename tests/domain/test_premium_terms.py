"""A programme's terms and premium table as a programme file gives them (DOMAIN §10), and the
policy's own events: each field checked with its name, one canonical form, and the guards of
the policy's debits (no I/O)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from events.accounts import Programme
from events.errors import AlreadySent, DomainError, NotPermitted
from events.policy import Policy, cancelled_on, parse_terms, validate_policy_event
from events.premiums import parse_terms as parse_programme_terms
from events.values import JST, Actor
from tests.conftest import ROOT

FILE = json.loads((ROOT / "examples" / "programmes" / "shokokai-2005.json").read_text(encoding="utf-8"))
STAFF = Actor("staff", "sato", programmes=frozenset({"SHOKOKAI-2005"}))
SYSTEM = Actor("system", "casemgr-workers")
OPERATOR = Actor("operator", "console")
NOW = dt.datetime(2005, 12, 1, 10, 0, tzinfo=JST)
TODAY = NOW.date()


def changed(path: str, value) -> dict:  # type: ignore[no-untyped-def]
    """The example file with one value replaced (``premiums.B.retail[2]``) or removed (None)."""
    out = copy.deepcopy(FILE)
    keys = path.replace("[", ".").replace("]", "").split(".")
    target = out
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if value is None:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return out


def test_the_example_file_reads_as_the_seeds_pattern_b_table():
    terms = parse_programme_terms(FILE)
    premiums = terms["premiums"]
    assert premiums["bands_yen"] == [50_000_000, 100_000_000, 300_000_000, 500_000_000, 1_000_000_000]
    assert premiums["B"]["retail"] == [75_000, 75_000, {"yen": 80_000, "approximate": True},
                                       {"yen": 100_000, "approximate": True}, {"yen": 130_000, "approximate": True}]
    assert premiums["B"]["construction"] == [75_000] * 5
    assert terms["patterns"] == ["A", "B", "C", "D", "E"] and terms["insurer_notice_days"] == 5


def test_a_cell_not_approximate_is_the_same_as_its_plain_yen_so_the_same_table_compares_equal():
    spelled_out = changed("premiums.B.construction[0]", {"yen": 75_000, "approximate": False})
    reordered = changed("patterns", ["E", "D", "C", "B", "A"])
    assert parse_programme_terms(spelled_out) == parse_programme_terms(FILE) == parse_programme_terms(reordered)


@pytest.mark.parametrize("path, value, field", [
    ("period_end", "2005-04-01T16:00:00+09:00", "period_end"),
    ("period_start", "2005-04-01 16:00", "period_start"),
    ("period_start", "2005-04-01T16:00:00", "period_start"),
    ("period_start", None, "period_start"),
    ("patterns", ["B", "B"], "patterns"),
    ("patterns", ["F"], "patterns[0]"),
    ("patterns", ["A"], "premiums.B"),
    ("insurer_notice_days", -1, "insurer_notice_days"),
    ("insurer_notice_days", "5", "insurer_notice_days"),
    ("premiums.bands_yen", [100, 50], "premiums.bands_yen[1]"),
    ("premiums.bands_yen", [], "premiums.bands_yen"),
    ("premiums.bands_yen[0]", 0, "premiums.bands_yen[0]"),
    ("premiums.bands_yen[0]", 5e7, "premiums.bands_yen[0]"),
    ("premiums.B.retail", [75_000], "premiums.B.retail"),
    ("premiums.B.retail[0]", -1, "premiums.B.retail[0]"),
    ("premiums.B.retail[0]", True, "premiums.B.retail[0]"),
    ("premiums.B.retail[0]", "75,000", "premiums.B.retail[0]"),
    ("premiums.B.retail[2]", {"yen": 80_000, "approximately": True}, "premiums.B.retail[2]"),
    ("premiums.B.retail[2]", {"yen": 80_000, "approximate": "yes"}, "premiums.B.retail[2].approximate"),
    ("premiums.B.retail[2]", {"approximate": True}, "premiums.B.retail[2].yen"),
    ("premiums.X", {"retail": [1, 2, 3, 4, 5]}, "premiums.X"),
    ("premiums.B", {}, "premiums.B"),
])
def test_a_bad_field_is_refused_naming_it(path, value, field):
    with pytest.raises(DomainError) as caught:
        parse_programme_terms(changed(path, value))
    assert caught.value.field == field, str(caught.value)


def test_the_programme_records_new_terms_once_and_the_same_terms_again_record_nothing():
    programme = Programme.create("SHOKOKAI-2005", "全国商工会", "", OPERATOR, NOW)
    assert programme.set_terms(FILE, OPERATOR, NOW) is True
    assert programme.set_terms(copy.deepcopy(FILE), OPERATOR, NOW) is False
    assert programme.set_terms(changed("premiums.B.retail[0]", 76_000), OPERATOR, NOW) is True
    kinds = [type(e).__name__ for e in programme.collect_events()]
    assert kinds == ["Created", "TermsSet", "TermsSet"]
    assert programme.terms["premiums"]["B"]["retail"][0] == 76_000  # the whole new table


def test_only_admins_and_the_operator_set_a_programmes_terms():
    programme = Programme.create("P", "P", "", OPERATOR, NOW)
    with pytest.raises(NotPermitted):
        programme.set_terms(FILE, STAFF, NOW)


# -- the policy's own events ----------------------------------------------------------------------

POLICY = {"number": "SK-1", "programme": "SHOKOKAI-2005", "pattern": "B",
          "insured": {"name": "Example K.K.", "industry": "retail", "annual_revenue_yen": 300_000_000},
          "period_start": "2005-04-01T16:00:00+09:00", "period_end": "2006-04-01T16:00:00+09:00"}


def policy() -> Policy:
    return Policy.issue(parse_terms(POLICY), "sato", "staff", NOW)


def record(p: Policy, event: dict, actor: Actor = STAFF, today: dt.date = TODAY) -> str:
    kind, fields = validate_policy_event(event)
    return p.record(kind, fields, actor, NOW, today)


def failed(on: str) -> dict:
    return {"type": "PremiumDebitFailed", "on": on}


def debited(on: str, amount: int = 80_000) -> dict:
    return {"type": "PremiumDebited", "on": on, "amount_yen": amount}


def test_two_failed_debits_in_a_row_cancel_the_policy_from_its_start():
    p = policy()
    assert record(p, failed("2005-04-27")) == "e2"
    assert p.cancelled_on is None
    record(p, failed("2005-05-27"))
    assert p.cancelled_on == "2005-05-27"


def test_a_successful_debit_after_one_failure_keeps_the_policy():
    p = policy()
    record(p, failed("2005-04-27"))
    record(p, debited("2005-05-27"))
    assert p.cancelled_on is None
    assert cancelled_on([("PremiumDebitFailed", "a"), ("PremiumDebited", "b"), ("PremiumDebitFailed", "c")]) is None


def test_nothing_more_is_debited_once_the_policy_is_cancelled():
    p = policy()
    record(p, failed("2005-04-27"))
    record(p, failed("2005-05-27"))
    with pytest.raises(DomainError, match="cancelled from its start"):
        record(p, debited("2005-06-27"))


@pytest.mark.parametrize("event, actor, error, field", [
    (debited("2005-04-27"), Actor("insured", "alice", business="SK-1"), NotPermitted, "type"),
    (debited("2005-04-27"), Actor("admin", "root"), NotPermitted, "type"),
    (debited("2005-12-02"), STAFF, DomainError, "on"),
    (debited("2005-04-27", 0), STAFF, DomainError, "PremiumDebited.amount_yen"),
    (debited("2005-04-27", -1), STAFF, DomainError, "PremiumDebited.amount_yen"),
    ({"type": "PremiumDebited", "on": "2005-04-27", "amount_yen": 1, "bank": "x"}, STAFF, DomainError,
     "PremiumDebited.bank"),
    ({"type": "PremiumDebitFailed"}, STAFF, DomainError, "PremiumDebitFailed.on"),
    ({"type": "PremiumRefunded", "on": "2005-04-27"}, STAFF, DomainError, "type"),
    ({"type": "ReminderSent", "on": "2005-04-20", "deadline": "premium_debit", "due": "2005-04-27",
      "offset_days": 7, "to": ["a@b.jp"], "message_id": "<x@y>"}, STAFF, NotPermitted, "type"),
])
def test_a_policy_event_is_refused_naming_the_field(event, actor, error, field):
    p = policy()
    with pytest.raises(error) as caught:
        record(p, event, actor)
    assert caught.value.field == field
    assert p.version == 1  # nothing recorded


def test_debits_are_recorded_in_the_order_they_happened_and_none_fails_once_paid():
    p = policy()
    record(p, debited("2005-04-27"))
    with pytest.raises(DomainError, match="no debit is due"):
        record(p, failed("2005-05-27"))
    with pytest.raises(DomainError, match="before the last debit") as caught:
        record(p, debited("2005-04-26"))
    assert caught.value.field == "PremiumDebited.on"
    record(p, debited("2005-06-01", 5_000))  # an additional premium (seed 001 note 5) is fine


def test_the_system_records_a_debit_reminder_once():
    p = policy()
    reminder = {"type": "ReminderSent", "on": "2005-04-20", "deadline": "premium_debit", "due": "2005-04-27",
                "offset_days": 7, "to": ["risk@example.jp"], "message_id": "<reminder.1@casemgr.test>"}
    record(p, reminder, SYSTEM)
    assert list(p.reminders) == ["premium_debit||2005-04-27|7"]
    with pytest.raises(AlreadySent):
        record(p, reminder, SYSTEM)
