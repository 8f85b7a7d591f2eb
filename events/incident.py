"""One leak = one incident = one event stream (DOMAIN §3).

The aggregate guards: it refuses what can never be true (an unknown claim, a
second resolution, voiding the discovery, a role recording what it may not)
before any event is triggered, so a refused command records nothing. What the
policy pays and when things are due are computed elsewhere (casemgr.rules),
from the facts this aggregate keeps.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import uuid
from typing import Any, NamedTuple

from eventsourcing.domain import Aggregate

from events.errors import AlreadySent, DomainError, NotPermitted
from events.texts import Text
from events.values import LIABILITY_ONLY_REASONS, RECORDED_BY, Actor, name_problem, shown

# ExclusionApplied scopes other than a claim_ref (so no claim may be called so).
PART_SCOPES = ("incident", "liability", "expenses")
# What may still be recorded while an incident is closed.
WHILE_CLOSED = {"IncidentReopened", "NoteAdded", "InsurerPaid", "ReminderSent"}
STAFF_DECISIONS = {"SettlementConsentGiven", "SettlementConsentRefused", "ExclusionApplied", "CoverageDecided"}
# Notices that meet deadlines counted from the discovery, so cannot precede it (one dated
# before would show the deadline met). Costs and claims may: the statement judges their
# dates (a cost before the accident date counts 0, with its rule).
AFTER_DISCOVERY = {"InsurerNotified", "RegulatorReported"}
EVENT_ID = re.compile(r"e[1-9][0-9]{0,17}", re.ASCII)  # e<version>: ASCII digits, no leading zero


class Fact(NamedTuple):
    """One live (not voided) event, as the rules read it."""

    id: str
    type: str
    on: dt.date
    at: str | None
    by: str
    role: str
    data: dict[str, Any]


def event_id(version: int) -> str:
    return f"e{version}"


def incident_id(policy_id: uuid.UUID, reference: str) -> uuid.UUID:
    """Incident ids derive from policy and reference: a reference is used once per policy."""
    return uuid.uuid5(policy_id, f"incident:{reference}")


class Incident(Aggregate):
    """The history of one leak, kept compact so that snapshots stay small.

    ``entries["e<v>"]`` holds each fact the rules read (every event but notes,
    reminders, voidings, closing and reopening) as
    ``[type, on, at, by, role, data, voided_by_version]``. Notes are not kept
    at all (to void one, the caller passes the stored note: see ``record``),
    so an incident's state, and its snapshot, grows with its facts and not
    with its notes and reminders. The full history is the event stream itself."""

    class Recorded(Aggregate.Event):
        """Base of every incident event: business date, note and actor."""

        on: str
        at: str | None
        note: str | None
        by: str
        role: str
        data: dict[str, Any]

        def apply(self, aggregate: "Incident") -> None:
            aggregate._apply(self)

    class LeakDiscovered(Aggregate.Created, Recorded):
        policy_id: uuid.UUID
        reference: str

    class DiscoveryCorrected(Recorded):
        """A later LeakDiscovered (public type ``LeakDiscovered``): it stands over the earlier one."""

    class LeakOccurred(Recorded): ...
    class AffectedCountRevised(Recorded): ...
    class InsurerNotified(Recorded): ...
    class Publicized(Recorded): ...
    class RegulatorReported(Recorded): ...
    class IndividualsNotified(Recorded): ...
    class ApologyAdPublished(Recorded): ...
    class PressConferenceHeld(Recorded): ...
    class CallCenterOperated(Recorded): ...
    class CondolenceSent(Recorded): ...
    class ExpensePaid(Recorded): ...
    class ClaimReceived(Recorded): ...
    class DefenceCostPaid(Recorded): ...
    class SettlementConsentRequested(Recorded): ...
    class SettlementConsentGiven(Recorded): ...
    class SettlementConsentRefused(Recorded): ...
    class ClaimResolved(Recorded): ...
    class ExpensesFinalized(Recorded): ...
    class InsuranceClaimFiled(Recorded): ...
    class ExclusionApplied(Recorded): ...
    class CoverageDecided(Recorded): ...
    class InsurerPaid(Recorded): ...
    class IncidentClosed(Recorded): ...
    class IncidentReopened(Recorded): ...
    class NoteAdded(Recorded): ...
    class EventVoided(Recorded): ...
    class ReminderSent(Recorded): ...
    class OtherInsuranceDeclared(Recorded): ...

    def __init__(self, policy_id: uuid.UUID, reference: str):
        self.policy_id = policy_id
        self.reference = reference
        self.entries: dict[str, list[Any]] = {}
        self.voided: dict[str, str] = {}  # voided event id -> id of the voiding
        self.discovery = "e1"  # the LeakDiscovered that stands (the latest live one)
        self.closed = False
        self.claims: dict[str, int] = {}  # live ClaimReceived: claim_ref -> version
        self.resolved: dict[str, int] = {}  # live ClaimResolved: claim_ref -> version
        self.reminders: dict[str, int] = {}  # reminder_key(...) -> version

    def __deepcopy__(self, memo: dict[int, Any]) -> "Incident":
        """A copy that shares the (never mutated) event data; only the entry
        lists and the indexes are copied. The library copies an aggregate out
        of its cache for every command, so this keeps a command O(facts) cheap."""
        clone = copy.copy(self)
        clone.entries = {k: list(v) for k, v in self.entries.items()}
        clone.claims, clone.resolved = dict(self.claims), dict(self.resolved)
        clone.reminders, clone.voided = dict(self.reminders), dict(self.voided)
        clone._pending_events = []
        return clone

    # -- commands -------------------------------------------------------------

    @classmethod
    def open(
        cls, policy_id: uuid.UUID, reference: str, fields: dict[str, Any], actor: Actor,
        timestamp: dt.datetime, today: dt.date,
    ) -> "Incident":
        _check_role("LeakDiscovered", actor)
        _check_not_future(fields["on"], today)
        check_reference(reference)
        return cls._create(
            cls.LeakDiscovered, id=incident_id(policy_id, reference), policy_id=policy_id,
            reference=reference, by=actor.user, role=actor.role, timestamp=timestamp, **fields,
        )

    def record(
        self, kind: str, fields: dict[str, Any], actor: Actor, timestamp: dt.datetime,
        today: dt.date, target: "Recorded | None" = None,
    ) -> str:
        """Record one validated event (see events.values.validate_event); its id.

        To void an event this state does not keep (a note), pass that stored
        event as ``target``."""
        _check_role(kind, actor)
        _check_not_future(fields["on"], today)
        if self.closed and kind not in WHILE_CLOSED:
            raise DomainError(Text("the incident is closed; staff must reopen it first"), "type")
        discovered = self.entries[self.discovery][1]
        if kind in AFTER_DISCOVERY and fields["on"] < discovered:
            raise DomainError(Text("{on} is before the leak was discovered ({discovered})",
                                   on=fields["on"], discovered=discovered), f"{kind}.on")
        if kind == "EventVoided":
            self._check_EventVoided(fields, actor, target)
        elif hasattr(self, f"_check_{kind}"):
            getattr(self, f"_check_{kind}")(fields, actor)
        event_class = self.DiscoveryCorrected if kind == "LeakDiscovered" else getattr(self, kind)
        self.trigger_event(event_class, by=actor.user, role=actor.role, timestamp=timestamp, **fields)
        return event_id(self.version)

    # -- guards (one per event type that needs more than its own fields) -------

    def _check_LeakDiscovered(self, fields: dict[str, Any], actor: Actor) -> None:
        occurred = [e for e in self.entries.values() if e[0] == "LeakOccurred" and e[6] is None]
        if occurred and occurred[-1][1] > fields["on"]:
            raise DomainError(
                Text("the leak occurred {occurred}, after this discovery date; correct that first",
                     occurred=occurred[-1][1]),
                "LeakDiscovered.on",
            )
        self._check_follows_discovery(fields["on"], "LeakDiscovered.on")

    def _check_follows_discovery(self, discovered: str, field: str) -> None:
        """Refuse a discovery date (a correction, or the one a voiding would bring
        back) that a live notice which must follow the discovery is dated before."""
        early = [i for i, e in self.entries.items() if e[6] is None and e[0] in AFTER_DISCOVERY and e[1] < discovered]
        if early:
            first = self.entries[early[0]]
            raise DomainError(
                Text("{event} ({type}, {on}) would come before the discovery {discovered}; void or correct it first",
                     event=early[0], type=first[0], on=first[1], discovered=discovered),
                field,
            )

    def _check_LeakOccurred(self, fields: dict[str, Any], actor: Actor) -> None:
        discovered = self.entries[self.discovery][1]
        if fields["on"] > discovered:
            raise DomainError(
                Text("the leak cannot occur after it was discovered ({discovered})",
                     discovered=discovered), "LeakOccurred.on"
            )

    def _check_ClaimReceived(self, fields: dict[str, Any], actor: Actor) -> None:
        ref = fields["data"]["claim_ref"]
        if ref in PART_SCOPES:
            raise DomainError(Text("{ref} names an exclusion scope; choose another claim_ref",
                                   ref=repr(ref)), "ClaimReceived.claim_ref")
        if ref in self.claims:
            raise DomainError(Text("claim {ref} was already received ({event})",
                                   ref=repr(ref), event=event_id(self.claims[ref])), "ClaimReceived.claim_ref")

    def _check_about_claim(self, kind: str, fields: dict[str, Any]) -> None:
        ref = fields["data"]["claim_ref"]
        if ref not in self.claims:
            raise DomainError(Text("no claim {ref} has been received", ref=repr(ref)), f"{kind}.claim_ref")
        received_on = self.entries[event_id(self.claims[ref])][1]
        if fields["on"] < received_on:
            raise DomainError(Text("is before claim {ref} was received ({received_on})",
                                   ref=repr(ref), received_on=received_on), f"{kind}.on")

    def _check_DefenceCostPaid(self, fields: dict[str, Any], actor: Actor) -> None:
        self._check_about_claim("DefenceCostPaid", fields)

    def _check_SettlementConsentRequested(self, fields: dict[str, Any], actor: Actor) -> None:
        self._check_about_claim("SettlementConsentRequested", fields)

    def _check_consent(self, kind: str, fields: dict[str, Any]) -> None:
        self._check_about_claim(kind, fields)
        ref = fields["data"]["claim_ref"]
        if not any(f.type == "SettlementConsentRequested" and f.data["claim_ref"] == ref for f in self.facts()):
            raise DomainError(Text("no settlement consent was requested for claim {ref}",
                                   ref=repr(ref)), f"{kind}.claim_ref")

    def _check_SettlementConsentGiven(self, fields: dict[str, Any], actor: Actor) -> None:
        self._check_consent("SettlementConsentGiven", fields)

    def _check_SettlementConsentRefused(self, fields: dict[str, Any], actor: Actor) -> None:
        self._check_consent("SettlementConsentRefused", fields)

    def _check_ClaimResolved(self, fields: dict[str, Any], actor: Actor) -> None:
        self._check_about_claim("ClaimResolved", fields)
        ref = fields["data"]["claim_ref"]
        if ref in self.resolved:
            raise DomainError(
                Text("claim {ref} is already resolved ({event}); void that first",
                     ref=repr(ref), event=event_id(self.resolved[ref])),
                "ClaimResolved.claim_ref",
            )

    def _check_ExclusionApplied(self, fields: dict[str, Any], actor: Actor) -> None:
        scope, reason = fields["data"]["scope"], fields["data"]["reason"]
        if scope not in PART_SCOPES and scope not in self.claims:
            raise DomainError(
                Text("must be incident, liability, expenses or a received claim_ref (got {scope})", scope=repr(scope)),
                "ExclusionApplied.scope",
            )
        if reason in LIABILITY_ONLY_REASONS and scope in ("incident", "expenses"):
            raise DomainError(
                Text("{reason} excludes the liability part only: use scope liability or a claim_ref", reason=reason),
                "ExclusionApplied.scope",
            )

    def _check_CoverageDecided(self, fields: dict[str, Any], actor: Actor) -> None:
        target = self._live_entry(fields["data"]["event"], "CoverageDecided.event")
        if target[0] != "ExpensePaid" or target[5]["category"] != "other":
            raise DomainError(Text("coverage is decided only on an ExpensePaid of category other"),
                              "CoverageDecided.event")

    def _check_OtherInsuranceDeclared(self, fields: dict[str, Any], actor: Actor) -> None:
        """One declaration per other policy and part (DOMAIN §5.4): a second would count it twice."""
        data = fields["data"]
        same = [i for i, e in self.entries.items() if e[0] == "OtherInsuranceDeclared" and e[6] is None
                and e[5]["insurer"] == data["insurer"] and e[5]["part"] == data["part"]]
        if same:
            raise DomainError(Text("{insurer} is already declared for the {part} part ({event}); "
                                   "void that first to correct it",
                                   insurer=shown(data["insurer"]), part=data["part"], event=same[0]),
                              "OtherInsuranceDeclared.insurer")

    def _check_IncidentClosed(self, fields: dict[str, Any], actor: Actor) -> None:
        pass  # a closed incident refuses a second closing above (WHILE_CLOSED)

    def _check_IncidentReopened(self, fields: dict[str, Any], actor: Actor) -> None:
        if not self.closed:
            raise DomainError(Text("the incident is not closed"), "type")

    def _check_ReminderSent(self, fields: dict[str, Any], actor: Actor) -> None:
        data = fields["data"]
        deadline, claim = data["deadline"], data["claim_ref"]
        if deadline == "premium_debit":
            raise DomainError(Text("premium_debit is a deadline of the policy, not of an incident"),
                              "ReminderSent.deadline")
        if deadline == "claim_filing_liability" and claim not in self.resolved:
            raise DomainError(Text("names no resolved claim (got {claim})",
                                   claim=repr(claim)), "ReminderSent.claim_ref")
        if deadline != "claim_filing_liability" and claim is not None:
            raise DomainError(Text("{deadline} is not a per-claim deadline: leave claim_ref out",
                                   deadline=deadline), "ReminderSent.claim_ref")
        key = reminder_key(deadline, claim, data["due"], data["offset_days"])
        if key in self.reminders:
            raise AlreadySent(Text("this reminder was already sent ({event})",
                                   event=event_id(self.reminders[key])), "ReminderSent")

    def _check_EventVoided(self, fields: dict[str, Any], actor: Actor, stored: Any) -> None:
        ref = fields["data"]["event"]
        target = self._live_entry(ref, "EventVoided.event", stored)
        kind, _, _, by, role = target[:5]
        if ref == "e1":
            raise DomainError(
                Text("the LeakDiscovered that opened the incident cannot be voided; "
                "record a corrected LeakDiscovered instead (the latest one stands)"),
                "EventVoided.event",
            )
        if actor.role == "insured":
            if role != "insured" or by != actor.user:
                raise NotPermitted(Text("an insured user may void only events they recorded"), "EventVoided.event")
            if self._decided(ref, target):
                raise NotPermitted(Text("staff have decided on this event; ask them to void it"), "EventVoided.event")
        if kind == "LeakDiscovered":
            standing = [e for i, e in self.entries.items() if e[0] == kind and e[6] is None and i != ref]
            self._check_follows_discovery(standing[-1][1], "EventVoided.event")
        if kind == "ClaimReceived":
            claim = target[5]["claim_ref"]
            users = [f.id for f in self.facts() if f.type != "ClaimReceived" and claim in (f.data.get("claim_ref"), f.data.get("scope"))]
            if users:
                raise DomainError(
                    Text("events about claim {claim} are still live ({events}); void them first",
                         claim=repr(claim), events=", ".join(users)),
                    "EventVoided.event",
                )

    # -- state ----------------------------------------------------------------

    def _apply(self, event: "Incident.Recorded") -> None:
        kind, data = public_type(event), event.data
        eid = event_id(event.originator_version)
        if kind == "NoteAdded":
            pass  # its text and author stay in the event; see record(target=...)
        elif kind == "EventVoided":
            self._void(data["event"], eid)
        elif kind == "IncidentClosed":
            self.closed = True
        elif kind == "IncidentReopened":
            self.closed = False
        elif kind == "ReminderSent":
            key = reminder_key(data["deadline"], data["claim_ref"], data.get("due", ""), data["offset_days"])
            self.reminders[key] = event.originator_version
        else:
            self.entries[eid] = [kind, event.on, event.at, event.by, event.role, data, None]
            if kind == "LeakDiscovered":
                self.discovery = eid
            elif kind == "ClaimReceived":
                self.claims[data["claim_ref"]] = event.originator_version
            elif kind == "ClaimResolved":
                self.resolved[data["claim_ref"]] = event.originator_version

    def _void(self, target_id: str, by_id: str) -> None:
        self.voided[target_id] = by_id
        target = self.entries.get(target_id)
        if target is None:  # a note
            return
        target[6] = _version_of(by_id)
        kind, data = target[0], target[5]
        if kind == "LeakDiscovered":
            self.discovery = [i for i, e in self.entries.items() if e[0] == kind and e[6] is None][-1]
        elif kind == "ClaimReceived":
            del self.claims[data["claim_ref"]]
        elif kind == "ClaimResolved":
            del self.resolved[data["claim_ref"]]

    def _live_entry(self, ref: Any, field: str, stored: Any = None) -> list[Any]:
        version = _version_of(ref)
        if version is None or not 1 <= version <= self.version:
            raise DomainError(Text("no event {ref} in this incident", ref=repr(ref)), field)
        if ref in self.voided:
            raise DomainError(Text("event {ref} was already voided by {by}", ref=ref, by=self.voided[ref]), field)
        if ref not in self.entries and stored is not None and stored.originator_version == version \
                and public_type(stored) == "NoteAdded":
            return ["NoteAdded", stored.on, stored.at, stored.by, stored.role, {}, None]
        if ref not in self.entries:
            raise DomainError(
                Text("event {ref} cannot be voided or decided on (a voiding, reminder, closing or reopening)",
                     ref=ref), field
            )
        return self.entries[ref]

    def stored_id_needed(self, kind: str, fields: dict[str, Any]) -> int | None:
        """The version of the stored event ``record`` needs as ``target``, if any."""
        if kind != "EventVoided" or fields["data"]["event"] in self.entries:
            return None
        version = _version_of(fields["data"]["event"])
        return version if version is not None and 1 <= version <= self.version else None

    def _decided(self, ref: str, target: list[Any]) -> bool:
        claim = target[5].get("claim_ref") if target[0] != "NoteAdded" else None
        for f in self.facts():
            if f.type == "CoverageDecided" and f.data["event"] == ref:
                return True
            if claim and f.type in STAFF_DECISIONS and claim in (f.data.get("claim_ref"), f.data.get("scope")):
                return True
        return False

    def facts(self) -> list[Fact]:
        """The live events (not voided, voidings left out), in recording order."""
        return [
            Fact(i, e[0], dt.date.fromisoformat(e[1]), e[2], e[3], e[4], e[5])
            for i, e in self.entries.items()
            if e[6] is None
        ]



def check_reference(reference: Any) -> None:
    """An incident reference: a short name without "/" (it names the incident as POLICY/REFERENCE)."""
    if not isinstance(reference, str) or not 1 <= len(reference) <= 100:
        raise DomainError(Text("must be a string of 1 to 100 characters"), "reference")
    problem = name_problem(reference)
    if problem:
        raise DomainError(problem, "reference")
    if "/" in reference:
        raise DomainError(Text("{reference} contains '/', which separates policy and reference",
                               reference=shown(reference)), "reference")


def public_type(event: Any) -> str:
    """The event's name in the public vocabulary (DOMAIN §3.1)."""
    name = type(event).__name__
    return "LeakDiscovered" if name == "DiscoveryCorrected" else name


def reminder_key(deadline: str, claim_ref: str | None, due: str, offset_days: int) -> str:
    """One reminder of DOMAIN §4.2: (deadline, claim_ref, due date, offset); sent once."""
    return f"{deadline}|{claim_ref or ''}|{due}|{offset_days}"


def parse_reminder_key(key: str) -> tuple[str, str, str, int]:
    deadline, rest = key.split("|", 1)  # a claim_ref may itself hold "|"
    claim_ref, due, offset = rest.rsplit("|", 2)
    return deadline, claim_ref, due, int(offset)


def _version_of(ref: Any) -> int | None:
    if isinstance(ref, str) and EVENT_ID.fullmatch(ref):
        return int(ref[1:])
    return None


def _check_role(kind: str, actor: Actor) -> None:
    if actor.role != "operator" and actor.role not in RECORDED_BY[kind]:
        allowed = " or ".join(sorted(RECORDED_BY[kind]))
        raise NotPermitted(Text("{kind} is recorded by {allowed}, not by {role}",
                                kind=kind, allowed=allowed, role=actor.role), "type")


def _check_not_future(on: str, today: dt.date) -> None:
    if on > today.isoformat():
        raise DomainError(Text("{on} is in the future (today is {today})", on=on, today=today), "on")
