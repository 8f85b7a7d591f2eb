"""Premiums and the policy's life (DOMAIN §10), as pure functions in integer yen.

* ``estimate`` — what a business pays: the premium table's cell for its pattern, industry
  class and revenue band; for a mid-term enrolment ⌊annual × months / 12⌋; with an SME PL
  policy 5% off after that, ⌊amount × 95 / 100⌋; and the first debit date, the 27th of the
  cover's first month moved to the next bank business day.
* ``debit_schedule`` — a policy's debits as its events tell them: the debit due now (a failed
  debit is tried again on the 27th of the next month), paid, or two failures in a row that
  cancel the policy from its start; ``debit_deadline`` is that as a deadline row.
* ``small_programme`` — the warning for a programme of 99 or fewer enrolled businesses.

Every figure and date comes with the rule that produced it (``casemgr.texts.Text``), so the
console, the pages and the mails say the same reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casemgr.errors import DomainError
from casemgr.rules import calendar
from casemgr.rules.coverage import POLICY_CANCELLED as CANCELLED
from casemgr.rules.deadlines import Deadline
from casemgr.texts import Text
from events.policy import POLICY_DEADLINE, mid_term_start
from events.premiums import cell_value
from events.values import JST

DEBIT_DAY = 27  # 掛金は保険開始月の27日に引落し (seed 001, 加入方法 3)
PL_DISCOUNT_PCT = 5  # members with a valid SME PL policy (seed 001, note 11)
SMALL_PROGRAMME = 99  # premiums assume 100 or more enrolled businesses (seed 001, note 15)


# -- the pieces ------------------------------------------------------------------------------

def band_of(bands: Sequence[int], revenue_yen: int) -> int | None:
    """The index of the smallest band whose upper bound is ≥ the revenue; None above the largest."""
    return next((n for n, upper in enumerate(bands) if revenue_yen <= upper), None)


def cover_months(start: dt.datetime, end: dt.datetime) -> int:
    """(end year − start year) × 12 + end month − start month, in JST: 2005-08-01 00:00 to
    2006-04-01 16:00 is 8 months; a full programme period 12."""
    s, e = start.astimezone(JST), end.astimezone(JST)
    return (e.year - s.year) * 12 + e.month - s.month


def term_premium(annual_yen: int, months: int) -> int:
    """⌊annual × months / 12⌋."""
    return annual_yen * months // 12


def pl_discounted(amount_yen: int) -> int:
    """⌊amount × 95 / 100⌋: 5% off for a member with a valid SME PL policy."""
    return amount_yen * (100 - PL_DISCOUNT_PCT) // 100


def month_after(year: int, month: int, n: int = 1) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def debit_date(year: int, month: int) -> tuple[dt.date, Text]:
    """The 27th of that month, moved to the next bank business day when banks are closed on it;
    the rule says the day, or the move."""
    nominal = dt.date(year, month, DEBIT_DAY)
    due = calendar.next_bank_day(nominal)
    if due == nominal:
        return due, calendar.label(due)
    return due, Text("moved from {moved_from} ({closure}) to {moved_to}, the next bank business day",
                     moved_from=calendar.label(nominal), closure=calendar.bank_closure_reason(nominal),
                     moved_to=calendar.label(due))


def small_programme(enrolled: int) -> Text | None:
    """The warning of seed 001 note 15, when the programme has 99 or fewer enrolled businesses."""
    if enrolled > SMALL_PROGRAMME:
        return None
    return Text("businesses enrolled in the programme: {count}, 99 or fewer; its premiums assume 100 or more, "
                "so premiums may rise or limits be lowered (seed 001 note 15)", count=enrolled)


# -- the estimate ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """What a business would pay, each figure with its rule (``rules``, in order)."""

    programme: str
    pattern: str
    industry: str
    revenue_yen: int
    band_upper_yen: int | None  # the band the revenue falls in; None above the largest
    annual_yen: int | None  # None: quoted individually
    approximate: bool  # the table gives the cell as 約 (about)
    quoted_individually: bool
    cover_start: dt.datetime
    cover_end: dt.datetime
    mid_term: bool
    months: int
    term_yen: int | None  # ⌊annual × months / 12⌋
    pl_insurance: bool
    pl_discount_yen: int
    premium_yen: int | None
    first_debit_on: dt.date
    rules: tuple[Text, ...]


def estimate(code: str, terms: dict[str, Any], pattern: str, industry: str, revenue_yen: int,
             pl_insurance: bool = False, applied_on: dt.date | None = None) -> Estimate:
    """The premium of DOMAIN §10 under a programme's terms (``Programme.terms``); a DomainError
    naming the field when the table cannot answer (a pattern or class it does not have)."""
    if not isinstance(revenue_yen, int) or isinstance(revenue_yen, bool) or not 0 <= revenue_yen <= 10**15:
        raise DomainError(Text("must be a whole number of yen, 0 or more"), "revenue_yen")
    premiums = terms.get("premiums")
    if not premiums:
        raise DomainError(Text("programme {code} has no premium table (import a programme file with `premiums`)",
                               code=code), "programme")
    if pattern not in terms["patterns"]:
        raise DomainError(Text("programme {code} does not offer pattern {pattern} (it offers {offered})", code=code,
                               pattern=f"{pattern!s:.20}", offered=", ".join(terms["patterns"])), "pattern")
    table = premiums.get(pattern)
    if table is None:
        priced = [p for p in premiums if p != "bands_yen"]
        raise DomainError(Text("programme {code}'s premium table has no pattern {pattern} (it prices {priced}); "
                               "the premium is quoted by the insurer", code=code, pattern=pattern,
                               priced=", ".join(priced)), "pattern")
    if industry not in table:
        raise DomainError(Text("is not an industry class of pattern {pattern} in programme {code} (one of {classes})",
                               pattern=pattern, code=code, classes=", ".join(table)), "industry")
    start, end = dt.datetime.fromisoformat(terms["period_start"]), dt.datetime.fromisoformat(terms["period_end"])
    rules: list[Text] = []
    bands = premiums["bands_yen"]
    band = band_of(bands, revenue_yen)
    annual, approximate = (None, False) if band is None else cell_value(table[industry][band])
    if band is None:
        rules.append(Text("revenue {revenue:,} yen is above the largest band ({upper:,} yen): "
                          "the premium is quoted individually", revenue=revenue_yen, upper=bands[-1]))
    else:
        rules.append(Text("revenue {revenue:,} yen falls in the band up to {upper:,} yen",
                          revenue=revenue_yen, upper=bands[band]))
        assert annual is not None
        rules.append(
            Text("pattern {pattern}, {industry}: about {annual:,} yen a year (約: approximate, as the table "
                 "gives it)", pattern=pattern, industry=industry, annual=annual) if approximate else
            Text("pattern {pattern}, {industry}: {annual:,} yen a year", pattern=pattern, industry=industry,
                 annual=annual))

    cover_start = start
    if applied_on is not None:
        cover_start = mid_term_start(applied_on)
        if cover_start <= start:
            raise DomainError(Text("a mid-term enrolment must start after the programme starts; "
                                   "enrol in the programme itself instead"), "applied_on")
        if cover_start >= end:
            raise DomainError(Text("coverage would start {start}, at or after the period ends",
                                   start=cover_start.date()), "applied_on")
    months = cover_months(cover_start, end)
    shown_start, shown_end = f"{cover_start.astimezone(JST):%Y-%m-%d %H:%M}", f"{end.astimezone(JST):%Y-%m-%d %H:%M}"
    term = None if annual is None else term_premium(annual, months)
    if applied_on is not None:
        rules.append(
            Text("mid-term enrolment applied {applied}: cover {start} to {end} JST, {months} months; "
                 "{annual:,} × {months} / 12 = {amount:,} yen (rounded down)", applied=applied_on,
                 start=shown_start, end=shown_end, months=months, annual=annual, amount=term)
            if term is not None else
            Text("mid-term enrolment applied {applied}: cover {start} to {end} JST, {months} months",
                 applied=applied_on, start=shown_start, end=shown_end, months=months))
    else:
        rules.append(Text("cover {start} to {end} JST, {months} months", start=shown_start, end=shown_end,
                          months=months))
    premium, discount = term, 0
    if pl_insurance and term is not None:
        premium = pl_discounted(term)
        discount = term - premium
        rules.append(Text("SME PL insurance: 5% off, {amount:,} × 95 / 100 = {premium:,} yen (rounded down)",
                          amount=term, premium=premium))
    first, why = debit_date(cover_start.astimezone(JST).year, cover_start.astimezone(JST).month)
    rules.append(Text("first debit: the 27th of the month the cover starts, {why}", why=why))
    return Estimate(
        programme=code, pattern=pattern, industry=industry, revenue_yen=revenue_yen,
        band_upper_yen=None if band is None else bands[band], annual_yen=annual, approximate=approximate,
        quoted_individually=band is None, cover_start=cover_start, cover_end=end, mid_term=applied_on is not None,
        months=months, term_yen=term, pl_insurance=pl_insurance, pl_discount_yen=discount, premium_yen=premium,
        first_debit_on=first, rules=tuple(rules),
    )


# -- the debits of a policy ------------------------------------------------------------------

@dataclass(frozen=True)
class Debit:
    """One debit event and the due date it answered."""

    type: str  # PremiumDebited | PremiumDebitFailed
    on: dt.date
    amount_yen: int | None
    due: dt.date
    id: str = ""  # the policy event's id (e<version>)


@dataclass(frozen=True)
class DebitSchedule:
    first_due: dt.date
    debits: tuple[Debit, ...]
    due: dt.date  # the debit due now; when paid or cancelled, the last one due
    rule: Text
    paid_on: dt.date | None
    paid_yen: int
    failures_in_a_row: int
    cancelled_on: dt.date | None  # the second failure in a row: cancelled from the start

    @property
    def state(self) -> str:
        return "cancelled" if self.cancelled_on else "paid" if self.paid_on else "due"


def debit_schedule(cover_start: dt.datetime, debits: Sequence[tuple[str, dt.date, int | None] | tuple]) -> DebitSchedule:
    """Walk the debit events (type, business date, amount[, id]) in recording order."""
    year, month = cover_start.astimezone(JST).year, cover_start.astimezone(JST).month
    first, why = debit_date(year, month)
    due, rule = first, Text("first debit: the 27th of the month the cover starts, {why}", why=why)
    done: list[Debit] = []
    paid_on, paid, failures, cancelled, last_failed = None, 0, 0, None, None
    for item in debits:
        kind, on, amount = item[0], item[1], item[2]
        done.append(Debit(kind, on, amount, due, item[3] if len(item) > 3 else ""))
        if kind == "PremiumDebited":
            paid_on, paid, failures = paid_on or on, paid + (amount or 0), 0
            continue
        failures += 1
        if failures == 2 and cancelled is None:
            cancelled = on
            rule = Text("two debits failed in a row ({first} and {second}): {cancelled}",
                        first=last_failed, second=on, cancelled=CANCELLED)
            continue
        last_failed = on
        year, month = month_after(year, month)
        due, why = debit_date(year, month)
        rule = Text("retry after the failed debit of {failed}: the 27th of the next month, {why}; "
                    "a second failure in a row cancels the policy from its start", failed=on, why=why)
    if paid_on is not None and cancelled is None:
        rule = Text("premium of {amount:,} yen debited on {day}", amount=paid, day=paid_on)
    return DebitSchedule(first, tuple(done), due, rule, paid_on, paid, failures if cancelled is None else 2,
                         cancelled)


def debit_deadline(schedule: DebitSchedule) -> Deadline:
    """The policy's next debit as a deadline (``premium_debit``): met by the debit, moved a month
    by a failure, not applicable once the policy is cancelled."""
    return Deadline(POLICY_DEADLINE, schedule.due, schedule.rule, met_on=schedule.paid_on,
                    applicable=schedule.cancelled_on is None)
