"""The policy (加入者証): its terms (DOMAIN §2) and the incidents opened under it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from eventsourcing.domain import Aggregate
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from events.errors import DomainError
from events.values import JST, IsoDate, IsoInstant, Name, NameOrBlank, Yen, error_from_validation

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
        raise DomainError("must be a JSON object", "policy")
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
        raise DomainError("is required when no pattern is given", "policy.liability_limit_yen")
    if expense is None:
        raise DomainError("is required when no pattern is given", "policy.expense_limit_yen")
    sublimit = given.third_party_sublimit_yen
    if sublimit is None:
        sublimit = preset[1] if preset and given.expense_limit_yen is None else expense
    if sublimit > liability:
        raise DomainError(
            f"{sublimit:,} exceeds the liability limit {liability:,}",
            "policy.third_party_sublimit_yen",
        )

    programme_start = dt.datetime.fromisoformat(given.period_start)
    end = dt.datetime.fromisoformat(given.period_end)
    if end <= programme_start:
        raise DomainError("must be after period_start", "policy.period_end")
    start = programme_start
    if given.enrolment_applied_on is not None:
        start = mid_term_start(dt.date.fromisoformat(given.enrolment_applied_on))
        if start <= programme_start:
            raise DomainError(
                "a mid-term enrolment must start after the programme starts; "
                "enrol in the programme itself instead",
                "policy.enrolment_applied_on",
            )
        if start >= end:
            raise DomainError(
                f"coverage would start {start.date()}, at or after the period ends",
                "policy.enrolment_applied_on",
            )
    inception = dt.datetime.fromisoformat(given.initial_inception) if given.initial_inception else start
    if inception > start:
        raise DomainError("cannot be after the period starts", "policy.initial_inception")

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

    def __init__(self, terms: dict[str, Any], by: str, role: str):
        self.terms_data = terms
        self.issued_by = by
        self.incidents: dict[str, uuid.UUID] = {}

    @classmethod
    def issue(cls, terms: PolicyTerms, by: str, role: str, timestamp: dt.datetime) -> "Policy":
        if role not in ("staff", "operator"):
            raise DomainError("only insurer staff may issue a policy", "role")
        data = asdict(terms)
        data["riders"] = list(terms.riders)
        return cls._create(
            cls.Issued, id=policy_id(terms.number), terms=data, by=by, role=role,
            timestamp=timestamp,
        )

    @property
    def terms(self) -> PolicyTerms:
        return terms_from_data(self.terms_data)

    def register_incident(self, incident_id: uuid.UUID, reference: str, timestamp: dt.datetime) -> None:
        if reference in self.incidents:
            raise DomainError(
                f"policy {self.terms_data['number']} already has an incident {reference!r}",
                "reference",
            )
        self.trigger_event(
            self.IncidentRegistered, incident_id=incident_id, reference=reference,
            timestamp=timestamp,
        )
