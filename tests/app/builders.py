"""Incident logs for tests, built from the seed example (DOMAIN §7, examples/seed-001.json).

Every helper takes a log and returns a modified deep copy, so a test reads as
"the seed, but ...": ``with_events(seed_log, expense("2005-07-01", 500_000))``.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from tests.conftest import OPERATOR


def _copy(log: dict) -> dict:
    return copy.deepcopy(log)


def events_of(log: dict, reference: str = "INC-1") -> list[dict]:
    """The event list of one incident of the log (the live list, not a copy)."""
    for incident in log["incidents"]:
        if incident["reference"] == reference:
            return incident["events"]
    raise KeyError(reference)


def with_policy(log: dict, **fields: Any) -> dict:
    """The log with policy fields set (a value of None removes the field)."""
    out = _copy(log)
    for key, value in fields.items():
        if value is None:
            out["policy"].pop(key, None)
        else:
            out["policy"][key] = value
    return out


def with_discovery(log: dict, reference: str = "INC-1", **fields: Any) -> dict:
    """The log with fields of the opening LeakDiscovered changed."""
    out = _copy(log)
    events_of(out, reference)[0].update(fields)
    return out


def with_events(log: dict, *extra: dict, reference: str = "INC-1") -> dict:
    """The log with events appended to one incident."""
    out = _copy(log)
    events_of(out, reference).extend(copy.deepcopy(list(extra)))
    return out


def without(log: dict, *types: str, reference: str = "INC-1") -> dict:
    """The log without any event of the given types."""
    out = _copy(log)
    incident = next(i for i in out["incidents"] if i["reference"] == reference)
    incident["events"] = [e for e in incident["events"] if e["type"] not in types]
    return out


def changed(log: dict, type_: str, reference: str = "INC-1", **fields: Any) -> dict:
    """The log with fields of the first event of a type changed."""
    out = _copy(log)
    next(e for e in events_of(out, reference) if e["type"] == type_).update(fields)
    return out


def only_discovery(log: dict, reference: str = "INC-1", **fields: Any) -> dict:
    """The log whose incident holds only its LeakDiscovered (fields changed)."""
    out = with_discovery(log, reference, **fields)
    incident = next(i for i in out["incidents"] if i["reference"] == reference)
    incident["events"] = incident["events"][:1]
    return out


def with_incident(log: dict, reference: str, events: list[dict]) -> dict:
    """The log with one more incident of the same policy."""
    out = _copy(log)
    out["incidents"].append({"reference": reference, "events": copy.deepcopy(events)})
    return out


# -- events -------------------------------------------------------------------


def expense(on: str, cost_yen: int, category: str = "consulting", **more: Any) -> dict:
    return {"type": "ExpensePaid", "on": on, "category": category, "cost_yen": cost_yen,
            "vendor": "Vendor K.K.", **more}


def apology_ad(on: str, cost_yen: int, **more: Any) -> dict:
    return {"type": "ApologyAdPublished", "on": on, "media": "newspaper", "cost_yen": cost_yen, **more}


def condolence(on: str, recipients: int, per_person_yen: int, **more: Any) -> dict:
    return {"type": "CondolenceSent", "on": on, "recipients": recipients,
            "per_person_yen": per_person_yen, **more}


def claim(ref: str, on: str | None = None, kind: str = "victims", forum: str = "japan",
          amount_claimed_yen: int = 1_000_000, at: str | None = None, **more: Any) -> dict:
    event = {"type": "ClaimReceived", "claim_ref": ref, "kind": kind, "claimants": 10,
             "amount_claimed_yen": amount_claimed_yen, "forum": forum, "lawsuit": False, **more}
    if on is not None:
        event["on"] = on
    if at is not None:
        event["at"] = at
    return event


def resolved(ref: str, on: str, amount_yen: int, outcome: str = "judgment", **more: Any) -> dict:
    return {"type": "ClaimResolved", "on": on, "claim_ref": ref, "outcome": outcome,
            "amount_yen": amount_yen, **more}


def defence(ref: str, on: str, cost_yen: int) -> dict:
    return {"type": "DefenceCostPaid", "on": on, "claim_ref": ref, "cost_yen": cost_yen}


def voided(event: str, on: str, reason: str = "recorded in error") -> dict:
    return {"type": "EventVoided", "on": on, "event": event, "reason": reason}


# -- the application ----------------------------------------------------------


def import_one(app, log: dict, reference: str = "INC-1", actor=OPERATOR) -> uuid.UUID:
    """Import the log; the id of one of its incidents."""
    return app.import_log(log, actor).incidents[reference]


def statement_of(app, log: dict, reference: str = "INC-1"):
    """Import the log; the statement (rules' Statement) of one of its incidents."""
    return app.statement(import_one(app, log, reference)).statement


def deadline(rows, name: str, claim_ref: str | None = None):
    """The one deadline row of that name (and claim)."""
    found = [d for d in rows if d.name == name and d.claim_ref == claim_ref]
    assert len(found) == 1, f"{len(found)} rows named {name} ({claim_ref})"
    return found[0]


def line_of(statement, event: str):
    """The statement line of a stored event id (``e<version>``)."""
    found = [line for line in statement.lines if line.event == event]
    assert len(found) == 1, f"{len(found)} lines for {event}"
    return found[0]
