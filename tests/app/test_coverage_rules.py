"""DOMAIN §5 and §6: what the policy pays, rule by rule, at each rule's boundaries.

The seed (accident 2005-05-20, expense window through 2005-11-16; events e1..e8)
pays 79,900,000 liability + 8,910,000 expenses; the stories below change one thing.
"""

from __future__ import annotations

import pytest

from events.errors import DomainError, NotPermitted
from tests.app.builders import (
    apology_ad, changed, claim, condolence, defence, expense, import_one, line_of, only_discovery, resolved,
    statement_of, voided, with_discovery, with_events, with_incident, with_policy, without,
)
from tests.conftest import INSURED, OPERATOR, STAFF

SEED_LIABILITY = 79_900_000
SEED_EXPENSES = 8_910_000


def flagged(statement, text: str) -> bool:
    return any(text in flag for flag in statement.flags)


# -- the expense window (accident date + 180 days, inclusive) -----------------


def test_expense_paid_on_day_180_after_the_accident_is_counted(app, seed_log):
    s = statement_of(app, with_events(seed_log, expense("2005-11-16", 1_000_000)))
    assert line_of(s, "e9").counted_yen == 1_000_000
    assert s.expenses.eligible_yen == 11_000_000


def test_expense_paid_on_day_181_is_not_covered(app, seed_log):
    s = statement_of(app, with_events(seed_log, expense("2005-11-17", 1_000_000)))
    line = line_of(s, "e9")
    assert line.amount_yen == 1_000_000
    assert line.counted_yen == 0
    assert "after the expense window closed 2005-11-16" in line.rule
    assert s.expenses.eligible_yen == 10_000_000


def test_expense_paid_on_the_accident_date_is_counted(app, seed_log):
    s = statement_of(app, with_events(seed_log, expense("2005-05-20", 1_000_000)))
    assert line_of(s, "e9").counted_yen == 1_000_000


def test_expense_paid_the_day_before_the_accident_is_not_covered(app, seed_log):
    s = statement_of(app, with_events(seed_log, expense("2005-05-19", 1_000_000)))
    line = line_of(s, "e9")
    assert line.counted_yen == 0
    assert "before the accident date 2005-05-20" in line.rule


def test_the_window_counts_from_the_discovery_date_when_no_leak_occurred_is_recorded(app, seed_log):
    log = with_events(without(seed_log, "LeakOccurred"), expense("2005-11-28", 1, id="x"),
                      expense("2005-11-29", 2))
    s = statement_of(app, log)
    counted = {line.amount_yen: line.counted_yen for line in s.lines if line.part == "expenses"}
    assert counted[1] == 1 and counted[2] == 0  # 2005-06-01 + 180 = 2005-11-28
    assert s.accident_estimated
    assert flagged(s, "accident date estimated")


# -- condolence: 500 yen per recipient ----------------------------------------


@pytest.mark.parametrize(
    ("per_person", "counted"),
    [(300, 300_000), (500, 500_000), (501, 500_000), (10_000, 500_000)],
)
def test_condolence_is_covered_up_to_500_yen_per_recipient(app, seed_log, per_person, counted):
    s = statement_of(app, with_events(seed_log, condolence("2005-06-20", 1_000, per_person)))
    line = line_of(s, "e9")
    assert line.amount_yen == 1_000 * per_person
    assert line.counted_yen == counted
    assert ("capped" in line.rule) == (per_person > 500)


# -- consulting: 3,000,000 per incident ---------------------------------------


def test_consulting_is_capped_at_3_000_000_across_two_payments(app, seed_log):
    log = with_events(seed_log, expense("2005-06-15", 2_000_000), expense("2005-07-15", 2_000_000))
    s = statement_of(app, log)
    assert line_of(s, "e9").counted_yen == 2_000_000
    second = line_of(s, "e10")
    assert second.counted_yen == 1_000_000
    assert "capped" in second.rule
    assert s.expenses.eligible_yen == 10_000_000 + 3_000_000


def test_the_consulting_cap_is_spent_in_order_of_payment_date_not_recording(app, seed_log):
    log = with_events(seed_log, expense("2005-07-15", 2_000_000), expense("2005-06-15", 2_500_000))
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == 2_500_000  # paid first
    assert line_of(s, "e9").counted_yen == 500_000


def test_a_consulting_payment_after_the_cap_is_reached_counts_nothing(app, seed_log):
    log = with_events(seed_log, expense("2005-06-15", 3_000_000), expense("2005-07-15", 1))
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == 0


# -- liability components -----------------------------------------------------


def test_third_party_expense_claims_are_capped_at_the_sublimit_of_pattern_d(app, seed_log):
    log = with_events(seed_log, claim("T1", "2005-10-01", kind="third_party_expenses"),
                      resolved("T1", "2005-12-25", 12_000_000))
    s = statement_of(app, log)
    line = line_of(s, "e10")
    assert line.counted_yen == 10_000_000
    assert "third-party sublimit" in line.rule
    assert s.liability.third_party_yen == 10_000_000
    assert s.liability.gross_yen == 90_000_000
    assert s.liability.payable_yen == 89_900_000


def test_two_third_party_claims_share_one_sublimit(app, seed_log):
    log = with_events(
        seed_log,
        claim("T1", "2005-10-01", kind="third_party_expenses"), resolved("T1", "2005-12-21", 6_000_000),
        claim("T2", "2005-10-02", kind="third_party_expenses"), resolved("T2", "2005-12-22", 6_000_000),
    )
    s = statement_of(app, log)
    assert [line_of(s, e).counted_yen for e in ("e10", "e12")] == [6_000_000, 4_000_000]


def test_credit_card_claims_with_the_rider_are_capped_at_ten_percent_of_the_liability_limit(app, seed_log):
    log = with_events(with_policy(seed_log, riders=["credit_card"]),
                      claim("K1", "2005-10-01", kind="credit_card"), resolved("K1", "2005-12-25", 15_000_000))
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == 10_000_000
    assert s.liability.credit_card_yen == 10_000_000
    assert s.liability.payable_yen == SEED_LIABILITY + 10_000_000


def test_the_credit_card_cap_follows_the_liability_limit_of_pattern_a(app, seed_log):
    log = with_events(with_policy(seed_log, pattern="A", riders=["credit_card"]),
                      claim("K1", "2005-10-01", kind="credit_card"), resolved("K1", "2005-12-25", 1_500_000))
    s = statement_of(app, log)
    assert s.liability.credit_card_yen == 1_000_000


def test_credit_card_claims_without_the_rider_count_nothing(app, seed_log):
    log = with_events(seed_log, claim("K1", "2005-10-01", kind="credit_card"),
                      resolved("K1", "2005-12-25", 5_000_000))
    s = statement_of(app, log)
    line = line_of(s, "e10")
    assert line.counted_yen == 0
    assert "rider" in line.rule
    assert s.liability.credit_card_yen == 0
    assert s.liability.payable_yen == SEED_LIABILITY


def test_defence_costs_of_a_credit_card_claim_without_the_rider_count_with_the_victims(app, seed_log):
    log = with_events(seed_log, claim("K1", "2005-10-01", kind="credit_card"),
                      defence("K1", "2005-11-01", 2_000_000), resolved("K1", "2005-12-25", 5_000_000))
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == 2_000_000  # DOMAIN §5.1: defence costs of any kind of claim
    assert "defence costs" in line_of(s, "e10").rule
    assert line_of(s, "e11").counted_yen == 0
    assert s.liability.victims_yen == 82_000_000
    assert s.liability.payable_yen == SEED_LIABILITY + 2_000_000


def test_network_claims_with_the_rider_count_in_full(app, seed_log):
    log = with_events(with_policy(seed_log, riders=["network"]),
                      claim("N1", "2005-10-01", kind="network"), resolved("N1", "2005-12-25", 15_000_000))
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == 15_000_000
    assert s.liability.network_yen == 15_000_000
    assert s.liability.payable_yen == SEED_LIABILITY + 15_000_000


def test_network_claims_without_the_rider_count_nothing(app, seed_log):
    log = with_events(seed_log, claim("N1", "2005-10-01", kind="network"),
                      resolved("N1", "2005-12-25", 15_000_000))
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == 0
    assert s.liability.network_yen == 0


def test_liability_payable_never_exceeds_the_liability_limit(app, seed_log):
    log = with_events(seed_log, claim("C2", "2005-10-01"), resolved("C2", "2005-12-25", 50_000_000))
    s = statement_of(app, log)
    assert s.liability.gross_yen == 130_000_000
    assert s.liability.payable_yen == 100_000_000


# -- claims made: received within the policy period ----------------------------


def _late_claim(seed_log, **received):
    return with_events(seed_log, claim("C2", **received), resolved("C2", "2006-06-01", 1_000_000))


def test_a_claim_received_on_the_last_day_by_date_only_is_inside_and_flagged(app, seed_log):
    s = statement_of(app, _late_claim(seed_log, on="2006-04-01"))
    assert line_of(s, "e10").counted_yen == 1_000_000
    assert flagged(s, "claim C2 was received on the last day of the policy period")


def test_a_claim_received_the_day_after_the_period_ends_is_not_covered(app, seed_log):
    s = statement_of(app, _late_claim(seed_log, on="2006-04-02"))
    line = line_of(s, "e10")
    assert line.counted_yen == 0
    assert "outside the policy period" in line.rule
    assert s.liability.payable_yen == SEED_LIABILITY
    assert not flagged(s, "claim C2 was received on the last day")


def test_a_claim_received_at_16_00_on_the_last_day_is_outside_the_period(app, seed_log):
    s = statement_of(app, _late_claim(seed_log, at="2006-04-01T16:00:00+09:00"))
    assert line_of(s, "e10").counted_yen == 0
    assert not flagged(s, "claim C2 was received on the last day")  # the time of day decided


def test_a_claim_received_at_15_59_on_the_last_day_is_inside_the_period(app, seed_log):
    s = statement_of(app, _late_claim(seed_log, at="2006-04-01T15:59:00+09:00"))
    assert line_of(s, "e10").counted_yen == 1_000_000


def test_an_instant_in_another_offset_is_compared_as_the_same_instant(app, seed_log):
    # 07:00 UTC is 16:00 JST: the period has ended.
    s = statement_of(app, _late_claim(seed_log, at="2006-04-01T07:00:00+00:00"))
    assert line_of(s, "e10").counted_yen == 0


def test_a_claim_on_the_first_day_by_date_only_counts_as_00_00_before_the_16_00_start(app, seed_log):
    log = with_events(
        with_policy(seed_log, period_start="2005-06-15T16:00:00+09:00",
                    initial_inception="2004-06-15T16:00:00+09:00"),
        claim("C2", "2005-06-15"), resolved("C2", "2005-12-25", 1_000_000),
    )
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == 0
    assert "outside the policy period" in line_of(s, "e10").rule
    assert flagged(s, "claim C2 was received on the first day of the policy period")


# -- forum, deductible ---------------------------------------------------------


def test_a_claim_brought_abroad_is_not_counted_and_proposed_for_exclusion(app, seed_log):
    log = with_events(seed_log, claim("F1", "2005-10-01", forum="overseas"),
                      defence("F1", "2005-11-01", 2_000_000), resolved("F1", "2005-12-25", 3_000_000))
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == 0
    assert line_of(s, "e11").counted_yen == 0
    assert "outside Japan" in line_of(s, "e11").rule
    assert s.liability.payable_yen == SEED_LIABILITY
    assert flagged(s, "proposed exclusion foreign_claim")


def test_the_foreign_claim_proposal_disappears_once_staff_apply_the_exclusion(app, seed_log):
    incident = import_one(app, with_events(seed_log, claim("F1", "2005-10-01", forum="overseas")))
    app.record(incident, {"type": "ExclusionApplied", "on": "2005-10-05", "scope": "F1",
                          "reason": "foreign_claim"}, STAFF)
    assert not flagged(app.statement(incident).statement, "proposed exclusion foreign_claim")


def test_a_loss_below_the_deductible_pays_nothing_and_never_a_negative_amount(app, seed_log):
    log = changed(changed(seed_log, "IndividualsNotified", cost_yen=60_000), "ClaimResolved", amount_yen=10_000)
    log = without(log, "DefenceCostPaid")
    s = statement_of(app, log)
    assert s.liability.gross_yen == 10_000
    assert s.liability.net_yen == 0
    assert s.liability.payable_yen == 0
    assert s.expenses.eligible_yen == 60_000
    assert (s.expenses.net_yen, s.expenses.coinsured_yen, s.expenses.payable_yen) == (0, 0, 0)
    assert s.total_payable_yen == 0


def test_a_loss_of_exactly_the_deductible_pays_nothing(app, seed_log):
    log = without(changed(seed_log, "IndividualsNotified", cost_yen=100_000),
                  "ClaimReceived", "DefenceCostPaid", "ClaimResolved")
    s = statement_of(app, log)
    assert s.expenses.payable_yen == 0


def test_coinsurance_rounds_down_to_the_yen(app, seed_log):
    log = changed(seed_log, "IndividualsNotified", cost_yen=100_019)  # net 19 yen x 90% = 17.1
    s = statement_of(app, log)
    assert s.expenses.coinsured_yen == 17


def test_expense_payable_never_exceeds_the_expense_limit(app, seed_log):
    s = statement_of(app, with_events(seed_log, apology_ad("2005-06-20", 50_000_000)))
    assert s.expenses.coinsured_yen > 10_000_000
    assert s.expenses.payable_yen == 10_000_000


# -- aggregate limits across the incidents of one policy period ----------------


def _second_incident(discovered: str, occurred: str) -> list[dict]:
    return [
        {"type": "LeakDiscovered", "on": discovered, "summary": "A laptop was stolen",
         "cause": "negligence", "media": "electronic", "data_items": ["name", "email"],
         "affected_count": 500},
        {"type": "LeakOccurred", "on": occurred},
        {"type": "Publicized", "on": discovered, "how": "website"},
        {"type": "IndividualsNotified", "on": discovered, "recipients": 500, "cost_yen": 5_000_000},
        claim("C1", discovered),
        resolved("C1", "2005-12-01", 30_000_000),
    ]


def test_a_later_discovered_incident_gets_only_what_is_left_of_the_aggregates(app, seed_log):
    log = with_incident(seed_log, "INC-2", _second_incident("2005-10-01", "2005-09-25"))
    imported = app.import_log(log, OPERATOR)
    first = app.statement(imported.incidents["INC-1"]).statement
    second = app.statement(imported.incidents["INC-2"]).statement
    assert (first.liability.payable_yen, first.expenses.payable_yen) == (SEED_LIABILITY, SEED_EXPENSES)
    assert second.liability.net_yen == 29_900_000
    assert second.liability.aggregate_left_yen == 20_100_000
    assert second.liability.payable_yen == 20_100_000
    assert second.expenses.coinsured_yen == 4_410_000
    assert second.expenses.payable_yen == 1_090_000
    assert flagged(second, "earlier incidents of this policy period")
    assert not flagged(first, "earlier incidents")


def test_the_aggregate_follows_discovery_date_not_the_order_of_the_file(app, seed_log):
    log = with_incident(seed_log, "INC-0", _second_incident("2005-05-01", "2005-04-25"))
    assert [i["reference"] for i in log["incidents"]] == ["INC-1", "INC-0"]  # file order
    imported = app.import_log(log, OPERATOR)
    earlier = app.statement(imported.incidents["INC-0"]).statement
    later = app.statement(imported.incidents["INC-1"]).statement
    assert (earlier.liability.payable_yen, earlier.expenses.payable_yen) == (29_900_000, 4_410_000)
    assert later.liability.payable_yen == 100_000_000 - 29_900_000
    assert later.expenses.payable_yen == 10_000_000 - 4_410_000
    assert later.total_payable_yen == 70_100_000 + 5_590_000


# -- void and re-record ------------------------------------------------------------


def test_voiding_an_expense_removes_it_and_re_recording_restores_it(app, seed_log):
    incident = import_one(app, seed_log)
    paid = expense("2005-07-01", 1_000_000)
    eid = app.record(incident, paid, INSURED)
    assert app.statement(incident).statement.expenses.eligible_yen == 11_000_000

    app.record(incident, voided(eid, "2005-07-02"), INSURED)
    s = app.statement(incident).statement
    assert eid not in {line.event for line in s.lines}
    assert (s.expenses.eligible_yen, s.total_payable_yen) == (10_000_000, 88_810_000)

    again = app.record(incident, paid, INSURED)
    s = app.statement(incident).statement
    assert line_of(s, again).counted_yen == 1_000_000
    assert s.expenses.payable_yen == 9_810_000


def test_voiding_a_voiding_is_refused_and_stores_nothing(app, seed_log):
    incident = import_one(app, seed_log)
    eid = app.record(incident, expense("2005-07-01", 1_000_000), INSURED)
    void = app.record(incident, voided(eid, "2005-07-02"), INSURED)
    before = len(app.history(incident))
    with pytest.raises(DomainError) as refused:
        app.record(incident, voided(void, "2005-07-03"), INSURED)
    assert refused.value.field == "EventVoided.event"
    assert len(app.history(incident)) == before


def test_an_event_voided_in_the_imported_file_does_not_count(app, seed_log):
    log = with_events(seed_log, apology_ad("2005-06-05", 500_000, id="ad1"), voided("ad1", "2005-06-06"))
    s = statement_of(app, log)
    assert s.expenses.eligible_yen == 10_000_000
    assert "e9" not in {line.event for line in s.lines}


# -- other expenses and coverage decisions -----------------------------------------


def test_an_other_expense_without_a_coverage_decision_counts_nothing_and_is_flagged(app, seed_log):
    incident = import_one(app, seed_log)
    eid = app.record(incident, expense("2005-07-01", 400_000, category="other"), INSURED)
    s = app.statement(incident).statement
    assert line_of(s, eid).counted_yen == 0
    assert flagged(s, f"expense {eid} (other, 400,000 yen) awaits a coverage decision")


def test_an_other_expense_decided_covered_counts(app, seed_log):
    incident = import_one(app, seed_log)
    eid = app.record(incident, expense("2005-07-01", 400_000, category="other"), INSURED)
    decision = app.record(incident, {"type": "CoverageDecided", "on": "2005-07-10", "event": eid,
                                     "covered": True, "reason": "forensic audit"}, STAFF)
    s = app.statement(incident).statement
    line = line_of(s, eid)
    assert line.counted_yen == 400_000
    assert decision in line.rule
    assert not flagged(s, "awaits a coverage decision")
    assert s.expenses.eligible_yen == 10_400_000


def test_an_other_expense_decided_not_covered_counts_nothing(app, seed_log):
    incident = import_one(app, seed_log)
    eid = app.record(incident, expense("2005-07-01", 400_000, category="other"), INSURED)
    app.record(incident, {"type": "CoverageDecided", "on": "2005-07-10", "event": eid,
                          "covered": False, "reason": "staff party"}, STAFF)
    s = app.statement(incident).statement
    assert line_of(s, eid).counted_yen == 0
    assert "refused" in line_of(s, eid).rule
    assert not flagged(s, "awaits a coverage decision")


def test_a_coverage_decision_in_the_imported_file_refers_to_the_expense_by_its_local_id(app, seed_log):
    log = with_events(seed_log, expense("2005-07-01", 400_000, category="other", id="x1"),
                      {"type": "CoverageDecided", "on": "2005-07-10", "event": "x1", "covered": True})
    assert line_of(statement_of(app, log), "e9").counted_yen == 400_000


@pytest.mark.parametrize("category", ["similar_insurance_premium", "financing", "officer_pay", "network_equipment"])
def test_excluded_expense_categories_count_nothing(app, seed_log, category):
    s = statement_of(app, with_events(seed_log, expense("2005-07-01", 400_000, category=category)))
    line = line_of(s, "e9")
    assert line.counted_yen == 0
    assert line.rule.startswith("excluded")
    assert s.expenses.eligible_yen == 10_000_000


def test_litigation_recorded_as_an_expense_is_refused_pointing_to_defence_cost_paid(app, seed_log):
    incident = import_one(app, seed_log)
    before = len(app.history(incident))
    with pytest.raises(DomainError) as refused:
        app.record(incident, expense("2005-07-01", 400_000, category="litigation"), INSURED)
    assert refused.value.field == "ExpensePaid.category"
    assert "DefenceCostPaid" in refused.value.message
    assert len(app.history(incident)) == before


@pytest.mark.parametrize("category", ["apology_ad", "condolence", "call_center"])
def test_a_category_with_its_own_event_is_refused_as_expense_paid(app, seed_log, category):
    incident = import_one(app, seed_log)
    with pytest.raises(DomainError) as refused:
        app.record(incident, expense("2005-07-01", 400_000, category=category), INSURED)
    assert refused.value.field == "ExpensePaid.category"


# -- conditions of the expense part ----------------------------------------------------


def test_no_expense_counts_until_the_leak_is_publicized(app, seed_log):
    s = statement_of(app, without(seed_log, "Publicized"))
    assert line_of(s, "e4").counted_yen == 0  # e4 is now the apology letters
    assert s.expenses.eligible_yen == 0
    assert s.expenses.payable_yen == 0
    assert s.liability.payable_yen == SEED_LIABILITY
    assert flagged(s, "has not been made public")


def test_expenses_count_once_publicized_even_if_paid_before(app, seed_log):
    incident = import_one(app, without(seed_log, "Publicized"))
    app.record(incident, {"type": "Publicized", "on": "2005-07-01", "how": "media_report"}, INSURED)
    assert app.statement(incident).statement.expenses.eligible_yen == 10_000_000


# -- exclusions ------------------------------------------------------------------------


def _excluded(app, seed_log, scope: str, reason: str = "intent", extra=()):
    incident = import_one(app, with_events(seed_log, *extra))
    app.record(incident, {"type": "ExclusionApplied", "on": "2005-12-21", "scope": scope,
                          "reason": reason}, STAFF)
    return app.statement(incident).statement


def test_an_exclusion_of_the_incident_pays_nothing_on_either_part(app, seed_log):
    s = _excluded(app, seed_log, "incident")
    assert s.liability.gross_yen == 0 and s.liability.payable_yen == 0
    assert s.expenses.eligible_yen == 0 and s.expenses.payable_yen == 0
    assert s.total_payable_yen == 0
    assert all(line.counted_yen == 0 and "intent" in line.rule for line in s.lines)


def test_an_exclusion_of_the_expense_part_leaves_the_liability_part(app, seed_log):
    s = _excluded(app, seed_log, "expenses", reason="overseas_records")
    assert s.expenses.payable_yen == 0
    assert s.liability.payable_yen == SEED_LIABILITY


def test_an_exclusion_of_the_liability_part_leaves_the_expense_part(app, seed_log):
    s = _excluded(app, seed_log, "liability", reason="ip_infringement")
    assert s.liability.payable_yen == 0
    assert s.expenses.payable_yen == SEED_EXPENSES


def test_an_exclusion_of_one_claim_leaves_the_other_claims(app, seed_log):
    extra = (claim("C2", "2005-10-01"), resolved("C2", "2005-12-20", 2_000_000))
    s = _excluded(app, seed_log, "C1", reason="stock_price", extra=extra)
    assert line_of(s, "e7").counted_yen == 0  # C1's lawyers
    assert line_of(s, "e8").counted_yen == 0  # C1's judgment
    assert line_of(s, "e10").counted_yen == 2_000_000
    assert s.liability.payable_yen == 1_900_000
    assert s.expenses.payable_yen == SEED_EXPENSES


def test_a_liability_only_reason_cannot_exclude_the_expense_part(app, seed_log):
    incident = import_one(app, seed_log)
    with pytest.raises(DomainError) as refused:
        app.record(incident, {"type": "ExclusionApplied", "on": "2005-12-21", "scope": "expenses",
                              "reason": "foreign_claim"}, STAFF)
    assert refused.value.field == "ExclusionApplied.scope"


def test_a_leak_before_the_initial_inception_is_covered_by_neither_part(app, seed_log):
    s = statement_of(app, changed(seed_log, "LeakOccurred", on="2005-03-20"))
    assert s.liability.payable_yen == 0
    assert "before the initial inception" in line_of(s, "e8").rule
    assert s.expenses.payable_yen == 0
    assert "outside the policy period" in line_of(s, "e5").rule
    assert flagged(s, "proposed exclusion pre_inception_leak")


def test_a_leak_before_this_period_but_after_the_initial_inception_keeps_the_liability_part(app, seed_log):
    log = with_policy(changed(seed_log, "LeakOccurred", on="2005-03-20"),
                      initial_inception="2003-04-01T16:00:00+09:00")
    s = statement_of(app, log)
    assert s.liability.payable_yen == SEED_LIABILITY
    assert s.expenses.payable_yen == 0  # the expense part needs the leak within this period
    assert not flagged(s, "pre_inception_leak")


def test_the_system_proposes_exclusions_for_overseas_records_and_employees_data(app, seed_log):
    s = statement_of(app, with_discovery(seed_log, records_location="overseas", employees_data=True))
    assert flagged(s, "proposed exclusion overseas_records")
    assert flagged(s, "proposed exclusion employee_data")
    assert s.total_payable_yen == 88_810_000  # proposals only: staff decide


# -- settlements and payments ----------------------------------------------------------


def _settled(seed_log, *consent):
    return with_events(seed_log, claim("C2", "2005-10-01"), *consent,
                       resolved("C2", "2005-12-22", 2_000_000, outcome="settlement"))


def test_a_settlement_without_the_insurers_consent_is_counted_but_flagged(app, seed_log):
    s = statement_of(app, _settled(seed_log))
    assert line_of(s, "e10").counted_yen == 2_000_000
    assert flagged(s, "claim C2 was settled without the insurer's consent")


def test_a_settlement_with_the_insurers_consent_is_not_flagged(app, seed_log):
    consent = ({"type": "SettlementConsentRequested", "on": "2005-12-01", "claim_ref": "C2", "amount_yen": 2_000_000},
               {"type": "SettlementConsentGiven", "on": "2005-12-05", "claim_ref": "C2", "amount_yen": 2_000_000})
    s = statement_of(app, _settled(seed_log, *consent))
    assert not flagged(s, "claim C2 was settled")


def test_a_settlement_after_the_insurer_refused_consent_is_flagged(app, seed_log):
    consent = ({"type": "SettlementConsentRequested", "on": "2005-12-01", "claim_ref": "C2", "amount_yen": 2_000_000},
               {"type": "SettlementConsentRefused", "on": "2005-12-05", "claim_ref": "C2", "amount_yen": 2_000_000})
    s = statement_of(app, _settled(seed_log, *consent))
    assert flagged(s, "claim C2 was settled although the insurer refused consent")


def test_insurer_payments_are_shown_as_paid_beside_the_total(app, seed_log):
    incident = import_one(app, seed_log)
    app.record(incident, {"type": "InsurerPaid", "on": "2006-02-01", "part": "liability", "amount_yen": 79_900_000}, STAFF)
    app.record(incident, {"type": "InsurerPaid", "on": "2006-02-02", "part": "expenses", "amount_yen": 5_000_000}, STAFF)
    s = app.statement(incident).statement
    assert s.total_payable_yen == 88_810_000
    assert (s.paid_liability_yen, s.paid_expenses_yen, s.paid_yen) == (79_900_000, 5_000_000, 84_900_000)
    assert s.outstanding_yen == 3_910_000


def test_the_insured_cannot_record_an_insurer_payment(app, seed_log):
    incident = import_one(app, seed_log)
    with pytest.raises(NotPermitted):
        app.record(incident, {"type": "InsurerPaid", "on": "2006-02-01", "part": "liability", "amount_yen": 1}, INSURED)


@pytest.mark.parametrize("at, covered", [("2005-04-01T17:00:00+09:00", True), ("2005-04-01T15:00:00+09:00", False)])
def test_a_leak_occurred_at_a_time_on_the_first_day_is_judged_by_that_time(app, seed_log, at, covered):
    """The period (and the initial inception) start 2005-04-01 16:00 JST."""
    log = with_events(seed_log, claim("C2", "2005-10-01"), resolved("C2", "2005-12-25", 1_000_000))
    occurred = next(e for e in log["incidents"][0]["events"] if e["type"] == "LeakOccurred")
    occurred.pop("on")
    occurred["at"] = at
    s = statement_of(app, log)
    if covered:
        assert (s.liability.payable_yen, s.expenses.payable_yen) == (SEED_LIABILITY + 1_000_000, SEED_EXPENSES)
    else:
        assert (s.liability.payable_yen, s.expenses.payable_yen) == (0, 0)
    assert not flagged(s, "time of day decides")  # the time was given


# -- the third-party sublimit and the card cap hold for the policy period (§5.1) -----------------


def _other_leak(discovered: str, *events: dict) -> list[dict]:
    """A second incident of the seed's policy: e1 discovery, e2 occurrence, then ``events``."""
    return [{"type": "LeakDiscovered", "on": discovered, "summary": "A laptop was stolen", "cause": "negligence",
             "media": "electronic", "data_items": ["name", "email"], "affected_count": 500},
            {"type": "LeakOccurred", "on": discovered}, *events]


def _two_incidents(app, seed_log, first_yen: int, second_yen: int, kind: str = "third_party_expenses",
                   riders: tuple[str, ...] = (), first_extra: tuple[dict, ...] = ()):
    """INC-1 (discovered 2005-06-01) and INC-2 (2005-10-01) each with one resolved claim T1 of ``kind``;
    their statements. INC-1's claim is e10, INC-2's e4."""
    log = with_events(with_policy(seed_log, riders=list(riders)), claim("T1", "2005-10-01", kind=kind),
                      resolved("T1", "2005-12-25", first_yen), *first_extra)
    log = with_incident(log, "INC-2", _other_leak("2005-10-01", claim("T1", "2005-10-02", kind=kind),
                                                  resolved("T1", "2005-12-26", second_yen)))
    imported = app.import_log(log, OPERATOR)
    return (app.statement(imported.incidents["INC-1"]).statement,
            app.statement(imported.incidents["INC-2"]).statement)


def test_a_later_incident_gets_only_what_is_left_of_the_third_party_sublimit_in_the_period(app, seed_log):
    first, second = _two_incidents(app, seed_log, 6_000_000, 6_000_000)
    assert first.liability.third_party_yen == 6_000_000
    line = line_of(second, "e4")
    assert (line.amount_yen, line.counted_yen) == (6_000_000, 4_000_000)
    assert "third-party sublimit 10,000,000 reached (6,000,000 yen of it counted by earlier incidents" in line.rule
    assert second.liability.third_party_yen == 4_000_000
    assert "third_party_sublimit" in second.capped and "third_party_sublimit" not in first.capped


@pytest.mark.parametrize(("first", "counted"), [(10_000_000, 0), (9_999_999, 1), (0, 5_000_000)])
def test_the_period_third_party_sublimit_at_its_boundary(app, seed_log, first, counted):
    _, second = _two_incidents(app, seed_log, first, 5_000_000)
    assert line_of(second, "e4").counted_yen == counted


@pytest.mark.parametrize(("first", "counted"), [(10_000_000, 0), (9_999_999, 1), (6_000_000, 4_000_000)])
def test_the_credit_card_cap_of_ten_percent_holds_for_the_period_too(app, seed_log, first, counted):
    _, second = _two_incidents(app, seed_log, first, 5_000_000, kind="credit_card", riders=("credit_card",))
    line = line_of(second, "e4")
    assert line.counted_yen == counted
    assert second.liability.credit_card_yen == counted
    assert "credit-card cap (10% of the liability limit) 10,000,000 reached" in line.rule


def test_an_excluded_third_party_claim_of_an_earlier_incident_uses_none_of_the_sublimit(app, seed_log):
    exclusion = {"type": "ExclusionApplied", "on": "2005-12-27", "scope": "T1", "reason": "stock_price"}
    first, second = _two_incidents(app, seed_log, 10_000_000, 5_000_000, first_extra=(exclusion,))
    assert first.liability.third_party_yen == 0
    assert line_of(second, "e4").counted_yen == 5_000_000


def test_the_sublimit_goes_to_the_incident_discovered_first_not_the_first_in_the_file(app, seed_log):
    log = with_events(seed_log, claim("T1", "2005-10-01", kind="third_party_expenses"),
                      resolved("T1", "2005-12-25", 6_000_000))
    log = with_incident(log, "INC-0", _other_leak("2005-05-01", claim("T1", "2005-05-02", kind="third_party_expenses"),
                                                  resolved("T1", "2005-12-26", 6_000_000)))
    imported = app.import_log(log, OPERATOR)
    assert line_of(app.statement(imported.incidents["INC-0"]).statement, "e4").counted_yen == 6_000_000
    assert line_of(app.statement(imported.incidents["INC-1"]).statement, "e10").counted_yen == 4_000_000


# -- the network rider does not cover an insider cause (§5.1) -------------------------------------


def _network_claim(seed_log, cause: str):
    log = with_discovery(with_policy(seed_log, riders=["network"]), cause=cause)
    return with_events(log, claim("N1", "2005-10-01", kind="network"), defence("N1", "2005-11-01", 1_000_000),
                       resolved("N1", "2005-12-25", 15_000_000))


def test_network_damages_of_an_insider_leak_count_nothing_even_with_the_rider(app, seed_log):
    s = statement_of(app, _network_claim(seed_log, "insider"))
    line = line_of(s, "e11")
    assert line.counted_yen == 0
    assert "network rider does not cover a leak caused by the insured's own people" in line.rule
    assert s.liability.network_yen == 0
    assert line_of(s, "e10").counted_yen == 1_000_000  # its defence costs still count (§5.1, decision 24)
    assert s.liability.payable_yen == SEED_LIABILITY + 1_000_000


@pytest.mark.parametrize("cause", ["vendor", "external_attack", "negligence", "unknown"])
def test_network_damages_of_any_other_cause_count_with_the_rider(app, seed_log, cause):
    s = statement_of(app, _network_claim(seed_log, cause))
    assert line_of(s, "e11").counted_yen == 15_000_000


def test_a_corrected_discovery_naming_an_insider_excludes_the_network_damages(app, seed_log):
    incident = import_one(app, _network_claim(seed_log, "vendor"))
    app.record(incident, {**seed_log["incidents"][0]["events"][0], "on": "2005-06-01", "cause": "insider"}, INSURED)
    assert line_of(app.statement(incident).statement, "e11").counted_yen == 0


# -- condolence: at most 500 yen × the affected count per incident (§5.2) -------------------------


@pytest.mark.parametrize(("second", "counted", "capped"), [(40, 20_000, False), (41, 20_000, True)])
def test_all_condolence_lines_together_count_at_most_500_yen_per_person_affected(app, seed_log, second, counted,
                                                                                  capped):
    log = with_events(with_discovery(seed_log, affected_count=100), condolence("2005-06-20", 60, 500),
                      condolence("2005-06-21", second, 500))
    s = statement_of(app, log)
    assert line_of(s, "e9").counted_yen == 30_000
    line = line_of(s, "e10")
    assert line.counted_yen == counted
    assert ("condolence cap (500 yen × 100 people affected) 50,000 reached" in line.rule) is capped
    assert ("condolence_cap" in s.capped) is capped


def test_the_condolence_cap_is_in_yen_so_more_recipients_at_a_lower_amount_still_meet_it(app, seed_log):
    s = statement_of(app, with_events(with_discovery(seed_log, affected_count=100), condolence("2005-06-20", 200, 300)))
    assert line_of(s, "e9").counted_yen == 50_000


def test_a_revised_affected_count_moves_the_condolence_cap(app, seed_log):
    log = with_events(with_discovery(seed_log, affected_count=100), condolence("2005-06-20", 200, 300),
                      {"type": "AffectedCountRevised", "on": "2005-06-25", "affected_count": 200})
    assert line_of(statement_of(app, log), "e9").counted_yen == 60_000


def test_a_condolence_line_outside_the_window_uses_none_of_the_cap(app, seed_log):
    log = with_events(with_discovery(seed_log, affected_count=100), condolence("2005-11-17", 100, 500),
                      condolence("2005-11-16", 100, 500))
    s = statement_of(app, log)
    assert (line_of(s, "e9").counted_yen, line_of(s, "e10").counted_yen) == (0, 50_000)


# -- flags (§5.5): consent to settle, a claim before the accident, the time of day -----------------


def _consent(kind: str, on: str, amount: int = 2_000_000) -> dict:
    return {"type": f"SettlementConsent{kind}", "on": on, "claim_ref": "C2", "amount_yen": amount}


REQUESTED = _consent("Requested", "2005-12-01")


def test_a_settlement_before_the_consent_is_flagged_naming_the_day_of_the_consent(app, seed_log):
    log = with_events(_settled(seed_log, REQUESTED), _consent("Given", "2005-12-23"))
    s = statement_of(app, log)
    assert flagged(s, "claim C2 was settled 2005-12-22, before the insurer consented on 2005-12-23")
    assert line_of(s, "e11").counted_yen == 2_000_000  # counted: the flag is for staff


def test_a_consent_given_on_the_day_of_the_settlement_is_in_time(app, seed_log):
    s = statement_of(app, _settled(seed_log, REQUESTED, _consent("Given", "2005-12-22")))
    assert not flagged(s, "claim C2 was settled")


@pytest.mark.parametrize(("settled", "excess"), [(2_000_001, 1), (2_500_000, 500_000)])
def test_a_settlement_above_the_consented_amount_is_flagged_naming_the_excess(app, seed_log, settled, excess):
    log = with_events(seed_log, claim("C2", "2005-10-01"), REQUESTED, _consent("Given", "2005-12-05"),
                      resolved("C2", "2005-12-22", settled, outcome="settlement"))
    s = statement_of(app, log)
    assert flagged(s, f"claim C2 was settled for {settled:,} yen, {excess:,} yen above the 2,000,000 yen the insurer "
                      "consented to on 2005-12-05: the insurer may refuse to pay the excess")


def test_the_latest_decision_by_the_settlement_day_decides(app, seed_log):
    refused_then_given = _settled(seed_log, REQUESTED, _consent("Refused", "2005-12-02"), _consent("Given", "2005-12-10"))
    given_then_refused = _settled(with_policy(seed_log, number="SK-2005-0002"), REQUESTED, _consent("Given", "2005-12-02"),
                                  _consent("Refused", "2005-12-10"))
    assert not flagged(statement_of(app, refused_then_given), "claim C2 was settled")
    assert flagged(statement_of(app, given_then_refused), "claim C2 was settled although the insurer refused consent")


@pytest.mark.parametrize(("received", "flag"), [("2005-05-19", True), ("2005-05-20", False), ("2005-05-21", False)])
def test_a_claim_received_before_the_accident_date_is_flagged(app, seed_log, received, flag):
    s = statement_of(app, with_events(seed_log, claim("C2", received)))
    assert flagged(s, f"claim C2 was received {received}, before the accident date 2005-05-20") is flag


@pytest.mark.parametrize(("received_at", "flag"), [("2005-05-20T09:59:00+09:00", True),
                                                   ("2005-05-20T10:00:00+09:00", False)])
def test_a_claim_received_before_the_accident_on_the_same_day_is_judged_by_the_times(app, seed_log, received_at, flag):
    log = changed(seed_log, "LeakOccurred", at="2005-05-20T10:00:00+09:00")
    s = statement_of(app, with_events(log, claim("C2", at=received_at)))
    assert flagged(s, "claim C2 was received 2005-05-20, before the accident date") is flag


def _mid_term(seed_log, **more):
    """Enrolled mid-term: cover from 2005-08-01 00:00 JST; an earlier initial inception keeps the liability part."""
    return with_policy(seed_log, enrolment_applied_on="2005-06-15", initial_inception="2003-04-01T16:00:00+09:00",
                       **more)


def test_a_claim_on_the_day_a_mid_term_cover_starts_at_00_00_counts_and_raises_no_flag(app, seed_log):
    s = statement_of(app, with_events(_mid_term(seed_log), claim("C2", "2005-08-01"),
                                      resolved("C2", "2005-12-25", 1_000_000)))
    assert line_of(s, "e10").counted_yen == 1_000_000
    assert not flagged(s, "time of day decides")


def test_a_claim_the_day_before_a_mid_term_cover_starts_is_outside_and_raises_no_flag(app, seed_log):
    s = statement_of(app, with_events(_mid_term(seed_log), claim("C2", "2005-07-31"),
                                      resolved("C2", "2005-12-25", 1_000_000)))
    assert line_of(s, "e10").counted_yen == 0
    assert not flagged(s, "time of day decides")


def test_an_accident_on_the_day_a_mid_term_cover_starts_at_00_00_raises_no_flag(app, seed_log):
    log = with_events(only_discovery(_mid_term(seed_log), on="2005-08-05"),
                      {"type": "LeakOccurred", "on": "2005-08-01"})
    assert not flagged(statement_of(app, log), "first day of the policy period")


@pytest.mark.parametrize(("received", "counted"), [("2006-03-31", 1_000_000), ("2006-04-01", 0)])
def test_a_period_ending_at_00_00_raises_no_flag_on_its_last_day(app, seed_log, received, counted):
    log = with_events(with_policy(seed_log, period_end="2006-04-01T00:00:00+09:00"), claim("C2", received),
                      resolved("C2", "2006-05-01", 1_000_000))
    s = statement_of(app, log)
    assert line_of(s, "e10").counted_yen == counted
    assert not flagged(s, "time of day decides")


@pytest.mark.parametrize(("inception", "flag"), [("2004-06-15T16:00:00+09:00", True),
                                                 ("2004-06-15T00:00:00+09:00", False)])
def test_an_accident_on_the_day_of_the_initial_inception_is_flagged_unless_it_starts_at_00_00(app, seed_log, inception,
                                                                                              flag):
    log = changed(with_policy(seed_log, initial_inception=inception), "LeakOccurred", on="2004-06-15")
    assert flagged(statement_of(app, log), "is the day of the initial inception") is flag
