"""The premium rules (DOMAIN §10) as pure functions: the band a revenue falls in, the months of a
mid-term enrolment, the PL discount after them (each rounded down to the yen), the 27th moved
past weekends, holidays and the banks' 31 Dec – 3 Jan, and a policy's debits: retried a month
later, cancelled from the start by a second failure in a row. Each figure with its rule."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgr.errors import DomainError
from casemgr.rules import calendar
from casemgr.rules.premiums import (
    band_of, cover_months, debit_date, debit_deadline, debit_schedule, estimate, pl_discounted, small_programme,
    term_premium,
)
from casemgr.texts import localize
from events.premiums import parse_terms
from events.values import JST
from tests.conftest import ROOT

TERMS = parse_terms(json.loads((ROOT / "examples" / "programmes" / "shokokai-2005.json").read_text("utf-8")))
CODE = "SHOKOKAI-2005"
BANDS = TERMS["premiums"]["bands_yen"]
START = dt.datetime(2005, 4, 1, 16, 0, tzinfo=JST)


def quote(industry: str = "retail", revenue: int = 300_000_000, **kwargs):  # type: ignore[no-untyped-def]
    return estimate(CODE, TERMS, "B", industry, revenue, **kwargs)


# -- bands ------------------------------------------------------------------------------------

@pytest.mark.parametrize("revenue, band", [
    (0, 0), (50_000_000, 0), (50_000_001, 1), (100_000_000, 1), (300_000_000, 2), (300_000_001, 3),
    (1_000_000_000, 4), (1_000_000_001, None),
])
def test_a_revenue_equal_to_a_bands_upper_bound_falls_in_that_band(revenue, band):
    assert band_of(BANDS, revenue) == band


@pytest.mark.parametrize("industry, revenue, annual, approximate", [
    ("retail", 50_000_000, 75_000, False), ("retail", 100_000_000, 75_000, False),
    ("retail", 100_000_001, 80_000, True), ("retail", 500_000_000, 100_000, True),
    ("retail", 1_000_000_000, 130_000, True), ("wholesale", 500_000_000, 75_000, False),
    ("wholesale", 500_000_001, 80_000, True), ("construction", 1_000_000_000, 75_000, False),
])
def test_the_seeds_pattern_b_table_gives_its_figures_and_says_which_are_approximate(industry, revenue, annual,
                                                                                      approximate):
    e = quote(industry, revenue)
    assert (e.annual_yen, e.approximate, e.premium_yen, e.months) == (annual, approximate, annual, 12)
    assert not e.quoted_individually


def test_above_the_largest_band_the_premium_is_quoted_individually_not_a_number():
    e = quote("construction", 1_000_000_001, pl_insurance=True, applied_on=dt.date(2005, 6, 15))
    assert e.quoted_individually and e.annual_yen is e.term_yen is e.premium_yen is None
    assert e.band_upper_yen is None and e.pl_discount_yen == 0
    assert e.months == 8 and e.first_debit_on == dt.date(2005, 8, 29)  # still said
    assert "quoted individually" in e.rules[0]


# -- months and the PL discount ------------------------------------------------------------------

def test_a_mid_term_enrolment_pays_the_months_of_its_cover_rounded_down_then_the_pl_discount():
    e = quote(applied_on=dt.date(2005, 6, 15), pl_insurance=True)
    assert e.cover_start == dt.datetime(2005, 8, 1, tzinfo=JST) and e.mid_term
    assert e.months == 8
    assert e.term_yen == 53_333  # ⌊80,000 × 8 / 12⌋ = ⌊53,333.3⌋
    assert e.premium_yen == 50_666 and e.pl_discount_yen == 2_667  # ⌊53,333 × 95 / 100⌋ = ⌊50,666.35⌋
    assert [str(r) for r in e.rules] == [
        "revenue 300,000,000 yen falls in the band up to 300,000,000 yen",
        "pattern B, retail: about 80,000 yen a year (約: approximate, as the table gives it)",
        "mid-term enrolment applied 2005-06-15: cover 2005-08-01 00:00 to 2006-04-01 16:00 JST, 8 months; "
        "80,000 × 8 / 12 = 53,333 yen (rounded down)",
        "SME PL insurance: 5% off, 53,333 × 95 / 100 = 50,666 yen (rounded down)",
        "first debit: the 27th of the month the cover starts, moved from Sat 2005-08-27 (weekend) to "
        "Mon 2005-08-29, the next bank business day",
    ]
    assert all(localize(r, "ja") != str(r) for r in e.rules)


@pytest.mark.parametrize("applied, months", [
    (None, 12), (dt.date(2005, 3, 31), 11), (dt.date(2005, 6, 1), 8), (dt.date(2005, 6, 15), 8),
    (dt.date(2005, 6, 30), 8), (dt.date(2006, 1, 31), 1),
    (dt.date(2006, 2, 1), 0),  # cover 2006-04-01 00:00 to 16:00: no whole month, nothing to pay
])
def test_the_months_count_from_the_cover_start_to_the_period_end(applied, months):
    e = quote(applied_on=applied)
    assert e.months == months
    assert e.premium_yen == 80_000 * months // 12


def test_a_mid_term_start_outside_the_period_is_refused_naming_the_application_date():
    for applied in (dt.date(2005, 1, 15), dt.date(2006, 3, 1)):
        with pytest.raises(DomainError) as caught:
            quote(applied_on=applied)
        assert caught.value.field == "applied_on"


def test_the_pl_discount_applies_to_a_full_year_too():
    assert quote("construction", 1, pl_insurance=True).premium_yen == 71_250
    assert pl_discounted(1) == 0 and pl_discounted(20) == 19 and pl_discounted(53_333) == 50_666


@settings(max_examples=300)
@given(annual=st.integers(0, 10**9), months=st.integers(0, 12))
def test_property_the_premium_is_the_floors_in_order_and_never_more_than_the_annual(annual, months):
    term = term_premium(annual, months)
    assert term == (annual * months) // 12 and 0 <= term <= annual
    assert term_premium(annual, 12) == annual
    discounted = pl_discounted(term)
    assert discounted == term * 95 // 100 <= term
    assert term - discounted <= term * 5 // 100 + 1
    if months < 12:
        assert term <= term_premium(annual, months + 1)


@pytest.mark.parametrize("field, kwargs", [
    ("pattern", {"pattern": "D"}), ("pattern", {"pattern": "Z"}), ("industry", {"industry": "mining"}),
    ("revenue_yen", {"revenue": -1}),
])
def test_what_the_table_cannot_price_is_refused_naming_the_field(field, kwargs):
    args = {"pattern": "B", "industry": "retail", "revenue": 1, **kwargs}
    with pytest.raises(DomainError) as caught:
        estimate(CODE, TERMS, args["pattern"], args["industry"], args["revenue"])
    assert caught.value.field == field


def test_a_programme_without_a_premium_table_has_no_estimate():
    with pytest.raises(DomainError) as caught:
        estimate(CODE, {**TERMS, "premiums": None}, "B", "retail", 1)
    assert caught.value.field == "programme"


# -- the debit date -------------------------------------------------------------------------------

@pytest.mark.parametrize("year, month, due, moved", [
    (2005, 4, dt.date(2005, 4, 27), False),  # a Wednesday
    (2005, 8, dt.date(2005, 8, 29), True),  # Sat → Mon
    (2013, 4, dt.date(2013, 4, 30), True),  # Sat, Sun, Mon 29 Showa Day → Tue
    (2019, 4, dt.date(2019, 5, 7), True),  # Sat 27 to Mon 6 May 2019: weekend and the ten-day Golden Week
    (2008, 12, dt.date(2008, 12, 29), True),  # Sat → Mon 29 Dec: the banks are open (the government is not)
])
def test_the_27th_moves_to_the_next_bank_business_day(year, month, due, moved):
    day, rule = debit_date(year, month)
    assert day == due
    assert ("moved from" in rule) == moved


def test_the_banks_are_closed_from_31_december_to_3_january_and_on_holidays():
    assert calendar.next_bank_day(dt.date(2005, 12, 31)) == dt.date(2006, 1, 4)
    assert calendar.next_bank_day(dt.date(2009, 12, 31)) == dt.date(2010, 1, 4)  # Mon 4 Jan
    assert calendar.next_bank_day(dt.date(2011, 1, 1)) == dt.date(2011, 1, 4)
    assert calendar.next_bank_day(dt.date(2005, 5, 3)) == dt.date(2005, 5, 6)  # Golden Week 2005
    assert calendar.bank_closure_reason(dt.date(2005, 12, 29)) is None  # government closure, banks open
    assert calendar.closure_reason(dt.date(2005, 12, 29)) is not None
    assert localize(calendar.bank_closure_reason(dt.date(2005, 12, 31)), "ja") == "金融機関の休業日（12月31日〜1月3日）"


@settings(max_examples=300)
@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
def test_property_the_next_bank_day_is_open_and_every_day_before_it_closed(day):
    found = calendar.next_bank_day(day)
    assert found >= day and calendar.bank_closure_reason(found) is None
    assert all(calendar.bank_closure_reason(day + dt.timedelta(days=n)) for n in range((found - day).days))
    assert (found - day).days <= 10


@settings(max_examples=200)
@given(st.integers(1990, 2100), st.integers(1, 12))
def test_property_a_debit_falls_on_or_after_the_27th_within_ten_days(year, month):
    day, _ = debit_date(year, month)
    nominal = dt.date(year, month, 27)
    assert nominal <= day <= nominal + dt.timedelta(days=10)
    assert calendar.bank_closure_reason(day) is None


# -- a policy's debits ------------------------------------------------------------------------------

def test_a_failed_debit_is_retried_on_the_27th_of_the_next_month_and_a_second_failure_cancels():
    s = debit_schedule(START, [])
    assert (s.state, s.due) == ("due", dt.date(2005, 4, 27))
    s = debit_schedule(START, [("PremiumDebitFailed", dt.date(2005, 4, 27), None)])
    assert (s.state, s.due, s.failures_in_a_row) == ("due", dt.date(2005, 5, 27), 1)
    assert str(s.rule).startswith("retry after the failed debit of 2005-04-27: the 27th of the next month")
    s = debit_schedule(START, [("PremiumDebitFailed", dt.date(2005, 4, 27), None),
                               ("PremiumDebitFailed", dt.date(2005, 5, 27), None)])
    assert (s.state, s.cancelled_on) == ("cancelled", dt.date(2005, 5, 27))
    assert str(s.rule) == ("two debits failed in a row (2005-04-27 and 2005-05-27): policy cancelled from its "
                           "start: premium not collected")
    d = debit_deadline(s)
    assert d.name == "premium_debit" and d.status(dt.date(2005, 6, 1)) == "not_applicable"


def test_a_successful_debit_after_one_failure_meets_the_retry():
    s = debit_schedule(START, [("PremiumDebitFailed", dt.date(2005, 4, 27), None),
                               ("PremiumDebited", dt.date(2005, 5, 27), 80_000)])
    assert (s.state, s.paid_on, s.paid_yen, s.cancelled_on) == ("paid", dt.date(2005, 5, 27), 80_000, None)
    assert [d.due for d in s.debits] == [dt.date(2005, 4, 27), dt.date(2005, 5, 27)]
    assert debit_deadline(s).status(dt.date(2005, 6, 1)) == "met"


def test_a_december_failure_is_retried_in_january_past_the_bank_closure():
    december = dt.datetime(2005, 12, 1, tzinfo=JST)
    s = debit_schedule(december, [("PremiumDebitFailed", dt.date(2005, 12, 27), None)])
    assert s.due == dt.date(2006, 1, 27)
    s = debit_schedule(dt.datetime(2008, 11, 1, tzinfo=JST), [("PremiumDebitFailed", dt.date(2008, 11, 27), None)])
    assert s.due == dt.date(2008, 12, 29)


def test_an_unpaid_debit_becomes_overdue_after_its_day():
    d = debit_deadline(debit_schedule(START, []))
    assert [d.status(day) for day in (dt.date(2005, 4, 19), dt.date(2005, 4, 20), dt.date(2005, 4, 27),
                                      dt.date(2005, 4, 28))] == ["open", "due_soon", "due_soon", "overdue"]


@settings(max_examples=200)
@given(st.integers(0, 3), st.integers(0, 2), st.sampled_from([START, dt.datetime(2005, 8, 1, tzinfo=JST),
                                                             dt.datetime(2005, 12, 1, tzinfo=JST)]))
def test_property_cancelled_exactly_when_two_failures_come_with_no_debit_between(failures, debits, start):
    """What a policy accepts: failures, each on its due date, then debits (none fails once paid)."""
    events: list[tuple] = []
    for _ in range(failures):
        due = debit_schedule(start, events).due
        events.append(("PremiumDebitFailed", due, None))
    for n in range(debits):
        events.append(("PremiumDebited", debit_schedule(start, events).due + dt.timedelta(days=n), 80_000))
    s = debit_schedule(start, events)
    assert (s.cancelled_on is not None) == (failures >= 2)
    assert s.state == ("cancelled" if failures >= 2 else "paid" if debits else "due")
    if failures == 1 and not debits:
        assert s.due > events[-1][1] and calendar.bank_closure_reason(s.due) is None
    assert [d.due for d in s.debits][:1] == ([s.first_due] if events else [])


def test_the_programme_size_warning_is_for_99_or_fewer_enrolled_businesses():
    assert small_programme(100) is None and small_programme(1000) is None
    assert small_programme(99) is not None and small_programme(0) is not None
    assert "99 or fewer" in small_programme(99) and localize(small_programme(99), "ja").startswith(
        "この団体契約の加入者は99事業者です")


def test_cover_months_read_in_jst():
    assert cover_months(dt.datetime(2005, 8, 1, tzinfo=JST), dt.datetime(2006, 4, 1, 16, tzinfo=JST)) == 8
    # 2005-07-31 15:00 UTC is 2005-08-01 00:00 JST
    assert cover_months(dt.datetime(2005, 7, 31, 15, tzinfo=dt.timezone.utc), START.replace(year=2006)) == 8
