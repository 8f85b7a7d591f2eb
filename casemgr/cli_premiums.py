"""Console commands for premiums and the policy's life (DOMAIN §9.2, §10):

* ``casemgr programmes import FILE`` — create or update a programme from a programme file;
* ``casemgr programmes show CODE`` — its terms, premium table and size;
* ``casemgr premium --programme CODE --pattern P --industry CLASS --revenue YEN [--pl]
  [--applied YYYY-MM-DD] [--json]`` — the estimate;
* ``casemgr policy record NUMBER EVENT_JSON`` — ``PremiumDebited`` / ``PremiumDebitFailed``.

Registered into ``casemgr.cli.main`` by the last lines of that module. Bad input: exit
status 2 and one line on stderr naming the field; nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from rich.table import Table

from casemgr.cli_input import BusinessDate, Fail, read_import, read_json
from casemgr.formatting import premium_json, programme_json, yen
from casemgr.rules.premiums import Estimate


def _cli():  # type: ignore[no-untyped-def]
    from casemgr import cli  # the main module registers this one at its end

    return cli


def _revenue(value: str) -> int:
    cleaned = value.replace(",", "").replace("_", "")
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 16:
        raise Fail(f"revenue_yen: must be a whole number of yen, 0 or more (got {value[:40]!r})")
    return int(cleaned)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def programmes_import(ctx: click.Context, file: Path) -> None:
    """Create or update a programme from a programme file (DOMAIN §10); prints its code.

    Every field is checked first: a refused file stores nothing. Importing the same file
    again records nothing; a changed premium table is recorded as the programme's new terms."""
    cli = _cli()
    payload = read_import(file)
    with cli._session(ctx) as core:
        result = core.service.import_programme(ctx.obj, payload)
    click.echo(result.programme.code)
    click.echo("created" if result.created else "updated" if result.changed else "unchanged: nothing recorded",
               err=True)


@click.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def programmes_show(ctx: click.Context, code: str, as_json: bool) -> None:
    """A programme's terms, premium table and size."""
    cli = _cli()
    with cli._session(ctx) as core:
        summary = core.service.programme(ctx.obj, code)
    data = programme_json(summary)
    if as_json:
        cli._print_json(data)
        return
    p, terms = summary.programme, summary.programme.terms or {}
    cli.out.print(f"Programme {p.code}: {p.name}" + (f" ({p.insurer})" if p.insurer else ""))
    if terms:
        cli.out.print(f"period {terms['period_start']} – {terms['period_end']}; patterns {', '.join(terms['patterns'])};"
                      f" insurer notice {terms['insurer_notice_days']} days")
    own = "the programme's own" if terms.get("reminder_offsets") else "the installation's CASEMGR_REMINDER_OFFSETS"
    cli.out.print(f"reminders {', '.join(map(str, summary.reminder_offsets))} days before a due date ({own})"
                  " and once overdue")
    premiums = terms.get("premiums") or {}
    for pattern, rows in premiums.items():
        if pattern == "bands_yen":
            continue
        table = Table(title=f"Annual premium, pattern {pattern} (revenue up to …)", title_justify="left")
        table.add_column("industry class")
        for bound in premiums["bands_yen"]:
            table.add_column(yen(bound), justify="right")
        for industry, cells in rows.items():
            table.add_row(industry, *[f"約 {yen(c['yen'])}" if isinstance(c, dict) else yen(c) for c in cells])
        cli.out.print(table)
    cli.out.print(f"{summary.enrolled_businesses} enrolled business(es)")
    if summary.warning:
        cli.out.print(f"[bold]Warning:[/bold] {summary.warning}")


@click.command("premium")
@click.option("--programme", required=True, metavar="CODE", help="The programme whose premium table to use.")
@click.option("--pattern", required=True, metavar="P", help="The pattern (A–E) the table prices.")
@click.option("--industry", required=True, metavar="CLASS", help="The industry class of the table (e.g. retail).")
@click.option("--revenue", required=True, metavar="YEN", help="Annual revenue in yen (commas allowed).")
@click.option("--pl", "pl_insurance", is_flag=True, help="Holds a valid SME PL policy: 5% off.")
@click.option("--applied", type=BusinessDate(), help="A mid-term application date (cover from the 1st of the "
              "second month after it).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def premium(ctx: click.Context, programme: str, pattern: str, industry: str, revenue: str, pl_insurance: bool,
            applied: dt.date | None, as_json: bool) -> None:
    """The premium estimate (DOMAIN §10): the band, whether the table's figure is approximate,
    the months of a mid-term enrolment, the PL discount and the first debit date."""
    cli = _cli()
    amount = _revenue(revenue)
    with cli._session(ctx) as core:
        quote = core.service.premium_estimate(ctx.obj, programme, pattern, industry, amount, pl_insurance, applied)
    if as_json:
        cli._print_json(premium_json(quote))
        return
    _print_estimate(cli.out, quote.estimate)
    if quote.warning:
        cli.out.print(f"[bold]Warning:[/bold] {quote.warning}")


def _print_estimate(out, e: Estimate) -> None:  # type: ignore[no-untyped-def]
    out.print(f"Premium estimate: programme {e.programme}, pattern {e.pattern}, {e.industry}, "
              f"revenue {yen(e.revenue_yen)} yen")
    table = Table(show_header=False, box=None)
    table.add_column()
    table.add_column(justify="right")
    band = f"up to {yen(e.band_upper_yen)}" if e.band_upper_yen is not None else "above the largest band"
    about = "about " if e.approximate else ""
    for label, value in (
        ("revenue band", band),
        ("annual premium", "quoted individually" if e.annual_yen is None else f"{about}{yen(e.annual_yen)}"),
        ("months", str(e.months) + (" (mid-term)" if e.mid_term else "")),
        ("for those months", "—" if e.term_yen is None else yen(e.term_yen)),
        ("PL discount (5%)", f"-{yen(e.pl_discount_yen)}" if e.pl_insurance else "no"),
        ("premium", "quoted individually" if e.premium_yen is None else f"{about}{yen(e.premium_yen)}"),
        ("first debit", f"{e.first_debit_on:%a %Y-%m-%d}"),
    ):
        table.add_row(label, value)
    out.print(table)
    for rule in e.rules:
        out.print(f"  - {rule}")


@click.command("record")
@click.argument("number")
@click.argument("event_json")
@click.pass_context
def policy_record(ctx: click.Context, number: str, event_json: str) -> None:
    """Record a policy event (JSON, or - to read it from stdin); prints its id.

    PremiumDebited {"on", "amount_yen"} or PremiumDebitFailed {"on"} (staff or the system).
    Two failed debits in a row cancel the policy from its start (DOMAIN §10). A debit event
    recorded by mistake is voided: EventVoided {"on", "event": "e3", "reason"}."""
    cli = _cli()
    payload = read_json(sys.stdin.buffer if event_json == "-" else event_json, "EVENT_JSON")
    with cli._session(ctx) as core:
        result = core.service.record_policy_event(ctx.obj, number, payload)
    click.echo(result.id)
    cli._warn_view(result.view_error)


def register(group: click.Group) -> None:
    """Add the commands to the ``casemgr`` group (its ``programmes`` and ``policy`` groups)."""
    group.add_command(premium)
    programmes = group.commands["programmes"]
    assert isinstance(programmes, click.Group)
    programmes.add_command(programmes_import)
    programmes.add_command(programmes_show)
    policy = group.commands["policy"]
    assert isinstance(policy, click.Group)
    policy.add_command(policy_record)
