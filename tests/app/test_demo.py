"""The demo a new user starts from (./run): loads twice without harm, and each demo user
logs in and sees what the README says."""

from __future__ import annotations

from casemgr.bootstrap import bootstrap
from casemgr.demo import TAMA_OTHER_INSURANCE, load_demo
from casemgr.settings import Settings
from tests.conftest import OPERATOR


def test_the_demo_loads_twice_and_each_demo_user_sees_its_own(sqlite_url, clock):
    with bootstrap(Settings(sqlite_url), clock=clock) as core:
        logins = load_demo(core, "a demo password")
        assert load_demo(core, "a demo password") == logins
        seen = {}
        for login in logins:
            actor = core.accounts.authenticate_password(login.email, login.password)
            assert actor is not None and actor.role == login.role
            seen[login.role] = {r.policy_number for r in core.service.incidents(actor, per_page=50).rows}
        assert seen["insured"] == {"DEMO-2026-0007"}
        assert seen["staff"] == seen["admin"] == {"SK-2005-0001", "TAMA-2005-0042", "DEMO-2026-0007"}
        tama = core.service.statement(logins[1] and core.accounts.authenticate_password(logins[1].email, "a demo password"),
                                      "TAMA-2005-0042/INC-1").statement
        assert (tama.liability.payable_yen, tama.expenses.payable_yen) == (38_900_000, 1_000_000)  # expense limit binds
        live = core.service.incident_deadlines(logins[2] and core.accounts.authenticate_password(
            logins[2].email, "a demo password"), "DEMO-2026-0007/INC-1")
        assert {r.deadline: r.status for r in live}["insurer_notice"] in ("due_soon", "overdue")  # a phone call is not written notice


def test_the_demo_tama_case_shares_its_expense_part_with_the_other_insurance_declared(sqlite_url, clock):
    with bootstrap(Settings(sqlite_url), clock=clock) as core:
        load_demo(core, "a demo password")
        s = core.service.statement(OPERATOR, "TAMA-2005-0042/INC-1").statement
        shared, other = s.apportionment("expenses"), TAMA_OTHER_INSURANCE
        assert s.apportionment("liability") is None and shared is not None
        loss = s.expenses.eligible_yen
        its_share = min((loss - other["deductible_yen"]) * other["coinsurance_pct"] // 100, other["limit_yen"])
        assert (shared.loss_yen, shared.own_yen) == (loss, 1_000_000)  # the expense limit binds on its own
        assert [(o.insurer, o.share_yen) for o in shared.others] == [(other["insurer"], its_share)]
        assert 1_000_000 + its_share <= loss  # DOMAIN §5.4: together they pay less than the loss ...
        assert shared.payable_yen == s.expenses.payable_yen == 1_000_000  # ... so the payable stays its own
