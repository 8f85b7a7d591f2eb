"""JSON that breaks parsers: huge numbers, deep nesting, endless or huge files, keys given
twice, NaN, bytes that are not UTF-8 (issue 5, items 4 and 7). Each is refused in one
line naming its source (EVENT_JSON or the file), never with a trace."""

from __future__ import annotations

import json
import os

import pytest

from casemgr.jsonio import MAX_EVENT_BYTES, MAX_IMPORT_BYTES, load_json
from tests.conftest import INSURED, OPERATOR, SEED_001
from tests.hostile.conftest import INCIDENT, assert_refused, history_count, refused

LETTERS = '{"type": "IndividualsNotified", "on": "2005-06-10", "recipients": 1, "cost_yen": %s}'


@pytest.mark.parametrize("text, message", [
    ("1" * 4400, "4,400 digits"),
    ("-" + "9" * 100_000, "100,000 digits"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"a":' * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
    ("[" * 33 + "]" * 33, "nested too deeply"),
    ('{"cost_yen": -1, "cost_yen": 5}', "'cost_yen' appears twice"),
    ('{"a": {"b": 1, "b": 1}}', "'b' appears twice"),
    ("NaN", "NaN is not a JSON number"),
    ('{"x": -Infinity}', "-Infinity is not a JSON number"),
    (b'{"text": "\xff"}', "not UTF-8"),
    ("x" * (MAX_EVENT_BYTES + 1), "larger than 1 MiB"),
])
def test_hostile_json_is_a_domain_error_naming_its_source(text, message):
    error = refused(load_json, text, "EVENT_JSON")
    assert error.field == "EVENT_JSON" and message in error.message
    assert len(str(error)) < 200


def test_json_as_deep_as_an_incident_log_needs_is_read():
    assert load_json(SEED_001.read_bytes(), "seed", MAX_IMPORT_BYTES)["incidents"][0]["reference"] == "INC-1"
    assert load_json("[" * 32 + "]" * 32, "x") == load_json("[" * 32 + "]" * 32, "x")


def test_a_huge_integer_given_to_the_application_is_refused_without_echoing_it(app, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    error = refused(app.record, incident, json.loads(LETTERS % 1) | {"cost_yen": 10**5000}, INSURED)
    assert error.field == "IndividualsNotified.cost_yen" and "about 5000 digits" in error.message
    assert len(app.history(incident)) == 8


# -- through the console script ------------------------------------------------------------

@pytest.mark.parametrize("number", ["1" * 4400, "1" * 100_000])
def test_an_integer_of_thousands_of_digits_is_refused(run, imported, number):
    assert_refused(run("record", INCIDENT, LETTERS % number), "EVENT_JSON", "digits")
    assert history_count(run) == 8


def test_json_nested_100000_deep_is_refused_from_stdin(run, imported):
    assert_refused(run("record", INCIDENT, "-", stdin="[" * 100_000 + "]" * 100_000), "EVENT_JSON", "nested too deeply")
    assert history_count(run) == 8


def test_a_key_given_twice_in_an_event_is_refused_naming_the_key(run, imported):
    event = '{"type": "IndividualsNotified", "on": "2005-06-10", "recipients": 1, "cost_yen": -1, "cost_yen": 5}'
    assert_refused(run("record", INCIDENT, event), "EVENT_JSON", "'cost_yen' appears twice")
    assert history_count(run) == 8


def test_a_key_given_twice_in_an_import_file_is_refused_naming_the_key(run, tmp_path):
    text = SEED_001.read_text(encoding="utf-8").replace('"cost_yen": 10000000', '"cost_yen": -1, "cost_yen": 10000000')
    path = tmp_path / "twice.json"
    path.write_text(text, encoding="utf-8")
    assert_refused(run("import", str(path)), "twice.json", "'cost_yen' appears twice")
    assert_refused(run("history", INCIDENT), "no incident")  # nothing stored


def test_an_endless_file_is_refused_by_its_size(run):
    assert_refused(run("import", "/dev/zero"), "/dev/zero", "larger than 50 MiB")


def test_a_huge_file_is_refused_by_its_size(run, tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(MAX_IMPORT_BYTES + 1)  # sparse: 50 MiB on paper, nothing on disk
    assert_refused(run("import", str(path)), "huge.json", "larger than 50 MiB")


def test_an_event_larger_than_a_mebibyte_on_stdin_is_refused_by_its_size(run, imported):
    event = json.dumps({"type": "NoteAdded", "on": "2005-06-02", "text": "x" * MAX_EVENT_BYTES})
    assert_refused(run("record", INCIDENT, "-", stdin=event), "EVENT_JSON", "larger than 1 MiB")
    assert history_count(run) == 8


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"type": "NoteAdded", "on": "2005-06-02", "text": NaN}', "NaN"),
    (b"", "not valid JSON"),
])
def test_an_import_file_that_is_not_json_text_is_refused(run, tmp_path, data, message):
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    assert_refused(run("import", str(path)), "bad.json", message)


def test_a_directory_or_unreadable_file_is_refused_in_one_line(run, tmp_path):
    assert_refused(run("import", str(tmp_path)), "is a directory")
    secret = tmp_path / "secret.json"
    secret.write_text("{}")
    secret.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        assert_refused(run("import", str(secret)), "cannot read it")
