"""Reminders (DOMAIN §4.2): plan a sweep, then deliver each planned reminder exactly once.

A **sweep** of business day D asks the read model which reminders are due on D
(``Queries.reminder_candidates``) and writes each into the delivery ledger
(``wk_reminders``), where it stays ``pending`` until sent. Planning twice plans nothing new.

**Delivering** one reminder:

1. lease it in the ledger (another worker holding an unexpired lease is left alone);
2. load the incident (or the policy, for its next premium debit) and check, on the aggregate
   itself, that the reminder is still owed
   today: not recorded yet, the deadline still pending with that due date, and its offset
   still the one §4.2 picks today (a reminder whose day has passed is *superseded* by a
   later one, never sent late after it);
3. send one mail per language over SMTP, with a ``Message-ID`` derived from the reminder;
4. record ``ReminderSent`` (refused as already sent if a retry got there first);
5. mark the ledger row ``sent``.

A crash before 3 leaves the lease to run out and the reminder is delivered by the next
attempt; SMTP refusing puts it back to ``pending`` with a back-off. Each mail the server
accepts is noted in the ledger at once, so a retry sends only the languages not yet
accepted. A crash between the server's acceptance and that note is the one window §4.2
allows: the retry sends that mail again, with the same ``Message-ID``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from casemgr.accounts import Accounts
from casemgr.application import CaseManager, cancellation
from casemgr.clock import today
from casemgr.errors import DomainError
from casemgr.mail import DeliveryFailed, Mailer
from casemgr.readmodels.queries import Queries
from casemgr.readmodels.work import Planned, WorkTables, ledger_key
from casemgr.rules.deadlines import Deadline, deadlines
from casemgr.rules.facts import Facts
from casemgr.rules.premiums import debit_deadline
from casemgr.settings import Settings
from casemgr.texts import localize
from events.errors import AlreadySent
from events.incident import parse_reminder_key
from events.policy import POLICY_DEADLINE, PolicyTerms
from events.values import Actor

SYSTEM = Actor("system", "casemgr-workers")
MAX_BACKOFF = 3600  # seconds


@dataclass(frozen=True)
class SweepResult:
    day: dt.date
    due: int  # reminders the read model says are due
    planned: list[str]  # ledger keys newly planned


@dataclass(frozen=True)
class Outcome:
    state: str  # sent | already | superseded | busy | postponed | unknown
    detail: str = ""


def pick(deadline: Deadline, day: dt.date, offsets: Sequence[int], sent: dict[str, int]) -> int | None:
    """The reminder §4.2 sends for one deadline on ``day``, or None.

    ``sent`` maps each due date (ISO) to the smallest offset already recorded for it."""
    status = deadline.status(day)
    already = sent.get(deadline.due.isoformat())
    if status == "overdue":
        return None if already == -1 else -1
    if status not in ("open", "due_soon"):
        return None
    left = (deadline.due - day).days
    chosen = min((o for o in offsets if o >= left), default=None)
    if chosen is None or (already is not None and already <= chosen):
        return None
    return chosen


def message_id(key: str, lang: str, domain: str) -> str:
    """The same reminder in the same language always has the same Message-ID."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<reminder.{digest}.{lang}@{domain}>"


def reminder_id(key: str, domain: str) -> str:
    """What ``ReminderSent.message_id`` records: the reminder's id, shared by its mails
    (each mail's own Message-ID adds the language; all carry this one in References)."""
    return f"<reminder.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


class Reminders:
    def __init__(self, app: CaseManager, queries: Queries, work: WorkTables, accounts: Accounts,
                 settings: Settings, wall: Callable[[], float] = time.time):
        self.app = app
        self.queries = queries
        self.work = work
        self.accounts = accounts
        self.settings = settings
        self.wall = wall
        self.domain = urlsplit(settings.base_url).hostname or "casemgr.invalid"

    def _stamp(self) -> str:
        return self.app.clock.now().astimezone(dt.timezone.utc).isoformat(timespec="seconds")

    # -- sweep -------------------------------------------------------------------------------

    def sweep(self, day: dt.date | None = None) -> SweepResult:
        """Plan every reminder due on ``day`` (default: today) into the ledger."""
        day = day or today(self.app.clock)
        rows = [(ledger_key(str(r.incident), r.deadline, r.claim_ref, r.due, offset), str(r.incident),
                 r.deadline, r.claim_ref, r.due, offset)
                for r, offset in self.queries.reminder_candidates(day, self.settings.reminder_offsets,
                                                                  self.accounts.reminder_offsets())]
        planned = self.work.plan(rows, day, self._stamp(), self.wall())
        return SweepResult(day, len(rows), planned)

    def scheduled_sweep_due(self) -> dt.date | None:
        """Today's business day if its scheduled sweep time has come and it has not run yet."""
        now = self.app.clock.now().astimezone(dt.timezone(dt.timedelta(hours=9)))
        if now.time() < self.settings.sweep_at:
            return None
        day = now.date()
        return day if self.work.sweep_needed(day, self._stamp()) else None

    def _offsets(self, programme: str) -> Sequence[int]:
        return self.settings.offsets_for(self.accounts.programme_terms(programme))

    # -- delivery ----------------------------------------------------------------------------

    def deliver(self, key: str, mailer: Mailer, day: dt.date | None = None) -> Outcome:
        day = day or today(self.app.clock)
        planned = self.work.take(key, self.wall(), self.settings.lease_seconds, self._stamp())
        if planned is None:
            current = self.work.get(key)
            return Outcome("unknown" if current is None else ("busy" if current.state in ("pending", "sending")
                                                              else "already"), current.state if current else "")
        try:
            return self._deliver(planned, mailer, day)
        except DeliveryFailed as failure:
            wait = min(self.settings.retry_seconds * 2 ** min(planned.attempts, 20), MAX_BACKOFF)
            self.work.postpone(key, self.wall() + wait, str(failure), self._stamp())
            return Outcome("postponed", str(failure))
        except BaseException as failure:
            # Anything unexpected: let the lease run out so another attempt takes it, and say why.
            self.work.postpone(key, self.wall() + self.settings.lease_seconds, f"{type(failure).__name__}: {failure}",
                               self._stamp())
            raise

    def _subject(self, p: Planned) -> "_Subject":
        """What a planned reminder is about, as the store has it now: an incident's deadline, or
        a policy's own (its next premium debit, keyed by the policy's id)."""
        if p.deadline == POLICY_DEADLINE:
            policy = uuid.UUID(p.incident)
            debits = self.app.policy_debits(policy)
            terms = self.app.policy_terms(policy)
            tracked = debits.schedule.debits or (self.accounts.programme_terms(terms.programme) or {}).get("premiums")
            return _Subject(terms, "", debit_deadline(debits.schedule) if tracked else None, debits.reminders, False,
                            lambda event: self.app.record_policy_event(policy, event, SYSTEM))
        incident = self.app._incident(uuid.UUID(p.incident))  # noqa: SLF001 — the core's own application
        policy = self.app._policy(incident.policy_id)  # noqa: SLF001
        target = next((d for d in deadlines(policy.terms, Facts(incident.facts()), cancellation(policy))
                       if d.name == p.deadline and (d.claim_ref or "") == (p.claim_ref or "")), None)
        return _Subject(policy.terms, incident.reference, target, tuple(incident.reminders), incident.closed,
                        lambda event: self.app.record(incident.id, event, SYSTEM))

    def _deliver(self, p: Planned, mailer: Mailer, day: dt.date) -> Outcome:
        subject = self._subject(p)
        terms, target = subject.terms, subject.deadline
        reminder = (p.deadline, p.claim_ref or "", p.due.isoformat(), p.offset_days)
        if any(parse_reminder_key(k) == reminder for k in subject.reminders):
            # Recorded before: by an attempt of ours that mailed it and died before this ledger
            # row was finished (its ReminderSent carries our id), or by another sender.
            ours = reminder_id(p.reminder, self.domain) if p.mailed else None
            self.work.finish(p.reminder, "sent", self._stamp(), ours)
            return Outcome("already", "recorded before")
        sent: dict[str, int] = {}
        for k in subject.reminders:
            name, claim, due, offset = parse_reminder_key(k)
            if (name, claim) == (p.deadline, p.claim_ref or ""):
                sent[due] = min(offset, sent.get(due, offset))
        still = (not subject.closed and target is not None and target.due == p.due
                 and pick(target, day, self._offsets(terms.programme), sent) == p.offset_days)
        if not still:
            self.work.finish(p.reminder, "superseded", self._stamp())
            return Outcome("superseded", "no longer owed today")
        recipients = self.accounts.recipients(terms.business, terms.programme)
        if not recipients:
            raise DeliveryFailed(f"nobody to tell: business {terms.business} and programme {terms.programme}"
                                 " have no contact or active user")
        by_lang: dict[str, list[str]] = {}
        for email, lang in recipients:
            by_lang.setdefault(lang if lang in TEXTS else "ja", []).append(email)
        shared_id = reminder_id(p.reminder, self.domain)
        refused: set[str] = set()
        for lang, emails in sorted(by_lang.items()):
            if lang in p.mailed:
                continue  # accepted by the server on an earlier attempt
            refused |= mailer.send(self.compose(p, target, terms.number, subject.reference, lang, emails, day,
                                                shared_id))
            self.work.note_mailed(p.reminder, lang)
        addresses = tuple(email for email, _ in recipients if email not in refused)
        try:
            subject.record({
                "type": "ReminderSent", "on": day.isoformat(), "deadline": p.deadline,
                **({"claim_ref": p.claim_ref} if p.claim_ref else {}),
                "due": p.due.isoformat(), "offset_days": p.offset_days, "to": list(addresses),
                "message_id": shared_id,
            })
        except AlreadySent:
            pass
        self.work.finish(p.reminder, "sent", self._stamp(), shared_id, addresses,
                         error=f"refused: {', '.join(sorted(refused))}" if refused else None)
        return Outcome("sent", ", ".join(addresses))

    def compose(self, p: Planned, deadline: Deadline, number: str, reference: str, lang: str,
                to: list[str], day: dt.date, shared_id: str) -> EmailMessage:
        text = TEXTS[lang]
        name = text["deadlines"].get(p.deadline, p.deadline)
        left = (p.due - day).days
        when = (text["overdue"].format(days=-left) if left < 0 else text["today"] if left == 0
                else text["left"].format(days=left))
        if reference:
            link = f"{self.settings.base_url}/incidents/{quote(number, safe='')}/{quote(reference, safe='')}"
            subject, body = text["subject"], text["body"]
        else:  # a policy's own deadline: its next premium debit
            link = f"{self.settings.base_url}/staff/policies/{quote(number, safe='')}"
            subject, body = text["policy_subject"], text["policy_body"]
        message = EmailMessage()
        message["Subject"] = subject.format(name=name, incident=f"{number}/{reference}", policy=number, when=when)
        message["From"] = self.settings.mail_from
        message["To"] = ", ".join(to)
        message["Date"] = format_datetime(self.app.clock.now().astimezone(dt.timezone.utc))
        message["Message-ID"] = message_id(p.reminder, lang, self.domain)
        message["References"] = shared_id
        message.set_content(body.format(
            incident=f"{number}/{reference}", policy=number, name=name, due=p.due.isoformat(), when=when,
            claim=f" ({p.claim_ref})" if p.claim_ref else "", rule=localize(deadline.rule, lang), link=link))
        message["Content-Language"] = lang  # after set_content, which clears the Content-* headers
        return message


TEXTS: dict[str, dict] = {
    "ja": {
        "subject": "【期限のお知らせ】{incident}: {name} — {when}",
        "left": "あと{days}日", "today": "本日が期限", "overdue": "期限を{days}日過ぎています",
        "body": ("個人情報漏えい事故 {incident} の期限のお知らせです。\n\n"
                 "期限: {name}{claim}\n期日: {due}（{when}）\n根拠: {rule}\n\n"
                 "事故の画面: {link}\n\n"
                 "このメールは casemgr が自動で送信しています。すでに対応済みの場合は、"
                 "事故の画面でその出来事を記録してください。\n"),
        "policy_subject": "【保険料の引落し】{policy}: {name} — {when}",
        "policy_body": ("保険契約 {policy} の保険料の口座引落しのお知らせです。\n\n"
                        "期限: {name}\n期日: {due}（{when}）\n根拠: {rule}\n\n"
                        "口座の残高をご確認ください。引落しが2か月続けてできなかった場合、"
                        "保険は始期にさかのぼって取消となります。\n\n"
                        "契約の画面（保険会社の担当者用）: {link}\n\n"
                        "このメールは casemgr が自動で送信しています。\n"),
        "deadlines": {
            "premium_debit": "保険料の口座引落し",
            "insurer_notice": "保険会社への事故通知", "ppc_preliminary": "個人情報保護委員会への速報",
            "ppc_final": "個人情報保護委員会への確報", "individual_notice": "本人への通知",
            "expense_window": "事故対応期間（180日）の終了", "claim_filing_liability": "保険金請求（賠償責任）",
            "claim_filing_expenses": "保険金請求（費用）",
        },
    },
    "en": {
        "subject": "[Deadline] {incident}: {name} — {when}",
        "left": "{days} days left", "today": "due today", "overdue": "{days} days overdue",
        "body": ("A deadline of the personal-information leak {incident}.\n\n"
                 "Deadline: {name}{claim}\nDue: {due} ({when})\nRule: {rule}\n\n"
                 "The incident: {link}\n\n"
                 "casemgr sends this mail by itself. If it is done already, record it on the incident's page.\n"),
        "policy_subject": "[Premium debit] {policy}: {name} — {when}",
        "policy_body": ("About the premium debit of policy {policy}.\n\n"
                        "Deadline: {name}\nDue: {due} ({when})\nRule: {rule}\n\n"
                        "Please make sure the account holds the premium. If the debit fails two months in a row, "
                        "the policy is cancelled back to its start.\n\n"
                        "The policy (for the insurer's staff): {link}\n\n"
                        "casemgr sends this mail by itself.\n"),
        "deadlines": {
            "premium_debit": "Premium debit",
            "insurer_notice": "Notice to the insurer", "ppc_preliminary": "PPC preliminary report",
            "ppc_final": "PPC final report", "individual_notice": "Notice to the people affected",
            "expense_window": "End of the expense period (180 days)",
            "claim_filing_liability": "Insurance claim (liability)", "claim_filing_expenses": "Insurance claim (expenses)",
        },
    },
}


@dataclass(frozen=True)
class _Subject:
    terms: PolicyTerms
    reference: str  # "" for a policy's own deadline
    deadline: Deadline | None  # the deadline as it stands now (None: no longer there)
    reminders: tuple[str, ...]  # the reminder keys recorded on it
    closed: bool
    record: Callable[[dict], str]  # records a ReminderSent on it


def check_day(day: dt.date, clock_today: dt.date) -> None:
    if day > clock_today:
        raise DomainError(f"{day} is after today ({clock_today}): a sweep cannot run ahead of the clock", "today")
