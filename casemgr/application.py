"""Commands and queries over the event store: the one public surface of casemgr.

Commands take primitives and an actor and return ids; queries return frozen
data. Nothing outside this module holds an aggregate.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import Environment, get_topic

from casemgr.clock import Clock, SystemClock, today
from casemgr.errors import ConcurrentUpdate, DomainError, NotFound
from casemgr.rules.coverage import Statement, Used, statement
from casemgr.rules.deadlines import Deadline, deadlines
from casemgr.rules.facts import Facts
from casemgr.rules.whatif import Column, whatif
from casemgr.rules.premiums import DebitSchedule, debit_schedule
from casemgr.texts import Text
from events.incident import EVENT_ID, Incident, check_reference, event_id, incident_id, public_type
from events.policy import Policy, PolicyTerms, parse_terms, policy_id, validate_policy_event
from events.values import Actor, name_problem, shown, validate_event

RETRIES = 10
MAX_VERSION = 2**31 - 1  # no incident has more events; a larger version is a typing mistake
T = TypeVar("T")


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events in order (the library's projector, without its
    per-event runtime protocol check, which costs 40% of a load on Python 3.11)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@dataclass(frozen=True)
class IncidentView:
    """An incident as it stood at one version."""

    id: uuid.UUID
    policy_id: uuid.UUID
    policy_number: str
    reference: str
    version: int
    closed: bool
    discovered_on: dt.date
    accident_date: dt.date
    accident_estimated: bool
    affected_count: int
    summary: str
    terms: PolicyTerms


@dataclass(frozen=True)
class IncidentStatement:
    incident: IncidentView
    statement: Statement
    computed_at: str | None = None  # when the workers stored it (UTC ISO); None: computed on asking


@dataclass(frozen=True)
class IncidentWhatIf:
    """DOMAIN §12: the incident's statement under each pattern and the policy's own terms."""

    incident: IncidentView
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class HistoryRow:
    id: str
    version: int
    type: str
    on: dt.date
    at: str | None
    recorded_at: dt.datetime
    by: str
    role: str
    note: str | None
    data: dict[str, Any]
    voided_by: str | None


@dataclass(frozen=True)
class PolicyDebits:
    version: int  # the policy's version in the store
    schedule: DebitSchedule
    reminders: tuple[str, ...]  # the reminder keys recorded on the policy (deadline|claim|due|offset)
    voided: tuple[VoidedDebit, ...] = ()


@dataclass(frozen=True)
class VoidedDebit:
    """A debit event taken back by a later ``EventVoided`` (decision P15)."""

    id: str
    type: str
    on: dt.date
    amount_yen: int | None
    voided_by: str  # the voiding's id
    reason: str


@dataclass(frozen=True)
class Imported:
    policy: uuid.UUID
    incidents: dict[str, uuid.UUID]


class CaseManager(Application):
    """The incident-response case manager on one event store."""

    name = "casemgr"
    snapshotting_projectors = {Incident: replay, Policy: replay}

    def __init__(self, env: dict[str, str] | None = None, clock: Clock | None = None,
                 snapshot_interval: int = 100):
        self.snapshotting_intervals = {Incident: snapshot_interval} if snapshot_interval else {}
        super().__init__(env)
        self.clock = clock or SystemClock()

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Exactly the settings given (casemgr.settings), never the process environment:
        a stray ``CASEMGR_IS_SNAPSHOTTING_ENABLED`` or ``AGGREGATE_CACHE_MAXSIZE`` must not
        override them (the library would read those on its own)."""
        return Environment(name, dict(env or {}))

    # -- commands ---------------------------------------------------------------

    def import_log(self, log: Any, actor: Actor) -> Imported:
        """Store an incident log (DOMAIN §8) in one transaction: all of it or nothing.

        Two imports into one policy at once both add to the policy's list of incidents:
        the loser of that race reloads the policy and tries again, as ``record`` does."""
        if not isinstance(log, dict) or set(log) - {"policy", "incidents"}:
            raise DomainError(Text("an incident log is an object with `policy` and `incidents`"), None)
        terms = parse_terms(log.get("policy"))
        incidents = log.get("incidents", [])
        if not isinstance(incidents, list):
            raise DomainError(Text("must be a list"), "incidents")

        def attempt() -> Imported:
            policy = self._policy_for_import(terms, actor)
            now, day = self.clock.now(), today(self.clock)
            opened: list[Incident] = []
            for n, item in enumerate(incidents):
                try:
                    opened.append(self._build_incident(policy, item, actor, now, day))
                except DomainError as exc:
                    raise exc.within(f"incidents[{n}]") from None
            self.save(policy, *opened)
            return Imported(policy.id, {i.reference: i.id for i in opened})

        return self._retrying(attempt)

    def record(self, incident: uuid.UUID, payload: Any, actor: Actor) -> str:
        """Record one event on an incident; the stored event's id (``e<version>``)."""
        kind, fields = validate_event(payload)

        def attempt() -> str:
            aggregate = self._incident(incident)
            new_id = aggregate.record(kind, fields, actor, self.clock.now(), today(self.clock),
                                      target=self._stored_target(aggregate, kind, fields))
            self.save(aggregate)
            return new_id

        return self._retrying(attempt)

    def issue_policy(self, payload: Any, actor: Actor) -> uuid.UUID:
        terms = parse_terms(payload)
        policy = Policy.issue(terms, actor.user, actor.role, self.clock.now())
        self._save_new(policy)
        return policy.id

    def record_policy_event(self, policy: uuid.UUID, payload: Any, actor: Actor) -> str:
        """Record one policy event (DOMAIN §10: ``PremiumDebited``, ``PremiumDebitFailed``, or the
        system's ``ReminderSent``); the stored event's id (``e<version>`` of the policy)."""
        kind, fields = validate_policy_event(payload)

        def attempt() -> str:
            holder = self._policy(policy)
            if kind == "PremiumDebitFailed" and holder.cancelled_on is None:
                schedule = debit_schedule(holder.terms.start, _debits(holder))
                if schedule.paid_on is None and fields["on"] < schedule.due.isoformat():
                    raise DomainError(Text("the debit is due {due} ({rule}): it cannot fail before it is attempted",
                                           due=schedule.due, rule=schedule.rule), "PremiumDebitFailed.on")
            new_id = holder.record(kind, fields, actor, self.clock.now(), today(self.clock))
            self.save(holder)
            return new_id

        return self._retrying(attempt)

    def open_incident(self, policy: uuid.UUID, reference: str, payload: Any, actor: Actor) -> uuid.UUID:
        """Open an incident under a policy with its LeakDiscovered event."""
        kind, fields = validate_event(payload)
        if kind != "LeakDiscovered":
            raise DomainError(Text("an incident is opened by LeakDiscovered"), "type")

        def attempt() -> uuid.UUID:
            holder = self._policy(policy)
            new = Incident.open(holder.id, reference, fields, actor, self.clock.now(), today(self.clock))
            holder.register_incident(new.id, reference, self.clock.now())
            self.save(holder, new)
            return new.id

        return self._retrying(attempt)

    # -- queries ------------------------------------------------------------------

    def incident(self, incident: uuid.UUID, version: int | None = None) -> IncidentView:
        aggregate = self._incident(incident, version)
        return self._view(aggregate, self._policy(aggregate.policy_id).terms)

    def statement(self, incident: uuid.UUID, version: int | None = None) -> IncidentStatement:
        """What the policy pays for the incident, as it stood at ``version`` (default: now).

        Earlier incidents of the same policy (by discovery date) use up the
        aggregate limits first; they are taken as they stood when that version
        was recorded."""
        target = self._incident(incident, version)
        policy = self._policy(target.policy_id)
        terms = policy.terms
        as_of = target.modified_on if version is not None else None
        cancelled = cancellation(policy, as_of)
        others = [self._incident_as_of(i, as_of) for i in policy.incidents.values() if i != target.id]
        ordered = sorted(
            [(Facts(o.facts()), o) for o in others if o is not None] + [(Facts(target.facts()), target)],
            key=lambda pair: (pair[0].discovered_on, pair[1].reference),
        )
        used = Used()
        for facts, aggregate in ordered:
            result = statement(terms, facts, used, cancelled)
            if aggregate is target:
                return IncidentStatement(self._view(target, terms, facts), result)
            used = used.after(result)
        raise AssertionError("the target incident is always among the ordered ones")

    def policy_statements(self, policy: uuid.UUID) -> tuple[int, list[tuple[IncidentView, Statement]]]:
        """The policy's version, and every incident of it as it is now with its statement,
        computed in one pass in discovery order (what the workers store after a change)."""
        holder = self._policy(policy)
        cancelled = cancellation(holder)
        aggregates = [self._incident(i) for i in holder.incidents.values()]
        ordered = sorted(((Facts(a.facts()), a) for a in aggregates), key=lambda p: (p[0].discovered_on, p[1].reference))
        used, out = Used(), []
        for facts, aggregate in ordered:
            result = statement(holder.terms, facts, used, cancelled)
            out.append((self._view(aggregate, holder.terms, facts), result))
            used = used.after(result)
        return holder.version, out

    def policy_version(self, policy: uuid.UUID) -> int:
        return self._policy(policy).version

    def whatif(self, incident: uuid.UUID) -> IncidentWhatIf:
        """The statement as it would be under each pattern A–E and under the policy's own terms
        (DOMAIN §12), each column running the policy's incidents in discovery order under its
        terms. Reads only."""
        target = self._incident(incident)
        policy = self._policy(target.policy_id)
        aggregates = [target if i == target.id else self._incident(i) for i in policy.incidents.values()]
        ordered = sorted(((Facts(a.facts()), a) for a in aggregates), key=lambda p: (p[0].discovered_on, p[1].reference))
        upto = next(n for n, (_, a) in enumerate(ordered) if a is target) + 1
        columns = whatif(policy.terms, [facts for facts, _ in ordered[:upto]], cancellation(policy))
        return IncidentWhatIf(self._view(target, policy.terms, ordered[upto - 1][0]), columns)

    def deadlines(self, incident: uuid.UUID, version: int | None = None) -> list[Deadline]:
        """The incident's deadlines computed from its history (the read model holds the same)."""
        aggregate = self._incident(incident, version)
        policy = self._policy(aggregate.policy_id)
        return deadlines(policy.terms, Facts(aggregate.facts()),
                         cancellation(policy, aggregate.modified_on if version is not None else None))

    def history(self, incident: uuid.UUID) -> list[HistoryRow]:
        """The timeline: every event, voided ones included, in recording order."""
        self._incident(incident)  # raises NotFound
        events = list(self.events.get(incident))
        voided = {e.data["event"]: event_id(e.originator_version) for e in events if public_type(e) == "EventVoided"}
        return [
            HistoryRow(
                event_id(e.originator_version), e.originator_version, public_type(e), dt.date.fromisoformat(e.on),
                e.at, e.timestamp, e.by, e.role, e.note, dict(e.data), voided.get(event_id(e.originator_version)),
            )
            for e in events
        ]

    def export(self, incident: uuid.UUID) -> dict[str, Any]:
        """The incident log of one incident, re-importable into another store."""
        view = self.incident(incident)
        events = []
        for row in self.history(incident):
            item: dict[str, Any] = {"id": row.id, "type": row.type, "on": row.on.isoformat()}
            if row.at:
                item["at"] = row.at
            if row.note is not None:
                item["note"] = row.note
            item.update(row.data)
            events.append(item)
        return {"policy": view.terms.to_log(), "incidents": [{"reference": view.reference, "events": events}]}

    def has_incident(self, incident: uuid.UUID) -> bool:
        first = self.recorder.select_events(incident, limit=1)
        return bool(first) and first[0].topic == get_topic(Incident.LeakDiscovered)

    def has_policy(self, policy: uuid.UUID) -> bool:
        first = self.recorder.select_events(policy, limit=1)
        return bool(first) and first[0].topic == get_topic(Policy.Issued)

    def policy_terms(self, policy: uuid.UUID) -> PolicyTerms:
        return self._policy(policy).terms

    def policy_incidents(self, policy: uuid.UUID) -> dict[str, uuid.UUID]:
        return dict(self._policy(policy).incidents)

    def policy_debits(self, policy: uuid.UUID) -> PolicyDebits:
        """A policy's debits (DOMAIN §10): the schedule its events make, and its version."""
        holder = self._policy(policy)
        voided = []
        for kind, on, amount, _, version in holder.debits:
            if event_id(version) in holder.voided:
                by, _, reason = holder.voided[event_id(version)]
                voided.append(VoidedDebit(event_id(version), kind, dt.date.fromisoformat(on), amount, by, reason))
        return PolicyDebits(holder.version, debit_schedule(holder.terms.start, _debits(holder)),
                            tuple(holder.reminders), tuple(voided))

    def policy_cancelled_on(self, policy: uuid.UUID) -> dt.date | None:
        return cancellation(self._policy(policy))

    def policy_issued_at(self, policy: uuid.UUID) -> dt.datetime:
        return self._policy(policy).created_on

    def resolve(self, ref: str) -> uuid.UUID:
        """An incident by its id or by ``POLICY-NUMBER/REFERENCE``."""
        try:
            return uuid.UUID(ref)
        except ValueError:
            pass
        number, sep, reference = ref.rpartition("/")
        if not sep or not number or not reference or name_problem(ref):
            raise NotFound(Text("{ref} is neither an incident id nor POLICY-NUMBER/REFERENCE",
                                ref=shown(ref)), "incident")
        return incident_id(policy_id(number), reference)

    # -- internals ------------------------------------------------------------------

    def _incident(self, incident: uuid.UUID, version: int | None = None) -> Incident:
        if version is not None and not 1 <= version <= MAX_VERSION:
            raise DomainError(Text("must be 1 to {max_version}", max_version=MAX_VERSION), "version")
        try:
            aggregate = self.repository.get(incident, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFound(Text("no incident {incident}", incident=str(incident)), "incident") from None
        if not isinstance(aggregate, Incident):
            raise NotFound(Text("{incident} is not an incident", incident=str(incident)), "incident")
        if version is not None and aggregate.version < version:
            raise DomainError(Text("incident has only {version} versions", version=aggregate.version), "version")
        return aggregate

    def _incident_as_of(self, incident: uuid.UUID, as_of: dt.datetime | None) -> Incident | None:
        if as_of is None:
            return self._incident(incident)
        events = [e for e in self.events.get(incident) if e.timestamp <= as_of]
        return replay(None, events) if events else None

    def _stored_target(self, aggregate: Incident, kind: str, fields: dict[str, Any]) -> Any:
        """The stored (or still pending) event a voiding refers to, when the
        aggregate does not keep it (a note)."""
        version = aggregate.stored_id_needed(kind, fields)
        if version is None:
            return None
        for event in aggregate.pending_events:
            if event.originator_version == version:
                return event
        return next(iter(self.events.get(aggregate.id, gt=version - 1, lte=version)), None)

    def _policy(self, policy: uuid.UUID) -> Policy:
        try:
            aggregate = self.repository.get(policy, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFound(Text("no policy {policy}", policy=str(policy)), "policy") from None
        if not isinstance(aggregate, Policy):
            raise NotFound(Text("{policy} is not a policy", policy=str(policy)), "policy")
        return aggregate

    def _policy_for_import(self, terms: PolicyTerms, actor: Actor) -> Policy:
        try:
            existing = self._policy(policy_id(terms.number))
        except NotFound:
            return Policy.issue(terms, actor.user, actor.role, self.clock.now())
        if existing.terms != terms:
            differ = [k for k, v in existing.terms.__dict__.items() if getattr(terms, k) != v]
            raise DomainError(
                Text("policy {number} exists with other terms ({differ})",
                     number=terms.number, differ=', '.join(differ)), "policy.number"
            )
        return existing

    def _build_incident(self, policy: Policy, item: Any, actor: Actor, now: dt.datetime,
                        day: dt.date) -> Incident:
        if not isinstance(item, dict) or set(item) - {"reference", "events"}:
            raise DomainError(Text("an incident is an object with `reference` and `events`"), None)
        reference = item.get("reference")
        check_reference(reference)
        if reference in policy.incidents:
            raise DomainError(Text("policy {number} already has an incident {reference}",
                                   number=policy.terms.number, reference=repr(reference)), "reference")
        events = item.get("events")
        if not isinstance(events, list) or not events:
            raise DomainError(Text("must be a non-empty list starting with LeakDiscovered"), "events")
        local: dict[str, str] = {}
        incident: Incident | None = None
        for n, payload in enumerate(events):
            try:
                payload, local_id = _take_local_id(payload, local)
                payload = _resolve_refs(payload, local, incident.version if incident else 0)
                kind, fields = validate_event(payload)
                if incident is None:
                    if kind != "LeakDiscovered":
                        raise DomainError(Text("the first event must be LeakDiscovered"), "type")
                    incident = Incident.open(policy.id, reference, fields, actor, now, day)
                else:
                    incident.record(kind, fields, actor, now, day,
                                    target=self._stored_target(incident, kind, fields))
            except DomainError as exc:
                raise exc.within(f"events[{n}]") from None
            if local_id is not None:
                local[local_id] = event_id(incident.version)
        assert incident is not None
        policy.register_incident(incident.id, reference, now)
        return incident

    def _save_new(self, *aggregates: Any) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise ConcurrentUpdate(
                Text("it was stored meanwhile by someone else (or already exists); nothing was stored"), None
            ) from None

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` again, after a short random pause, while a conflicting
        write (the same version saved by someone else) makes it fail."""
        for n in range(RETRIES):
            try:
                return attempt()
            except IntegrityError:
                time.sleep(random.uniform(0, 0.005 * 2**n))
        raise ConcurrentUpdate(Text("the incident kept changing under {retries} attempts; nothing was stored",
                                    retries=RETRIES), None)

    def _view(self, aggregate: Incident, terms: PolicyTerms, facts: Facts | None = None) -> IncidentView:
        facts = facts or Facts(aggregate.facts())
        return IncidentView(
            id=aggregate.id, policy_id=aggregate.policy_id, policy_number=terms.number,
            reference=aggregate.reference, version=aggregate.version, closed=aggregate.closed,
            discovered_on=facts.discovered_on, accident_date=facts.accident_date,
            accident_estimated=facts.accident_estimated, affected_count=facts.affected_count,
            summary=facts.discovery.data["summary"], terms=terms,
        )


def _debits(policy: Policy, as_of: dt.datetime | None = None) -> list[tuple[str, dt.date, int | None, str]]:
    """The policy's debit events (type, business date, amount, id) that stood at ``as_of``
    (default: now): recorded by then and not voided by then."""
    def stood(d: list[Any]) -> bool:
        voided = policy.voided.get(event_id(d[4]))
        return (dt.datetime.fromisoformat(d[3]) <= as_of
                and (voided is None or dt.datetime.fromisoformat(voided[1]) > as_of))
    rows = policy.live_debits if as_of is None else [d for d in policy.debits if stood(d)]
    return [(d[0], dt.date.fromisoformat(d[1]), d[2], event_id(d[4])) for d in rows]


def cancellation(policy: Policy, as_of: dt.datetime | None = None) -> dt.date | None:
    """When the policy was cancelled from its start (the second failed debit in a row), as its
    debits recorded by ``as_of`` (default: all) tell; None while it stands."""
    if as_of is None:
        on = policy.cancelled_on
        return dt.date.fromisoformat(on) if on else None
    return debit_schedule(policy.terms.start, _debits(policy, as_of)).cancelled_on


def _take_local_id(payload: Any, local: dict[str, str]) -> tuple[Any, str | None]:
    if not isinstance(payload, dict) or "id" not in payload:
        return payload, None
    local_id = payload["id"]
    if not isinstance(local_id, str) or not local_id:
        raise DomainError(Text("must be a non-empty string"), "id")
    if local_id in local:
        raise DomainError(Text("id {local_id} is used twice in this incident", local_id=shown(local_id)), "id")
    return {k: v for k, v in payload.items() if k != "id"}, local_id


def _resolve_refs(payload: Any, local: dict[str, str], version: int) -> Any:
    """File-local ids in ``event`` references become stored ids; a stored-style id
    ``e<n>`` (no file id of that name) names the n-th event of the incident as imported."""
    if not isinstance(payload, dict) or payload.get("type") not in ("EventVoided", "CoverageDecided"):
        return payload
    ref = payload.get("event")
    if isinstance(ref, str) and ref in local:
        return {**payload, "event": local[ref]}
    if isinstance(ref, str) and not (EVENT_ID.fullmatch(ref) and int(ref[1:]) <= version):
        raise DomainError(Text("refers to {ref}, which no earlier event of this incident has as its id",
                               ref=shown(ref)), "event")
    return payload
