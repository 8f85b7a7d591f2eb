"""``casemgr whatif INCIDENT [--json]`` (DOMAIN §9.2, §12) and other insurance on the console
(§5.4), as a user runs them: the real console script in a subprocess."""

from __future__ import annotations

import json

from tests.cli.test_cli import imported, run  # noqa: F401  (fixtures)

OTHER = json.dumps({"type": "OtherInsuranceDeclared", "on": "2005-07-01", "insurer": "Other Mutual PL-9",
                    "part": "liability", "limit_yen": 50_000_000, "deductible_yen": 0})


def test_whatif_json_has_a_column_per_pattern_and_the_policys_own(run, imported):  # noqa: F811
    result = run("whatif", "SK-2005-0001/INC-1", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["column"] for c in data["columns"]] == ["A", "B", "C", "D", "E", "policy"]
    assert [c["liability"]["binds"] for c in data["columns"]] == ["liability_limit"] * 3 + [None] * 3
    assert data["columns"][0]["total_payable_yen"] == 11_000_000
    assert data["columns"][-1]["total_payable_yen"] == 88_810_000


def test_whatif_for_a_person_marks_the_cap_that_binds(run, imported):  # noqa: F811
    result = run("whatif", "SK-2005-0001/INC-1")
    assert result.returncode == 0, result.stderr
    assert "10,000,000 ◀" in result.stdout and "policy (D)" in result.stdout
    assert "the limit 10,000,000 (per claim and for the period) binds" in result.stdout


def test_whatif_of_someone_elses_incident_is_not_found(run, imported):  # noqa: F811
    result = run("--as", "insured:alice@example.jp", "whatif", "SK-2005-0001/INC-9")
    assert result.returncode == 2 and "no incident" in result.stderr and not result.stdout


def test_other_insurance_recorded_on_the_console_shares_the_statement(run, imported):  # noqa: F811
    assert run("--as", "insured:alice@example.jp", "record", "SK-2005-0001/INC-1", OTHER).stdout.strip() == "e9"
    statement = json.loads(run("statement", "SK-2005-0001/INC-1", "--json").stdout)
    assert statement["liability"]["payable_yen"] == 49_207_082
    assert statement["apportionments"][0]["own_yen"] == 79_900_000
    person = run("statement", "SK-2005-0001/INC-1").stdout
    assert "Other insurance, liability part: loss 80,000,000" in person and "49,207,082" in person
    refused = run("record", "SK-2005-0001/INC-1", OTHER)
    assert refused.returncode == 2 and "OtherInsuranceDeclared.insurer" in refused.stderr
