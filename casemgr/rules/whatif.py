"""What-if (DOMAIN §12): an incident's statement under each pattern A–E and under the
policy's own terms, side by side, with the cap that binds each part in each column.

Pure and read only. A pattern column keeps the policy's own deductible, coinsurance, riders,
period and inception and takes the pattern's three limits (liability, third-party sublimit,
expense). Each column runs the policy's incidents in discovery order under its own terms, so
the aggregate limits and the period's caps are used up as they would have been under them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from casemgr.rules.coverage import (
    CONDOLENCE_PER_PERSON_CAP, CONSULTING_CAP, CREDIT_CARD_CAP_PCT, Statement, Used, binding, statement,
)
from casemgr.rules.facts import Facts
from casemgr.texts import Text
from events.policy import PATTERNS, PolicyTerms

POLICY = "policy"  # the name of the column of the policy's own terms
BINDS = ("liability_limit", "liability_aggregate", "third_party_sublimit", "credit_card_cap",
         "expense_limit", "expense_aggregate", "consulting_cap", "condolence_cap", "other_insurance")


@dataclass(frozen=True)
class Part:
    """What one part pays in a column, and the cap that decided it (None: nothing cut it)."""

    payable_yen: int
    binds: str | None
    rule: Text


@dataclass(frozen=True)
class Column:
    name: str  # "A" … "E", or "policy" (the policy's own terms)
    terms: PolicyTerms
    statement: Statement
    liability: Part
    expenses: Part
    policy_limits: bool  # its three limits are the policy's own (the policy's own column, or its pattern's)


def with_pattern(terms: PolicyTerms, pattern: str) -> PolicyTerms:
    """The policy's terms with a pattern's three limits (DOMAIN §2 presets); the rest as they are."""
    liability, sublimit, expense = PATTERNS[pattern]
    return replace(terms, pattern=pattern, liability_limit_yen=liability, third_party_sublimit_yen=sublimit,
                   expense_limit_yen=expense)


def whatif(terms: PolicyTerms, incidents: Sequence[Facts], cancelled_on: dt.date | None = None) -> tuple[Column, ...]:
    """The columns A–E and the policy's own, for the last of ``incidents`` (the policy's
    incidents in discovery order, up to and including the one asked about)."""
    columns = []
    for name in (*PATTERNS, POLICY):
        own = terms if name == POLICY else with_pattern(terms, name)
        used = Used()
        for earlier in incidents[:-1]:
            used = used.after(statement(own, earlier, used, cancelled_on))
        s = statement(own, incidents[-1], used, cancelled_on)
        columns.append(Column(name, own, s, _part(s, "liability", own), _part(s, "expenses", own),
                              _limits(own) == _limits(terms)))
    return tuple(columns)


def _limits(terms: PolicyTerms) -> tuple[int, int, int]:
    return terms.liability_limit_yen, terms.third_party_sublimit_yen, terms.expense_limit_yen


def _part(s: Statement, part: str, terms: PolicyTerms) -> Part:
    p = s.liability if part == "liability" else s.expenses
    binds = binding(s, part)
    return Part(p.payable_yen, binds, _why(binds, s, part, terms))


def _why(binds: str | None, s: Statement, part: str, terms: PolicyTerms) -> Text:
    p = s.liability if part == "liability" else s.expenses
    if binds is None:
        return (Text("no cap binds: the loss after the deductible is paid in full") if part == "liability" else
                Text("no cap binds: the loss after the deductible and coinsurance is paid in full"))
    if binds in ("liability_limit", "expense_limit"):
        return Text("the limit {limit:,} (per claim and for the period) binds", limit=p.limit_yen)
    if binds in ("liability_aggregate", "expense_aggregate"):
        return Text("the aggregate for the period binds: {left:,} left of {limit:,} after earlier incidents",
                    left=p.aggregate_left_yen, limit=p.limit_yen)
    if binds == "third_party_sublimit":
        return Text("the third-party sublimit {limit:,} (per claim and for the period) binds",
                    limit=terms.third_party_sublimit_yen)
    if binds == "credit_card_cap":
        return Text("the credit-card cap {limit:,} ({pct}% of the liability limit, for the period) binds",
                    limit=terms.liability_limit_yen * CREDIT_CARD_CAP_PCT // 100, pct=CREDIT_CARD_CAP_PCT)
    if binds == "consulting_cap":
        return Text("the consulting cap {limit:,} per incident binds", limit=CONSULTING_CAP)
    if binds == "condolence_cap":
        return Text("the condolence cap binds ({cap} yen per recipient, at most {cap} yen per person affected)",
                    cap=CONDOLENCE_PER_PERSON_CAP)
    shared = s.apportionment(part)
    assert binds == "other_insurance" and shared is not None
    return Text("other insurance binds: shared by independent liability, {own:,} becomes {payable:,}",
                own=shared.own_yen, payable=shared.payable_yen)
