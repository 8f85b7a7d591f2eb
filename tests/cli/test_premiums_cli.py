"""DOMAIN §9.2 premium commands as a user runs them (the real console script): `casemgr
programmes import FILE`, `casemgr premium …`, `casemgr policy record NUMBER EVENT_JSON` and what
`casemgr policy show` and `casemgr deadlines` say of the policy's debits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_001

CASEMGR = Path(sys.executable).with_name("casemgr")
PROGRAMME = ROOT / "examples" / "programmes" / "shokokai-2005.json"


def _casemgr(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CASEMGR_DATABASE_URL": url, "CASEMGR_CLOCK": ""}
    return subprocess.run([str(CASEMGR), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store with the seed's programme imported and the worked example as its pattern-B policy."""
    folder = tmp_path_factory.mktemp("premiums")
    url = f"sqlite:///{folder / 'casemgr.sqlite'}"
    done = _casemgr(url, folder, "programmes", "import", str(PROGRAMME))
    assert (done.returncode, done.stdout, done.stderr) == (0, "SHOKOKAI-2005\n", "created\n"), done.stderr
    log = json.loads(SEED_001.read_text(encoding="utf-8"))
    log["policy"].update(programme="SHOKOKAI-2005", pattern="B")
    log["policy"]["insured"].update(industry="retail", annual_revenue_yen=300_000_000)
    (folder / "seed-b.json").write_text(json.dumps(log, ensure_ascii=False), encoding="utf-8")
    done = _casemgr(url, folder, "import", "seed-b.json")
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def casemgr(template, tmp_path):
    for file in template.glob("casemgr.sqlite*"):
        shutil.copy(file, tmp_path / file.name)
    url = f"sqlite:///{tmp_path / 'casemgr.sqlite'}"
    return lambda *args: _casemgr(url, tmp_path, *args)


def test_importing_the_programme_file_again_prints_its_code_and_records_nothing(casemgr):
    done = casemgr("programmes", "import", str(PROGRAMME))
    assert (done.returncode, done.stdout, done.stderr) == (0, "SHOKOKAI-2005\n", "unchanged: nothing recorded\n")


def test_a_bad_programme_file_exits_2_with_one_line_naming_the_field(casemgr, tmp_path):
    bad = json.loads(PROGRAMME.read_text(encoding="utf-8"))
    bad["code"] = "NEW"
    bad["premiums"]["B"]["wholesale"] = [75_000, 75_000]
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    done = casemgr("programmes", "import", "bad.json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "casemgr: error: premiums.B.wholesale: must have one cell per band (5); got 2 cells\n"
    assert casemgr("programmes", "show", "NEW").returncode == 2  # nothing stored


def test_the_estimate_as_json_for_a_mid_term_enrolment_with_the_pl_discount(casemgr):
    done = casemgr("premium", "--programme", "SHOKOKAI-2005", "--pattern", "B", "--industry", "retail",
                   "--revenue", "300,000,000", "--pl", "--applied", "2005-06-15", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {k: data[k] for k in ("annual_yen", "months", "premium_yen", "approximate", "quoted_individually",
                                 "first_debit_on")} == {
        "annual_yen": 80_000, "months": 8, "premium_yen": 50_666, "approximate": True,
        "quoted_individually": False, "first_debit_on": "2005-08-29"}
    assert data["band_yen"] == 300_000_000 and data["pl_discount_yen"] == 2_667
    assert data["enrolled_businesses"] == 1 and "99 or fewer" in data["warning"]


def test_the_estimate_for_a_person_says_each_figure_and_the_warning(casemgr):
    done = casemgr("premium", "--programme", "SHOKOKAI-2005", "--pattern", "B", "--industry", "wholesale",
                   "--revenue", "50000000")
    assert done.returncode == 0, done.stderr
    assert "75,000" in done.stdout and "Wed 2005-04-27" in done.stdout and "Warning:" in done.stdout


def test_above_the_largest_band_the_estimate_is_quoted_individually(casemgr):
    data = json.loads(casemgr("premium", "--programme", "SHOKOKAI-2005", "--pattern", "B", "--industry",
                              "retail", "--revenue", "1000000001", "--json").stdout)
    assert (data["quoted_individually"], data["annual_yen"], data["premium_yen"]) == (True, None, None)


@pytest.mark.parametrize("args, message", [
    (("--pattern", "D", "--industry", "retail", "--revenue", "1"), "pattern: programme SHOKOKAI-2005's premium "
                                                                   "table has no pattern D"),
    (("--pattern", "B", "--industry", "mining", "--revenue", "1"), "industry: is not an industry class"),
    (("--pattern", "B", "--industry", "retail", "--revenue", "-5"), "revenue_yen: must be a whole number"),
    (("--pattern", "B", "--industry", "retail", "--revenue", "1", "--applied", "2005-02-30"), "--applied"),
])
def test_an_estimate_the_table_cannot_give_exits_2_with_one_line(casemgr, args, message):
    done = casemgr("premium", "--programme", "SHOKOKAI-2005", *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("casemgr: error: ") and message in done.stderr and done.stderr.count("\n") == 1


def test_two_failed_debits_recorded_from_the_console_cancel_the_policy(casemgr):
    for on, expected in (("2005-04-27", "e3"), ("2005-05-27", "e4")):
        done = casemgr("policy", "record", "SK-2005-0001", json.dumps({"type": "PremiumDebitFailed", "on": on}))
        assert (done.returncode, done.stdout.strip()) == (0, expected), done.stderr
    shown = json.loads(casemgr("policy", "show", "SK-2005-0001", "--json").stdout)
    assert shown["debits"]["cancelled_from_start"] and shown["debits"]["cancelled_on"] == "2005-05-27"
    assert [e["due"] for e in shown["debits"]["events"]] == ["2005-04-27", "2005-05-27"]
    assert shown["premium"]["premium_yen"] == 80_000 and shown["used"] == {"liability_yen": 0, "expenses_yen": 0}
    statement = json.loads(casemgr("statement", "SK-2005-0001/INC-1", "--json").stdout)
    assert statement["total_payable_yen"] == 0
    assert {line["rule"] for line in statement["lines"]} == {"policy cancelled from its start: premium not collected"}
    person = casemgr("policy", "show", "SK-2005-0001").stdout
    assert "Cancelled from its start" in person
    rows = json.loads(casemgr("deadlines", "--today", "2005-06-01", "--deadline", "premium_debit", "--json").stdout)
    assert [(r["incident"] != "", r["reference"], r["status"]) for r in rows] == [(True, "SK-2005-0001",
                                                                                  "not_applicable")]
    # A failure recorded by mistake is voided: the policy stands again (decision P15).
    done = casemgr("policy", "record", "SK-2005-0001", json.dumps(
        {"type": "EventVoided", "on": "2005-06-01", "event": "e4", "reason": "the bank's error"}))
    assert (done.returncode, done.stdout.strip()) == (0, "e5"), done.stderr
    shown = json.loads(casemgr("policy", "show", "SK-2005-0001", "--json").stdout)
    assert not shown["debits"]["cancelled_from_start"] and [e["on"] for e in shown["debits"]["events"]] == ["2005-04-27"]
    assert shown["voided_debits"] == [{"id": "e4", "type": "PremiumDebitFailed", "on": "2005-05-27", "amount_yen": None,
                                       "voided_by": "e5", "reason": "the bank's error"}]
    assert "e4 PremiumDebitFailed on 2005-05-27: voided by e5 (the bank's error)" in casemgr(
        "policy", "show", "SK-2005-0001").stdout
    again = casemgr("policy", "record", "SK-2005-0001", json.dumps(
        {"type": "EventVoided", "on": "2005-06-01", "event": "e4", "reason": "twice"}))
    assert (again.returncode, again.stderr) == (2, "casemgr: error: EventVoided.event: event e4 was already voided by e5\n")


@pytest.mark.parametrize("event, message", [
    ({"type": "PremiumDebited", "on": "2005-04-27", "amount_yen": 0}, "PremiumDebited.amount_yen"),
    ({"type": "PremiumDebitFailed", "on": "2005-04-26"}, "PremiumDebitFailed.on: the debit is due 2005-04-27"),
    ({"type": "NoteAdded", "on": "2005-04-27", "text": "x"}, "type: unknown policy event type 'NoteAdded'"),
])
def test_a_refused_policy_event_exits_2_and_stores_nothing(casemgr, event, message):
    done = casemgr("policy", "record", "SK-2005-0001", json.dumps(event))
    assert done.returncode == 2 and done.stdout == "" and message in done.stderr
    assert json.loads(casemgr("policy", "show", "SK-2005-0001", "--json").stdout)["debits"]["events"] == []


def test_an_unknown_policy_is_not_found(casemgr):
    done = casemgr("policy", "record", "SK-9", json.dumps({"type": "PremiumDebitFailed", "on": "2005-04-27"}))
    assert done.returncode == 2 and "no policy" in done.stderr


def test_programmes_show_says_on_which_days_it_reminds(casemgr, tmp_path):
    own = json.loads(PROGRAMME.read_text(encoding="utf-8"))
    own.update(code="OWN-DAYS", reminder_offsets=[10, 5, 0])
    (tmp_path / "own.json").write_text(json.dumps(own), encoding="utf-8")
    assert casemgr("programmes", "import", "own.json").returncode == 0
    shown = casemgr("programmes", "show", "OWN-DAYS").stdout
    assert "reminders 10, 5, 0 days before a due date (the programme's own)" in " ".join(shown.split())
    assert json.loads(casemgr("programmes", "show", "OWN-DAYS", "--json").stdout)["reminder_offsets"] == [10, 5, 0]
    default = json.loads(casemgr("programmes", "show", "SHOKOKAI-2005", "--json").stdout)
    assert default["reminder_offsets"] == [7, 3, 1, 0]
