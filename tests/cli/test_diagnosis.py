"""``casemgr diagnosis`` as a user runs it (the real console script, on SQLite): the questions,
answers from a file, the report as JSON and PDF, the overview — and the error convention:
a refusal is one line on stderr, exit status 2, nothing stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casemgr.diagnosis import AREAS, QUESTIONS

CASEMGR = Path(sys.executable).with_name("casemgr")
SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-001.json"
BUSINESS = "SK-2005-0001"  # the seed's business (its policy number stands in for its member code)


@pytest.fixture
def casemgr(tmp_path):
    env = {**os.environ, "CASEMGR_DATABASE_URL": f"sqlite:///{tmp_path / 'casemgr.sqlite'}"}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(CASEMGR), *args], capture_output=True, text=True, env=env, input=stdin,
                              cwd=tmp_path, timeout=120)

    assert run("import", str(SEED)).returncode == 0
    return run


def answers_file(tmp_path: Path, answers: dict, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casemgr: error: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_the_questions_as_json(casemgr):
    done = casemgr("diagnosis", "questions", "--json")
    data = json.loads(done.stdout)
    assert [a["area"] for a in data["areas"]] == [a.code for a in AREAS]
    assert sum(len(a["questions"]) for a in data["areas"]) == len(QUESTIONS)
    assert [s["value"] for s in data["scale"]] == [0, 1, 2, 3, 4]
    assert data["areas"][0]["ja"] == "個人情報保護法対応"
    assert "appi-1" in casemgr("diagnosis", "questions", "--lang", "en").stdout


def test_answers_from_a_file_then_the_report_as_json_and_pdf(casemgr, tmp_path):
    every = {q.id: 3 for q in QUESTIONS}
    done = casemgr("diagnosis", "answer", BUSINESS, answers_file(tmp_path, {"appi-1": 1}), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["answered"] == 1
    done = casemgr("diagnosis", "answer", BUSINESS, "-", "--complete", stdin=json.dumps(every))
    assert (done.returncode, done.stdout.strip()) == (0, f"diagnosis 1 of {BUSINESS}: complete: overall 75 (Good)")
    report = json.loads(casemgr("diagnosis", "report", BUSINESS, "--json").stdout)
    assert (report["number"], report["overall"], report["band"], report["previous"]) == (1, 75, "good", None)
    assert report["areas"][0] == {"area": "appi", "score": 75, "band": "good", "previous": None,
                                  "next_steps": ["appi-1", "appi-2"]}
    person = casemgr("diagnosis", "report", BUSINESS, "--lang", "en")
    assert "Overall: 75 Good" in person.stdout and "Personal Information Protection Act" in person.stdout
    pdf = tmp_path / "report.pdf"
    done = casemgr("diagnosis", "report", BUSINESS, "--pdf", str(pdf))
    assert (done.returncode, done.stdout.strip()) == (0, str(pdf)), done.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")
    listed = json.loads(casemgr("diagnosis", "list", BUSINESS, "--json").stdout)
    assert [(d["number"], d["complete"], d["overall"]) for d in listed] == [(1, True, 75)]
    overview = json.loads(casemgr("diagnosis", "overview", "--json").stdout)
    assert overview["overall_distribution"] == {"high_risk": 0, "needs_work": 0, "good": 1}
    assert overview["businesses"][0]["areas"]["appi"] == 75


@pytest.mark.parametrize("answers, words", [
    ({"appi-1": 5}, ("answers.appi-1", "0 to 4")),
    ({"appi-1": "3"}, ("answers.appi-1",)),
    ({"nope-1": 3}, ("answers", "nope-1")),
    ([3, 3], ("answers", "object")),
])
def test_a_bad_answer_file_is_refused_and_nothing_is_stored(casemgr, tmp_path, answers, words):
    refused(casemgr("diagnosis", "answer", BUSINESS, answers_file(tmp_path, answers)), *words)
    assert json.loads(casemgr("diagnosis", "list", BUSINESS, "--json").stdout) == []


def test_completing_too_early_is_refused_and_nothing_is_stored(casemgr, tmp_path):
    refused(casemgr("diagnosis", "answer", BUSINESS, answers_file(tmp_path, {"appi-1": 2}), "--complete"),
            "44 of 45 questions are not answered")
    assert json.loads(casemgr("diagnosis", "list", BUSINESS, "--json").stdout) == []
    refused(casemgr("diagnosis", "report", BUSINESS), "no completed diagnosis")


def test_other_errors_keep_the_convention(casemgr, tmp_path):
    refused(casemgr("diagnosis", "answer", "NO-SUCH", answers_file(tmp_path, {"appi-1": 2})), "no business")
    refused(casemgr("diagnosis", "answer", BUSINESS, str(tmp_path / "missing.json")), "cannot read")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    refused(casemgr("diagnosis", "answer", BUSINESS, str(tmp_path / "bad.json")))
    refused(casemgr("diagnosis", "report", BUSINESS, "--json", "--pdf", "x.pdf"), "not both")
    refused(casemgr("diagnosis", "report", BUSINESS, "--number", "0"))


def test_an_insured_user_of_another_business_is_told_there_is_no_such_business(casemgr, tmp_path):
    assert casemgr("businesses", "add", "M-0002", "--name", "ほか").returncode == 0
    done = casemgr("users", "add", "bob@other.example.jp", "--role", "insured", "--business", "M-0002",
                   "--password-stdin", stdin="a long passphrase here\n")
    assert done.returncode == 0, done.stderr
    bob = ("--as", "insured:bob@other.example.jp")
    refused(casemgr(*bob, "diagnosis", "answer", BUSINESS, answers_file(tmp_path, {"appi-1": 2})),
            f"no business '{BUSINESS}'")
    assert casemgr(*bob, "diagnosis", "answer", "M-0002", answers_file(tmp_path, {"appi-1": 2})).returncode == 0
    refused(casemgr(*bob, "diagnosis", "overview"), "no diagnoses")
