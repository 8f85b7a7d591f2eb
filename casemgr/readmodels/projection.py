"""The read model's projection: one piece of code turns each event, with its tracking
record, into view rows.

``ReadModelProjection.process_event(event, tracking)`` is the library's projection
protocol. It is driven two ways:

* **pulled** by ``ReadModel.catch_up()`` from the notification log (SQLite cannot push;
  it works on PostgreSQL too), many events to one transaction for speed;
* **pushed** by the library's ``ProjectionRunner`` subscription on PostgreSQL
  (``ReadModel.follow()``), one event to one transaction.

Either way the rows and the position are committed together and the tracking table
refuses a position twice, so each event is applied exactly once.

Each event is applied to an in-memory copy of its incident (the domain's own ``mutate``;
a copy not in memory is loaded from the store), and every incident a batch touched gets
its rows recomputed by the same deadline rule the statement uses, so the view cannot
disagree with the domain.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Tracking
from eventsourcing.projection import BaseProjectionRunner, Projection
from eventsourcing.utils import get_topic

from casemgr.application import CaseManager, replay
from casemgr.readmodels.view import LIVE, SHADOW, PostgresReadModel, ReadModelTables, SQLiteReadModel
from casemgr.rules.deadlines import Deadline
from casemgr.rules.deadlines import deadlines as deadline_rule
from casemgr.rules.facts import Facts
from casemgr.rules.premiums import debit_deadline, debit_schedule
from events.accounts import Programme, programme_id
from events.incident import Incident, parse_reminder_key
from events.policy import Policy, PolicyTerms, terms_from_data
from events.values import EVENT_TYPES

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)
NAME = "casemgr_view"
REBUILD_NAME = "casemgr.rebuild"

# What the view reads: every incident event (so that an incident's version in the view is its
# version in the store: the statements the workers keep are checked against it), and every
# policy event (its terms, its debits, which can cancel it from its start, and the reminders
# of its next debit). Accounts are not read.
# A programme's new terms say whether it has a premium table: its policies' debits are tracked
# (a premium_debit row each) when it has one, or once a debit was recorded (docs/decisions.md P4).
POLICY_EVENTS = (Policy.Issued, Policy.IncidentRegistered, Policy.PremiumDebited, Policy.PremiumDebitFailed,
                 Policy.EventVoided, Policy.ReminderSent)
TOPICS = tuple(
    [get_topic(getattr(Incident, name)) for name in sorted(set(EVENT_TYPES) | {"DiscoveryCorrected"})]
    + [get_topic(kind) for kind in POLICY_EVENTS] + [get_topic(Programme.TermsSet)]
)


def lane(d: Deadline, reminded_overdue: bool) -> int:
    """The row's lane (see casemgr.readmodels.view): what its status on any day can be."""
    if not d.applicable or d.met_on is not None:
        return 0
    if d.kind == "window":
        return 2
    return 3 if reminded_overdue else 1


class ReadModelProjection(Projection[ReadModelTables]):
    """Events in, view rows out."""

    name = NAME
    topics = TOPICS

    def __init__(self, view: ReadModelTables, app: CaseManager, prefix: str = LIVE, cache_size: int = 10_000):
        super().__init__(view)
        self.app = app
        self.prefix = prefix
        self.cache_size = cache_size
        self.incidents: dict[uuid.UUID, Incident] = {}  # in recency order
        self.terms: dict[uuid.UUID, PolicyTerms] = {}
        self.touched: dict[uuid.UUID, Incident] = {}
        self.policy_copies: dict[uuid.UUID, Policy] = {}  # in recency order, like ``incidents``
        self.policies: dict[uuid.UUID, Policy] = {}  # the policies touched since the last flush
        self.recancelled: set[uuid.UUID] = set()  # policies whose cancellation changed: their incidents' rows too
        self.priced: dict[str, bool] = {}  # programme code -> whether it has a premium table
        self.batching = False
        self.written: int | None = None  # the last position this projection wrote

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        """Apply one event and write its rows with its tracking record (the runner's way)."""
        if not self.batching:
            self.check_fresh(tracking.application_name)
        self.apply(domain_event)
        if not self.batching:
            try:
                self.flush(tracking)
            except IntegrityError:
                # Another process recorded this position (or a later one) first: it applied
                # this event already. Our copies may be stale now; nothing else to do.
                self.forget()

    def check_fresh(self, tracking_name: str) -> int:
        """The view's position; the in-memory copies are dropped when another process
        has written since this projection last did (they would miss its events)."""
        position = self.view.max_tracking_id(tracking_name) or 0
        if position != self.written:
            self.forget()
        return position

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Within it, ``process_event`` only applies; the caller flushes once."""
        self.batching = True
        try:
            yield
        finally:
            self.batching = False

    def apply(self, event: Any) -> None:
        """Apply one event to the view's copy of its incident (the domain's own apply).

        A copy not in memory is loaded whole from the store."""
        if isinstance(event, Programme.TermsSet):
            code = self.app.repository.get(event.originator_id).code
            self.priced[code] = bool(event.terms.get("premiums"))
            rows = self.view.fetch(f"SELECT policy_id FROM {self.view.table('policies', self.prefix)}"
                                   " WHERE programme = %s", (code,))
            for row in rows:  # each policy's debit row comes or goes with the table
                pid = uuid.UUID(row["policy_id"])
                self.policies[pid] = self._policy(pid)
            return
        if isinstance(event, Policy.Issued):
            policy = event.mutate(None)
            self.terms[event.originator_id] = terms_from_data(event.terms)
            self.policies[policy.id] = policy
            return
        if isinstance(event, POLICY_EVENTS):
            policy = self._policy(event.originator_id, event.originator_version - 1)
            before = policy.cancelled_on
            event.apply(policy)
            policy.version = event.originator_version
            self.policies[policy.id] = policy
            if policy.cancelled_on != before:
                self.recancelled.add(policy.id)
            return
        version = event.originator_version
        if version == 1:
            aggregate = event.mutate(None)
        else:
            aggregate = self.touched.get(event.originator_id) or self.incidents.pop(event.originator_id, None)
            if aggregate is None:
                aggregate = self.app.repository.get(event.originator_id, version=version - 1, projector_func=replay)
            event.apply(aggregate)
            aggregate.version = version
        self.touched[aggregate.id] = aggregate

    def flush(self, tracking: Tracking) -> None:
        """Write the rows of what was applied since the last flush, with the position."""
        policies, deadlines = [], []
        for pid, policy in self.policies.items():
            row, deadline = self._policy_rows(policy)
            policies.append(row)
            if deadline is not None:
                deadlines.append(deadline)
        for pid in self.recancelled:
            self._touch_incidents_of(pid)
        incidents = []
        for aggregate in self.touched.values():
            incident_row, rows = self._rows(aggregate)
            incidents.append(incident_row)
            deadlines.extend(rows)
        try:
            self.view.write(policies, incidents, deadlines, tracking, self.prefix)
        except Exception:
            self.forget()
            raise
        self.written = tracking.notification_id
        for aggregate in self.touched.values():
            _remember(self.incidents, aggregate, self.cache_size)
        for policy in self.policies.values():
            _remember(self.policy_copies, policy, self.cache_size)
        self.touched.clear()
        self.policies.clear()
        self.recancelled.clear()

    def forget(self) -> None:
        """Drop every in-memory copy (after a failed write, or another writer's)."""
        self.incidents.clear()
        self.touched.clear()
        self.policies.clear()
        self.policy_copies.clear()
        self.recancelled.clear()
        self.priced.clear()

    def _terms(self, policy_id: uuid.UUID) -> PolicyTerms:
        if policy_id not in self.terms:
            self.terms[policy_id] = self.app.policy_terms(policy_id)
        return self.terms[policy_id]

    def _policy(self, policy_id: uuid.UUID, version: int | None = None) -> Policy:
        """The view's copy of a policy: in memory, else loaded at ``version`` (default: the
        version the view holds), never past what this projection has applied."""
        found = self.policies.get(policy_id) or self.policy_copies.get(policy_id)
        if found is not None:
            return found
        if version is None:
            rows = self.view.fetch(f"SELECT version FROM {self.view.table('policies', self.prefix)}"
                                   " WHERE policy_id = %s", (str(policy_id),))
            version = rows[0]["version"] if rows else None
        found = self.app.repository.get(policy_id, version=version, projector_func=replay)
        _remember(self.policy_copies, found, self.cache_size)
        return found

    def _cancelled(self, policy_id: uuid.UUID) -> dt.date | None:
        on = self._policy(policy_id).cancelled_on
        return dt.date.fromisoformat(on) if on else None

    def _touch_incidents_of(self, policy_id: uuid.UUID) -> None:
        """A policy's cancellation changed: each of its incidents' rows is rewritten (each copy
        at the version the view holds, or the one applied since)."""
        rows = self.view.fetch(f"SELECT incident_id, version FROM {self.view.table('incidents', self.prefix)}"
                               " WHERE policy_id = %s", (str(policy_id),))
        for row in rows:
            key = uuid.UUID(row["incident_id"])
            if key in self.touched:
                continue
            copy = self.incidents.pop(key, None)
            if copy is None or copy.version != row["version"]:
                copy = self.app.repository.get(key, version=row["version"], projector_func=replay)
            self.touched[key] = copy

    def _priced(self, programme: str) -> bool:
        if programme not in self.priced:
            try:
                found = self.app.repository.get(programme_id(programme))
            except AggregateNotFoundError:
                found = None
            self.priced[programme] = bool(isinstance(found, Programme) and found.terms and found.terms.get("premiums"))
        return self.priced[programme]

    def _policy_rows(self, policy: Policy) -> tuple[tuple, tuple | None]:
        """The policy's row and its own deadline row (its next premium debit, DOMAIN §10), if its
        debits are tracked: its programme has a premium table, or a debit was recorded."""
        terms = self._terms(policy.id)
        key = str(policy.id)
        row = (key, terms.number, terms.programme, terms.business, policy.cancelled_on, policy.version)
        live = policy.live_debits
        if not live and not self._priced(terms.programme):
            return row, None
        debits = [(d[0], dt.date.fromisoformat(d[1]), d[2]) for d in live]
        d = debit_deadline(debit_schedule(terms.start, debits))
        due = d.due.isoformat()
        reminded = None
        for reminder in policy.reminders:
            name, _claim, when, offset = parse_reminder_key(reminder)
            if (name, when) == (d.name, due):
                reminded = offset if reminded is None else min(reminded, offset)
        deadline = (key, d.name, "", due, d.met_on.isoformat() if d.met_on else None, int(d.applicable), d.kind,
                    d.rule, terms.programme, terms.business, 0, lane(d, reminded == -1), reminded)
        return row, deadline

    def _rows(self, aggregate: Incident) -> tuple[tuple, list[tuple]]:
        terms = self._terms(aggregate.policy_id)
        facts = Facts(aggregate.facts())
        key, closed = str(aggregate.id), int(aggregate.closed)
        incident = (
            key, str(aggregate.policy_id), terms.number, aggregate.reference, terms.programme, terms.business,
            facts.discovered_on.isoformat(), facts.accident_date.isoformat(), facts.affected_count, closed,
            aggregate.version,
        )
        sent: dict[tuple[str, str, str], int] = {}  # (deadline, claim_ref, due) -> smallest offset sent
        for reminder in aggregate.reminders:
            deadline, claim, due, offset = parse_reminder_key(reminder)
            sent[(deadline, claim, due)] = min(offset, sent.get((deadline, claim, due), offset))
        rows = []
        for d in deadline_rule(terms, facts, self._cancelled(aggregate.policy_id)):
            due = d.due.isoformat()
            reminded = sent.get((d.name, d.claim_ref or "", due))
            rows.append((
                key, d.name, d.claim_ref or "", due, d.met_on.isoformat() if d.met_on else None,
                int(d.applicable), d.kind, d.rule, terms.programme, terms.business, closed,
                lane(d, reminded == -1), reminded,
            ))
        return incident, rows


class _RunnerApp(CaseManager):
    """The application a ProjectionRunner constructs to subscribe to (from the same settings)."""

    name = CaseManager.name  # the same notification log, the same tracking name


class ReadModel:
    """The read model of one application, in the same database: catch-up, rebuild, follow."""

    def __init__(self, app: CaseManager, cache_size: int = 10_000):
        self.app = app
        env = dict(app.env)
        env.pop("CIPHER_TOPIC", None)  # the view holds no event state to encrypt
        env.pop("CIPHER_KEY", None)
        self.factory = InfrastructureFactory.construct(type(app.env)(NAME, env))
        postgres = "postgres" in type(self.factory).__module__
        self.view: ReadModelTables = self.factory.tracking_recorder(PostgresReadModel if postgres else SQLiteReadModel)
        self.postgres = postgres
        self.projection = ReadModelProjection(self.view, app, cache_size=cache_size)
        self._lock = threading.Lock()
        outdated = self.view.outdated()
        if outdated:  # made by an earlier casemgr (e.g. before rm_policies had a version): rebuilt once
            log.warning("the read model's tables %s are from an earlier casemgr: rebuilding it", ", ".join(outdated))
            self.rebuild()

    def close(self) -> None:
        self.factory.close()

    @property
    def position(self) -> int:
        return self.view.max_tracking_id(self.app.name) or 0

    @property
    def lag(self) -> int:
        """Events recorded that the view has not yet reached."""
        return max(0, (self.app.recorder.max_notification_id() or 0) - self.position)

    def catch_up(self, batch_size: int = 5000, progress: Progress | None = None) -> int:
        """Apply every event recorded since the view's position; how many were read.

        Only the event types the view reads are selected (database-side topic filter);
        the position still advances over the others."""
        with self._lock:
            return self._pull(self.projection, self.app.name, batch_size, progress)

    def rebuild(self, batch_size: int = 5000, progress: Progress | None = None) -> int:
        """Project the whole log into shadow tables, then swap them in, atomically:
        if it fails, the view stays as it was."""
        run = uuid.uuid4().hex[:8]  # two rebuilds at once each build their own shadow
        prefix, tracking_name = f"{SHADOW}{run}_", f"{REBUILD_NAME}.{run}"
        self.view.start_shadow(prefix, tracking_name)
        try:
            shadow = ReadModelProjection(self.view, self.app, prefix=prefix)
            count = self._pull(shadow, self.app.name, batch_size, progress, tracking_name=tracking_name)
            with self._lock:
                self.view.swap(prefix, tracking_name, self.app.name)
                self.projection.forget()
        except BaseException:
            self.view.drop_shadow(prefix, tracking_name)
            raise
        self.catch_up(batch_size)  # what was recorded during the swap
        return count

    @contextmanager
    def follow(self, poll_seconds: float = 0.2) -> Iterator[None]:
        """Keep the view current while the block runs: the library's subscription runner
        on PostgreSQL, a polling pull loop on SQLite (which cannot push)."""
        if self.postgres:
            self.catch_up()
            # Its own projection (and copies): the runner's thread never shares state with catch_up().
            runner = BaseProjectionRunner(
                projection=ReadModelProjection(self.view, self.app), application_class=_RunnerApp,
                tracking_recorder=self.view, topics=TOPICS, env=dict(self.app.env),
            )
            with runner:
                yield
            return
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(poll_seconds):
                try:
                    self.catch_up()
                except Exception:  # a failing pass is logged and retried on the next poll
                    log.exception("the read model could not catch up; retrying")

        thread = threading.Thread(target=loop, name="casemgr-view-follower", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _pull(self, projection: ReadModelProjection, app_name: str, batch_size: int,
              progress: Progress | None, tracking_name: str | None = None) -> int:
        tracking_name = tracking_name or app_name
        recorder, mapper = self.app.recorder, self.app.mapper
        read = 0
        stop = recorder.max_notification_id() or 0
        start = projection.check_fresh(tracking_name) + 1
        while start <= stop:
            notifications = recorder.select_notifications(start=start, limit=batch_size, stop=stop, topics=TOPICS)
            reached = notifications[-1].id if len(notifications) == batch_size else stop
            try:
                with projection.batch():
                    for notification in notifications:
                        projection.process_event(mapper.to_domain_event(notification),
                                                 Tracking(tracking_name, notification.id))
                projection.flush(Tracking(tracking_name, reached))
            except IntegrityError:
                # Another process wrote this stretch first: continue from where it got.
                start = projection.check_fresh(tracking_name) + 1
                continue
            read += reached - start + 1
            start = reached + 1
            if progress:
                progress(reached, stop)
        return read

    def deadlines(self, today: dt.date, incident: uuid.UUID | None = None) -> list[Any]:
        """Every deadline row (of one incident), by due date: for tests and small stores;
        the dashboard pages through ``casemgr.readmodels.queries.Queries.deadlines``."""
        from casemgr.readmodels.queries import Queries

        return Queries(self.view).all_deadlines(today, incident)

    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Block until an event after ``after`` is recorded or ``timeout`` passes; whether one is.
        PostgreSQL: LISTEN on the channel the library NOTIFYs in every insert (what its own
        subscription listens to), so a follower wakes at once; SQLite: poll."""
        recorder = self.app.recorder
        if (recorder.max_notification_id() or 0) > after:
            return True
        if not self.postgres:
            time.sleep(min(timeout, 0.1))
            return (recorder.max_notification_id() or 0) > after
        from psycopg.sql import SQL, Identifier

        with recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))  # type: ignore[attr-defined]
            conn.commit()
            try:
                if (recorder.max_notification_id() or 0) <= after:
                    for _ in conn.notifies(timeout=timeout, stop_after=1):
                        break
            finally:
                conn.execute("UNLISTEN *")
                conn.commit()
        return (recorder.max_notification_id() or 0) > after

    def track(self, name: str, position: int) -> None:
        """Record a position for another follower of the same log (the library's tracking
        table, one row per name; a position not after the last is refused)."""
        self.view.insert_tracking(Tracking(name, position))

    def wait_for(self, position: int, timeout: float = 10.0) -> None:
        """Block until the view has reached ``position`` (for a follower started elsewhere)."""
        self.view.wait(self.app.name, position, timeout=timeout)


def _remember(cache: dict[uuid.UUID, Any], aggregate: Any, size: int) -> None:
    """Keep a copy as the most recently used, dropping the least recently used beyond ``size``."""
    cache.pop(aggregate.id, None)
    if len(cache) >= size:
        del cache[next(iter(cache))]
    cache[aggregate.id] = aggregate


def as_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
