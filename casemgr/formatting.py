"""How amounts and statements are written out, in one place."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from casemgr.application import IncidentStatement, IncidentWhatIf


def subject(number: str, reference: str) -> str:
    """What a deadline or reminder is about: ``POLICY/REFERENCE`` for an incident, the policy's
    number for a policy's own deadline (its next premium debit, with no reference)."""
    return f"{number}/{reference}" if reference else number


def yen(amount: int) -> str:
    """Integer yen with thousands separators: 88,810,000."""
    return f"{amount:,}"


def statement_json(result: IncidentStatement) -> dict[str, Any]:
    """The statement in the JSON shape of DOMAIN §8 (with a few more fields)."""
    s, view = result.statement, result.incident
    return {
        "incident": str(view.id),
        "reference": f"{view.policy_number}/{view.reference}",
        "version": view.version,
        "computed_at": result.computed_at,
        "accident_date": s.accident_date.isoformat(),
        "accident_estimated": s.accident_estimated,
        "liability": asdict(s.liability),
        "expenses": asdict(s.expenses),
        "total_payable_yen": s.total_payable_yen,
        "paid_yen": s.paid_yen,
        "paid": {"liability_yen": s.paid_liability_yen, "expenses_yen": s.paid_expenses_yen},
        "outstanding_yen": s.outstanding_yen,
        "flags": list(s.flags),
        "lines": [
            {"event": line.event, "type": line.type, "part": line.part, "on": line.on.isoformat(),
             "amount_yen": line.amount_yen, "counted_yen": line.counted_yen, "rule": line.rule,
             "claim_ref": line.claim_ref, "category": line.category}
            for line in s.lines
        ],
        "apportionments": [apportionment_json(a) for a in s.apportionments],
        "capped": sorted(s.capped),
    }


def whatif_json(result: IncidentWhatIf) -> dict[str, Any]:
    """``casemgr whatif --json`` (DOMAIN §12): one column per pattern A–E and one for the policy's
    own terms (``"column": "policy"``), each part with the cap that binds it (null: none)."""
    view = result.incident
    columns = []
    for c in result.columns:
        t, s = c.terms, c.statement
        columns.append({
            "column": c.name, "pattern": t.pattern, "policy_limits": c.policy_limits,
            "liability_limit_yen": t.liability_limit_yen, "third_party_sublimit_yen": t.third_party_sublimit_yen,
            "expense_limit_yen": t.expense_limit_yen, "deductible_yen": t.deductible_yen,
            "expense_coinsurance_pct": t.expense_coinsurance_pct,
            "liability": {"gross_yen": s.liability.gross_yen, "net_yen": s.liability.net_yen,
                          "aggregate_left_yen": s.liability.aggregate_left_yen,
                          "payable_yen": c.liability.payable_yen, "binds": c.liability.binds, "rule": c.liability.rule},
            "expenses": {"eligible_yen": s.expenses.eligible_yen, "coinsured_yen": s.expenses.coinsured_yen,
                         "aggregate_left_yen": s.expenses.aggregate_left_yen,
                         "payable_yen": c.expenses.payable_yen, "binds": c.expenses.binds, "rule": c.expenses.rule},
            "total_payable_yen": s.total_payable_yen,
        })
    return {"incident": str(view.id), "reference": f"{view.policy_number}/{view.reference}", "version": view.version,
            "columns": columns}


def apportionment_json(a: Any) -> dict[str, Any]:
    """A part shared with other insurance (DOMAIN §5.4), with every figure of the sharing."""
    return {"part": a.part, "loss_yen": a.loss_yen, "own_yen": a.own_yen, "others_yen": a.others_yen,
            "payable_yen": a.payable_yen, "rule": a.rule,
            "others": [asdict(o) for o in a.others]}


def deadline_json(r: Any) -> dict[str, Any]:
    """A deadline row as ``casemgr deadlines --json`` prints it (DOMAIN §8). A policy's own
    deadline (``premium_debit``) names the policy's id as ``incident`` and its number as
    ``reference``."""
    return {
        "incident": str(r.incident), "reference": subject(r.policy_number, r.reference), "deadline": r.deadline,
        "claim_ref": r.claim_ref, "due": r.due.isoformat(), "status": r.status,
        "met_on": r.met_on.isoformat() if r.met_on else None, "rule": r.rule,
        "programme": r.programme, "business": r.business,
    }


def estimate_json(e: Any) -> dict[str, Any]:
    """A premium estimate (``casemgr.rules.premiums.Estimate``) as DOMAIN §9.2 names its fields,
    with a few more: the band, the cover, the PL discount and the rules behind each figure."""
    return {
        "annual_yen": e.annual_yen, "months": e.months, "premium_yen": e.premium_yen,
        "approximate": e.approximate, "quoted_individually": e.quoted_individually,
        "first_debit_on": e.first_debit_on.isoformat(),
        "programme": e.programme, "pattern": e.pattern, "industry": e.industry, "revenue_yen": e.revenue_yen,
        "band_yen": e.band_upper_yen, "cover_start": e.cover_start.isoformat(), "cover_end": e.cover_end.isoformat(),
        "mid_term": e.mid_term, "term_yen": e.term_yen, "pl_insurance": e.pl_insurance,
        "pl_discount_yen": e.pl_discount_yen, "rules": [str(r) for r in e.rules],
    }


def premium_json(quote: Any) -> dict[str, Any]:
    """``casemgr premium --json``: the estimate and the programme's size (with its warning)."""
    return {**estimate_json(quote.estimate), "enrolled_businesses": quote.enrolled_businesses,
            "warning": str(quote.warning) if quote.warning else None}


def programme_json(summary: Any) -> dict[str, Any]:
    p = summary.programme
    return {"code": p.code, "name": p.name, "insurer": p.insurer, **(p.terms or {}),
            "reminder_offsets": list(summary.reminder_offsets), "enrolled_businesses": summary.enrolled_businesses,
            "warning": str(summary.warning) if summary.warning else None}


def policy_json(usage: Any) -> dict[str, Any]:
    """``casemgr policy show --json`` and the API's policy: the terms (as in an incident log),
    the limits used and left, the premium, the debits (those voided apart) and the warning."""
    t = usage.terms
    return {**t.to_log(), "incidents": usage.incidents,
            "used": {"liability_yen": usage.liability_used_yen, "expenses_yen": usage.expenses_used_yen},
            "left": {"liability_yen": max(0, t.liability_limit_yen - usage.liability_used_yen),
                     "expenses_yen": max(0, t.expense_limit_yen - usage.expenses_used_yen)},
            "premium": estimate_json(usage.premium) if usage.premium else None,
            "premium_problem": str(usage.premium_problem) if usage.premium_problem else None,
            "debits": debits_json(usage.debits) if usage.debits else None,
            "debits_tracked": usage.debits_tracked,
            "voided_debits": [{"id": v.id, "type": v.type, "on": v.on.isoformat(), "amount_yen": v.amount_yen,
                               "voided_by": v.voided_by, "reason": v.reason} for v in usage.voided_debits],
            "enrolled_businesses": usage.enrolled_businesses,
            "warning": str(usage.warning) if usage.warning else None}


def debits_json(schedule: Any) -> dict[str, Any]:
    """A policy's debits (``casemgr.rules.premiums.DebitSchedule``): each with the due date it
    answered, the debit due now (or the last), paid or cancelled."""
    return {
        "state": schedule.state, "first_due": schedule.first_due.isoformat(), "due": schedule.due.isoformat(),
        "rule": str(schedule.rule), "paid_on": schedule.paid_on.isoformat() if schedule.paid_on else None,
        "paid_yen": schedule.paid_yen, "failures_in_a_row": schedule.failures_in_a_row,
        "cancelled_from_start": schedule.cancelled_on is not None,
        "cancelled_on": schedule.cancelled_on.isoformat() if schedule.cancelled_on else None,
        "events": [{"id": d.id, "type": d.type, "on": d.on.isoformat(), "amount_yen": d.amount_yen,
                    "due": d.due.isoformat()} for d in schedule.debits],
    }
