"""The command line itself: who acts (``--as``), usage errors, options out of range and
input echoed in messages are each one line, exit status 2 (issue 5, items 8 and 9)."""

from __future__ import annotations

import json

import pytest

from tests.hostile.conftest import INCIDENT, assert_refused, history_count

NOTE = '{"type": "NoteAdded", "on": "2005-06-02", "text": "x"}'


@pytest.mark.parametrize("who", ["insured:", "insured", ":", ""])
def test_as_without_a_user_is_refused_not_taken_as_the_login(run, imported, who):
    # issue 5 item 8: recorded as the OS user
    assert_refused(run("--as", who, "record", INCIDENT, NOTE), "--as")
    assert history_count(run) == 8


@pytest.mark.parametrize("user", ["al\nice", "al\x1bice", "\u202ealice", " alice", "a" * 100_000])
def test_as_with_an_unprintable_or_huge_user_name_is_refused(run, imported, user):
    result = run("--as", f"insured:{user}", "record", INCIDENT, NOTE)
    stderr = assert_refused(result, "--as")
    assert len(stderr) < 600 and "\u202e" not in stderr
    assert history_count(run) == 8


def test_without_as_the_console_operator_records_under_the_login(run, imported):
    assert run("record", INCIDENT, NOTE).returncode == 0
    last = json.loads(run("history", INCIDENT, "--json").stdout)[-1]
    assert last["role"] == "operator" and last["by"]


@pytest.mark.parametrize("args, expected", [
    (("record", INCIDENT), "Missing argument 'EVENT_JSON'"),
    (("record",), "Missing argument"),
    (("recrod", INCIDENT, NOTE), "No such command"),
    (("statement", INCIDENT, "--verison", "5"), "No such option"),
    (("--bogus", "statement", INCIDENT), "No such option"),
    (("statement", INCIDENT, "--version", "0"), "--version"),
    (("statement", INCIDENT, "--version", "five"), "--version"),
    (("statement", INCIDENT, "extra"), "unexpected extra argument"),
])
def test_a_usage_error_is_one_line(run, args, expected):
    assert_refused(run(*args), expected)


def test_a_version_beyond_any_incident_is_a_refusal_not_a_store_failure(run, imported):
    # issue 5 item 9: exit 1 "the store failed: OverflowError"
    assert_refused(run("statement", INCIDENT, "--version", "9223372036854775808"), "--version")
    assert_refused(run("statement", INCIDENT, "--version", "9" * 5000), "--version")
    assert_refused(run("statement", INCIDENT, "--version", "2147483647"), "version", "only 8 versions")


def test_input_echoed_in_a_message_is_escaped_and_cut(run, imported):
    long_type = json.dumps({"type": "Nonsense\n" + "x" * 5000, "on": "2005-06-02"})
    stderr = assert_refused(run("record", INCIDENT, long_type), "type", "Nonsense\\n")
    assert len(stderr) < 200 and "…" in stderr


def test_a_megabyte_of_text_is_not_echoed_back(run, imported):
    event = json.dumps({"type": "NoteAdded", "on": "2005-06-02", "text": "x\n" * 100_000 + "y" * 400_000})
    stderr = assert_refused(run("record", INCIDENT, "-", stdin=event), "NoteAdded.text", "at most 10000")
    assert len(stderr) < 300


def test_an_unknown_field_with_a_line_break_in_its_name_stays_on_one_line(run, imported):
    event = json.dumps({"type": "NoteAdded", "on": "2005-06-02", "text": "x", "na\nme\u202e": 1})
    stderr = assert_refused(run("record", INCIDENT, event), "is not a field", "na\\nme\\u202e")
    assert history_count(run) == 8 and stderr


@pytest.mark.parametrize("name", [b"SK-2005-0001/INC-\xff", "SK-2005-0001/INC\n1".encode(), "x" * 5000])
def test_an_incident_named_with_bad_bytes_a_line_break_or_at_length_is_unknown_in_one_line(run, imported, name):
    stderr = assert_refused(run("statement", name), "incident")
    assert len(stderr) < 300


def test_a_path_with_a_line_break_is_echoed_on_one_line(run, tmp_path):
    assert_refused(run("import", str(tmp_path / "no\nsuch.json")), "no\\nsuch.json")
