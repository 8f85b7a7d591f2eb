"""The ``casemgr`` console command (DOMAIN §8).

Output is for a person by default and JSON with ``--json``. Bad input exits
with status 2 and one line on stderr naming the field and the problem; nothing
is stored.
"""

from __future__ import annotations

import datetime as dt
import getpass
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

from casemgr.application import CaseManager, IncidentStatement
from casemgr.bootstrap import build_app, build_projection
from casemgr.clock import today
from casemgr.errors import DomainError
from casemgr.formatting import statement_json, yen
from events.values import Actor

out = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)  # 160 when piped
err = Console(stderr=True, highlight=False)


class Fail(click.ClickException):
    """One line on stderr and exit status 2: the input was refused."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"casemgr: error: {self.message}", err=True)


class StoreFailure(Fail):
    """One line on stderr and exit status 1: the store could not do it."""

    exit_code = 1


def _actor(value: str) -> Actor:
    role, _, user = value.partition(":")
    try:
        return Actor(role, user or getpass.getuser())
    except DomainError as exc:
        raise click.BadParameter(exc.message) from None


@contextmanager
def _session(ctx: click.Context) -> Iterator[CaseManager]:
    try:
        app = build_app()
    except DomainError as exc:
        raise Fail(str(exc)) from None
    except Exception as exc:  # the store cannot be opened: say so, without a trace
        if os.environ.get("CASEMGR_DEBUG"):
            raise
        raise StoreFailure(f"cannot open the store: {type(exc).__name__}: {exc}") from None
    try:
        yield app
    except DomainError as exc:
        raise Fail(str(exc)) from None
    except (click.ClickException, click.exceptions.Exit):
        raise
    except Exception as exc:  # the store failed under us: one line, no trace (CASEMGR_DEBUG=1 shows it)
        if os.environ.get("CASEMGR_DEBUG"):
            raise
        raise StoreFailure(f"the store failed: {type(exc).__name__}: {exc}") from None
    finally:
        app.close()


def _incident(app: CaseManager, text: str):  # -> uuid.UUID
    """The incident the user named (id or POLICY/REFERENCE); an unknown one is refused by name."""
    incident = app.resolve(text)
    if not app.has_incident(incident):
        raise Fail(f"incident: no incident {text}")
    return incident


def _read_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Fail(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _catch_up(app: CaseManager) -> None:
    projection = build_projection(app)
    try:
        projection.catch_up()
    finally:
        projection.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--as", "actor", default=f"operator:{getpass.getuser()}", show_default=True,
              metavar="ROLE:USER", help="Who is acting: insured, staff, system or operator.")
@click.pass_context
def main(ctx: click.Context, actor: str) -> None:
    """Incident-response case manager for personal-information leak insurance.

    The store is named by CASEMGR_DATABASE_URL (default: sqlite:///instance/casemgr.sqlite).
    An INCIDENT is its id or POLICY-NUMBER/REFERENCE, e.g. SK-2005-0001/INC-1."""
    ctx.obj = _actor(actor)


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, file: Path) -> None:
    """Store an incident log (a policy and its incidents): all of it or nothing."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Fail(f"{file}: cannot read it ({exc.__class__.__name__}: {exc})") from None
    log = _read_json(text, str(file))
    with _session(ctx) as app:
        result = app.import_log(log, ctx.obj)
        _catch_up(app)
    _print_json({"policy": str(result.policy), "incidents": {k: str(v) for k, v in result.incidents.items()}})


@main.command()
@click.argument("incident")
@click.pass_context
def export(ctx: click.Context, incident: str) -> None:
    """Print the incident log of one incident (re-importable into another store)."""
    with _session(ctx) as app:
        _print_json(app.export(_incident(app, incident)))


@main.command()
@click.argument("incident")
@click.argument("event_json")
@click.pass_context
def record(ctx: click.Context, incident: str, event_json: str) -> None:
    """Record one event (JSON, or - to read it from stdin); prints its id."""
    text = sys.stdin.read() if event_json == "-" else event_json
    payload = _read_json(text, "EVENT_JSON")
    with _session(ctx) as app:
        new_id = app.record(_incident(app, incident), payload, ctx.obj)
        _catch_up(app)
    click.echo(new_id)


@main.command()
@click.argument("incident")
@click.option("--version", "version", type=click.IntRange(min=1), help="As the incident stood at this version.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def statement(ctx: click.Context, incident: str, version: int | None, as_json: bool) -> None:
    """What the policy pays for the incident, line by line."""
    with _session(ctx) as app:
        result = app.statement(_incident(app, incident), version)
    if as_json:
        _print_json(statement_json(result))
    else:
        _print_statement(result)


@main.command()
@click.option("--incident", help="Only this incident.")
@click.option("--today", "on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Statuses as of this business date (default: today in JST).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def deadlines(ctx: click.Context, incident: str | None, on: dt.datetime | None, as_json: bool) -> None:
    """Deadlines across all incidents (from the read model), soonest first."""
    with _session(ctx) as app:
        target = app.resolve(incident) if incident else None
        projection = build_projection(app)
        try:
            projection.catch_up()
            day = on.date() if on else today(app.clock)
            rows = projection.deadlines(day, target)
        finally:
            projection.close()
        if target is not None and not rows:  # every incident has deadlines: an unknown one is an error
            raise Fail(f"incident: no incident {incident}")
    if as_json:
        _print_json([
            {"incident": str(r.incident), "reference": f"{r.policy_number}/{r.reference}", "deadline": r.deadline,
             "claim_ref": r.claim_ref, "due": r.due.isoformat(), "status": r.status,
             "met_on": r.met_on.isoformat() if r.met_on else None, "rule": r.rule}
            for r in rows
        ])
        return
    table = Table(title=f"Deadlines as of {day}", title_justify="left")
    for column in ("incident", "deadline", "claim", "due", "status", "rule"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(f"{r.policy_number}/{r.reference}", r.deadline, r.claim_ref or "",
                      f"{r.due:%a %Y-%m-%d}", r.status + (f" ({r.met_on})" if r.met_on else ""), r.rule)
    out.print(table)


@main.command()
@click.argument("incident")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def history(ctx: click.Context, incident: str, as_json: bool) -> None:
    """The incident's timeline: every event, voided ones included."""
    with _session(ctx) as app:
        rows = app.history(_incident(app, incident))
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
        table.add_row(r.id, r.on.isoformat(), f"{r.recorded_at:%Y-%m-%d %H:%M:%S%z}", event,
                      f"{r.by} ({r.role})", details + (f" — {r.note}" if r.note else ""))
    out.print(table)


@main.command("rebuild-projections")
@click.pass_context
def rebuild_projections(ctx: click.Context) -> None:
    """Rebuild the read models from the event store, from scratch."""
    with _session(ctx) as app:
        projection = build_projection(app)
        try:
            with Progress("rebuilding deadlines", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err) as bar:
                task = bar.add_task("events", total=app.recorder.max_notification_id() or 0)
                count = projection.rebuild(progress=lambda done, total: bar.update(task, completed=done, total=total))
        finally:
            projection.close()
    click.echo(f"rebuilt the deadline view from {count:,} events", err=True)


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
    if s.flags:
        out.print("Flags:")
        for flag in s.flags:
            out.print(f"  - {flag}")


from casemgr.cli_accounts import register  # noqa: E402  (users, tokens, programmes, businesses: DOMAIN §9.2)
register(main)
