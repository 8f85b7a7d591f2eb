"""The event vocabulary in the user's language: a label for each event type, field and
value, and help text for the person filling in a form. The English here is the msgid;
the Japanese is in ``translations/ja/LC_MESSAGES/messages.po``. An unknown name is shown
as it is (the API's own word), never dropped."""

from __future__ import annotations

from flask_babel import gettext, ngettext

EVENTS = {
    "LeakDiscovered": "Leak discovered",
    "LeakOccurred": "Date the leak occurred",
    "AffectedCountRevised": "Number of people affected revised",
    "InsurerNotified": "Insurer notified",
    "Publicized": "Leak made public",
    "RegulatorReported": "Reported to the PPC",
    "IndividualsNotified": "Apology letters sent",
    "ApologyAdPublished": "Apology advertisement",
    "PressConferenceHeld": "Press conference",
    "CallCenterOperated": "Call center",
    "CondolenceSent": "Condolence gifts sent",
    "ExpensePaid": "Other expense paid",
    "ClaimReceived": "Claim for damages received",
    "DefenceCostPaid": "Lawyers' fees paid",
    "SettlementConsentRequested": "Consent to settle requested",
    "SettlementConsentGiven": "Consent to settle given",
    "SettlementConsentRefused": "Consent to settle refused",
    "ClaimResolved": "Claim resolved",
    "ExpensesFinalized": "Expenses finalized",
    "InsuranceClaimFiled": "Insurance claim filed",
    "ExclusionApplied": "Exclusion applied",
    "CoverageDecided": "Coverage decided",
    "InsurerPaid": "Insurer paid",
    "IncidentClosed": "Incident closed",
    "IncidentReopened": "Incident reopened",
    "NoteAdded": "Note",
    "EventVoided": "Entry voided",
    "ReminderSent": "Reminder sent",
    "OtherInsuranceDeclared": "Other insurance declared",
}

FIELDS = {
    "on": "Date", "note": "Note", "summary": "What happened", "cause": "Cause", "media": "Medium",
    "data_items": "Kinds of data leaked", "affected_count": "Number of people affected",
    "records_location": "Where the records are kept", "employees_data": "The data are our employees' own",
    "wrongful_purpose_suspected": "Someone may misuse the data", "channel": "How", "how": "How",
    "stage": "Stage", "recipients": "Recipients", "cost_yen": "Amount paid (yen)", "from": "From", "to": "To",
    "calls": "Calls", "per_person_yen": "Per person (yen)", "category": "Kind of expense", "vendor": "Paid to",
    "claim_ref": "Claim code", "kind": "Kind of claim", "claimants": "Claimants",
    "amount_claimed_yen": "Amount claimed (yen)", "forum": "Court or forum", "lawsuit": "A lawsuit was filed",
    "amount_yen": "Amount (yen)", "outcome": "Outcome", "part": "Part", "amount_requested_yen":
    "Amount requested (yen)", "scope": "Applies to", "reason": "Reason", "event": "Entry", "covered": "Covered",
    "text": "Text", "deadline": "Deadline", "due": "Due", "offset_days": "Days before", "message_id": "Message",
    "policy": "Policy", "reference": "Incident code",
    "insurer": "Other insurer and policy", "limit_yen": "Its limit (yen)", "deductible_yen": "Its deductible (yen)",
    "coinsurance_pct": "Its coinsurance (%)",
}

VALUES = {
    # causes, media, data items, places
    "external_attack": "External attack", "negligence": "Mistake or loss", "vendor": "Contractor or vendor",
    "insider": "Our own staff", "unknown": "Not known yet", "electronic": "Electronic", "paper": "Paper",
    "both": "Both", "name": "Name", "address": "Address", "email": "E-mail address",
    "birth_date": "Date of birth", "credit_card": "Credit card", "bank_account": "Bank account",
    "sensitive": "Sensitive data", "my_number": "My Number", "other": "Other", "japan": "Japan",
    "overseas": "Overseas",
    # channels, publicity, stages
    "written": "In writing", "phone": "Phone", "web": "Web form", "press_release": "Press release",
    "regulator_report": "Regulator's announcement", "media_report": "News report", "website": "Our website",
    "preliminary": "Preliminary report", "final": "Final report",
    # expenses, claims
    "consulting": "Consulting", "similar_insurance_premium": "Premium of similar insurance",
    "financing": "Financing", "officer_pay": "Officers' pay", "network_equipment": "Network equipment",
    "victims": "From the people affected", "third_party_expenses": "Another company's response costs",
    "network": "Network", "judgment": "Judgment", "settlement": "Settlement", "withdrawn": "Withdrawn",
    "dismissed": "Dismissed", "liability": "Liability", "expenses": "Expenses", "incident": "The whole incident",
    # exclusions
    "intent": "Intent", "knowing_violation": "Knowing violation of law", "overseas_records":
    "Records kept overseas", "employee_data": "Employees' own data", "war_riot": "War or riot",
    "natural_disaster": "Natural disaster", "pre_inception_leak": "Leak before the policy began",
    "known_before_inception": "Known before the policy began", "bodily_injury_property":
    "Bodily injury or property damage", "ip_infringement": "Intellectual property infringement",
    "advertising": "Advertising", "stock_price": "Stock price", "foreign_claim": "Claim outside Japan",
    # deadlines and statuses
    "insurer_notice": "Notice to the insurer", "ppc_preliminary": "PPC preliminary report",
    "ppc_final": "PPC final report", "individual_notice": "Notice to the people affected",
    "expense_window": "Expense period (180 days)", "claim_filing_liability": "Insurance claim (liability)",
    "claim_filing_expenses": "Insurance claim (expenses)", "claims_made_cutoff": "Last day for claims",
    "premium_debit": "Premium debit",
    "open": "Open", "due_soon": "Due soon", "overdue": "Overdue", "met": "Done", "met_late": "Done late",
    "not_applicable": "Not applicable",
}
# "phone" is both a data item and a channel: one word ("Phone") serves both.

HELP = {
    "on": "The day it happened (or the day you paid). Not the day you type it in.",
    "summary": "In a few sentences: what was lost or seen, how you found out. No names of the people affected.",
    "cause": "Your best guess now. You can correct it later.",
    "media": "Were the data in a computer or on paper?",
    "data_items": "Tick every kind of data that may have leaked. Credit cards, bank accounts and sensitive data "
                  "mean you must report to the PPC.",
    "affected_count": "How many people's data, roughly. Over 1,000 means you must report to the PPC. "
                      "You can revise it later.",
    "records_location": "Where the leaked records were stored (a server abroad counts as overseas).",
    "employees_data": "Tick if the data are about your own employees, not customers.",
    "wrongful_purpose_suspected": "Tick if the data may have been stolen or sold, or may be misused.",
    "policy": "The insurance policy (certificate) that covers your business.",
    "reference": "A short code of your own for this incident, e.g. INC-1.",
    "cost_yen": "What you paid, in yen, tax included. Keep the receipt.",
    "claim_ref": "The code you use for this claim, e.g. C1.",
    "amount_requested_yen": "Prefilled with what the statement says is still to be paid.",
    "event": "The entry this refers to (its number on the timeline).",
    "channel": "The notice must be in writing (e-mail, letter or web form); a phone call alone is not enough.",
    "how": "How the leak became public. Expenses are covered only once the leak is public.",
    "insurer": "Another policy that covers the same loss: the insurer's name and the policy number. Record one "
               "entry per policy and part; the payments are then shared between the policies.",
    "coinsurance_pct": "For the expense part: the share of the expenses that policy pays (e.g. 90). "
                       "Leave 100 for the liability part.",
}

WARNINGS = {
    "reference": "This code is not encrypted: use codes, never a person's name.",
    "claim_ref": "This code is not encrypted: use codes, never a person's name.",
}

GROUPS = {"Facts of the leak", "Costs paid", "Claims for damages", "Adjudication", "Notes and corrections", "Other"}


def event(kind: str) -> str:
    return gettext(EVENTS[kind]) if kind in EVENTS else kind


def field(name: str) -> str:
    return gettext(FIELDS[name]) if name in FIELDS else name


def value(name: object) -> str:
    if isinstance(name, bool):
        return gettext("yes") if name else gettext("no")
    if not isinstance(name, str):
        return str(name)
    return gettext(VALUES[name]) if name in VALUES else name


def help_for(kind: str, name: str) -> str | None:
    return gettext(HELP[name]) if name in HELP else None


def warning_for(name: str) -> str | None:
    return gettext(WARNINGS[name]) if name in WARNINGS else None


def group(title: str) -> str:
    return gettext(title)


def offset(days: int) -> str:
    """When a reminder was sent (DOMAIN §4.2): some days before the due date, on it, or
    after it (``-1``, overdue)."""
    if days < 0:
        return value("overdue")
    if days == 0:
        return gettext("on the due date")
    return ngettext("%(num)d day before", "%(num)d days before", days)


def reminder_fields(data: dict) -> list[tuple[str, str]]:
    """A ``ReminderSent`` on the timeline: which deadline (its label), its due date, when it
    was sent, to whom, and the mail's id."""
    deadline = value(data.get("deadline", ""))
    if data.get("claim_ref"):
        deadline += f" ({data['claim_ref']})"
    out = [(field("deadline"), deadline), (field("due"), str(data.get("due", "")))]
    if isinstance(data.get("offset_days"), int):
        out.append((gettext("Reminded"), offset(data["offset_days"])))
    out.append((gettext("Sent to"), ", ".join(data.get("to") or ())))
    if data.get("message_id"):
        out.append((gettext("Message-ID"), str(data["message_id"])))
    return out
