"""Event forms generated from the event vocabulary's own pydantic models
(``events.values.SCHEMAS``), and the form data turned back into the JSON event the
core validates (``validate_event``, through ``service.record``) — the same check the
JSON API and the CLI use, so a form cannot accept what the API refuses.

A Literal becomes a select, a list of Literals checkboxes, a bool a checkbox, an int a
number, a date ``type=date``, long text a textarea. The form never checks a rule
itself: it only converts what was typed (full-width digits, thousands separators, 円)
and leaves the judging to the core, whose error names the field to show it beside.
"""

from __future__ import annotations

import functools
import typing
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from annotated_types import MaxLen

from casemgr.errors import DomainError
from events.values import RECORDED_BY, SCHEMAS, IsoDate
from web.filters import refusal
from web.incidents import labels

SKIPPED = {"at"}  # the form asks for the business date only; `at` stays for the API and imports
SHORT_TEXT_MAX = 200  # longer text gets a textarea

# The order of the forms on the incident page, by what a user is looking for.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Facts of the leak", ("LeakOccurred", "AffectedCountRevised", "InsurerNotified", "Publicized",
                           "RegulatorReported", "OtherInsuranceDeclared", "LeakDiscovered")),
    ("Costs paid", ("IndividualsNotified", "ApologyAdPublished", "PressConferenceHeld", "CallCenterOperated",
                    "CondolenceSent", "ExpensePaid", "ExpensesFinalized")),
    ("Claims for damages", ("ClaimReceived", "DefenceCostPaid", "SettlementConsentRequested", "ClaimResolved")),
    ("Adjudication", ("ExclusionApplied", "CoverageDecided", "SettlementConsentGiven", "SettlementConsentRefused",
                      "InsurerPaid", "IncidentClosed", "IncidentReopened")),
    ("Notes and corrections", ("NoteAdded", "EventVoided")),
)
CLAIM_FILING = "InsuranceClaimFiled"  # shown on its own, prominently


@dataclass
class Field:
    """One input of a form."""

    name: str  # the event's field name as the JSON has it (``from``, not ``from_``)
    kind: str  # date | number | select | checkbox | checkboxes | text | textarea
    label: str
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    help: str | None = None
    warning: str | None = None
    suggestions: list[str] = field(default_factory=list)  # a datalist for free text
    error: str | None = None


@dataclass
class EventForm:
    type: str
    label: str
    fields: list[Field]
    error: str | None = None  # a problem not tied to one field
    open: bool = False  # shown unfolded (it holds an error)

    @property
    def id(self) -> str:
        return f"form-{self.type}"


def recordable_types(role: str) -> list[str]:
    """The event types ``role`` may record from a page (DOMAIN §3.1 "recorded by")."""
    return [kind for kind in SCHEMAS if role in RECORDED_BY[kind]]


def grouped_types(role: str) -> list[tuple[str, list[str]]]:
    allowed = set(recordable_types(role)) - {CLAIM_FILING}
    groups = [(labels.group(title), [k for k in kinds if k in allowed]) for title, kinds in GROUPS]
    listed = {k for _, kinds in GROUPS for k in kinds}
    rest = [k for k in recordable_types(role) if k not in listed and k != CLAIM_FILING]
    groups.append((labels.group("Other"), rest))
    return [(title, kinds) for title, kinds in groups if kinds]


def build(kind: str, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          options: dict[str, list[tuple[str, str]]] | None = None,
          suggestions: dict[str, list[str]] | None = None) -> EventForm:
    """The form of event type ``kind``; ``values`` prefill it, ``options`` narrow a free-text
    field to a choice (e.g. the events one may void), ``suggestions`` offer typical values."""
    values, errors, options, suggestions = values or {}, dict(errors or {}), options or {}, suggestions or {}
    model = SCHEMAS[kind]
    fields = []
    for attr, info in model.model_fields.items():
        name = info.alias or attr
        if name in SKIPPED:
            continue
        spec = _field(name, info.annotation, list(info.metadata), info.is_required())
        spec.label = labels.field(name)
        spec.help = labels.help_for(kind, name)
        spec.warning = labels.warning_for(name)
        if name in options:
            spec.kind, spec.choices = "select", options[name]
        spec.suggestions = suggestions.get(name, [])
        if not info.is_required() and info.default not in (None, "") and spec.kind != "checkbox":
            spec.value = info.default
        if name in values:
            spec.value = values[name]
        elif spec.kind == "checkbox":
            spec.value = bool(info.default) if not info.is_required() else False
        spec.error = errors.pop(name, None)
        fields.append(spec)
    general = "; ".join(errors.values()) or None
    return EventForm(kind, labels.event(kind), fields, general, open=bool(general or any(f.error for f in fields)))


@functools.cache
def coded_fields(kind: str) -> frozenset[str]:
    """The fields of ``kind`` that hold a code of the vocabulary (shown by their label)."""
    model = SCHEMAS.get(kind)
    if model is None:
        return frozenset()
    out = set()
    for attr, info in model.model_fields.items():
        base = _unwrap(info.annotation)
        item = typing.get_args(base)[0] if typing.get_origin(base) is list else base
        if typing.get_origin(item) is Literal:
            out.add(info.alias or attr)
    return frozenset(out)


def _field(name: str, annotation: Any, metadata: list[Any], required: bool) -> Field:
    if name == "on":
        return Field(name, "date", "", required=True)
    inner = _unwrap(annotation)
    base, extra = (typing.get_args(inner)[0], list(getattr(inner, "__metadata__", ()))) \
        if typing.get_origin(inner) is typing.Annotated else (inner, [])
    metadata = metadata + extra
    if typing.get_origin(base) is Literal:
        return Field(name, "select", "", required, [(v, labels.value(v)) for v in typing.get_args(base)])
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base)
        if typing.get_origin(item) is Literal:
            return Field(name, "checkboxes", "", required, [(v, labels.value(v)) for v in typing.get_args(item)],
                         value=[])
    if base is bool:
        return Field(name, "checkbox", "", False)
    if base is int:
        return Field(name, "number", "", required)
    if any(m in IsoDate.__metadata__ for m in metadata):
        return Field(name, "date", "", required)
    longest = max((m.max_length for m in metadata if isinstance(m, MaxLen)), default=SHORT_TEXT_MAX)
    return Field(name, "textarea" if longest > SHORT_TEXT_MAX else "text", "", required)


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``."""
    if typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def payload(kind: str, form: Any) -> dict[str, Any]:
    """The JSON event the form data stand for; left to ``validate_event`` to judge. A blank
    input is left out (so a required one is reported as required), a number that is not
    one is passed on as typed (so the error quotes it)."""
    if kind not in SCHEMAS:
        raise DomainError("unknown event type", "type")
    event: dict[str, Any] = {"type": kind}
    for spec in build(kind).fields:
        if spec.kind == "checkboxes":
            event[spec.name] = form.getlist(spec.name)
            continue
        if spec.kind == "checkbox":
            event[spec.name] = form.get(spec.name) in ("on", "true", "1", "yes")
            continue
        raw = form.get(spec.name)
        if raw is None or not raw.strip():
            continue
        event[spec.name] = number(raw) if spec.kind == "number" else _text(raw, spec.kind)
    return event


def number(raw: str) -> int | str:
    """``１，２００円`` → 1200; anything else as typed."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").removesuffix("円").strip()
    if text.lstrip("-").isdigit() and text.isascii():
        return int(text)
    return raw


def _text(raw: str, kind: str) -> str:
    if kind == "textarea":
        return raw.replace("\r\n", "\n")
    return raw.strip()


def form_values(kind: str, form: Any) -> dict[str, Any]:
    """What was typed, to show again beside the errors."""
    values: dict[str, Any] = {}
    for spec in build(kind).fields:
        if spec.kind == "checkboxes":
            values[spec.name] = form.getlist(spec.name)
        elif spec.kind == "checkbox":
            values[spec.name] = form.get(spec.name) in ("on", "true", "1", "yes")
        elif spec.name in form:
            values[spec.name] = form.get(spec.name)
    return values


def field_errors(kind: str, exc: DomainError, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """The core's error keyed by the input it is about: ``ClaimReceived.claim_ref`` →
    ``claim_ref``, ``LeakDiscovered.data_items.0`` → ``data_items``; else the form's (key "")."""
    names = {spec.name for spec in build(kind).fields} | set(extra)
    path = (exc.field or "").split(".")
    if path and path[0] == kind:
        path = path[1:]
    if path and path[0] in names:
        return {path[0]: refusal(exc)}
    return {"": refusal(exc, with_field=exc.field not in ("type",))}
