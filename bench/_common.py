"""Helpers shared by the benchmark scripts: stores, clock, generated incident logs, tables."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import uuid
from pathlib import Path

from casemgr.application import CaseManager
from casemgr.bootstrap import build_app
from casemgr.clock import FixedClock
from casemgr.settings import Settings
from events.values import DEADLINES, JST, Actor

ROOT = Path(__file__).resolve().parent.parent
SEED = json.loads((ROOT / "examples" / "seed-001.json").read_text(encoding="utf-8"))
OPERATOR = Actor("operator", "bench")
INSURED = Actor("insured", "alice")
ON = "2005-07-01"  # business date of generated events: in the policy period and the expense window


def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 11, 22, 10, 0, tzinfo=JST))


def add_store_args(parser) -> None:
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a quick look")
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (an empty database) instead of SQLite")


def store_url(args, tmp: str, name: str) -> str:
    """An SQLite file in the temp dir, or the PostgreSQL URL given (shared by all names)."""
    return args.postgres or f"sqlite:///{Path(tmp) / name}.sqlite"


def store_kind(args) -> str:
    return "PostgreSQL" if args.postgres else "SQLite file (temp dir, WAL)"


def tempdir():
    return tempfile.TemporaryDirectory(prefix="casemgr-bench-")


@contextlib.contextmanager
def environ(name: str, value: str | None):
    """Set (or leave unset) one environment variable while applications are constructed."""
    old = os.environ.pop(name, None)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)
        if old is not None:
            os.environ[name] = old


def app_without_snapshots(url: str) -> tuple[CaseManager, str]:
    """An application that neither takes nor reads snapshots (nor caches), and how it was built."""
    return (build_app(Settings(url, snapshot_interval=0, aggregate_cache=0), clock()),
            "build_app(Settings(url, snapshot_interval=0, aggregate_cache=0))")


def policy(number: str) -> dict:
    return {**SEED["policy"], "number": number}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- generated events ------------------------------------------------------------------

def discovered() -> dict:
    return dict(SEED["incidents"][0]["events"][0])


def cost(k: int) -> dict:
    kind = k % 3
    if kind == 0:
        return {"type": "IndividualsNotified", "on": ON, "recipients": 100, "cost_yen": 10_000 + k}
    if kind == 1:
        return {"type": "ExpensePaid", "on": ON, "category": "consulting", "cost_yen": 50_000 + k, "vendor": "v"}
    return {"type": "CallCenterOperated", "on": ON, "from": "2005-06-20", "to": ON, "calls": 40, "cost_yen": 30_000 + k}


def note(k: int) -> dict:
    return {"type": "NoteAdded", "on": ON, "text": f"called the vendor again about the copied floppy disk ({k})"}


INCIDENT_DEADLINES = [d for d in DEADLINES if d != "claim_filing_liability"]  # no claim_ref needed


def reminder(k: int) -> dict:
    """A ReminderSent with a key of its own (deadline, due date) for k < 51,000."""
    due = dt.date(1900, 1, 1) + dt.timedelta(days=k // 7)
    return {"type": "ReminderSent", "on": ON, "deadline": INCIDENT_DEADLINES[k % 7], "due": due.isoformat(),
            "offset_days": 0, "to": ["risk@example.co.jp"], "message_id": f"<reminder.{k}@bench.invalid>"}


def notes_heavy(n: int) -> list[dict]:
    """LeakDiscovered, then notes, a reminder in ten (j % 10 == 5), a cost in a hundred (j % 100 == 50)."""
    out = [discovered()]
    for j in range(1, n):
        out.append(cost(j) if j % 100 == 50 else reminder(j) if j % 10 == 5 else note(j))
    return out


def all_costs(n: int) -> list[dict]:
    """LeakDiscovered, then every event a cost line."""
    return [discovered()] + [cost(j) for j in range(1, n)]


def realistic(n: int) -> list[dict]:
    """About 55% notes, 20% costs, 20% claim events (received, defence, resolved), 5% reminders."""
    out = [discovered(), {"type": "LeakOccurred", "on": "2005-05-20"},
           {"type": "InsurerNotified", "on": "2005-06-02", "channel": "written"},
           {"type": "Publicized", "on": "2005-06-03", "how": "press_release"},
           {"type": "RegulatorReported", "on": "2005-06-04", "stage": "preliminary"}]
    for j in range(len(out), n):
        step, ref = j % 20, f"C{j // 20}"
        if step == 0:
            out.append({"type": "ClaimReceived", "on": ON, "claim_ref": ref, "kind": "victims", "claimants": 10,
                        "amount_claimed_yen": 1_500_000, "forum": "japan", "lawsuit": False})
        elif step in (1, 2) and j >= 20:
            out.append({"type": "DefenceCostPaid", "on": ON, "claim_ref": ref, "cost_yen": 200_000})
        elif step == 3 and j >= 20:
            out.append({"type": "ClaimResolved", "on": ON, "claim_ref": ref, "outcome": "settlement", "amount_yen": 900_000})
        elif step in (4, 5, 6, 7):
            out.append(cost(j))
        elif step == 8:
            out.append(reminder(j))
        else:
            out.append(note(j))
    return out


def incident_log(number: str, incidents: dict[str, list[dict]]) -> dict:
    return {"policy": policy(number), "incidents": [{"reference": r, "events": e} for r, e in incidents.items()]}


def table(headers: list[str], rows: list[list]) -> None:
    cells = [headers] + [[f"{c:,.1f}" if isinstance(c, float) else f"{c:,}" if isinstance(c, int) else str(c)
                          for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))
