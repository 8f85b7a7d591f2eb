"""The policy presets and the mid-term start, as the new-policy form shows them.

These mirror ``events.policy.PATTERNS`` and ``events.policy.mid_term_start``: the web may
not import ``events.policy`` (it holds the Policy aggregate; see the import-linter
contracts) and the core does not re-export them yet. tests/web/test_staff.py checks that
the mirror equals the original for every pattern and every month, and what is stored is
always the core's own computation (``service.issue_policy``): this module only previews.
TODO: use the core's once it exposes them (asked for in the web work's report)."""

from __future__ import annotations

import datetime as dt

from events.values import JST

PATTERNS: dict[str, tuple[int, int, int]] = {  # liability limit, third-party sublimit, expense limit
    "A": (10_000_000, 1_000_000, 1_000_000),
    "B": (30_000_000, 3_000_000, 3_000_000),
    "C": (50_000_000, 5_000_000, 5_000_000),
    "D": (100_000_000, 10_000_000, 10_000_000),
    "E": (300_000_000, 30_000_000, 30_000_000),
}


def mid_term_start(applied_on: dt.date) -> dt.datetime:
    """00:00 JST on the 1st day of the second month after the application month (DOMAIN §2)."""
    month = applied_on.month + 2
    year = applied_on.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.datetime(year, month, 1, tzinfo=JST)
