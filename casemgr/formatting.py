"""How amounts and statements are written out, in one place."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from casemgr.application import IncidentStatement


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
    }


def deadline_json(r: Any) -> dict[str, Any]:
    """A deadline row as ``casemgr deadlines --json`` prints it (DOMAIN §8)."""
    return {
        "incident": str(r.incident), "reference": f"{r.policy_number}/{r.reference}", "deadline": r.deadline,
        "claim_ref": r.claim_ref, "due": r.due.isoformat(), "status": r.status,
        "met_on": r.met_on.isoformat() if r.met_on else None, "rule": r.rule,
        "programme": r.programme, "business": r.business,
    }
