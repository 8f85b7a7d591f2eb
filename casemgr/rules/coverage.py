"""What the policy pays for one incident (DOMAIN §5, §6), line by line.

Pure arithmetic in integer yen over the live facts. Every cost and every
resolved claim becomes one line that says which rule admitted, capped or
excluded it; the lines of a part add up to its gross (or eligible) amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from casemgr.rules import calendar
from casemgr.rules.facts import EXPENSE_WINDOW_DAYS, Facts
from casemgr.texts import Text
from events.incident import Fact
from events.policy import PolicyTerms

CONDOLENCE_PER_PERSON_CAP = 500
CONSULTING_CAP = 3_000_000
CREDIT_CARD_CAP_PCT = 10

COST_EVENTS = {
    "IndividualsNotified": "apology_letters",
    "ApologyAdPublished": "apology_ad",
    "PressConferenceHeld": "press_conference",
    "CallCenterOperated": "call_center",
    "CondolenceSent": "condolence",
    "ExpensePaid": None,  # its own category field
}
EXCLUDED_CATEGORIES = {
    "similar_insurance_premium": Text("premiums of similar insurance are not covered"),
    "financing": Text("financing costs are not covered"),
    "officer_pay": Text("officers' pay is not covered"),
    "network_equipment": Text("network equipment is not covered"),
}
CLAIM_LINES = ("ClaimResolved", "DefenceCostPaid")
# A flag proposing an exclusion for staff to confirm: its parameters are the reason code
# (a Text) and why (the forms read them).
PROPOSED_EXCLUSION = "proposed exclusion {reason}: {why}; staff to confirm"
CONSULTING_COVERED = Text("consulting: covered (up to 3,000,000 yen per incident)")
POLICY_CANCELLED = Text("policy cancelled from its start: premium not collected")


class Line(NamedTuple):
    """One cost or resolved claim, and what the part counts of it (a tuple: a
    statement of a long incident has thousands)."""

    event: str
    type: str
    part: str  # liability | expenses
    on: dt.date
    amount_yen: int  # what was paid or awarded
    counted_yen: int  # what the part counts of it
    rule: Text
    claim_ref: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class LiabilityPart:
    victims_yen: int
    third_party_yen: int
    credit_card_yen: int
    network_yen: int
    gross_yen: int
    deductible_yen: int
    net_yen: int
    limit_yen: int
    aggregate_left_yen: int
    payable_yen: int


@dataclass(frozen=True)
class ExpensePart:
    eligible_yen: int
    deductible_yen: int
    net_yen: int
    coinsurance_pct: int
    coinsured_yen: int
    limit_yen: int
    aggregate_left_yen: int
    payable_yen: int


@dataclass(frozen=True)
class Statement:
    liability: LiabilityPart
    expenses: ExpensePart
    total_payable_yen: int
    paid_liability_yen: int
    paid_expenses_yen: int
    accident_date: dt.date
    accident_estimated: bool
    flags: tuple[Text, ...]
    lines: tuple[Line, ...]

    @property
    def paid_yen(self) -> int:
        return self.paid_liability_yen + self.paid_expenses_yen

    @property
    def outstanding_yen(self) -> int:
        return self.total_payable_yen - self.paid_yen


@dataclass
class _Cap:
    """A running cap shared by several lines, spent in order."""

    limit: int
    label: Text
    used: int = 0

    def take(self, amount: int) -> tuple[int, Text | None]:
        room = max(0, self.limit - self.used)
        taken = min(amount, room)
        self.used += taken
        if taken < amount:
            return taken, Text("capped: {cap} {limit:,} reached", cap=self.label, limit=self.limit)
        return taken, None


@dataclass(frozen=True)
class Used:
    """Aggregate limits already used in the policy period by earlier incidents."""

    liability_yen: int = 0
    expenses_yen: int = 0


def _in_period(terms: PolicyTerms, instant: dt.datetime) -> bool:
    return terms.start <= instant < terms.end


def _instant(fact: Fact) -> dt.datetime:
    """A fact's time: its ``at``, else 00:00 JST of its date (DOMAIN §8)."""
    return dt.datetime.fromisoformat(fact.at) if fact.at else calendar.start_of_day(fact.on)


def _boundary(terms: PolicyTerms, day: dt.date) -> str | None:
    if day == calendar.jst_date(terms.start):
        return "first"
    if day == calendar.jst_date(terms.end):
        return "last"
    return None


def statement(terms: PolicyTerms, facts: Facts, used: Used = Used(), cancelled_on: dt.date | None = None) -> Statement:
    flags: list[Text] = []
    liability_lines, components = _liability_lines(terms, facts, flags)
    expense_lines = _expense_lines(terms, facts, flags)
    if cancelled_on is not None:  # DOMAIN §10: two failed debits in a row cancel the policy from its start
        liability_lines = [line._replace(counted_yen=0, rule=POLICY_CANCELLED) for line in liability_lines]
        expense_lines = [line._replace(counted_yen=0, rule=POLICY_CANCELLED) for line in expense_lines]
        components = dict.fromkeys(components, 0)
        flags.insert(0, Text("the policy was cancelled from its start by the second failed premium debit in a row "
                             "({day}): every part pays 0", day=cancelled_on))

    gross = sum(components.values())
    deductible = terms.deductible_yen
    net = max(0, gross - deductible)
    liability_left = max(0, terms.liability_limit_yen - used.liability_yen)
    liability = LiabilityPart(
        victims_yen=components["victims"], third_party_yen=components["third_party"],
        credit_card_yen=components["credit_card"], network_yen=components["network"],
        gross_yen=gross, deductible_yen=deductible, net_yen=net,
        limit_yen=terms.liability_limit_yen, aggregate_left_yen=liability_left,
        payable_yen=min(net, terms.liability_limit_yen, liability_left),
    )

    eligible = sum(line.counted_yen for line in expense_lines)
    net = max(0, eligible - deductible)
    coinsured = net * terms.expense_coinsurance_pct // 100
    expense_left = max(0, terms.expense_limit_yen - used.expenses_yen)
    expenses = ExpensePart(
        eligible_yen=eligible, deductible_yen=deductible, net_yen=net,
        coinsurance_pct=terms.expense_coinsurance_pct, coinsured_yen=coinsured,
        limit_yen=terms.expense_limit_yen, aggregate_left_yen=expense_left,
        payable_yen=min(coinsured, terms.expense_limit_yen, expense_left),
    )
    if liability_left < terms.liability_limit_yen or expense_left < terms.expense_limit_yen:
        flags.append(Text(
            "earlier incidents of this policy period used {liability:,} yen of the liability aggregate "
            "and {expenses:,} yen of the expense aggregate", liability=used.liability_yen, expenses=used.expenses_yen))

    paid = {"liability": 0, "expenses": 0}
    for f in facts.of("InsurerPaid"):
        paid[f.data["part"]] += f.data["amount_yen"]
    return Statement(
        liability=liability, expenses=expenses,
        total_payable_yen=liability.payable_yen + expenses.payable_yen,
        paid_liability_yen=paid["liability"], paid_expenses_yen=paid["expenses"],
        accident_date=facts.accident_date, accident_estimated=facts.accident_estimated,
        flags=tuple(_incident_flags(terms, facts) + flags),
        lines=tuple(liability_lines + expense_lines),
    )


def _incident_flags(terms: PolicyTerms, facts: Facts) -> list[Text]:
    flags = []
    applied = {f.data["reason"] for f in facts.of("ExclusionApplied")}
    if facts.accident_estimated:
        flags.append(Text("accident date estimated: no LeakOccurred yet, the discovery date {day} stands in",
                          day=facts.discovered_on))
    side = _boundary(terms, facts.accident_date)
    if side and not facts.accident_source.at:
        flags.append(
            Text("the accident date {day} is the first day of the policy period: the time of day decides",
                 day=facts.accident_date) if side == "first" else
            Text("the accident date {day} is the last day of the policy period: the time of day decides",
                 day=facts.accident_date))
    d = facts.discovery.data
    proposals = [
        ("overseas_records", d["records_location"] == "overseas", Text("the records are located overseas")),
        ("employee_data", d["employees_data"], Text("the leaked data are the insured's employees' own")),
        ("pre_inception_leak", facts.accident_instant < terms.inception,
         Text("the leak occurred {day}, before the initial inception {inception}",
              day=facts.accident_date, inception=terms.inception.date())),
        ("foreign_claim", any(f.data["forum"] != "japan" for f in facts.of("ClaimReceived")),
         Text("a claim was brought in a forum outside Japan")),
    ]
    for reason, holds, why in proposals:
        if holds and reason not in applied:
            flags.append(Text(PROPOSED_EXCLUSION, reason=Text(reason), why=why))
    return flags


def _liability_lines(terms: PolicyTerms, facts: Facts, flags: list[Text]) -> tuple[list[Line], dict[str, int]]:
    claims = {f.data["claim_ref"]: f for f in facts.of("ClaimReceived")}
    part_excluded = facts.exclusions("incident", "liability")
    pre_inception = facts.accident_instant < terms.inception
    consent = {f.data["claim_ref"]: f.type for f in facts.of("SettlementConsentGiven", "SettlementConsentRefused")}

    def why_not_counted(claim: Fact) -> Text | None:
        ref = claim.data["claim_ref"]
        if part_excluded:
            return Text("excluded: {reason} applied to the liability part", reason=Text(part_excluded[-1].data["reason"]))
        own = facts.exclusions(ref)
        if own:
            return Text("excluded: {reason} applied to claim {claim}", reason=Text(own[-1].data["reason"]), claim=ref)
        if pre_inception:
            return Text("excluded: the leak occurred before the initial inception {inception}",
                        inception=terms.inception.date())
        if not _in_period(terms, _instant(claim)):
            return Text("claim {claim} received {day}, outside the policy period (claims-made basis)",
                        claim=ref, day=claim.on)
        if claim.data["forum"] != "japan":
            return Text("claim {claim} brought in a forum outside Japan (foreign claims are not covered)", claim=ref)
        return None

    for ref, claim in claims.items():
        side = _boundary(terms, claim.on)
        if side and not claim.at:
            flags.append(
                Text("claim {claim} was received on the first day of the policy period: the time of day decides",
                     claim=ref) if side == "first" else
                Text("claim {claim} was received on the last day of the policy period: the time of day decides",
                     claim=ref))

    caps = {
        "third_party_expenses": _Cap(terms.third_party_sublimit_yen, Text("third-party sublimit")),
        "credit_card": _Cap(terms.liability_limit_yen * CREDIT_CARD_CAP_PCT // 100,
                            Text("credit-card cap ({pct}% of the liability limit)", pct=CREDIT_CARD_CAP_PCT)),
    }
    component_of = {"victims": "victims", "third_party_expenses": "third_party",
                    "credit_card": "credit_card", "network": "network"}
    components = dict.fromkeys(component_of.values(), 0)
    lines = []
    for f in sorted(facts.of(*CLAIM_LINES), key=lambda f: f.on):
        ref = f.data["claim_ref"]
        claim = claims[ref]
        kind = claim.data["kind"]
        amount = f.data["amount_yen"] if f.type == "ClaimResolved" else f.data["cost_yen"]
        refusal = why_not_counted(claim)
        if refusal is None and f.type == "ClaimResolved" and kind in ("credit_card", "network") \
                and kind not in terms.riders:
            refusal = Text("excluded: {kind} damages need the {kind} rider, which this policy does not have",
                           kind=Text(kind))
        if refusal:
            counted, rule = 0, refusal
        elif f.type == "DefenceCostPaid":
            counted = amount
            rule = Text("defence costs (争訟費用) of claim {claim}: counted with the victims' damages", claim=ref)
            components["victims"] += counted
        else:
            counted, capped = caps[kind].take(amount) if kind in caps else (amount, None)
            said = {"kind": Text(kind.replace("_", " ")), "claim": ref, "outcome": Text(f.data["outcome"])}
            rule = (Text("{kind} claim {claim} {outcome}: damages counted; {capped}", capped=capped, **said) if capped
                    else Text("{kind} claim {claim} {outcome}: damages counted", **said))
            components[component_of[kind]] += counted
            if f.data["outcome"] == "settlement":
                if consent.get(ref) == "SettlementConsentRefused":
                    flags.append(Text("claim {claim} was settled although the insurer refused consent: "
                                      "the insurer may refuse to pay it", claim=ref))
                elif consent.get(ref) != "SettlementConsentGiven":
                    flags.append(Text("claim {claim} was settled without the insurer's consent (seed 001 note 12): "
                                      "the insurer may refuse to pay it", claim=ref))
        lines.append(Line(f.id, f.type, "liability", f.on, amount, counted, rule, claim_ref=ref))
    return lines, components


def _expense_lines(terms: PolicyTerms, facts: Facts, flags: list[Text]) -> list[Line]:
    accident = facts.accident_date
    closes = facts.expense_window_closes
    excluded = facts.exclusions("incident", "expenses")
    publicized = facts.of("Publicized")
    in_period = _in_period(terms, facts.accident_instant)
    decisions = {f.data["event"]: f for f in facts.of("CoverageDecided")}
    consulting = _Cap(CONSULTING_CAP, Text("consulting cap per incident"))

    part_refusal = None
    if excluded:
        part_refusal = Text("excluded: {reason} applied to the expense part", reason=Text(excluded[-1].data["reason"]))
    elif not in_period:
        part_refusal = Text("the leak occurred {day}, outside the policy period", day=accident)
    elif not publicized:
        part_refusal = Text("not counted yet: the expense part needs the leak made public (Publicized)")
        flags.append(Text("the leak has not been made public: no expense counts until Publicized is recorded"))

    lines = []
    for f in sorted(facts.of(*COST_EVENTS), key=lambda f: f.on):
        category = COST_EVENTS[f.type] or f.data["category"]
        if f.type == "CondolenceSent":
            amount = f.data["recipients"] * f.data["per_person_yen"]
        else:
            amount = f.data["cost_yen"]
        counted, rule = 0, part_refusal
        if rule is None and not accident <= f.on <= closes:
            rule = (Text("paid {day}, before the accident date {accident}", day=f.on, accident=accident)
                    if f.on < accident else
                    Text("paid {day}, after the expense window closed {closes} (accident {accident} + {days} days)",
                         day=f.on, closes=closes, accident=accident, days=EXPENSE_WINDOW_DAYS))
        if rule is None:
            counted, rule = _expense_rule(f, category, amount, decisions, consulting, flags)
        lines.append(Line(f.id, f.type, "expenses", f.on, amount, counted, rule, category=category))
    return lines


def _expense_rule(f: Fact, category: str, amount: int, decisions: dict[str, Fact],
                  consulting: _Cap, flags: list[Text]) -> tuple[int, Text]:
    if category == "condolence":
        per, recipients = f.data["per_person_yen"], f.data["recipients"]
        counted = min(per, CONDOLENCE_PER_PERSON_CAP) * recipients
        if per > CONDOLENCE_PER_PERSON_CAP:
            return counted, Text("condolence: capped at {cap} yen per recipient ({per:,} yen × {recipients:,} paid)",
                                 cap=CONDOLENCE_PER_PERSON_CAP, per=per, recipients=recipients)
        return counted, Text("condolence: {per:,} yen × {recipients:,} recipients, covered",
                             per=per, recipients=recipients)
    if category == "consulting":
        counted, capped = consulting.take(amount)
        return counted, capped or CONSULTING_COVERED
    if category in EXCLUDED_CATEGORIES:
        return 0, Text("excluded: {why}", why=EXCLUDED_CATEGORIES[category])
    if category == "other":
        decision = decisions.get(f.id)
        if decision is None:
            flags.append(Text("expense {event} (other, {amount:,} yen) awaits a coverage decision by staff",
                              event=f.id, amount=amount))
            return 0, Text("other expense: not counted until staff decide coverage (CoverageDecided)")
        decided, reason = decision.id, decision.data["reason"]  # the staff's own words, not translated
        if decision.data["covered"]:
            return amount, (
                Text("other expense: covered by staff decision {decision} ({reason})", decision=decided, reason=reason)
                if reason else Text("other expense: covered by staff decision {decision}", decision=decided))
        return 0, (
            Text("other expense: refused by staff decision {decision} ({reason})", decision=decided, reason=reason)
            if reason else Text("other expense: refused by staff decision {decision}", decision=decided))
    return amount, _covered_in_window(category)


@cache
def _covered_in_window(category: str) -> Text:
    """The most common line's rule: made once per category (a statement may have thousands)."""
    return Text("{category}: covered, paid within the expense window", category=Text(category.replace("_", " ")))
