"""Template filters: yen, dates and the core's sentences written one way everywhere."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import get_locale

from casemgr.texts import localize
from events.errors import DomainError
from events.values import JST


def yen(amount: int | None) -> str:
    """88,810,000円 in Japanese, ¥88,810,000 in English (integer yen, never a float)."""
    if amount is None:
        return ""
    return f"¥{amount:,}" if str(get_locale()) == "en" else f"{amount:,}円"


def jst(value: dt.datetime | dt.date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(JST).strftime(fmt)
    return value.isoformat()


def localized(text: str | None) -> str:
    """A sentence of the core (a deadline's rule, a statement line's rule, a flag) in the
    user's language; anything else as it is."""
    return "" if text is None else localize(text, get_locale())


def refusal(exc: DomainError, with_field: bool = False) -> str:
    """The core's refusal in the user's language, to show beside its field (or, ``with_field``,
    on top of a form as ``field: message``, like ``str(exc)``). The API keeps the English."""
    message = localize(exc.message, get_locale())
    return f"{exc.field}: {message}" if with_field and exc.field else message


def init_app(app: Flask) -> None:
    app.add_template_filter(yen, "yen")
    app.add_template_filter(jst, "jst")
    app.add_template_filter(localized, "localize")
