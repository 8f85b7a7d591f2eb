"""DOMAIN §5.4: other insurance (重複保険). Another policy covering the same loss is declared
with ``OtherInsuranceDeclared`` (one per other policy and part); the part is shared by
independent liability (独立責任額按分), shown as its own statement line with its figures, and
the aggregate limits are used up by what this policy pays after sharing.

The seed (pattern D) has a liability loss of 80,000,000 (own payable 79,900,000) and eligible
expenses of 10,000,000 (own payable 8,910,000); its events are e1..e8.
"""

from __future__ import annotations

import pytest

from casemgr import statements
from casemgr.formatting import statement_json
from events.errors import DomainError, NotPermitted
from events.values import Actor
from tests.app.builders import import_one, statement_of, voided, with_events, with_incident
from tests.conftest import INSURED, OPERATOR, OTHER_INSURED, STAFF

SEED_LIABILITY, SEED_EXPENSES = 79_900_000, 8_910_000
LOSS = 80_000_000  # the seed's liability gross


def other(part: str, limit_yen: int, deductible_yen: int = 0, insurer: str = "Other Mutual PL-9", **more) -> dict:
    return {"type": "OtherInsuranceDeclared", "on": "2005-07-01", "insurer": insurer, "part": part,
            "limit_yen": limit_yen, "deductible_yen": deductible_yen, **more}


# -- the liability part ---------------------------------------------------------------------------


def test_the_liability_part_is_shared_when_both_policies_together_exceed_the_loss(app, seed_log):
    s = statement_of(app, with_events(seed_log, other("liability", 50_000_000)))
    shared = s.apportionment("liability")
    assert (shared.loss_yen, shared.own_yen, shared.others_yen) == (LOSS, SEED_LIABILITY, 50_000_000)
    assert shared.others[0].event == "e9" and shared.others[0].share_yen == 50_000_000
    assert shared.payable_yen == LOSS * SEED_LIABILITY // (SEED_LIABILITY + 50_000_000) == 49_207_082
    assert s.liability.payable_yen == 49_207_082
    assert "loss 80,000,000 × this policy's 79,900,000 ÷ (79,900,000 + the other policies' 50,000,000) = 49,207,082" \
        in shared.rule
    assert s.expenses.payable_yen == SEED_EXPENSES and s.apportionment("expenses") is None
    assert s.total_payable_yen == 49_207_082 + SEED_EXPENSES


@pytest.mark.parametrize(("deductible", "payable"), [
    (SEED_LIABILITY, SEED_LIABILITY),  # the other pays 100,000: own + other = the loss exactly, own stays
    (SEED_LIABILITY - 1, LOSS * SEED_LIABILITY // (LOSS + 1)),  # one yen more than the loss: shared
])
def test_this_policy_keeps_its_own_payable_while_own_and_others_do_not_exceed_the_loss(app, seed_log, deductible,
                                                                                       payable):
    s = statement_of(app, with_events(seed_log, other("liability", 50_000_000, deductible)))
    assert s.liability.payable_yen == payable
    assert s.apportionment("liability").others[0].share_yen == LOSS - deductible


def test_the_other_policys_deductible_applies_to_its_share(app, seed_log):
    s = statement_of(app, with_events(seed_log, other("liability", 10_000_000, 75_000_000)))
    assert s.apportionment("liability").others[0].share_yen == 5_000_000  # 80M − 75M, under its 10M limit


def test_the_other_policys_share_is_capped_by_its_limit(app, seed_log):
    s = statement_of(app, with_events(seed_log, other("liability", 1_000)))
    assert s.apportionment("liability").others[0].share_yen == 1_000
    assert s.liability.payable_yen == SEED_LIABILITY  # 79,900,000 + 1,000 <= 80,000,000


def test_several_other_policies_on_one_part_are_summed(app, seed_log):
    s = statement_of(app, with_events(seed_log, other("liability", 30_000_000, insurer="A Mutual"),
                                      other("liability", 20_000_000, insurer="B Fire")))
    shared = s.apportionment("liability")
    assert [o.share_yen for o in shared.others] == [30_000_000, 20_000_000]
    assert shared.payable_yen == 49_207_082  # as one other policy of 50,000,000


# -- the expense part ---------------------------------------------------------------------------------


def test_the_expense_part_is_shared_with_the_other_policys_own_deductible_and_coinsurance(app, seed_log):
    s = statement_of(app, with_events(seed_log, other("expenses", 5_000_000, 100_000, coinsurance_pct=90)))
    shared = s.apportionment("expenses")
    assert shared.loss_yen == 10_000_000 and shared.own_yen == SEED_EXPENSES
    assert shared.others[0].share_yen == 5_000_000  # min(⌊9,900,000 × 90%⌋, 5,000,000)
    assert s.expenses.payable_yen == 10_000_000 * SEED_EXPENSES // (SEED_EXPENSES + 5_000_000) == 6_405_463
    assert s.liability.payable_yen == SEED_LIABILITY


def test_the_other_policys_expense_share_rounds_down(app, seed_log):
    s = statement_of(app, with_events(seed_log, other("expenses", 50_000_000, 100_001, coinsurance_pct=33)))
    assert s.apportionment("expenses").others[0].share_yen == (10_000_000 - 100_001) * 33 // 100 == 3_266_999


# -- the aggregate is used up by what is paid after sharing -------------------------------------------


def test_a_later_incident_finds_the_aggregate_used_only_by_the_apportioned_payable(app, seed_log):
    second = [{"type": "LeakDiscovered", "on": "2005-10-01", "summary": "A laptop was stolen", "cause": "negligence",
               "media": "electronic", "data_items": ["name"], "affected_count": 500},
              {"type": "ClaimReceived", "on": "2005-10-02", "claim_ref": "C1", "kind": "victims", "claimants": 1,
               "amount_claimed_yen": 1, "forum": "japan", "lawsuit": False},
              {"type": "ClaimResolved", "on": "2005-12-01", "claim_ref": "C1", "outcome": "judgment",
               "amount_yen": 90_000_000}]
    log = with_incident(with_events(seed_log, other("liability", 50_000_000)), "INC-2", second)
    imported = app.import_log(log, OPERATOR)
    later = app.statement(imported.incidents["INC-2"]).statement
    assert later.liability.aggregate_left_yen == 100_000_000 - 49_207_082
    assert later.liability.payable_yen == 100_000_000 - 49_207_082


# -- the event: fields, who records it, one per policy and part, voiding ------------------------------


def test_a_coinsurance_for_the_liability_part_is_refused_and_stores_nothing(app, seed_log):
    incident = import_one(app, seed_log)
    before = len(app.history(incident))
    with pytest.raises(DomainError) as refused:
        app.record(incident, other("liability", 1_000_000, coinsurance_pct=90), INSURED)
    assert refused.value.field == "OtherInsuranceDeclared.coinsurance_pct"
    assert len(app.history(incident)) == before
    assert app.record(incident, other("liability", 1_000_000, coinsurance_pct=100), INSURED) == f"e{before + 1}"


@pytest.mark.parametrize(("field", "value"), [("limit_yen", -1), ("deductible_yen", "100"), ("coinsurance_pct", 101),
                                              ("part", "both"), ("insurer", ""), ("insurer", "A\u202eB")])
def test_a_bad_field_is_refused_naming_it(app, seed_log, field, value):
    incident = import_one(app, seed_log)
    with pytest.raises(DomainError) as refused:
        app.record(incident, other("expenses", 1_000_000) | {field: value}, INSURED)
    assert refused.value.field == f"OtherInsuranceDeclared.{field}"


def test_one_declaration_per_other_policy_and_part(app, seed_log):
    incident = import_one(app, seed_log)
    first = app.record(incident, other("liability", 1_000_000), INSURED)
    with pytest.raises(DomainError) as refused:
        app.record(incident, other("liability", 2_000_000), STAFF)
    assert refused.value.field == "OtherInsuranceDeclared.insurer" and first in refused.value.message
    app.record(incident, other("expenses", 1_000_000), INSURED)  # the same policy's other part
    app.record(incident, voided(first, "2005-07-02", "wrong limit"), INSURED)
    app.record(incident, other("liability", 2_000_000), INSURED)  # corrected
    assert app.statement(incident).statement.apportionment("liability").others[0].limit_yen == 2_000_000


@pytest.mark.parametrize("actor", [INSURED, STAFF, OPERATOR])
def test_the_insured_and_staff_record_it(app, seed_log, actor):
    incident = import_one(app, seed_log)
    app.record(incident, other("liability", 50_000_000), actor)
    assert app.statement(incident).statement.liability.payable_yen == 49_207_082


@pytest.mark.parametrize("actor", [Actor("admin", "root"), Actor("system", "workers")])
def test_an_admin_or_the_system_may_not_record_it(app, seed_log, actor):
    incident = import_one(app, seed_log)
    with pytest.raises(NotPermitted):
        app.record(incident, other("liability", 50_000_000), actor)


def test_voiding_the_declaration_restores_this_policys_own_payable(app, seed_log):
    incident = import_one(app, seed_log)
    declared = app.record(incident, other("liability", 50_000_000), INSURED)
    with pytest.raises(NotPermitted):
        app.record(incident, voided(declared, "2005-07-02"), OTHER_INSURED)  # not the recorder
    app.record(incident, voided(declared, "2005-07-02"), INSURED)
    s = app.statement(incident).statement
    assert s.apportionments == () and s.liability.payable_yen == SEED_LIABILITY


def test_staff_void_a_declaration_the_insured_may_not(app, seed_log):
    incident = import_one(app, seed_log)
    declared = app.record(incident, other("liability", 50_000_000), STAFF)
    with pytest.raises(NotPermitted):
        app.record(incident, voided(declared, "2005-07-02"), INSURED)
    app.record(incident, voided(declared, "2005-07-02"), STAFF)
    assert app.statement(incident).statement.liability.payable_yen == SEED_LIABILITY


# -- what the statement says --------------------------------------------------------------------------


def test_the_statement_json_shows_the_apportionment_with_its_figures(app, seed_log):
    incident = import_one(app, with_events(seed_log, other("liability", 50_000_000)))
    data = statement_json(app.statement(incident))
    assert data["apportionments"] == [{
        "part": "liability", "loss_yen": LOSS, "own_yen": SEED_LIABILITY, "others_yen": 50_000_000,
        "payable_yen": 49_207_082, "rule": data["apportionments"][0]["rule"],
        "others": [{"event": "e9", "insurer": "Other Mutual PL-9", "limit_yen": 50_000_000, "deductible_yen": 0,
                    "coinsurance_pct": 100, "share_yen": 50_000_000}]}]
    assert data["liability"]["payable_yen"] == 49_207_082


def test_a_stored_statement_keeps_the_apportionment(app, seed_log):
    s = statement_of(app, with_events(seed_log, other("liability", 50_000_000), other("expenses", 1, 0)))
    again = statements.decode(statements.encode(s))
    assert again == s
    assert again.apportionment("liability").rule.template == s.apportionment("liability").rule.template


def test_a_statement_stored_in_the_older_format_is_not_read(app, seed_log):
    s = statement_of(app, seed_log)
    older = statements.encode(s).replace('"format":3', '"format":2')
    with pytest.raises(ValueError):
        statements.decode(older)
