"""Statements as the workers store them (``wk_statements``): a compact JSON form and back.

A statement of a 10,000-event incident has 10,000 lines; each is stored as a short array,
so reading one back is a ``json.loads`` and a tuple per line, never the rules again."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, astuple
from typing import Any

from casemgr import texts
from casemgr.rules.coverage import Apportionment, ExpensePart, LiabilityPart, Line, OtherShare, Statement

# 2: rules and flags keep their structure (casemgr.texts), so pages can say them in Japanese;
# 3: other insurance (apportionments) and the caps that cut, and the rules of issue 9 (caps for
# the period, condolence by the affected count): a statement stored by format 2 is computed again
FORMAT = 3


def encode_view(view: Any) -> dict[str, Any]:
    """What a page shows of the incident beside its stored statement (an IncidentView without
    its terms, which are read from the policy)."""
    return {"id": str(view.id), "policy_id": str(view.policy_id), "policy_number": view.policy_number,
            "reference": view.reference, "version": view.version, "closed": view.closed,
            "discovered_on": view.discovered_on.isoformat(), "accident_date": view.accident_date.isoformat(),
            "accident_estimated": view.accident_estimated, "affected_count": view.affected_count,
            "summary": view.summary}


def decode_view(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "id": uuid.UUID(data["id"]), "policy_id": uuid.UUID(data["policy_id"]),
            "discovered_on": dt.date.fromisoformat(data["discovered_on"]),
            "accident_date": dt.date.fromisoformat(data["accident_date"])}


def encode(s: Statement, view: Any = None) -> str:
    rules: dict[str, int] = {}  # a rule's JSON -> its index: most lines share a handful of rules
    lines = []
    for line in s.lines:
        rule = json.dumps(texts.dump(line.rule), ensure_ascii=False, separators=(",", ":"))
        index = rules.setdefault(rule, len(rules))
        lines.append([line.event, line.type, line.part, line.on.isoformat(), line.amount_yen, line.counted_yen,
                      index, line.claim_ref, line.category])
    return json.dumps({
        "format": FORMAT,
        "liability": asdict(s.liability), "expenses": asdict(s.expenses),
        "total_payable_yen": s.total_payable_yen, "paid": [s.paid_liability_yen, s.paid_expenses_yen],
        "accident_date": s.accident_date.isoformat(), "accident_estimated": s.accident_estimated,
        "flags": [texts.dump(f) for f in s.flags],
        "rules": [json.loads(rule) for rule in rules], "lines": lines,
        "view": encode_view(view) if view is not None else None,
        "apportionments": [[a.part, a.loss_yen, a.own_yen, [list(astuple(o)) for o in a.others], a.payable_yen,
                            texts.dump(a.rule)] for a in s.apportionments],
        "capped": sorted(s.capped),
    }, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> Statement:
    return decode_with_view(text)[0]


def decode_with_view(text: str) -> tuple[Statement, dict[str, Any] | None]:
    """The statement, and the incident's fields stored with it (``decode_view``), if any."""
    data: dict[str, Any] = json.loads(text)
    if data.get("format") != FORMAT:
        raise ValueError(f"stored statement format {data.get('format')!r}, this code reads {FORMAT}")
    rules = [texts.load(rule) for rule in data["rules"]]
    days: dict[str, dt.date] = {}  # lines share dates
    new_line = tuple.__new__  # a NamedTuple without its keyword-parsing constructor
    statement = Statement(
        LiabilityPart(**data["liability"]), ExpensePart(**data["expenses"]), data["total_payable_yen"],
        data["paid"][0], data["paid"][1], dt.date.fromisoformat(data["accident_date"]), data["accident_estimated"],
        tuple(texts.load(f) for f in data["flags"]),
        tuple(new_line(Line, (e, t, p, days.get(on) or days.setdefault(on, dt.date.fromisoformat(on)), a, c,
                              rules[r], ref, cat))
              for e, t, p, on, a, c, r, ref, cat in data["lines"]),
        tuple(Apportionment(part, loss, own, tuple(OtherShare(*o) for o in others), payable, texts.load(rule))
              for part, loss, own, others, payable, rule in data["apportionments"]),
        frozenset(data["capped"]),
    )
    return statement, decode_view(data["view"]) if data.get("view") else None
