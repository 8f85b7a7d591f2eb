"""Names (policy number, reference, claim_ref, scope, vendor, media, user, ...) hold no
control, bidi or other invisible format characters and no surrounding spaces; free text
keeps tabs and line breaks but no other control characters. PostgreSQL cannot store NUL
in text at all (issue 5, items 1, 8 and 9)."""

from __future__ import annotations

import copy
import json

import pytest

from events.errors import DomainError
from events.values import Actor
from tests.conftest import INSURED, OPERATOR, STAFF
from tests.hostile.conftest import INCIDENT, assert_refused, history_count, refused

BAD_IN_A_NAME = {
    "nul": "C\u00001",
    "newline": "C\n1",
    "tab": "C\t1",
    "escape": "C\x1b[31m1",
    "C1 control": "C\x851",
    "right-to-left override": "C\u202e1",
    "right-to-left mark": "C\u200f1",
    "zero-width space": "C\u200b1",
    "line separator": "C\u20281",
    "unpaired surrogate": "C\ud8001",
    "leading space": " C1",
    "trailing full-width space": "C1\u3000",
}
CLAIM = {"type": "ClaimReceived", "on": "2005-09-02", "kind": "victims", "claimants": 1,
         "amount_claimed_yen": 1, "forum": "japan", "lawsuit": False}


@pytest.fixture
def incident(app, seed_log):
    return app.import_log(seed_log, OPERATOR).incidents["INC-1"]


def _with(log: dict, path: tuple, value: str) -> dict:
    out = copy.deepcopy(log)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


@pytest.mark.parametrize("bad", BAD_IN_A_NAME.values(), ids=BAD_IN_A_NAME.keys())
@pytest.mark.parametrize("path, field", [
    (("policy", "number"), "policy.number"),
    (("policy", "insured", "name"), "policy.insured.name"),
    (("policy", "insured", "industry"), "policy.insured.industry"),
    (("incidents", 0, "reference"), "incidents[0].reference"),
    (("incidents", 0, "events", 5, "claim_ref"), "incidents[0].events[5].ClaimReceived.claim_ref"),
])
def test_a_name_with_a_control_bidi_or_invisible_character_is_refused_in_an_import(app, seed_log, bad, path, field):
    error = refused(app.import_log, _with(seed_log, path, bad), OPERATOR)
    assert error.field == field, error
    assert "\n" not in str(error)
    with pytest.raises(DomainError):
        app.policy_terms(app.resolve(f"{seed_log['policy']['number']}/INC-1"))  # nothing stored


@pytest.mark.parametrize("bad", BAD_IN_A_NAME.values(), ids=BAD_IN_A_NAME.keys())
@pytest.mark.parametrize("payload, actor, field", [
    (CLAIM, INSURED, "ClaimReceived.claim_ref"),
    ({"type": "DefenceCostPaid", "on": "2005-12-02", "cost_yen": 1}, INSURED, "DefenceCostPaid.claim_ref"),
    ({"type": "ExclusionApplied", "on": "2005-12-02", "reason": "intent"}, STAFF, "ExclusionApplied.scope"),
    ({"type": "ExpensePaid", "on": "2005-06-10", "category": "consulting", "cost_yen": 1}, INSURED, "ExpensePaid.vendor"),
    ({"type": "ApologyAdPublished", "on": "2005-06-10", "cost_yen": 1}, INSURED, "ApologyAdPublished.media"),
    ({"type": "EventVoided", "on": "2005-06-10", "reason": "typo"}, STAFF, "EventVoided.event"),
    ({"type": "CoverageDecided", "on": "2005-06-10", "covered": True}, STAFF, "CoverageDecided.event"),
])
def test_a_name_field_of_an_event_refuses_control_bidi_and_invisible_characters(app, incident, bad, payload, actor, field):
    name = field.split(".")[1]
    error = refused(app.record, incident, {**payload, name: bad}, actor)
    assert error.field == field, error
    assert len(app.history(incident)) == 8


@pytest.mark.parametrize("bad", ["a\u0000b", "a\x07b", "a\x1bb", "a\x7fb", "a\ud800b"])
@pytest.mark.parametrize("payload, field", [
    ({"type": "NoteAdded", "on": "2005-06-02"}, "NoteAdded.text"),
    ({"type": "NoteAdded", "on": "2005-06-02", "text": "x"}, "NoteAdded.note"),
    ({"type": "LeakDiscovered", "on": "2005-06-01", "cause": "vendor", "media": "paper", "data_items": ["name"],
      "affected_count": 1}, "LeakDiscovered.summary"),
    ({"type": "EventVoided", "on": "2005-06-02", "event": "e5"}, "EventVoided.reason"),
])
def test_free_text_refuses_nul_and_other_control_characters(app, incident, bad, payload, field):
    name = field.split(".")[1]
    error = refused(app.record, incident, {**payload, name: bad}, INSURED)
    assert error.field == field
    assert "control character" in error.message or "unicode" in error.message  # pydantic refuses surrogates
    assert len(app.history(incident)) == 8


def test_free_text_keeps_tabs_and_line_breaks_and_bidi_marks(app, incident):
    text = "first line\r\nsecond\tline\n\u202bright-to-left quote\u202c 日本語"
    app.record(incident, {"type": "NoteAdded", "on": "2005-06-02", "text": text, "note": "a\nb"}, INSURED)
    assert app.history(incident)[-1].data["text"] == text


def test_spaces_inside_a_name_and_private_use_characters_are_fine(app, seed_log):
    seed_log["policy"]["insured"]["name"] = "株式会社\u3000例\ue000商店"  # a full-width space, a 外字
    result = app.import_log(seed_log, OPERATOR)
    assert app.policy_terms(result.policy).insured["name"] == "株式会社\u3000例\ue000商店"


@pytest.mark.parametrize("user, message", [
    ("", "required"), ("al\nice", "U+000A"), ("al\u0000ice", "U+0000"), ("\u202ealice", "U+202E"),
    (" alice", "space"), ("alice ", "space"), ("a" * 201, "longer than 200"), ("a" * 100_000, "longer than 200"),
])
def test_a_user_name_must_be_printable_one_line_and_bounded(user, message):
    error = refused(Actor, "insured", user)
    assert error.field == "user" and message in error.message
    assert len(str(error)) < 200


def test_a_plain_user_name_is_an_actor():
    assert Actor("insured", "山田 太郎").user == "山田 太郎"
    assert Actor("staff", "sato@example.jp").user == "sato@example.jp"


# -- through the console script, on SQLite and PostgreSQL ---------------------------------

def test_a_nul_in_a_reference_is_refused_and_the_store_keeps_working(run, seed_log, tmp_path):
    # issue 5 item 1: on PostgreSQL the events were stored, then every later write failed
    seed_log["incidents"][0]["reference"] = "INC\u0000X"
    path = tmp_path / "nul.json"
    path.write_text(json.dumps(seed_log), encoding="utf-8")
    assert_refused(run("import", str(path)), "incidents[0].reference", "U+0000")
    seed_log["incidents"][0]["reference"] = "INC-1"
    path.write_text(json.dumps(seed_log), encoding="utf-8")
    assert run("import", str(path)).returncode == 0
    assert run("deadlines", "--today", "2005-07-28", "--json").returncode == 0
    assert run("rebuild-projections").returncode == 0


def test_a_nul_in_a_claim_ref_is_refused_and_the_next_record_is_stored_once(run, imported):
    event = json.dumps({**CLAIM, "claim_ref": "C\u0000"})
    assert_refused(run("record", INCIDENT, event), "ClaimReceived.claim_ref", "U+0000")
    assert history_count(run) == 8
    note = run("record", INCIDENT, '{"type": "NoteAdded", "on": "2005-06-02", "text": "x"}')
    assert note.returncode == 0 and note.stdout.strip() == "e9", note.stderr
    assert history_count(run) == 9
    assert run("deadlines", "--today", "2005-07-28", "--json").returncode == 0


def test_a_claim_ref_with_a_right_to_left_override_is_refused_on_the_command_line(run, imported):
    result = run("record", INCIDENT, json.dumps({**CLAIM, "claim_ref": "C1\u202eFDP.exe"}, ensure_ascii=False))
    assert_refused(result, "ClaimReceived.claim_ref", "U+202E")
    assert "\u202e" not in result.stderr
    assert history_count(run) == 8
