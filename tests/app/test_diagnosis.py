"""DOMAIN §11 through the core (``core.diagnosis``) on SQLite and PostgreSQL: the questionnaire,
the scores (integer, half up; none before completion), who may take and read whose diagnosis
(DOMAIN §9), the report overlaying the previous completed diagnosis, the staff overview, and
the PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from casemgr import diagnosis as D
from casemgr.bootstrap import bootstrap
from casemgr.errors import DomainError, NotFound, NotPermitted
from casemgr.settings import Settings
from events.values import Actor
from tests.conftest import OPERATOR
from tests.web.conftest import incident_log

ALICE = Actor("insured", "alice@b1.jp", business="B1")
BOB = Actor("insured", "bob@b2.jp", business="B2")
SATO = Actor("staff", "sato@insurer.jp", programmes=frozenset({"P1"}))
ROOT = Actor("admin", "root@insurer.jp")
SYSTEM = Actor("system", "workers")
EVERY = [q.id for q in D.QUESTIONS]


def japanese(said: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in said)


def all_answered(value: int = 2, **changes: int) -> dict[str, int]:
    return {q: changes.get(q, value) for q in EVERY}


@pytest.fixture
def core(store_url, clock, tmp_path):
    made = bootstrap(Settings(store_url, instance=str(tmp_path / "instance")), clock)
    made.service.import_log(OPERATOR, incident_log("SK-1", "P1", "B1"))
    made.service.import_log(OPERATOR, incident_log("SK-2", "P2", "B2"))
    yield made
    made.close()


# -- the questionnaire -------------------------------------------------------------------------------


def test_the_eleven_areas_of_the_seed_in_its_order():
    assert [a.ja for a in D.AREAS] == [
        "個人情報保護法対応", "情報セキュリティ基本方針", "組織のセキュリティ", "資産の分類及び管理", "人的セキュリティ",
        "物理的及び環境的セキュリティ", "通信及び運用管理", "アクセス制御", "システムの開発及びメンテナンス",
        "事業継続管理", "適合性"]


def test_every_area_has_at_least_four_questions_each_in_both_languages_with_a_next_step():
    ids = [q.id for q in D.QUESTIONS]
    assert len(ids) == len(set(ids))
    assert [a.code for a in D.AREAS] == list(dict.fromkeys(q.area for q in D.QUESTIONS))  # grouped, in order
    for area in D.AREAS:
        asked = [q for q in D.QUESTIONS if q.area == area.code]
        assert len(asked) >= 4, area
        for q in asked:
            assert all(s.strip() for s in (q.ja, q.en, q.step_ja, q.step_en)), q.id
            assert japanese(q.ja) and japanese(q.step_ja), q.id
            assert not japanese(q.en) and not japanese(q.step_en), q.id
        for code, *_ in D.BANDS:
            assert all(D.COMMENTS[area.code][code]), (area.code, code)


def test_the_scale_has_five_steps_named_in_both_languages():
    assert [v for v, _ja, _en in D.SCALE] == [0, 1, 2, 3, 4]
    assert D.scale_label(0, "en") == "Not at all" and D.scale_label(4, "en") == "Fully, and checked"
    assert D.scale_label(4, "ja") == "できていて、確認もしている"


# -- scores ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values, score", [
    ([0, 0, 0, 0], 0), ([4, 4, 4, 4], 100), ([2, 2, 2, 2], 50),
    ([1, 1, 0, 0], 13),   # 12.5 -> 13: half up
    ([2, 2, 1, 1], 38),   # 37.5 -> 38
    ([3, 3, 2, 2], 63),   # 62.5 -> 63
    ([4, 4, 3, 3], 88),   # 87.5 -> 88
    ([1, 0, 0, 0], 6),    # 6.25 -> 6
    ([3, 0, 0, 0], 19),   # 18.75 -> 19
    ([1, 0, 0, 0, 0], 5),  # 5 questions: exact
    ([3, 2, 2, 1, 0], 40),  # 40: the first score that needs work
    ([3, 3, 3, 2, 3], 70),  # 70: the first good one
    ([1, 0, 0, 0, 0, 0, 0, 0], 3),  # 3.125 -> 3
    ([1, 1, 1, 0, 0, 0, 0, 0], 9),  # 9.375 -> 9
    ([1, 1, 0, 0, 0, 0, 0, 0], 6),  # 6.25 -> 6
    ([2, 1, 1, 1, 1, 1, 1, 1], 28),  # 28.125 -> 28
])
def test_an_area_scores_round_100_times_the_mean_over_4_half_up(values, score):
    assert D.area_score(values) == score


@pytest.mark.parametrize("areas, overall", [
    ([50] * 11, 50),
    ([50] * 10 + [55], 50),   # 50.45 -> 50
    ([50] * 10 + [56], 51),   # 50.55 -> 51
    ([0] * 10 + [5], 0),      # 0.45 -> 0
    ([0] * 10 + [6], 1),      # 0.55 -> 1
    ([100] * 11, 100),
])
def test_the_overall_score_is_the_mean_of_the_area_scores_rounded_the_same_way(areas, overall):
    assert D.overall_score(areas) == overall


@pytest.mark.parametrize("n, d, rounded", [(1, 2, 1), (3, 2, 2), (5, 2, 3), (1, 4, 0), (3, 4, 1), (0, 7, 0)])
def test_halves_round_up(n, d, rounded):
    assert D.round_half_up(n, d) == rounded


@pytest.mark.parametrize("score, band", [(0, "high_risk"), (39, "high_risk"), (40, "needs_work"),
                                         (69, "needs_work"), (70, "good"), (100, "good")])
def test_the_bands(score, band):
    assert D.band(score) == band


answers_strategy = st.lists(st.integers(0, 4), min_size=1, max_size=12)


@given(answers_strategy)
def test_an_area_score_is_0_to_100_and_is_what_the_fraction_rounds_to(values):
    score = D.area_score(values)
    assert 0 <= score <= 100
    exact = 100 * sum(values) / (4 * len(values))
    assert abs(score - exact) <= 0.5 and (score - exact != -0.5)  # half rounds up, never down


@given(answers_strategy, st.data())
def test_an_area_score_never_falls_when_an_answer_rises(values, data):
    i = data.draw(st.integers(0, len(values) - 1))
    higher = data.draw(st.integers(values[i], 4))
    raised = values[:i] + [higher] + values[i + 1:]
    assert D.area_score(raised) >= D.area_score(values)


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(EVERY), st.integers(0, 4)), st.data())
def test_the_overall_score_is_0_to_100_and_monotone_in_each_answer(changes, data):
    answers = all_answered(0) | changes
    per_area, overall = D.scores([a.code for a in D.AREAS], answers, EVERY)
    assert 0 <= overall <= 100 and all(0 <= s <= 100 for s in per_area.values())
    question = data.draw(st.sampled_from(EVERY))
    raised = answers | {question: data.draw(st.integers(answers[question], 4))}
    per_area_2, overall_2 = D.scores([a.code for a in D.AREAS], raised, EVERY)
    assert overall_2 >= overall and all(per_area_2[a] >= per_area[a] for a in per_area)


def test_no_score_while_a_question_is_unanswered():
    answers = all_answered()
    del answers["compliance-4"]
    assert D.scores([a.code for a in D.AREAS], answers, EVERY) is None


# -- taking a diagnosis -----------------------------------------------------------------------------


def test_an_insured_user_takes_the_diagnosis_and_gets_the_scores(core):
    started = core.diagnosis.start(ALICE, "B1")
    assert (started.number, started.complete, started.overall, len(started.unanswered)) == (1, False, None, len(EVERY))
    half = core.diagnosis.answer(ALICE, "B1", {q: 2 for q in EVERY[:20]})
    assert (half.number, len(half.answers), half.overall) == (1, 20, None)
    done = core.diagnosis.answer(ALICE, "B1", all_answered(3, **{"appi-1": 0, "appi-2": 0}), complete=True)
    assert done.complete and done.number == 1
    assert done.area_scores[0] == D.area_score([0, 0, 3, 3, 3]) == 45
    assert done.overall == D.overall_score(list(done.area_scores)) == 72  # (45 + 10 × 75) / 11 = 72.3


def test_answering_again_replaces_the_answer(core):
    core.diagnosis.answer(ALICE, "B1", {"appi-1": 1})
    again = core.diagnosis.answer(ALICE, "B1", {"appi-1": 4})
    assert again.answers == {"appi-1": 4} and again.number == 1


def test_completing_with_an_unanswered_question_is_refused_and_nothing_of_the_call_is_stored(core):
    core.diagnosis.answer(ALICE, "B1", {"appi-1": 1})
    answers = all_answered(3)
    del answers["access-2"]
    with pytest.raises(DomainError) as refused:
        core.diagnosis.answer(ALICE, "B1", answers, complete=True)
    assert refused.value.field == "answers" and "access-2" in refused.value.message
    assert core.diagnosis.diagnosis(ALICE, "B1", 1).answers == {"appi-1": 1}


def test_a_bad_answer_stores_nothing_of_the_batch(core):
    with pytest.raises(DomainError) as refused:
        core.diagnosis.answer(ALICE, "B1", {"appi-1": 3, "appi-2": 9})
    assert refused.value.field == "answers.appi-2"
    assert core.diagnosis.diagnoses(ALICE, "B1") == []  # not even started


def test_a_completed_diagnosis_is_kept_and_the_next_answers_start_a_new_one(core):
    core.diagnosis.answer(ALICE, "B1", all_answered(1), complete=True)
    with pytest.raises(DomainError, match="complete"):
        core.diagnosis.answer(ALICE, "B1", {"appi-1": 4}, number=1)  # that one, by its number: refused
    with pytest.raises(NotFound):
        core.diagnosis.answer(ALICE, "B1", {"appi-1": 4}, number=2)  # not started yet
    assert len(core.diagnosis.diagnoses(ALICE, "B1")) == 1
    second = core.diagnosis.answer(ALICE, "B1", {"appi-1": 4})
    assert second.number == 2 and not second.complete
    assert core.diagnosis.diagnosis(ALICE, "B1", 1).overall == 25
    with pytest.raises(DomainError, match="complete"):
        core.diagnosis.answer(ALICE, "B1", {"appi-1": 4}, number=1)
    assert core.diagnosis.start(ALICE, "B1").number == 2  # the one in progress, not a third


def test_no_report_before_completion(core):
    core.diagnosis.answer(ALICE, "B1", {"appi-1": 4})
    with pytest.raises(NotFound):
        core.diagnosis.report(ALICE, "B1")
    with pytest.raises(DomainError, match="not complete"):
        core.diagnosis.report(ALICE, "B1", 1)


# -- the report --------------------------------------------------------------------------------------


def test_the_report_overlays_the_previous_completed_diagnosis_of_the_same_business(core):
    core.diagnosis.answer(ALICE, "B1", all_answered(1), complete=True)  # 25 everywhere
    core.diagnosis.answer(BOB, "B2", all_answered(4), complete=True)  # another business: not overlaid
    core.diagnosis.answer(ALICE, "B1", all_answered(3, **{"policy-1": 0, "policy-3": 1}), complete=True)
    report = core.diagnosis.report(ALICE, "B1")
    assert (report.number, report.previous_number, report.previous_overall) == (2, 1, 25)
    assert report.business_name == "B1 株式会社"
    by_area = {a.area: a for a in report.areas}
    assert [a.area for a in report.areas] == [a.code for a in D.AREAS]
    assert all(a.previous == 25 for a in report.areas)
    policy = by_area["policy"]
    assert (policy.score, policy.band) == (D.area_score([0, 3, 1, 3]), "needs_work") == (44, "needs_work")
    assert policy.next_steps == ("policy-1", "policy-3")  # the weakest answers, lowest first
    assert by_area["appi"].next_steps == ("appi-1", "appi-2")  # all 3: the first two
    assert report.overall == D.overall_score([a.score for a in report.areas])
    first = core.diagnosis.report(ALICE, "B1", 1)
    assert (first.previous_number, first.areas[0].previous) == (None, None)


def test_an_area_fully_answered_has_no_next_step_and_a_good_comment(core):
    core.diagnosis.answer(ALICE, "B1", all_answered(4), complete=True)
    report = core.diagnosis.report(ALICE, "B1")
    assert report.overall == 100 and all(a.next_steps == () and a.band == "good" for a in report.areas)
    assert D.comment("appi", "good", "ja").startswith("個人情報保護法への対応はよくできています")


def test_the_report_as_json():
    report = D.Report("B1", "B1", 2, dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc), 60, "needs_work",
                      (D.AreaReport("appi", 60, "needs_work", 50, ("appi-1",)),), {"appi-1": 1}, 1,
                      dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc), 50)
    assert report.as_json() == {
        "business": "B1", "number": 2, "completed_at": "2026-11-22T00:00:00+00:00", "overall": 60,
        "band": "needs_work",
        "areas": [{"area": "appi", "score": 60, "band": "needs_work", "previous": 50, "next_steps": ["appi-1"]}],
        "previous": {"number": 1, "completed_at": "2026-01-05T00:00:00+00:00", "overall": 50},
    }


# -- access (DOMAIN §9) ------------------------------------------------------------------------------


@pytest.mark.parametrize("actor, business, sees", [
    (ALICE, "B1", True), (ALICE, "B2", False),
    (BOB, "B2", True), (BOB, "B1", False),
    (SATO, "B1", True), (SATO, "B2", False),
    (ROOT, "B1", True), (ROOT, "B2", True),
    (OPERATOR, "B2", True),
    (ROOT, "NO-SUCH", False), (ALICE, "NO-SUCH", False),
])
def test_who_sees_whose_diagnosis(core, actor, business, sees):
    core.diagnosis.answer(OPERATOR, "B1", all_answered(2), complete=True)
    core.diagnosis.answer(OPERATOR, "B2", all_answered(3), complete=True)
    calls = [lambda: core.diagnosis.diagnoses(actor, business), lambda: core.diagnosis.report(actor, business),
             lambda: core.diagnosis.diagnosis(actor, business, 1), lambda: core.diagnosis.start(actor, business),
             lambda: core.diagnosis.answer(actor, business, {"appi-1": 1})]
    for call in calls:
        if sees:
            call()
        else:
            with pytest.raises(NotFound) as hidden:
                call()
            assert hidden.value.message == f"no business {business!r}"  # as for one that does not exist


def test_another_business_diagnosis_stays_as_it_was(core):
    core.diagnosis.answer(BOB, "B2", {"appi-1": 3})
    with pytest.raises(NotFound):
        core.diagnosis.answer(ALICE, "B2", {"appi-1": 0})
    assert core.diagnosis.diagnosis(BOB, "B2", 1).answers == {"appi-1": 3}


def test_staff_and_admins_take_it_for_a_business_they_see_and_the_event_names_them(core):
    done = core.diagnosis.answer(SATO, "B1", all_answered(2), complete=True)
    assert done.started_by == SATO.user
    assert core.diagnosis.answer(ROOT, "B2", {"appi-1": 2}).started_by == ROOT.user


def test_the_system_reads_but_does_not_answer(core):
    with pytest.raises(NotPermitted):
        core.diagnosis.answer(SYSTEM, "B1", {"appi-1": 2})
    assert core.diagnosis.diagnoses(SYSTEM, "B1") == []


def test_an_unknown_diagnosis_number_is_not_found(core):
    core.diagnosis.start(ALICE, "B1")
    for number in (0, 2, -1, "1", True):
        with pytest.raises(NotFound):
            core.diagnosis.diagnosis(ALICE, "B1", number)


# -- the staff overview --------------------------------------------------------------------------------


def test_staff_see_their_programmes_businesses_counted_by_band_per_area(core):
    core.diagnosis.answer(ALICE, "B1", all_answered(1), complete=True)  # 25: high risk
    core.diagnosis.answer(ALICE, "B1", all_answered(3, **{"appi-1": 0}), complete=True)  # latest: 60 / 75
    core.diagnosis.answer(ALICE, "B1", {"appi-1": 4})  # a third, in progress
    core.diagnosis.answer(BOB, "B2", all_answered(4), complete=True)
    seen = core.diagnosis.overview(SATO)
    assert [(r.business, r.taken, r.latest, r.in_progress) for r in seen.rows] == [("B1", 3, 2, 3)]
    row = seen.rows[0]
    assert row.overall == 74 and row.area_scores[0] == 60 and row.name == "B1 株式会社"
    assert seen.distribution["appi"] == {"high_risk": 0, "needs_work": 1, "good": 0}
    assert seen.distribution["policy"] == {"high_risk": 0, "needs_work": 0, "good": 1}
    assert seen.overall_distribution == {"high_risk": 0, "needs_work": 0, "good": 1}
    everyone = core.diagnosis.overview(ROOT)
    assert [r.business for r in everyone.rows] == ["B1", "B2"]
    assert everyone.distribution["policy"]["good"] == 2


def test_a_business_that_never_completed_one_is_listed_without_scores(core):
    core.diagnosis.start(ALICE, "B1")
    (row,) = core.diagnosis.overview(SATO).rows
    assert (row.latest, row.in_progress, row.overall, row.area_scores) == (None, 1, None, None)


def test_insured_users_have_no_overview(core):
    with pytest.raises(NotFound):
        core.diagnosis.overview(ALICE)


# -- the PDF ----------------------------------------------------------------------------------------------


def test_the_pdf_embeds_a_japanese_font_and_says_the_report(core):
    pytest.importorskip("fpdf")
    from casemgr.diagnosis_pdf import report_pdf

    core.diagnosis.answer(ALICE, "B1", all_answered(1), complete=True)
    core.diagnosis.answer(ALICE, "B1", all_answered(3, **{"appi-1": 0}), complete=True)
    pdf = report_pdf(core.diagnosis.report(ALICE, "B1"), "ja")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile" in pdf and b"NotoSansCJK" in pdf  # embedded, not referred to
    assert b"/Type /Page" in pdf


def test_a_missing_font_is_said_plainly(monkeypatch):
    from casemgr import diagnosis_pdf

    monkeypatch.setattr(diagnosis_pdf, "FONT_DIRS", ())
    monkeypatch.setattr(diagnosis_pdf.shutil, "which", lambda name: None)
    with pytest.raises(diagnosis_pdf.FontMissing, match="fonts-noto-cjk"):
        diagnosis_pdf.find_font()
