"""``casemgr whatif INCIDENT [--json]`` (DOMAIN §9.2, §12): the statement under each pattern
A–E and the policy's own terms, side by side, the cap that binds each part marked with ◀.

Registered into ``casemgr.cli.main`` by the last lines of that module. Read only.
"""

from __future__ import annotations

import click
from rich.table import Table

from casemgr.formatting import whatif_json, yen


def _cli():  # type: ignore[no-untyped-def]
    from casemgr import cli  # the main module registers this one at its end

    return cli


ROWS = (  # label, the figure in a column's JSON, the (part, cap) that mark it
    ("liability limit", ("liability_limit_yen",), {("liability", "liability_limit")}),
    ("third-party sublimit", ("third_party_sublimit_yen",), {("liability", "third_party_sublimit")}),
    ("liability aggregate left", ("liability", "aggregate_left_yen"), {("liability", "liability_aggregate")}),
    ("liability gross", ("liability", "gross_yen"), {("liability", "credit_card_cap")}),
    ("liability payable", ("liability", "payable_yen"), {("liability", "other_insurance")}),
    ("expense limit", ("expense_limit_yen",), {("expenses", "expense_limit")}),
    ("expense aggregate left", ("expenses", "aggregate_left_yen"), {("expenses", "expense_aggregate")}),
    ("expenses eligible", ("expenses", "eligible_yen"), {("expenses", "consulting_cap"), ("expenses", "condolence_cap")}),
    ("expenses payable", ("expenses", "payable_yen"), {("expenses", "other_insurance")}),
    ("total payable", ("total_payable_yen",), set()),
)


@click.command("whatif")
@click.argument("incident")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def whatif(ctx: click.Context, incident: str, as_json: bool) -> None:
    """What the policy would pay under each pattern A–E, beside its own terms (DOMAIN §12)."""
    cli = _cli()
    with cli._session(ctx) as core:
        data = whatif_json(core.service.whatif(ctx.obj, incident))
    if as_json:
        cli._print_json(data)
        return
    columns = data["columns"]
    table = Table(title=f"What if: {data['reference']} at version {data['version']} (◀ the cap that binds)",
                  title_justify="left")
    table.add_column("")
    for c in columns:
        table.add_column(f"policy ({c['pattern']})" if c["column"] == "policy" and c["pattern"] else c["column"],
                         justify="right")
    for label, path, marks in ROWS:
        cells = []
        for c in columns:
            value = c
            for key in path:
                value = value[key]
            marked = bool({("liability", c["liability"]["binds"]), ("expenses", c["expenses"]["binds"])} & marks)
            cells.append(yen(value) + (" ◀" if marked else ""))
        table.add_row(label, *cells)
    table.add_row("liability cap", *[c["liability"]["binds"] or "none" for c in columns])
    table.add_row("expense cap", *[c["expenses"]["binds"] or "none" for c in columns])
    cli.out.print(table)
    for c in columns:
        cli.out.print(f"{c['column']}: liability: {c['liability']['rule']}; expenses: {c['expenses']['rule']}")


def register(main: click.Group) -> None:
    main.add_command(whatif)
