"""A sentence that remembers how it was made: ``Text``, the value class of ``casemgr.texts``.

A ``Text`` is a ``str`` whose value is the English sentence, made from an English template
with named parameters, which it keeps, so that ``casemgr.texts.localize`` can say it in
another language. It lives here, with no I/O, so the domain's own messages (each
``DomainError``) can be ``Text`` too; the catalogues, ``localize`` and the stored forms are
in ``casemgr.texts``, which re-exports ``Text`` and ``Listing``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Union

Param = Union["Text", str, int, "Listing"]
SEPARATORS = {"en": "; ", "ja": "、"}  # between the items of a list parameter


class Listing(tuple):
    """A list parameter: its items joined with ``"; "`` in English."""

    def __str__(self) -> str:
        return SEPARATORS["en"].join(map(str, self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class Text(str):
    """An English sentence that remembers its template and parameters (see the module)."""

    template: str
    params: Mapping[str, Param]

    def __new__(cls, template: str, /, **params: Any) -> Text:
        for name, value in params.items():  # made often (a line of a statement each): kept cheap
            kind = type(value)
            if kind is not str and kind is not int and kind is not Text:
                params[name] = _param(value)
        self = str.__new__(cls, template.format_map(params) if params else template)
        self.template = template
        self.params = params
        return self

    def __repr__(self) -> str:
        return f"Text({str.__repr__(self)})"


def _param(value: Any) -> Param:
    if isinstance(value, (Text, str)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return Listing(_param(v) for v in value)
    raise TypeError(f"a text parameter is a Text, str, date, int or a list of them, not {type(value).__name__}")
