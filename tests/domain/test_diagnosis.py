"""DOMAIN §11: the Diagnosis aggregate, without a store — what it refuses before any event.

A diagnosis is started for one business with the questions asked, answered on the 0-4
scale (answering again replaces), and completed once, only when every question is
answered; each refusal names its field and records nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from events.diagnosis import Diagnosis, area_of, diagnosis_id
from events.errors import DomainError, NotPermitted
from events.values import JST, Actor
from tests.conftest import OPERATOR

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=JST)
ALICE = Actor("insured", "alice@b1.jp", business="B1")
AREAS = ["appi", "policy"]
QUESTIONS = ["appi-1", "appi-2", "policy-1", "policy-2"]


def started(**changes) -> Diagnosis:
    args = {"business": "B1", "number": 1, "questionnaire": "2026-1", "areas": AREAS, "questions": QUESTIONS,
            "actor": ALICE, "timestamp": NOW}
    return Diagnosis.start(**{**args, **changes})


def answered(values=(4, 3, 2, 1)) -> Diagnosis:
    diagnosis = started()
    diagnosis.answer(dict(zip(QUESTIONS, values)), ALICE, NOW)
    return diagnosis


def refused(call, field: str, kind=DomainError) -> str:
    with pytest.raises(kind) as caught:
        call()
    assert caught.value.field == field, caught.value
    return caught.value.message


def test_the_id_derives_from_the_business_and_the_number():
    assert started().id == diagnosis_id("B1", 1) != diagnosis_id("B1", 2) != diagnosis_id("B2", 1)
    assert area_of("organization-4") == "organization"


def test_a_started_diagnosis_records_who_started_it_and_what_was_asked():
    diagnosis = started()
    event = diagnosis.collect_events()[0]
    assert isinstance(event, Diagnosis.Started)
    assert (event.business, event.number, event.questions, event.by, event.role) == (
        "B1", 1, QUESTIONS, "alice@b1.jp", "insured")
    assert diagnosis.unanswered() == QUESTIONS and not diagnosis.complete


def test_answering_again_replaces_and_the_same_answer_is_not_recorded_twice():
    diagnosis = answered()
    diagnosis.collect_events()
    assert diagnosis.answer({"appi-1": 0, "appi-2": 3}, ALICE, NOW) == 1
    events = diagnosis.collect_events()
    assert [(e.question, e.value) for e in events] == [("appi-1", 0)]
    assert diagnosis.answers == {"appi-1": 0, "appi-2": 3, "policy-1": 2, "policy-2": 1}


@pytest.mark.parametrize("value", [-1, 5, 2.0, "3", True, None, [1]])
def test_an_answer_off_the_scale_is_refused_and_nothing_of_the_batch_is_recorded(value):
    diagnosis = started()
    diagnosis.collect_events()
    refused(lambda: diagnosis.answer({"appi-1": 2, "appi-2": value}, ALICE, NOW), "answers.appi-2")
    assert diagnosis.answers == {} and diagnosis.collect_events() == []


def test_a_question_not_asked_is_refused():
    message = refused(lambda: started().answer({"appi-9": 2}, ALICE, NOW), "answers")
    assert "appi-9" in message
    refused(lambda: started().answer([("appi-1", 2)], ALICE, NOW), "answers")


def test_it_is_completed_only_when_every_question_is_answered():
    diagnosis = started()
    diagnosis.answer({"appi-1": 4, "appi-2": 3, "policy-1": 2}, ALICE, NOW)
    message = refused(lambda: diagnosis.finish({"appi": 88, "policy": 38}, 63, ALICE, NOW), "answers")
    assert "1 of 4 questions are not answered" in message and "policy-2" in message
    assert not diagnosis.complete


def test_a_completed_diagnosis_keeps_its_scores_and_takes_no_more_answers():
    diagnosis = answered()
    diagnosis.finish({"appi": 88, "policy": 38}, 63, ALICE, NOW)
    assert diagnosis.complete and diagnosis.area_scores == {"appi": 88, "policy": 38} and diagnosis.overall == 63
    assert diagnosis.completed_at == NOW
    assert "start a new one" in refused(lambda: diagnosis.answer({"appi-1": 0}, ALICE, NOW), "answers")
    refused(lambda: diagnosis.finish({"appi": 88, "policy": 38}, 63, ALICE, NOW), "complete")


@pytest.mark.parametrize("scores, overall, field", [
    ({"appi": 88}, 63, "area_scores"),
    ({"appi": 88, "policy": 38, "access": 1}, 63, "area_scores"),
    ({"appi": 101, "policy": 38}, 63, "area_scores.appi"),
    ({"appi": 88, "policy": -1}, 63, "area_scores.policy"),
    ({"appi": 88, "policy": 38}, 100.0, "overall"),
    ([88, 38], 63, "area_scores"),
])
def test_scores_must_be_one_whole_number_0_to_100_per_area(scores, overall, field):
    diagnosis = answered()
    refused(lambda: diagnosis.finish(scores, overall, ALICE, NOW), field)
    assert not diagnosis.complete


@pytest.mark.parametrize("changes, field", [
    ({"business": "B/1"}, "business"),
    ({"business": ""}, "business"),
    ({"number": 0}, "number"),
    ({"number": True}, "number"),
    ({"questionnaire": ""}, "questionnaire"),
    ({"areas": []}, "areas"),
    ({"areas": ["appi", "appi"]}, "areas"),
    ({"questions": []}, "questions"),
    ({"questions": ["appi-1", "appi-1"]}, "questions"),
    ({"questions": ["appi-1", "access-1"]}, "questions"),  # an area not asked about
    ({"questions": ["appi-1"]}, "questions"),  # an area without a question
    ({"questions": ["appi 1", "policy-1"]}, "questions"),
])
def test_a_start_with_bad_fields_is_refused(changes, field):
    refused(lambda: started(**changes), field)


@pytest.mark.parametrize("role", ["system"])
def test_the_system_does_not_take_a_diagnosis(role):
    actor = Actor(role, "workers")
    refused(lambda: started(actor=actor), "role", NotPermitted)
    diagnosis = started()
    refused(lambda: diagnosis.answer({"appi-1": 1}, actor, NOW), "role", NotPermitted)


def test_insured_staff_admin_and_the_console_may_take_one():
    for actor in (ALICE, Actor("staff", "sato"), Actor("admin", "root"), OPERATOR):
        assert started(actor=actor).started_by == actor.user
