"""The casemgr command as a user runs it: the real console script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED_001

CASEMGR = Path(sys.executable).with_name("casemgr")


@pytest.fixture
def run(sqlite_url, tmp_path):
    def casemgr(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "CASEMGR_DATABASE_URL": sqlite_url}
        return subprocess.run([str(CASEMGR), *args], capture_output=True, text=True, env=env,
                              input=stdin, cwd=tmp_path, timeout=60)
    return casemgr


ALICE = "insured:alice@example.jp"  # an insured user of the seed's business (its member code: the policy number)


@pytest.fixture
def imported(run):
    result = run("import", str(SEED_001))
    assert result.returncode == 0, result.stderr
    added = run("users", "add", "alice@example.jp", "--role", "insured", "--business", "SK-2005-0001",
                "--password-stdin", stdin="correct horse battery staple\n")
    assert added.returncode == 0, added.stderr
    return json.loads(result.stdout)


def test_import_prints_the_ids_of_the_policy_and_its_incidents(imported):
    assert set(imported) == {"policy", "incidents"}
    assert set(imported["incidents"]) == {"INC-1"}


def test_statement_of_the_worked_example_comes_to_the_yen(run, imported):
    result = run("statement", imported["incidents"]["INC-1"], "--json")
    statement = json.loads(result.stdout)
    assert statement["liability"]["gross_yen"] == 80_000_000
    assert statement["liability"]["payable_yen"] == 79_900_000
    assert statement["expenses"]["coinsured_yen"] == 8_910_000
    assert statement["total_payable_yen"] == 88_810_000
    assert [(line["event"], line["counted_yen"]) for line in statement["lines"]] == [
        ("e7", 5_000_000), ("e8", 75_000_000), ("e5", 10_000_000)]


def test_statement_for_a_person_shows_yen_with_separators(run, imported):
    result = run("statement", "SK-2005-0001/INC-1")
    assert result.returncode == 0
    assert "88,810,000" in result.stdout and "79,900,000" in result.stdout


def test_statement_at_an_earlier_version_shows_the_incident_as_it_stood(run, imported):
    at_five = json.loads(run("statement", "SK-2005-0001/INC-1", "--version", "5", "--json").stdout)
    assert at_five["version"] == 5
    assert at_five["total_payable_yen"] == 8_910_000  # only the letters so far


def test_deadlines_read_the_projection_with_a_given_today(run, imported):
    rows = json.loads(run("deadlines", "--today", "2005-07-28", "--json").stdout)
    by_name = {(r["deadline"], r["claim_ref"]): r for r in rows}
    assert by_name[("ppc_final", None)]["due"] == "2005-08-01"
    assert by_name[("ppc_final", None)]["status"] == "due_soon"
    assert by_name[("insurer_notice", None)]["status"] == "met"
    assert by_name[("claim_filing_liability", "C1")]["due"] == "2006-01-19"
    assert {r["incident"] for r in rows} == {imported["incidents"]["INC-1"]}


def test_a_recorded_event_prints_its_id_and_moves_the_deadlines(run, imported):
    result = run("--as", ALICE, "record", "SK-2005-0001/INC-1",
                 '{"type": "RegulatorReported", "on": "2005-07-29", "stage": "final"}')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "e9"
    rows = json.loads(run("deadlines", "--incident", "SK-2005-0001/INC-1", "--today", "2005-07-29", "--json").stdout)
    assert {r["deadline"]: r["status"] for r in rows}["ppc_final"] == "met"


def test_an_event_can_be_read_from_stdin(run, imported):
    result = run("record", "SK-2005-0001/INC-1", "-", stdin='{"type": "NoteAdded", "on": "2005-06-02", "text": "x"}')
    assert result.stdout.strip() == "e9"


@pytest.mark.parametrize("event, field", [
    ('{"type": "IndividualsNotified", "on": "2005-06-10", "recipients": 1, "cost_yen": -5}', "cost_yen"),
    ('{"type": "IndividualsNotified", "on": "2005-02-30", "recipients": 1, "cost_yen": 5}', ".on"),
    ('{"type": "Nonsense", "on": "2005-06-10"}', "type"),
    ('{"type": "NoteAdded", "on": "2005-06-10", "text": "x", "name": "Taro Yamada"}', "name"),
    ('{"type": "DefenceCostPaid", "on": "2005-12-01", "claim_ref": "C9", "cost_yen": 1}', "claim_ref"),
    ('{"type": "ExpensePaid", "on": "2005-06-10", "category": "litigation", "cost_yen": 1}', "DefenceCostPaid"),
    ('{"type": "NoteAdded"', "not valid JSON"),
])
def test_a_rejected_event_exits_2_with_one_line_naming_the_field_and_stores_nothing(run, imported, event, field):
    result = run("record", "SK-2005-0001/INC-1", event)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casemgr: error: ")
    assert field in lines[0]
    assert "Traceback" not in result.stderr
    history = json.loads(run("history", "SK-2005-0001/INC-1", "--json").stdout)
    assert len(history) == 8


def test_an_insured_user_may_not_record_a_staff_decision(run, imported):
    result = run("--as", ALICE, "record", "SK-2005-0001/INC-1",
                 '{"type": "ExclusionApplied", "on": "2005-06-10", "scope": "incident", "reason": "intent"}')
    assert result.returncode == 2
    assert "recorded by staff" in result.stderr


def test_an_import_with_a_bad_event_stores_nothing(run, tmp_path):
    log = json.loads(SEED_001.read_text())
    log["incidents"][0]["events"][4]["cost_yen"] = "10000000"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(log))
    result = run("import", str(bad))
    assert result.returncode == 2
    assert "incidents[0].events[4].IndividualsNotified.cost_yen" in result.stderr
    assert run("history", "SK-2005-0001/INC-1").returncode == 2  # no such incident: nothing stored
    assert run("import", str(SEED_001)).returncode == 0  # the policy number is still free


def test_importing_the_same_incident_twice_is_refused(run, imported):
    result = run("import", str(SEED_001))
    assert result.returncode == 2
    assert "already has an incident 'INC-1'" in result.stderr


def test_a_missing_file_and_an_unknown_incident_are_clear_errors(run, imported):
    missing = run("import", "no-such-file.json")
    assert missing.returncode == 2 and "no-such-file.json" in missing.stderr
    unknown = run("statement", "SK-2005-0001/INC-404")
    assert unknown.returncode == 2 and "no incident" in unknown.stderr


def test_export_then_import_into_another_store_gives_the_same_statement(run, imported, tmp_path):
    exported = run("export", "SK-2005-0001/INC-1").stdout
    (tmp_path / "exported.json").write_text(exported)
    env = {**os.environ, "CASEMGR_DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite'}"}
    other = lambda *args: subprocess.run([str(CASEMGR), *args], capture_output=True, text=True, env=env, timeout=60)
    assert other("import", str(tmp_path / "exported.json")).returncode == 0
    first = json.loads(run("statement", "SK-2005-0001/INC-1", "--json").stdout)
    second = json.loads(other("statement", "SK-2005-0001/INC-1", "--json").stdout)
    assert first == second


def test_history_shows_business_date_recording_time_event_and_who(run, imported):
    run("--as", ALICE, "record", "SK-2005-0001/INC-1", '{"type": "NoteAdded", "on": "2005-06-02", "text": "x"}')
    run("--as", ALICE, "record", "SK-2005-0001/INC-1", '{"type": "EventVoided", "on": "2005-06-02", "event": "e9", "reason": "typo"}')
    history = json.loads(run("history", "SK-2005-0001/INC-1", "--json").stdout)
    note = history[8]
    assert (note["id"], note["type"], note["on"], note["by"], note["role"], note["voided_by"]) == (
        "e9", "NoteAdded", "2005-06-02", "alice@example.jp", "insured", "e10")
    assert note["recorded_at"].startswith("20")
    table = run("history", "SK-2005-0001/INC-1").stdout
    assert "voided by e10" in table


def test_rebuild_projections_shows_progress_and_gives_the_same_deadlines(run, imported):
    before = run("deadlines", "--today", "2005-07-28", "--json").stdout
    result = run("rebuild-projections")
    assert result.returncode == 0
    assert "rebuilt the read model from" in result.stderr and "━" in result.stderr  # the progress bar
    assert run("deadlines", "--today", "2005-07-28", "--json").stdout == before


def test_an_unreachable_store_is_one_line_and_exit_1_without_a_trace(tmp_path):
    env = {**os.environ, "CASEMGR_DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:9/none?connect_timeout=1"}
    env.pop("CASEMGR_DEBUG", None)
    result = subprocess.run([str(CASEMGR), "deadlines"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("casemgr: error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


def test_an_unsupported_database_url_names_the_setting(tmp_path):
    env = {**os.environ, "CASEMGR_DATABASE_URL": "mysql://x@y/z"}
    result = subprocess.run([str(CASEMGR), "deadlines"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert "CASEMGR_DATABASE_URL" in result.stderr


def test_deadlines_of_an_unknown_incident_is_an_error_not_an_empty_list(run, imported):
    result = run("deadlines", "--incident", "SK-2005-0001/INC-404")
    assert result.returncode == 2
    assert "no incident SK-2005-0001/INC-404" in result.stderr


@pytest.mark.parametrize("command", [["statement"], ["history"], ["export"], ["record", None]])
def test_an_unknown_incident_is_named_as_typed(run, imported, command):
    args = [c if c is not None else '{"type": "NoteAdded", "on": "2005-06-02", "text": "x"}' for c in command]
    result = run(args[0], "SK-2005-0001/NOPE", *args[1:])
    assert result.returncode == 2
    assert result.stderr.strip() == "casemgr: error: incident: no incident SK-2005-0001/NOPE"
