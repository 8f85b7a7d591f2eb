"""The ``casemgr`` console command (DOMAIN §8).

Output is for a person by default and JSON with ``--json``. Bad input exits
with status 2 and one line on stderr naming the field and the problem; nothing
is stored.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from casemgr.application import MAX_VERSION, IncidentStatement
from casemgr.bootstrap import Core, bootstrap
from casemgr.cli_input import BusinessDate, Fail, Group, login_operator, read_import, read_json
from casemgr.errors import DomainError
from casemgr.formatting import deadline_json, policy_json, statement_json, subject, yen
from casemgr.readmodels.queries import DeadlineFilter
from casemgr.rules.deadlines import STATUSES
from events.values import DEADLINES, JST, Actor

out = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)  # 160 when piped
err = Console(stderr=True, highlight=False)
ACCOUNT_ROLES = ("insured", "staff", "admin")


class StoreFailure(Fail):
    """One line on stderr and exit status 1: the store could not do it."""

    exit_code = 1


def _parse_as(value: str | None) -> Actor:
    """``ROLE:USER`` as typed; accounts are looked up once the store is open (``_session``).
    Without ``--as``, the console operator under the login name."""
    if value is None:
        return login_operator()
    role, sep, user = value.partition(":")
    if not sep or not user:
        raise click.BadParameter("write ROLE:USER, e.g. insured:alice@example.jp", param_hint="'--as'")
    try:
        return Actor(role, user)
    except DomainError as exc:
        raise click.BadParameter(str(exc), param_hint="'--as'") from None


def _acting(core: Core, given: Actor) -> Actor:
    """The console's actor: the system and the operator as typed; a user role must name an
    active user of that role, whose business or programmes then bound what it sees."""
    if given.role not in ACCOUNT_ROLES:
        return given
    operator = Actor("operator", "console")
    try:
        user = core.accounts.user(given.user, operator)
    except DomainError:
        raise Fail(f"--as: no user {given.user!r}; add one with `casemgr users add`") from None
    if not user.active:
        raise Fail(f"--as: {given.user} is deactivated")
    if user.role != given.role:
        raise Fail(f"--as: {given.user} is an {user.role} user, not {given.role}" if user.role[0] in "aeiou"
                   else f"--as: {given.user} is a {user.role} user, not {given.role}")
    return Actor(user.role, user.email, user.business, frozenset(user.programmes))


@contextmanager
def _session(ctx: click.Context) -> Iterator[Core]:
    """The process's core for one command; ``ctx.obj`` becomes the resolved actor."""
    try:
        core = bootstrap()
    except DomainError as exc:
        raise Fail(str(exc)) from None
    except Exception as exc:  # the store cannot be opened: say so, without a trace
        if os.environ.get("CASEMGR_DEBUG"):
            raise
        raise StoreFailure(f"cannot open the store: {type(exc).__name__}: {exc}") from None
    try:
        ctx.obj = _acting(core, ctx.obj)
        yield core
    except DomainError as exc:
        raise Fail(str(exc)) from None
    except (click.ClickException, click.exceptions.Exit):
        raise
    except Exception as exc:  # the store failed under us: one line, no trace (CASEMGR_DEBUG=1 shows it)
        if os.environ.get("CASEMGR_DEBUG"):
            raise
        raise StoreFailure(f"the store failed: {type(exc).__name__}: {exc}") from None
    finally:
        core.close()


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _warn_view(view_error: str | None) -> None:
    """A write is stored; say so when the read model could not follow it."""
    if view_error:
        click.echo(f"casemgr: warning: stored, but the read model could not catch up ({view_error}); "
                   "it catches up on the next command, or run `casemgr rebuild-projections`", err=True)


def _warn_stale(view_error: str | None) -> None:
    """Reads go on from the view as it is when it cannot catch up; say so."""
    if view_error:
        click.echo(f"casemgr: warning: the read model could not catch up ({view_error}); showing it as it was "
                   "— run `casemgr rebuild-projections` after repairing the cause", err=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--as", "actor", default=None, show_default="operator:<your login>",
              metavar="ROLE:USER", help="Who is acting: operator or system as named; insured, staff or admin "
                                        "as a user added with `casemgr users add` (its e-mail).")
@click.pass_context
def main(ctx: click.Context, actor: str) -> None:
    """Incident-response case manager for personal-information leak insurance.

    The store is named by CASEMGR_DATABASE_URL (default: sqlite:///instance/casemgr.sqlite).
    An INCIDENT is its id or POLICY-NUMBER/REFERENCE, e.g. SK-2005-0001/INC-1."""
    ctx.obj = _parse_as(actor)


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, file: Path) -> None:
    """Store an incident log (a policy and its incidents): all of it or nothing."""
    log = read_import(file)
    with _session(ctx) as core:
        result = core.service.import_log(ctx.obj, log)
    _print_json({"policy": str(result.policy), "incidents": {k: str(v) for k, v in result.incidents.items()}})
    _warn_view(result.view_error)


@main.command()
@click.argument("incident")
@click.pass_context
def export(ctx: click.Context, incident: str) -> None:
    """Print the incident log of one incident (re-importable into another store)."""
    with _session(ctx) as core:
        _print_json(core.service.export(ctx.obj, incident))


@main.command()
@click.argument("incident")
@click.argument("event_json")
@click.pass_context
def record(ctx: click.Context, incident: str, event_json: str) -> None:
    """Record one event (JSON, or - to read it from stdin); prints its id.

    Policy numbers, references and claim refs are kept in plaintext in the read model even
    in an encrypted store: never type a person's name into them."""
    payload = read_json(sys.stdin.buffer if event_json == "-" else event_json, "EVENT_JSON")
    with _session(ctx) as core:
        result = core.service.record(ctx.obj, incident, payload)
    click.echo(result.id)
    _warn_view(result.view_error)


@main.command()
@click.argument("incident")
@click.option("--version", "version", type=click.IntRange(min=1, max=MAX_VERSION),
              help="As the incident stood at this version.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def statement(ctx: click.Context, incident: str, version: int | None, as_json: bool) -> None:
    """What the policy pays for the incident, line by line."""
    with _session(ctx) as core:
        result = core.service.statement(ctx.obj, incident, version)
    if as_json:
        _print_json(statement_json(result))
    else:
        _print_statement(result)


@main.command()
@click.option("--incident", help="Only this incident.")
@click.option("--today", "on", type=BusinessDate(),
              help="Statuses as of this business date (default: today in JST).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES), help="Only these statuses (repeat).")
@click.option("--deadline", type=click.Choice([d for d in DEADLINES]), help="Only this kind of deadline.")
@click.option("--programme", "programmes", multiple=True, metavar="CODE", help="Only these programmes (repeat).")
@click.option("--business", "businesses", multiple=True, metavar="CODE", help="Only these businesses (repeat).")
@click.option("--closed/--open", "closed", default=None, help="Only closed, or only open, incidents.")
@click.option("--per-page", type=click.IntRange(1, 500), help="One page of this many rows (the next page's "
              "cursor goes to stderr); default: every row.")
@click.option("--cursor", help="The page after this cursor.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def deadlines(ctx: click.Context, incident: str | None, on: dt.date | None, statuses: tuple[str, ...],
              deadline: str | None, programmes: tuple[str, ...], businesses: tuple[str, ...], closed: bool | None,
              per_page: int | None, cursor: str | None, as_json: bool) -> None:
    """Deadlines across the incidents you may see (from the read model): overdue first, then by due date."""
    with _session(ctx) as core:
        service = core.service
        _warn_stale(service.catch_up_quietly())
        target = service.find_incident(ctx.obj, incident) if incident else None
        day = on or service.today()
        flt = DeadlineFilter(statuses=statuses or STATUSES, deadline=deadline, incident=target, closed=closed)
        rows, nxt = [], cursor
        while True:
            page = service.deadlines(ctx.obj, day, flt, programmes or None, businesses or None,
                                     per_page or 500, nxt)
            rows += page.rows
            nxt = page.next
            if per_page or nxt is None:
                break
    if per_page and nxt:
        click.echo(f"next page: --cursor {nxt}", err=True)
    if as_json:
        _print_json([deadline_json(r) for r in rows])
        return
    table = Table(title=f"Deadlines as of {day}", title_justify="left")
    for column in ("incident", "deadline", "claim", "due", "status", "rule"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(subject(r.policy_number, r.reference), r.deadline, r.claim_ref or "",
                      f"{r.due:%a %Y-%m-%d}", r.status + (f" ({r.met_on})" if r.met_on else ""), r.rule)
    out.print(table)


@main.command()
@click.option("--today", "on", type=BusinessDate(),
              help="Deadline statuses as of this business date (default: today in JST).")
@click.option("--programme", "programmes", multiple=True, metavar="CODE", help="Only these programmes (repeat).")
@click.option("--business", "businesses", multiple=True, metavar="CODE", help="Only these businesses (repeat).")
@click.option("--closed/--open", "closed", default=None, help="Only closed, or only open, incidents.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def incidents(ctx: click.Context, on: dt.date | None, programmes: tuple[str, ...], businesses: tuple[str, ...],
              closed: bool | None, as_json: bool) -> None:
    """The incidents you may see, newest discovery first, with their deadlines counted by status."""
    with _session(ctx) as core:
        service = core.service
        _warn_stale(service.catch_up_quietly())
        day = on or service.today()
        rows, nxt = [], None
        while True:
            page = service.incidents(ctx.obj, day, closed, programmes or None, businesses or None, None, 500, nxt)
            rows += page.rows
            if (nxt := page.next) is None:
                break
    if as_json:
        _print_json([{"incident": str(r.incident), "reference": f"{r.policy_number}/{r.reference}",
                      "programme": r.programme, "business": r.business, "discovered_on": r.discovered_on.isoformat(),
                      "closed": r.closed, "version": r.version, "deadlines": r.statuses} for r in rows])
        return
    table = Table(title=f"Incidents as of {day}", title_justify="left")
    for column in ("incident", "programme", "business", "discovered", "closed", "overdue", "due soon"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(f"{r.policy_number}/{r.reference}", r.programme, r.business, r.discovered_on.isoformat(),
                      "yes" if r.closed else "", str(r.statuses.get("overdue", 0)), str(r.statuses.get("due_soon", 0)))
    out.print(table)


@main.command()
@click.argument("incident")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def history(ctx: click.Context, incident: str, as_json: bool) -> None:
    """The incident's timeline: every event, voided ones included."""
    with _session(ctx) as core:
        rows = core.service.history(ctx.obj, incident)
    if as_json:
        _print_json([
            {"id": r.id, "type": r.type, "on": r.on.isoformat(), "at": r.at,
             "recorded_at": r.recorded_at.isoformat(), "by": r.by, "role": r.role,
             "note": r.note, "data": r.data, "voided_by": r.voided_by}
            for r in rows
        ])
        return
    table = Table()
    for column in ("id", "business date", "recorded at", "event", "who", "details"):
        table.add_column(column, overflow="fold")
    for r in rows:
        details = ", ".join(f"{k}={v}" for k, v in r.data.items())
        event = f"[strike]{r.type}[/strike] (voided by {r.voided_by})" if r.voided_by else r.type
        table.add_row(r.id, r.on.isoformat(), f"{r.recorded_at.astimezone(JST):%Y-%m-%d %H:%M:%S%z}", event,
                      f"{r.by} ({r.role})", details + (f" — {r.note}" if r.note else ""))
    out.print(table)


@main.command("rebuild-projections")
@click.pass_context
def rebuild_projections(ctx: click.Context) -> None:
    """Rebuild the read model from the event store, beside the old one, then swap them."""
    with _session(ctx) as core:
        with Progress("rebuilding the read model", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err) as bar:
            task = bar.add_task("events", total=core.service.notification_count())
            count = core.service.rebuild_read_model(
                ctx.obj, progress=lambda done, total: bar.update(task, completed=done, total=total))
    click.echo(f"rebuilt the read model from {count:,} events", err=True)


@main.group()
def policy() -> None:
    """Policies (DOMAIN §2)."""


@policy.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def policy_show(ctx: click.Context, number: str, as_json: bool) -> None:
    """A policy's terms and the limits its incidents have used so far."""
    with _session(ctx) as core:
        usage = core.service.policy(ctx.obj, number)
    t = usage.terms
    data = policy_json(usage)
    if as_json:
        _print_json(data)
        return
    table = Table(title=f"Policy {t.number} ({t.programme}, business {t.business})", title_justify="left")
    for column in ("part", "limit", "used", "left"):
        table.add_column(column, justify="right" if column != "part" else "left")
    table.add_row("liability", yen(t.liability_limit_yen), yen(usage.liability_used_yen),
                  yen(data["left"]["liability_yen"]))
    table.add_row("expenses", yen(t.expense_limit_yen), yen(usage.expenses_used_yen), yen(data["left"]["expenses_yen"]))
    out.print(table)
    out.print(f"{usage.incidents} incident(s); period {t.period_start} – {t.period_end}")
    if usage.premium is not None:
        e = usage.premium
        shown = "quoted individually" if e.premium_yen is None else ("about " if e.approximate else "") + yen(e.premium_yen)
        out.print(f"Premium: {shown} yen ({e.months} months" + (", PL 5% off" if e.pl_insurance else "") + ")")
    elif usage.premium_problem:
        out.print(f"Premium: no estimate ({usage.premium_problem})")
    s = usage.debits
    if s is not None:
        for d in s.debits:
            out.print(f"  {d.id} {d.type} on {d.on}" + (f", {yen(d.amount_yen)} yen" if d.amount_yen else "")
                      + f" (due {d.due})")
        for v in usage.voided_debits:
            out.print(f"  {v.id} {v.type} on {v.on}: voided by {v.voided_by} ({v.reason})", markup=False)
        if s.cancelled_on:
            out.print(f"[bold]Cancelled from its start[/bold] ({s.rule}); every incident under it pays 0")
        elif s.paid_on:
            out.print(f"Premium paid: {s.rule}")
        elif usage.debits_tracked:
            out.print(f"Next debit due {s.due:%a %Y-%m-%d}: {s.rule}")
        else:
            out.print("Debits: not tracked (the programme has no premium table and none was recorded)")
    if usage.warning:
        out.print(f"[bold]Warning:[/bold] {usage.warning}")


@main.command()
@click.option("--password-stdin", is_flag=True, help="Read the demo users' password from stdin (default: demo-password-2005).")
@click.pass_context
def demo(ctx: click.Context, password_stdin: bool) -> None:
    """Load the demo: the seeds' cases, a demo programme, and users to log in as (idempotent)."""
    from casemgr.demo import load_demo

    password = sys.stdin.read().rstrip("\r\n") if password_stdin else "demo-password-2005"
    with _session(ctx) as core:
        if ctx.obj.role != "operator":
            raise Fail("role: the demo is loaded by the console operator")
        logins = load_demo(core, password)
    for login in logins:
        click.echo(f"{login.role:8} {login.email:28} password: {login.password}   sees {login.sees}")


@main.group()
def reminders() -> None:
    """Deadline reminders (DOMAIN §4.2)."""


@reminders.command("due")
@click.option("--today", "on", type=BusinessDate(),
              help="The sweep's business date (default: today in JST).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def reminders_due(ctx: click.Context, on: dt.date | None, as_json: bool) -> None:
    """The reminders a sweep on that day would send now, with the recipients; sends nothing."""
    with _session(ctx) as core:
        _warn_stale(core.service.catch_up_quietly())
        due = core.service.reminders_due(ctx.obj, on or None)
    if as_json:
        _print_json([{"incident": str(r.incident), "reference": subject(r.policy_number, r.reference),
                      "deadline": r.deadline, "claim_ref": r.claim_ref, "due": r.due.isoformat(),
                      "offset_days": r.offset_days, "to": list(r.to)} for r in due])
        return
    table = Table(title=f"Reminders due ({len(due)})", title_justify="left")
    for column in ("incident", "deadline", "claim", "due", "offset", "to"):
        table.add_column(column, overflow="fold")
    for r in due:
        table.add_row(subject(r.policy_number, r.reference), r.deadline, r.claim_ref or "", f"{r.due:%a %Y-%m-%d}",
                      "overdue" if r.offset_days < 0 else f"{r.offset_days} days", ", ".join(r.to) or "(nobody)")
    out.print(table)


def _print_statement(result: IncidentStatement) -> None:
    view, s = result.incident, result.statement
    estimated = " (estimated)" if s.accident_estimated else ""
    out.print(f"Statement {view.policy_number}/{view.reference} at version {view.version}: "
              f"accident date {s.accident_date}{estimated}")
    parts = Table(show_header=False, box=None)
    parts.add_column(); parts.add_column(justify="right")
    l, e = s.liability, s.expenses
    for label, value in (
        ("Liability part", None), ("  victims and defence", l.victims_yen), ("  third-party expenses", l.third_party_yen),
        ("  credit card", l.credit_card_yen), ("  network", l.network_yen), ("  gross", l.gross_yen),
        ("  deductible", -l.deductible_yen), ("  payable", l.payable_yen),
        ("Expense part", None), ("  eligible", e.eligible_yen), ("  deductible", -e.deductible_yen),
        (f"  coinsured ({e.coinsurance_pct}%)", e.coinsured_yen), ("  payable", e.payable_yen),
        ("Total payable", s.total_payable_yen), ("Paid", s.paid_yen), ("Outstanding", s.outstanding_yen),
    ):
        parts.add_row(label, "" if value is None else yen(value))
    out.print(parts)
    lines = Table(title="Lines", title_justify="left")
    for column in ("event", "date", "type", "part", "amount", "counted", "rule"):
        lines.add_column(column, justify="right" if column in ("amount", "counted") else "left", overflow="fold")
    for line in s.lines:
        lines.add_row(line.event, line.on.isoformat(), line.type, line.part, yen(line.amount_yen),
                      yen(line.counted_yen), line.rule)
    out.print(lines)
    for a in s.apportionments:  # DOMAIN §5.4: a part shared with other insurance
        out.print(f"Other insurance, {a.part} part: loss {yen(a.loss_yen)}, this policy on its own {yen(a.own_yen)}, "
                  + ", ".join(f"{o.insurer} {yen(o.share_yen)}" for o in a.others)
                  + f" -> payable {yen(a.payable_yen)}: {a.rule}")
    if s.flags:
        out.print("Flags:")
        for flag in s.flags:
            out.print(f"  - {flag}")


from casemgr.cli_accounts import register  # noqa: E402  (users, tokens, programmes, businesses: DOMAIN §9.2)
register(main)

from casemgr.cli_whatif import register as register_whatif  # noqa: E402  (what-if: DOMAIN §12)
register_whatif(main)

from casemgr.cli_workers import register as register_workers  # noqa: E402  (reminders sweep, status, clock)
register_workers(main)

from casemgr.cli_diagnosis import register as register_diagnosis  # noqa: E402  (risk diagnosis: DOMAIN §11)
register_diagnosis(main)

from casemgr.cli_premiums import register as register_premiums  # noqa: E402  (premiums, policy events: DOMAIN §10)
register_premiums(main)
