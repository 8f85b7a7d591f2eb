"""The Japanese catalogues: every ``messages.po`` under ``web/`` (the shared one and each
blueprint's) merges into one namespace at run time, so one msgid translated two ways is a
silent clash — whichever catalogue is merged last wins on every page. These tests read the
catalogues and the sources only (no app)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from events.values import ROLES
from web import NAV
from web.incidents import labels

WEB = Path(__file__).resolve().parents[2] / "web"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}
METHODS = [("**/static/**", "ignore"), ("**.py", "python"), ("**.html", "jinja2.ext:babel_extract")]


def catalogues(locale: str = "ja") -> dict[str, Catalog]:
    found = {}
    for po in sorted(WEB.rglob(f"translations/{locale}/LC_MESSAGES/messages.po")):
        with po.open("rb") as source:
            found[str(po.relative_to(WEB))] = read_po(source, locale=locale)
    return found


def msgid(message) -> str:  # type: ignore[no-untyped-def]
    return message.id if isinstance(message.id, str) else message.id[0]


def translated(catalogue: Catalog) -> dict[str, tuple[str, ...]]:
    """msgid -> its msgstr (a tuple: plural forms), for the entries compiled (non-empty, not fuzzy)."""
    out = {}
    for message in catalogue:
        strings = (message.string,) if isinstance(message.string, str) else tuple(message.string)
        if message.id and not message.fuzzy and all(strings):
            out[msgid(message)] = strings
    return out


def used_msgids() -> dict[str, str]:
    """Every msgid the web can ask for -> where: the literal ones extracted from the templates and
    the Python (``_``, ``gettext``, ``lazy_gettext``), and the ones looked up by name (the menu, the
    event vocabulary of ``web.incidents.labels``, the roles)."""
    used: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS):
        used.setdefault(message if isinstance(message, str) else message[0], f"web/{filename}:{lineno}")
    by_name = {label for label, _roles in NAV.values()} | set(labels.GROUPS) | set(ROLES)
    for table in (labels.EVENTS, labels.FIELDS, labels.VALUES, labels.HELP, labels.WARNINGS):
        by_name |= set(table.values())
    for message in by_name:
        used.setdefault(message, "looked up by name")
    return used


def test_there_are_catalogues_to_check():
    assert {"translations/ja/LC_MESSAGES/messages.po", "incidents/translations/ja/LC_MESSAGES/messages.po",
            "staff/translations/ja/LC_MESSAGES/messages.po"} <= set(catalogues())


def test_no_msgid_is_translated_two_ways():
    strings: dict[str, dict[tuple[str, ...], list[str]]] = defaultdict(lambda: defaultdict(list))
    for path, catalogue in catalogues().items():
        for message, string in translated(catalogue).items():
            strings[message][string].append(path)
    clashes = {message: dict(ways) for message, ways in strings.items() if len(ways) > 1}
    assert not clashes, clashes


def test_every_msgid_the_web_uses_has_its_japanese():
    known: set[str] = set()
    for catalogue in catalogues().values():
        known |= set(translated(catalogue))
    missing = {message: where for message, where in used_msgids().items() if message not in known}
    assert not missing, missing


@pytest.mark.parametrize("path", sorted(catalogues()))
def test_each_translation_keeps_its_placeholders(path):
    catalogue = catalogues()[path]
    problems = [(msgid(message), [str(e) for e in errors]) for message, errors in catalogue.check()]
    assert not problems, problems
