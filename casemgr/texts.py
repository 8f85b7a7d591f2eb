"""Sentences of the core in English, and in Japanese on request.

A rule or a flag is a ``Text``: a ``str`` whose value is the English sentence, made from
an English template with named parameters, which it keeps::

    rule = Text("claim {claim} resolved {anchor} (損害確定) + {days} days", claim="C1", anchor=day, days=30)
    rule == "claim C1 resolved 2005-12-20 (損害確定) + 30 days"   # the English, wherever a str goes
    localize(rule, "ja")   # "請求 C1 の損害が確定した日 2005-12-20 から30日以内（初日不算入）"

So JSON, the API and the console say the English as they always did, and a page or a mail
in Japanese calls ``localize(text, lang)`` (``lang`` as a user's ``lang`` field or a
locale: "ja", "en", "ja_JP").

The Japanese templates are in ``translations/ja.po`` (msgid: the English template, msgstr:
the Japanese one with the same placeholders). A parameter is a plain value (a date, a
number, a claim code or anything typed by a person: the same in every language), a
``Text`` (translated too: a vocabulary word such as an exclusion reason, or a part of the
sentence), or a list of either (joined with ``"; "`` in English, ``"、"`` in Japanese).

Where a ``Text`` is stored it keeps its structure: ``encode``/``decode`` to a string (the
read model's deadline rule), ``dump``/``load`` to JSON data inside a larger document. Both
give back a plain string, as it is, when one was stored (written before there were texts).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

from events.texts import SEPARATORS, Listing, Param, Text, _param

__all__ = ["Listing", "Param", "Text", "_param", "localize", "encode", "decode", "dump", "load",
           "templates", "placeholders", "catalogue"]

LANGUAGES = ("en", "ja")
CATALOGUES = Path(__file__).parent / "translations"


def localize(text: str, lang: Any) -> str:
    """``text`` in ``lang`` ("ja", "en", "ja_JP", a babel Locale, ...): the English for any
    language without a catalogue; a plain ``str`` (not a ``Text``) as it is."""
    lang = _language(lang)
    if not isinstance(text, Text) or lang == "en":
        return str(text)
    return _say(text, lang, catalogue(lang))


def encode(text: str) -> str:
    """A ``Text`` as compact JSON (``{"t": template, "p": params}``), to store; a plain
    ``str`` as it is."""
    if not isinstance(text, Text):
        return str(text)
    return json.dumps(dump(text), ensure_ascii=False, separators=(",", ":"))


def decode(stored: str) -> str:
    """What ``encode`` stored, a ``Text`` again; any other string (stored before there were
    texts, or never a Text) as it is."""
    if not stored.startswith('{"t":'):
        return stored
    try:
        return load(json.loads(stored))
    except (ValueError, TypeError, KeyError):
        return stored


def dump(value: Any) -> Any:
    """A ``Text`` as JSON data (``{"t": template, "p": params}``), to put inside a larger
    JSON document; a plain ``str`` as it is."""
    if isinstance(value, Text):
        if not value.params:
            return {"t": value.template}
        return {"t": value.template, "p": {name: dump(v) for name, v in value.params.items()}}
    if isinstance(value, Listing):
        return [dump(v) for v in value]
    return value


def load(data: Any) -> Any:
    """What ``dump`` gave, a ``Text`` again; a plain string as it is."""
    if isinstance(data, dict):
        return Text(data["t"], **{name: load(v) for name, v in data.get("p", {}).items()})
    if isinstance(data, list):
        return Listing(load(v) for v in data)
    return data


def templates(text: str) -> set[str]:
    """Every template ``text`` is made of (its own and its parameters'), to check catalogues."""
    if not isinstance(text, Text):
        return set()
    found = {text.template}
    for value in text.params.values():
        for item in value if isinstance(value, Listing) else [value]:
            found |= templates(item)
    return found


def placeholders(template: str) -> set[str]:
    """The names of a template's placeholders: ``{found}`` and ``{count:,}`` give found, count."""
    return {name for _literal, name, _spec, _conversion in Formatter().parse(template) if name is not None}


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """English template -> the template in ``lang``, read once from ``translations/<lang>.po``
    (entries that are empty or fuzzy are left out)."""
    path = CATALOGUES / f"{lang}.po"
    if not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as source:
        po = read_po(source, locale=lang)
    return {m.id: m.string for m in po if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def _language(lang: Any) -> str:
    code = str(lang or "en").replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def _say(text: Text, lang: str, translated: Mapping[str, str]) -> str:
    """A template without parameters is the sentence itself (no braces to read)."""
    own = translated.get(text.template, text.template)
    if not text.params:
        return own
    values = {name: _value(value, lang, translated) for name, value in text.params.items()}
    try:
        return own.format_map(values)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English
        return text.template.format_map(values)


def _value(value: Param, lang: str, translated: Mapping[str, str]) -> Any:
    if isinstance(value, Text):
        return _say(value, lang, translated)
    if isinstance(value, Listing):
        return SEPARATORS[lang].join(str(_value(v, lang, translated)) for v in value)
    return value
