"""What the incident page shows, read from the core's queries and shaped for the templates:
the timeline rows with their labels and voidings, the forms with the choices the history
offers (events one may void, ``other`` expenses awaiting a decision, claim codes, the
statement's proposed exclusions), the outstanding amount for the claim form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from casemgr.rules.coverage import PROPOSED_EXCLUSION
from casemgr.texts import Text
from events.values import Actor
from web.filters import yen
from web.incidents import forms, labels

ALL_PANELS = ("timeline", "deadlines", "statement", "forms", "claim")
NOT_VOIDABLE = {"EventVoided", "ReminderSent", "IncidentClosed", "IncidentReopened"}
PROPOSED = "proposed exclusion "


@dataclass(frozen=True)
class Entry:
    """One row of the timeline."""

    id: str
    version: int
    type: str
    label: str
    on: dt.date
    at: str | None
    recorded_at: dt.datetime
    by: str
    role: str
    note: str | None
    fields: list[tuple[str, str]]  # (label, value as shown)
    voided_by: str | None
    voided_reason: str | None


@dataclass
class IncidentPage:
    ref: str  # POLICY-NUMBER/REFERENCE, for links
    actor: Actor
    view: Any
    version: int | None
    today: dt.date
    history: list[Any] = field(default_factory=list)
    statement: Any = None
    deadlines: list[Any] = field(default_factory=list)
    statement_source: tuple[int, dt.datetime | None] | None = None  # (version, stored by the workers at)

    @classmethod
    def load(cls, service: Any, actor: Actor, ref: str, version: int | None = None,
             panels: tuple[str, ...] = ALL_PANELS) -> "IncidentPage":
        view = service.incident(actor, ref, version)  # NotFound first: nothing else is read
        page = cls(f"{view.policy_number}/{view.reference}", actor, view, version, service.today())
        if {"timeline", "forms"} & set(panels):
            page.history = service.history(actor, ref)
        if {"statement", "forms", "claim"} & set(panels):
            found = service.statement(actor, ref, version)
            page.statement = found.statement
            page.statement_source = (found.incident.version,
                                     dt.datetime.fromisoformat(found.computed_at) if found.computed_at else None)
        if "deadlines" in panels and version is None:
            page.deadlines = service.incident_deadlines(actor, ref)
        return page

    # -- the timeline -------------------------------------------------------------------------------

    def timeline(self) -> list[Entry]:
        """Every event up to the version shown; a voiding counts only if it is in it too."""
        rows = [r for r in self.history if self.version is None or r.version <= self.version]
        shown = {r.id: r for r in rows}
        out = []
        for r in rows:
            voiding = shown.get(r.voided_by) if r.voided_by else None
            fields = (labels.reminder_fields(r.data) if r.type == "ReminderSent"
                      else [(labels.field(k), display(r.type, k, v)) for k, v in r.data.items()])
            out.append(Entry(r.id, r.version, r.type, labels.event(r.type), r.on, r.at, r.recorded_at, r.by,
                             r.role, r.note, fields,
                             voiding.id if voiding else None, voiding.data.get("reason") if voiding else None))
        return out

    def _live(self) -> list[Any]:
        return [r for r in self.history if r.voided_by is None]

    # -- the forms ----------------------------------------------------------------------------------------

    def claim_refs(self) -> list[str]:
        return list(dict.fromkeys(r.data["claim_ref"] for r in self._live() if r.type == "ClaimReceived"))

    def proposed_exclusions(self) -> list[tuple[str, str]]:
        """(reason, why) of each exclusion the statement proposes for staff to confirm
        (``why`` a Text, said in the user's language; from a flag stored as plain English,
        its English)."""
        out = []
        for flag in self.statement.flags if self.statement else ():
            if isinstance(flag, Text) and flag.template == PROPOSED_EXCLUSION:
                out.append((str(flag.params["reason"]), flag.params["why"]))
            elif flag.startswith(PROPOSED):
                reason, _, why = flag[len(PROPOSED):].partition(": ")
                out.append((reason, why))
        return out

    def _options(self) -> dict[str, dict[str, list[tuple[str, str]]]]:
        live = self._live()
        voidable = [r for r in live if r.id != "e1" and r.type not in NOT_VOIDABLE
                    and (self.actor.role != "insured" or (r.role == "insured" and r.by == self.actor.user))]
        other = [r for r in live if r.type == "ExpensePaid" and r.data.get("category") == "other"]
        scopes = [("incident", labels.value("incident")), ("liability", labels.value("liability")),
                  ("expenses", labels.value("expenses"))] + [(c, _("Claim %(ref)s", ref=c)) for c in self.claim_refs()]
        return {
            "EventVoided": {"event": [("", "")] + [(r.id, self._describe(r)) for r in voidable]},
            "CoverageDecided": {"event": [("", "")] + [(r.id, self._describe(r)) for r in other]},
            "ExclusionApplied": {"scope": scopes},
        }

    @staticmethod
    def _describe(row: Any) -> str:
        amount = row.data.get("cost_yen", row.data.get("amount_yen"))
        tail = f" — {amount:,}" if isinstance(amount, int) else ""
        return f"{row.id} · {row.on.isoformat()} · {labels.event(row.type)}{tail}"

    def form(self, kind: str, values: dict[str, Any] | None = None,
             errors: dict[str, str] | None = None) -> forms.EventForm:
        prefill: dict[str, Any] = {"on": self.today.isoformat()}
        if kind == forms.CLAIM_FILING and self.statement is not None:
            prefill |= {"part": "both", "amount_requested_yen": max(0, self.statement.outstanding_yen)}
        suggestions = {"claim_ref": self.claim_refs()} if kind != "ClaimReceived" else {}
        built = forms.build(kind, prefill | (values or {}), errors, self._options().get(kind), suggestions)
        if kind == "ExclusionApplied":
            proposed = {reason for reason, _why in self.proposed_exclusions()}
            for spec in built.fields:
                if spec.name == "reason":
                    spec.choices = sorted(((v, f"{label} ({_('proposed')})" if v in proposed else label)
                                           for v, label in spec.choices), key=lambda c: c[0] not in proposed)
        return built

    def context(self, failed: forms.EventForm | None = None) -> dict[str, Any]:
        role = self.actor.role
        read_only = self.version is not None
        groups = [] if read_only else [
            (title, [failed if failed and failed.type == k else self.form(k) for k in kinds])
            for title, kinds in forms.grouped_types(role)]
        claim = None
        if not read_only and forms.CLAIM_FILING in forms.recordable_types(role):
            claim = failed if failed and failed.type == forms.CLAIM_FILING else self.form(forms.CLAIM_FILING)
        return {"ref": self.ref, "view": self.view, "version": self.version, "today": self.today,
                "read_only": read_only, "statement": self.statement, "deadlines": self.deadlines,
                "statement_source": self.statement_source,
                "timeline": self.timeline(), "form_groups": groups, "claim_form": claim,
                "proposed": self.proposed_exclusions() if "ExclusionApplied" in forms.recordable_types(role) else [], "version_query": {"version": self.version} if read_only else {}}


def display(kind: str, name: str, value: Any) -> str:
    """A field's value as a person reads it: yen, yes/no, the label of a coded value."""
    if isinstance(value, bool):
        return labels.value(value)
    if isinstance(value, int):
        return yen(value) if name.endswith("_yen") else f"{value:,}"
    coded = forms.coded_fields(kind)
    if isinstance(value, list):
        return ", ".join(labels.value(v) if name in coded else str(v) for v in value)
    if value is None:
        return ""
    return labels.value(value) if name in coded else str(value)


def report_form(policies: list[dict[str, str]], values: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None) -> forms.EventForm:
    """The LeakDiscovered form with the policy and the incident's own code in front."""
    values, errors = values or {}, dict(errors or {})
    policy = forms.Field("policy", "select", labels.field("policy"), True,
                         [(str(p["policy_id"]), p["number"]) for p in policies], values.get("policy") or
                         (str(policies[0]["policy_id"]) if len(policies) == 1 else None),
                         labels.help_for("LeakDiscovered", "policy"), error=errors.pop("policy", None))
    reference = forms.Field("reference", "text", labels.field("reference"), True, value=values.get("reference"),
                            help=labels.help_for("LeakDiscovered", "reference"),
                            warning=labels.warning_for("reference"), error=errors.pop("reference", None))
    built = forms.build("LeakDiscovered", values, errors)
    built.fields[:0] = [policy, reference]
    return built


# -- what-if (DOMAIN §12) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    binds: bool = False  # the cap that decided a part's payable in this column


def binds_label(code: str | None) -> str:
    """A cap that binds, in the reader's language (None: no cap binds)."""
    return {
        None: _("None"), "liability_limit": _("Liability limit"),
        "liability_aggregate": _("Liability aggregate left for the period"),
        "third_party_sublimit": _("Third-party sublimit"), "credit_card_cap": _("Credit-card cap (10%)"),
        "expense_limit": _("Expense limit"), "expense_aggregate": _("Expense aggregate left for the period"),
        "consulting_cap": _("Consulting cap"), "condolence_cap": _("Condolence cap"),
        "other_insurance": _("Other insurance"),
    }.get(code, code or "")


def whatif_rows(columns: Any) -> list[tuple[str, list[Cell]]]:
    """The what-if table: one row per figure, one cell per column; in each column the row of the
    cap that binds a part is marked (``marks``: the (part, cap) that mark a row)."""
    def row(label: str, figure: Any, *marks: tuple[str, str]) -> tuple[str, list[Cell]]:
        return label, [Cell(yen(figure(c)), bool({("liability", c.liability.binds),
                                                  ("expenses", c.expenses.binds)} & set(marks)))
                       for c in columns]

    return [
        row(_("Liability limit"), lambda c: c.terms.liability_limit_yen, ("liability", "liability_limit")),
        row(_("Third-party sublimit"), lambda c: c.terms.third_party_sublimit_yen,
            ("liability", "third_party_sublimit")),
        row(_("Credit-card cap (10%)"), lambda c: c.terms.liability_limit_yen // 10, ("liability", "credit_card_cap")),
        row(_("Liability aggregate left for the period"), lambda c: c.statement.liability.aggregate_left_yen,
            ("liability", "liability_aggregate")),
        row(_("Liability: damages and defence costs counted"), lambda c: c.statement.liability.gross_yen),
        row(_("Liability: payable"), lambda c: c.liability.payable_yen, ("liability", "other_insurance")),
        row(_("Expense limit"), lambda c: c.terms.expense_limit_yen, ("expenses", "expense_limit")),
        row(_("Expense aggregate left for the period"), lambda c: c.statement.expenses.aggregate_left_yen,
            ("expenses", "expense_aggregate")),
        row(_("Expenses: eligible"), lambda c: c.statement.expenses.eligible_yen, ("expenses", "consulting_cap"),
            ("expenses", "condolence_cap")),
        row(_("Expenses: payable"), lambda c: c.expenses.payable_yen, ("expenses", "other_insurance")),
        row(_("Total"), lambda c: c.statement.total_payable_yen),
    ]
