"""The risk diagnosis (リスク診断, DOMAIN §11): one questionnaire taken by one business.

A ``Diagnosis`` is an event stream of its own: ``Started`` (the business, its number —
the first diagnosis of a business is 1, the next 2, … — and the questions asked),
``Answered`` (one question, a value 0 to 4; answering again replaces) and ``Completed``
(the scores the report gave, once every question is answered). Its id derives from the
business and the number, so the n-th diagnosis of a business is a load by id, and two
people starting the next one at once collide on the id instead of making two.

The questions themselves (their wording, areas, next steps) and the scoring rule are the
core's (``casemgr.diagnosis``); the stream records which questions were asked, so a
later revision of the questionnaire leaves an older diagnosis readable. No personal
data: a member code, question ids, numbers and who acted.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any

from eventsourcing.domain import Aggregate

from events.accounts import check_code
from events.errors import DomainError, NotPermitted
from events.texts import Text
from events.values import Actor

NAMESPACE = uuid.UUID("5d0c3a5e-8a61-4c55-9f0e-2b7c1d9e4a31")
SCALE = (0, 1, 2, 3, 4)  # 0 not at all … 4 fully, and checked
TAKERS = ("insured", "staff", "admin", "operator")  # who may take a diagnosis (access: casemgr)
MAX_QUESTIONS = 500
QUESTION_ID = re.compile(r"[a-z][a-z0-9_]*-[0-9]{1,3}")  # "<area>-<n>", e.g. "appi-1"


def diagnosis_id(business: str, number: int) -> uuid.UUID:
    """The id of the ``number``-th diagnosis of ``business``."""
    return uuid.uuid5(NAMESPACE, f"diagnosis:{business}:{number}")


def area_of(question: str) -> str:
    return question.rsplit("-", 1)[0]


def check_value(value: Any, field: str) -> int:
    """An answer: a whole number 0 to 4 (not a bool, not a float, not text)."""
    if not isinstance(value, int) or isinstance(value, bool) or value not in SCALE:
        raise DomainError(Text("must be a whole number 0 to 4 (got {value:.40})", value=repr(value)), field)
    return value


def check_score(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise DomainError(Text("must be a whole number 0 to 100"), field)
    return value


def _check_questions(areas: Any, questions: Any) -> tuple[list[str], list[str]]:
    if (not isinstance(areas, (list, tuple)) or not areas or len(set(areas)) != len(areas)
            or not all(isinstance(a, str) and re.fullmatch(r"[a-z][a-z0-9_]*", a) for a in areas)):
        raise DomainError(Text("must be a list of distinct area codes"), "areas")
    if (not isinstance(questions, (list, tuple)) or not questions or len(questions) > MAX_QUESTIONS
            or len(set(questions)) != len(questions)):
        raise DomainError(Text("must be a list of 1 to {max_questions} distinct question ids",
                               max_questions=MAX_QUESTIONS), "questions")
    for q in questions:
        if not isinstance(q, str) or not QUESTION_ID.fullmatch(q) or area_of(q) not in areas:
            raise DomainError(Text("{q:.40} is not a question id of one of the areas", q=repr(q)), "questions")
    empty = [a for a in areas if not any(area_of(q) == a for q in questions)]
    if empty:
        raise DomainError(Text("area {area} has no question", area=empty[0]), "questions")
    return list(areas), list(questions)


class Diagnosis(Aggregate):
    """One risk diagnosis of one business: its answers, then its scores."""

    class Started(Aggregate.Created):
        business: str
        number: int
        questionnaire: str  # the revision of the questions asked, e.g. "2026-1"
        areas: list[str]
        questions: list[str]
        by: str
        role: str

    class Answered(Aggregate.Event):
        question: str
        value: int
        by: str
        role: str

        def apply(self, aggregate: "Diagnosis") -> None:
            aggregate.answers[self.question] = self.value

    class Completed(Aggregate.Event):
        """The report's figures as given to the business: each area's score and the overall
        score (the staff overview reads them without replaying the diagnosis)."""

        business: str
        number: int
        area_scores: dict[str, int]
        overall: int
        by: str
        role: str

        def apply(self, aggregate: "Diagnosis") -> None:
            aggregate.area_scores = dict(self.area_scores)
            aggregate.overall = self.overall
            aggregate.completed_at = self.timestamp

    def __init__(self, business: str, number: int, questionnaire: str, areas: list[str], questions: list[str],
                 by: str):
        self.business, self.number, self.questionnaire = business, number, questionnaire
        self.started_by = by
        self.areas, self.questions = list(areas), list(questions)
        self.answers: dict[str, int] = {}
        self.area_scores: dict[str, int] | None = None
        self.overall: int | None = None
        self.completed_at: dt.datetime | None = None

    @classmethod
    def start(cls, business: str, number: int, questionnaire: str, areas: list[str], questions: list[str],
              actor: Actor, timestamp: dt.datetime) -> "Diagnosis":
        _check_taker(actor)
        business = check_code(business, "business")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise DomainError(Text("must be a whole number, 1 or more"), "number")
        if not isinstance(questionnaire, str) or not 1 <= len(questionnaire) <= 40 or not questionnaire.isprintable():
            raise DomainError(Text("must be a short printable name"), "questionnaire")
        areas, questions = _check_questions(areas, questions)
        return cls._create(
            cls.Started, id=diagnosis_id(business, number), business=business, number=number,
            questionnaire=questionnaire, areas=areas, questions=questions, by=actor.user, role=actor.role,
            timestamp=timestamp,
        )

    @property
    def complete(self) -> bool:
        return self.overall is not None

    def unanswered(self) -> list[str]:
        return [q for q in self.questions if q not in self.answers]

    def answer(self, answers: Mapping[str, Any], actor: Actor, timestamp: dt.datetime) -> int:
        """Record the answers given (all checked before any is recorded); an answer equal to
        the one recorded is not recorded again. Returns how many were recorded."""
        _check_taker(actor)
        if not isinstance(answers, Mapping):
            raise DomainError(Text("must be an object of question id to answer (0 to 4)"), "answers")
        if self.complete:
            raise DomainError(Text("diagnosis {number} of {business} is complete; start a new one to answer again",
                                   number=self.number, business=self.business), "answers")
        checked = {}
        for question, value in answers.items():
            if question not in self.questions:
                raise DomainError(Text("{question:.60} is not a question of this diagnosis",
                                       question=repr(question)), "answers")
            checked[question] = check_value(value, f"answers.{question}")
        changed = [(q, v) for q, v in checked.items() if self.answers.get(q) != v]
        for question, value in changed:
            self.trigger_event(self.Answered, question=question, value=value, by=actor.user, role=actor.role,
                               timestamp=timestamp)
        return len(changed)

    def finish(self, area_scores: Mapping[str, int], overall: int, actor: Actor, timestamp: dt.datetime) -> None:
        """Complete the diagnosis with the scores the report gives. Refused while a question
        is unanswered, and once complete."""
        _check_taker(actor)
        if self.complete:
            raise DomainError(Text("diagnosis {number} of {business} is complete already",
                                   number=self.number, business=self.business), "complete")
        missing = self.unanswered()
        if missing:
            raise DomainError(Text("{missing} of {questions} questions are not answered yet (first: {first}); "
                                   "no score until every one is",
                                   missing=len(missing), questions=len(self.questions), first=missing[0]), "answers")
        if not isinstance(area_scores, Mapping) or set(area_scores) != set(self.areas):
            raise DomainError(Text("must be {areas} scores, one per area", areas=len(self.areas)), "area_scores")
        scores = {a: check_score(area_scores[a], f"area_scores.{a}") for a in self.areas}
        self.trigger_event(self.Completed, business=self.business, number=self.number, area_scores=scores,
                           overall=check_score(overall, "overall"), by=actor.user, role=actor.role,
                           timestamp=timestamp)


def _check_taker(actor: Actor) -> None:
    if actor.role not in TAKERS:
        raise NotPermitted(Text("a diagnosis is taken by {takers}, not by {role}",
                                takers=', '.join(TAKERS), role=actor.role), "role")
