"""Command-line input, hardened: every refusal is one line on stderr and exit status 2.

``Fail`` is that refusal; ``Group`` turns click's usage errors (4 lines: usage, hint,
error) into it; ``BusinessDate`` is the type of a date option; ``read_json`` and
``read_import`` read JSON input with a size limit (casemgr.jsonio); ``login_operator``
is who acts without ``--as``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import click

from casemgr.errors import DomainError
from casemgr.jsonio import MAX_EVENT_BYTES, MAX_IMPORT_BYTES, load_json, read_limited
from events.values import Actor, parse_date

MESSAGE_MAX = 500  # characters of one error line
# Characters that would break the line or reorder it on a terminal.
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def one_line(message: str, limit: int = MESSAGE_MAX) -> str:
    """A message as one line whatever it echoes (a path, a library's message):
    line breaks, control and bidi characters escaped, cut at ``limit`` characters."""
    text = UNSAFE.sub(lambda m: repr(m.group())[1:-1], message)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Fail(click.ClickException):
    """One line on stderr and exit status 2: the input was refused."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"casemgr: error: {one_line(self.message)}", err=True)


class Group(click.Group):
    """Usage errors (a missing argument, an unknown option, an option out of range)
    as one line and exit status 2, like every other refusal."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _usage_as_fail():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _usage_as_fail():
            return super().invoke(ctx)


@contextmanager
def _usage_as_fail() -> Iterator[None]:
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise  # no arguments at all: click shows the help
    except click.UsageError as exc:
        hint = f" (see {exc.ctx.command_path} --help)" if exc.ctx else ""
        raise Fail(exc.format_message() + hint) from None


class BusinessDate(click.ParamType):
    """A date option (``--today``): YYYY-MM-DD in the years 1900-2999, like business dates."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def read_json(data: Any, source: str, limit: int = MAX_EVENT_BYTES) -> Any:
    """JSON text, or a binary stream read up to ``limit`` bytes; bad input is a Fail."""
    try:
        if not isinstance(data, (str, bytes)):
            data = read_limited(data, limit, source)
        return load_json(data, source, limit)
    except DomainError as exc:
        raise Fail(str(exc)) from None


def read_import(file: Path) -> Any:
    """An incident log file (at most MAX_IMPORT_BYTES; /dev/zero is refused, not read forever)."""
    try:
        with open(file, "rb") as stream:
            return read_json(stream, str(file), MAX_IMPORT_BYTES)
    except OSError as exc:
        raise Fail(f"{file}: cannot read it ({exc.__class__.__name__}: {exc})") from None


def login_operator() -> Actor:
    """Who acts when ``--as`` is not given: the console operator, under the login name."""
    try:
        return Actor("operator", getpass.getuser())
    except (DomainError, KeyError, OSError):
        raise Fail("--as: cannot tell your login name; give --as ROLE:USER") from None
