"""Deadlines of one incident (DOMAIN §4), each with the rule that produced it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from casemgr.rules import calendar
from casemgr.rules.facts import EXPENSE_WINDOW_DAYS, Facts
from casemgr.texts import Text
from events.policy import PolicyTerms

CLAIM_FILING_DAYS = 30
DUE_SOON_DAYS = 7
STATUSES = ("open", "due_soon", "overdue", "met", "met_late", "not_applicable")
# The event types deadlines() reads (with EventVoided, which takes one away).
READS = frozenset({
    "LeakDiscovered", "LeakOccurred", "AffectedCountRevised", "InsurerNotified", "RegulatorReported",
    "IndividualsNotified", "ClaimResolved", "ExpensesFinalized", "InsuranceClaimFiled",
    "ExclusionApplied", "EventVoided",
})


@dataclass(frozen=True)
class Deadline:
    name: str
    due: dt.date
    rule: Text
    claim_ref: str | None = None
    met_on: dt.date | None = None
    applicable: bool = True
    kind: str = "deadline"  # or "window" or "promptly", see status()

    def status(self, today: dt.date) -> str:
        return status(self.due, self.met_on, self.applicable, self.kind, today)


def status(due: dt.date, met_on: dt.date | None, applicable: bool, kind: str, today: dt.date) -> str:
    """open, due_soon (within 7 days), overdue, met, met_late or not_applicable.

    A "window" (expense window, claims-made cut-off) closes by itself and is
    never overdue: once closed it is not_applicable. A "promptly" deadline
    (individual notice) has no fixed day: open until its outer bound, then
    overdue, never due_soon."""
    if not applicable:
        return "not_applicable"
    if met_on is not None:
        return "met" if met_on <= due else "met_late"
    if today > due:
        return "not_applicable" if kind == "window" else "overdue"
    if kind == "promptly":
        return "open"
    return "due_soon" if (due - today).days <= DUE_SOON_DAYS else "open"


# The insurance's own deadlines: moot once the policy is cancelled from its start (DOMAIN §10).
# The PPC report and the notice to the individuals are the law's (APPI): they stand.
INSURANCE_DEADLINES = frozenset({"insurer_notice", "expense_window", "claim_filing_liability",
                                 "claim_filing_expenses", "claims_made_cutoff"})


def deadlines(terms: PolicyTerms, facts: Facts, cancelled_on: dt.date | None = None) -> list[Deadline]:
    """Every deadline of the incident, in a fixed order. Under a policy cancelled from its
    start (``cancelled_on``: the second failed debit in a row) the insurance's deadlines are
    not applicable and say why; the PPC's stand."""
    rows = _deadlines(terms, facts)
    if cancelled_on is None:
        return rows
    return [replace(d, applicable=False, rule=Text(
        "policy cancelled from its start: premium not collected (the second failed debit in a row, {day}); "
        "was: {rule}", day=cancelled_on, rule=d.rule)) if d.name in INSURANCE_DEADLINES else d for d in rows]


def _deadlines(terms: PolicyTerms, facts: Facts) -> list[Deadline]:
    found = facts.discovered_on
    rows = [_insurer_notice(terms, facts, found)]
    rows += _ppc(facts, found)

    accident = facts.accident_date
    window_closes = facts.expense_window_closes
    rows.append(Deadline(
        "expense_window", window_closes, kind="window",
        rule=Text("accident date {accident} (estimated from the discovery date) + {days} days (事故対応期間); "
                  "expenses paid after it do not count", accident=accident, days=EXPENSE_WINDOW_DAYS)
        if facts.accident_estimated else
        Text("accident date {accident} + {days} days (事故対応期間); expenses paid after it do not count",
             accident=accident, days=EXPENSE_WINDOW_DAYS),
    ))

    filings = facts.of("InsuranceClaimFiled")
    for resolved in facts.of("ClaimResolved"):
        anchor = resolved.on
        ref = resolved.data["claim_ref"]
        rows.append(Deadline(
            "claim_filing_liability", calendar.days_after(anchor, CLAIM_FILING_DAYS), claim_ref=ref,
            met_on=facts.first_on((f for f in filings if f.data["part"] in ("liability", "both")), anchor),
            rule=Text("claim {claim} resolved {anchor} (損害確定) + {days} days",
                      claim=ref, anchor=anchor, days=CLAIM_FILING_DAYS),
        ))

    finalized = facts.latest("ExpensesFinalized")
    anchor = finalized.on if finalized else window_closes
    excluded = facts.exclusions("incident", "expenses")
    rows.append(Deadline(
        "claim_filing_expenses", calendar.days_after(anchor, CLAIM_FILING_DAYS),
        met_on=facts.first_on((f for f in filings if f.data["part"] in ("expenses", "both")), anchor),
        applicable=not excluded,
        rule=(Text("expense part excluded ({reason})", reason=Text(excluded[-1].data["reason"])) if excluded else
              Text("expenses finalized {anchor} + {days} days", anchor=anchor, days=CLAIM_FILING_DAYS)
              if finalized else
              Text("expense window closes {anchor} + {days} days (no ExpensesFinalized yet)",
                   anchor=anchor, days=CLAIM_FILING_DAYS)),
    ))

    end = terms.end
    rows.append(Deadline(
        "claims_made_cutoff", calendar.jst_date(end), kind="window",
        rule=Text("policy period ends {end} JST; a claim received after it falls outside this policy",
                  end=f"{end.astimezone(calendar.JST):%Y-%m-%d %H:%M}"),
    ))
    return rows


WRITTEN_CHANNELS = ("written", "email", "web")  # the notice is due in writing (「書面にて」)


def _insurer_notice(terms: PolicyTerms, facts: Facts, found: dt.date) -> Deadline:
    days = terms.insurer_notice_days
    notices = facts.of("InsurerNotified")
    written = [f for f in notices if f.data["channel"] in WRITTEN_CHANNELS]
    calls = [f for f in notices if f.data["channel"] not in WRITTEN_CHANNELS]
    if calls and not written:
        rule = Text("discovery {found} + {days} days (遅滞なく, programme setting); met by a notice in writing, "
                    "e-mail or web; the call of {call} does not meet it: a written notice is still needed (書面にて)",
                    found=found, days=days, call=calls[0].on)
    else:
        rule = Text("discovery {found} + {days} days (遅滞なく, programme setting); met by a notice in writing, "
                    "e-mail or web", found=found, days=days)
    return Deadline("insurer_notice", calendar.days_after(found, days), met_on=facts.first_on(written), rule=rule)


def _ppc(facts: Facts, found: dt.date) -> list[Deadline]:
    reasons = facts.reportable_reasons()
    reports = facts.of("RegulatorReported")
    finals = [f for f in reports if f.data["stage"] == "final"]
    preliminaries = [f for f in reports if f.data["stage"] == "preliminary"]
    notices = facts.of("IndividualsNotified")
    preliminary_due = calendar.nth_day(found, 5)
    final_days = 60 if facts.wrongful_purpose else 30
    final_day = calendar.nth_day(found, final_days)
    final_due = calendar.next_working_day(final_day)
    notice_due = calendar.nth_day(found, 30)
    if not reasons:
        why = Text("not reportable to the PPC (APPI 2022: no sensitive, financial or wrongful-purpose data, "
                   "1,000 people or fewer)")
        return [
            Deadline("ppc_preliminary", preliminary_due, applicable=False, rule=why),
            Deadline("ppc_final", final_due, applicable=False, rule=why),
            Deadline("individual_notice", notice_due, applicable=False, kind="promptly", rule=why),
        ]
    why = Text("reportable: {reasons}", reasons=reasons)
    wrongful = final_days == 60
    if final_due == final_day:
        final_rule = (
            Text("{days}th day counting the day of awareness {found} (possible wrongful purpose); {why}",
                 days=final_days, found=found, why=why) if wrongful else
            Text("{days}th day counting the day of awareness {found}; {why}", days=final_days, found=found, why=why))
    else:
        moved = {"moved_from": calendar.label(final_day), "closure": calendar.closure_reason(final_day),
                 "moved_to": calendar.label(final_due)}
        final_rule = (
            Text("{days}th day counting the day of awareness {found} (possible wrongful purpose), "
                 "moved from {moved_from} ({closure}) to {moved_to}; {why}",
                 days=final_days, found=found, why=why, **moved) if wrongful else
            Text("{days}th day counting the day of awareness {found}, moved from {moved_from} ({closure}) "
                 "to {moved_to}; {why}", days=final_days, found=found, why=why, **moved))
    return [
        Deadline(
            "ppc_preliminary", preliminary_due, met_on=facts.first_on(preliminaries),
            rule=Text("5th day counting the day of awareness {found} (速報: promptly, about 3-5 days; "
                      "a target, not moved for holidays); {why}", found=found, why=why),
        ),
        Deadline("ppc_final", final_due, met_on=facts.first_on(finals), rule=final_rule),
        Deadline(
            "individual_notice", notice_due, met_on=facts.first_on(notices), kind="promptly",
            rule=Text("promptly (速やかに); overdue after the 30th day counting {found} (product bound); {why}",
                      found=found, why=why),
        ),
    ]
