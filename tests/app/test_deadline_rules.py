"""DOMAIN §4: deadlines, their anchors, the two ways of counting days, PPC reportability and statuses."""

from __future__ import annotations

import datetime as dt

import pytest

from casemgr.rules.calendar import closure_reason
from tests.app.builders import (
    deadline, import_one, only_discovery, voided, with_events, with_policy, without,
)
from tests.conftest import INSURED, STAFF

TODAY = dt.date(2026, 11, 22)
D = dt.date.fromisoformat

# A small leak that the PPC need not hear of; each test adds what makes it reportable.
QUIET = {"cause": "negligence", "data_items": ["name"], "affected_count": 1_000,
         "wrongful_purpose_suspected": False}
CARD = {**QUIET, "data_items": ["name", "credit_card"]}


def rows_for(app, seed_log, **discovery):
    return app.deadlines(import_one(app, only_discovery(seed_log, **discovery)))


# -- PPC final: the 30th (or 60th) day counting the day of awareness, moved off closed days --


def test_ppc_final_on_saturday_the_60th_day_moves_to_monday(app, seed_log):
    row = deadline(app.deadlines(import_one(app, seed_log)), "ppc_final")
    assert row.due == D("2005-08-01")
    assert "moved from Sat 2005-07-30" in row.rule and "Mon 2005-08-01" in row.rule


@pytest.mark.parametrize("discovered", ["2024-11-30", "2024-12-01", "2024-12-02", "2024-12-03",
                                        "2024-12-04", "2024-12-05"])
def test_ppc_final_falling_in_the_year_end_closure_moves_to_the_first_working_day_of_january(
        app, seed_log, discovered):
    # The 30th days are 29 Dec 2024 .. 3 Jan 2025; 4-5 Jan 2025 are a weekend.
    row = deadline(rows_for(app, seed_log, on=discovered, **CARD), "ppc_final")
    assert row.due == D("2025-01-06")
    assert "30th day" in row.rule
    assert "to Mon 2025-01-06" in row.rule


def test_the_year_end_move_is_named_as_the_year_end_closure(app, seed_log):
    row = deadline(rows_for(app, seed_log, on="2024-12-01", **CARD), "ppc_final")
    assert "moved from Mon 2024-12-30 (year-end closure) to Mon 2025-01-06" in row.rule


def test_ppc_final_on_28_december_a_working_day_is_not_moved(app, seed_log):
    row = deadline(rows_for(app, seed_log, on="2023-11-29", **CARD), "ppc_final")
    assert row.due == D("2023-12-28")  # a Thursday
    assert "moved" not in row.rule


def test_ppc_final_on_a_national_holiday_moves_to_the_next_working_day(app, seed_log):
    row = deadline(rows_for(app, seed_log, on="2025-10-05", **CARD), "ppc_final")
    assert row.due == D("2025-11-04")  # 30th day Mon 2025-11-03 is Culture Day (文化の日)
    assert "Mon 2025-11-03" in row.rule and "文化の日" in row.rule


def test_ppc_final_in_golden_week_moves_past_all_its_holidays_and_the_weekend(app, seed_log):
    row = deadline(rows_for(app, seed_log, on="2025-04-04", **CARD), "ppc_final")
    assert row.due == D("2025-05-07")  # 3 May (Sat, holiday) .. 6 May (substitute holiday)


def test_a_60_day_ppc_final_falling_in_the_year_end_closure_also_moves(app, seed_log):
    row = deadline(rows_for(app, seed_log, on="2025-11-01", **{**QUIET, "cause": "external_attack"}), "ppc_final")
    assert row.due == D("2026-01-05")  # 60th day Tue 2025-12-30


def test_the_ppc_preliminary_target_is_never_moved_for_closed_days(app, seed_log):
    row = deadline(rows_for(app, seed_log, on="2024-12-26", **CARD), "ppc_preliminary")
    assert row.due == D("2024-12-30")
    assert closure_reason(row.due) == "year-end closure"


@pytest.mark.parametrize(
    ("cause", "wrongful", "days"),
    [
        ("negligence", False, 30), ("vendor", False, 30), ("unknown", False, 30),
        ("external_attack", False, 60), ("insider", False, 60), ("negligence", True, 60),
        ("vendor", True, 60),
    ],
)
def test_ppc_final_is_due_on_the_30th_day_or_the_60th_on_a_possible_wrongful_purpose(
        app, seed_log, cause, wrongful, days):
    # Discovered Tue 2025-07-22: the 30th day (Wed 2025-08-20) and the 60th (Fri 2025-09-19) are working days.
    rows = rows_for(app, seed_log, on="2025-07-22", **{**CARD, "cause": cause, "wrongful_purpose_suspected": wrongful})
    row = deadline(rows, "ppc_final")
    assert row.due == D("2025-07-22") + dt.timedelta(days=days - 1)
    assert f"{days}th day" in row.rule


# -- reportability (§4.1) --------------------------------------------------------------


PPC_ROWS = ("ppc_preliminary", "ppc_final", "individual_notice")


def _ppc_statuses(rows) -> set[str]:
    return {deadline(rows, name).status(TODAY) for name in PPC_ROWS}


def test_exactly_1000_people_affected_is_not_reportable(app, seed_log):
    rows = rows_for(app, seed_log, **QUIET)
    assert _ppc_statuses(rows) == {"not_applicable"}
    assert "not reportable" in deadline(rows, "ppc_final").rule


def test_1001_people_affected_is_reportable(app, seed_log):
    rows = rows_for(app, seed_log, **{**QUIET, "affected_count": 1_001})
    assert _ppc_statuses(rows) == {"overdue"}
    assert "1,001 people affected" in deadline(rows, "ppc_final").rule


@pytest.mark.parametrize("item", ["credit_card", "bank_account", "sensitive"])
def test_financial_or_sensitive_data_make_even_one_person_reportable(app, seed_log, item):
    rows = rows_for(app, seed_log, **{**QUIET, "affected_count": 1, "data_items": ["name", item]})
    assert all(deadline(rows, name).applicable for name in PPC_ROWS)


@pytest.mark.parametrize("discovery", [{"cause": "external_attack"}, {"cause": "insider"},
                                       {"wrongful_purpose_suspected": True}])
def test_a_possible_wrongful_purpose_makes_a_small_leak_reportable(app, seed_log, discovery):
    rows = rows_for(app, seed_log, **{**QUIET, "affected_count": 1, **discovery})
    assert deadline(rows, "ppc_final").applicable


@pytest.mark.parametrize("item", ["email", "birth_date", "my_number", "phone"])
def test_other_data_items_alone_do_not_make_a_small_leak_reportable(app, seed_log, item):
    rows = rows_for(app, seed_log, **{**QUIET, "data_items": [item]})
    assert _ppc_statuses(rows) == {"not_applicable"}


def test_overseas_records_or_employees_data_do_not_change_reportability(app, seed_log):
    rows = rows_for(app, seed_log, **QUIET, records_location="overseas", employees_data=True)
    assert _ppc_statuses(rows) == {"not_applicable"}


def test_revising_the_affected_count_above_1000_makes_the_leak_reportable_and_back(app, seed_log):
    incident = import_one(app, only_discovery(seed_log, **QUIET))
    app.record(incident, {"type": "AffectedCountRevised", "on": "2005-06-03", "affected_count": 1_001}, INSURED)
    assert deadline(app.deadlines(incident), "ppc_final").applicable
    app.record(incident, {"type": "AffectedCountRevised", "on": "2005-06-04", "affected_count": 1_000}, STAFF)
    assert not deadline(app.deadlines(incident), "ppc_final").applicable


# -- statuses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [("2005-06-01", "open"), ("2005-07-24", "open"), ("2005-07-25", "due_soon"),
     ("2005-08-01", "due_soon"), ("2005-08-02", "overdue"), ("2026-11-22", "overdue")],
)
def test_an_unmet_deadline_is_open_then_due_soon_within_7_days_then_overdue(app, seed_log, today, expected):
    row = deadline(app.deadlines(import_one(app, seed_log)), "ppc_final")  # due Mon 2005-08-01
    assert row.status(D(today)) == expected


@pytest.mark.parametrize(
    ("reported", "expected"),
    [("2005-07-29", "met"), ("2005-08-01", "met"), ("2005-08-02", "met_late")],
)
def test_a_deadline_met_on_or_before_its_due_day_is_met_and_after_it_met_late(app, seed_log, reported, expected):
    log = with_events(seed_log, {"type": "RegulatorReported", "on": reported, "stage": "final"})
    row = deadline(app.deadlines(import_one(app, log)), "ppc_final")
    assert row.met_on == D(reported)
    assert row.status(TODAY) == expected
    assert row.status(D("2005-07-01")) == expected


def test_a_preliminary_report_does_not_meet_the_final_deadline(app, seed_log):
    log = with_events(seed_log, {"type": "RegulatorReported", "on": "2005-06-03", "stage": "preliminary"})
    rows = app.deadlines(import_one(app, log))
    assert deadline(rows, "ppc_preliminary").status(TODAY) == "met"
    assert deadline(rows, "ppc_final").status(TODAY) == "overdue"


def test_a_final_report_does_not_meet_the_preliminary_deadline(app, seed_log):
    log = with_events(seed_log, {"type": "RegulatorReported", "on": "2005-06-04", "stage": "final"})
    rows = app.deadlines(import_one(app, log))
    assert deadline(rows, "ppc_final").status(TODAY) == "met"
    assert deadline(rows, "ppc_preliminary").status(TODAY) == "overdue"


def test_a_late_insurer_notice_is_met_late(app, seed_log):
    incident = import_one(app, only_discovery(seed_log))
    app.record(incident, {"type": "InsurerNotified", "on": "2005-06-07", "channel": "email"}, INSURED)
    row = deadline(app.deadlines(incident), "insurer_notice")
    assert row.due == D("2005-06-06")
    assert row.status(TODAY) == "met_late"


@pytest.mark.parametrize("channel, met", [("written", True), ("email", True), ("web", True), ("phone", False)])
def test_the_insurer_notice_is_met_only_in_writing(app, seed_log, channel, met):  # DOMAIN §4, second edition
    incident = import_one(app, only_discovery(seed_log))
    app.record(incident, {"type": "InsurerNotified", "on": "2005-06-02", "channel": channel}, INSURED)
    row = deadline(app.deadlines(incident), "insurer_notice")
    assert (row.met_on == D("2005-06-02")) is met
    assert ("a written notice is still needed" in row.rule) is not met


def test_a_call_then_a_written_notice_meets_it_on_the_written_day(app, seed_log):
    incident = import_one(app, only_discovery(seed_log))
    app.record(incident, {"type": "InsurerNotified", "on": "2005-06-02", "channel": "phone"}, INSURED)
    app.record(incident, {"type": "InsurerNotified", "on": "2005-06-08", "channel": "written"}, INSURED)
    row = deadline(app.deadlines(incident), "insurer_notice")
    assert row.met_on == D("2005-06-08") and row.status(TODAY) == "met_late"


def test_the_insurer_notice_period_is_a_programme_setting(app, seed_log):
    rows = app.deadlines(import_one(app, with_policy(seed_log, insurer_notice_days=3)))
    assert deadline(rows, "insurer_notice").due == D("2005-06-04")


def test_voiding_the_insurer_notice_reopens_the_deadline(app, seed_log):
    incident = import_one(app, only_discovery(seed_log))
    notice = app.record(incident, {"type": "InsurerNotified", "on": "2005-06-02", "channel": "email"}, INSURED)
    assert deadline(app.deadlines(incident), "insurer_notice").status(TODAY) == "met"

    app.record(incident, voided(notice, "2005-06-03", "sent to the wrong insurer"), INSURED)
    row = deadline(app.deadlines(incident), "insurer_notice")
    assert row.met_on is None
    assert row.status(TODAY) == "overdue"
    assert row.status(D("2005-06-03")) == "due_soon"


def test_voiding_the_seeds_insurer_notice_by_staff_reopens_it(app, seed_log):
    incident = import_one(app, seed_log)
    app.record(incident, voided("e3", "2005-06-03"), STAFF)
    assert deadline(app.deadlines(incident), "insurer_notice").status(TODAY) == "overdue"


def test_the_expense_window_is_never_overdue_once_closed(app, seed_log):
    row = deadline(app.deadlines(import_one(app, seed_log)), "expense_window")
    assert row.status(D("2005-11-01")) == "open"
    assert row.status(D("2005-11-16")) == "due_soon"
    assert row.status(D("2005-11-17")) == "not_applicable"


# -- anchors that move ---------------------------------------------------------------------


def test_recording_the_leak_occurred_date_moves_the_expense_window(app, seed_log):
    incident = import_one(app, only_discovery(seed_log))
    row = deadline(app.deadlines(incident), "expense_window")
    assert row.due == D("2005-11-28")  # discovery 2005-06-01 + 180 stands in
    assert "estimated" in row.rule

    first = app.record(incident, {"type": "LeakOccurred", "on": "2005-05-20"}, INSURED)
    row = deadline(app.deadlines(incident), "expense_window")
    assert row.due == D("2005-11-16")
    assert "estimated" not in row.rule

    second = app.record(incident, {"type": "LeakOccurred", "on": "2005-05-10"}, STAFF)
    assert deadline(app.deadlines(incident), "expense_window").due == D("2005-11-06")

    app.record(incident, voided(second, "2005-06-05"), STAFF)
    assert deadline(app.deadlines(incident), "expense_window").due == D("2005-11-16")
    app.record(incident, voided(first, "2005-06-05"), INSURED)
    assert deadline(app.deadlines(incident), "expense_window").due == D("2005-11-28")


def test_claim_filing_for_expenses_is_anchored_on_the_window_close_without_expenses_finalized(app, seed_log):
    row = deadline(app.deadlines(import_one(app, seed_log)), "claim_filing_expenses")
    assert row.due == D("2005-12-16")  # 2005-11-16 + 30
    assert "no ExpensesFinalized" in row.rule


def test_claim_filing_for_expenses_is_anchored_on_expenses_finalized(app, seed_log):
    incident = import_one(app, seed_log)
    app.record(incident, {"type": "ExpensesFinalized", "on": "2005-09-30"}, INSURED)
    row = deadline(app.deadlines(incident), "claim_filing_expenses")
    assert row.due == D("2005-10-30")
    assert row.status(TODAY) == "overdue"
    app.record(incident, {"type": "InsuranceClaimFiled", "on": "2005-10-15", "part": "expenses",
                          "amount_requested_yen": 8_910_000}, INSURED)
    assert deadline(app.deadlines(incident), "claim_filing_expenses").status(TODAY) == "met"


def test_a_filing_before_the_anchor_does_not_meet_the_deadline(app, seed_log):
    log = with_events(seed_log,
                      {"type": "InsuranceClaimFiled", "on": "2005-09-01", "part": "both", "amount_requested_yen": 1},
                      {"type": "ExpensesFinalized", "on": "2005-09-30"})
    rows = app.deadlines(import_one(app, log))
    assert deadline(rows, "claim_filing_expenses").met_on is None
    assert deadline(rows, "claim_filing_liability", "C1").met_on is None


def test_a_filing_of_both_parts_meets_both_claim_filing_deadlines(app, seed_log):
    log = with_events(seed_log, {"type": "InsuranceClaimFiled", "on": "2006-01-10", "part": "both",
                                 "amount_requested_yen": 88_810_000})
    rows = app.deadlines(import_one(app, log))
    assert deadline(rows, "claim_filing_liability", "C1").status(TODAY) == "met"
    assert deadline(rows, "claim_filing_expenses").status(TODAY) == "met_late"  # due 2005-12-16


def test_an_expenses_filing_does_not_meet_the_liability_filing(app, seed_log):
    log = with_events(seed_log, {"type": "InsuranceClaimFiled", "on": "2006-01-10", "part": "expenses",
                                 "amount_requested_yen": 8_910_000})
    rows = app.deadlines(import_one(app, log))
    assert deadline(rows, "claim_filing_liability", "C1").status(TODAY) == "overdue"


def test_each_resolved_claim_has_its_own_filing_deadline(app, seed_log):
    log = with_events(seed_log,
                      {"type": "ClaimReceived", "on": "2005-10-01", "claim_ref": "C2", "kind": "victims",
                       "claimants": 1, "amount_claimed_yen": 1, "forum": "japan", "lawsuit": False},
                      {"type": "ClaimResolved", "on": "2006-02-01", "claim_ref": "C2", "outcome": "withdrawn",
                       "amount_yen": 0})
    rows = app.deadlines(import_one(app, log))
    assert deadline(rows, "claim_filing_liability", "C1").due == D("2006-01-19")
    assert deadline(rows, "claim_filing_liability", "C2").due == D("2006-03-03")


def test_the_expense_filing_is_not_applicable_once_the_expense_part_is_excluded(app, seed_log):
    incident = import_one(app, seed_log)
    app.record(incident, {"type": "ExclusionApplied", "on": "2005-07-01", "scope": "expenses",
                          "reason": "employee_data"}, STAFF)
    assert deadline(app.deadlines(incident), "claim_filing_expenses").status(TODAY) == "not_applicable"


def test_individual_notice_is_due_by_the_30th_day_and_met_by_the_letters(app, seed_log):
    row = deadline(app.deadlines(import_one(app, seed_log)), "individual_notice")
    assert row.due == D("2005-06-30")
    assert row.status(TODAY) == "met"


def test_individual_notice_is_open_from_day_1_and_overdue_after_the_30th_day_never_due_soon(app, seed_log):
    row = deadline(app.deadlines(import_one(app, without(seed_log, "IndividualsNotified"))), "individual_notice")
    assert [row.status(D(day)) for day in ("2005-06-01", "2005-06-25", "2005-06-30", "2005-07-01")] == [
        "open", "open", "open", "overdue"]


def test_correcting_the_resolution_date_moves_the_claim_filing_deadline(app, seed_log):
    incident = import_one(app, seed_log)
    app.record(incident, voided("e8", "2005-12-21", "wrong date"), STAFF)
    assert [d for d in app.deadlines(incident) if d.name == "claim_filing_liability"] == []
    app.record(incident, {"type": "ClaimResolved", "on": "2005-12-10", "claim_ref": "C1", "outcome": "judgment",
                          "amount_yen": 75_000_000}, STAFF)
    assert deadline(app.deadlines(incident), "claim_filing_liability", "C1").due == D("2006-01-09")


def test_a_later_recorded_expenses_finalized_replaces_an_earlier_one(app, seed_log):
    log = with_events(seed_log, {"type": "ExpensesFinalized", "on": "2005-09-30"},
                      {"type": "ExpensesFinalized", "on": "2005-10-31"})
    assert deadline(app.deadlines(import_one(app, log)), "claim_filing_expenses").due == D("2005-11-30")


def test_correcting_the_discovery_date_moves_the_deadlines_anchored_on_it(app, seed_log):
    incident = import_one(app, only_discovery(seed_log))
    corrected = {**only_discovery(seed_log)["incidents"][0]["events"][0], "on": "2005-06-03"}
    app.record(incident, corrected, INSURED)
    assert deadline(app.deadlines(incident), "insurer_notice").due == D("2005-06-08")
