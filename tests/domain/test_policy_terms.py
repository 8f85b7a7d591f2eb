"""Policy terms (DOMAIN §2): presets, custom limits, mid-term enrolment, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from events.errors import DomainError
from events.policy import Policy, mid_term_start, parse_terms
from events.values import JST

BASE = {
    "number": "P-1", "insured": {"name": "Shop"},
    "period_start": "2005-04-01T16:00:00+09:00", "period_end": "2006-04-01T16:00:00+09:00",
}


def terms(**changes):
    return parse_terms({**BASE, **changes})


@pytest.mark.parametrize("pattern, limits", [
    ("A", (10_000_000, 1_000_000, 1_000_000)),
    ("D", (100_000_000, 10_000_000, 10_000_000)),
    ("E", (300_000_000, 30_000_000, 30_000_000)),
])
def test_a_pattern_fills_its_limits_and_the_seed_defaults(pattern, limits):
    t = terms(pattern=pattern)
    assert (t.liability_limit_yen, t.third_party_sublimit_yen, t.expense_limit_yen) == limits
    assert (t.deductible_yen, t.expense_coinsurance_pct, t.riders) == (100_000, 90, ())
    assert t.initial_inception == t.period_start


def test_custom_limits_take_the_expense_limit_as_the_third_party_sublimit():
    t = terms(liability_limit_yen=100_000_000, expense_limit_yen=1_000_000)
    assert t.third_party_sublimit_yen == 1_000_000


def test_custom_limits_override_a_pattern():
    t = terms(pattern="D", expense_limit_yen=2_000_000)
    assert (t.liability_limit_yen, t.expense_limit_yen, t.third_party_sublimit_yen) == (100_000_000, 2_000_000, 2_000_000)


@pytest.mark.parametrize("applied, starts", [
    (dt.date(2005, 6, 15), dt.datetime(2005, 8, 1, tzinfo=JST)),
    (dt.date(2005, 11, 30), dt.datetime(2006, 1, 1, tzinfo=JST)),
    (dt.date(2005, 12, 1), dt.datetime(2006, 2, 1, tzinfo=JST)),
])
def test_mid_term_enrolment_starts_on_the_first_of_the_second_month_after(applied, starts):
    assert mid_term_start(applied) == starts


def test_a_mid_term_policy_covers_from_its_start_to_the_programme_end():
    t = terms(pattern="B", enrolment_applied_on="2005-06-15")
    assert t.start == dt.datetime(2005, 8, 1, tzinfo=JST)
    assert t.period_end == BASE["period_end"]
    assert t.initial_inception == t.period_start
    assert t.to_log()["period_start"] == BASE["period_start"]  # the programme's, re-importable


@pytest.mark.parametrize("changes, field", [
    ({}, "policy.liability_limit_yen"),  # no pattern, no limits
    ({"pattern": "Z"}, "policy.pattern"),
    ({"pattern": "A", "deductible_yen": -1}, "policy.deductible_yen"),
    ({"pattern": "A", "expense_coinsurance_pct": 101}, "policy.expense_coinsurance_pct"),
    ({"pattern": "A", "riders": ["earthquake"]}, "policy.riders.0"),
    ({"pattern": "A", "period_end": "2005-04-01T16:00:00+09:00"}, "policy.period_end"),
    ({"pattern": "A", "period_start": "2005-04-01T16:00:00"}, "policy.period_start"),
    ({"pattern": "A", "initial_inception": "2006-01-01T00:00:00+09:00"}, "policy.initial_inception"),
    ({"pattern": "A", "enrolment_applied_on": "2006-03-10"}, "policy.enrolment_applied_on"),
    ({"pattern": "A", "third_party_sublimit_yen": 20_000_000}, "policy.third_party_sublimit_yen"),
    ({"pattern": "A", "owner_name": "x"}, "policy.owner_name"),
])
def test_bad_terms_are_refused_naming_the_field(changes, field):
    with pytest.raises(DomainError) as refused:
        terms(**changes)
    assert refused.value.field == field


def test_only_staff_or_the_operator_issue_a_policy():
    now = dt.datetime(2026, 1, 1, tzinfo=JST)
    with pytest.raises(DomainError):
        Policy.issue(terms(pattern="A"), "alice", "insured", now)
    assert Policy.issue(terms(pattern="A"), "sato", "staff", now).terms == terms(pattern="A")
