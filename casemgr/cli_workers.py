"""``casemgr reminders sweep``, ``casemgr status`` and ``casemgr clock``: the workers' work by
hand, how they are doing, and the movable clock (issue 8)."""

from __future__ import annotations

import datetime as dt
import re

import click
from rich.table import Table

from casemgr.cli import Fail, _print_json, _session, _warn_stale, out
from casemgr.cli_input import BusinessDate
from casemgr.clock import FileClock, clock_from
from casemgr.formatting import subject
from casemgr.settings import Settings
from events.values import JST


@click.command("sweep")
@click.option("--today", "on", type=BusinessDate(), help="The sweep's business date (default: today in JST); "
                                                          "not after today.")
@click.option("--plan-only", is_flag=True, help="Plan the reminders into the ledger and leave sending to the workers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def sweep(ctx: click.Context, on: dt.date | None, plan_only: bool, as_json: bool) -> None:
    """Run a reminder sweep now: plan what is due (DOMAIN §4.2) and send it, exactly as the
    workers' scheduled sweep does (mail over CASEMGR_SMTP_URL, or into <instance>/mail)."""
    with _session(ctx) as core:
        _warn_stale(core.service.catch_up_quietly())
        result = core.service.sweep(ctx.obj, on)
        outcomes = {}
        if not plan_only:
            for key in result.planned:
                outcomes[key] = core.service.deliver_reminder(ctx.obj, key, day=result.day)
            core.service.catch_up_quietly()
    if as_json:
        _print_json({"day": result.day.isoformat(), "due": result.due, "planned": result.planned,
                     "outcomes": {k: {"state": o.state, "detail": o.detail} for k, o in outcomes.items()}})
        return
    out.print(f"Sweep of {result.day}: {result.due} due, {len(result.planned)} owed")
    for key, outcome in outcomes.items():
        out.print(f"  {outcome.state:10} {key}  {outcome.detail}")
    if any(o.state == "postponed" for o in outcomes.values()):
        raise Fail("some reminders could not be sent; they stay owed and the workers retry them "
                   "(see `casemgr status`)")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """How the workers are doing: queue depth, how far behind the read model, the follower and
    the statements are, the last sweep, and deliveries that failed."""
    with _session(ctx) as core:
        s = core.service.status(ctx.obj)
    sweep_row = dict(s.last_sweep) if s.last_sweep else None
    data = {
        "events": s.events, "read_model_lag": s.view_lag, "follower_lag": s.follower_lag,
        "stale_statements": s.stale_statements, "reminders": s.ledger, "last_sweep": sweep_row,
        "queue_depth": dict(zip(("value", "at"), s.figures["queue_depth"])) if "queue_depth" in s.figures else None,
        "failing": [{"reminder": p.reminder, "incident": subject(number, reference), "attempts": p.attempts,
                     "last_error": p.last_error} for p, number, reference in s.failing],
    }
    if as_json:
        _print_json(data)
        return
    table = Table(show_header=False, box=None)
    table.add_column()
    table.add_column()
    depth = data["queue_depth"]
    rows = [
        ("events in the store", str(s.events)),
        ("read model behind by", f"{s.view_lag} events"),
        ("follower behind by", f"{s.follower_lag} events"),
        ("policies with stale statements", str(s.stale_statements)),
        ("queue depth", f"{depth['value']} (measured {depth['at']})" if depth else "not measured yet (is beat running?)"),
        ("last sweep", f"{sweep_row['day']}: started {sweep_row['started_at']}, "
                       + (f"finished {sweep_row['finished_at']}, {sweep_row['planned']} planned"
                          if sweep_row["finished_at"] else "not finished") if sweep_row else "none yet"),
        ("reminders", ", ".join(f"{k} {v}" for k, v in sorted(s.ledger.items())) or "none"),
    ]
    for row in rows:
        table.add_row(*row)
    out.print(table)
    if s.failing:
        out.print("Failing deliveries:")
        for p, number, reference in s.failing:
            out.print(f"  {subject(number, reference)} {p.deadline} due {p.due} ({p.reminder})  attempts {p.attempts}:"
                      f" {p.last_error}")


@click.group()
def clock() -> None:
    """The movable clock (CASEMGR_CLOCK=file:PATH): the demo's, and tests'."""


def _movable() -> FileClock:
    try:
        settings = Settings.from_env()
    except Exception as exc:  # noqa: BLE001 — a bad setting is one line
        raise Fail(str(exc)) from None
    moved = clock_from(settings.clock)
    if not isinstance(moved, FileClock):
        raise Fail("CASEMGR_CLOCK: the system clock cannot be moved; set CASEMGR_CLOCK=file:PATH (./run does)")
    return moved


@clock.command("show")
def clock_show() -> None:
    """What time it is on the clock (JST)."""
    moved = _movable()
    out.print(f"{moved.now().astimezone(JST):%Y-%m-%d %H:%M:%S} JST (moved by {moved.offset()})")


@clock.command("set")
@click.argument("instant")
def clock_set(instant: str) -> None:
    """Set the clock to INSTANT: YYYY-MM-DDTHH:MM (JST unless an offset is given)."""
    try:
        value = dt.datetime.fromisoformat(instant)
    except ValueError:
        raise Fail(f"INSTANT: {instant[:40]!r} is not YYYY-MM-DDTHH:MM[+09:00]") from None
    if not 1900 <= value.year <= 2999:
        raise Fail("INSTANT: the year must be 1900-2999")
    moved = _movable()
    moved.set(value if value.tzinfo else value.replace(tzinfo=JST))
    clock_show.callback()  # type: ignore[misc]


@clock.command("advance")
@click.argument("amount")
def clock_advance(amount: str) -> None:
    """Move the clock forward by AMOUNT: e.g. 1d, 7d, 3h, 30m."""
    match = re.fullmatch(r"([1-9][0-9]{0,4})([dhm])", amount)
    if not match:
        raise Fail(f"AMOUNT: {amount[:20]!r} is not a number followed by d, h or m, e.g. 1d")
    number, unit = int(match[1]), match[2]
    _movable().advance(dt.timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: number}))
    clock_show.callback()  # type: ignore[misc]


def register(group: click.Group) -> None:
    group.commands["reminders"].add_command(sweep)  # type: ignore[attr-defined]
    group.add_command(status)
    group.add_command(clock)
