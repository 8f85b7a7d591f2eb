"""The public event vocabulary (DOMAIN §3.1) and its validation.

Each event type has a pydantic model with ``extra='forbid'`` and strict numbers,
so an unknown field, a negative amount, a float, a string for a count or an
impossible date is refused with the field named. The validated fields become
plain JSON data (dates as ``YYYY-MM-DD`` strings) carried by the stored event.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from events.errors import DomainError
from events.texts import Text

JST = ZoneInfo("Asia/Tokyo")
MIN_YEAR, MAX_YEAR = 1900, 2999  # business dates outside these are typing mistakes
NAME_MAX = 200  # characters of a name (policy number, reference, claim_ref, user, ...)
SHOWN_MAX = 80  # characters of input echoed in an error message
DATE_FORM = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
INSTANT_FORM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})", re.ASCII)
# Characters a name may not hold (control, bidi/format, unpaired surrogate, line and
# paragraph separators), and those free text may not hold (control but for \t \n \r).
NAME_REFUSED = {"Cc": "a control character", "Cf": "an invisible format or bidi character",
                "Cs": "an unpaired surrogate", "Zl": "a line separator", "Zp": "a paragraph separator"}
TEXT_REFUSED = {"Cc": "a control character", "Cs": "an unpaired surrogate"}

CAUSES = ("external_attack", "negligence", "vendor", "insider", "unknown")
MEDIA = ("electronic", "paper", "both")
DATA_ITEMS = (
    "name", "address", "phone", "email", "birth_date", "credit_card",
    "bank_account", "sensitive", "my_number", "other",
)
LOCATIONS = ("japan", "overseas")
CHANNELS = ("written", "email", "phone", "web")
PUBLICIZE_HOW = ("press_release", "regulator_report", "media_report", "website")
STAGES = ("preliminary", "final")
EXPENSE_CATEGORIES = (
    "consulting", "other", "similar_insurance_premium", "financing",
    "officer_pay", "network_equipment",
)
CLAIM_KINDS = ("victims", "third_party_expenses", "credit_card", "network")
FORUMS = ("japan", "overseas")
OUTCOMES = ("judgment", "settlement", "withdrawn", "dismissed")
FILING_PARTS = ("liability", "expenses", "both")
PAYMENT_PARTS = ("liability", "expenses")
BOTH_PART_REASONS = (
    "intent", "knowing_violation", "overseas_records", "employee_data", "war_riot",
    "natural_disaster", "pre_inception_leak", "known_before_inception",
    "bodily_injury_property",
)
LIABILITY_ONLY_REASONS = ("ip_infringement", "advertising", "stock_price", "foreign_claim")
EXCLUSION_REASONS = BOTH_PART_REASONS + LIABILITY_ONLY_REASONS
DEADLINES = (
    "insurer_notice", "ppc_preliminary", "ppc_final", "individual_notice",
    "expense_window", "claim_filing_liability", "claim_filing_expenses",
    "claims_made_cutoff", "premium_debit",  # the last is a policy's own (DOMAIN §10), not an incident's
)
ROLES = ("insured", "staff", "admin", "system", "operator")

# Categories that have their own event, and the one that belongs to a claim.
OWN_EVENT_CATEGORIES = {
    "apology_letters": "IndividualsNotified",
    "apology_ad": "ApologyAdPublished",
    "press_conference": "PressConferenceHeld",
    "call_center": "CallCenterOperated",
    "condolence": "CondolenceSent",
}


class FieldError(ValueError):
    """Raised inside a validator that checks several fields: names the one at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Actor:
    """Who acts: a role and a user name (never a victim), and what the user may see
    (DOMAIN §9): an insured user its ``business`` (a member code), staff their
    ``programmes`` (codes). Admins, the system and the console operator see all."""

    role: str
    user: str
    business: str | None = None
    programmes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise DomainError(Text("unknown role {role}; one of {roles}",
                                   role=shown(self.role), roles=', '.join(ROLES)), "role")
        if not isinstance(self.user, str) or not self.user:
            raise DomainError(Text("a user name is required"), "user")
        problem = name_problem(self.user)
        if problem or len(self.user) > NAME_MAX:
            raise DomainError(problem or Text("is longer than {name_max} characters", name_max=NAME_MAX), "user")


def shown(value: Any, limit: int = SHOWN_MAX) -> str:
    """Input echoed in a message: escaped like repr (one line, control and bidi
    characters as \\x.. / \\u....) and cut to ``limit`` characters with an ellipsis."""
    if isinstance(value, (dict, list, tuple, set)):
        return f"a {type(value).__name__}"
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    text = repr(value[: limit + 1] if isinstance(value, (str, bytes)) else value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refused_char(value: str, refused: dict[str, str], allowed: str = "") -> str | None:
    """The first character of ``value`` in a refused category, described; None if none is."""
    if value.isprintable():  # the common case, at C speed
        return None
    for char in value:
        kind = refused.get(unicodedata.category(char))
        if kind and char not in allowed:
            return f"U+{ord(char):04X} ({kind})"
    return None


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a name (printable, one line, no bidi tricks, no
    surrounding spaces), or None. Spaces inside (also U+3000) and private-use
    characters (外字) are fine."""
    found = _refused_char(value, NAME_REFUSED)
    if found:
        return Text("contains {found}; a name must be printable on one line", found=found)
    if value != value.strip():
        return Text("may not begin or end with a space (got {value})", value=shown(value))
    return None


def _name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _text(value: str) -> str:
    found = _refused_char(value, TEXT_REFUSED, allowed="\t\n\r")
    if found:
        raise ValueError(Text("contains {found}; text may hold tabs and line breaks, no other control characters",
                              found=found))
    return value


def _iso_date(value: Any) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if not isinstance(value, str) or not DATE_FORM.fullmatch(value):
        raise ValueError(Text("must be a date written YYYY-MM-DD (got {value})", value=shown(value)))
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(Text("{value} is not a real date (YYYY-MM-DD)", value=repr(value))) from None
    _check_year(day.year, value)
    return day.isoformat()


def parse_date(value: str) -> dt.date:
    """A business date as typed (an option, a form field): YYYY-MM-DD in the years
    1900-2999, else ValueError saying why."""
    return dt.date.fromisoformat(_iso_date(value))


def _check_year(year: int, value: Any) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(Text("{value} is not a plausible date (years {min_year} to {max_year})",
                              value=repr(value), min_year=MIN_YEAR, max_year=MAX_YEAR))


def _iso_instant(value: Any) -> str:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        if not INSTANT_FORM.fullmatch(value):
            raise ValueError(
                Text("must be an instant YYYY-MM-DDTHH:MM[:SS[.ffffff]] with an offset (+09:00) or Z (got {value})",
                     value=shown(value))
            )
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(Text("{value} is not a real instant", value=repr(value))) from None
    else:
        raise ValueError(Text("must be an ISO-8601 instant with an offset"))
    if parsed.tzinfo is None:
        raise ValueError(Text("must carry a UTC offset, e.g. 2005-06-01T09:30:00+09:00"))
    _check_year(parsed.year, value)
    return parsed.isoformat()


IsoDate = Annotated[str, BeforeValidator(_iso_date)]
IsoInstant = Annotated[str, BeforeValidator(_iso_instant)]
Yen = Annotated[StrictInt, Field(ge=0, le=10**15)]
Count = Annotated[StrictInt, Field(ge=0, le=10**10)]
FreeText = Annotated[StrictStr, Field(max_length=2000), AfterValidator(_text)]  # free text: tabs, line breaks
Name = Annotated[StrictStr, Field(min_length=1, max_length=NAME_MAX), AfterValidator(_name)]
NameOrBlank = Annotated[StrictStr, Field(max_length=NAME_MAX), AfterValidator(_name)]
Address = Annotated[StrictStr, Field(min_length=1, max_length=320), AfterValidator(_name)]


def _unique(items: list[str]) -> list[str]:
    if len(set(items)) != len(items):
        raise ValueError(Text("lists an item twice"))
    return items


class EventFields(BaseModel):
    """Fields every event has: its business date (``on`` or ``at``) and a note."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: IsoDate | None = None
    at: IsoInstant | None = None
    note: FreeText | None = None

    @model_validator(mode="after")
    def _one_business_date(self) -> "EventFields":
        if self.on is None and self.at is None:
            raise FieldError("on", Text("is required: the business date `on` (YYYY-MM-DD), or `at` (an instant)"))
        if self.on is not None and self.at is not None:
            on_from_at = dt.datetime.fromisoformat(self.at).astimezone(JST).date().isoformat()
            if on_from_at != self.on:
                raise FieldError("at", Text("{at} is not on {on} in JST (`on` and `at` name different days)",
                                            at=self.at, on=self.on))
        return self

    def business_date(self) -> str:
        if self.on is not None:
            return self.on
        return dt.datetime.fromisoformat(self.at).astimezone(JST).date().isoformat()


class LeakDiscovered(EventFields):
    summary: Annotated[StrictStr, Field(min_length=1, max_length=2000), AfterValidator(_text)]
    cause: Literal[CAUSES]
    media: Literal[MEDIA]
    data_items: Annotated[list[Literal[DATA_ITEMS]], AfterValidator(_unique)]
    affected_count: Count
    records_location: Literal[LOCATIONS] = "japan"
    employees_data: StrictBool = False
    wrongful_purpose_suspected: StrictBool = False


class LeakOccurred(EventFields):
    pass


class AffectedCountRevised(EventFields):
    affected_count: Count


class InsurerNotified(EventFields):
    channel: Literal[CHANNELS]


class Publicized(EventFields):
    how: Literal[PUBLICIZE_HOW]


class RegulatorReported(EventFields):
    stage: Literal[STAGES]


class IndividualsNotified(EventFields):
    recipients: Count
    cost_yen: Yen


class ApologyAdPublished(EventFields):
    media: Name
    cost_yen: Yen


class PressConferenceHeld(EventFields):
    cost_yen: Yen


class CallCenterOperated(EventFields):
    from_: IsoDate = Field(alias="from")
    to: IsoDate
    calls: Count
    cost_yen: Yen

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    @model_validator(mode="after")
    def _ordered(self) -> "CallCenterOperated":
        if self.to < self.from_:
            raise FieldError("to", Text("{to} is before `from` {from_}", to=self.to, from_=self.from_))
        return self


class CondolenceSent(EventFields):
    recipients: Count
    per_person_yen: Yen


def _expense_category(value: Any) -> Any:
    if value == "litigation":
        raise ValueError(
            Text("litigation costs are not an expense: record them as DefenceCostPaid "
                 "on their claim (they belong to the liability part)")
        )
    if value in OWN_EVENT_CATEGORIES:
        raise ValueError(Text("{value} has its own event: record it as {event}",
                              value=value, event=OWN_EVENT_CATEGORIES[value]))
    return value


class ExpensePaid(EventFields):
    category: Annotated[Literal[EXPENSE_CATEGORIES], BeforeValidator(_expense_category)]
    cost_yen: Yen
    vendor: NameOrBlank = ""


class ClaimReceived(EventFields):
    claim_ref: Name
    kind: Literal[CLAIM_KINDS]
    claimants: Count
    amount_claimed_yen: Yen
    forum: Literal[FORUMS]
    lawsuit: StrictBool


class DefenceCostPaid(EventFields):
    claim_ref: Name
    cost_yen: Yen


class SettlementConsentRequested(EventFields):
    claim_ref: Name
    amount_yen: Yen


class SettlementConsentGiven(SettlementConsentRequested):
    pass


class SettlementConsentRefused(SettlementConsentRequested):
    pass


class ClaimResolved(EventFields):
    claim_ref: Name
    outcome: Literal[OUTCOMES]
    amount_yen: Yen

    @model_validator(mode="after")
    def _nothing_owed_when_dropped(self) -> "ClaimResolved":
        if self.outcome in ("withdrawn", "dismissed") and self.amount_yen:
            raise FieldError("amount_yen", Text("must be 0: a {outcome} claim owes no damages", outcome=self.outcome))
        return self


class ExpensesFinalized(EventFields):
    pass


class InsuranceClaimFiled(EventFields):
    part: Literal[FILING_PARTS]
    amount_requested_yen: Yen


class ExclusionApplied(EventFields):
    scope: Name
    reason: Literal[EXCLUSION_REASONS]


class CoverageDecided(EventFields):
    event: Name
    covered: StrictBool
    reason: FreeText = ""


class InsurerPaid(EventFields):
    part: Literal[PAYMENT_PARTS]
    amount_yen: Yen


class IncidentClosed(EventFields):
    reason: FreeText = ""


class IncidentReopened(EventFields):
    reason: FreeText = ""


class NoteAdded(EventFields):
    text: Annotated[StrictStr, Field(min_length=1, max_length=10000), AfterValidator(_text)]


class EventVoided(EventFields):
    event: Name
    reason: Annotated[StrictStr, Field(min_length=1, max_length=2000), AfterValidator(_text)]


class ReminderSent(EventFields):
    deadline: Literal[DEADLINES]
    claim_ref: Name | None = None
    due: IsoDate
    offset_days: Annotated[StrictInt, Field(ge=-1, le=365)]
    to: Annotated[list[Address], Field(min_length=1, max_length=200)]
    message_id: Annotated[StrictStr, Field(min_length=3, max_length=250, pattern=r"^<[!-~]+@[!-~]+>$")]


class OtherInsuranceDeclared(EventFields):
    """Another policy covers the same loss (重複保険, DOMAIN §5.4): one event per other policy and
    part. ``insurer`` names the other insurer and its policy (a name, no personal data);
    ``coinsurance_pct`` is for the expense part only (liability: 100)."""

    insurer: Name
    part: Literal[PAYMENT_PARTS]
    limit_yen: Yen
    deductible_yen: Yen
    coinsurance_pct: Annotated[StrictInt, Field(ge=0, le=100)] = 100

    @model_validator(mode="after")
    def _coinsurance_of_expenses_only(self) -> "OtherInsuranceDeclared":
        if self.part == "liability" and self.coinsurance_pct != 100:
            raise FieldError("coinsurance_pct",
                             Text("applies to the expense part only: leave it out (100) for liability"))
        return self


SCHEMAS: dict[str, type[EventFields]] = {
    cls.__name__: cls
    for cls in (
        LeakDiscovered, LeakOccurred, AffectedCountRevised, InsurerNotified, Publicized,
        RegulatorReported, IndividualsNotified, ApologyAdPublished, PressConferenceHeld,
        CallCenterOperated, CondolenceSent, ExpensePaid, ClaimReceived, DefenceCostPaid,
        SettlementConsentRequested, SettlementConsentGiven, SettlementConsentRefused,
        ClaimResolved, ExpensesFinalized, InsuranceClaimFiled, ExclusionApplied,
        CoverageDecided, InsurerPaid, IncidentClosed, IncidentReopened, NoteAdded,
        EventVoided, ReminderSent, OtherInsuranceDeclared,
    )
}
EVENT_TYPES = tuple(SCHEMAS)

# Who may record what (DOMAIN §3.1 "recorded by"). The operator is the person
# at the console with the database in hand (imports, migrations): anything.
RECORDED_BY: dict[str, frozenset[str]] = {
    name: frozenset({"insured"}) for name in EVENT_TYPES
}
RECORDED_BY.update(
    {
        "LeakOccurred": frozenset({"insured", "staff"}),
        "AffectedCountRevised": frozenset({"insured", "staff"}),
        "ClaimResolved": frozenset({"insured", "staff"}),
        "OtherInsuranceDeclared": frozenset({"insured", "staff"}),
        "NoteAdded": frozenset({"insured", "staff", "system"}),
        "EventVoided": frozenset({"insured", "staff"}),
        "ReminderSent": frozenset({"system"}),
        **{
            name: frozenset({"staff"})
            for name in (
                "SettlementConsentGiven", "SettlementConsentRefused", "ExclusionApplied",
                "CoverageDecided", "InsurerPaid", "IncidentClosed", "IncidentReopened",
            )
        },
    }
)


# pydantic's own messages a form can meet, as texts (so a page can say them in Japanese):
# by error type, the English templates (pydantic's wording) filled from the error's ``ctx``;
# one is used only when it gives pydantic's message exactly, else the message as it is.
PYDANTIC_TEXTS: dict[str, tuple[str, ...]] = {
    "greater_than_equal": ("Input should be greater than or equal to {ge}",),
    "less_than_equal": ("Input should be less than or equal to {le}",),
    "int_type": ("Input should be a valid integer",),
    "string_type": ("Input should be a valid string",),
    "bool_type": ("Input should be a valid boolean",),
    "list_type": ("Input should be a valid list",),
    "literal_error": ("Input should be {expected}",),
    "string_too_short": ("String should have at least {min_length} character",
                         "String should have at least {min_length} characters"),
    "string_too_long": ("String should have at most {max_length} character",
                        "String should have at most {max_length} characters"),
    "too_short": ("List should have at least {min_length} item after validation, not {actual_length}",
                  "List should have at least {min_length} items after validation, not {actual_length}"),
    "too_long": ("List should have at most {max_length} item after validation, not {actual_length}",
                 "List should have at most {max_length} items after validation, not {actual_length}"),
}


def _pydantic_text(error: Any) -> str:
    """pydantic's message of ``error`` as a ``Text`` when one of ours says it exactly."""
    ctx = error.get("ctx") or {}
    for template in PYDANTIC_TEXTS.get(error["type"], ()):
        try:
            text = Text(template, **{name: value for name, value in ctx.items() if "{" + name + "}" in template})
        except (KeyError, TypeError):  # a parameter missing, or not a number or a string
            continue
        if text == error["msg"]:
            return text
    return error["msg"]


def error_from_validation(exc: ValidationError, prefix: str = "") -> DomainError:
    """The first problem of a pydantic error as one clear DomainError (its message a ``Text``
    when it is one of ours or one of ``PYDANTIC_TEXTS``)."""
    first = exc.errors()[0]
    loc = ".".join("from" if part == "from_" else _loc_part(part) for part in first["loc"])
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        loc = ".".join(p for p in (loc, cause.field) if p)
    field = ".".join(p for p in (prefix, loc) if p) or None
    message = _pydantic_text(first)
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
        if isinstance(cause, ValueError) and cause.args and cause.args[0] == message:
            message = cause.args[0]  # our own Text, as raised
    if first["type"] == "extra_forbidden":
        message = Text("is not a field of this event type")
    elif first["type"] == "missing":
        message = Text("is required")
    elif "input" in first and first["type"] not in ("value_error",) and not isinstance(
        first["input"], (dict, list)
    ):
        message = Text("{problem} (got {input})", problem=message, input=shown(first["input"]))
    return DomainError(message, field)


def _loc_part(part: Any) -> str:
    """A field name or list index as is; an unknown key from the input escaped and cut."""
    text = str(part)
    return text if re.fullmatch(r"\w{1,40}", text, re.ASCII) else shown(part, 40)


def validate_event(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Check one event of the public vocabulary.

    ``payload`` is the JSON object (with ``type``; without any file-local
    ``id``). Returns the type and its fields as plain data, business date
    first. Raises DomainError naming the field at fault.
    """
    if not isinstance(payload, dict):
        raise DomainError(Text("an event must be a JSON object"), None)
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in SCHEMAS:
        raise DomainError(
            Text("unknown event type {kind}", kind=shown(kind)) if kind is not None else Text("is required"), "type"
        )
    fields = {k: v for k, v in payload.items() if k != "type"}
    try:
        model = SCHEMAS[kind].model_validate(fields)
    except ValidationError as exc:
        raise error_from_validation(exc, kind) from None
    data = model.model_dump(by_alias=True, exclude={"on", "at", "note"})
    return kind, {
        "on": model.business_date(),
        "at": model.at,
        "note": model.note,
        "data": data,
    }
