"""What the workers keep beside the read model (``wk_`` tables, see view.py ``WORK_COLUMNS``):

* ``wk_statements`` — each incident's statement as the workers last computed it, with the
  incident's version and the versions of its policy's incidents it reflects (the aggregate
  limit is shared by them, so a change to one may change another's statement);
* ``wk_reminders``  — the delivery ledger: one row per reminder a sweep planned
  (DOMAIN §4.2) and its state: ``pending`` (owed; after a failed attempt, not before its
  back-off), ``queued`` (a task was sent for it; sent again if none took it within the
  lease), ``sending`` (a worker holds its lease), ``sent`` or ``superseded``. The broker
  only rings the bell; this table says what is owed;
* ``wk_sweeps``     — one row per business day swept;
* ``wk_status``     — figures the dispatcher measures (queue depth) for ``casemgr status``.

Leases and back-off times are wall-clock seconds (``time.time()``, injected as ``wall``):
they guard processes, not business dates, so the movable business clock does not touch them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from casemgr.readmodels.view import LIVE, WORK, ReadModelTables

Wall = Callable[[], float]
# A reminder's subject: its incident's policy number and reference, or for a policy's own
# deadline (premium_debit, keyed by the policy's id) the policy's number and no reference.
SUBJECT = "COALESCE(i.policy_number, p.number) AS policy_number, COALESCE(i.reference, '') AS reference"


@dataclass(frozen=True)
class Planned:
    """One reminder in the ledger."""

    reminder: str  # incident id | deadline | claim_ref | due | offset
    incident: str
    deadline: str
    claim_ref: str | None
    due: dt.date
    offset_days: int
    planned_on: dt.date
    state: str
    attempts: int
    not_before: float
    last_error: str | None
    message_id: str | None
    recipients: tuple[str, ...]
    updated_at: str
    mailed: tuple[str, ...] = ()  # the languages whose mail the server accepted already


def ledger_key(incident: str, deadline: str, claim_ref: str | None, due: dt.date, offset_days: int) -> str:
    return f"{incident}|{deadline}|{claim_ref or ''}|{due.isoformat()}|{offset_days}"


class WorkTables:
    def __init__(self, view: ReadModelTables):
        self.view = view
        self.statements = view.table("statements", WORK)
        self.reminders = view.table("reminders", WORK)
        self.sweeps = view.table("sweeps", WORK)
        self.status = view.table("status", WORK)
        self.incidents = view.table("incidents", LIVE)
        self.policies = view.table("policies", LIVE)

    # -- statements -------------------------------------------------------------------------

    def store_statements(self, rows: list[tuple[str, str, int, str, int, str, str]]) -> int:
        """Keep computed statements — (incident, policy, version, versions, position, computed at,
        body) — in one transaction, each unless one computed from a later store position is
        kept already (two workers may compute the same policy at once); how many were kept."""
        kept = 0
        with self.view.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            for row in rows:
                c.execute(self.view.sql(
                    f"INSERT INTO {self.statements} AS s VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT"
                    f" (incident_id) DO UPDATE SET policy_id = excluded.policy_id, version = excluded.version,"
                    f" versions = excluded.versions, position = excluded.position,"
                    f" computed_at = excluded.computed_at, body = excluded.body WHERE s.position < excluded.position"),
                    row)
                kept += getattr(c, "sqlite_cursor", c).rowcount
        return kept

    def statements_reach(self, policy: str) -> int:
        """The store position every stored statement of the policy reflects at least (0 when an
        incident of it has none)."""
        rows = self.view.fetch(
            f"SELECT COUNT(s.incident_id) AS stored, COUNT(*) AS incidents, MIN(s.position) AS reach"
            f" FROM {self.incidents} i LEFT JOIN {self.statements} s ON s.incident_id = i.incident_id"
            f" WHERE i.policy_id = %s", (policy,))
        row = rows[0] if rows else None
        return int(row["reach"] or 0) if row and row["stored"] == row["incidents"] else 0

    def stored_statement(self, incident: str) -> Any | None:
        rows = self.view.fetch(f"SELECT * FROM {self.statements} WHERE incident_id = %s", (incident,))
        return rows[0] if rows else None

    def policy_versions(self, policy: str) -> str:
        """The versions of a policy's incidents and of the policy itself (its debits can cancel
        every statement under it) as the read model has them, in one string."""
        rows = self.view.fetch(
            f"SELECT incident_id, version FROM {self.incidents} WHERE policy_id = %s"
            f" UNION ALL SELECT policy_id AS incident_id, version FROM {self.policies} WHERE policy_id = %s",
            (policy, policy))
        return versions_text((r["incident_id"], r["version"]) for r in rows)

    def stale_policies(self, limit: int = 1000) -> list[str]:
        """Policies with an incident whose stored statement is missing or older than the view."""
        rows = self.view.fetch(
            f"SELECT DISTINCT i.policy_id FROM {self.incidents} i LEFT JOIN {self.statements} s"
            f" ON s.incident_id = i.incident_id WHERE s.incident_id IS NULL OR s.version < i.version"
            f" LIMIT {int(limit)}")
        return [r["policy_id"] for r in rows]

    # -- the reminder ledger ----------------------------------------------------------------

    def plan(self, rows: Iterable[tuple[str, str, str, str | None, dt.date, int]], day: dt.date,
             now: str, wall: float) -> list[str]:
        """Add reminders to the ledger in one transaction (a row already there is left as it
        is); the keys of the given reminders that are still pending."""
        rows = list(rows)
        with self.view.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.executemany(self.view.sql(
                f"INSERT INTO {self.reminders} VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending', 0, %s, NULL, NULL,"
                f" NULL, %s, '') ON CONFLICT (reminder) DO NOTHING"),
                [(key, incident, deadline, claim_ref or "", due.isoformat(), offset, day.isoformat(), wall, now)
                 for key, incident, deadline, claim_ref, due, offset in rows])
        pending = []
        keys = [row[0] for row in rows]
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            pending += [r["reminder"] for r in self.view.fetch(
                f"SELECT reminder FROM {self.reminders} WHERE state = 'pending' AND reminder IN"
                f" ({', '.join(['%s'] * len(chunk))})", chunk)]
        order = {key: n for n, key in enumerate(keys)}
        return sorted(pending, key=order.__getitem__)

    def take(self, key: str, wall: float, lease: float, now: str) -> Planned | None:
        """Lease an owed reminder to send it (one whose sender's lease ran out too); None when
        it is sent, superseded or being sent by another worker."""
        taken = self.view.execute(
            f"UPDATE {self.reminders} SET state = 'sending', not_before = %s, updated_at = %s WHERE reminder = %s"
            f" AND (state IN ('pending', 'queued') OR (state = 'sending' AND not_before <= %s))",
            (wall + lease, now, key, wall))
        return self.get(key) if taken else None

    def mark_queued(self, keys: list[str], wall: float, lease: float, now: str) -> list[str]:
        """Note that a task is being sent for each of these owed reminders; the ones noted (a
        reminder queued, sent or being sent meanwhile is left out)."""
        return [key for key in keys if self.view.execute(
            f"UPDATE {self.reminders} SET state = 'queued', not_before = %s, updated_at = %s WHERE reminder = %s"
            f" AND state IN ('pending', 'queued', 'sending') AND not_before <= %s", (wall + lease, now, key, wall))]

    def finish(self, key: str, state: str, now: str, message_id: str | None = None,
               recipients: tuple[str, ...] = (), error: str | None = None) -> None:
        self.view.execute(
            f"UPDATE {self.reminders} SET state = %s, message_id = %s, recipients = %s, last_error = %s,"
            f" updated_at = %s WHERE reminder = %s",
            (state, message_id, json.dumps(list(recipients)) if recipients else None, error, now, key))

    def note_mailed(self, key: str, lang: str) -> None:
        """The server accepted this reminder's mail in ``lang``: a retry does not send it again."""
        self.view.execute(
            f"UPDATE {self.reminders} SET mailed = CASE WHEN mailed = '' THEN %s ELSE mailed || ',' || %s END"
            f" WHERE reminder = %s", (lang, lang, key))

    def postpone(self, key: str, until: float, error: str, now: str) -> None:
        """A failed attempt: back to pending, not before ``until``."""
        self.view.execute(
            f"UPDATE {self.reminders} SET state = 'pending', attempts = attempts + 1, not_before = %s,"
            f" last_error = %s, updated_at = %s WHERE reminder = %s", (until, error[:500], now, key))

    def get(self, key: str) -> Planned | None:
        rows = self.view.fetch(f"SELECT * FROM {self.reminders} WHERE reminder = %s", (key,))
        return planned(rows[0]) if rows else None

    def owed(self, wall: float, limit: int = 1000) -> list[str]:
        """Reminders to (re)deliver now: pending past their back-off, or leased by a sender
        that did not finish in time."""
        rows = self.view.fetch(
            f"SELECT reminder FROM {self.reminders} WHERE state IN ('pending', 'queued', 'sending')"
            f" AND not_before <= %s ORDER BY not_before LIMIT {int(limit)}", (wall,))
        return [r["reminder"] for r in rows]

    def ledger(self, states: tuple[str, ...] | None = None, incidents: list[str] | None = None,
               limit: int = 100) -> list[Planned]:
        where, params = [], []
        if states:
            where.append(f"state IN ({', '.join(['%s'] * len(states))})")
            params += states
        if incidents is not None:
            if not incidents:
                return []
            where.append(f"incident_id IN ({', '.join(['%s'] * len(incidents))})")
            params += incidents
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.view.fetch(
            f"SELECT * FROM {self.reminders} {clause} ORDER BY updated_at DESC, reminder LIMIT {int(limit)}", params)
        return [planned(r) for r in rows]

    def sent_in_scope(self, programmes: tuple[str, ...] | None, businesses: tuple[str, ...] | None,
                      limit: int = 50) -> list[tuple[Planned, str, str]]:
        """Reminders sent about the incidents (and policies) of these programmes and businesses
        (None: any), newest first, each with its incident's policy number and reference (a
        policy's own reminder: its number and an empty reference)."""
        return self._in_scope(["r.state = 'sent'"], programmes, businesses, limit)

    def _in_scope(self, where: list[str], programmes: tuple[str, ...] | None,
                  businesses: tuple[str, ...] | None, limit: int) -> list[tuple[Planned, str, str]]:
        """Ledger rows matching ``where`` whose incident or policy is of these programmes and
        businesses (None: any), newest first, with the policy number and reference."""
        where, params = [*where, "COALESCE(i.incident_id, p.policy_id) IS NOT NULL"], []
        for column, codes in (("programme", programmes), ("business", businesses)):
            if codes is not None:
                if not codes:
                    return []
                where.append(f"COALESCE(i.{column}, p.{column}) IN ({', '.join(['%s'] * len(codes))})")
                params += codes
        rows = self.view.fetch(
            f"SELECT r.*, {SUBJECT} FROM {self.reminders} r LEFT JOIN {self.incidents} i"
            f" ON i.incident_id = r.incident_id LEFT JOIN {self.policies} p ON p.policy_id = r.incident_id"
            f" WHERE {' AND '.join(where)}"
            f" ORDER BY r.updated_at DESC, r.reminder LIMIT {int(limit)}", params)
        return [(planned(r), r["policy_number"], r["reference"]) for r in rows]

    def policies_of(self, incidents: list[str]) -> dict[str, str]:
        """incident id -> policy id, for the incidents the view has."""
        out: dict[str, str] = {}
        for start in range(0, len(incidents), 500):
            chunk = incidents[start:start + 500]
            rows = self.view.fetch(f"SELECT incident_id, policy_id FROM {self.incidents}"
                                   f" WHERE incident_id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            out.update((r["incident_id"], r["policy_id"]) for r in rows)
        return out

    def counts(self) -> dict[str, int]:
        rows = self.view.fetch(f"SELECT state, COUNT(*) AS n FROM {self.reminders} GROUP BY state")
        return {r["state"]: r["n"] for r in rows}

    def failing(self, programmes: tuple[str, ...] | None = None, businesses: tuple[str, ...] | None = None,
                limit: int = 20) -> list[tuple[Planned, str, str]]:
        """Reminders of these programmes and businesses (None: any) not delivered yet whose last
        attempt failed, newest first, each with its incident's policy number and reference."""
        return self._in_scope(["r.state IN ('pending', 'queued', 'sending')", "r.attempts > 0"],
                              programmes, businesses, limit)

    # -- sweeps and status --------------------------------------------------------------------

    def sweep_needed(self, day: dt.date, now: str) -> bool:
        """Whether the scheduled sweep of ``day`` has yet to finish (noting that one starts).
        A sweep plans idempotently, so one that died half-way is simply run again."""
        self.view.execute(f"INSERT INTO {self.sweeps} VALUES (%s, %s, NULL, NULL) ON CONFLICT (day) DO NOTHING",
                          (day.isoformat(), now))
        return not self.view.fetch(f"SELECT 1 FROM {self.sweeps} WHERE day = %s AND finished_at IS NOT NULL",
                                   (day.isoformat(),))

    def finish_sweep(self, day: dt.date, now: str, planned_count: int) -> None:
        self.view.execute(f"UPDATE {self.sweeps} SET finished_at = %s, planned = %s WHERE day = %s",
                          (now, planned_count, day.isoformat()))

    def last_sweep(self) -> Any | None:
        rows = self.view.fetch(f"SELECT * FROM {self.sweeps} ORDER BY day DESC LIMIT 1")
        return rows[0] if rows else None

    def put_status(self, name: str, value: str, now: str) -> None:
        self.view.execute(f"INSERT INTO {self.status} VALUES (%s, %s, %s) ON CONFLICT (name)"
                          f" DO UPDATE SET value = excluded.value, at = excluded.at", (name, value, now))

    def get_status(self) -> dict[str, tuple[str, str]]:
        return {r["name"]: (r["value"], r["at"]) for r in self.view.fetch(f"SELECT * FROM {self.status}")}


def versions_text(pairs: Iterable[tuple[str, int]]) -> str:
    return ",".join(f"{incident}:{version}" for incident, version in sorted(pairs))


def planned(r: Any) -> Planned:
    return Planned(
        r["reminder"], r["incident_id"], r["deadline"], r["claim_ref"] or None, dt.date.fromisoformat(r["due"]),
        r["offset_days"], dt.date.fromisoformat(r["planned_on"]), r["state"], r["attempts"], r["not_before"],
        r["last_error"], r["message_id"], tuple(json.loads(r["recipients"])) if r["recipients"] else (),
        r["updated_at"], tuple(x for x in (r["mailed"] or "").split(",") if x),
    )
