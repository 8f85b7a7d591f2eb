"""The one public surface of casemgr: what the CLI, the web app and the workers call.

Every command and query takes the acting user (an ``Actor``) and primitives, and gives
back frozen data — never an aggregate, a repository or a recorder. Every one checks
access (DOMAIN §9): an insured user sees its own business's policies and incidents,
staff their programmes', admins, the system and the console operator all. Anything else
is ``NotFound``, worded exactly as for an id that does not exist. The check reads the
incident's (or policy's) programme and business from the read model — no per-user table.

A write commits to the event store first; catching the read model up is a separate step
after it, whose failure is reported beside the stored result (``view_error``) and never
undoes or blocks the write.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from casemgr.accounts import Accounts, ProgrammeImport, ProgrammeView
from casemgr.application import (
    CaseManager, HistoryRow, Imported, IncidentStatement, IncidentView, IncidentWhatIf, VoidedDebit,
)
from casemgr.clock import Clock, today
from casemgr.errors import DomainError, NotFound, NotPermitted
from casemgr.readmodels.projection import Progress, ReadModel
from casemgr.mail import Mailer, mailer_for
from casemgr.readmodels.queries import DeadlineFilter, DeadlineRow, Page, Queries, Scope
from casemgr.readmodels.work import Planned, WorkTables, versions_text
from casemgr.reminders import Outcome, Reminders, SweepResult, check_day
from casemgr import statements as stored_statements
from casemgr.rules.coverage import Used, statement
from casemgr.rules.facts import Facts
from casemgr.rules.premiums import DebitSchedule, Estimate, estimate, small_programme
from casemgr.settings import Settings
from casemgr.texts import Text
from events.incident import incident_id
from events.policy import PolicyTerms, policy_id
from events.values import Actor

SEES_ALL = ("admin", "system", "operator")


@dataclass(frozen=True)
class Recorded:
    """What a write stored, and whether the read model caught up after it."""

    id: str
    view_error: str | None = None


@dataclass(frozen=True)
class ImportResult:
    policy: uuid.UUID
    incidents: dict[str, uuid.UUID]
    view_error: str | None = None


@dataclass(frozen=True)
class DueReminder:
    """One reminder a sweep would send (DOMAIN §4.2), with whom to."""

    incident: uuid.UUID
    policy_number: str
    reference: str
    programme: str
    business: str
    deadline: str
    claim_ref: str | None
    due: dt.date
    offset_days: int
    status: str
    rule: str
    to: tuple[str, ...]


@dataclass(frozen=True)
class Status:
    events: int  # in the store
    view_lag: int  # events the read model has not reached
    follower_lag: int  # events the outbox follower has not handed on
    stale_statements: int  # policies whose stored statements are behind
    ledger: dict[str, int]  # reminders by state
    failing: list[tuple[Planned, str, str]]  # not delivered, last attempt failed: (reminder, policy number, reference)
    last_sweep: Any
    figures: dict[str, tuple[str, str]]  # what the dispatcher measured: name -> (value, when)


@dataclass(frozen=True)
class PolicyUsage:
    terms: PolicyTerms
    liability_used_yen: int
    expenses_used_yen: int
    incidents: int
    version: int = 0
    debits: DebitSchedule | None = None  # DOMAIN §10: the debits, the next one due, a cancellation
    premium: Estimate | None = None  # the estimate under the programme's table when the policy was issued
    premium_problem: Text | None = None  # why there is no estimate (no table, custom limits, a class it lacks)
    enrolled_businesses: int = 0
    warning: Text | None = None  # the programme-size warning (99 or fewer enrolled businesses)
    debits_tracked: bool = False  # its programme has a premium table, or a debit was recorded
    voided_debits: tuple[VoidedDebit, ...] = ()  # debit events taken back (decision P15)

    @property
    def cancelled_on(self) -> dt.date | None:
        return self.debits.cancelled_on if self.debits else None


@dataclass(frozen=True)
class PremiumQuote:
    """An estimate (DOMAIN §10) and the programme's size, with its warning when small."""

    estimate: Estimate
    enrolled_businesses: int
    warning: Text | None


@dataclass(frozen=True)
class ProgrammeSummary:
    programme: ProgrammeView
    enrolled_businesses: int
    warning: Text | None
    reminder_offsets: tuple[int, ...] = ()  # its own (a programme file's), else the installation's


def scope_of(actor: Actor, programmes: tuple[str, ...] | None = None,
             businesses: tuple[str, ...] | None = None) -> Scope:
    """What ``actor`` may see, narrowed by what it asked for (each code once)."""
    programmes = tuple(dict.fromkeys(programmes)) if programmes is not None else None
    businesses = tuple(dict.fromkeys(businesses)) if businesses is not None else None
    if actor.role == "insured":
        own = (actor.business,) if actor.business else ()
        businesses = own if businesses is None else tuple(b for b in businesses if b in own)
    elif actor.role == "staff":
        own = tuple(sorted(actor.programmes))
        programmes = own if programmes is None else tuple(p for p in programmes if p in own)
    elif actor.role not in SEES_ALL:
        return Scope((), ())
    return Scope(programmes, businesses)


def may_see(actor: Actor, programme: str, business: str) -> bool:
    if actor.role in SEES_ALL:
        return True
    if actor.role == "insured":
        return actor.business is not None and business == actor.business
    if actor.role == "staff":
        return programme in actor.programmes
    return False


class CaseService:
    """Commands and queries for one process, over its application and read model."""

    def __init__(self, app: CaseManager, readmodel: ReadModel, settings: Settings, accounts: Accounts):
        self._app = app
        self._view = readmodel
        self._queries = Queries(readmodel.view)
        self.settings = settings
        self._accounts = accounts
        self._work = WorkTables(readmodel.view)
        self._reminders = Reminders(app, self._queries, self._work, accounts, settings)

    @property
    def clock(self) -> Clock:
        return self._app.clock

    def today(self) -> dt.date:
        return today(self._app.clock)

    # -- naming things ---------------------------------------------------------------------

    def find_incident(self, actor: Actor, ref: str) -> uuid.UUID:
        """The incident ``ref`` names (id or POLICY-NUMBER/REFERENCE), if ``actor`` may see it."""
        incident = self._parse_incident(ref)
        scope = self._queries.incident_scope(incident)
        if scope is None and self._app.has_incident(incident) and self.catch_up_quietly() is None:
            scope = self._queries.incident_scope(incident)  # written just now, not yet in the view
        if scope is None or not may_see(actor, *scope):
            raise NotFound(Text("no incident {ref}", ref=_shown(ref)), "incident")
        return incident

    def find_policy(self, actor: Actor, ref: str) -> uuid.UUID:
        """The policy ``ref`` names (id or number), if ``actor`` may see it."""
        if not isinstance(ref, str) or not ref or len(ref) > 400 or not ref.isprintable() or _unencodable(ref):
            raise NotFound(Text("no policy {ref}", ref=_shown(ref)), "policy")
        try:
            policy = uuid.UUID(ref)
        except ValueError:
            policy = policy_id(ref)
        scope = self._queries.policy_scope(policy)
        if scope is None and self._app.has_policy(policy) and self.catch_up_quietly() is None:
            scope = self._queries.policy_scope(policy)  # written just now, not yet in the view
        if scope is None or not may_see(actor, *scope):
            raise NotFound(Text("no policy {ref}", ref=_shown(ref)), "policy")
        return policy

    @staticmethod
    def _parse_incident(ref: str) -> uuid.UUID:
        if not isinstance(ref, str) or not ref or len(ref) > 400 or not ref.isprintable() or _unencodable(ref):
            raise NotFound(Text("no incident {ref}", ref=_shown(ref)), "incident")
        try:
            return uuid.UUID(ref)
        except ValueError:
            pass
        number, sep, reference = ref.rpartition("/")
        if not sep or not number or not reference:
            raise NotFound(Text("{ref} is neither an incident id nor POLICY-NUMBER/REFERENCE",
                                ref=_shown(ref)), "incident")
        return incident_id(policy_id(number), reference)

    # -- commands ----------------------------------------------------------------------------

    def import_log(self, actor: Actor, log: Any) -> ImportResult:
        """Store an incident log (DOMAIN §8): all of it or nothing. Staff import into their
        own programmes only, and only what staff may record (a policy; incidents open with
        the insured's LeakDiscovered, so a full log is the console operator's); an insured
        user cannot issue a policy, so cannot import."""
        if actor.role not in ("staff", "operator"):
            raise NotPermitted(Text("only insurer staff (or the console operator) import incident logs"), "role")
        if actor.role == "staff" and isinstance(log, dict) and isinstance(log.get("policy"), dict):
            programme = log["policy"].get("programme", "default")
            if programme not in actor.programmes:
                raise NotPermitted(Text("programme {programme} is not one of yours",
                                        programme=_shown(programme)), "policy.programme")
        if isinstance(log, dict) and isinstance(log.get("policy"), dict):
            self._check_number_free_or_visible(actor, log["policy"].get("number"), "policy.number")
        result: Imported = self._app.import_log(log, actor)
        self._ensure_accounts(self._app.policy_terms(result.policy), actor)
        return ImportResult(result.policy, dict(result.incidents), self.catch_up_quietly())

    def issue_policy(self, actor: Actor, payload: Any) -> Recorded:
        if actor.role == "staff" and isinstance(payload, dict) and payload.get("programme", "default") \
                not in actor.programmes:
            raise NotPermitted(Text("programme {programme} is not one of yours",
                                    programme=_shown(payload.get('programme', 'default'))),
                               "programme")
        if isinstance(payload, dict):
            self._check_number_free_or_visible(actor, payload.get("number"), "number")
        policy = self._app.issue_policy(payload, actor)
        self._ensure_accounts(self._app.policy_terms(policy), actor)
        return Recorded(str(policy), self.catch_up_quietly())

    def _check_number_free_or_visible(self, actor: Actor, number: Any, field: str) -> None:
        """A policy number that exists under someone else's programme or business is only
        "taken": nothing about that policy (its terms, its programme) is told."""
        if not isinstance(number, str) or not number or _unencodable(number):
            return  # the terms' own validation names the problem
        scope = self._queries.policy_scope(policy_id(number))
        if scope is not None and not may_see(actor, *scope):
            raise NotPermitted(Text("this policy number is taken; choose another"), field)

    def _ensure_accounts(self, terms: PolicyTerms, actor: Actor) -> None:
        """The policy's programme and business, created on first use (DOMAIN §9)."""
        self._accounts.ensure_programme(terms.programme, actor)
        self._accounts.ensure_business(terms.business, terms.insured.get("name", terms.business),
                                       terms.insured.get("industry", ""), terms.insured.get("annual_revenue_yen", 0),
                                       actor)

    def record_policy_event(self, actor: Actor, policy: str, event: Any) -> Recorded:
        """Record a policy event (DOMAIN §10: ``PremiumDebited``, ``PremiumDebitFailed``; staff of
        the policy's programme, the system or the console operator); its id (``e<n>``)."""
        target = self.find_policy(actor, policy)
        new_id = self._app.record_policy_event(target, event, actor)
        return Recorded(new_id, self.catch_up_quietly())

    def import_programme(self, actor: Actor, payload: Any) -> ProgrammeImport:
        """Create or update a programme from a programme file (DOMAIN §10; admins and the console
        operator): all fields checked first, nothing stored on a refusal, nothing recorded when
        nothing changed."""
        return self._accounts.import_programme(payload, actor)

    def programme(self, actor: Actor, code: str) -> ProgrammeSummary:
        """A programme with its terms and size (its staff, admins and the operator; others: NotFound)."""
        view = self._accounts.programme(code, actor)
        enrolled = self._queries.enrolled_businesses(view.code)
        return ProgrammeSummary(view, enrolled, small_programme(enrolled), self.settings.offsets_for(view.terms))

    def premium_estimate(self, actor: Actor, programme: str, pattern: str, industry: str, revenue_yen: int,
                         pl_insurance: bool = False, applied_on: dt.date | None = None) -> PremiumQuote:
        """The premium estimate of DOMAIN §10 under the programme's current table, with the
        programme-size warning. Its staff, admins, the system and the operator may ask."""
        summary = self.programme(actor, programme)
        terms = summary.programme.terms
        if terms is None:
            raise DomainError(Text("programme {code} has no terms yet: import its programme file "
                                   "(`casemgr programmes import FILE`)", code=summary.programme.code), "programme")
        found = estimate(summary.programme.code, terms, pattern, industry, revenue_yen, pl_insurance, applied_on)
        return PremiumQuote(found, summary.enrolled_businesses, summary.warning)

    def open_incident(self, actor: Actor, policy: str, reference: str, event: Any) -> Recorded:
        target = self.find_policy(actor, policy)
        incident = self._app.open_incident(target, reference, event, actor)
        return Recorded(str(incident), self.catch_up_quietly())

    def record(self, actor: Actor, incident: str, event: Any) -> Recorded:
        """Record one event; its id (``e<n>``)."""
        new_id = self._app.record(self.find_incident(actor, incident), event, actor)
        return Recorded(new_id, self.catch_up_quietly())

    # -- queries -------------------------------------------------------------------------------

    def incident(self, actor: Actor, incident: str, version: int | None = None) -> IncidentView:
        return self._app.incident(self.find_incident(actor, incident), version)

    def statement(self, actor: Actor, incident: str, version: int | None = None) -> IncidentStatement:
        """The statement: as the workers stored it when that is current (read, not computed),
        else computed now. ``computed_at`` says which (None: now)."""
        found = self.find_incident(actor, incident)
        if version is None:
            stored = self._work.stored_statement(str(found))
            # Current when it reflects the versions the read model has of the policy and its
            # incidents (this one's among them): then nothing is loaded or computed.
            if stored is not None and stored["versions"] == self._work.policy_versions(stored["policy_id"]):
                try:
                    result, fields = stored_statements.decode_with_view(stored["body"])
                except (ValueError, KeyError, TypeError):
                    fields = None  # written by another version of casemgr: compute it
                if fields is not None and fields["version"] == stored["version"]:
                    view = IncidentView(**fields, terms=self._app.policy_terms(fields["policy_id"]))
                    return IncidentStatement(view, result, stored["computed_at"])
        return self._app.statement(found, version)

    def whatif(self, actor: Actor, incident: str) -> IncidentWhatIf:
        """DOMAIN §12: the statement under each pattern A–E and the policy's own terms, side by
        side, with the cap that binds each part. Whoever may read the statement; nothing is recorded."""
        return self._app.whatif(self.find_incident(actor, incident))

    def history(self, actor: Actor, incident: str) -> list[HistoryRow]:
        return self._app.history(self.find_incident(actor, incident))

    def export(self, actor: Actor, incident: str) -> dict[str, Any]:
        return self._app.export(self.find_incident(actor, incident))

    def incident_deadlines(self, actor: Actor, incident: str, on: dt.date | None = None) -> list[DeadlineRow]:
        target = self.find_incident(actor, incident)
        return self._queries.incident_deadlines(target, on or self.today())

    def deadlines(self, actor: Actor, on: dt.date | None = None, flt: DeadlineFilter = DeadlineFilter(),
                  programmes: tuple[str, ...] | None = None, businesses: tuple[str, ...] | None = None,
                  per_page: int = 50, cursor: str | None = None) -> Page:
        """The deadline dashboard: overdue first, then by due date; filtered and paged in SQL."""
        return self._queries.deadlines(on or self.today(), scope_of(actor, programmes, businesses), flt,
                                       per_page, cursor)

    def deadline_counts(self, actor: Actor, on: dt.date | None = None, flt: DeadlineFilter = DeadlineFilter(),
                        programmes: tuple[str, ...] | None = None, businesses: tuple[str, ...] | None = None,
                        cap: int | None = None) -> dict[str, int]:
        """Deadlines by status under the filter; with ``cap``, a count above it is ``cap + 1``."""
        return self._queries.deadline_counts(on or self.today(), scope_of(actor, programmes, businesses), flt,
                                             cap=cap)

    def incidents(self, actor: Actor, on: dt.date | None = None, closed: bool | None = None,
                  programmes: tuple[str, ...] | None = None, businesses: tuple[str, ...] | None = None,
                  policy: str | None = None, per_page: int = 50, cursor: str | None = None) -> Page:
        """Incidents newest first, each with its deadlines counted by status."""
        target = self.find_policy(actor, policy) if policy else None
        return self._queries.incidents(on or self.today(), scope_of(actor, programmes, businesses), closed,
                                       target, per_page, cursor)

    def incident_counts(self, actor: Actor, programmes: tuple[str, ...] | None = None,
                        businesses: tuple[str, ...] | None = None) -> dict[str, int]:
        return self._queries.incident_counts(scope_of(actor, programmes, businesses))

    def policies(self, actor: Actor, programmes: tuple[str, ...] | None = None,
                 businesses: tuple[str, ...] | None = None) -> list[dict[str, str]]:
        """The policies ``actor`` may see (at most 500, by number): id, number, programme, business."""
        return self._queries.policies(scope_of(actor, programmes, businesses))

    def policy(self, actor: Actor, policy: str) -> PolicyUsage:
        """A policy's terms and the limits its incidents have used so far (DOMAIN §5: each
        incident, in discovery order, uses up what the earlier ones were payable)."""
        target = self.find_policy(actor, policy)
        terms = self._app.policy_terms(target)
        debits = self._app.policy_debits(target)
        aggregates = [self._app._incident(i) for i in self._app.policy_incidents(target).values()]
        ordered = sorted(((Facts(a.facts()), a) for a in aggregates), key=lambda p: (p[0].discovered_on, p[1].reference))
        used = Used()
        for facts, _ in ordered:
            result = statement(terms, facts, used, debits.schedule.cancelled_on)
            used = used.after(result)
        premium, problem = self._policy_premium(target, terms)
        enrolled = self._queries.enrolled_businesses(terms.programme)
        tracked = bool(debits.schedule.debits) or bool((self._accounts.programme_terms(terms.programme) or {})
                                                        .get("premiums"))
        return PolicyUsage(terms, used.liability_yen, used.expenses_yen, len(aggregates), debits.version,
                           debits.schedule, premium, problem, enrolled, small_programme(enrolled), tracked,
                           debits.voided)

    def _policy_premium(self, policy: uuid.UUID, terms: PolicyTerms) -> tuple[Estimate | None, Text | None]:
        """The estimate for an issued policy under its programme's table as it stood when the
        policy was issued (a later table does not rewrite it), or why there is none."""
        table = self._accounts.programme_terms_as_of(terms.programme, self._app.policy_issued_at(policy))
        if table is None:
            return None, Text("programme {code} had no premium table when the policy was issued",
                              code=terms.programme)
        if terms.pattern is None:
            return None, Text("custom limits: the premium is quoted individually")
        applied = dt.date.fromisoformat(terms.enrolment_applied_on) if terms.enrolment_applied_on else None
        own = {**table, "period_start": terms.programme_start, "period_end": terms.period_end,
               "patterns": sorted(set(table["patterns"]) | {terms.pattern})}
        try:
            return estimate(terms.programme, own, terms.pattern, terms.insured.get("industry", ""),
                            terms.insured.get("annual_revenue_yen", 0), terms.pl_insurance, applied), None
        except DomainError as exc:  # "industry: is not an industry class …", in the reader's language on pages
            return None, Text("{field}: {problem}", field=exc.field, problem=exc.message) if exc.field else exc.message

    def reminders_due(self, actor: Actor, on: dt.date | None = None) -> list[DueReminder]:
        """What a sweep on ``on`` would send now (DOMAIN §4.2), with the recipients; from the
        read model's index, never by loading incidents."""
        if actor.role not in SEES_ALL:
            raise NotPermitted(Text("only the system, admins and the console see every reminder"), "role")
        day = on or self.today()
        due = self._queries.reminder_candidates(day, self.settings.reminder_offsets, self._accounts.reminder_offsets())
        recipients = self._accounts.recipients_of((row.business, row.programme) for row, _ in due)
        return [DueReminder(row.incident, row.policy_number, row.reference, row.programme, row.business,
                            row.deadline, row.claim_ref, row.due, offset, row.status, row.rule,
                            tuple(email for email, _ in recipients[(row.business, row.programme)]))
                for row, offset in due]

    # -- the workers' work (issue 8): statements kept current, reminders delivered once --------

    def _system_only(self, actor: Actor, what: Text) -> None:
        if actor.role not in SEES_ALL:
            raise NotPermitted(Text("only the system, admins and the console {what}", what=what), "role")

    def recompute_statements(self, actor: Actor, policy: str, reached: int = 0) -> int:
        """Compute and store the statement of every incident of a policy (a change to one
        incident can change the others' through the shared aggregate limit); how many were
        stored (a concurrent computation from a later position wins). ``reached``: the store
        position of the change that asked for it — nothing is done when every stored statement
        of the policy reflects that position already (a later task got there first)."""
        self._system_only(actor, Text("recompute statements"))
        if reached and self._work.statements_reach(policy) >= reached:
            return 0
        pid = uuid.UUID(policy)
        position = self.notification_count()  # everything up to here is in what is loaded next
        own, results = self._app.policy_statements(pid)
        versions = versions_text([(str(view.id), view.version) for view, _ in results] + [(policy, own)])
        stamp = self.clock.now().astimezone(dt.timezone.utc).isoformat(timespec="seconds")
        return self._work.store_statements([
            (str(view.id), policy, view.version, versions, position, stamp, stored_statements.encode(s, view))
            for view, s in results])

    def stale_statement_policies(self, actor: Actor, limit: int = 1000) -> list[str]:
        """Policies whose stored statements are missing or behind the read model."""
        self._system_only(actor, Text("look for stale statements"))
        return self._work.stale_policies(limit)

    def changed_policies(self, actor: Actor, after: int, limit: int = 1000) -> tuple[int, set[str]]:
        """The policies whose incidents (or terms) changed in the events after position
        ``after``: (the position reached, their ids). The outbox follower's read."""
        self._system_only(actor, Text("follow the event store"))
        notifications = self._app.recorder.select_notifications(start=after + 1, limit=limit)
        if not notifications:
            return after, set()
        ids = {n.originator_id for n in notifications}
        policy_of = self._work.policies_of([str(i) for i in ids])
        policies = set()
        for originator in ids:
            key = str(originator)
            if key in policy_of:
                policies.add(policy_of[key])
            elif self._app.has_policy(originator):
                policies.add(key)
            elif self._app.has_incident(originator):
                policies.add(str(self._app.incident(originator).policy_id))
        return notifications[-1].id, policies

    def wait_for_events(self, after: int, timeout: float = 1.0) -> bool:
        """Block until an event after position ``after`` is recorded (or ``timeout``)."""
        return self._view.wait_for_events(after, timeout)

    def follower_position(self, name: str = "casemgr.follower") -> int:
        return self._view.view.max_tracking_id(name) or 0

    def advance_follower(self, position: int, name: str = "casemgr.follower") -> None:
        """Record that everything up to ``position`` was handed on (a position twice is refused
        by the tracking table, so two followers cannot both claim one stretch)."""
        self._view.track(name, position)

    def sweep(self, actor: Actor, day: dt.date | None = None) -> SweepResult:
        """Plan the reminders due on ``day`` (default today) into the delivery ledger."""
        self._system_only(actor, Text("sweep reminders"))
        if day is not None:
            check_day(day, self.today())
        return self._reminders.sweep(day)

    def scheduled_sweep(self, actor: Actor) -> SweepResult | None:
        """Today's scheduled sweep, if its time (``CASEMGR_SWEEP_AT`` JST) has come and it has not run."""
        self._system_only(actor, Text("sweep reminders"))
        day = self._reminders.scheduled_sweep_due()
        if day is None:
            return None
        result = self._reminders.sweep(day)
        self._work.finish_sweep(day, self._reminders._stamp(), len(result.planned))  # noqa: SLF001
        return result

    def deliver_reminder(self, actor: Actor, key: str, mailer: Mailer | None = None,
                         day: dt.date | None = None) -> Outcome:
        """Send one planned reminder and record it, exactly once (see casemgr.reminders)."""
        self._system_only(actor, Text("send reminders"))
        return self._reminders.deliver(key, mailer or mailer_for(self.settings), day)

    def queue_reminders(self, actor: Actor, keys: list[str]) -> list[str]:
        """Note that tasks are being sent for these reminders (see casemgr.readmodels.work);
        the ones to send a task for."""
        self._system_only(actor, Text("send reminders"))
        return self._work.mark_queued(keys, self._reminders.wall(), self.settings.lease_seconds,
                                      self._reminders._stamp())  # noqa: SLF001

    def reminder(self, actor: Actor, key: str) -> Planned | None:
        self._system_only(actor, Text("see the delivery ledger"))
        return self._work.get(key)

    def owed_reminders(self, actor: Actor, limit: int = 1000) -> list[str]:
        """Planned reminders not delivered whose back-off or lease has run out."""
        self._system_only(actor, Text("see the delivery ledger"))
        return self._work.owed(self._reminders.wall(), limit)

    def notifications(self, actor: Actor, limit: int = 50) -> list[tuple[Planned, str, str]]:
        """The reminders sent about the incidents ``actor`` may see, newest first: (reminder,
        policy number, reference)."""
        scope = scope_of(actor)
        return self._work.sent_in_scope(scope.programmes, scope.businesses, limit)

    def put_status(self, actor: Actor, name: str, value: str) -> None:
        self._system_only(actor, Text("report status"))
        self._work.put_status(name, value, self._reminders._stamp())  # noqa: SLF001

    def status(self, actor: Actor) -> "Status":
        """How the workers are doing: what ``casemgr status`` and the staff status page show."""
        if actor.role not in SEES_ALL + ("staff",):
            raise NotPermitted(Text("only staff, admins and the console see the workers' status"), "role")
        stored = self.notification_count()
        figures = self._work.get_status()
        scope = scope_of(actor)
        return Status(
            events=stored, view_lag=self.view_lag(), follower_lag=max(0, stored - self.follower_position()),
            stale_statements=len(self._work.stale_policies(10_000)), ledger=self._work.counts(),
            failing=self._work.failing(scope.programmes, scope.businesses), last_sweep=self._work.last_sweep(), figures=figures,
        )

    # -- the read model ----------------------------------------------------------------------------

    def catch_up(self, progress: Progress | None = None) -> int:
        return self._view.catch_up(progress=progress)

    def catch_up_quietly(self) -> str | None:
        """Catch the read model up after a write; what went wrong, or None. Never raises:
        the write is stored whatever happens here."""
        try:
            self._view.catch_up()
        except Exception as exc:  # noqa: BLE001 — reported to the caller, the write stands
            return f"{type(exc).__name__}: {_shown(str(exc), 200)}"
        return None

    def rebuild_read_model(self, actor: Actor, progress: Progress | None = None) -> int:
        """Rebuild the read model beside the old one, then swap (the operator's or an admin's)."""
        if actor.role not in ("operator", "admin"):
            raise NotPermitted(Text("only the console operator or an admin rebuilds the read model"), "role")
        return self._view.rebuild(progress=progress)

    def view_lag(self) -> int:
        return self._view.lag

    def notification_count(self) -> int:
        return self._app.recorder.max_notification_id() or 0

    @contextmanager
    def following(self) -> Iterator[None]:
        """Keep the read model current in the background while the block runs."""
        with self._view.follow():
            yield


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from undecodable bytes on the command line
        return True
    return False


def _shown(value: Any, limit: int = 80) -> str:
    """Input echoed in a message: escaped (one line) and truncated."""
    text = repr(value) if not isinstance(value, str) else value.encode("unicode_escape", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "…"
