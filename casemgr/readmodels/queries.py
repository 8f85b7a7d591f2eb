"""Questions asked of the read model, answered in SQL over its indexes.

Every list is filtered in SQL and paged with a keyset (an opaque cursor), never with
OFFSET. The deadline dashboard sorts overdue first, then by due date: each status maps to
index ranges on ``(scope, closed, lane, due, …)`` (see casemgr.readmodels.view), each range
is read in key order with a LIMIT, and the ranges are merged — so a page costs the same on
page 1 and page 1,000, and the same for a hundred incidents or a million.
"""

from __future__ import annotations

import base64
import datetime as dt
import heapq
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from casemgr.readmodels.view import ReadModelTables
from casemgr.rules.deadlines import DUE_SOON_DAYS, STATUSES, status
from casemgr.texts import decode
from events.errors import DomainError

MAX_PER_PAGE = 500
ACTIONABLE = ("overdue", "due_soon", "open")
KEY = "d.due, d.incident_id, d.deadline, d.claim_ref"


@dataclass(frozen=True)
class DeadlineRow:
    incident: uuid.UUID
    policy_number: str
    reference: str
    programme: str
    business: str
    deadline: str
    claim_ref: str | None
    due: dt.date
    met_on: dt.date | None
    status: str
    rule: str  # a casemgr.texts.Text (str() is the English), or plain English if stored before texts
    closed: bool
    reminded: int | None  # the smallest reminder offset sent for this due date (-1: overdue)

    @property
    def of_policy(self) -> bool:
        """A policy's own deadline (its next premium debit): ``incident`` is then the policy's
        id and ``reference`` is empty."""
        return not self.reference


@dataclass(frozen=True)
class IncidentRow:
    incident: uuid.UUID
    policy_id: uuid.UUID
    policy_number: str
    reference: str
    programme: str
    business: str
    discovered_on: dt.date
    accident_date: dt.date
    affected_count: int
    closed: bool
    version: int
    statuses: dict[str, int]  # deadline status -> how many of this incident's deadlines have it


@dataclass(frozen=True)
class Page:
    rows: tuple[Any, ...]
    next: str | None  # the cursor of the next page, None on the last


@dataclass(frozen=True)
class Scope:
    """What an actor may see, already intersected with what it asked for.
    ``None`` means no restriction; an empty tuple means nothing."""

    programmes: tuple[str, ...] | None = None
    businesses: tuple[str, ...] | None = None

    @property
    def empty(self) -> bool:
        return self.programmes == () or self.businesses == ()


@dataclass(frozen=True)
class DeadlineFilter:
    statuses: tuple[str, ...] = STATUSES
    deadline: str | None = None
    incident: uuid.UUID | None = None
    closed: bool | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None

    def __post_init__(self) -> None:
        unknown = set(self.statuses) - set(STATUSES)
        if unknown or not self.statuses:
            raise DomainError(f"unknown status {sorted(unknown)[0]!r}; one of {', '.join(STATUSES)}"
                              if unknown else "name at least one status", "status")


@dataclass(frozen=True)
class _Range:
    """One index range: a lane, a due-date interval and an extra predicate; group 0 sorts first."""

    group: int
    lane: int
    low: str | None = None  # due >= low
    high: str | None = None  # due <= high
    where: str = ""
    params: tuple = field(default=())


def _ranges(statuses: Iterable[str], today: dt.date) -> list[_Range]:
    """The index ranges whose rows have these statuses on ``today``."""
    t, soon = today.isoformat(), (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    before = (today - dt.timedelta(days=1)).isoformat()
    after_soon = (today + dt.timedelta(days=DUE_SOON_DAYS + 1)).isoformat()
    pieces: dict[str, list[_Range]] = {
        "overdue": [_Range(0, 1, high=before), _Range(0, 3, high=before)],
        "due_soon": [_Range(1, 1, t, soon, "kind = 'deadline'"), _Range(1, 3, t, soon, "kind = 'deadline'"),
                     _Range(1, 2, t, soon)],
        "open": [_Range(1, 1, t, None, "(kind = 'promptly' OR due > %s)", (soon,)),
                 _Range(1, 3, t, None, "(kind = 'promptly' OR due > %s)", (soon,)), _Range(1, 2, after_soon)],
        "met": [_Range(1, 0, where="applicable = 1 AND met_on IS NOT NULL AND met_on <= due")],
        "met_late": [_Range(1, 0, where="applicable = 1 AND met_on IS NOT NULL AND met_on > due")],
        "not_applicable": [_Range(1, 0, where="applicable = 0"), _Range(1, 2, high=before)],
    }
    wanted = [r for s in STATUSES if s in statuses for r in pieces[s]]
    merged: dict[tuple[int, int], list[_Range]] = {}
    for r in wanted:
        merged.setdefault((r.group, r.lane), []).append(r)
    out = []
    for (group, lane_), parts in merged.items():
        if len(parts) == 1:
            out.append(parts[0])
            continue
        low = None if any(p.low is None for p in parts) else min(p.low for p in parts)  # type: ignore[type-var]
        high = None if any(p.high is None for p in parts) else max(p.high for p in parts)  # type: ignore[type-var]
        ors, params = [], []
        for p in parts:
            conds = [c for c in (p.where, "due >= %s" if p.low else "", "due <= %s" if p.high else "") if c]
            ors.append("(" + " AND ".join(conds or ["1 = 1"]) + ")")
            params += [*p.params, *([p.low] if p.low else []), *([p.high] if p.high else [])]
        out.append(_Range(group, lane_, low, high, "(" + " OR ".join(ors) + ")", tuple(params)))
    return out


PER_CODE_STREAMS = 3  # up to this many codes: one index range each; more: one range filtered by IN


def _scope_streams(scope: Scope, closed: Sequence[int], a: str) -> list[tuple[list[str], list]]:
    """(conditions, arguments) per index range of a scope × closed flags: each code's own
    range (``programme = ?``), or for many codes one range filtered by ``IN`` (fewer
    statements; each reads further along the shared index)."""
    extra: list[str] = []
    extra_args: list[Any] = []
    if scope.businesses is not None and scope.programmes is not None:
        extra.append(f"{a}programme IN ({', '.join(['%s'] * len(scope.programmes))})")
        extra_args += scope.programmes
    column: str | None
    if scope.businesses is not None:
        column, values = "business", scope.businesses
    elif scope.programmes is not None:
        column, values = "programme", scope.programmes
    else:
        column, values = None, (None,)
    if column and len(values) > PER_CODE_STREAMS:
        extra.append(f"{a}{column} IN ({', '.join(['%s'] * len(values))})")
        extra_args += values
        column, values = None, (None,)
    out = []
    for value in values:
        for c in closed:
            conds = ([f"{a}{column} = %s"] if column else []) + [f"{a}closed = %s"] + extra
            out.append((conds, ([value] if column else []) + [c] + extra_args))
    return out


def _policy_streams(scope: Scope) -> list[tuple[str, tuple]]:
    conds, args = [], []
    for column, values in (("programme", scope.programmes), ("business", scope.businesses)):
        if values is not None:
            conds.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            args += values
    return [(("WHERE " + " AND ".join(conds)) if conds else "", tuple(args))]


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: Sequence[type]) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(shape) or not all(
                isinstance(v, t) and not isinstance(v, bool) for v, t in zip(values, shape)):
            raise ValueError
        return values
    except (ValueError, UnicodeDecodeError):
        raise DomainError("is not a cursor this list gave out", "cursor") from None


def _per_page(per_page: int) -> int:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise DomainError(f"must be 1 to {MAX_PER_PAGE}", "per_page")
    return per_page


class Queries:
    """Read-only questions; safe from several threads (each call takes its own connection)."""

    def __init__(self, view: ReadModelTables):
        self.view = view
        self.d = view.table("deadlines")
        self.i = view.table("incidents")
        self.p = view.table("policies")

    # -- the deadline dashboard ----------------------------------------------------------

    def deadlines(self, today: dt.date, scope: Scope, flt: DeadlineFilter = DeadlineFilter(),
                  per_page: int = 50, cursor: str | None = None) -> Page:
        """Deadline rows, overdue first, then by due date (then incident, deadline, claim)."""
        per_page = _per_page(per_page)
        after = decode_cursor(cursor, (int, str, str, str, str))
        if scope.empty:
            return Page((), None)
        streams: list[list[tuple]] = []
        group = None
        for r in sorted(_ranges(flt.statuses, today), key=lambda r: r.group):
            if after is not None and r.group < after[0]:
                continue
            if r.group != group:  # a full page from the groups before sorts ahead of this one
                if sum(map(len, streams)) > per_page:
                    break
                group = r.group
            key_after = after[1:] if after is not None and r.group == after[0] else None
            for where, params in self._scoped(scope, flt):
                streams.append(self._range(r, where, params, key_after, per_page + 1))
        merged = heapq.merge(*streams)
        picked = [key for _, key in zip(range(per_page + 1), merged)]
        rows = tuple(self._deadline_row(row, today) for row in self._rows_of(picked[:per_page]))
        nxt = encode_cursor(picked[per_page - 1]) if len(picked) > per_page else None
        return Page(rows, nxt)

    def deadline_counts(self, today: dt.date, scope: Scope, flt: DeadlineFilter = DeadlineFilter(),
                        statuses: Sequence[str] = ACTIONABLE, cap: int | None = None) -> dict[str, int]:
        """How many deadlines have each status on ``today`` under the same filters. With a
        ``cap`` each count stops at ``cap + 1`` ("more than cap"): at most cap + 1 index
        entries are read per status, however many rows there are."""
        counts = dict.fromkeys(statuses, 0)
        if scope.empty:
            return counts
        for s in statuses:
            for r in _ranges((s,), today):
                for where, params in self._scoped(scope, flt):
                    if cap is None:
                        sql, args = self._range_sql(r, where, params, None, "COUNT(*) AS n")
                    elif counts[s] > cap:
                        break
                    else:
                        inner, args = self._range_sql(r, where, params, None, "1")
                        sql = f"SELECT COUNT(*) AS n FROM ({inner} LIMIT {cap + 1 - counts[s]}) capped"
                    counts[s] += self.view.fetch(sql, args)[0]["n"]
        return counts

    def incident_deadlines(self, incident: uuid.UUID, today: dt.date) -> list[DeadlineRow]:
        return self.all_deadlines(today, incident)

    def all_deadlines(self, today: dt.date, incident: uuid.UUID | None = None) -> list[DeadlineRow]:
        where, params = ("WHERE d.incident_id = %s", (str(incident),)) if incident else ("", ())
        rows = self.view.fetch(f"{self._select()} {where} ORDER BY {KEY}", params)
        return [self._deadline_row(r, today) for r in rows if r["policy_number"] is not None]

    def _scoped(self, scope: Scope, flt: DeadlineFilter) -> list[tuple[str, tuple]]:
        """One (where, params) per index range of the scope × closed filter."""
        base, params = [], []
        if flt.deadline:
            base.append("d.deadline = %s"); params.append(flt.deadline)
        if flt.incident:
            base.append("d.incident_id = %s"); params.append(str(flt.incident))
        if flt.due_from:
            base.append("d.due >= %s"); params.append(flt.due_from.isoformat())
        if flt.due_to:
            base.append("d.due <= %s"); params.append(flt.due_to.isoformat())
        closed = (0, 1) if flt.closed is None else (int(flt.closed),)
        return [(" AND ".join(conds + base), tuple(args + params)) for conds, args in _scope_streams(scope, closed, "d.")]

    def _range_sql(self, r: _Range, where: str, params: tuple, after: Sequence[str] | None,
                   select: str | None = None) -> tuple[str, tuple]:
        conds, args = [where, "d.lane = %s"], [*params, r.lane]
        if r.low:
            conds.append("d.due >= %s"); args.append(r.low)
        if r.high:
            conds.append("d.due <= %s"); args.append(r.high)
        if r.where:
            conds.append(r.where); args += r.params
        if after is not None:
            conds.append("(d.due, d.incident_id, d.deadline, d.claim_ref) > (%s, %s, %s, %s)"); args += after
        head = f"SELECT {select} FROM {self.d} d" if select else self._select()
        return f"{head} WHERE {' AND '.join(conds)}", tuple(args)

    def _range(self, r: _Range, where: str, params: tuple, after: Sequence[str] | None, limit: int):
        """The keys of one range, in order: no join, and from the index alone where it can."""
        sql, args = self._range_sql(r, where, params, after, KEY)
        rows = self.view.fetch(f"{sql} ORDER BY {KEY} LIMIT {limit}", args)
        return [(r.group, row["due"], row["incident_id"], row["deadline"], row["claim_ref"]) for row in rows]

    def _rows_of(self, keys: Sequence[tuple]) -> list[Any]:
        """The full rows of a page's keys (group, due, incident, deadline, claim), in their order."""
        if not keys:
            return []
        incidents, names = sorted({k[2] for k in keys}), sorted({k[3] for k in keys})
        found = {(r["incident_id"], r["deadline"], r["claim_ref"]): r for r in self.view.fetch(
            f"{self._select()} WHERE d.incident_id IN ({', '.join(['%s'] * len(incidents))})"
            f" AND d.deadline IN ({', '.join(['%s'] * len(names))})", incidents + names)}
        return [found[k[2:]] for k in keys if k[2:] in found]

    def _select(self) -> str:
        """A deadline row with its incident's policy number and reference; a policy's own row
        (``premium_debit``, keyed by the policy's id) with the policy's number and no reference."""
        return (f"SELECT d.incident_id, COALESCE(i.policy_number, p.number) AS policy_number,"
                f" COALESCE(i.reference, '') AS reference, d.programme, d.business, d.deadline,"
                f" d.claim_ref, d.due, d.met_on, d.applicable, d.kind, d.rule, d.closed, d.reminded"
                f" FROM {self.d} d LEFT JOIN {self.i} i ON i.incident_id = d.incident_id"
                f" LEFT JOIN {self.p} p ON p.policy_id = d.incident_id")

    @staticmethod
    def _deadline_row(r: Any, today: dt.date) -> DeadlineRow:
        due = dt.date.fromisoformat(r["due"])
        met_on = dt.date.fromisoformat(r["met_on"]) if r["met_on"] else None
        return DeadlineRow(
            incident=uuid.UUID(r["incident_id"]), policy_number=r["policy_number"], reference=r["reference"],
            programme=r["programme"], business=r["business"], deadline=r["deadline"],
            claim_ref=r["claim_ref"] or None, due=due, met_on=met_on,
            status=status(due, met_on, bool(r["applicable"]), r["kind"], today), rule=decode(r["rule"]),
            closed=bool(r["closed"]), reminded=r["reminded"],
        )

    # -- incidents -------------------------------------------------------------------------

    def incidents(self, today: dt.date, scope: Scope, closed: bool | None = None, policy: uuid.UUID | None = None,
                  per_page: int = 50, cursor: str | None = None) -> Page:
        """Incidents, newest discovery first, each with its deadlines counted by status."""
        per_page = _per_page(per_page)
        after = decode_cursor(cursor, (str, str))
        if scope.empty:
            return Page((), None)
        streams = []
        for where, params in self._incident_scoped(scope, closed, policy):
            conds, args = [where], list(params)
            if after is not None:
                conds.append("(discovered_on, incident_id) < (%s, %s)"); args += after
            rows = self.view.fetch(
                f"SELECT * FROM {self.i} WHERE {' AND '.join(conds)}"
                f" ORDER BY discovered_on DESC, incident_id DESC LIMIT {per_page + 1}", args)
            streams.append([((r["discovered_on"], r["incident_id"]), r) for r in rows])
        merged = heapq.merge(*streams, key=lambda pair: pair[0], reverse=True)
        picked = [pair for _, pair in zip(range(per_page + 1), merged)]
        chosen = [row for _, row in picked[:per_page]]
        counts = self._status_counts([r["incident_id"] for r in chosen], today)
        rows = tuple(IncidentRow(
            incident=uuid.UUID(r["incident_id"]), policy_id=uuid.UUID(r["policy_id"]),
            policy_number=r["policy_number"], reference=r["reference"], programme=r["programme"],
            business=r["business"], discovered_on=dt.date.fromisoformat(r["discovered_on"]),
            accident_date=dt.date.fromisoformat(r["accident_date"]), affected_count=r["affected_count"],
            closed=bool(r["closed"]), version=r["version"], statuses=counts.get(r["incident_id"], {}),
        ) for r in chosen)
        nxt = encode_cursor(picked[per_page - 1][0]) if len(picked) > per_page else None
        return Page(rows, nxt)

    def incident_counts(self, scope: Scope, policy: uuid.UUID | None = None) -> dict[str, int]:
        """How many incidents are open and closed."""
        counts = {"open": 0, "closed": 0}
        if scope.empty:
            return counts
        for flag, name in ((False, "open"), (True, "closed")):
            for where, params in self._incident_scoped(scope, flag, policy):
                counts[name] += self.view.fetch(f"SELECT COUNT(*) AS n FROM {self.i} WHERE {where}", params)[0]["n"]
        return counts

    def incident_scope(self, incident: uuid.UUID) -> tuple[str, str] | None:
        """The incident's (programme, business), or None when the view does not hold it."""
        rows = self.view.fetch(f"SELECT programme, business FROM {self.i} WHERE incident_id = %s", (str(incident),))
        return (rows[0]["programme"], rows[0]["business"]) if rows else None

    def policies(self, scope: Scope, limit: int = MAX_PER_PAGE) -> list[dict[str, str]]:
        """The policies in scope (number order): id, number, programme, business, and when it was
        cancelled from its start (None while it stands)."""
        if scope.empty:
            return []
        out: list[dict[str, str]] = []
        for where, params in _policy_streams(scope):
            out += [dict(r) for r in self.view.fetch(
                f"SELECT policy_id, number, programme, business, cancelled_on FROM {self.p} {where}"
                f" ORDER BY number LIMIT {limit}", params)]
        return sorted(out, key=lambda r: r["number"])[:limit]

    def enrolled_businesses(self, programme: str) -> int:
        """How many businesses hold a policy of the programme that stands (not cancelled from its
        start): what the programme-size warning counts (DOMAIN §10)."""
        return self.view.fetch(f"SELECT COUNT(DISTINCT business) AS n FROM {self.p}"
                               f" WHERE programme = %s AND cancelled_on IS NULL", (programme,))[0]["n"]

    def policy_scope(self, policy: uuid.UUID) -> tuple[str, str] | None:
        rows = self.view.fetch(f"SELECT programme, business FROM {self.p} WHERE policy_id = %s", (str(policy),))
        return (rows[0]["programme"], rows[0]["business"]) if rows else None

    def _incident_scoped(self, scope: Scope, closed: bool | None, policy: uuid.UUID | None) -> list[tuple[str, tuple]]:
        extra, extra_params = [], []
        if policy is not None:
            extra.append("policy_id = %s"); extra_params.append(str(policy))
        closed_values = (0, 1) if closed is None else (int(closed),)
        return [(" AND ".join(conds + extra), tuple(args + extra_params))
                for conds, args in _scope_streams(scope, closed_values, "")]

    def _status_counts(self, incidents: list[str], today: dt.date) -> dict[str, dict[str, int]]:
        if not incidents:
            return {}
        rows = self.view.fetch(
            f"SELECT incident_id, due, met_on, applicable, kind FROM {self.d}"
            f" WHERE incident_id IN ({', '.join(['%s'] * len(incidents))})", incidents)
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            s = status(dt.date.fromisoformat(r["due"]), dt.date.fromisoformat(r["met_on"]) if r["met_on"] else None,
                       bool(r["applicable"]), r["kind"], today)
            out.setdefault(r["incident_id"], {}).setdefault(s, 0)
            out[r["incident_id"]][s] += 1
        return out

    # -- reminders (DOMAIN §4.2) -------------------------------------------------------------

    def reminder_candidates(self, day: dt.date, offsets: Sequence[int],
                            by_programme: Mapping[str, Sequence[int]] | None = None) -> list[tuple[DeadlineRow, int]]:
        """What a sweep on ``day`` sends: (row, offset) pairs, offset -1 for overdue.

        Countdown: the open deadline rows (lanes 1, 2; open incidents; not the claims-made
        cut-off) with ``day <= due <= day + max(offsets)``; the smallest offset o with
        ``due - o <= day`` is sent unless one ≤ o was sent for the same due date. A programme
        in ``by_programme`` uses its own offsets instead of ``offsets``.
        Overdue: lane 1 (pending, overdue reminder not yet sent) with ``due < day``."""
        by_programme = by_programme or {}
        reach = max((max(o) for o in (offsets, *by_programme.values()) if o), default=None)
        horizon = (day + dt.timedelta(days=reach or 0)).isoformat()
        countdown = [] if reach is None else self.view.fetch(
            f"{self._select()} WHERE d.closed = 0 AND d.lane IN (1, 2) AND d.due >= %s AND d.due <= %s"
            f" AND d.deadline <> 'claims_made_cutoff' ORDER BY {KEY}", (day.isoformat(), horizon))
        overdue = self.view.fetch(
            f"{self._select()} WHERE d.closed = 0 AND d.lane = 1 AND d.due < %s ORDER BY {KEY}", (day.isoformat(),))
        out = []
        for r in countdown:
            row = self._deadline_row(r, day)
            left = (row.due - day).days
            chosen = min((o for o in by_programme.get(row.programme, offsets) if o >= left), default=None)
            if chosen is not None and (row.reminded is None or row.reminded > chosen):
                out.append((row, chosen))
        out += [(self._deadline_row(r, day), -1) for r in overdue]
        return out
