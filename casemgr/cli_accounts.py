"""Console commands for accounts (DOMAIN §9.2): users, tokens, programmes, businesses.

Registered into ``casemgr.cli.main`` by the last line of that module. The console
acts as ``operator`` (or whoever ``--as`` names); only admin and operator manage
accounts. Bad input: exit status 2 and one line on stderr; nothing is stored.
"""

from __future__ import annotations

import sys

import click
from rich.table import Table

from casemgr.accounts import UserView
from casemgr.cli import Fail, _print_json, _session, out


@click.group()
def users() -> None:
    """Add, list and deactivate the people who log in."""


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, metavar="insured|staff|admin", help="The user's role.")
@click.option("--business", metavar="CODE", help="The business (member code) of an insured user.")
@click.option("--programme", "programmes", multiple=True, metavar="CODE",
              help="A programme of a staff user (repeat for several).")
@click.option("--name", default="", help="The user's name.")
@click.option("--lang", default="ja", show_default=True, metavar="ja|en", help="Language of mails and pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def users_add(ctx: click.Context, email: str, role: str, business: str | None, programmes: tuple[str, ...],
              name: str, lang: str, password_stdin: bool) -> None:
    """Create a user; the password is read from standard input or prompted twice."""
    if password_stdin:
        password = sys.stdin.read().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    with _session(ctx) as core:
        user = core.accounts.add_user(email, role, name, lang, password, ctx.obj, business=business,
                                       programmes=programmes)
    click.echo(user.email)


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Every user, deactivated ones included."""
    with _session(ctx) as core:
        found = core.accounts.list_users(ctx.obj)
    if as_json:
        _print_json([_user_json(u) for u in found])
        return
    table = Table()
    for column in ("e-mail", "name", "role", "business / programmes", "lang", "active", "tokens"):
        table.add_column(column, overflow="fold")
    for u in found:
        table.add_row(u.email, u.name, u.role, u.business or ", ".join(u.programmes), u.lang,
                      "yes" if u.active else "no", str(sum(not t.revoked for t in u.tokens)))
    out.print(table)


@users.command("deactivate")
@click.argument("email")
@click.pass_context
def users_deactivate(ctx: click.Context, email: str) -> None:
    """The user can no longer log in or use its tokens; what it recorded keeps its name."""
    with _session(ctx) as core:
        user = core.accounts.deactivate_user(email, ctx.obj)
    click.echo(f"deactivated {user.email}")


@click.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", "label", default="", help="A label to recognise the token by.")
@click.pass_context
def tokens_create(ctx: click.Context, email: str, label: str) -> None:
    """Print a new API token for the user. It is shown this once: only its hash is stored."""
    with _session(ctx) as core:
        token = core.accounts.create_token(email, label, ctx.obj)
    click.echo(token)


@click.group()
def programmes() -> None:
    """Group contracts (団体契約)."""


@programmes.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The programme's name.")
@click.option("--insurer", default="", help="The insurer.")
@click.pass_context
def programmes_add(ctx: click.Context, code: str, name: str, insurer: str) -> None:
    """Create a programme; prints its code."""
    with _session(ctx) as core:
        programme = core.accounts.add_programme(code, name, ctx.obj, insurer=insurer)
    click.echo(programme.code)


@click.group()
def businesses() -> None:
    """Member businesses (会員事業者)."""


@businesses.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The business's name.")
@click.option("--industry", default="", help="Its industry.")
@click.option("--revenue", "revenue", default="0", metavar="YEN", help="Annual revenue in yen.")
@click.option("--contact", "contacts", multiple=True, metavar="EMAIL",
              help="A contact address for reminders (repeat for several).")
@click.option("--lang", default="ja", show_default=True, metavar="ja|en", help="The contacts' language.")
@click.pass_context
def businesses_add(ctx: click.Context, code: str, name: str, industry: str, revenue: str,
                   contacts: tuple[str, ...], lang: str) -> None:
    """Create a business (CODE is its member number); prints its code."""
    if not revenue.isdigit():
        raise Fail("annual_revenue_yen: must be a whole number of yen, 0 or more")
    with _session(ctx) as core:
        business = core.accounts.add_business(code, name, ctx.obj, industry=industry,
                                               annual_revenue_yen=int(revenue), contacts=contacts, lang=lang)
    click.echo(business.code)


def _user_json(u: UserView) -> dict:
    return {
        "email": u.email, "name": u.name, "role": u.role, "business": u.business,
        "programmes": list(u.programmes), "lang": u.lang, "active": u.active,
        "created": u.created.isoformat(),
        "tokens": [{"id": t.id, "label": t.label, "created": t.created.isoformat(), "revoked": t.revoked}
                   for t in u.tokens],
    }


def register(group: click.Group) -> None:
    """Add the account commands to the ``casemgr`` group."""
    for command in (users, tokens, programmes, businesses):
        group.add_command(command)
