"""What the policy pays for one incident (DOMAIN §5, §6), line by line.

Pure arithmetic in integer yen over the live facts. Every cost and every
resolved claim becomes one line that says which rule admitted, capped or
excluded it; the lines of a part add up to its gross (or eligible) amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
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
NETWORK_INSIDER = Text("excluded: the network rider does not cover a leak caused by the insured's own people "
                       "(cause insider; 使用人等の故意は対象外)")
# The caps a statement names when they cut something: those of the lines (Statement.capped),
# then those of a part (binding()).
LINE_CAPS = ("third_party_sublimit", "credit_card_cap", "consulting_cap", "condolence_cap")
PART_WORDS = {"liability": Text("liability"), "expenses": Text("expenses")}
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
    apportionments: tuple[Apportionment, ...] = ()  # a part shared with other insurance (§5.4)
    capped: frozenset[str] = frozenset()  # the LINE_CAPS that cut a line

    def apportionment(self, part: str) -> Apportionment | None:
        return next((a for a in self.apportionments if a.part == part), None)

    @property
    def paid_yen(self) -> int:
        return self.paid_liability_yen + self.paid_expenses_yen

    @property
    def outstanding_yen(self) -> int:
        return self.total_payable_yen - self.paid_yen


@dataclass(frozen=True)
class OtherShare:
    """What another policy covering the same loss would pay of it on its own (DOMAIN §5.4)."""

    event: str  # its OtherInsuranceDeclared
    insurer: str
    limit_yen: int
    deductible_yen: int
    coinsurance_pct: int
    share_yen: int  # min(⌊max(0, loss − deductible) × pct / 100⌋, limit)


@dataclass(frozen=True)
class Apportionment:
    """A part shared with other insurance by independent liability (DOMAIN §5.4, 独立責任額按分)."""

    part: str  # liability | expenses
    loss_yen: int  # L: the liability gross, the eligible expenses
    own_yen: int  # this policy's payable on its own
    others: tuple[OtherShare, ...]
    payable_yen: int  # own, or ⌊L × own / (own + Σ others)⌋ when together they exceed L
    rule: Text

    @property
    def others_yen(self) -> int:
        return sum(o.share_yen for o in self.others)


@dataclass
class _Cap:
    """A running cap shared by several lines, spent in order; ``earlier``: what earlier
    incidents of the policy period counted under it (a cap that holds for the period)."""

    limit: int
    label: Text
    code: str
    earlier: int = 0
    used: int = 0
    cut: bool = False  # it cut a line

    def __post_init__(self) -> None:
        self.used = self.earlier

    def take(self, amount: int) -> tuple[int, Text | None]:
        room = max(0, self.limit - self.used)
        taken = min(amount, room)
        self.used += taken
        if taken >= amount:
            return taken, None
        self.cut = True
        if self.earlier:
            return taken, Text("capped: {cap} {limit:,} reached ({earlier:,} yen of it counted by earlier incidents "
                               "of this policy period)", cap=self.label, limit=self.limit, earlier=self.earlier)
        return taken, Text("capped: {cap} {limit:,} reached", cap=self.label, limit=self.limit)


@dataclass(frozen=True)
class Used:
    """What earlier incidents of the policy period used: the aggregate limits (by what they
    were payable) and the caps that hold for the period too (by what they counted)."""

    liability_yen: int = 0
    expenses_yen: int = 0
    third_party_yen: int = 0  # counted under the third-party sublimit
    credit_card_yen: int = 0  # counted under the credit-card cap

    def after(self, s: Statement) -> Used:
        """What is used once the incident of ``s`` has taken its share: the next incident's ``used``."""
        return Used(self.liability_yen + s.liability.payable_yen, self.expenses_yen + s.expenses.payable_yen,
                    self.third_party_yen + s.liability.third_party_yen,
                    self.credit_card_yen + s.liability.credit_card_yen)


def _in_period(terms: PolicyTerms, instant: dt.datetime) -> bool:
    return terms.start <= instant < terms.end


def _instant(fact: Fact) -> dt.datetime:
    """A fact's time: its ``at``, else 00:00 JST of its date (DOMAIN §8)."""
    return dt.datetime.fromisoformat(fact.at) if fact.at else calendar.start_of_day(fact.on)


def _boundary(terms: PolicyTerms, day: dt.date) -> str | None:
    """"first" or "last" when a date-only ``day`` is the day the period starts or ends at a
    time other than 00:00 JST, so that the time of day decides (DOMAIN §5.5); None otherwise
    (a boundary at 00:00, e.g. a mid-term start, leaves no doubt about a date)."""
    if day == calendar.jst_date(terms.start) and not calendar.is_midnight(terms.start):
        return "first"
    if day == calendar.jst_date(terms.end) and not calendar.is_midnight(terms.end):
        return "last"
    return None


def statement(terms: PolicyTerms, facts: Facts, used: Used = Used(), cancelled_on: dt.date | None = None) -> Statement:
    flags: list[Text] = []
    capped: set[str] = set()
    liability_lines, components = _liability_lines(terms, facts, flags, used, capped)
    expense_lines = _expense_lines(terms, facts, flags, capped)
    if cancelled_on is not None:  # DOMAIN §10: two failed debits in a row cancel the policy from its start
        liability_lines = [line._replace(counted_yen=0, rule=POLICY_CANCELLED) for line in liability_lines]
        expense_lines = [line._replace(counted_yen=0, rule=POLICY_CANCELLED) for line in expense_lines]
        components = dict.fromkeys(components, 0)
        capped.clear()
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
    apportionments = []
    for part, loss in (("liability", liability.gross_yen), ("expenses", expenses.eligible_yen)):
        declared = [f for f in facts.of("OtherInsuranceDeclared") if f.data["part"] == part]
        if declared:
            own = liability.payable_yen if part == "liability" else expenses.payable_yen
            apportionments.append(_apportion(part, loss, own, declared))
    for shared in apportionments:
        if shared.part == "liability":
            liability = replace(liability, payable_yen=shared.payable_yen)
        else:
            expenses = replace(expenses, payable_yen=shared.payable_yen)
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
        apportionments=tuple(apportionments), capped=frozenset(capped),
    )


def _apportion(part: str, loss: int, own: int, declared: list[Fact]) -> Apportionment:
    """DOMAIN §5.4: each other policy's independent liability, min(⌊max(0, L − deductible) ×
    pct / 100⌋, limit); this policy keeps its own payable unless own + Σ others exceeds L, when
    it pays ⌊L × own / (own + Σ others)⌋."""
    others = tuple(
        OtherShare(f.id, d["insurer"], d["limit_yen"], d["deductible_yen"], d["coinsurance_pct"],
                   min(max(0, loss - d["deductible_yen"]) * d["coinsurance_pct"] // 100, d["limit_yen"]))
        for f in declared for d in (f.data,))
    shares = sum(o.share_yen for o in others)
    said = {"part": PART_WORDS[part], "loss": loss, "own": own, "others": shares}
    if own + shares <= loss:
        return Apportionment(part, loss, own, others, own, Text(
            "other insurance on the {part} part (独立責任額按分): this policy's {own:,} and the other policies' "
            "{others:,} together do not exceed the loss {loss:,}, so this policy pays its own {own:,}", **said))
    payable = loss * own // (own + shares)
    return Apportionment(part, loss, own, others, payable, Text(
        "other insurance on the {part} part (独立責任額按分): loss {loss:,} × this policy's {own:,} ÷ "
        "({own:,} + the other policies' {others:,}) = {payable:,}, rounded down", payable=payable, **said))


def binding(s: Statement, part: str) -> str | None:
    """The cap that decided what ``part`` pays, the outermost that cut it: other insurance,
    then the aggregate left in the period, the limit, then a cap of its lines; None when
    nothing cut it (what the deductible and coinsurance leave is paid in full)."""
    shared = s.apportionment(part)
    if shared is not None and shared.payable_yen < shared.own_yen:
        return "other_insurance"
    p = s.liability if part == "liability" else s.expenses
    own = shared.own_yen if shared is not None else p.payable_yen
    before = p.net_yen if part == "liability" else s.expenses.coinsured_yen
    if own < before:
        if p.aggregate_left_yen < p.limit_yen and own == p.aggregate_left_yen:
            return f"{part if part == 'liability' else 'expense'}_aggregate"
        return f"{part if part == 'liability' else 'expense'}_limit"
    mine = ("third_party_sublimit", "credit_card_cap") if part == "liability" else ("consulting_cap", "condolence_cap")
    return next((cap for cap in mine if cap in s.capped), None)


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
    if (not facts.accident_source.at and terms.inception != terms.start and not calendar.is_midnight(terms.inception)
            and facts.accident_date == calendar.jst_date(terms.inception)):
        flags.append(Text("the accident date {day} is the day of the initial inception {inception}: the time of day "
                          "decides", day=facts.accident_date, inception=terms.inception.isoformat()))
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


def _liability_lines(terms: PolicyTerms, facts: Facts, flags: list[Text], used: Used,
                     capped: set[str]) -> tuple[list[Line], dict[str, int]]:
    claims = {f.data["claim_ref"]: f for f in facts.of("ClaimReceived")}
    part_excluded = facts.exclusions("incident", "liability")
    pre_inception = facts.accident_instant < terms.inception
    insider = facts.discovery.data["cause"] == "insider"
    consents: dict[str, list[Fact]] = {}
    for f in facts.of("SettlementConsentGiven", "SettlementConsentRefused"):
        consents.setdefault(f.data["claim_ref"], []).append(f)

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
        if _received_before_accident(claim, facts):
            flags.append(Text("claim {claim} was received {day}, before the accident date {accident}: check both dates",
                              claim=ref, day=claim.on, accident=facts.accident_date))

    # Both hold per claim and for the policy period (「1請求・期間中」): what earlier incidents
    # counted under them is gone (DOMAIN §5.1).
    caps = {
        "third_party_expenses": _Cap(terms.third_party_sublimit_yen, Text("third-party sublimit"),
                                     "third_party_sublimit", earlier=used.third_party_yen),
        "credit_card": _Cap(terms.liability_limit_yen * CREDIT_CARD_CAP_PCT // 100,
                            Text("credit-card cap ({pct}% of the liability limit)", pct=CREDIT_CARD_CAP_PCT),
                            "credit_card_cap", earlier=used.credit_card_yen),
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
        if refusal is None and f.type == "ClaimResolved" and kind == "network" and insider:
            refusal = NETWORK_INSIDER
        if refusal:
            counted, rule = 0, refusal
        elif f.type == "DefenceCostPaid":
            counted = amount
            rule = Text("defence costs (争訟費用) of claim {claim}: counted with the victims' damages", claim=ref)
            components["victims"] += counted
        else:
            counted, cut = caps[kind].take(amount) if kind in caps else (amount, None)
            said = {"kind": Text(kind.replace("_", " ")), "claim": ref, "outcome": Text(f.data["outcome"])}
            rule = (Text("{kind} claim {claim} {outcome}: damages counted; {capped}", capped=cut, **said) if cut
                    else Text("{kind} claim {claim} {outcome}: damages counted", **said))
            components[component_of[kind]] += counted
            if f.data["outcome"] == "settlement":
                flag = _settlement_flag(ref, f, consents.get(ref, []))
                if flag:
                    flags.append(flag)
        lines.append(Line(f.id, f.type, "liability", f.on, amount, counted, rule, claim_ref=ref))
    capped.update(cap.code for cap in caps.values() if cap.cut)
    return lines, components


def _received_before_accident(claim: Fact, facts: Facts) -> bool:
    """A claim received before the leak occurred (DOMAIN §5.5): by the instants when both
    carry a time of day, else by the JST dates."""
    accident = facts.accident_source
    if claim.at and accident.at:
        return _instant(claim) < _instant(accident)
    return claim.on < facts.accident_date


def _settlement_flag(ref: str, settled: Fact, decisions: list[Fact]) -> Text | None:
    """DOMAIN §5.5 (seed 001 note 12): a settlement counts only as far as the insurer consented
    on or before its date; the latest decision by then (by date, then as recorded) decides."""
    before = sorted((d for d in decisions if d.on <= settled.on), key=lambda d: d.on)
    if not before:
        later = [d.on for d in decisions if d.type == "SettlementConsentGiven"]
        if later:
            return Text("claim {claim} was settled {day}, before the insurer consented on {consented} "
                        "(seed 001 note 12): the insurer may refuse to pay it",
                        claim=ref, day=settled.on, consented=min(later))
        return Text("claim {claim} was settled without the insurer's consent (seed 001 note 12): "
                    "the insurer may refuse to pay it", claim=ref)
    latest = before[-1]
    if latest.type == "SettlementConsentRefused":
        return Text("claim {claim} was settled although the insurer refused consent: "
                    "the insurer may refuse to pay it", claim=ref)
    excess = settled.data["amount_yen"] - latest.data["amount_yen"]
    if excess > 0:
        return Text("claim {claim} was settled for {amount:,} yen, {excess:,} yen above the {consented:,} yen the "
                    "insurer consented to on {day}: the insurer may refuse to pay the excess",
                    claim=ref, amount=settled.data["amount_yen"], excess=excess,
                    consented=latest.data["amount_yen"], day=latest.on)
    return None


def _expense_lines(terms: PolicyTerms, facts: Facts, flags: list[Text], capped: set[str]) -> list[Line]:
    accident = facts.accident_date
    closes = facts.expense_window_closes
    excluded = facts.exclusions("incident", "expenses")
    publicized = facts.of("Publicized")
    in_period = _in_period(terms, facts.accident_instant)
    decisions = {f.data["event"]: f for f in facts.of("CoverageDecided")}
    consulting = _Cap(CONSULTING_CAP, Text("consulting cap per incident"), "consulting_cap")
    condolence = _Cap(CONDOLENCE_PER_PERSON_CAP * facts.affected_count,  # all condolence lines together (§5.2)
                      Text("condolence cap ({cap} yen × {count:,} people affected)",
                           cap=CONDOLENCE_PER_PERSON_CAP, count=facts.affected_count), "condolence_cap")

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
            counted, rule = _expense_rule(f, category, amount, decisions, consulting, condolence, flags)
        lines.append(Line(f.id, f.type, "expenses", f.on, amount, counted, rule, category=category))
    capped.update(cap.code for cap in (consulting, condolence) if cap.cut)
    return lines


def _expense_rule(f: Fact, category: str, amount: int, decisions: dict[str, Fact],
                  consulting: _Cap, condolence: _Cap, flags: list[Text]) -> tuple[int, Text]:
    if category == "condolence":
        per, recipients = f.data["per_person_yen"], f.data["recipients"]
        if per > CONDOLENCE_PER_PERSON_CAP:
            rule = Text("condolence: capped at {cap} yen per recipient ({per:,} yen × {recipients:,} paid)",
                        cap=CONDOLENCE_PER_PERSON_CAP, per=per, recipients=recipients)
        else:
            rule = Text("condolence: {per:,} yen × {recipients:,} recipients, covered", per=per, recipients=recipients)
        counted, cut = condolence.take(min(per, CONDOLENCE_PER_PERSON_CAP) * recipients)
        return counted, Text("{rule}; {capped}", rule=rule, capped=cut) if cut else rule
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
