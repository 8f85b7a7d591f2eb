"""The deadline dashboard's read model: incident summaries and their deadlines.

A projection of the application's notification log, written with the
library's tracking: the view rows of a batch and the position reached are
committed in one transaction, and the tracking table refuses a position twice,
so each event is applied exactly once. It catches up by pulling from the
notification log (SQLite cannot push), so it works the same on SQLite and
PostgreSQL, and it can be rebuilt from scratch.

Each stored event is decoded once and applied to an in-memory copy of its
incident (the domain's own ``mutate``); every incident touched by a batch then
gets its rows recomputed by the same rule the statement uses
(``casemgr.rules.deadlines``), so the view cannot disagree with the domain.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from eventsourcing.utils import get_topic
from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from casemgr.application import CaseManager, replay
from casemgr.rules.deadlines import READS
from casemgr.rules.deadlines import deadlines as deadline_rule
from casemgr.rules.deadlines import status
from casemgr.rules.facts import Facts
from events.incident import Incident
from events.policy import Policy, PolicyTerms, terms_from_data

Progress = Callable[[int, int], None]

# What the view reads: the events the deadline rule reads, voidings, closing and
# reopening (for the summary), and policies (for their terms).
TOPICS = tuple(
    [get_topic(getattr(Incident, name)) for name in sorted(READS | {"IncidentClosed", "IncidentReopened"})]
    + [get_topic(Incident.DiscoveryCorrected), get_topic(Policy.Issued)]
)

TABLES = (
    "CREATE TABLE IF NOT EXISTS rm_incidents ("
    " incident_id TEXT PRIMARY KEY, policy_id TEXT NOT NULL, policy_number TEXT NOT NULL,"
    " reference TEXT NOT NULL, discovered_on TEXT NOT NULL, accident_date TEXT NOT NULL,"
    " affected_count BIGINT NOT NULL, closed INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rm_deadlines ("
    " incident_id TEXT NOT NULL, deadline TEXT NOT NULL, claim_ref TEXT NOT NULL,"
    " due TEXT NOT NULL, met_on TEXT, applicable INTEGER NOT NULL, kind TEXT NOT NULL,"
    " rule TEXT NOT NULL, PRIMARY KEY (incident_id, deadline, claim_ref))",
    "CREATE INDEX IF NOT EXISTS rm_deadlines_due ON rm_deadlines (due)",
    "CREATE INDEX IF NOT EXISTS rm_incidents_policy ON rm_incidents (policy_id)",
)
UPSERT_INCIDENT = (
    "INSERT INTO rm_incidents VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (incident_id) DO UPDATE SET policy_id = excluded.policy_id,"
    " policy_number = excluded.policy_number, reference = excluded.reference,"
    " discovered_on = excluded.discovered_on, accident_date = excluded.accident_date,"
    " affected_count = excluded.affected_count, closed = excluded.closed"
)
DELETE_DEADLINES = "DELETE FROM rm_deadlines WHERE incident_id = %s"
INSERT_DEADLINE = "INSERT INTO rm_deadlines VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
SELECT_DEADLINES = (
    "SELECT d.incident_id, i.policy_number, i.reference, d.deadline, d.claim_ref, d.due,"
    " d.met_on, d.applicable, d.kind, d.rule"
    " FROM rm_deadlines d JOIN rm_incidents i ON i.incident_id = d.incident_id"
)


@dataclass(frozen=True)
class DeadlineRow:
    incident: uuid.UUID
    policy_number: str
    reference: str
    deadline: str
    claim_ref: str | None
    due: dt.date
    met_on: dt.date | None
    status: str
    rule: str


class _ViewTables:
    """What the two backends share: the view tables beside the tracking table."""

    placeholder = "%s"

    def sql(self, statement: str) -> str:
        return statement.replace("%s", self.placeholder)

    def view_statements(self) -> list[str]:
        return list(TABLES)

    def write(self, incidents: list[tuple], deadlines: list[tuple], tracking: Tracking) -> None:
        """Replace the rows of the given incidents and record the position, atomically."""
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.executemany(self.sql(UPSERT_INCIDENT), incidents)
            c.executemany(self.sql(DELETE_DEADLINES), [(row[0],) for row in incidents])
            c.executemany(self.sql(INSERT_DEADLINE), deadlines)
            self._insert_tracking(c, tracking)  # type: ignore[attr-defined]

    def clear(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.execute("DELETE FROM rm_deadlines")
            c.execute("DELETE FROM rm_incidents")
            c.execute(self.sql(f"DELETE FROM {self.tracking_table} WHERE application_name = %s"),
                      (application_name,))

    def select(self, where: str, params: tuple) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
            c.execute(self.sql(f"{SELECT_DEADLINES} {where} ORDER BY d.due, i.reference, d.deadline, d.claim_ref"), params)
            return list(c.fetchall())


class SQLiteDeadlineView(_ViewTables, SQLiteTrackingRecorder):
    placeholder = "?"
    tracking_table = "tracking"

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + self.view_statements()


class PostgresDeadlineView(_ViewTables, PostgresTrackingRecorder):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sql_create_statements.extend(SQL(s) for s in self.view_statements())  # type: ignore[arg-type]

    @property
    def tracking_table(self) -> str:
        return f'"{self.datastore.schema}"."{self.tracking_table_name}"'


class DeadlineProjection:
    """Keeps the deadline view of one application up to date."""

    def __init__(self, app: CaseManager, cache_size: int = 10_000):
        self.app = app
        env = dict(app.env)
        env.pop("CIPHER_TOPIC", None)  # the view holds no event state to encrypt
        factory = InfrastructureFactory.construct(type(app.env)("casemgr_view", env))
        recorder_class = PostgresDeadlineView if "postgres" in type(factory).__module__ else SQLiteDeadlineView
        self.factory = factory
        self.view = factory.tracking_recorder(recorder_class)
        self.cache_size = cache_size
        self.incidents: dict[uuid.UUID, Incident] = {}  # in recency order
        self.terms: dict[uuid.UUID, PolicyTerms] = {}

    def close(self) -> None:
        self.factory.close()

    @property
    def position(self) -> int:
        return self.view.max_tracking_id(self.app.name) or 0

    def catch_up(self, batch_size: int = 5000, progress: Progress | None = None) -> int:
        """Apply every event recorded since the view's position; how many were read.

        Only the event types the view reads are selected (``TOPICS``, filtered
        by the database); the position still advances over the others."""
        read = 0
        stop = self.app.recorder.max_notification_id() or 0
        start = self.position + 1
        while start <= stop:
            notifications = self.app.recorder.select_notifications(
                start=start, limit=batch_size, stop=stop, topics=TOPICS)
            reached = notifications[-1].id if len(notifications) == batch_size else stop
            touched: dict[uuid.UUID, Incident] = {}
            for notification in notifications:
                aggregate = self._apply(notification)
                if aggregate is not None:
                    touched[aggregate.id] = aggregate
            try:
                self._write(touched.values(), Tracking(self.app.name, reached))
            except IntegrityError:
                # Another process wrote this stretch first: continue from where it got.
                self.incidents.clear()
                start = self.position + 1
                continue
            read += reached - start + 1
            start = reached + 1
            if progress:
                progress(reached, stop)
        return read

    def rebuild(self, batch_size: int = 5000, progress: Progress | None = None) -> int:
        """Drop every row and the position, then project the whole log again."""
        self.view.clear(self.app.name)
        self.incidents.clear()
        return self.catch_up(batch_size, progress)

    def deadlines(self, today: dt.date, incident: uuid.UUID | None = None) -> list[DeadlineRow]:
        where, params = ("WHERE d.incident_id = %s", (str(incident),)) if incident else ("", ())
        rows = []
        for r in self.view.select(where, params):
            due = dt.date.fromisoformat(r["due"])
            met_on = dt.date.fromisoformat(r["met_on"]) if r["met_on"] else None
            rows.append(DeadlineRow(
                incident=uuid.UUID(r["incident_id"]), policy_number=r["policy_number"],
                reference=r["reference"], deadline=r["deadline"], claim_ref=r["claim_ref"] or None,
                due=due, met_on=met_on, status=status(due, met_on, bool(r["applicable"]), r["kind"], today),
                rule=r["rule"],
            ))
        return rows

    # -- internals ----------------------------------------------------------------

    def _apply(self, notification: Any) -> Incident | None:
        """Apply one event to the view's copy of its incident (the domain's own apply).

        The copy holds only the events the view selects, so versions have gaps;
        a copy not in memory is loaded whole from the store."""
        event = self.app.mapper.to_domain_event(notification)
        if isinstance(event, Policy.Issued):
            self.terms[event.originator_id] = terms_from_data(event.terms)
            return None
        version = event.originator_version
        if version == 1:
            aggregate = event.mutate(None)
        else:
            aggregate = self.incidents.pop(event.originator_id, None)
            if aggregate is None:
                aggregate = self.app.repository.get(event.originator_id, version=version - 1, projector_func=replay)
            event.apply(aggregate)
            aggregate.version = version
        if len(self.incidents) >= self.cache_size:
            del self.incidents[next(iter(self.incidents))]  # the least recently used
        self.incidents[aggregate.id] = aggregate
        return aggregate

    def _terms(self, policy_id: uuid.UUID) -> PolicyTerms:
        if policy_id not in self.terms:
            self.terms[policy_id] = self.app.policy_terms(policy_id)
        return self.terms[policy_id]

    def _write(self, touched: Iterable[Incident], tracking: Tracking) -> None:
        incidents, deadlines = [], []
        for aggregate in touched:
            terms = self._terms(aggregate.policy_id)
            facts = Facts(aggregate.facts())
            key = str(aggregate.id)
            incidents.append((
                key, str(aggregate.policy_id), terms.number, aggregate.reference,
                facts.discovered_on.isoformat(), facts.accident_date.isoformat(),
                facts.affected_count, int(aggregate.closed),
            ))
            for d in deadline_rule(terms, facts):
                deadlines.append((
                    key, d.name, d.claim_ref or "", d.due.isoformat(),
                    d.met_on.isoformat() if d.met_on else None, int(d.applicable), d.kind, d.rule,
                ))
        self.view.write(incidents, deadlines, tracking)
