"""The live facts of one incident, read the way every rule reads them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from casemgr.rules import calendar
from casemgr.texts import Text
from events.incident import Fact

REPORTABLE_ITEMS = {
    "sensitive": Text("sensitive (要配慮) personal data"),
    "credit_card": Text("credit-card data (risk of financial damage)"),
    "bank_account": Text("bank-account data (risk of financial damage)"),
}
WRONGFUL_CAUSES = ("external_attack", "insider")
EXPENSE_WINDOW_DAYS = 180


@dataclass(frozen=True)
class Facts:
    """Live events in recording order (a later fact of the same kind replaces an earlier one)."""

    items: Sequence[Fact]

    @cached_property
    def _by_type(self) -> dict[str, list[Fact]]:
        index: dict[str, list[Fact]] = {}
        for f in self.items:
            index.setdefault(f.type, []).append(f)
        return index

    def of(self, *kinds: str) -> list[Fact]:
        """The facts of these types, in recording order."""
        if len(kinds) == 1:
            return list(self._by_type.get(kinds[0], ()))
        return [f for f in self.items if f.type in kinds]

    def latest(self, *kinds: str) -> Fact | None:
        found = self.of(*kinds)
        return found[-1] if found else None

    @cached_property
    def discovery(self) -> Fact:
        found = self.latest("LeakDiscovered")
        assert found is not None, "an incident always has its LeakDiscovered"
        return found

    @property
    def discovered_on(self) -> dt.date:
        return self.discovery.on

    @cached_property
    def accident_date(self) -> dt.date:
        occurred = self.latest("LeakOccurred")
        return occurred.on if occurred else self.discovery.on

    @property
    def expense_window_closes(self) -> dt.date:
        """The last day an expense counts: accident date + 180 days (事故対応期間)."""
        return calendar.days_after(self.accident_date, EXPENSE_WINDOW_DAYS)

    @cached_property
    def accident_source(self) -> Fact:
        """The fact that dates the accident: the latest LeakOccurred, else the discovery."""
        return self.latest("LeakOccurred") or self.discovery

    @property
    def accident_instant(self) -> dt.datetime:
        """When the leak occurred, to compare with policy instants: its ``at`` if
        recorded, else 00:00 JST of its date (DOMAIN §8)."""
        source = self.accident_source
        return dt.datetime.fromisoformat(source.at) if source.at else calendar.start_of_day(source.on)

    @property
    def accident_estimated(self) -> bool:
        return self.latest("LeakOccurred") is None

    @cached_property
    def affected_count(self) -> int:
        latest = self.latest("LeakDiscovered", "AffectedCountRevised")
        assert latest is not None
        return latest.data["affected_count"]

    @property
    def wrongful_purpose(self) -> bool:
        d = self.discovery.data
        return d["wrongful_purpose_suspected"] or d["cause"] in WRONGFUL_CAUSES

    def reportable_reasons(self) -> list[Text]:
        """Why the PPC must be told (DOMAIN §4.1); empty when it need not be."""
        d = self.discovery.data
        reasons = [text for item, text in REPORTABLE_ITEMS.items() if item in d["data_items"]]
        if d["wrongful_purpose_suspected"]:
            reasons.append(Text("a wrongful purpose is suspected"))
        if d["cause"] in WRONGFUL_CAUSES:
            reasons.append(Text("cause {cause} (possible wrongful purpose)", cause=Text(d["cause"])))
        if self.affected_count > 1000:
            reasons.append(Text("{count:,} people affected (more than 1,000)", count=self.affected_count))
        return reasons

    def exclusions(self, *scopes: str) -> list[Fact]:
        return [f for f in self.of("ExclusionApplied") if f.data["scope"] in scopes]

    def first_on(self, facts: Iterable[Fact], not_before: dt.date | None = None) -> dt.date | None:
        days = [f.on for f in facts if not_before is None or f.on >= not_before]
        return min(days) if days else None
