"""The policy (加入者証): its terms (DOMAIN §2) and the incidents opened under it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from eventsourcing.domain import Aggregate
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from events.errors import AlreadySent, DomainError, NotPermitted
from events.texts import Text
from events.values import (
    JST, Actor, Address, EventFields, EventVoided, IsoDate, IsoInstant, Name, NameOrBlank, Yen, error_from_validation,
    shown,
)

NAMESPACE = uuid.UUID("5a1d3e0c-6c1b-4c43-9a57-0c2f3a8f0b11")

# Pattern presets of seed 001: liability limit, third-party sublimit, expense limit.
PATTERNS: dict[str, tuple[int, int, int]] = {
    "A": (10_000_000, 1_000_000, 1_000_000),
    "B": (30_000_000, 3_000_000, 3_000_000),
    "C": (50_000_000, 5_000_000, 5_000_000),
    "D": (100_000_000, 10_000_000, 10_000_000),
    "E": (300_000_000, 30_000_000, 30_000_000),
}
RIDERS = ("network", "credit_card")
DEFAULT_PROGRAMME = "default"


class InsuredInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Name | None = None  # the business's member code (DOMAIN §9); default: the policy number
    name: Name
    industry: NameOrBlank = ""
    annual_revenue_yen: Yen = 0


class PolicyInput(BaseModel):
    """The policy's terms (DOMAIN §2): the ``policy`` object of an incident log."""

    model_config = ConfigDict(extra="forbid")
    number: Name
    programme: Name = DEFAULT_PROGRAMME
    insured: InsuredInput
    pattern: Literal[tuple(PATTERNS)] | None = None
    period_start: IsoInstant
    period_end: IsoInstant
    initial_inception: IsoInstant | None = None
    enrolment_applied_on: IsoDate | None = None
    liability_limit_yen: Yen | None = None
    third_party_sublimit_yen: Yen | None = None
    expense_limit_yen: Yen | None = None
    deductible_yen: Yen = 100_000
    expense_coinsurance_pct: Annotated[StrictInt, Field(ge=0, le=100)] = 90
    riders: list[Literal[RIDERS]] = []
    pl_insurance: StrictBool = False
    insurer_notice_days: Annotated[StrictInt, Field(ge=0, le=365)] = 5


@dataclass(frozen=True)
class PolicyTerms:
    """The terms the rules read. Instants are ISO strings with offset."""

    number: str
    insured: dict[str, Any]
    pattern: str | None
    period_start: str  # the programme period (or the mid-term coverage start)
    period_end: str
    initial_inception: str
    liability_limit_yen: int
    third_party_sublimit_yen: int
    expense_limit_yen: int
    deductible_yen: int
    expense_coinsurance_pct: int
    riders: tuple[str, ...]
    pl_insurance: bool
    insurer_notice_days: int
    programme_start: str
    enrolment_applied_on: str | None
    programme: str = DEFAULT_PROGRAMME  # the programme's code (DOMAIN §9)
    business: str = ""  # the insured business's member code; the policy number when none was given

    def __post_init__(self) -> None:
        if not self.business:
            object.__setattr__(self, "business", self.number)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.period_start)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.period_end)

    @property
    def inception(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.initial_inception)

    def to_log(self) -> dict[str, Any]:
        """The ``policy`` object of an incident log, re-importable."""
        out: dict[str, Any] = {
            "number": self.number,
            "programme": self.programme,
            "insured": {"code": self.business, **self.insured},
            "pattern": self.pattern,
            "period_start": self.programme_start,
            "period_end": self.period_end,
            "initial_inception": self.initial_inception,
            "enrolment_applied_on": self.enrolment_applied_on,
            "liability_limit_yen": self.liability_limit_yen,
            "third_party_sublimit_yen": self.third_party_sublimit_yen,
            "expense_limit_yen": self.expense_limit_yen,
            "deductible_yen": self.deductible_yen,
            "expense_coinsurance_pct": self.expense_coinsurance_pct,
            "riders": list(self.riders),
            "pl_insurance": self.pl_insurance,
            "insurer_notice_days": self.insurer_notice_days,
        }
        return {k: v for k, v in out.items() if v is not None}


def mid_term_start(applied_on: dt.date) -> dt.datetime:
    """Coverage of a mid-term enrolment: 00:00 JST on the 1st of the second month after."""
    month = applied_on.month + 2
    year = applied_on.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.datetime(year, month, 1, tzinfo=JST)


def parse_terms(payload: Any) -> PolicyTerms:
    """Validate a policy object, fill presets and defaults, check consistency."""
    if not isinstance(payload, dict):
        raise DomainError(Text("must be a JSON object"), "policy")
    try:
        given = PolicyInput.model_validate(payload)
    except ValidationError as exc:
        raise error_from_validation(exc, "policy") from None

    preset = PATTERNS.get(given.pattern or "")
    liability = given.liability_limit_yen if given.liability_limit_yen is not None else (
        preset[0] if preset else None
    )
    expense = given.expense_limit_yen if given.expense_limit_yen is not None else (
        preset[2] if preset else None
    )
    if liability is None:
        raise DomainError(Text("is required when no pattern is given"), "policy.liability_limit_yen")
    if expense is None:
        raise DomainError(Text("is required when no pattern is given"), "policy.expense_limit_yen")
    sublimit = given.third_party_sublimit_yen
    if sublimit is None:
        sublimit = preset[1] if preset and given.expense_limit_yen is None else expense
    if sublimit > liability:
        raise DomainError(
            Text("{sublimit:,} exceeds the liability limit {liability:,}", sublimit=sublimit, liability=liability),
            "policy.third_party_sublimit_yen",
        )

    programme_start = dt.datetime.fromisoformat(given.period_start)
    end = dt.datetime.fromisoformat(given.period_end)
    if end <= programme_start:
        raise DomainError(Text("must be after period_start"), "policy.period_end")
    start = programme_start
    if given.enrolment_applied_on is not None:
        start = mid_term_start(dt.date.fromisoformat(given.enrolment_applied_on))
        if start <= programme_start:
            raise DomainError(
                Text("a mid-term enrolment must start after the programme starts; "
                     "enrol in the programme itself instead"),
                "policy.enrolment_applied_on",
            )
        if start >= end:
            raise DomainError(
                Text("coverage would start {start}, at or after the period ends", start=start.date()),
                "policy.enrolment_applied_on",
            )
    inception = dt.datetime.fromisoformat(given.initial_inception) if given.initial_inception else start
    if inception > start:
        raise DomainError(Text("cannot be after the period starts"), "policy.initial_inception")

    return PolicyTerms(
        number=given.number,
        insured=given.insured.model_dump(exclude={"code"}),
        pattern=given.pattern,
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        initial_inception=inception.isoformat(),
        liability_limit_yen=liability,
        third_party_sublimit_yen=sublimit,
        expense_limit_yen=expense,
        deductible_yen=given.deductible_yen,
        expense_coinsurance_pct=given.expense_coinsurance_pct,
        riders=tuple(sorted(set(given.riders))),
        pl_insurance=given.pl_insurance,
        insurer_notice_days=given.insurer_notice_days,
        programme_start=programme_start.isoformat(),
        enrolment_applied_on=given.enrolment_applied_on,
        programme=given.programme,
        business=given.insured.code or given.number,
    )


# -- the policy's own events (DOMAIN §10): premium debits, and reminders of the next debit -----

POLICY_DEADLINE = "premium_debit"  # the one deadline of a policy itself (see casemgr.rules.premiums)


class PremiumDebited(EventFields):
    amount_yen: Annotated[StrictInt, Field(ge=1, le=10**15)]  # a debit of 0 yen debits nothing


class PremiumDebitFailed(EventFields):
    pass


class PolicyReminderSent(EventFields):
    deadline: Literal[POLICY_DEADLINE]
    due: IsoDate
    offset_days: Annotated[StrictInt, Field(ge=-1, le=365)]
    to: Annotated[list[Address], Field(min_length=1, max_length=200)]
    message_id: Annotated[StrictStr, Field(min_length=3, max_length=250, pattern=r"^<[!-~]+@[!-~]+>$")]


POLICY_SCHEMAS: dict[str, type[EventFields]] = {
    "PremiumDebited": PremiumDebited, "PremiumDebitFailed": PremiumDebitFailed, "EventVoided": EventVoided,
    "ReminderSent": PolicyReminderSent,
}
# What staff record (`casemgr policy record`): a debit, a failed debit, or the voiding of one.
POLICY_EVENT_TYPES = ("PremiumDebited", "PremiumDebitFailed", "EventVoided")
DEBIT_TYPES = ("PremiumDebited", "PremiumDebitFailed")
POLICY_RECORDED_BY = {
    "PremiumDebited": frozenset({"staff", "system"}),
    "PremiumDebitFailed": frozenset({"staff", "system"}),
    "EventVoided": frozenset({"staff", "system"}),
    "ReminderSent": frozenset({"system"}),
}


def validate_policy_event(payload: Any) -> tuple[str, dict[str, Any]]:
    """Check one policy event (``PremiumDebited``, ``PremiumDebitFailed``, or the system's
    ``ReminderSent``): its type and fields as plain data; a DomainError naming the field."""
    if not isinstance(payload, dict):
        raise DomainError(Text("an event must be a JSON object"), None)
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in POLICY_SCHEMAS:
        raise DomainError(Text("unknown policy event type {kind}; one of {types}",
                               kind=shown(kind), types=", ".join(POLICY_EVENT_TYPES))
                          if kind is not None else Text("is required"), "type")
    fields = {k: v for k, v in payload.items() if k != "type"}
    try:
        model = POLICY_SCHEMAS[kind].model_validate(fields)
    except ValidationError as exc:
        raise error_from_validation(exc, kind) from None
    data = model.model_dump(exclude={"on", "at", "note"})
    return kind, {"on": model.business_date(), "at": model.at, "note": model.note, "data": data}


def cancelled_on(debits: list[tuple[str, str]]) -> str | None:
    """The date of the second failed debit in a row (no successful debit between them), which
    cancels the policy from its start (DOMAIN §10); None while it stands. ``debits`` are
    (type, business date) in recording order."""
    failures = 0
    for kind, on in debits:
        failures = failures + 1 if kind == "PremiumDebitFailed" else 0
        if failures == 2:
            return on
    return None


def terms_from_data(data: dict[str, Any]) -> PolicyTerms:
    """The terms as an Issued event carries them."""
    return PolicyTerms(**{**data, "riders": tuple(data["riders"])})


def policy_id(number: str) -> uuid.UUID:
    """Policy ids derive from the number, so a number is issued once per store."""
    return uuid.uuid5(NAMESPACE, f"policy:{number}")


class Policy(Aggregate):
    """A policy and the incidents opened under it, in the order they were opened."""

    class Issued(Aggregate.Created):
        terms: dict[str, Any]
        by: str
        role: str

    class IncidentRegistered(Aggregate.Event):
        incident_id: uuid.UUID
        reference: str

        def apply(self, aggregate: "Policy") -> None:
            aggregate.incidents[self.reference] = self.incident_id

    class Recorded(Aggregate.Event):
        """Base of the policy's own events (DOMAIN §10): business date, note and actor."""

        on: str
        at: str | None
        note: str | None
        by: str
        role: str
        data: dict[str, Any]

        def apply(self, aggregate: "Policy") -> None:
            aggregate._apply(self)

    class PremiumDebited(Recorded): ...
    class PremiumDebitFailed(Recorded): ...
    class EventVoided(Recorded): ...
    class ReminderSent(Recorded): ...

    def __init__(self, terms: dict[str, Any], by: str, role: str):
        self.terms_data = terms
        self.issued_by = by
        self.incidents: dict[str, uuid.UUID] = {}
        # Each debit event: [type, business date, amount (None for a failure), recorded at (ISO), version].
        self.debits: list[list[Any]] = []
        # A voided debit event's id -> [the voiding's id, recorded at (ISO), reason] (decision P15).
        self.voided: dict[str, list[str]] = {}
        self.reminders: dict[str, int] = {}  # reminder key (deadline|claim|due|offset) -> version

    @classmethod
    def issue(cls, terms: PolicyTerms, by: str, role: str, timestamp: dt.datetime) -> "Policy":
        if role not in ("staff", "operator"):
            raise DomainError(Text("only insurer staff may issue a policy"), "role")
        data = asdict(terms)
        data["riders"] = list(terms.riders)
        return cls._create(
            cls.Issued, id=policy_id(terms.number), terms=data, by=by, role=role,
            timestamp=timestamp,
        )

    @property
    def terms(self) -> PolicyTerms:
        return terms_from_data(self.terms_data)

    @property
    def live_debits(self) -> list[list[Any]]:
        """The debit events that stand (not voided), in recording order."""
        return [d for d in self.debits if f"e{d[4]}" not in self.voided]

    @property
    def cancelled_on(self) -> str | None:
        """The date of the second failed debit in a row: the policy is cancelled from its start."""
        return cancelled_on([(d[0], d[1]) for d in self.live_debits])

    def record(self, kind: str, fields: dict[str, Any], actor: Actor, timestamp: dt.datetime,
               today: dt.date) -> str:
        """Record one validated policy event (``validate_policy_event``); its id (``e<version>``)."""
        if actor.role != "operator" and actor.role not in POLICY_RECORDED_BY[kind]:
            allowed = " or ".join(sorted(POLICY_RECORDED_BY[kind]))
            raise NotPermitted(Text("{kind} is recorded by {allowed}, not by {role}",
                                    kind=kind, allowed=allowed, role=actor.role), "type")
        if fields["on"] > today.isoformat():
            raise DomainError(Text("{on} is in the future (today is {today})", on=fields["on"], today=today), "on")
        data = fields["data"]
        if kind == "ReminderSent":
            key = f"{data['deadline']}||{data['due']}|{data['offset_days']}"
            if key in self.reminders:
                raise AlreadySent(Text("this reminder was already sent ({event})",
                                       event=f"e{self.reminders[key]}"), "ReminderSent")
        elif kind == "EventVoided":
            self._check_void(data["event"], fields["on"])
        else:
            cancelled = self.cancelled_on
            if cancelled is not None:
                raise DomainError(Text("the policy was cancelled from its start by the second failed debit in a row "
                                       "({cancelled}); nothing more is debited", cancelled=cancelled), "type")
            live = self.live_debits
            if live and fields["on"] < live[-1][1]:
                raise DomainError(Text("is before the last debit recorded ({event} on {on}); "
                                       "record debits in the order they happened",
                                       event=live[-1][0], on=live[-1][1]), f"{kind}.on")
            paid = next((d for d in live if d[0] == "PremiumDebited"), None)
            if kind == "PremiumDebitFailed" and paid is not None:
                raise DomainError(Text("the premium was debited on {on}: no debit is due to fail", on=paid[1]), "type")
        self.trigger_event(getattr(self, kind), by=actor.user, role=actor.role, timestamp=timestamp, **fields)
        return f"e{self.version}"

    def _check_void(self, ref: str, on: str) -> None:
        """Only a debit event that stands may be voided: a wrong debit or failure (a bank's
        error, a typo) is taken back, and the schedule reads the debits that remain."""
        field = "EventVoided.event"
        found = next((d for d in self.debits if f"e{d[4]}" == ref), None)
        if found is None:
            raise DomainError(Text("no debit event {event} on this policy (only a debit or a failed debit is voided)",
                                   event=shown(ref)), field)
        if ref in self.voided:
            raise DomainError(Text("event {ref} was already voided by {by}", ref=ref, by=self.voided[ref][0]), field)
        if on < found[1]:
            raise DomainError(Text("is before the event it voids ({event} on {on})", event=found[0], on=found[1]),
                              "EventVoided.on")

    def _apply(self, event: "Policy.Recorded") -> None:
        kind = type(event).__name__
        if kind == "EventVoided":
            self.voided[event.data["event"]] = [f"e{event.originator_version}", event.timestamp.isoformat(),
                                                event.data["reason"]]
        elif kind == "ReminderSent":
            data = event.data
            self.reminders[f"{data['deadline']}||{data['due']}|{data['offset_days']}"] = event.originator_version
        else:
            self.debits.append([kind, event.on, event.data.get("amount_yen"), event.timestamp.isoformat(),
                                event.originator_version])

    def register_incident(self, incident_id: uuid.UUID, reference: str, timestamp: dt.datetime) -> None:
        if reference in self.incidents:
            raise DomainError(
                Text("policy {number} already has an incident {reference}",
                     number=self.terms_data["number"], reference=repr(reference)),
                "reference",
            )
        self.trigger_event(
            self.IncidentRegistered, incident_id=incident_id, reference=reference,
            timestamp=timestamp,
        )
