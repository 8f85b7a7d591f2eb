"""Statements as the workers store them (``wk_statements``): a compact JSON form and back.

A statement of a 10,000-event incident has 10,000 lines; each is stored as a short array,
so reading one back is a ``json.loads`` and a tuple per line, never the rules again."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Any

from casemgr import texts
from casemgr.rules.coverage import ExpensePart, LiabilityPart, Line, Statement

FORMAT = 2  # 2: rules and flags keep their structure (casemgr.texts), so pages can say them in Japanese


def encode(s: Statement) -> str:
    return json.dumps({
        "format": FORMAT,
        "liability": asdict(s.liability), "expenses": asdict(s.expenses),
        "total_payable_yen": s.total_payable_yen, "paid": [s.paid_liability_yen, s.paid_expenses_yen],
        "accident_date": s.accident_date.isoformat(), "accident_estimated": s.accident_estimated,
        "flags": [texts.dump(f) for f in s.flags],
        "lines": [[line.event, line.type, line.part, line.on.isoformat(), line.amount_yen, line.counted_yen,
                   texts.dump(line.rule), line.claim_ref, line.category] for line in s.lines],
    }, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> Statement:
    data: dict[str, Any] = json.loads(text)
    if data.get("format") != FORMAT:
        raise ValueError(f"stored statement format {data.get('format')!r}, this code reads {FORMAT}")
    return Statement(
        LiabilityPart(**data["liability"]), ExpensePart(**data["expenses"]), data["total_payable_yen"],
        data["paid"][0], data["paid"][1], dt.date.fromisoformat(data["accident_date"]), data["accident_estimated"],
        tuple(texts.load(f) for f in data["flags"]),
        tuple(Line(e, t, p, dt.date.fromisoformat(on), a, c, texts.load(r), ref, cat)
              for e, t, p, on, a, c, r, ref, cat in data["lines"]),
    )
