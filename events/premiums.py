"""A programme's terms (DOMAIN §10): its period, the patterns it offers, the insurer-notice
days and its premium table, as a programme file gives them, validated field by field.

The premium table maps industry classes × revenue bands to the annual premium of each
pattern offered::

    {"bands_yen": [50000000, 100000000, 300000000, 500000000, 1000000000],
     "B": {"retail": [75000, 75000, {"yen": 80000, "approximate": true}, ...], ...}}

A band is named by its upper bound (a revenue falls in the smallest band whose upper bound
is ≥ it); a cell is integer yen, or ``{"yen": …, "approximate": true}`` for the seed's 約
figures. ``parse_terms`` gives the terms in one canonical form (a cell that is not
approximate is a plain integer), so two files that say the same thing compare equal: an
import that changes nothing records nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from events.errors import DomainError
from events.policy import PATTERNS
from events.texts import Text
from events.values import name_problem, parse_date, shown

TERM_FIELDS = ("period_start", "period_end", "patterns", "insurer_notice_days", "premiums", "reminder_offsets")
MAX_BANDS, MAX_CLASSES, MAX_YEN, MAX_OFFSETS = 50, 200, 10**15, 10
DEFAULT_NOTICE_DAYS = 5


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _instant(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise DomainError(Text("must be an ISO-8601 instant with an offset, e.g. 2005-04-01T16:00:00+09:00"), field)
    try:
        parsed = dt.datetime.fromisoformat(value)
        parse_date(value[:10])  # the years 1900-2999, ASCII digits
    except ValueError:
        raise DomainError(Text("{value} is not an instant (YYYY-MM-DDTHH:MM:SS+09:00)",
                               value=shown(value)), field) from None
    if parsed.tzinfo is None:
        raise DomainError(Text("must carry a UTC offset, e.g. 2005-04-01T16:00:00+09:00"), field)
    return parsed.isoformat()


def _patterns(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise DomainError(Text("must be a non-empty list of patterns ({patterns})",
                               patterns=', '.join(PATTERNS)), "patterns")
    for n, item in enumerate(value):
        if item not in PATTERNS:
            raise DomainError(Text("{item} is not a pattern ({patterns})",
                                   item=shown(item), patterns=', '.join(PATTERNS)), f"patterns[{n}]")
    if len(set(value)) != len(value):
        raise DomainError(Text("lists a pattern twice"), "patterns")
    return sorted(value)


def _cell(value: Any, field: str) -> int | dict[str, Any]:
    if _is_int(value):
        if not 0 <= value <= MAX_YEN:
            raise DomainError(Text("must be a whole number of yen, 0 or more"), field)
        return value
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"yen", "approximate"})
        if unknown:
            raise DomainError(Text("{key} is not a field of a cell (yen, approximate)", key=shown(unknown[0])), field)
        yen = value.get("yen")
        if not _is_int(yen) or not 0 <= yen <= MAX_YEN:
            raise DomainError(Text("must be a whole number of yen, 0 or more"), f"{field}.yen")
        approximate = value.get("approximate", False)
        if not isinstance(approximate, bool):
            raise DomainError(Text("must be true or false"), f"{field}.approximate")
        return {"yen": yen, "approximate": True} if approximate else yen
    raise DomainError(Text('must be yen (an integer) or {"yen": …, "approximate": true}'), field)


def parse_premiums(value: Any, patterns: list[str]) -> dict[str, Any]:
    """The premium table, canonical; a DomainError naming the field at fault."""
    if not isinstance(value, dict):
        raise DomainError(Text('must be an object: {"bands_yen": [upper bounds…], '
                               '"<pattern>": {"<industry class>": [one cell per band…]}}'), "premiums")
    bands = value.get("bands_yen")
    if not isinstance(bands, list) or not 1 <= len(bands) <= MAX_BANDS:
        raise DomainError(Text("must be a list of 1 to {max_bands} revenue bands' upper bounds (yen)",
                               max_bands=MAX_BANDS), "premiums.bands_yen")
    for n, bound in enumerate(bands):
        if not _is_int(bound) or not 0 < bound <= MAX_YEN:
            raise DomainError(Text("must be a whole number of yen above 0"), f"premiums.bands_yen[{n}]")
        if n and bound <= bands[n - 1]:
            raise DomainError(Text("{bound:,} is not above the band before it ({before:,}): "
                                   "list the upper bounds in increasing order",
                                   bound=bound, before=bands[n - 1]), f"premiums.bands_yen[{n}]")
    out: dict[str, Any] = {"bands_yen": list(bands)}
    tables = [key for key in value if key != "bands_yen"]
    if not tables:
        raise DomainError(Text('gives no pattern\'s table (e.g. "B": {"retail": […]})'), "premiums")
    for pattern in tables:
        field = f"premiums.{pattern}" if pattern.isidentifier() and len(pattern) <= 40 else f"premiums.{shown(pattern, 40)}"
        if pattern not in PATTERNS:
            raise DomainError(Text("is neither bands_yen nor a pattern ({patterns})",
                                   patterns=', '.join(PATTERNS)), field)
        if pattern not in patterns:
            raise DomainError(Text("pattern {pattern} is not among the programme's patterns ({patterns})",
                                   pattern=pattern, patterns=', '.join(patterns)),
                              field)
        table = value[pattern]
        if not isinstance(table, dict) or not 1 <= len(table) <= MAX_CLASSES:
            raise DomainError(Text("must be an object of 1 to {max_classes} industry classes, "
                                   "each a list of {bands} cells", max_classes=MAX_CLASSES, bands=len(bands)), field)
        rows: dict[str, list[Any]] = {}
        for industry, cells in table.items():
            problem = name_problem(industry) if isinstance(industry, str) and industry else "must not be empty"
            if problem or len(industry) > 100:
                raise DomainError(Text("industry class {industry}: {problem}", industry=shown(industry),
                                       problem=problem or Text("longer than 100 characters")),
                                  field)
            where = f"{field}.{industry}"
            if not isinstance(cells, list) or len(cells) != len(bands):
                got = Text("{count} cells", count=len(cells)) if isinstance(cells, list) else Text("not a list")
                raise DomainError(Text("must have one cell per band ({bands}); got {got}",
                                       bands=len(bands), got=got), where)
            rows[industry] = [_cell(cell, f"{where}[{n}]") for n, cell in enumerate(cells)]
        out[pattern] = rows  # the file's order of classes (an object compares equal in any order)
    return {"bands_yen": out["bands_yen"], **{p: out[p] for p in sorted(tables)}}


def parse_terms(payload: dict[str, Any]) -> dict[str, Any]:
    """A programme's terms (the fields of a programme file but its code, name and insurer),
    canonical; a DomainError naming the field at fault."""
    for name in ("period_start", "period_end", "patterns"):
        if name not in payload:
            raise DomainError(Text("is required"), name)
    start = _instant(payload["period_start"], "period_start")
    end = _instant(payload["period_end"], "period_end")
    if dt.datetime.fromisoformat(end) <= dt.datetime.fromisoformat(start):
        raise DomainError(Text("must be after period_start"), "period_end")
    patterns = _patterns(payload["patterns"])
    days = payload.get("insurer_notice_days", DEFAULT_NOTICE_DAYS)
    if not _is_int(days) or not 0 <= days <= 365:
        raise DomainError(Text("must be a whole number of days, 0 to 365"), "insurer_notice_days")
    premiums = parse_premiums(payload["premiums"], patterns) if payload.get("premiums") is not None else None
    terms = {"period_start": start, "period_end": end, "patterns": patterns, "insurer_notice_days": days,
             "premiums": premiums}
    if payload.get("reminder_offsets") is not None:  # absent: the installation's setting (decision P14)
        terms["reminder_offsets"] = parse_offsets(payload["reminder_offsets"])
    return terms


def parse_offsets(value: Any) -> list[int]:
    """The programme's own reminder offsets (DOMAIN §4.2, §9): days before the due date,
    distinct, 0 to 365; canonical from the largest down."""
    if (not isinstance(value, list) or not 1 <= len(value) <= MAX_OFFSETS
            or not all(_is_int(o) and 0 <= o <= 365 for o in value)):
        raise DomainError(Text("must be a list of 1 to {most} whole numbers of days from 0 to 365, e.g. [7, 3, 1, 0]",
                               most=MAX_OFFSETS), "reminder_offsets")
    if len(set(value)) != len(value):
        raise DomainError(Text("lists a day twice"), "reminder_offsets")
    return sorted(value, reverse=True)


def cell_value(cell: Any) -> tuple[int, bool]:
    """A canonical cell as (yen, approximate)."""
    if isinstance(cell, dict):
        return cell["yen"], bool(cell.get("approximate"))
    return cell, False
