"""DOMAIN §7: the seed 001 worked example, reproduced to the yen and to the day."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.app.builders import deadline, import_one, line_of
from tests.conftest import OPERATOR

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def incident(app, seed_log):
    return import_one(app, seed_log)


@pytest.fixture
def statement(app, incident):
    return app.statement(incident).statement


@pytest.fixture
def rows(app, incident):
    return app.deadlines(incident)


def test_the_seed_imports_as_one_incident_of_eight_events(app, seed_log):
    imported = app.import_log(seed_log, OPERATOR)
    assert list(imported.incidents) == ["INC-1"]
    assert len(app.history(imported.incidents["INC-1"])) == 8


def test_liability_gross_is_damages_plus_defence_costs(statement):
    assert statement.liability.victims_yen == 80_000_000
    assert statement.liability.gross_yen == 80_000_000


def test_liability_payable_is_gross_less_the_deductible(statement):
    assert statement.liability.deductible_yen == 100_000
    assert statement.liability.net_yen == 79_900_000
    assert statement.liability.payable_yen == 79_900_000


def test_expenses_eligible_are_the_apology_letters(statement):
    assert statement.expenses.eligible_yen == 10_000_000


def test_expenses_are_coinsured_at_ninety_percent_after_the_deductible(statement):
    assert statement.expenses.deductible_yen == 100_000
    assert statement.expenses.net_yen == 9_900_000
    assert statement.expenses.coinsurance_pct == 90
    assert statement.expenses.coinsured_yen == 8_910_000
    assert statement.expenses.payable_yen == 8_910_000


def test_total_payable_is_88_810_000_yen(statement):
    assert statement.total_payable_yen == 88_810_000
    assert statement.paid_yen == 0
    assert statement.outstanding_yen == 88_810_000


def test_each_line_counts_what_was_paid_or_awarded(statement):
    assert line_of(statement, "e5").counted_yen == 10_000_000  # apology letters
    assert line_of(statement, "e7").counted_yen == 5_000_000  # lawyers
    assert line_of(statement, "e8").counted_yen == 75_000_000  # judgment
    assert {line.event: line.part for line in statement.lines} == {
        "e5": "expenses", "e7": "liability", "e8": "liability",
    }


def test_the_lines_of_each_part_sum_to_its_gross_and_eligible_amounts(statement):
    liability = sum(line.counted_yen for line in statement.lines if line.part == "liability")
    expenses = sum(line.counted_yen for line in statement.lines if line.part == "expenses")
    assert liability == statement.liability.gross_yen
    assert expenses == statement.expenses.eligible_yen


def test_every_line_says_which_rule_counted_it(statement):
    assert all(line.rule for line in statement.lines)
    assert "defence" in line_of(statement, "e7").rule


def test_the_accident_date_is_the_leak_occurred_date_not_estimated(statement):
    assert statement.accident_date == dt.date(2005, 5, 20)
    assert statement.accident_estimated is False


def test_the_worked_example_raises_no_flags(statement):
    assert statement.flags == ()


def test_the_expense_window_closes_180_days_after_the_accident(rows):
    assert deadline(rows, "expense_window").due == dt.date(2005, 11, 16)


def test_the_claim_filing_for_c1_is_due_30_days_after_the_judgment(rows):
    row = deadline(rows, "claim_filing_liability", "C1")
    assert row.due == dt.date(2006, 1, 19)
    assert row.status(TODAY) == "overdue"


def test_the_insurer_notice_is_due_five_days_after_discovery_and_met(rows):
    row = deadline(rows, "insurer_notice")
    assert row.due == dt.date(2005, 6, 6)
    assert row.met_on == dt.date(2005, 6, 2)
    assert row.status(TODAY) == "met"


def test_the_ppc_preliminary_report_is_due_on_the_fifth_day(rows):
    assert deadline(rows, "ppc_preliminary").due == dt.date(2005, 6, 5)


def test_the_ppc_final_report_moves_from_saturday_the_60th_day_to_monday(rows):
    row = deadline(rows, "ppc_final")
    assert row.due == dt.date(2005, 8, 1)
    assert "60th day" in row.rule
    assert "Sat 2005-07-30" in row.rule
    assert "Mon 2005-08-01" in row.rule


def test_the_claims_made_cutoff_is_the_end_of_the_policy_period(rows):
    assert deadline(rows, "claims_made_cutoff").due == dt.date(2006, 4, 1)
