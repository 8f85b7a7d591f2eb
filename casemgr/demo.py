"""Demo data for a laptop: the seeds' cases, a demo programme, and people to log in as.

* ``SK-2005-0001/INC-1`` — the vendor floppy-disk case (seed 001, DOMAIN §7), programme
  ``default``;
* ``TAMA-2005-0042/INC-1`` — the Tama chamber's insider case (seed 000): an employee took a
  list of 3,000 customers and sold it; apology ads, condolence gifts, 1,000 claimants
  settled — expense part capped by the programme's 1,000,000 yen limit; the business also holds
  another insurer's expense cover (``OtherInsuranceDeclared``, DOMAIN §5.4), so the statement
  shows the expense part shared by independent liability (here it stays this policy's own:
  together the two pay less than the expenses), and what-if shows it binding under C–E;
* ``DEMO-2026-0007/INC-1`` — a lost USB stick discovered three days before today, in the
  demo programme ``DEMO-2026`` whose period covers today, so its deadlines are live. The
  programme has the seed's pattern-B premium table (examples/programmes/shokokai-2005.json,
  moved to its period), so the policy shows its premium, and its first debit is recorded.

Loading is idempotent: what exists already is left as it is.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casemgr.bootstrap import Core
from casemgr.errors import DomainError
from events.values import Actor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OPERATOR = Actor("operator", "demo")
INSURED_EMAIL, STAFF_EMAIL, ADMIN_EMAIL = "demo-insured@example.jp", "demo-staff@example.jp", "demo-admin@example.jp"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    sees: str


def _current_incident(today: dt.date) -> dict[str, Any]:
    year = today.year if (today.month, today.day) >= (4, 2) else today.year - 1
    found = today - dt.timedelta(days=3)
    return {
        "policy": {"number": f"DEMO-{year}-0007", "programme": f"DEMO-{year}", "pattern": "B",
                   "insured": {"code": "DEMO-0007", "name": "デモ食品株式会社", "industry": "retail",
                               "annual_revenue_yen": 180_000_000},
                   "period_start": f"{year}-04-01T16:00:00+09:00", "period_end": f"{year + 1}-04-01T16:00:00+09:00"},
        "incidents": [{"reference": "INC-1", "events": [
            {"type": "LeakDiscovered", "on": found.isoformat(),
             "summary": "会員名簿（約1,200件）を保存したUSBメモリを営業担当者が紛失した。",
             "cause": "negligence", "media": "electronic", "data_items": ["name", "address", "phone"],
             "affected_count": 1200},
            {"type": "InsurerNotified", "on": (found + dt.timedelta(days=1)).isoformat(), "channel": "phone",
             "note": "電話で第一報。書面での通知はまだ。"},
        ]}],
    }


# The Tama business's other expense cover (DOMAIN §5.4), declared a week after the press release.
TAMA_OTHER_INSURANCE = {"type": "OtherInsuranceDeclared", "on": "2005-09-22", "insurer": "多摩損保 費用保険 EX-0815",
                        "part": "expenses", "limit_yen": 3_000_000, "deductible_yen": 100_000, "coinsurance_pct": 90}


def _current_programme(policy: dict[str, Any]) -> dict[str, Any]:
    """The demo programme: the seed's programme file (its premium table) over the demo period."""
    seed = json.loads((EXAMPLES / "programmes" / "shokokai-2005.json").read_text(encoding="utf-8"))
    return {**seed, "code": policy["programme"], "name": f"デモ団体契約 {policy['programme']}",
            "period_start": policy["period_start"], "period_end": policy["period_end"]}


def _first_debit(core: Core, number: str) -> None:
    """The demo policy's first premium debit, once its day has come (DOMAIN §10)."""
    usage = core.service.policy(OPERATOR, number)
    if usage.debits and not usage.debits.debits and usage.debits.due <= core.service.today() and usage.premium:
        core.service.record_policy_event(OPERATOR, number, {
            "type": "PremiumDebited", "on": usage.debits.due.isoformat(), "amount_yen": usage.premium.premium_yen})


def load_demo(core: Core, password: str) -> list[DemoLogin]:
    """Import the demo incidents and add the demo people (an insured user of the demo
    business, a staff user of the three programmes, an admin); what exists is kept."""
    service, accounts = core.service, core.accounts
    logs = [json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
            for name in ("seed-001.json", "tama-insider.json")]
    logs[1]["incidents"][0]["events"].append(TAMA_OTHER_INSURANCE)
    logs.append(_current_incident(service.today()))
    service.import_programme(OPERATOR, _current_programme(logs[-1]["policy"]))
    for log in logs:
        try:
            service.import_log(OPERATOR, log)
        except DomainError as exc:
            if "already has an incident" not in exc.message:
                raise
    _first_debit(core, logs[-1]["policy"]["number"])
    programmes = ("default", "TAMA-CCI-2005", logs[-1]["policy"]["programme"])
    accounts.update_business("DEMO-0007", OPERATOR, contacts=["risk@demo-foods.example.jp"])
    people = [
        (INSURED_EMAIL, "insured", "デモ 花子", "ja", {"business": "DEMO-0007"}),
        (STAFF_EMAIL, "staff", "デモ 太郎", "ja", {"programmes": programmes}),
        (ADMIN_EMAIL, "admin", "Demo Admin", "en", {}),
    ]
    existing = {u.email for u in accounts.list_users(OPERATOR)}
    for email, role, name, lang, where in people:
        if email not in existing:
            accounts.add_user(email, role, name, lang, password, OPERATOR, **where)
    return [
        DemoLogin("insured", INSURED_EMAIL, password, f"the demo business's incident {logs[-1]['policy']['number']}/INC-1"),
        DemoLogin("staff", STAFF_EMAIL, password, "every demo incident (programmes " + ", ".join(programmes) + ")"),
        DemoLogin("admin", ADMIN_EMAIL, password, "everything, and the accounts"),
    ]
