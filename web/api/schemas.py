"""JSON schemas of the API's bodies and answers, for the OpenAPI document only.

The events' schemas come straight from the core's pydantic models (``events.values.SCHEMAS``,
the same models ``validate_event`` checks with). The policy terms are the core's own
``PolicyInput`` (re-exported by ``casemgr.terms``, since ``events.policy`` is behind the
import-linter contract), documented as ``PolicyTerms``.
The answers are described here, beside the views that build them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema

from casemgr.rules.coverage import LINE_CAPS
from casemgr.rules.deadlines import STATUSES
from casemgr.rules.whatif import BINDS, POLICY
from casemgr.terms import POLICY_EVENT_SCHEMAS, PolicyInput
from events.values import DEADLINES, SCHEMAS, Name

FORMATS = {"_iso_date": "date", "_iso_instant": "date-time"}


class WithFormats(GenerateJsonSchema):
    """pydantic's generator, telling dates (``YYYY-MM-DD``) and instants by their validator."""

    def function_before_schema(self, schema: Any) -> Any:
        out = super().function_before_schema(schema)
        function = schema.get("function", {}).get("function")
        fmt = FORMATS.get(getattr(function, "__name__", ""))
        if fmt and out.get("type") == "string":
            out = {**out, "format": fmt}
        return out


# -- answers ---------------------------------------------------------------------------------------------

class Described(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Described):
    field: str | None = Field(description="The field at fault (dotted: `LeakDiscovered.cost_yen`), or null.")
    message: str = Field(description="What is wrong: the same words as the console command's.")


class Error(Described):
    error: ErrorDetail


class Created(Described):
    id: str = Field(description="The new policy's or incident's id.")


class Recorded(Described):
    id: str = Field(description="The stored event's id, `e<n>`.", pattern=r"^e[0-9]+$")


class Imported(Described):
    policy: str
    incidents: dict[str, str] = Field(description="Reference -> the incident's id.")


class PolicyRow(BaseModel):
    id: str
    number: str
    programme: str
    business: str


class PolicyList(Described):
    items: list[PolicyRow]
    next: None = None


class Amounts(Described):
    liability_yen: int
    expenses_yen: int


class PolicyUsage(BaseModel):
    """The terms (as in an incident log) with what the incidents used and what is left."""

    id: str
    number: str
    programme: str
    insured: dict[str, Any]
    period_start: str
    period_end: str
    liability_limit_yen: int
    third_party_sublimit_yen: int
    expense_limit_yen: int
    deductible_yen: int
    expense_coinsurance_pct: int
    incidents: int
    used: Amounts
    left: Amounts
    premium: dict[str, Any] | None = Field(None, description="The estimate under the programme's table when the "
                                           "policy was issued (see `PremiumEstimate`), or null.")
    premium_problem: str | None = Field(None, description="Why there is no estimate, or null.")
    debits: dict[str, Any] | None = Field(None, description="The debit schedule: `state` (due, paid, cancelled), "
                                          "`due`, `rule`, `cancelled_from_start` and the debit `events` that stand.")
    debits_tracked: bool = False
    voided_debits: list[dict[str, Any]] = Field([], description="Debit events taken back, with `voided_by` and "
                                                "`reason`.")
    enrolled_businesses: int = 0
    warning: str | None = Field(None, description="The programme-size warning (99 or fewer enrolled businesses).")


class Programme(BaseModel):
    """A programme's terms as its programme file gave them (DOMAIN §10), its reminder days and size."""

    code: str
    name: str
    insurer: str
    reminder_offsets: list[int] = Field(description="Days before a due date on which its deadlines are reminded.")
    enrolled_businesses: int
    warning: str | None


class PremiumEstimate(BaseModel):
    """A premium estimate (DOMAIN §10) with the programme's size."""

    annual_yen: int | None
    months: int
    premium_yen: int | None = Field(description="Null when the revenue is above the largest band.")
    approximate: bool
    quoted_individually: bool
    first_debit_on: str = Field(json_schema_extra={"format": "date"})
    rules: list[str]
    enrolled_businesses: int
    warning: str | None


class IncidentRow(Described):
    incident: str
    reference: str = Field(description="POLICY-NUMBER/REFERENCE")
    policy: str
    programme: str
    business: str
    discovered_on: str
    accident_date: str
    affected_count: int
    closed: bool
    version: int
    deadlines: dict[str, int] = Field(description="Deadline status -> how many of the incident's deadlines have it.")


class IncidentList(Described):
    items: list[IncidentRow]
    next: str | None = Field(description="The cursor of the next page (pass it as `page`), null on the last.")


class Deadline(Described):
    incident: str
    reference: str
    deadline: Literal[DEADLINES]
    claim_ref: str | None
    due: str
    status: Literal[STATUSES]
    met_on: str | None
    rule: str
    programme: str
    business: str


class DeadlineList(Described):
    items: list[Deadline]
    next: str | None = Field(description="The cursor of the next page (pass it as `page`), null on the last.")


class IncidentSummary(Described):
    incident: str
    reference: str
    policy: str
    policy_number: str
    programme: str
    business: str
    version: int
    closed: bool
    summary: str
    discovered_on: str
    accident_date: str
    accident_estimated: bool
    affected_count: int
    deadlines: list[Deadline]


class HistoryRow(Described):
    id: str
    version: int
    type: str
    on: str
    at: str | None
    recorded_at: str
    by: str
    role: str
    note: str | None
    data: dict[str, Any]
    voided_by: str | None = Field(description="The id of the EventVoided that voided it, or null.")


class Line(Described):
    event: str
    type: str
    part: Literal["liability", "expenses"]
    on: str
    amount_yen: int
    counted_yen: int
    rule: str
    claim_ref: str | None
    category: str | None


class Liability(BaseModel):
    gross_yen: int
    deductible_yen: int
    payable_yen: int


class Expenses(BaseModel):
    eligible_yen: int
    deductible_yen: int
    coinsured_yen: int
    payable_yen: int


class OtherShare(Described):
    event: str = Field(description="The OtherInsuranceDeclared that declared the other policy.")
    insurer: str
    limit_yen: int
    deductible_yen: int
    coinsurance_pct: int
    share_yen: int = Field(description="That policy's independent liability: min(floor(max(0, loss - deductible) "
                                       "x pct / 100), limit).")


class Apportionment(Described):
    """A part shared with other insurance by independent liability (DOMAIN §5.4)."""

    part: Literal["liability", "expenses"]
    loss_yen: int = Field(description="L: the liability gross, or the eligible expenses.")
    own_yen: int = Field(description="This policy's payable on its own.")
    others_yen: int
    payable_yen: int = Field(description="own, or floor(L x own / (own + others)) when together they exceed L.")
    rule: str
    others: list[OtherShare]


class Statement(Described):
    incident: str
    reference: str
    version: int = Field(description="The incident version the statement reflects.")
    computed_at: str | None = Field(
        description="When the workers computed and stored it (UTC, ISO 8601); null when it was computed for "
                    "this request (no current stored one, or an earlier version was asked for).")
    accident_date: str
    accident_estimated: bool
    liability: Liability
    expenses: Expenses
    total_payable_yen: int
    paid_yen: int
    paid: Amounts
    outstanding_yen: int
    flags: list[str]
    lines: list[Line]
    apportionments: list[Apportionment] = Field(description="The parts shared with other insurance (DOMAIN §5.4).")
    capped: list[Literal[LINE_CAPS]] = Field(description="The caps of the lines that cut a line.")


class WhatIfLiability(Described):
    gross_yen: int
    net_yen: int
    aggregate_left_yen: int
    payable_yen: int
    binds: Literal[BINDS] | None = Field(description="The cap that decided what the part pays; null: none.")
    rule: str


class WhatIfExpenses(Described):
    eligible_yen: int
    coinsured_yen: int
    aggregate_left_yen: int
    payable_yen: int
    binds: Literal[BINDS] | None = Field(description="The cap that decided what the part pays; null: none.")
    rule: str


class WhatIfColumn(Described):
    column: Literal["A", "B", "C", "D", "E", POLICY] = Field(
        description="A pattern, or `policy`: the policy's own terms.")
    pattern: str | None
    policy_limits: bool = Field(description="Its three limits are the policy's own.")
    liability_limit_yen: int
    third_party_sublimit_yen: int
    expense_limit_yen: int
    deductible_yen: int
    expense_coinsurance_pct: int
    liability: WhatIfLiability
    expenses: WhatIfExpenses
    total_payable_yen: int


class WhatIf(Described):
    """DOMAIN §12: the statement under each pattern A–E and the policy's own terms."""

    incident: str
    reference: str
    version: int
    columns: list[WhatIfColumn]


class IncidentInLog(BaseModel):
    reference: Name
    events: list[dict[str, Any]] = Field(
        description="Events of DOMAIN §3.1 (see `Event`), the first a LeakDiscovered; each may carry a file-local "
                    "`id` that EventVoided and CoverageDecided refer to.")


class IncidentLog(Described):
    policy: PolicyInput
    incidents: list[IncidentInLog] = []


ANSWERS: tuple[type[BaseModel], ...] = (
    Error, Created, Recorded, Imported, PolicyList, PolicyUsage, IncidentList, DeadlineList, IncidentSummary,
    Statement, IncidentLog, HistoryRow, WhatIf, Programme, PremiumEstimate,
)


def components() -> dict[str, dict[str, Any]]:
    """Every component schema by name: the answers, the policy terms, each event type (with
    its ``type``), ``Event`` (one of them, told apart by ``type``) and the bodies."""
    out: dict[str, dict[str, Any]] = {}

    def add(model: type[BaseModel], name: str | None = None) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", schema_generator=WithFormats)
        for sub, body in schema.pop("$defs", {}).items():
            out.setdefault(sub, body)
        out[name or model.__name__] = schema
        return schema

    for model in ANSWERS:
        add(model)
    add(PolicyInput, "PolicyTerms")
    out.pop("PolicyInput", None)
    out["IncidentLog"]["properties"]["policy"] = {"$ref": "#/components/schemas/PolicyTerms"}
    for kind, model in SCHEMAS.items():
        schema = add(model, kind)
        schema["properties"] = {"type": {"const": kind, "type": "string"}, **schema["properties"]}
        schema["required"] = ["type", *schema.get("required", [])]
        schema["description"] = (model.__doc__ or "").strip() or f"The event {kind} (DOMAIN §3.1)."
    out["Event"] = {
        "description": "One event of DOMAIN §3.1, told apart by `type`. Exactly one of `on` (a date) and `at` "
                       "(an instant with offset) is required. Amounts are integer yen >= 0.",
        "oneOf": [{"$ref": f"#/components/schemas/{kind}"} for kind in SCHEMAS],
        "discriminator": {"propertyName": "type",
                          "mapping": {kind: f"#/components/schemas/{kind}" for kind in SCHEMAS}},
    }
    for kind, model in POLICY_EVENT_SCHEMAS.items():
        if kind in out:
            continue  # EventVoided: the incident's own model, already there
        schema = add(model, kind)
        schema["properties"] = {"type": {"const": kind, "type": "string"}, **schema["properties"]}
        schema["required"] = ["type", *schema.get("required", [])]
        schema["description"] = (model.__doc__ or "").strip() or f"The policy event {kind} (DOMAIN §10)."
    out["PolicyEvent"] = {
        "description": "A premium debit, a failed debit, or the voiding of one (DOMAIN §10), told apart by `type`.",
        "oneOf": [{"$ref": f"#/components/schemas/{kind}"} for kind in POLICY_EVENT_SCHEMAS],
        "discriminator": {"propertyName": "type",
                          "mapping": {kind: f"#/components/schemas/{kind}" for kind in POLICY_EVENT_SCHEMAS}},
    }
    out["History"] = {"type": "array", "items": {"$ref": "#/components/schemas/HistoryRow"}}
    out["OpenIncident"] = {
        "type": "object", "additionalProperties": False, "required": ["policy", "reference", "event"],
        "properties": {
            "policy": {"type": "string", "description": "The policy's id or number."},
            "reference": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^/]+$",
                          "description": "The incident's reference under its policy (no `/`)."},
            "event": {"$ref": "#/components/schemas/LeakDiscovered"},
        },
    }
    return out
