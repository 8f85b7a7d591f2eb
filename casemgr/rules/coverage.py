"""What the policy pays for one incident (DOMAIN §5, §6), line by line.

Pure arithmetic in integer yen over the live facts. Every cost and every
resolved claim becomes one line that says which rule admitted, capped or
excluded it; the lines of a part add up to its gross (or eligible) amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from casemgr.rules import calendar
from casemgr.rules.facts import EXPENSE_WINDOW_DAYS, Facts
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
    "similar_insurance_premium": "premiums of similar insurance are not covered",
    "financing": "financing costs are not covered",
    "officer_pay": "officers' pay is not covered",
    "network_equipment": "network equipment is not covered",
}
CLAIM_LINES = ("ClaimResolved", "DefenceCostPaid")


class Line(NamedTuple):
    """One cost or resolved claim, and what the part counts of it (a tuple: a
    statement of a long incident has thousands)."""

    event: str
    type: str
    part: str  # liability | expenses
    on: dt.date
    amount_yen: int  # what was paid or awarded
    counted_yen: int  # what the part counts of it
    rule: str
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
    flags: tuple[str, ...]
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
    label: str
    used: int = 0

    def take(self, amount: int) -> tuple[int, str | None]:
        room = max(0, self.limit - self.used)
        taken = min(amount, room)
        self.used += taken
        if taken < amount:
            return taken, f"capped: {self.label} {self.limit:,} reached"
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


def statement(terms: PolicyTerms, facts: Facts, used: Used = Used()) -> Statement:
    flags: list[str] = []
    liability_lines, components = _liability_lines(terms, facts, flags)
    expense_lines = _expense_lines(terms, facts, flags)

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
        flags.append(
            f"earlier incidents of this policy period used {used.liability_yen:,} yen of the "
            f"liability aggregate and {used.expenses_yen:,} yen of the expense aggregate"
        )

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


def _incident_flags(terms: PolicyTerms, facts: Facts) -> list[str]:
    flags = []
    applied = {f.data["reason"] for f in facts.of("ExclusionApplied")}
    if facts.accident_estimated:
        flags.append(f"accident date estimated: no LeakOccurred yet, the discovery date {facts.discovered_on} stands in")
    side = _boundary(terms, facts.accident_date)
    if side and not facts.accident_source.at:
        flags.append(f"the accident date {facts.accident_date} is the {side} day of the policy period: the time of day decides")
    d = facts.discovery.data
    proposals = [
        ("overseas_records", d["records_location"] == "overseas", "the records are located overseas"),
        ("employee_data", d["employees_data"], "the leaked data are the insured's employees' own"),
        ("pre_inception_leak", facts.accident_instant < terms.inception,
         f"the leak occurred {facts.accident_date}, before the initial inception {terms.inception.date()}"),
        ("foreign_claim", any(f.data["forum"] != "japan" for f in facts.of("ClaimReceived")),
         "a claim was brought in a forum outside Japan"),
    ]
    for reason, holds, why in proposals:
        if holds and reason not in applied:
            flags.append(f"proposed exclusion {reason}: {why}; staff to confirm")
    return flags


def _liability_lines(terms: PolicyTerms, facts: Facts, flags: list[str]) -> tuple[list[Line], dict[str, int]]:
    claims = {f.data["claim_ref"]: f for f in facts.of("ClaimReceived")}
    part_excluded = facts.exclusions("incident", "liability")
    pre_inception = facts.accident_instant < terms.inception
    consent = {f.data["claim_ref"]: f.type for f in facts.of("SettlementConsentGiven", "SettlementConsentRefused")}

    def why_not_counted(claim: Fact) -> str | None:
        ref = claim.data["claim_ref"]
        if part_excluded:
            return f"excluded: {part_excluded[-1].data['reason']} applied to the liability part"
        own = facts.exclusions(ref)
        if own:
            return f"excluded: {own[-1].data['reason']} applied to claim {ref}"
        if pre_inception:
            return f"excluded: the leak occurred before the initial inception {terms.inception.date()}"
        if not _in_period(terms, _instant(claim)):
            return f"claim {ref} received {claim.on}, outside the policy period (claims-made basis)"
        if claim.data["forum"] != "japan":
            return f"claim {ref} brought in a forum outside Japan (foreign claims are not covered)"
        return None

    for ref, claim in claims.items():
        side = _boundary(terms, claim.on)
        if side and not claim.at:
            flags.append(f"claim {ref} was received on the {side} day of the policy period: the time of day decides")

    caps = {
        "third_party_expenses": _Cap(terms.third_party_sublimit_yen, "third-party sublimit"),
        "credit_card": _Cap(terms.liability_limit_yen * CREDIT_CARD_CAP_PCT // 100,
                            f"credit-card cap ({CREDIT_CARD_CAP_PCT}% of the liability limit)"),
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
            refusal = f"excluded: {kind} damages need the {kind} rider, which this policy does not have"
        if refusal:
            counted, rule = 0, refusal
        elif f.type == "DefenceCostPaid":
            counted, rule = amount, f"defence costs (争訟費用) of claim {ref}: counted with the victims' damages"
            components["victims"] += counted
        else:
            counted, capped = caps[kind].take(amount) if kind in caps else (amount, None)
            rule = f"{kind.replace('_', ' ')} claim {ref} {f.data['outcome']}: damages counted"
            if capped:
                rule = f"{rule}; {capped}"
            components[component_of[kind]] += counted
            if f.data["outcome"] == "settlement":
                if consent.get(ref) == "SettlementConsentRefused":
                    flags.append(f"claim {ref} was settled although the insurer refused consent: the insurer may refuse to pay it")
                elif consent.get(ref) != "SettlementConsentGiven":
                    flags.append(f"claim {ref} was settled without the insurer's consent (seed 001 note 12): the insurer may refuse to pay it")
        lines.append(Line(f.id, f.type, "liability", f.on, amount, counted, rule, claim_ref=ref))
    return lines, components


def _expense_lines(terms: PolicyTerms, facts: Facts, flags: list[str]) -> list[Line]:
    accident = facts.accident_date
    closes = facts.expense_window_closes
    excluded = facts.exclusions("incident", "expenses")
    publicized = facts.of("Publicized")
    in_period = _in_period(terms, facts.accident_instant)
    decisions = {f.data["event"]: f for f in facts.of("CoverageDecided")}
    consulting = _Cap(CONSULTING_CAP, "consulting cap per incident")

    part_refusal = None
    if excluded:
        part_refusal = f"excluded: {excluded[-1].data['reason']} applied to the expense part"
    elif not in_period:
        part_refusal = f"the leak occurred {accident}, outside the policy period"
    elif not publicized:
        part_refusal = "not counted yet: the expense part needs the leak made public (Publicized)"
        flags.append("the leak has not been made public: no expense counts until Publicized is recorded")

    lines = []
    for f in sorted(facts.of(*COST_EVENTS), key=lambda f: f.on):
        category = COST_EVENTS[f.type] or f.data["category"]
        if f.type == "CondolenceSent":
            amount = f.data["recipients"] * f.data["per_person_yen"]
        else:
            amount = f.data["cost_yen"]
        counted, rule = 0, part_refusal
        if rule is None and not accident <= f.on <= closes:
            rule = (f"paid {f.on}, before the accident date {accident}" if f.on < accident else
                    f"paid {f.on}, after the expense window closed {closes} (accident {accident} + {EXPENSE_WINDOW_DAYS} days)")
        if rule is None:
            counted, rule = _expense_rule(f, category, amount, decisions, consulting, flags)
        lines.append(Line(f.id, f.type, "expenses", f.on, amount, counted, rule, category=category))
    return lines


def _expense_rule(f: Fact, category: str, amount: int, decisions: dict[str, Fact],
                  consulting: _Cap, flags: list[str]) -> tuple[int, str]:
    label = category.replace("_", " ")
    if category == "condolence":
        per = f.data["per_person_yen"]
        counted = min(per, CONDOLENCE_PER_PERSON_CAP) * f.data["recipients"]
        if per > CONDOLENCE_PER_PERSON_CAP:
            return counted, (f"condolence: capped at {CONDOLENCE_PER_PERSON_CAP} yen per recipient "
                             f"({per:,} yen × {f.data['recipients']:,} paid)")
        return counted, f"condolence: {per:,} yen × {f.data['recipients']:,} recipients, covered"
    if category == "consulting":
        counted, capped = consulting.take(amount)
        return counted, capped or "consulting: covered (up to 3,000,000 yen per incident)"
    if category in EXCLUDED_CATEGORIES:
        return 0, f"excluded: {EXCLUDED_CATEGORIES[category]}"
    if category == "other":
        decision = decisions.get(f.id)
        if decision is None:
            flags.append(f"expense {f.id} (other, {amount:,} yen) awaits a coverage decision by staff")
            return 0, "other expense: not counted until staff decide coverage (CoverageDecided)"
        reason = f" ({decision.data['reason']})" if decision.data["reason"] else ""
        if decision.data["covered"]:
            return amount, f"other expense: covered by staff decision {decision.id}{reason}"
        return 0, f"other expense: refused by staff decision {decision.id}{reason}"
    return amount, f"{label}: covered, paid within the expense window"
